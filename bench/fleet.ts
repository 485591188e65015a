// bench:fleet — a fleet-scale interruption on one real control plane (issue 12).
//
// One test/real/up.sh stack (audit log per ServiceAccount, disruption
// controller, scheduler, kwok), N kwok nodes each with its own agent process
// and its own scriptable IMDS (test/real/scriptable-imds.ts, one port per
// node), P pods in Deployments under PDBs (maxUnavailable 10 %) spread over
// the nodes. Then `fraction` of the nodes get a spot interruption notice at
// the same instant. One run per implementation (nth, upstream NTH), each on a
// fresh scene, each agent fleet under its own ServiceAccount so the audit log
// separates them.
//
// Reports: time until every interrupted node holds no evictable pod,
// replacements that landed on an interrupted node (re-evictions), PDB
// violations (pods unavailable beyond a PDB's budget, sampled by a watch-free
// poll of pods every 250 ms), apiserver requests/s and 429s in the storm window,
// the agents' total RSS and CPU (from /proc).
//
//   npm run bench:fleet -- [--nodes=50] [--pods=2000] [--fraction=0.2]
//                          [--only=nth,upstream] [--qps=Q --burst=B] [--json=path]
//
// STATUS: run at 5 nodes / 100 pods only so far (see the helper report of the fleet branch).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../src/clock.ts';
import * as harness from '../test/real/harness.ts';
import { startScriptableImds, type ScriptableImds } from '../test/real/scriptable-imds.ts';
import { type Agent, agentEnv, startAgent } from './agent-process.ts';
import { benchNamespace, countAudit, serviceAccountUser } from './drain-audit.ts';
import { imageEnv, inClusterCommand, shippedExecutable, type Subject, upstreamSubject } from './subjects.ts';
import { upstreamExecutable, upstreamVersion } from './upstream.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const option = (name: string): string | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const nodeCount = Number(option('nodes') ?? '50');
const podCount = Number(option('pods') ?? '2000');
const fraction = Number(option('fraction') ?? '0.2');
const only = (option('only') ?? 'nth,upstream').split(',');
const qps = option('qps');
const burst = option('burst');
const perDeployment = 20;
const allocatable = { cpu: '64', memory: '256Gi', pods: '250' };
const stormTimeoutMs = 600_000;

interface Row {
	readonly who: string;
	readonly label: string;
	readonly env: Readonly<Record<string, string>>;
	readonly nodes: number;
	readonly interrupted: number;
	readonly pods: number;
	readonly drainSeconds: number | undefined;
	readonly reEvictions: number;
	readonly pdbViolations: number;
	readonly requests: number;
	readonly requestsPerSecond: number;
	readonly tooManyRequests: number;
	readonly totalRssMiB: number;
	readonly cpuSeconds: number;
	readonly error?: string;
}

function procOf(pid: number): { rssKb: number; cpuTicks: number } {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? '0');
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return { rssKb: rss, cpuTicks: Number(fields[11] ?? '0') + Number(fields[12] ?? '0') };
	} catch {
		return { rssKb: 0, cpuTicks: 0 };
	}
}

async function identity(cluster: harness.RealCluster, name: string): Promise<string> {
	const token = await harness.createServiceAccountToken(cluster, benchNamespace, name, { expirationSeconds: 7200 });
	await cluster.rbac
		.createClusterRoleBinding({
			body: {
				metadata: { name: `nth-bench-${name}` },
				roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
				subjects: [{ kind: 'ServiceAccount', name, namespace: benchNamespace }],
			},
		})
		.catch((error: unknown) => {
			if (harness.statusOf(error) !== 409) throw error;
		});
	const dir = mkdtempSync(join(tmpdir(), 'nth-bench-sa-'));
	writeFileSync(join(dir, 'ca.crt'), readFileSync(cluster.state.caFile));
	writeFileSync(join(dir, 'token'), token);
	writeFileSync(join(dir, 'namespace'), benchNamespace);
	return dir;
}

async function runOne(cluster: harness.RealCluster, who: 'nth' | 'upstream'): Promise<Row> {
	const suffix = Math.random().toString(16).slice(2, 8);
	const group = `fleet-${suffix}`;
	const namespace = await harness.createNamespace(cluster, 'fleet');
	const nodes = Array.from({ length: nodeCount }, (_, index) => `${group}-${index}`);
	for (const node of nodes) await harness.createNode(cluster, node, { labels: { 'bench.nth.dev/group': group }, allocatable });
	const deployments = Math.ceil(podCount / perDeployment);
	for (let index = 0; index < deployments; index += 1) {
		const app = `app-${index}`;
		await cluster.apps.createNamespacedDeployment({
			namespace,
			body: {
				metadata: { name: app, namespace },
				spec: {
					replicas: perDeployment,
					selector: { matchLabels: { app } },
					template: {
						metadata: { labels: { app } },
						spec: {
							containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }],
							nodeSelector: { 'bench.nth.dev/group': group },
							topologySpreadConstraints: [
								{
									maxSkew: 1,
									topologyKey: 'kubernetes.io/hostname',
									whenUnsatisfiable: 'ScheduleAnyway',
									labelSelector: { matchLabels: { app } },
								},
							],
						},
					},
				},
			},
		});
		await harness.createPdb(cluster, namespace, app, { selector: { app }, maxUnavailable: '10%' });
	}
	await harness.waitFor(
		async () => {
			const pods = await cluster.core.listNamespacedPod({ namespace });
			return pods.items.filter((pod) => pod.status?.phase === 'Running').length === deployments * perDeployment;
		},
		{ timeoutMs: 900_000, intervalMs: 2000, what: `${deployments * perDeployment} pods running` },
	);

	const saName = who === 'nth' ? `fleet-nth${qps === undefined ? '' : `-${qps}-${burst ?? ''}`}` : 'fleet-upstream';
	const saDir = await identity(cluster, saName);
	let subject: Subject;
	let shippedEnv: Readonly<Record<string, string>> = {};
	if (who === 'nth') {
		const shipped = shippedExecutable('bun');
		shippedEnv = shipped.env;
		const env: Record<string, string> = { ...imageEnv() };
		if (qps !== undefined) env['KUBE_API_QPS'] = qps;
		if (burst !== undefined) env['KUBE_API_BURST'] = burst;
		subject = { key: 'nth', label: 'nth bun', kind: 'nth', command: inClusterCommand(saDir, shipped.path), executable: shipped.path, env };
	} else {
		const binary = upstreamExecutable();
		if (binary === undefined) throw new Error('Cannot run upstream NTH: no Go toolchain to build it');
		subject = upstreamSubject(saDir, binary);
	}
	const imds: ScriptableImds[] = [];
	const agents: Agent[] = [];
	try {
		for (const [index, node] of nodes.entries()) {
			const server = await startScriptableImds();
			imds.push(server);
			agents.push(startAgent(subject, agentEnv(subject, cluster.state, shippedEnv, node, server.url, 20_000 + index)));
		}
		await sleep(15_000);
		const interrupted = nodes.slice(0, Math.round(nodeCount * fraction));
		const before = agents.map((agent) => procOf(agent.pid));
		const startEpoch = Date.now();
		const action = { action: 'terminate', time: new Date(startEpoch + 120_000).toISOString().replace(/\.\d+Z$/, 'Z') };
		for (const server of imds.slice(0, interrupted.length)) server.notices.spot = action;
		const initial = new Map<string, string>();
		for (const pod of (await cluster.core.listNamespacedPod({ namespace })).items)
			initial.set(pod.metadata?.name ?? '', pod.spec?.nodeName ?? '');
		const landed = new Set<string>();
		let violations = 0;
		let drainedAt: number | undefined;
		while (Date.now() - startEpoch < stormTimeoutMs) {
			const pods = (await cluster.core.listNamespacedPod({ namespace })).items;
			const unavailable = new Map<string, number>();
			for (const pod of pods) {
				const name = pod.metadata?.name ?? '';
				const node = pod.spec?.nodeName ?? '';
				if (!initial.has(name) && interrupted.includes(node)) landed.add(name);
				const app = pod.metadata?.labels?.['app'] ?? '';
				const ready = pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined;
				if (!ready) unavailable.set(app, (unavailable.get(app) ?? 0) + 1);
			}
			// maxUnavailable 10 % of 20 = 2; pods not yet scheduled count too, as the disruption controller counts them.
			for (const count of unavailable.values()) if (count > Math.ceil(perDeployment * 0.1)) violations += 1;
			const left = pods.filter((pod) => interrupted.includes(pod.spec?.nodeName ?? '') && pod.metadata?.deletionTimestamp === undefined);
			if (left.length === 0) {
				drainedAt = Date.now();
				break;
			}
			await sleep(250);
		}
		const endEpoch = drainedAt ?? Date.now();
		const after = agents.map((agent) => procOf(agent.pid));
		const audit = countAudit(readFileSync(cluster.state.auditLog, 'utf8'), serviceAccountUser(saName), startEpoch, endEpoch);
		const seconds = (endEpoch - startEpoch) / 1000;
		return {
			who,
			label: subject.label,
			env: subject.env,
			nodes: nodeCount,
			interrupted: interrupted.length,
			pods: deployments * perDeployment,
			drainSeconds: drainedAt === undefined ? undefined : seconds,
			reEvictions: landed.size,
			pdbViolations: violations,
			requests: audit.total,
			requestsPerSecond: audit.total / seconds,
			tooManyRequests: audit.tooManyRequests,
			totalRssMiB: after.reduce((sum, entry) => sum + entry.rssKb, 0) / 1024,
			cpuSeconds: after.reduce((sum, entry, index) => sum + entry.cpuTicks - (before[index]?.cpuTicks ?? 0), 0) / 100,
		};
	} finally {
		await Promise.all(agents.map((agent) => agent.stop()));
		await Promise.all(imds.map((server) => server.close()));
		await harness
			.deleteNamespace(cluster, namespace, { wait: false })
			.catch((error: unknown) => console.error(`bench:fleet: cannot delete namespace "${namespace}": ${String(error)}`));
		for (const node of nodes) await harness.deleteNode(cluster, node).catch(() => undefined);
	}
}

async function main(): Promise<void> {
	let stateDir = process.env['NTH_REAL_STATE'];
	let ownStack = false;
	if (stateDir === undefined || stateDir === '') {
		const up = spawnSync('bash', [join(root, 'test/real/up.sh')], {
			cwd: root,
			stdio: ['ignore', 'pipe', 'inherit'],
			encoding: 'utf8',
			env: { ...process.env, NTH_REAL_WATCH_PID: String(process.pid) },
		});
		stateDir = up.stdout.trim().split('\n').at(-1) ?? '';
		if (up.status !== 0 || stateDir === '') throw new Error('Cannot run the fleet benchmark: test/real/up.sh failed');
		ownStack = true;
	}
	const rows: Row[] = [];
	const date = new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
	const jsonOut = option('json') ?? join(root, 'bench', 'results', `fleet-${date}.json`);
	try {
		const cluster = harness.connect(stateDir);
		await cluster.core.createNamespace({ body: { metadata: { name: benchNamespace } } }).catch((error: unknown) => {
			if (harness.statusOf(error) !== 409) throw error;
		});
		for (const who of ['nth', 'upstream'] as const) {
			if (!only.includes(who)) continue;
			console.error(`bench:fleet ${who}: ${nodeCount} nodes, ${podCount} pods, ${fraction * 100} % interrupted…`);
			rows.push(await runOne(cluster, who));
			mkdirSync(join(jsonOut, '..'), { recursive: true });
			writeFileSync(
				jsonOut,
				`${JSON.stringify({ date: new Date().toISOString(), upstreamVersion, nodeCount, podCount, fraction, rows }, null, 2)}\n`,
			);
		}
	} finally {
		if (ownStack) spawnSync('bash', [join(root, 'test/real/down.sh'), stateDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	}
	console.table(rows.map(({ env: _env, ...rest }) => rest));
	console.log(`\nJSON: ${jsonOut}`);
}

// A timeout's SIGTERM must still end the agents (agent-process.ts kills them on exit) and the stack (its watchdog follows this pid).
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(130));

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
		process.exit(1);
	},
);
