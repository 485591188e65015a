// The drain benchmark (`npm run bench:drain`): nth and upstream NTH v1.25.6
// side by side, each as the executable it ships as, draining the same node.
//
// Scene (fresh for every run): 100 pods of five Deployments, each under a
// PodDisruptionBudget with maxUnavailable 10 %, on one kwok node of the real
// control plane (apiserver + controller-manager + scheduler), two spare nodes
// for the replacements. The agent runs in-cluster style on that node
// (service-account files bind-mounted, bench/subjects.ts), as its own
// ServiceAccount of the `nth-bench` namespace (bound to cluster-admin, the
// same for every agent), with AEMM behind a recording proxy as IMDS. After it
// has started and idled, the spot path answers with an interruption notice;
// the run is timed notice → the node lists no pod. Scenarios:
//   fast  replacements are Ready at once (kwok): the client's rate limit
//         paces the drain;
//   slow  replacements become Ready --ready-delay after they are scheduled
//         (kwok's nth-pod-running stage, annotation realtest.nth.dev/ready-delay):
//         the PDBs pace the drain.
// Agents and settings:
//   nth       dist/'s default flavour with the image's ENV and the DaemonSet's
//             settings; "defaults" as shipped (KUBE_API_QPS 20, burst 40,
//             POLL_INTERVAL 0.75, probes server on), "equal" at NTH's
//             settings (KUBE_API_QPS 5, burst 10, POLL_INTERVAL 2, probes
//             server off);
//   NTH       upstream v1.25.6 built from the Go module proxy (bench/upstream.ts)
//             with the DaemonSet's settings and its own defaults: client-go
//             QPS 5 / burst 10 per API group (it sets none), polls every 2 s,
//             probes server off. Its defaults are the equal settings: one run
//             serves both tables;
//   kubectl-style (no rate limit, reference)
//             the loop of kubectl's drain library with no client limit
//             (bench/drain-child.ts), the bench cordons the node first.
// Requests and HTTP 429s come from the apiserver's audit log per
// ServiceAccount (test/real/up.sh records the nth-bench namespace's), counted
// from the notice to 2 s after the last pod went. RSS from /proc: VmRSS
// before the notice, VmHWM at the end.
//
//   node bench/drain.ts [--pods=100] [--scenarios=fast,slow] [--ready-delay=2s]
//                       [--only=nth,upstream,kubectl] [--settings=defaults,equal]
//                       [--repeat=1] [--json=FILE]
//
// Writes bench/results/drain-<date>.json. Brings the stack up with
// test/real/up.sh unless NTH_REAL_STATE names one (its audit policy must
// record the nth-bench namespace), and down again afterwards.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as v from 'valibot';
import { sleep } from '../src/clock.ts';
import * as harness from '../test/real/harness.ts';
import { agentDrain } from './drain-agent.ts';
import { type AuditCount, benchNamespace, countAudit, serviceAccountUser } from './drain-audit.ts';
import { type ChildInput, type ChildReport, ChildReportSchema, memoryOf } from './drain-protocol.ts';
import { buildManifest, daemonSetEnv, imageEnv, inClusterCommand, shippedExecutable, type Subject, upstreamSubject } from './subjects.ts';
import { adminServiceAccount, ensureNamespace, withStack } from './stack.ts';
import { table } from './table.ts';
import { upstreamExecutable, upstreamVersion } from './upstream.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const argv = process.argv.slice(2);
const option = (name: string): string | undefined => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const list = (text: string): string[] =>
	text
		.split(',')
		.map((word) => word.trim())
		.filter((word) => word !== '');
const podCount = Number(option('pods') ?? 100);
const scenarios = list(option('scenarios') ?? 'fast,slow').filter((name): name is Scenario => name === 'fast' || name === 'slow');
const readyDelay = option('ready-delay') ?? '2s';
const wanted = list(option('only') ?? 'nth,upstream,kubectl');
const settingsWanted = list(option('settings') ?? 'defaults,equal');
const repeat = Number(option('repeat') ?? 1);
const deployments = 5;
const replicas = Math.ceil(podCount / deployments);
const drainTimeoutMs = 240_000;
const idleMs = 3_000;
const READY_DELAY_ANNOTATION = 'realtest.nth.dev/ready-delay';

type Scenario = 'fast' | 'slow';
type Who = 'nth' | 'upstream' | 'kubectl';
type Settings = 'defaults' | 'equal';

/** nth at NTH's settings: client-go's QPS/burst, NTH's poll interval, no probes server (NTH ships it off). */
const equalEnv = { KUBE_API_QPS: '5', KUBE_API_BURST: '10', POLL_INTERVAL: '2', ENABLE_PROBES_SERVER: 'false' };

interface Row {
	readonly scenario: Scenario;
	readonly who: Who;
	/** The table(s) the row belongs to: NTH's defaults are the equal settings. */
	readonly settings: readonly Settings[];
	readonly label: string;
	readonly serviceAccount: string;
	readonly env: Readonly<Record<string, string>>;
	readonly ok: boolean;
	readonly error?: string | undefined;
	readonly pods: number;
	readonly drainSeconds: number | undefined;
	readonly noticeToCordonMs: number | undefined;
	/** From the audit log, notice → 2 s after the last pod went. */
	readonly requests: AuditCount;
	/** From the audit log, spawn → notice (start-up and idle). */
	readonly requestsBeforeNotice: number | undefined;
	readonly idleKb: number;
	readonly peakKb: number;
}

// ---------------------------------------------------------------- the scene

interface Scene {
	readonly namespace: string;
	readonly busy: string;
	readonly spares: readonly string[];
}

const allocatable = { cpu: '64', memory: '256Gi', pods: '250' };

async function createScene(cluster: harness.RealCluster, scenario: Scenario): Promise<Scene> {
	const suffix = Math.random().toString(16).slice(2, 8);
	const group = `bench-${suffix}`;
	const namespace = await harness.createNamespace(cluster, 'bench');
	const busy = `bench-${suffix}-busy`;
	const spares = [`bench-${suffix}-spare1`, `bench-${suffix}-spare2`];
	await harness.createNode(cluster, busy, { labels: { 'bench.nth.dev/group': group }, allocatable });
	for (const spare of spares)
		await harness.createNode(cluster, spare, { labels: { 'bench.nth.dev/group': group }, unschedulable: true, allocatable });
	const annotations = scenario === 'slow' ? { [READY_DELAY_ANNOTATION]: readyDelay } : undefined;
	for (let index = 0; index < deployments; index += 1) {
		const app = `app-${index}`;
		await cluster.apps.createNamespacedDeployment({
			namespace,
			body: {
				metadata: { name: app, namespace },
				spec: {
					replicas,
					selector: { matchLabels: { app } },
					template: {
						metadata: { labels: { app }, ...(annotations === undefined ? {} : { annotations }) },
						spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }], nodeSelector: { 'bench.nth.dev/group': group } },
					},
				},
			},
		});
		await harness.createPdb(cluster, namespace, app, { selector: { app }, maxUnavailable: '10%' });
	}
	// Every pod Running on the busy node and every PDB counting them healthy: before that evictions answer 429 for a reason that is not the budget.
	await harness.waitFor(
		async () => {
			const pods = await cluster.core.listNamespacedPod({ namespace });
			const running = pods.items.filter(
				(pod) => pod.spec?.nodeName === busy && pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined,
			);
			if (running.length !== replicas * deployments || pods.items.length !== replicas * deployments) return false;
			const pdbs = await cluster.policy.listNamespacedPodDisruptionBudget({ namespace });
			return (
				pdbs.items.length === deployments &&
				pdbs.items.every(
					(pdb) =>
						pdb.status?.currentHealthy === replicas &&
						pdb.status.observedGeneration === pdb.metadata?.generation &&
						(pdb.status.disruptionsAllowed ?? 0) > 0,
				)
			);
		},
		{ timeoutMs: 300_000, intervalMs: 500, what: `${replicas * deployments} pods running on "${busy}" under settled PDBs` },
	);
	// The spares take the replacements from now on.
	for (const spare of spares) await setUnschedulable(cluster, spare, false);
	return { namespace, busy, spares };
}

/** A JSON patch (client-node's default patch type): `add` sets the field whether or not it is there. */
async function setUnschedulable(cluster: harness.RealCluster, name: string, unschedulable: boolean): Promise<void> {
	await cluster.core.patchNode({ name, body: [{ op: 'add', path: '/spec/unschedulable', value: unschedulable }] });
}

async function removeScene(cluster: harness.RealCluster, scene: Scene): Promise<void> {
	await harness
		.deleteNamespace(cluster, scene.namespace, { wait: true, timeoutMs: 120_000 })
		.catch((error: unknown) => console.error(`bench:drain: cannot delete namespace "${scene.namespace}": ${String(error)}`));
	for (const node of [scene.busy, ...scene.spares])
		await harness
			.deleteNode(cluster, node)
			.catch((error: unknown) => console.error(`bench:drain: cannot delete node "${node}": ${String(error)}`));
}

// ---------------------------------------------------------------- identities

/** A ServiceAccount of the bench namespace bound to cluster-admin, its audit user name and service-account files. */
async function identity(cluster: harness.RealCluster, name: string): Promise<{ user: string; token: string; dir: string }> {
	const { token, dir } = await adminServiceAccount(cluster, benchNamespace, name);
	return { user: serviceAccountUser(name), token, dir };
}

// ---------------------------------------------------------------- the kubectl-style reference

/** The shipped Node flags (scripts/flavours.mjs), read as data: that file has no types. */
async function nodeFlags(): Promise<string[]> {
	const flavours: unknown = await import(join(root, 'scripts', 'flavours.mjs'));
	return v.parse(v.object({ nodeExecArgv: v.array(v.string()) }), { ...(flavours as object) }).nodeExecArgv;
}

async function bundleChild(): Promise<string> {
	const dir = join(root, '.tmp', 'bench');
	mkdirSync(dir, { recursive: true });
	const outfile = join(dir, 'drain-child.mjs');
	await build({
		entryPoints: [join(root, 'bench', 'drain-child.ts')],
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'es2023',
		minify: true,
		outfile,
		logLevel: 'warning',
	});
	return outfile;
}

/** Runs the kubectl-style drain in a child (bench/drain-child.ts) as `token`'s ServiceAccount. */
async function kubectlDrain(
	bundle: string,
	input: ChildInput,
): Promise<{ report: ChildReport; idleKb: number; peakKb: number; startedAtEpochMs: number; endAtEpochMs: number }> {
	const proc = spawn(process.execPath, [...(await nodeFlags()), bundle, JSON.stringify(input)], {
		cwd: root,
		stdio: ['pipe', 'pipe', 'inherit'],
		env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
	});
	const pid = proc.pid ?? 0;
	const reports: ChildReport[] = [];
	let buffer = '';
	let wake: (() => void) | undefined;
	proc.stdout.on('data', (chunk: Buffer) => {
		buffer += chunk.toString();
		for (let index = buffer.indexOf('\n'); index >= 0; index = buffer.indexOf('\n')) {
			const line = buffer.slice(0, index);
			buffer = buffer.slice(index + 1);
			if (line.trim() !== '') reports.push(v.parse(ChildReportSchema, JSON.parse(line)));
			wake?.();
		}
	});
	const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
	const next = async (phase: ChildReport['phase']): Promise<ChildReport> => {
		for (;;) {
			const found = reports.find((report) => report.phase === phase);
			if (found !== undefined) return found;
			const outcome = await Promise.race([new Promise<'more'>((resolve) => (wake = () => resolve('more'))), exited]);
			if (outcome !== 'more')
				throw new Error(`Cannot run the kubectl-style drain child: it exited with ${String(outcome)} before reporting "${phase}"`);
		}
	};
	const idle = await next('idle');
	const idleKb = Math.max(idle.rssKb, memoryOf(pid).rssKb);
	let peakKb = 0;
	const poll = setInterval(() => {
		try {
			peakKb = Math.max(peakKb, memoryOf(pid).hwmKb);
		} catch {
			// The child is exiting; its own last report carries VmHWM too.
		}
	}, 100);
	const startedAtEpochMs = Date.now();
	proc.stdin.write('go\n');
	const report = await next('done');
	const endAtEpochMs = Date.now() + 2_000;
	clearInterval(poll);
	peakKb = Math.max(peakKb, memoryOf(pid).hwmKb, report.hwmKb);
	proc.stdin.write('exit\n');
	proc.stdin.end();
	await exited;
	return { report, idleKb, peakKb, startedAtEpochMs, endAtEpochMs };
}

// ---------------------------------------------------------------- runs

interface Plan {
	readonly who: Who;
	readonly settings: readonly Settings[];
	readonly label: string;
	readonly serviceAccount: string;
	readonly env: Readonly<Record<string, string>>;
	readonly executable?: string;
}

function plans(upstreamBinary: string | undefined): Plan[] {
	const flavour = buildManifest().defaultFlavour;
	const shipped = shippedExecutable(flavour);
	const nthEnv = { ...imageEnv(), ...shipped.env };
	const out: Plan[] = [];
	if (wanted.includes('upstream') && upstreamBinary !== undefined)
		out.push({
			who: 'upstream',
			settings: ['defaults', 'equal'],
			label: `NTH ${upstreamVersion}`,
			serviceAccount: 'upstream-nth',
			env: { ENABLE_PROBES_SERVER: 'false' },
			executable: upstreamBinary,
		});
	if (wanted.includes('nth') && settingsWanted.includes('defaults'))
		out.push({ who: 'nth', settings: ['defaults'], label: `nth ${flavour}`, serviceAccount: 'nth', env: nthEnv, executable: shipped.path });
	if (wanted.includes('nth') && settingsWanted.includes('equal'))
		out.push({
			who: 'nth',
			settings: ['equal'],
			label: `nth ${flavour} at 5/10`,
			serviceAccount: 'nth-equal',
			env: { ...nthEnv, ...equalEnv },
			executable: shipped.path,
		});
	if (wanted.includes('kubectl'))
		out.push({
			who: 'kubectl',
			settings: ['defaults'],
			label: 'kubectl-style (no rate limit, reference)',
			serviceAccount: 'kubectl-style',
			env: {},
		});
	return out;
}

async function runOne(cluster: harness.RealCluster, scenario: Scenario, plan: Plan, bundle: string | undefined): Promise<Row> {
	const scene = await createScene(cluster, scenario);
	const who = await identity(cluster, plan.serviceAccount);
	const head = { scenario, who: plan.who, settings: plan.settings, label: plan.label, serviceAccount: who.user, env: plan.env };
	const auditOf = (from: number, to: number): AuditCount => countAudit(readFileSync(cluster.state.auditLog, 'utf8'), who.user, from, to);
	try {
		if (plan.who === 'kubectl') {
			await setUnschedulable(cluster, scene.busy, true);
			const run = await kubectlDrain(bundle ?? '', {
				mode: 'kubectl',
				stateDir: cluster.state.stateDir,
				nodeName: scene.busy,
				deadlineSeconds: drainTimeoutMs / 1000,
				token: who.token,
			});
			await sleep(2_000);
			return {
				...head,
				ok: run.report.ok === true,
				error: run.report.error,
				pods: run.report.pods ?? 0,
				drainSeconds: (run.report.wallMs ?? 0) / 1000,
				noticeToCordonMs: undefined,
				requests: auditOf(run.startedAtEpochMs, run.endAtEpochMs),
				requestsBeforeNotice: undefined,
				idleKb: run.idleKb,
				peakKb: run.peakKb,
			};
		}
		const base: Subject =
			plan.who === 'upstream'
				? upstreamSubject(who.dir, plan.executable ?? '')
				: {
						key: 'nth',
						label: plan.label,
						kind: 'nth',
						command: inClusterCommand(who.dir, plan.executable ?? ''),
						executable: plan.executable ?? '',
						env: {},
					};
		const subject: Subject = { ...base, env: plan.env };
		const drained = await agentDrain({
			cluster,
			subject,
			shipped: daemonSetEnv(),
			node: scene.busy,
			namespace: scene.namespace,
			pods: replicas * deployments,
			idleMs,
			timeoutMs: drainTimeoutMs,
		});
		// Blocking audit mode has written every event of a request before its response; the agent is stopped.
		await sleep(500);
		if (drained.error !== undefined && drained.lastLines !== undefined)
			console.error(`bench:drain [${plan.label}]: ${drained.error}; last lines:\n${drained.lastLines}`);
		return {
			...head,
			ok: drained.ok,
			error: drained.error,
			pods: drained.pods - drained.podsLeft,
			drainSeconds: drained.drainMs === undefined ? undefined : drained.drainMs / 1000,
			noticeToCordonMs: drained.noticeToCordonMs,
			requests: auditOf(drained.noticeAtEpochMs, drained.endAtEpochMs),
			requestsBeforeNotice: auditOf(drained.spawnedAtEpochMs, drained.noticeAtEpochMs - 1).total,
			idleKb: drained.idleKb,
			peakKb: drained.peakKb,
		};
	} finally {
		rmSync(who.dir, { recursive: true, force: true });
		await removeScene(cluster, scene);
	}
}

// ---------------------------------------------------------------- report

const sum = (count: AuditCount, predicate: (kind: string) => boolean): number =>
	Object.entries(count.byKind)
		.filter(([kind]) => predicate(kind))
		.reduce((total, [, n]) => total + n, 0);
const evictions = (c: AuditCount): number => sum(c, (kind) => kind === 'create pods/eviction');
const podGets = (c: AuditCount): number => sum(c, (kind) => kind === 'get pods');
const lists = (c: AuditCount): number => sum(c, (kind) => kind.startsWith('list '));
const watches = (c: AuditCount): number => sum(c, (kind) => kind.startsWith('watch '));

function median(values: readonly number[]): number | undefined {
	if (values.length === 0) return undefined;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor((sorted.length - 1) / 2)];
}

const f = (value: number | undefined, digits = 1): string => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const mib = (kb: number): string => (kb === 0 ? '-' : (kb / 1024).toFixed(1));

function print(rows: readonly Row[]): void {
	console.log(
		`\ndrain benchmark, ${new Date().toISOString()}: ${podCount} pods (${deployments} Deployments × ${replicas}, PDB maxUnavailable 10 %) on one kwok node, real apiserver + controller-manager + scheduler`,
	);
	console.log(
		"drain s = spot notice → the node lists no pod; requests, 429s: the apiserver audit log of the agent's ServiceAccount, notice → 2 s after the last pod went; RSS MiB: VmRSS idle before the notice, VmHWM at the end",
	);
	for (const scenario of scenarios) {
		for (const settings of settingsWanted.filter((name): name is Settings => name === 'defaults' || name === 'equal')) {
			const mine = rows.filter((row) => row.scenario === scenario && row.settings.includes(settings));
			if (mine.length === 0) continue;
			const title =
				settings === 'defaults'
					? 'defaults (each as shipped: nth QPS 20 / burst 40, poll 0.75 s, probes on; NTH client-go 5 / 10 per API group, poll 2 s, probes off)'
					: "equal settings (nth at KUBE_API_QPS 5, KUBE_API_BURST 10, POLL_INTERVAL 2, probes off = NTH's defaults; same servers, same stack)";
			console.log(
				`\n${scenario === 'fast' ? 'replacements Ready at once' : `replacements Ready ${readyDelay} after scheduling (the PDBs pace the drain)`} — ${title}`,
			);
			const out: string[][] = [
				[
					'agent',
					'ok',
					'pods',
					'drain s',
					'n→cordon ms',
					'requests',
					'req/pod',
					'429s',
					'evictions',
					'pod GETs',
					'lists',
					'watches',
					'other',
					'idle MiB',
					'peak MiB',
				],
			];
			for (const row of mine) {
				const r = row.requests;
				const other = r.total - evictions(r) - podGets(r) - lists(r) - watches(r);
				out.push([
					row.label,
					row.ok ? 'yes' : 'NO',
					String(row.pods),
					f(row.drainSeconds),
					f(row.noticeToCordonMs, 0),
					String(r.total),
					f(r.total / Math.max(1, row.pods), 2),
					String(r.tooManyRequests),
					String(evictions(r)),
					String(podGets(r)),
					String(lists(r)),
					String(watches(r)),
					String(other),
					mib(row.idleKb),
					mib(row.peakKb),
				]);
			}
			console.log(table(out));
			const pick = (who: Who, read: (row: Row) => number | undefined): number | undefined =>
				median(
					mine
						.filter((row) => row.who === who && row.ok)
						.map(read)
						.filter((value): value is number => value !== undefined),
				);
			const ratio = (read: (row: Row) => number | undefined): string => {
				const a = pick('nth', read);
				const b = pick('upstream', read);
				return a === undefined || b === undefined || b === 0 ? '-' : `${(a / b).toFixed(2)}×`;
			};
			console.log(
				`nth/NTH: drain time ${ratio((row) => row.drainSeconds)}, requests ${ratio((row) => row.requests.total)}, req/pod ${ratio((row) => row.requests.total / Math.max(1, row.pods))}, 429s ${ratio((row) => row.requests.tooManyRequests)}, peak RSS ${ratio((row) => row.peakKb)}`,
			);
			for (const row of mine) {
				if (row.error !== undefined) console.log(`  ${row.label}: ${row.error}`);
				const detail = Object.entries(row.requests.byKind)
					.sort(([, a], [, b]) => b - a)
					.map(([kind, n]) => `${kind} ${n}`)
					.join(', ');
				console.log(
					`  ${row.label}: ${detail}${Object.keys(row.requests.errors).length === 0 ? '' : `; errors ${JSON.stringify(row.requests.errors)}`}${row.requestsBeforeNotice === undefined ? '' : `; ${row.requestsBeforeNotice} requests from start to the notice`}`,
				);
			}
		}
	}
	console.log(
		'\nEvery agent runs as its own ServiceAccount bound to cluster-admin; NTH has no KUBE_API_QPS/KUBE_API_BURST (client-go defaults, one limiter per API group: evictions and pod GETs each at 5/s).',
	);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
	const rows: Row[] = [];
	const date = new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
	const jsonOut = option('json') ?? join(root, 'bench', 'results', `drain-${date}.json`);
	const save = (): void => {
		mkdirSync(join(jsonOut, '..'), { recursive: true });
		writeFileSync(
			jsonOut,
			`${JSON.stringify({ date: new Date().toISOString(), upstreamVersion, podCount, deployments, readyDelay, equalEnv, rows }, null, 2)}\n`,
		);
	};
	await withStack('bench:drain', async ({ stateDir, cluster }) => {
		const policy = readFileSync(join(cluster.state.stateDir, 'audit-policy.yaml'), 'utf8');
		if (!policy.includes(`system:serviceaccounts:${benchNamespace}`))
			throw new Error(
				`Cannot run the drain benchmark on ${stateDir}: its audit policy does not record the ${benchNamespace} namespace (a stack from an older test/real/up.sh)`,
			);
		await ensureNamespace(cluster, benchNamespace);
		const upstream = wanted.includes('upstream') ? upstreamExecutable() : undefined;
		if (wanted.includes('upstream') && upstream === undefined) console.error('bench:drain: no Go toolchain: upstream NTH left out');
		const bundle = wanted.includes('kubectl') ? await bundleChild() : undefined;
		const planned = plans(upstream);
		for (let round = 0; round < repeat; round += 1) {
			for (const scenario of scenarios) {
				for (const plan of planned) {
					console.error(
						`bench:drain [${scenario}${repeat > 1 ? ` #${round + 1}` : ''}] ${plan.label}: ${deployments} Deployments × ${replicas} pods…`,
					);
					const row = await runOne(cluster, scenario, plan, bundle);
					rows.push(row);
					save();
					console.error(
						`bench:drain [${scenario}] ${plan.label}: ${row.ok ? 'drained' : `FAILED (${row.error ?? '?'})`} ${row.pods} pods in ${f(row.drainSeconds)} s, ${row.requests.total} requests (${row.requests.tooManyRequests} × 429), peak ${mib(row.peakKb)} MiB`,
					);
				}
			}
		}
	});
	print(rows);
	console.log(`\nJSON: ${jsonOut}`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
		process.exit(1);
	},
);
