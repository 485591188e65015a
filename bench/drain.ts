// The drain benchmark (`npm run bench:drain`): 100 pods of five Deployments,
// each under a PodDisruptionBudget with maxUnavailable 10 %, on one kwok node
// of the real control plane, with spare nodes for the replacements. Each run
// drains a fresh copy of that scenario from a child process
// (bench/drain-child.ts, bundled, run with the flags of the executable nth
// ships on that runtime, so its RSS is the agent's own):
//   nth/node, nth/bun  drainNode(): one pod watch per node, evictions paced by
//                      the watched PDBs' disruptionsAllowed, agent defaults
//                      (KUBE_API_QPS 20, burst 40);
//   kubectl/node, kubectl/bun
//                      the loop kubectl drain (and so NTH) runs: every pod
//                      evicted at once, each 429 retried after 5 s with a fresh
//                      GET, then one GET per pod per second until it is gone
//                      (no client-side limit: its natural request rate).
// It prints wall time to all gone, the child's apiserver requests (counted in
// its fetch, by kind) per pod, its idle RSS and peak RSS (VmHWM from /proc,
// read by this process), then the ratios.
//
// Idle is measured after the child's client has made one request (the agent
// reads its node at start), so connection set-up is not charged to the drain.
//
// Brings the stack up with test/real/up.sh unless NTH_REAL_STATE names one, and
// down again afterwards. Options: --pods=N (default 100), --only=nth/node,….
// Environment: NTH_BENCH_NODE_FLAGS (extra flags for Node children),
// NTH_BENCH_BUN_ENV (env for Bun children over the shipped bunRuntimeEnv of scripts/flavours.mjs,
// e.g. "BUN_JSC_useJIT=1" to see the JIT's cost).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as v from 'valibot';
import { adminKubeApi } from '../test/e2e/drain.test-support.ts';
import * as harness from '../test/real/harness.ts';
import { silentLogger } from '../src/log/logger.ts';
import { type ChildInput, type ChildReport, ChildReportSchema, memoryOf } from './drain-protocol.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..');

/** The flags and the Bun environment of the shipped executables (scripts/flavours.mjs), read as data: that file has no types. */
async function shippedFlags(): Promise<{ node: string[]; bun: string[]; bunEnv: Record<string, string> }> {
	const flavours: unknown = await import(join(root, 'scripts', 'flavours.mjs'));
	const parsed = v.parse(v.object({ nodeExecArgv: v.array(v.string()), bunExecArgv: v.array(v.string()), bunRuntimeEnv: v.record(v.string(), v.string()) }), { ...(flavours as object) });
	return { node: parsed.nodeExecArgv, bun: parsed.bunExecArgv, bunEnv: parsed.bunRuntimeEnv };
}

type Run = 'kubectl/node' | 'nth/node' | 'kubectl/bun' | 'nth/bun';
const runs: readonly Run[] = ['kubectl/node', 'nth/node', 'kubectl/bun', 'nth/bun'];

interface RunSummary {
	readonly run: Run;
	readonly ok: boolean;
	readonly error?: string | undefined;
	readonly pods: number;
	readonly wallSeconds: number;
	readonly requests: Readonly<Record<string, number>>;
	readonly totalRequests: number;
	readonly idleKb: number;
	readonly peakKb: number;
}

/** Bundles the child once, as the agent is bundled (one ESM file, no TypeScript at run time). */
async function bundleChild(): Promise<string> {
	const dir = join(root, '.tmp', 'bench');
	mkdirSync(dir, { recursive: true });
	const outfile = join(dir, 'drain-child.mjs');
	await build({ entryPoints: [join(root, 'bench', 'drain-child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'es2023', minify: true, outfile, logLevel: 'warning' });
	return outfile;
}

function words(text: string | undefined): string[] {
	return (text ?? '').split(' ').filter((word) => word !== '');
}

/** `K=V K2=V2` → an env object (NTH_BENCH_BUN_ENV, e.g. "BUN_JSC_useJIT=0"). */
function extraEnv(text: string | undefined): Record<string, string> {
	return Object.fromEntries(words(text).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

async function runChild(run: Run, bundle: string, input: ChildInput): Promise<RunSummary> {
	const flags = await shippedFlags();
	const json = JSON.stringify(input);
	const [command, args, env] = run.endsWith('/bun')
		? [join(root, 'node_modules', '.bin', 'bun'), [...flags.bun, 'run', bundle, json], { ...flags.bunEnv, ...extraEnv(process.env['NTH_BENCH_BUN_ENV']) }]
		: [process.execPath, [...flags.node, ...words(process.env['NTH_BENCH_NODE_FLAGS']), bundle, json], { UV_THREADPOOL_SIZE: '1' }];
	const proc = spawn(command, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
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
			if (outcome !== 'more') throw new Error(`Cannot run the ${run} drain child: it exited with ${String(outcome)} before reporting "${phase}"`);
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
	proc.stdin.write('go\n');
	const done = await next('done');
	clearInterval(poll);
	peakKb = Math.max(peakKb, memoryOf(pid).hwmKb, done.hwmKb);
	proc.stdin.write('exit\n');
	proc.stdin.end();
	await exited;
	const requests = done.requests ?? {};
	return {
		run,
		ok: done.ok === true,
		error: done.error,
		pods: done.pods ?? 0,
		wallSeconds: (done.wallMs ?? 0) / 1000,
		requests,
		totalRequests: Object.values(requests).reduce((sum, count) => sum + count, 0),
		idleKb,
		peakKb,
	};
}

async function main(): Promise<void> {
	const argv = process.argv.slice(2);
	const option = (name: string): string | undefined => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
	const podCount = Number(option('pods') ?? 100);
	const only = option('only')?.split(',');
	const deployments = 5;
	const replicas = Math.ceil(podCount / deployments);

	let stateDir = process.env['NTH_REAL_STATE'];
	let ownStack = false;
	if (stateDir === undefined || stateDir === '') {
		console.error('bench:drain: bringing up the real control plane (test/real/up.sh)…');
		const up = spawnSync('bash', [join(root, 'test/real/up.sh')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, NTH_REAL_WATCH_PID: String(process.pid) } });
		stateDir = up.stdout.trim().split('\n').at(-1) ?? '';
		if (up.status !== 0 || stateDir === '') throw new Error('Cannot run the drain benchmark: test/real/up.sh failed');
		ownStack = true;
	}
	const cluster = harness.connect(stateDir);
	const kube = adminKubeApi(cluster.state, { userAgent: 'nth-bench-setup', log: silentLogger() });
	const setUnschedulable = (name: string, unschedulable: boolean) => kube.patchNode(name, { type: 'merge', body: { spec: { unschedulable } } }, AbortSignal.timeout(30_000));
	const created: { namespaces: string[]; nodes: string[] } = { namespaces: [], nodes: [] };
	try {
		const bundle = await bundleChild();
		const summaries: RunSummary[] = [];
		for (const run of runs) {
			if (only !== undefined && !only.includes(run)) continue;
			const suffix = Math.random().toString(16).slice(2, 8);
			const group = `bench-${suffix}`;
			const namespace = await harness.createNamespace(cluster, 'bench');
			created.namespaces.push(namespace);
			const busy = `bench-${suffix}-busy`;
			const spares = [`bench-${suffix}-spare1`, `bench-${suffix}-spare2`];
			const allocatable = { cpu: '64', memory: '256Gi', pods: '250' };
			await harness.createNode(cluster, busy, { labels: { 'bench.nth.dev/group': group }, allocatable });
			created.nodes.push(busy);
			for (const spare of spares) {
				await harness.createNode(cluster, spare, { labels: { 'bench.nth.dev/group': group }, unschedulable: true, allocatable });
				created.nodes.push(spare);
			}
			console.error(`bench:drain [${run}]: ${deployments} Deployments × ${replicas} pods under maxUnavailable 10 % PDBs on "${busy}"…`);
			for (let index = 0; index < deployments; index += 1) {
				const app = `app-${index}`;
				await harness.createDeployment(cluster, namespace, app, { replicas, labels: { app }, nodeSelector: { 'bench.nth.dev/group': group }, timeoutMs: 180_000 });
				await harness.createPdb(cluster, namespace, app, { selector: { app }, maxUnavailable: '10%' });
			}
			await setUnschedulable(busy, true);
			for (const spare of spares) await setUnschedulable(spare, false);
			const summary = await runChild(run, bundle, { mode: run.startsWith('nth') ? 'nth' : 'kubectl', stateDir, nodeName: busy, deadlineSeconds: 600 });
			summaries.push(summary);
			console.error(`bench:drain [${run}]: ${summary.ok ? 'drained' : `FAILED (${summary.error ?? '?'})`} ${summary.pods} pods in ${summary.wallSeconds.toFixed(1)} s`);
		}
		print(summaries, podCount);
	} finally {
		for (const namespace of created.namespaces) await harness.deleteNamespace(cluster, namespace, { wait: true, timeoutMs: 120_000 }).catch((error: unknown) => console.error(`bench:drain: cannot delete namespace "${namespace}": ${String(error)}`));
		for (const node of created.nodes) await harness.deleteNode(cluster, node).catch((error: unknown) => console.error(`bench:drain: cannot delete node "${node}": ${String(error)}`));
		if (ownStack) spawnSync('bash', [join(root, 'test/real/down.sh'), stateDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	}
}

function print(summaries: readonly RunSummary[], podCount: number): void {
	const mb = (kb: number): string => (kb / 1024).toFixed(1);
	console.log('');
	console.log(`drain benchmark: ${podCount}-pod node, Deployments under maxUnavailable 10 % PDBs, real apiserver + controller-manager + scheduler, kwok`);
	console.log('run           ok   pods  wall s  requests  req/pod  idle MB  peak MB  peak-idle MB  breakdown');
	for (const s of summaries) {
		const breakdown = Object.entries(s.requests).sort(([, a], [, b]) => b - a).map(([kind, count]) => `${kind} ${count}`).join(', ');
		console.log(`${s.run.padEnd(13)} ${String(s.ok).padEnd(5)}${String(s.pods).padStart(4)}  ${s.wallSeconds.toFixed(1).padStart(6)}  ${String(s.totalRequests).padStart(8)}  ${(s.totalRequests / Math.max(1, s.pods)).toFixed(2).padStart(7)}  ${mb(s.idleKb).padStart(7)}  ${mb(s.peakKb).padStart(7)}  ${mb(s.peakKb - s.idleKb).padStart(12)}  ${breakdown}`);
	}
	for (const nth of summaries.filter((s) => s.run.startsWith('nth/'))) {
		const runtime = nth.run.slice('nth/'.length);
		const kubectl = summaries.find((s) => s.run === `kubectl/${runtime}`);
		if (kubectl !== undefined) {
			console.log(`${runtime}: kubectl-style / nth: requests ${(kubectl.totalRequests / Math.max(1, nth.totalRequests)).toFixed(1)}×, wall time ${(kubectl.wallSeconds / Math.max(0.001, nth.wallSeconds)).toFixed(2)}×, peak-idle ${mb(kubectl.peakKb - kubectl.idleKb)} vs ${mb(nth.peakKb - nth.idleKb)} MB`);
		}
		console.log(`${nth.run} peak RSS over idle: ${mb(nth.peakKb - nth.idleKb)} MB (target ≤ 10 MB)`);
	}
	console.log("requests: counted in the child's fetch (every HTTP request it sends, watches included); RSS: the child's VmRSS when idle, VmHWM at the end (/proc); node runs use the Node SEA's flags, bun runs Bun's (scripts/flavours.mjs) with BUN_JSC_useJIT=0 as the image and unit ship it");
}

await main();
