// bench:fleet — a fleet-scale interruption on one real control plane (issue 12).
//
// One test/real/up.sh stack (audit log per ServiceAccount, disruption
// controller, scheduler, kwok), N kwok nodes each with its own agent process
// and its own scriptable IMDS (test/real/scriptable-imds.ts, one port per
// node), P pods in Deployments of 20 under PDBs (maxUnavailable 10 % = 2)
// spread over the nodes (fleet-scene.ts). Then `fraction` of the nodes get a
// spot interruption notice at the same instant. One run per implementation
// (nth, upstream NTH), each on a fresh stack and scene of the same shape, each agent
// fleet under its own ServiceAccount so the audit log separates them.
//
// Reports, over the storm (notice → no pod left on an interrupted node):
// that time; PDB violations and replacements that landed on an interrupted
// node, from pod and PDB watches (fleet-watch.ts says exactly what counts);
// the agents' requests, requests/s (mean, busiest second) and 429s split into
// PDB refusals and APF from the audit log (fleet-audit.ts); the apiserver's
// own request and 429/APF counters and the control plane's CPU
// (fleet-apiserver.ts); the agents' total RSS, PSS and CPU (from /proc).
//
//   npm run bench:fleet -- [--nodes=50] [--pods=2000] [--fraction=0.2]
//                          [--only=nth,upstream] [--qps=Q --burst=B] [--stagger-ms=300] [--json=path]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../src/clock.ts';
import * as harness from '../test/real/harness.ts';
import { startScriptableImds, type ScriptableImds } from '../test/real/scriptable-imds.ts';
import { type Agent, agentEnv, startAgent } from './agent-process.ts';
import { benchNamespace, serviceAccountUser } from './drain-audit.ts';
import { type ControlPlaneStorm, sampleControlPlane } from './fleet-apiserver.ts';
import { type StormAudit, stormAudit } from './fleet-audit.ts';
import type { StormFigures } from './fleet-book.ts';
import { createScene, identity, maxUnavailable, perDeployment, procOf } from './fleet-scene.ts';
import { watchStorm } from './fleet-watch.ts';
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
const stormTimeoutMs = 600_000;
/** Between two agent starts: 50 cold starts at once would starve a 2-CPU machine's apiserver and the agents' first polls. */
const startStaggerMs = Number(option('stagger-ms') ?? '300');

interface Row {
	readonly who: string;
	readonly label: string;
	readonly env: Readonly<Record<string, string>>;
	readonly nodes: number;
	readonly interrupted: number;
	readonly pods: number;
	readonly drainSeconds: number | undefined;
	readonly watch: StormFigures;
	readonly agents: StormAudit;
	readonly controlPlane: ControlPlaneStorm;
	readonly totalRssMiB: number;
	readonly totalPssMiB: number;
	readonly cpuSeconds: number;
	/** Of which the agents of the interrupted nodes (the rest only idle-poll their IMDS). */
	readonly cpuSecondsInterrupted: number;
}

async function runOne(cluster: harness.RealCluster, who: 'nth' | 'upstream'): Promise<Row> {
	const group = `fleet-${Math.random().toString(16).slice(2, 8)}`;
	const namespace = await harness.createNamespace(cluster, 'fleet');
	const nodes = Array.from({ length: nodeCount }, (_, index) => `${group}-${index}`);
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
	let view: Awaited<ReturnType<typeof watchStorm>> | undefined;
	try {
		const sceneStart = Date.now();
		const pods = await createScene(cluster, group, namespace, nodes, podCount);
		console.error(`bench:fleet ${who}: ${pods} pods running after ${((Date.now() - sceneStart) / 1000).toFixed(0)} s`);
		for (const [index, node] of nodes.entries()) {
			const server = await startScriptableImds();
			imds.push(server);
			agents.push(startAgent(subject, agentEnv(subject, cluster.state, shippedEnv, node, server.url, 20_000 + index)));
			await sleep(startStaggerMs);
		}
		// Let the last agents finish starting (first lists, watches, probes) before the storm.
		await sleep(20_000);
		const dead = agents.filter((agent) => agent.hasExited()).length;
		if (dead > 0) throw new Error(`Cannot run the storm: ${dead} agents exited at start`);
		view = await watchStorm(cluster.state, namespace, perDeployment, maxUnavailable);
		await Promise.race([view.healthy, sleep(60_000).then(() => Promise.reject(new Error('Cannot run the storm: pods not all Ready')))]);
		const interrupted = nodes.slice(0, Math.round(nodeCount * fraction));
		const before = agents.map((agent) => procOf(agent.pid));
		const control = await sampleControlPlane(cluster.state, 2000);
		const startEpoch = Date.now();
		view.start(interrupted);
		const action = { action: 'terminate', time: new Date(startEpoch + 120_000).toISOString().replace(/\.\d+Z$/, 'Z') };
		for (const server of imds.slice(0, interrupted.length)) server.notices.spot = action;
		const drainedAt = await Promise.race([view.drained, sleep(stormTimeoutMs).then(() => undefined)]);
		const endEpoch = drainedAt ?? Date.now();
		const controlPlane = await control.stop();
		const after = agents.map((agent) => procOf(agent.pid));
		const cpuOf = (first: number): number =>
			after.slice(0, first).reduce((sum, entry, index) => sum + entry.cpuTicks - (before[index]?.cpuTicks ?? 0), 0) / 100;
		// The audit log is written in blocking mode: every request answered by now is in it.
		const audit = stormAudit(readFileSync(cluster.state.auditLog, 'utf8'), serviceAccountUser(saName), startEpoch, endEpoch);
		return {
			who,
			label: subject.label,
			env: subject.env,
			nodes: nodeCount,
			interrupted: interrupted.length,
			pods,
			drainSeconds: drainedAt === undefined ? undefined : (endEpoch - startEpoch) / 1000,
			watch: view.figures(),
			agents: audit,
			controlPlane,
			totalRssMiB: after.reduce((sum, entry) => sum + entry.rssKb, 0) / 1024,
			totalPssMiB: after.reduce((sum, entry) => sum + entry.pssKb, 0) / 1024,
			cpuSeconds: cpuOf(after.length),
			cpuSecondsInterrupted: cpuOf(interrupted.length),
		};
	} finally {
		view?.close();
		await Promise.all(agents.map((agent) => agent.stop()));
		await Promise.all(imds.map((server) => server.close()));
		await harness
			.deleteNamespace(cluster, namespace, { wait: false })
			.catch((error: unknown) => console.error(`bench:fleet: cannot delete namespace "${namespace}": ${String(error)}`));
		for (const node of nodes) await harness.deleteNode(cluster, node).catch(() => undefined);
	}
}

/** One line per run for the console (the JSON keeps everything). */
function summary(row: Row): Record<string, string | number | undefined> {
	return {
		agent: row.label,
		'drained s': row.drainSeconds,
		'PDB violations': row.watch.pdbViolationInstants,
		'max unavail': row.watch.maxUnavailableSeen,
		'PDB status < desired': row.watch.pdbStatusBelowDesired,
		'pods on interrupted': row.watch.podsOnInterrupted,
		'landed on interrupted': row.watch.landedOnInterrupted,
		'pods evicted': row.agents.evictedPods,
		requests: row.agents.total,
		'req/s mean': Number(row.agents.meanPerSecond.toFixed(1)),
		'req/s peak': row.agents.peakPerSecond,
		'429 PDB': row.agents.tooManyRequestsPdb,
		'429 APF': Object.values(row.agents.tooManyRequestsApf).reduce((sum, count) => sum + count, 0),
		'apiserver req/s peak': Number(row.controlPlane.peakPerSecond.toFixed(0)),
		'APF rejected': row.controlPlane.apfRejected,
		'RSS MiB': Number(row.totalRssMiB.toFixed(0)),
		'PSS MiB': Number(row.totalPssMiB.toFixed(0)),
		'CPU s': row.cpuSeconds,
		'CPU s interrupted': row.cpuSecondsInterrupted,
	};
}

/** Runs `body` on the stack of NTH_REAL_STATE, or on a fresh stack of its own (so each implementation starts from an empty control plane). */
async function onStack<T>(body: (cluster: harness.RealCluster) => Promise<T>): Promise<T> {
	const given = process.env['NTH_REAL_STATE'];
	let stateDir = given ?? '';
	if (stateDir === '') {
		const up = spawnSync('bash', [join(root, 'test/real/up.sh')], {
			cwd: root,
			stdio: ['ignore', 'pipe', 'inherit'],
			encoding: 'utf8',
			env: { ...process.env, NTH_REAL_WATCH_PID: String(process.pid) },
		});
		stateDir = up.stdout.trim().split('\n').at(-1) ?? '';
		if (up.status !== 0 || stateDir === '') throw new Error('Cannot run the fleet benchmark: test/real/up.sh failed');
	}
	try {
		const cluster = harness.connect(stateDir);
		await cluster.core.createNamespace({ body: { metadata: { name: benchNamespace } } }).catch((error: unknown) => {
			if (harness.statusOf(error) !== 409) throw error;
		});
		return await body(cluster);
	} finally {
		if (given === undefined || given === '')
			spawnSync('bash', [join(root, 'test/real/down.sh'), stateDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	}
}

async function main(): Promise<void> {
	const rows: Row[] = [];
	const date = new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
	const jsonOut = option('json') ?? join(root, 'bench', 'results', `fleet-${date}.json`);
	for (const who of ['nth', 'upstream'] as const) {
		if (!only.includes(who)) continue;
		console.error(`bench:fleet ${who}: ${nodeCount} nodes, ${podCount} pods, ${fraction * 100} % interrupted…`);
		rows.push(await onStack((cluster) => runOne(cluster, who)));
		mkdirSync(join(jsonOut, '..'), { recursive: true });
		writeFileSync(
			jsonOut,
			`${JSON.stringify({ date: new Date().toISOString(), upstreamVersion, nodeCount, podCount, fraction, rows }, null, 2)}\n`,
		);
	}
	console.table(rows.map(summary));
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
