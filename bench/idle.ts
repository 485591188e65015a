// The idle-CPU benchmark (`npm run bench:idle`): nth's shipped executable(s)
// and upstream NTH idle side by side in one run, each against its own AEMM
// (no notice) behind a counting proxy (bench/imds-proxy.ts) and its own Node
// on the real stack (test/real/), run in-cluster style as the DaemonSet runs
// them (bench/subjects.ts):
//
//   idle    every subject at once for --seconds (default 60) after a
//           --warmup-seconds (default 10): CPU (utime+stime from /proc/PID/stat)
//           as millicores (and from the threads' schedstat, exact ns: "mc (ns)"),
//           IMDS requests/s per path (counted by the proxy, not
//           by the agent), CPU per IMDS request, median RSS. Two tables:
//             defaults  each as shipped (nth: the DaemonSet's env and the
//                       image's ENV; upstream: its own defaults, probes off as
//                       bench:detect runs it);
//             equal     the same poll rate per path (nth at POLL_INTERVAL=2:
//                       every path every 2 s, as NTH), the probes server on for
//                       both, the metrics server off for both.
//   start   spawn → first spot poll (at the proxy) from a cold page cache (the
//           executable's pages dropped before each start, bench/agent-process.ts):
//           median of --starts (default 5) starts per subject, one at a time.
//
//   node bench/idle.ts [--seconds=60] [--warmup-seconds=10] [--starts=5]
//                      [--phases=defaults,equal,start] [--only=bun,bun-jit,upstream,file:/path]
//                      [--json=FILE]   (default bench/results/idle-<date>.json)
//
// NTH_BENCH_EXTRA_ENV="K=V ..." adds environment to every nth subject.
// Brings the stack up with test/real/up.sh unless NTH_REAL_STATE names one,
// and down again afterwards. Measure under the lock:
//   flock -x /tmp/nth-bench.lock npm run bench:idle
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Aemm, startAemm } from '../test/real/aemm.ts';
import { freePort } from '../test/real/free-port.ts';
import * as harness from '../test/real/harness.ts';
import { sleep } from '../src/clock.ts';
import { type Agent, agentEnv, startAgent } from './agent-process.ts';
import { type RecordingProxy, spotPath, startRecordingProxy } from './imds-proxy.ts';
import {
	daemonSetEnv,
	extraEnv,
	fileSubject,
	imageEnv,
	inClusterCommand,
	shippedExecutable,
	type Subject,
	upstreamSubject,
} from './subjects.ts';
import { withStack } from './stack.ts';
import { upstreamExecutable } from './upstream.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const argv = process.argv.slice(2);
const option = (name: string): string | undefined => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const seconds = Number(option('seconds') ?? 60);
const warmupSeconds = Number(option('warmup-seconds') ?? 10);
const starts = Number(option('starts') ?? 5);
const phases = (option('phases') ?? 'defaults,equal,start').split(',');
const jsonOut = option('json') ?? join(root, 'bench', 'results', `idle-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}.json`);
const clockTick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const now = (): number => performance.now();

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		console.error(`bench: ${signal}, cleaning up`);
		interrupted = true;
	});
}

// ---------------------------------------------------------------- subjects

/** The settings of the "equal" table: every path every 2 s (NTH's fixed rate), probes on, metrics off. */
const equalNth: Readonly<Record<string, string>> = { POLL_INTERVAL: '2', ENABLE_PROBES_SERVER: 'true', ENABLE_PROMETHEUS_SERVER: 'false' };
const equalUpstream: Readonly<Record<string, string>> = { ENABLE_PROBES_SERVER: 'true', ENABLE_PROMETHEUS_SERVER: 'false' };

function subjectsFor(keys: readonly string[], saDir: string): Subject[] {
	const image = { ...imageEnv(), ...extraEnv() };
	const list: Subject[] = [];
	for (const key of keys) {
		if (key === 'upstream') {
			const binary = upstreamExecutable();
			if (binary === undefined) console.error('bench: no Go toolchain: upstream NTH left out');
			else list.push(upstreamSubject(saDir, binary));
		} else if (key.startsWith('file:')) {
			list.push(fileSubject(saDir, key, image));
		} else if (key === 'bun-jit') {
			const { path } = shippedExecutable('bun');
			const { BUN_JSC_useJIT: _jit, ...withJit } = image;
			list.push({ key, label: 'nth bun, JIT on', kind: 'nth', command: inClusterCommand(saDir, path), executable: path, env: withJit });
		} else {
			const { path } = shippedExecutable(key);
			list.push({
				key,
				label: `nth ${key} (as shipped)`,
				kind: 'nth',
				command: inClusterCommand(saDir, path),
				executable: path,
				env: image,
			});
		}
	}
	return list;
}

/** The subject with the "equal" table's settings (upstream's probes on a free port: it binds every interface, and several run at once). */
function equalised(subject: Subject, probesPort: number): Subject {
	if (subject.kind === 'upstream') return { ...subject, env: { ...subject.env, ...equalUpstream, PROBES_SERVER_PORT: String(probesPort) } };
	return { ...subject, env: { ...subject.env, ...equalNth } };
}

// ---------------------------------------------------------------- /proc

interface ProcSample {
	readonly atMs: number;
	readonly rssKb: number;
	readonly cpuMs: number;
	/** Run time per thread id in ns from /proc/PID/task/TID/schedstat (exact, unlike the 10 ms ticks of utime+stime). */
	readonly threadNs: ReadonlyMap<string, number>;
}

/**
 * Run time per live thread. utime+stime are sampled at the scheduler tick, and
 * an idle agent's wake-ups are short and start right after a tick (timers
 * fire on it), so ticks under-count them; schedstat counts every nanosecond.
 * A thread that exits inside the window loses its time (short-lived GC helpers).
 */
function threadRunNs(pid: number): Map<string, number> {
	const result = new Map<string, number>();
	try {
		for (const tid of readdirSync(`/proc/${pid}/task`)) {
			try {
				result.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
			} catch {
				// the thread exited between the listing and the read: its time is lost (see above)
			}
		}
	} catch {
		// the process is gone: the caller reports it
	}
	return result;
}

/** CPU ms the threads spent between two samples (threads born inside the window count whole). */
function threadCpuMs(first: ProcSample, last: ProcSample): number {
	let ns = 0;
	for (const [tid, value] of last.threadNs) ns += value - (first.threadNs.get(tid) ?? 0);
	return ns / 1e6;
}

function procSample(pid: number): ProcSample | undefined {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return {
			atMs: now(),
			rssKb: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0),
			cpuMs: ((Number(fields[11]) + Number(fields[12])) / clockTick) * 1000,
			threadNs: threadRunNs(pid),
		};
	} catch {
		return undefined; // the process is gone: the caller reports it
	}
}

function median(values: readonly number[]): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

// ---------------------------------------------------------------- idle

interface IdleResult {
	readonly subject: string;
	readonly windowSeconds: number;
	readonly cpuMs: number;
	readonly millicores: number;
	/** Millicores from the threads' schedstat run time (ns), not ticks. */
	readonly schedMillicores: number;
	readonly requestsPerSecond: number;
	/** Requests/s per IMDS path (method and path). */
	readonly perPath: Readonly<Record<string, number>>;
	readonly cpuMsPerRequest: number;
	readonly rssMb: number;
	readonly error?: string | undefined;
}

const failedIdle = (subject: string, error: unknown): IdleResult => ({
	subject,
	windowSeconds: 0,
	cpuMs: 0,
	millicores: Number.NaN,
	schedMillicores: Number.NaN,
	requestsPerSecond: Number.NaN,
	perPath: {},
	cpuMsPerRequest: Number.NaN,
	rssMb: Number.NaN,
	error: error instanceof Error ? error.message : String(error),
});

async function idleRun(
	cluster: harness.RealCluster,
	subject: Subject,
	shipped: Readonly<Record<string, string>>,
	name: string,
): Promise<IdleResult> {
	const node = `nth-idle-${process.pid}-${name}`;
	await harness.createNode(cluster, node);
	let aemm: Aemm | undefined;
	let proxy: RecordingProxy | undefined;
	let agent: Agent | undefined;
	try {
		aemm = await startAemm(['spot', '-a', 'terminate', '-d', '86400']);
		proxy = await startRecordingProxy(aemm.url);
		agent = startAgent(subject, agentEnv(subject, cluster.state, shipped, node, proxy.url, await freePort()));
		await agent.waitForLine(/has started successfully|Started monitoring|Starting to serve handler/i, 60_000);
		const warmupEnds = now() + warmupSeconds * 1000;
		while (now() < warmupEnds && !interrupted) await sleep(250);
		const first = procSample(agent.pid);
		if (first === undefined) throw new Error(`Cannot measure "${subject.label}" idle: it exited during the warm-up`);
		const requestsBefore = proxy.requests.length;
		const samples: ProcSample[] = [first];
		const windowEnds = first.atMs + seconds * 1000;
		while (now() < windowEnds && !interrupted) {
			await sleep(Math.min(5_000, Math.max(0, windowEnds - now())));
			const sample = procSample(agent.pid);
			if (sample === undefined)
				throw new Error(
					`Cannot measure "${subject.label}" idle: it exited; last lines:\n${agent.lines
						.slice(-8)
						.map((line) => line.text)
						.join('\n')}`,
				);
			samples.push(sample);
		}
		const last = samples.at(-1) ?? first;
		const windowS = (last.atMs - first.atMs) / 1000;
		const requests = proxy.requests.slice(requestsBefore).filter((request) => request.atMs <= last.atMs);
		const perPath: Record<string, number> = {};
		for (const request of requests) perPath[`${request.method} ${request.path}`] = (perPath[`${request.method} ${request.path}`] ?? 0) + 1;
		for (const key of Object.keys(perPath)) perPath[key] = (perPath[key] ?? 0) / windowS;
		const cpuMs = last.cpuMs - first.cpuMs;
		return {
			subject: subject.label,
			windowSeconds: windowS,
			cpuMs,
			millicores: cpuMs / windowS,
			schedMillicores: threadCpuMs(first, last) / windowS,
			requestsPerSecond: requests.length / windowS,
			perPath,
			cpuMsPerRequest: requests.length > 0 ? cpuMs / requests.length : Number.NaN,
			rssMb: median(samples.map((sample) => sample.rssKb)) / 1024,
		};
	} catch (error) {
		return failedIdle(subject.label, error);
	} finally {
		await agent?.stop();
		await proxy?.close();
		await aemm?.stop();
		await harness.deleteNode(cluster, node);
	}
}

// ---------------------------------------------------------------- start

interface StartResult {
	readonly subject: string;
	readonly startToFirstSpotPollMs: readonly number[];
	readonly median: number;
	readonly error?: string | undefined;
}

/** Spawn → first spot poll at the proxy, `starts` times, the executable evicted from the page cache before each (startAgent does). */
async function startRun(
	cluster: harness.RealCluster,
	subject: Subject,
	shipped: Readonly<Record<string, string>>,
	name: string,
): Promise<StartResult> {
	const node = `nth-idle-${process.pid}-${name}-start`;
	await harness.createNode(cluster, node);
	const aemm = await startAemm(['spot', '-a', 'terminate', '-d', '86400']);
	const proxy = await startRecordingProxy(aemm.url);
	const measured: number[] = [];
	try {
		for (let index = 0; index < starts && !interrupted; index += 1) {
			proxy.requests.length = 0;
			const agent = startAgent(subject, agentEnv(subject, cluster.state, shipped, node, proxy.url, await freePort()));
			try {
				const deadline = now() + 30_000;
				while (!proxy.requests.some((request) => request.path === spotPath) && now() < deadline && !agent.hasExited()) await sleep(5);
				const first = proxy.requests.find((request) => request.path === spotPath);
				if (first === undefined)
					throw new Error(
						`Cannot see "${subject.label}" poll the spot path within 30 s; last lines:\n${agent.lines
							.slice(-8)
							.map((line) => line.text)
							.join('\n')}`,
					);
				measured.push(first.atMs - agent.spawnedAtMs);
				console.error(`bench: ${subject.label} start ${index + 1}/${starts}: ${(first.atMs - agent.spawnedAtMs).toFixed(1)} ms`);
			} finally {
				await agent.stop();
			}
		}
		return { subject: subject.label, startToFirstSpotPollMs: measured, median: median(measured) };
	} catch (error) {
		return {
			subject: subject.label,
			startToFirstSpotPollMs: measured,
			median: median(measured),
			error: error instanceof Error ? error.message : String(error),
		};
	} finally {
		await proxy.close();
		await aemm.stop();
		await harness.deleteNode(cluster, node);
	}
}

// ---------------------------------------------------------------- report

function table(rows: readonly (readonly string[])[]): string {
	const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
	return rows
		.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '))
		.join('\n');
}

const f = (value: number | undefined, digits = 0): string => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));

/** Short names for the IMDS paths in the per-path column. */
function pathLabel(key: string): string {
	if (key.includes('/spot/instance-action')) return 'spot';
	if (key.includes('/events/maintenance/scheduled')) return 'sched';
	if (key.includes('/autoscaling/target-lifecycle-state')) return 'asg';
	if (key.includes('/events/recommendations/rebalance')) return 'rebal';
	if (key.startsWith('PUT') && key.includes('/api/token')) return 'token';
	return key;
}

function printIdle(title: string, results: readonly IdleResult[]): void {
	const peer = results.find((result) => result.subject.startsWith('upstream'));
	console.log(`\n${title} (all at once, ${seconds} s after a ${warmupSeconds} s warm-up)`);
	const rows: string[][] = [
		['subject', 'mc', '× NTH', 'mc (ns)', '× NTH', 'IMDS req/s', 'per path (req/s)', 'ms CPU/req', '× NTH', 'RSS MiB'],
	];
	for (const result of results) {
		const perPath = Object.entries(result.perPath)
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([key, rate]) => `${pathLabel(key)} ${rate.toFixed(2)}`)
			.join(', ');
		rows.push([
			result.subject,
			f(result.millicores, 2),
			peer === undefined ? '-' : f(result.millicores / peer.millicores, 2),
			f(result.schedMillicores, 2),
			peer === undefined ? '-' : f(result.schedMillicores / peer.schedMillicores, 2),
			f(result.requestsPerSecond, 2),
			perPath,
			f(result.cpuMsPerRequest, 2),
			peer === undefined ? '-' : f(result.cpuMsPerRequest / peer.cpuMsPerRequest, 2),
			f(result.rssMb, 1),
		]);
	}
	console.log(table(rows));
	for (const result of results) if (result.error !== undefined) console.log(`  ${result.subject}: ${result.error}`);
}

function printStart(results: readonly StartResult[]): void {
	console.log(`\nStart (spawn) → first spot poll, cold page cache, ms (median of ${starts}; target ≤ 150)`);
	const rows: string[][] = [['subject', 'median', 'runs']];
	for (const result of results)
		rows.push([result.subject, f(result.median, 1), result.startToFirstSpotPollMs.map((value) => value.toFixed(0)).join(' ')]);
	console.log(table(rows));
	for (const result of results) if (result.error !== undefined) console.log(`  ${result.subject}: ${result.error}`);
}

async function main(): Promise<void> {
	const wanted = (option('only') ?? 'bun,upstream').split(',').filter((key) => key !== '');
	const report: { defaults?: IdleResult[]; equal?: IdleResult[]; start?: StartResult[] } = {};
	await withStack('bench:idle', async ({ cluster, adminServiceAccountDir }) => {
		const shipped = daemonSetEnv();
		const saDir = adminServiceAccountDir();
		const subjects = subjectsFor(wanted, saDir);
		console.error(`bench: ${subjects.map((subject) => subject.label).join(', ')}; phases ${phases.join(', ')}`);
		if (phases.includes('defaults') && !interrupted) {
			report.defaults = await Promise.all(subjects.map((subject, index) => idleRun(cluster, subject, shipped, `d${index}`)));
		}
		if (phases.includes('equal') && !interrupted) {
			const equal = await Promise.all(subjects.map(async (subject) => equalised(subject, await freePort())));
			report.equal = await Promise.all(equal.map((subject, index) => idleRun(cluster, subject, shipped, `e${index}`)));
		}
		if (phases.includes('start') && !interrupted) {
			report.start = [];
			for (const [index, subject] of subjects.entries()) report.start.push(await startRun(cluster, subject, shipped, `s${index}`));
		}
	});
	console.log(`\nnth idle bench, ${new Date().toISOString()} (${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs)`);
	if (report.defaults !== undefined) printIdle('Defaults: each as shipped', report.defaults);
	if (report.equal !== undefined)
		printIdle('Equal settings: every IMDS path every 2 s, probes server on, metrics server off', report.equal);
	if (report.start !== undefined) printStart(report.start);
	mkdirSync(join(root, 'bench', 'results'), { recursive: true });
	writeFileSync(jsonOut, `${JSON.stringify({ seconds, warmupSeconds, starts, equalNth, equalUpstream, ...report }, null, 2)}\n`);
	console.log(`\nJSON: ${jsonOut}`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
		process.exit(1);
	},
);
