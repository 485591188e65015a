// The memory-floor benchmark (`npm run bench:floor`, issue 11): how small a
// container memory limit each agent runs unimpaired in, measured the way
// Kubernetes enforces `limits.memory`.
//
// Every agent — nth's shipped executables (dist/, with the env they ship
// with, dist/build.json), upstream NTH v1.25.6 (built from the Go module
// proxy) and any `file:/path` executable — runs:
//   - in its own memory cgroup (v1 or v2, whichever the machine mounts) with a
//     hard limit from a ladder (none, 128, 96, 64, 48, 32, 24, 16, 12, 8 MiB);
//     the cgroup is charged for the page cache the agent faults in, its own
//     executable included, as a container's is;
//   - from a private copy of its executable on a loop-mounted ext4 file system
//     whose device read-ahead the bench sets (128 KB as on EC2's EBS/NVMe,
//     8192 KB as this machine's disk; the host disk is untouched), evicted from
//     the page cache before every start (bench/loop-fs.ts);
//   - in-cluster style on the real stack (test/real): service-account files
//     bind-mounted, AEMM behind a recording proxy as IMDS.
// Each rung: start the agent on a kwok node that holds N pods (5 Deployments
// under PDBs with maxUnavailable 10 %), let it idle, raise a spot interruption
// notice (the proxy switches the spot path to a second AEMM that has one), and
// time notice → cordon (a watch) and notice → last pod gone from the node. The
// evicted pods land on a fresh node that the next rung drains, so the pods are
// made once. Sampled every 250 ms from the cgroup: working set (usage −
// inactive file, as the kubelet reports it), idle (median of the idle window
// before the notice) and peak (the largest sample of the rung); from the
// kernel: limit hits (failcnt) and OOM kills.
//
// An agent's floor at a read-ahead is the smallest limit at which it, and every
// larger limit measured, starts (spawn → first IMDS request) in < 1 s, drains
// every pod within 1.2× its own unlimited drain time, and is not OOM-killed. A
// rung that fails (no start, OOM kill, pods left at the timeout) ends that
// agent's descent at that read-ahead (--no-stop: measure every limit anyway).
//
//   node bench/floor.ts [--quick] [--only=bun,node,upstream,file:/path[;K=V;-K]]
//                       [--limits=none,128,96,64,48,32,24,16,12,8] [--read-ahead=128,8192]
//                       [--pods=100] [--timeout=150] [--start-timeout=30] [--idle-seconds=5]
//                       [--smaps] [--no-stop] [--json=FILE]
//   node bench/floor.ts --report=bench/results/floor-….json [--limits=… --read-ahead=…]
//
// --quick: limits none,32,12, 20 pods, 60 s timeout, bun and upstream: a smoke
// run of a few minutes. --smaps: /proc/PID/smaps by mapping kind after start
// and after the drain, and how much of the executable a start touches
// (bench/pages.ts runs just that). Writes bench/results/floor-<date>.json
// (after every rung, so an interrupted run keeps what it measured).
//
// Needs root (cgroups, losetup, mount). Brings the stack up with
// test/real/up.sh unless NTH_REAL_STATE names one, and down again afterwards.
// Ctrl-C stops the rung in progress and cleans up (agents, cgroups, mount,
// loop device, Kubernetes objects, the stack).
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { type Aemm, startAemm } from '../test/real/aemm.ts';
import { freePort } from '../test/real/free-port.ts';
import * as harness from '../test/real/harness.ts';
import { spawnSync } from 'node:child_process';
import { sleep } from '../src/clock.ts';
import { type Agent, agentEnv, startAgent } from './agent-process.ts';
import {
	type CgroupHierarchy,
	createCgroup,
	detectCgroup,
	inCgroup,
	type MemoryCgroup,
	type MemorySample,
	removeCgroupTree,
} from './cgroup.ts';
import { type RecordingProxy, spotPath, startRecordingProxy } from './imds-proxy.ts';
import { cachedBytes, createLoopFs, evictFile, type LoopFs } from './loop-fs.ts';
import { type NodeWatch, watchNode } from './node-watch.ts';
import { readSmaps, type SmapsSummary } from './smaps.ts';
import { daemonSetEnv, extraEnv, fileSubject, inClusterCommand, shippedExecutable, type Subject, upstreamSubject } from './subjects.ts';
import { withStack } from './stack.ts';
import { table } from './table.ts';
import { upstreamExecutable, upstreamVersion } from './upstream.ts';

/** The agent's last log lines, clipped: why a rung's agent exited. */
const lastLines = (agent: Agent): string =>
	agent.lines
		.slice(-6)
		.map((line) => `    ${line.text.slice(0, 300)}`)
		.join('\n');

const root = join(fileURLToPath(import.meta.url), '..', '..');
const argv = process.argv.slice(2);
const option = (name: string): string | undefined => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const quick = flag('quick');
const list = (text: string): string[] =>
	text
		.split(',')
		.map((word) => word.trim())
		.filter((word) => word !== '');

const limitsMiB: readonly (number | undefined)[] = list(option('limits') ?? (quick ? 'none,32,12' : 'none,128,96,64,48,32,24,16,12,8')).map(
	(word) => (word === 'none' ? undefined : Number(word)),
);
const readAheadsKb = list(option('read-ahead') ?? '128,8192').map(Number);
const wanted = list(option('only') ?? (quick ? 'bun,upstream' : 'bun,node,upstream'));
const podCount = Number(option('pods') ?? (quick ? 20 : 100));
const deployments = 5;
const replicas = Math.ceil(podCount / deployments);
const drainTimeoutMs = Number(option('timeout') ?? (quick ? 60 : 150)) * 1000;
const startTimeoutMs = Number(option('start-timeout') ?? 30) * 1000;
const idleMs = Number(option('idle-seconds') ?? (quick ? 3 : 5)) * 1000;
const withSmaps = flag('smaps');
const stopAtFailure = !flag('no-stop');
const sampleEveryMs = 250;
const podPollMs = 300;
const startBudgetMs = 1000;
const drainSlack = 1.2;

const now = (): number => performance.now();
const MiB = 1024 * 1024;

let interrupted = false;
const interruption = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (interrupted) {
			console.error(`bench:floor: second ${signal}, exiting now`);
			process.exit(130);
		}
		console.error(`bench:floor: ${signal}, stopping the rung in progress and cleaning up`);
		interrupted = true;
		interruption.abort();
	});
}

// ---------------------------------------------------------------- results

interface Rung {
	readonly agent: string;
	readonly readAheadKb: number;
	/** undefined: no limit. */
	readonly limitMiB: number | undefined;
	readonly pods: number;
	/** Bytes of the executable copy cached when it was started (should be 0). */
	readonly cachedAtStartBytes: number | undefined;
	readonly started: boolean;
	/** Spawn → first IMDS request. */
	readonly startMs: number | undefined;
	/** Spawn → the agent's "has started successfully" log line. */
	readonly startedLineMs: number | undefined;
	readonly noticeToCordonMs: number | undefined;
	/** Notice → last pod gone from the node; undefined when pods were left. */
	readonly drainMs: number | undefined;
	readonly podsDrained: number;
	readonly elapsedMs: number;
	readonly idleWorkingSetMiB: number | undefined;
	readonly peakWorkingSetMiB: number | undefined;
	readonly idleAnonMiB: number | undefined;
	readonly idleFileMiB: number | undefined;
	readonly maxUsageMiB: number | undefined;
	readonly limitHits: number;
	readonly oomKills: number;
	/** How the agent ended if it ended by itself during the rung. */
	readonly exit: string | undefined;
	readonly verdict: string;
	readonly smaps?: { readonly afterStart?: SmapsSummary | undefined; readonly afterDrain?: SmapsSummary | undefined };
	readonly error?: string | undefined;
}

interface Floor {
	readonly agent: string;
	/** false: the start-time budget left out (on a loaded machine start times are noise). */
	readonly startChecked: boolean;
	readonly readAheadKb: number;
	readonly unlimitedDrainMs: number | undefined;
	/** Smallest passing limit (MiB); undefined: none passed. */
	readonly floorMiB: number | undefined;
	/** True when the smallest limit measured passed: the floor may be lower. */
	readonly atLadderEnd: boolean;
	readonly note: string;
}

// ---------------------------------------------------------------- the agents

interface AgentSpec {
	readonly key: string;
	readonly label: string;
	readonly kind: Subject['kind'];
	readonly source: string;
	readonly env: Readonly<Record<string, string>>;
	/** The copy on the loop file system, set once it exists. */
	copy?: string;
}

function agentSpecs(saDir: string): AgentSpec[] {
	const specs: AgentSpec[] = [];
	for (const key of wanted) {
		if (key === 'upstream') {
			const binary = upstreamExecutable();
			if (binary === undefined) {
				console.error('bench:floor: no Go toolchain: upstream NTH left out');
				continue;
			}
			const subject = upstreamSubject(saDir, binary);
			specs.push({ key: 'upstream', label: subject.label, kind: 'upstream', source: binary, env: subject.env });
		} else if (key.startsWith('file:')) {
			const subject = fileSubject(saDir, key, extraEnv());
			specs.push({ key: subject.key, label: subject.label, kind: 'nth', source: subject.executable, env: subject.env });
		} else {
			const shipped = shippedExecutable(key);
			specs.push({ key, label: `nth ${key}`, kind: 'nth', source: shipped.path, env: { ...shipped.env, ...extraEnv() } });
		}
	}
	return specs;
}

// ---------------------------------------------------------------- the stack's pods

interface Scene {
	readonly cluster: harness.RealCluster;
	readonly namespace: string;
	readonly group: string;
	/** The node that holds the pods now; the next rung's agent drains it. */
	busy: string;
	nodeIndex: number;
	readonly prefix: string;
}

const allocatable = { cpu: '64', memory: '256Gi', pods: '250' };

async function podsOn(scene: Scene, node: string): Promise<number> {
	const pods = await scene.cluster.core.listNamespacedPod({ namespace: scene.namespace, fieldSelector: `spec.nodeName=${node}` });
	return pods.items.length;
}

async function newNode(scene: Scene): Promise<string> {
	scene.nodeIndex += 1;
	const name = `${scene.prefix}-${scene.nodeIndex}`;
	await harness.createNode(scene.cluster, name, { labels: { 'bench.nth.dev/group': scene.group }, allocatable });
	return name;
}

/** Until all pods run on `node` and every PDB counts them healthy (before that evictions answer 429 for a reason that is not the budget). */
async function settle(scene: Scene, node: string): Promise<void> {
	await harness.waitFor(
		async () => {
			const pods = await scene.cluster.core.listNamespacedPod({ namespace: scene.namespace });
			const running = pods.items.filter(
				(pod) => pod.spec?.nodeName === node && pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined,
			);
			if (running.length !== replicas * deployments || pods.items.length !== replicas * deployments) return false;
			const pdbs = await scene.cluster.policy.listNamespacedPodDisruptionBudget({ namespace: scene.namespace });
			return pdbs.items.every(
				(pdb) =>
					pdb.status?.currentHealthy === replicas &&
					pdb.status.observedGeneration === pdb.metadata?.generation &&
					(pdb.status.disruptionsAllowed ?? 0) > 0,
			);
		},
		{ timeoutMs: 300_000, intervalMs: 500, what: `${podCount} pods running on "${node}" under settled PDBs` },
	);
}

async function createScene(cluster: harness.RealCluster): Promise<Scene> {
	const namespace = await harness.createNamespace(cluster, 'floor');
	const suffix = Math.random().toString(16).slice(2, 8);
	const scene: Scene = { cluster, namespace, group: `floor-${suffix}`, busy: '', nodeIndex: 0, prefix: `floor-${suffix}` };
	scene.busy = await newNode(scene);
	console.error(`bench:floor: ${deployments} Deployments × ${replicas} pods under maxUnavailable 10 % PDBs on "${scene.busy}"…`);
	for (let index = 0; index < deployments; index += 1) {
		const app = `app-${index}`;
		await harness.createDeployment(cluster, namespace, app, {
			replicas,
			labels: { app },
			nodeSelector: { 'bench.nth.dev/group': scene.group },
			timeoutMs: 300_000,
		});
		await harness.createPdb(cluster, namespace, app, { selector: { app }, maxUnavailable: '10%' });
	}
	await settle(scene, scene.busy);
	return scene;
}

// ---------------------------------------------------------------- one rung

const median = (values: readonly number[]): number | undefined => {
	if (values.length === 0) return undefined;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor((sorted.length - 1) / 2)];
};

/** Waits up to `ms`, returning early when the agent exits or the bench is interrupted. */
async function pause(agent: Agent, ms: number): Promise<void> {
	await Promise.race([
		sleep(ms),
		agent.exited,
		new Promise((resolve) => interruption.signal.addEventListener('abort', resolve, { once: true })),
	]);
}

async function runRung(
	scene: Scene,
	hierarchy: CgroupHierarchy,
	spec: AgentSpec,
	saDir: string,
	shipped: Readonly<Record<string, string>>,
	readAheadKb: number,
	limitMiB: number | undefined,
): Promise<Rung> {
	const copy = spec.copy ?? spec.source;
	const busy = scene.busy;
	const rungStarted = now();
	const next = await newNode(scene);
	const cgroupName = `nth-floor-${process.pid}/${spec.key.replace(/[^A-Za-z0-9_.-]/g, '_')}-ra${readAheadKb}-${limitMiB ?? 'none'}`;
	let cgroup: MemoryCgroup | undefined;
	let quiet: Aemm | undefined;
	let notice: Aemm | undefined;
	let proxy: RecordingProxy | undefined;
	let watch: NodeWatch | undefined;
	let agent: Agent | undefined;
	let sampler: ReturnType<typeof setInterval> | undefined;
	const samples: MemorySample[] = [];
	const smaps: { afterStart?: SmapsSummary | undefined; afterDrain?: SmapsSummary | undefined } = {};
	let raised = false;
	let stopping = false;
	const partial = {
		started: false,
		startMs: undefined as number | undefined,
		startedLineMs: undefined as number | undefined,
		noticeToCordonMs: undefined as number | undefined,
		drainMs: undefined as number | undefined,
		podsDrained: 0,
		idleWs: undefined as number | undefined,
		peakWs: undefined as number | undefined,
		idleAnon: undefined as number | undefined,
		idleFile: undefined as number | undefined,
		exit: undefined as string | undefined,
		cachedAtStart: undefined as number | undefined,
	};
	let error: string | undefined;
	try {
		cgroup = createCgroup(hierarchy, cgroupName, limitMiB === undefined ? undefined : limitMiB * MiB);
		quiet = await startAemm(['spot', '-a', 'terminate', '-d', '86400']);
		notice = await startAemm(['spot', '-a', 'terminate', '-d', '0']);
		const noticeUrl = notice.url;
		proxy = await startRecordingProxy(quiet.url, { route: (path) => (raised && path === spotPath ? noticeUrl : undefined) });
		watch = await watchNode(scene.cluster.state, busy);
		evictFile(copy);
		partial.cachedAtStart = cachedBytes(copy);
		const subject: Subject = {
			key: spec.key,
			label: spec.label,
			kind: spec.kind,
			command: inCgroup(cgroup, inClusterCommand(saDir, copy)),
			executable: copy,
			env: spec.env,
		};
		const group = cgroup;
		sampler = setInterval(() => {
			const sample = group.sample();
			if (sample !== undefined) samples.push(sample);
		}, sampleEveryMs);
		const running = startAgent(subject, agentEnv(subject, scene.cluster.state, shipped, busy, proxy.url, await freePort()));
		agent = running;
		void running.exited.then(({ code, signal }) => {
			// How it ended by itself; the bench's own stop at the end of the rung does not count.
			if (!stopping) partial.exit = signal === null ? `exit ${String(code)}` : signal;
		});
		// Started: its first IMDS request.
		const requests = proxy.requests;
		const startDeadline = running.spawnedAtMs + startTimeoutMs;
		while (requests.length === 0 && !running.hasExited() && now() < startDeadline && !interrupted) await sleep(10);
		const first = requests[0];
		if (first === undefined)
			throw new Error(
				running.hasExited()
					? `it exited (${partial.exit ?? '?'}) before its first IMDS request; last lines:\n${lastLines(running)}`
					: `no IMDS request within ${startTimeoutMs / 1000} s`,
			);
		partial.started = true;
		partial.startMs = first.atMs - running.spawnedAtMs;
		const startedLine = /has started successfully/;
		await Promise.race([running.waitForLine(startedLine, startTimeoutMs).catch(() => undefined), pause(running, startTimeoutMs)]);
		const line = running.lines.find((candidate) => startedLine.test(candidate.text));
		partial.startedLineMs = line === undefined ? undefined : line.atMs - running.spawnedAtMs;
		const idleFrom = now();
		await pause(running, idleMs);
		const idleSamples = samples.filter((sample) => sample.atMs >= idleFrom);
		partial.idleWs = median(idleSamples.map((sample) => sample.workingSetBytes / MiB));
		partial.idleAnon = median(idleSamples.map((sample) => sample.anonBytes / MiB));
		partial.idleFile = median(idleSamples.map((sample) => sample.fileBytes / MiB));
		if (withSmaps && !running.hasExited()) smaps.afterStart = readSmaps(running.pid, copy);
		if (running.hasExited()) throw new Error(`it exited (${partial.exit ?? '?'}) while idle; last lines:\n${lastLines(running)}`);
		if (interrupted) throw new Error('interrupted');

		// The notice: from now on the spot path answers from the AEMM that has one.
		raised = true;
		const noticeAt = now();
		// The watch's promise rejects when it is closed: nothing to report then.
		watch.cordoned.then(
			(at) => {
				partial.noticeToCordonMs = at - noticeAt;
			},
			() => {},
		);
		let left = podCount;
		while (now() - noticeAt < drainTimeoutMs && !interrupted) {
			left = await podsOn(scene, busy);
			if (left === 0) {
				partial.drainMs = now() - noticeAt;
				break;
			}
			if (running.hasExited()) break;
			await sleep(podPollMs);
		}
		partial.podsDrained = podCount - left;
		partial.peakWs = samples.length === 0 ? undefined : Math.max(...samples.map((sample) => sample.workingSetBytes / MiB));
		if (withSmaps && !running.hasExited()) smaps.afterDrain = readSmaps(running.pid, copy);
	} catch (caught) {
		error = caught instanceof Error ? caught.message.split('\n')[0] : String(caught);
	} finally {
		if (sampler !== undefined) clearInterval(sampler);
		stopping = true;
		await agent?.stop(3_000);
		watch?.close();
		await proxy?.close();
		await quiet?.stop();
		await notice?.stop();
	}
	const counters = cgroup?.counters() ?? { limitHits: 0, oomKills: 0, maxUsageBytes: undefined };
	cgroup?.remove();
	if (partial.podsDrained === 0 && partial.noticeToCordonMs === undefined && (await podsOn(scene, busy)) === podCount) {
		// Untouched (the agent did not start, or died before acting): the next rung drains the same node.
		await harness.deleteNode(scene.cluster, next);
	} else {
		// Whatever the agent left: forced off the node, so the next rung starts with every pod on `next`.
		await scene.cluster.core.deleteCollectionNamespacedPod({
			namespace: scene.namespace,
			fieldSelector: `spec.nodeName=${busy}`,
			gracePeriodSeconds: 0,
		});
		await harness.deleteNode(scene.cluster, busy);
		scene.busy = next;
	}
	if (!interrupted) await settle(scene, scene.busy);
	const oom = counters.oomKills > 0 || partial.exit === 'SIGKILL';
	const verdict = !partial.started
		? `does not start in ${startTimeoutMs / 1000} s`
		: oom
			? 'OOM-killed'
			: partial.exit !== undefined
				? `exited (${partial.exit})`
				: partial.drainMs === undefined
					? `${partial.podsDrained} of ${podCount} pods in ${drainTimeoutMs / 1000} s`
					: 'drained';
	return {
		agent: spec.label,
		readAheadKb,
		limitMiB,
		pods: podCount,
		cachedAtStartBytes: partial.cachedAtStart,
		started: partial.started,
		startMs: partial.startMs,
		startedLineMs: partial.startedLineMs,
		noticeToCordonMs: partial.noticeToCordonMs,
		drainMs: partial.drainMs,
		podsDrained: partial.podsDrained,
		elapsedMs: now() - rungStarted,
		idleWorkingSetMiB: partial.idleWs,
		peakWorkingSetMiB: partial.peakWs,
		idleAnonMiB: partial.idleAnon,
		idleFileMiB: partial.idleFile,
		maxUsageMiB: counters.maxUsageBytes === undefined ? undefined : counters.maxUsageBytes / MiB,
		limitHits: counters.limitHits,
		oomKills: counters.oomKills,
		exit: partial.exit,
		verdict,
		...(withSmaps ? { smaps } : {}),
		...(error === undefined ? {} : { error }),
	};
}

/** A rung that ends the descent: the agent could not do its job at that limit. */
const failed = (rung: Rung): boolean => rung.verdict !== 'drained';

function passes(rung: Rung, unlimited: Rung | undefined, checkStart: boolean): boolean {
	if (failed(rung) || rung.startMs === undefined || rung.drainMs === undefined) return false;
	if (checkStart && rung.startMs >= startBudgetMs) return false;
	if (unlimited?.drainMs === undefined) return false;
	return rung.drainMs <= unlimited.drainMs * drainSlack;
}

function floorOf(rungs: readonly Rung[], agent: string, readAheadKb: number, checkStart = true): Floor {
	const mine = rungs.filter((rung) => rung.agent === agent && rung.readAheadKb === readAheadKb);
	const unlimited = mine.find((rung) => rung.limitMiB === undefined);
	const limited = mine.filter((rung) => rung.limitMiB !== undefined).sort((a, b) => (b.limitMiB ?? 0) - (a.limitMiB ?? 0));
	if (unlimited?.drainMs === undefined)
		return {
			agent,
			startChecked: checkStart,
			readAheadKb,
			unlimitedDrainMs: undefined,
			floorMiB: undefined,
			atLadderEnd: false,
			note: 'no unlimited drain to compare with',
		};
	let floor: number | undefined;
	let firstFail: Rung | undefined;
	for (const rung of limited) {
		if (!passes(rung, unlimited, checkStart)) {
			firstFail = rung;
			break;
		}
		floor = rung.limitMiB;
	}
	const reason = (rung: Rung): string =>
		failed(rung)
			? rung.verdict
			: checkStart && (rung.startMs ?? 0) >= startBudgetMs
				? `start ${s(rung.startMs)} s ≥ 1 s`
				: `drain ${s(rung.drainMs)} s > ${drainSlack}× ${s(unlimited.drainMs)} s`;
	return {
		agent,
		startChecked: checkStart,
		readAheadKb,
		unlimitedDrainMs: unlimited.drainMs,
		floorMiB: floor,
		atLadderEnd: firstFail === undefined && floor !== undefined,
		note:
			firstFail === undefined
				? floor === undefined
					? 'no limited rung measured'
					: 'passed every limit measured: the floor may be lower'
				: `fails at ${firstFail.limitMiB} MiB: ${reason(firstFail)}`,
	};
}

// ---------------------------------------------------------------- report

const s = (ms: number | undefined, digits = 1): string => (ms === undefined ? '-' : (ms / 1000).toFixed(digits));
const m = (value: number | undefined, digits = 1): string => (value === undefined ? '-' : value.toFixed(digits));
const limitName = (limit: number | undefined): string => (limit === undefined ? 'none' : `${limit} Mi`);

/** One cell of the issue-style matrix: what a reader needs to judge the rung. */
function cell(rung: Rung | undefined): string {
	if (rung === undefined) return '—';
	const start = `start ${s(rung.startMs, 2)}`;
	if (rung.verdict === 'drained')
		return `${s(rung.drainMs)} s (${start}; ws ${m(rung.idleWorkingSetMiB)}/${m(rung.peakWorkingSetMiB)}; hits ${rung.limitHits})`;
	return `${rung.verdict}${rung.started ? ` (${start}; hits ${rung.limitHits})` : ''}`;
}

function print(rungs: readonly Rung[], floors: readonly Floor[], context: Context): void {
	console.log(
		`\nnth memory-floor bench, ${new Date().toISOString()} (${context.cpus} CPUs, load average ${context.load}); cgroup ${context.cgroup}; ${podCount} pods (${deployments} Deployments × ${replicas}, PDB maxUnavailable 10 %); drain timeout ${drainTimeoutMs / 1000} s`,
	);
	console.log(
		'drain = spot notice → last pod gone; start = spawn → first IMDS request; ws = working set (usage − inactive_file) idle/peak MiB; hits = memory limit hits (failcnt)',
	);
	const agents = [...new Set(rungs.map((rung) => rung.agent))];
	for (const readAheadKb of [...new Set([...readAheadsKb, ...rungs.map((rung) => rung.readAheadKb)])]) {
		const mine = rungs.filter((rung) => rung.readAheadKb === readAheadKb);
		if (mine.length === 0) continue;
		console.log(`\nread-ahead ${readAheadKb} KB`);
		const rows: string[][] = [['limit', ...agents]];
		// Every limit some agent was measured at, none first, then descending.
		const measured = new Set(mine.map((rung) => rung.limitMiB));
		const limits = [
			...(measured.has(undefined) ? [undefined] : []),
			...[...measured].filter((limit) => limit !== undefined).sort((a, b) => b - a),
		];
		for (const limit of limits)
			rows.push([limitName(limit), ...agents.map((agent) => cell(mine.find((rung) => rung.agent === agent && rung.limitMiB === limit)))]);
		console.log(table(rows));
	}
	console.log('\nevery rung:');
	const rows: string[][] = [
		[
			'agent',
			'RA KB',
			'limit',
			'start s',
			'started s',
			'n→cordon s',
			'drain s',
			'pods',
			'ws idle',
			'ws peak',
			'anon',
			'file',
			'max usage',
			'hits',
			'OOM',
			'verdict',
		],
	];
	for (const rung of rungs) {
		rows.push([
			rung.agent,
			String(rung.readAheadKb),
			limitName(rung.limitMiB),
			s(rung.startMs, 2),
			s(rung.startedLineMs, 2),
			s(rung.noticeToCordonMs, 2),
			s(rung.drainMs),
			`${rung.podsDrained}/${rung.pods}`,
			m(rung.idleWorkingSetMiB),
			m(rung.peakWorkingSetMiB),
			m(rung.idleAnonMiB),
			m(rung.idleFileMiB),
			m(rung.maxUsageMiB),
			String(rung.limitHits),
			String(rung.oomKills),
			rung.verdict,
		]);
	}
	console.log(table(rows));
	for (const rung of rungs)
		if (rung.error !== undefined) console.log(`  ${rung.agent} RA ${rung.readAheadKb} ${limitName(rung.limitMiB)}: ${rung.error}`);
	console.log(
		`\nfloors (smallest limit where it and every larger limit start in < 1 s, drain every pod within ${drainSlack}× the unlimited drain, no OOM kill):`,
	);
	const floorRows: string[][] = [
		['agent', 'read-ahead', 'unlimited drain s', 'floor', 'why not lower', 'floor, start time not judged', 'why not lower'],
	];
	const name = (floor: Floor | undefined): string =>
		floor?.floorMiB === undefined ? 'none' : `${floor.atLadderEnd ? '≤ ' : ''}${floor.floorMiB} MiB`;
	for (const floor of floors.filter((candidate) => candidate.startChecked)) {
		const drainOnly = floors.find(
			(candidate) => !candidate.startChecked && candidate.agent === floor.agent && candidate.readAheadKb === floor.readAheadKb,
		);
		floorRows.push([
			floor.agent,
			`${floor.readAheadKb} KB`,
			s(floor.unlimitedDrainMs),
			name(floor),
			floor.note,
			name(drainOnly),
			drainOnly?.note ?? '',
		]);
	}
	console.log(table(floorRows));
	if (withSmaps) printSmaps(rungs);
}

function printSmaps(rungs: readonly Rung[]): void {
	console.log(
		'\nwhere the pages go (/proc/PID/smaps, KiB Rss / Pss by mapping kind; exe touched = Rss of the executable mappings / file size; cached = its pages in the page cache, read-ahead included):',
	);
	const rows: string[][] = [
		[
			'agent',
			'RA KB',
			'limit',
			'when',
			'total Rss',
			'exe Rss',
			'exe Pss',
			'anon Rss',
			'libs Rss',
			'other Rss',
			'exe touched',
			'exe cached',
		],
	];
	for (const rung of rungs) {
		for (const [when, summary] of [
			['start', rung.smaps?.afterStart],
			['drain', rung.smaps?.afterDrain],
		] as const) {
			if (summary === undefined) continue;
			const k = summary.byKind;
			const fileMiB = summary.executableBytes / MiB;
			rows.push([
				rung.agent,
				String(rung.readAheadKb),
				limitName(rung.limitMiB),
				when,
				String(summary.totalRssKb),
				String(k.executable.rssKb),
				String(k.executable.pssKb),
				String(k.anon.rssKb),
				String(k.libs.rssKb),
				String(k['other files'].rssKb + k.kernel.rssKb),
				`${(summary.executableRssKb / 1024).toFixed(1)} / ${fileMiB.toFixed(1)} MiB (${((summary.executableRssKb * 1024 * 100) / summary.executableBytes).toFixed(1)} %)`,
				summary.executableCachedBytes === undefined ? '-' : `${(summary.executableCachedBytes / MiB).toFixed(1)} MiB`,
			]);
		}
	}
	console.log(table(rows));
	for (const rung of rungs) {
		const top = rung.smaps?.afterDrain?.top ?? rung.smaps?.afterStart?.top;
		if (top !== undefined)
			console.log(
				`  ${rung.agent} RA ${rung.readAheadKb} ${limitName(rung.limitMiB)} largest: ${top.map((entry) => `${entry.name.split('/').at(-1)} ${entry.rssKb}`).join(', ')}`,
			);
	}
}

// ---------------------------------------------------------------- main

interface Context {
	readonly cpus: string;
	readonly load: string;
	readonly cgroup: string;
}

const SavedSchema = v.looseObject({
	machine: v.object({ cpus: v.string(), load: v.string(), cgroup: v.string() }),
	rungs: v.array(v.looseObject({ agent: v.string(), readAheadKb: v.number() })),
});

/**
 * --report=FILE[,FILE…]: prints the tables and floors of saved runs again (also
 * one cut short: rungs are saved as they finish). Several files (ladders run one
 * agent at a time) are reported as one; with --json=OUT they are also written
 * there as one file, each rung keeping its own run's load average.
 */
function reprint(files: readonly string[]): void {
	const saved = files.map((file) => ({ file, run: v.parse(SavedSchema, JSON.parse(readFileSync(file, 'utf8'))) }));
	const first = saved[0];
	if (first === undefined) throw new Error('Cannot report: --report names no file');
	// The files are this bench's own output: their rungs have the Rung shape (limitMiB absent = no limit).
	const rungs = saved.flatMap(({ run }) =>
		run.rungs.map((rung) => ({ limitMiB: undefined, load: run.machine.load, ...rung }) as unknown as Rung),
	);

	const floors: Floor[] = [];
	for (const readAheadKb of [...new Set(rungs.map((rung) => rung.readAheadKb))]) {
		for (const agent of [...new Set(rungs.map((rung) => rung.agent))]) {
			if (rungs.some((rung) => rung.agent === agent && rung.readAheadKb === readAheadKb))
				floors.push(floorOf(rungs, agent, readAheadKb), floorOf(rungs, agent, readAheadKb, false));
		}
	}
	const machine = { ...first.run.machine, load: saved.map(({ run }) => run.machine.load).join('; ') };
	const out = option('json');
	if (out !== undefined)
		writeFileSync(out, `${JSON.stringify({ ...first.run, machine, mergedFrom: saved.map(({ file }) => file), rungs, floors }, null, 2)}\n`);
	print(rungs, floors, machine);
}

async function main(): Promise<void> {
	const report = option('report');
	if (report !== undefined) {
		reprint(list(report));
		return;
	}
	if (process.getuid?.() !== 0) throw new Error('Cannot run bench:floor: it needs root (memory cgroups, losetup, mount)');
	const hierarchy = detectCgroup();
	const context: Context = {
		cpus: spawnSync('nproc', { encoding: 'utf8' }).stdout.trim(),
		load: spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' '),
		cgroup: `${hierarchy.version} at ${hierarchy.root}`,
	};
	console.error(
		`bench:floor: cgroup ${context.cgroup}; limits ${limitsMiB.map(limitName).join(', ')}; read-ahead ${readAheadsKb.join(', ')} KB; ${podCount} pods`,
	);
	const date = new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
	const jsonOut = option('json') ?? join(root, 'bench', 'results', `floor-${date}.json`);
	mkdirSync(join(jsonOut, '..'), { recursive: true });

	let loop: LoopFs | undefined;
	let scene: Scene | undefined;
	const cgroupParent = join(hierarchy.root, `nth-floor-${process.pid}`);
	// A crash must not leave the mount, the loop device or the cgroups behind.
	process.once('exit', () => {
		loop?.destroy();
		removeCgroupTree(cgroupParent);
	});
	const rungs: Rung[] = [];
	const save = (floors: readonly Floor[]): void => {
		writeFileSync(
			jsonOut,
			`${JSON.stringify({ date: new Date().toISOString(), machine: context, upstreamVersion, settings: { limitsMiB: limitsMiB.map((limit) => limit ?? null), readAheadsKb, podCount, drainTimeoutMs, startTimeoutMs, idleMs, drainSlack, startBudgetMs }, rungs, floors }, null, 2)}\n`,
		);
	};
	await withStack('bench:floor', async ({ cluster, adminServiceAccountDir }) => {
		const shipped = daemonSetEnv();
		const saDir = adminServiceAccountDir();
		try {
			const specs = agentSpecs(saDir);
			if (specs.length === 0) throw new Error('Cannot run bench:floor: no agent to measure');
			const bytes = specs.reduce((sum, spec) => sum + statSync(spec.source).size, 0);
			loop = createLoopFs(Math.ceil(bytes * 1.3) + 64 * MiB);
			const fs = loop;
			for (const [index, spec] of specs.entries())
				spec.copy = fs.copy(spec.source, `agent-${index}-${spec.source.split('/').at(-1) ?? 'exe'}`);
			console.error(
				`bench:floor: ${specs.map((spec) => spec.label).join(', ')} copied to ${fs.mountPoint} on ${fs.device} (direct I/O to ${fs.backingFile})`,
			);
			scene = await createScene(cluster);
			for (const readAheadKb of readAheadsKb) {
				const actual = fs.setReadAhead(readAheadKb);
				if (actual !== readAheadKb) console.error(`bench:floor: ${fs.device} read_ahead_kb reads ${actual}, not ${readAheadKb}`);
				for (const spec of specs) {
					for (const limit of limitsMiB) {
						if (interrupted) break;
						const rung = await runRung(scene, hierarchy, spec, saDir, shipped, readAheadKb, limit);
						rungs.push(rung);
						save([]);
						console.error(
							`bench:floor: ${spec.label}, RA ${readAheadKb} KB, limit ${limitName(limit)}: ${rung.verdict}; start ${s(rung.startMs, 2)} s, drain ${s(rung.drainMs)} s, ws ${m(rung.idleWorkingSetMiB)}/${m(rung.peakWorkingSetMiB)} MiB, hits ${rung.limitHits}, OOM ${rung.oomKills}${rung.error === undefined ? '' : ` (${rung.error})`} [${s(rung.elapsedMs, 0)} s]`,
						);
						if (stopAtFailure && limit !== undefined && failed(rung)) {
							console.error(
								`bench:floor: ${spec.label} at RA ${readAheadKb} KB stops descending after ${limitName(limit)} (--no-stop measures every limit)`,
							);
							break;
						}
					}
				}
			}
		} finally {
			if (scene !== undefined) {
				const { cluster, namespace } = scene;
				await harness
					.deleteNamespace(cluster, namespace, { wait: true, timeoutMs: 120_000 })
					.catch((error: unknown) => console.error(`bench:floor: cannot delete namespace "${namespace}": ${String(error)}`));
				await harness
					.deleteNode(cluster, scene.busy)
					.catch((error: unknown) => console.error(`bench:floor: cannot delete node "${scene?.busy ?? ''}": ${String(error)}`));
			}
			loop?.destroy();
			removeCgroupTree(cgroupParent);
		}
	});
	const floors: Floor[] = [];
	for (const readAheadKb of readAheadsKb)
		for (const agent of [...new Set(rungs.map((rung) => rung.agent))])
			if (rungs.some((rung) => rung.agent === agent && rung.readAheadKb === readAheadKb))
				floors.push(floorOf(rungs, agent, readAheadKb), floorOf(rungs, agent, readAheadKb, false));
	save(floors);
	print(rungs, floors, context);
	console.log(`\nJSON: ${jsonOut}`);
}

main().then(
	() => process.exit(interrupted ? 130 : 0),
	(error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
		process.exit(1);
	},
);
