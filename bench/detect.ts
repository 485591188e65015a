// The detection and idle benchmark (`npm run bench:detect`): the shipped
// executables, run as they ship (the DaemonSet's settings from
// manifests/base/daemonset.yaml, the image's ENV from Dockerfile.distroless),
// against real AEMM and the real apiserver, side by side in one run:
//
//   detect  --runs times per executable, a fresh AEMM, agent and Node each:
//           AEMM raises a spot notice `-d` seconds after it starts; this
//           process probes AEMM every ~10 ms itself to find the moment the
//           notice is visible (AEMM's clock has whole seconds), reads the
//           agent's stdout for "Requesting instance drain" (the event) and
//           watches the Node for spec.unschedulable (the cordon). The agent
//           starts a random 0-2 s after AEMM, so the notice falls at a random
//           point of its poll interval. A recording HTTP proxy in front of
//           AEMM stamps every IMDS request: process start → first IMDS request,
//           and → first spot poll.
//   idle    every executable at once (same machine, same minutes), each with
//           its own AEMM (no notice) and Node: after a warm-up, CPU time
//           (utime+stime from /proc) over BENCH_IDLE_MINUTES (default 10) as
//           millicores, and the median RSS / anonymous memory / threads.
//
// Executables: the default flavour (scripts/flavours.mjs), the other one, and
// upstream NTH v1.25.6 when Go is installed, built from the Go module proxy
// into ~/.cache/nth-bench (never into the repository). Every agent runs as
// the DaemonSet runs it, in-cluster: under `unshare --mount` with the stack's
// CA and admin token bind-mounted on /var/run/secrets/kubernetes.io/serviceaccount
// (a private tmpfs on /run) and KUBERNETES_SERVICE_HOST/PORT set.
//
// Two tables (--settings=defaults,equal):
//   defaults  each as shipped: nth with the DaemonSet's settings (probes server
//             on, POLL_INTERVAL 0.75 s, KUBE_API_QPS 20 / burst 40); NTH with its
//             own defaults (probes server off, as its chart ships it; polls
//             every 2 s; client-go QPS 5 / burst 10);
//   equal     nth at NTH's settings: probes server off (the same servers: none),
//             POLL_INTERVAL 2 (spot and ASG every 2 s as NTH; nth polls
//             scheduled events every 4 intervals, 8 s, where NTH polls every
//             2 s: the idle table shows the rate per path), KUBE_API_QPS 5 /
//             burst 10. NTH's defaults are these settings: its one run serves
//             both tables.
//
// Both agents see the same IMDS: AEMM through the proxy, which answers `[]`
// for the scheduled-events path where AEMM's spot mode answers 404 (real IMDS
// answers `[]` when nothing is scheduled; upstream stops after four identical
// 404s).
//
//   node bench/detect.ts [--runs=20] [--idle-minutes=N] [--warmup-seconds=20]
//                        [--phases=detect,idle] [--only=bun,node,upstream,bun-jit,file:/path]
//                        [--settings=defaults,equal] [--json=FILE]
//
// Writes bench/results/detect-<date>.json unless --json names another file.
//
// Subjects: `bun`/`node` (dist/nth-<flavour>-linux-x64 with the image's ENV),
// `bun-jit` (the Bun executable without BUN_JSC_useJIT=0), `upstream`, and
// `file:/path` (any nth executable, shipped settings; for lever experiments).
// NTH_BENCH_EXTRA_ENV="K=V ..." adds environment to every nth subject;
// NTH_BENCH_WARM=1 keeps the executables' pages cached between starts.
//
// Brings the stack up with test/real/up.sh unless NTH_REAL_STATE names one,
// and down again afterwards.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Aemm, startAemm } from '../test/real/aemm.ts';
import { freePort } from '../test/real/free-port.ts';
import * as harness from '../test/real/harness.ts';
import { sleep } from '../src/clock.ts';
import { type Agent, agentEnv, startAgent } from './agent-process.ts';
import { type RecordingProxy, scheduledPath, spotPath, startRecordingProxy } from './imds-proxy.ts';
import { type NodeWatch, watchNode } from './node-watch.ts';
import { daemonSetEnv, extraEnv, fileSubject, imageEnv, nthSubjects, type Subject, upstreamSubject } from './subjects.ts';
import { withStack } from './stack.ts';
import { table } from './table.ts';
import { upstreamExecutable } from './upstream.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const argv = process.argv.slice(2);
const option = (name: string): string | undefined => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Number(option('runs') ?? 20);
const idleMinutes = Number(option('idle-minutes') ?? process.env['BENCH_IDLE_MINUTES'] ?? 10);
const warmupSeconds = Number(option('warmup-seconds') ?? 20);
const phases = (option('phases') ?? 'detect,idle').split(',');
const jsonOut =
	option('json') ?? join(root, 'bench', 'results', `detect-${new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '')}.json`);
type Settings = 'defaults' | 'equal';
const settingsWanted = (option('settings') ?? 'defaults,equal')
	.split(',')
	.filter((name): name is Settings => name === 'defaults' || name === 'equal');
/** nth at NTH's settings (see the header): the same servers (no probes server) and poll rate, the same client limit. */
const equalEnv: Readonly<Record<string, string>> = {
	ENABLE_PROBES_SERVER: 'false',
	POLL_INTERVAL: '2',
	KUBE_API_QPS: '5',
	KUBE_API_BURST: '10',
};
const clockTick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** AEMM raises the notice this long after it starts; the agent starts 0-`spreadMs` after AEMM. */
const noticeDelaySeconds = 6;
const spreadMs = 2_000;
const probeEveryMs = 10;

const now = (): number => performance.now();

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		console.error(`bench: ${signal}, cleaning up`);
		interrupted = true;
	});
}

// ---------------------------------------------------------------- observers

/** Probes AEMM's spot path every ~10 ms; resolves with the moment the notice became visible. */
async function noticeVisible(aemm: Aemm, signal: AbortSignal): Promise<{ atMs: number; resolutionMs: number }> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	const status = (): Promise<number> =>
		new Promise((resolve, reject) => {
			http
				.get(`${aemm.url}${spotPath}`, { agent }, (response) => {
					response.resume();
					resolve(response.statusCode ?? 0);
				})
				.on('error', reject);
		});
	try {
		let previous = now();
		for (;;) {
			signal.throwIfAborted();
			const sentAt = now();
			if ((await status()) === 200) return { atMs: (previous + sentAt) / 2, resolutionMs: sentAt - previous };
			previous = sentAt;
			await sleep(Math.max(0, probeEveryMs - (now() - sentAt)));
		}
	} finally {
		agent.destroy();
	}
}

// ---------------------------------------------------------------- /proc

interface ProcSample {
	readonly atMs: number;
	readonly rssKb: number;
	readonly anonKb: number;
	readonly threads: number;
	readonly cpuMs: number;
}

function procSample(pid: number): ProcSample | undefined {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return {
			atMs: now(),
			rssKb: field('VmRSS'),
			anonKb: field('RssAnon'),
			threads: field('Threads'),
			cpuMs: ((Number(fields[11]) + Number(fields[12])) / clockTick) * 1000,
		};
	} catch {
		return undefined; // the process is gone: the caller reports it
	}
}

// ---------------------------------------------------------------- statistics

interface Spread {
	readonly n: number;
	readonly p50: number;
	readonly p90: number;
	readonly p99: number;
	readonly max: number;
}

/** Nearest-rank percentiles (with 20 samples p99 is the maximum). */
function spread(values: readonly number[]): Spread | undefined {
	if (values.length === 0) return undefined;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
	return { n: sorted.length, p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted.at(-1) ?? Number.NaN };
}

function median(values: readonly number[]): number {
	return spread(values)?.p50 ?? Number.NaN;
}

// ---------------------------------------------------------------- phases

interface DetectRun {
	readonly startToFirstImdsMs: number | undefined;
	readonly startToFirstSpotPollMs: number | undefined;
	readonly noticeToEventMs: number | undefined;
	readonly noticeToCordonMs: number | undefined;
	readonly resolutionMs: number;
	readonly error?: string | undefined;
}

async function detectRun(
	cluster: harness.RealCluster,
	subject: Subject,
	shipped: Readonly<Record<string, string>>,
	subjectIndex: number,
	index: number,
): Promise<DetectRun> {
	const state = cluster.state;
	const node = `nth-bench-${process.pid}-s${subjectIndex}-${index}`;
	await harness.createNode(cluster, node);
	let watch: NodeWatch | undefined;
	let aemm: Aemm | undefined;
	let proxy: RecordingProxy | undefined;
	let agent: Agent | undefined;
	const stop = new AbortController();
	try {
		watch = await watchNode(state, node);
		aemm = await startAemm(['spot', '-a', 'terminate', '-d', String(noticeDelaySeconds)]);
		proxy = await startRecordingProxy(aemm.url);
		const visible = noticeVisible(aemm, stop.signal);
		await sleep(Math.random() * spreadMs);
		agent = startAgent(subject, agentEnv(subject, state, shipped, node, proxy.url, await freePort()));
		const notice = await visible;
		const event = await agent.waitForLine(/Requesting instance drain/, 30_000);
		const cordonedAt = await Promise.race([watch.cordoned, sleep(30_000).then(() => undefined)]);
		const firstImds = proxy.requests[0];
		const spotPolls = proxy.requests.filter((request) => request.path === spotPath);
		const firstSpot = spotPolls[0];
		const polledBefore = firstSpot !== undefined && firstSpot.atMs < notice.atMs;
		return {
			startToFirstImdsMs: firstImds === undefined ? undefined : firstImds.atMs - agent.spawnedAtMs,
			startToFirstSpotPollMs: firstSpot === undefined ? undefined : firstSpot.atMs - agent.spawnedAtMs,
			// A notice raised before the agent's first poll measures its start-up, not its detection.
			noticeToEventMs: polledBefore ? event.atMs - notice.atMs : undefined,
			noticeToCordonMs: polledBefore && cordonedAt !== undefined ? cordonedAt - notice.atMs : undefined,
			resolutionMs: notice.resolutionMs,
			...(polledBefore ? {} : { error: 'the notice was visible before the first spot poll' }),
			...(cordonedAt === undefined ? { error: 'no cordon within 30 s' } : {}),
		};
	} catch (error) {
		return {
			startToFirstImdsMs: undefined,
			startToFirstSpotPollMs: undefined,
			noticeToEventMs: undefined,
			noticeToCordonMs: undefined,
			resolutionMs: 0,
			error: error instanceof Error ? error.message : String(error),
		};
	} finally {
		stop.abort();
		await agent?.stop();
		watch?.close();
		await proxy?.close();
		await aemm?.stop();
		await harness.deleteNode(cluster, node);
	}
}

interface IdleResult {
	readonly windowSeconds: number;
	readonly cpuMs: number;
	readonly millicores: number;
	readonly rssMb: number;
	readonly anonMb: number;
	readonly maxRssMb: number;
	readonly threads: number;
	readonly imdsRequestsPerSecond: number;
	readonly spotPollsPerSecond: number;
	readonly scheduledPollsPerSecond: number;
	readonly warnings: number;
	readonly error?: string | undefined;
}

async function idleRun(
	cluster: harness.RealCluster,
	subject: Subject,
	shipped: Readonly<Record<string, string>>,
	subjectIndex: number,
): Promise<IdleResult> {
	const node = `nth-bench-${process.pid}-s${subjectIndex}-idle`;
	await harness.createNode(cluster, node);
	const aemm = await startAemm(['spot', '-a', 'terminate', '-d', '86400']);
	const proxy = await startRecordingProxy(aemm.url);
	const agent = startAgent(subject, agentEnv(subject, cluster.state, shipped, node, proxy.url, await freePort()));
	try {
		await agent.waitForLine(/has started successfully/, 60_000);
		const warmupEnds = now() + warmupSeconds * 1000;
		while (now() < warmupEnds && !interrupted) await sleep(500);
		const first = procSample(agent.pid);
		if (first === undefined) throw new Error(`Cannot measure "${subject.label}" idle: it exited during the warm-up`);
		const samples: ProcSample[] = [first];
		const requestsBefore = proxy.requests.length;
		const linesBefore = agent.lines.length;
		const windowEnds = first.atMs + idleMinutes * 60_000;
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
		const windowMs = last.atMs - first.atMs;
		const windowRequests = proxy.requests.slice(requestsBefore);
		const perSecond = (count: number): number => (windowMs > 0 ? count / (windowMs / 1000) : Number.NaN);
		const warnings = agent.lines
			.slice(linesBefore)
			.filter((line) => /"level":"(warn|warning|error)"|level=(warn|error)/i.test(line.text)).length;
		return {
			windowSeconds: windowMs / 1000,
			cpuMs: last.cpuMs - first.cpuMs,
			millicores: windowMs > 0 ? ((last.cpuMs - first.cpuMs) / windowMs) * 1000 : Number.NaN,
			rssMb: median(samples.map((sample) => sample.rssKb)) / 1024,
			anonMb: median(samples.map((sample) => sample.anonKb)) / 1024,
			maxRssMb: Math.max(...samples.map((sample) => sample.rssKb)) / 1024,
			threads: last.threads,
			imdsRequestsPerSecond: perSecond(windowRequests.length),
			spotPollsPerSecond: perSecond(windowRequests.filter((request) => request.path === spotPath).length),
			scheduledPollsPerSecond: perSecond(windowRequests.filter((request) => request.path === scheduledPath).length),
			warnings,
		};
	} catch (error) {
		return {
			windowSeconds: 0,
			cpuMs: 0,
			millicores: Number.NaN,
			rssMb: Number.NaN,
			anonMb: Number.NaN,
			maxRssMb: Number.NaN,
			threads: 0,
			imdsRequestsPerSecond: Number.NaN,
			spotPollsPerSecond: Number.NaN,
			scheduledPollsPerSecond: Number.NaN,
			warnings: 0,
			error: error instanceof Error ? error.message : String(error),
		};
	} finally {
		await agent.stop();
		await proxy.close();
		await aemm.stop();
		await harness.deleteNode(cluster, node);
	}
}

// ---------------------------------------------------------------- report

interface SubjectReport {
	readonly subject: string;
	readonly kind: Subject['kind'];
	/** The tables this run belongs to: upstream's defaults are the equal settings. */
	readonly settings: readonly Settings[];
	readonly env: Readonly<Record<string, string>>;
	readonly detect?: {
		readonly runs: readonly DetectRun[];
		readonly startToFirstImds: Spread | undefined;
		readonly startToFirstSpotPoll: Spread | undefined;
		readonly noticeToEvent: Spread | undefined;
		readonly noticeToCordon: Spread | undefined;
	};
	idle?: IdleResult;
}

const f = (value: number | undefined, digits = 0): string => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const sp = (value: Spread | undefined): string =>
	value === undefined ? '-' : `${f(value.p50)} / ${f(value.p90)} / ${f(value.p99)} / ${f(value.max)}`;

/** The median of nth's and of upstream's value in one table, as "a/b×". */
function ratio(reports: readonly SubjectReport[], read: (report: SubjectReport) => number | undefined, nthSubject: string): string {
	const nth = reports.find((report) => report.subject === nthSubject);
	const upstream = reports.find((report) => report.kind === 'upstream');
	const a = nth === undefined ? undefined : read(nth);
	const b = upstream === undefined ? undefined : read(upstream);
	return a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || b === 0 ? '-' : `${(a / b).toFixed(2)}×`;
}

function print(all: readonly SubjectReport[]): void {
	console.log(
		`\nnth detection and idle bench, ${new Date().toISOString()}, ${process.env['HOSTNAME'] ?? ''} (${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs)`,
	);
	for (const settings of settingsWanted) {
		const reports = all.filter((report) => report.settings.includes(settings));
		if (reports.length === 0) continue;
		console.log(
			settings === 'defaults'
				? '\n=== defaults (each as shipped: nth probes server on, POLL_INTERVAL 0.75, QPS 20/40; NTH probes server off, polls every 2 s, client-go 5/10)'
				: `\n=== equal settings (nth with ${Object.entries(equalEnv)
						.map(([key, value]) => `${key}=${value}`)
						.join(' ')} = NTH's defaults: every IMDS path every 2 s for both)`,
		);
		const nthReports = reports.filter((report) => report.kind === 'nth');
		if (reports.some((report) => report.detect !== undefined)) {
			console.log(
				`\nLatency, ms: p50 / p90 / p99 / max over ${runs} runs (nearest rank: with 20 runs p99 = max). Notice moment found by probing AEMM every ${probeEveryMs} ms.`,
			);
			const rows: string[][] = [
				['executable', 'start → 1st IMDS req', 'start → 1st spot poll', 'notice → event (log)', 'notice → cordon (watch)', 'valid runs'],
			];
			for (const report of reports) {
				if (report.detect === undefined) continue;
				const d = report.detect;
				rows.push([
					report.subject,
					sp(d.startToFirstImds),
					sp(d.startToFirstSpotPoll),
					sp(d.noticeToEvent),
					sp(d.noticeToCordon),
					`${d.noticeToCordon?.n ?? 0}/${d.runs.length}`,
				]);
			}
			rows.push(['target', '≤ 150', '', '', 'p50 ≤ 500, p99 ≤ 1200', '']);
			console.log(table(rows));
			for (const nth of nthReports)
				console.log(
					`${nth.subject} / NTH (p50): start → 1st spot poll ${ratio(reports, (report) => report.detect?.startToFirstSpotPoll?.p50, nth.subject)}, notice → cordon ${ratio(reports, (report) => report.detect?.noticeToCordon?.p50, nth.subject)}`,
				);
			for (const report of reports) {
				for (const [index, run] of (report.detect?.runs ?? []).entries())
					if (run.error !== undefined) console.log(`  ${report.subject} run ${index + 1}: ${run.error.split('\n')[0]}`);
			}
		}
		if (reports.some((report) => report.idle !== undefined)) {
			console.log(
				`\nIdle (all executables at once, ${idleMinutes} min window after a ${warmupSeconds} s warm-up; MiB, median of 5 s samples):`,
			);
			const rows: string[][] = [
				[
					'executable',
					'window s',
					'CPU ms',
					'millicores',
					'RSS',
					'anon',
					'max RSS',
					'threads',
					'IMDS req/s',
					'spot/s',
					'sched/s',
					'CPU ms/req',
					'warn lines',
				],
			];
			for (const report of reports) {
				const idle = report.idle;
				if (idle === undefined) continue;
				const perRequest = idle.imdsRequestsPerSecond > 0 ? idle.millicores / idle.imdsRequestsPerSecond : Number.NaN;
				rows.push([
					report.subject,
					f(idle.windowSeconds),
					f(idle.cpuMs),
					f(idle.millicores, 2),
					f(idle.rssMb, 1),
					f(idle.anonMb, 1),
					f(idle.maxRssMb, 1),
					f(idle.threads),
					f(idle.imdsRequestsPerSecond, 2),
					f(idle.spotPollsPerSecond, 2),
					f(idle.scheduledPollsPerSecond, 2),
					f(perRequest, 2),
					f(idle.warnings),
				]);
			}
			rows.push(['target', '', '', '≤ 1 (10 min)', '≤ 40', '', '', '', '', '', '', '', '']);
			console.log(table(rows));
			for (const nth of nthReports)
				console.log(
					`${nth.subject} / NTH: idle CPU ${ratio(reports, (report) => report.idle?.millicores, nth.subject)}, RSS ${ratio(reports, (report) => report.idle?.rssMb, nth.subject)}, IMDS req/s ${ratio(reports, (report) => report.idle?.imdsRequestsPerSecond, nth.subject)}`,
				);
			for (const report of reports) if (report.idle?.error !== undefined) console.log(`  ${report.subject}: ${report.idle.error}`);
		}
	}
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
	const wanted = (option('only') ?? 'bun,node,upstream').split(',').filter((key) => key !== '');
	const reports: SubjectReport[] = [];
	await withStack('bench:detect', async ({ cluster, adminServiceAccountDir }) => {
		const shipped = daemonSetEnv();
		const subjects: Subject[] = [];
		/** The tables each subject's runs belong to, by index. */
		const tables: (readonly Settings[])[] = [];
		const saDir = adminServiceAccountDir();
		const nth = nthSubjects(saDir);
		const addNth = (subject: Subject): void => {
			if (settingsWanted.includes('defaults')) {
				subjects.push(subject);
				tables.push(['defaults']);
			}
			if (settingsWanted.includes('equal')) {
				subjects.push({
					...subject,
					key: `${subject.key}-equal`,
					label: `${subject.label.replace(/ \(.*\)$/, '')} at NTH's settings`,
					env: { ...subject.env, ...equalEnv },
				});
				tables.push(['equal']);
			}
		};
		for (const key of wanted) {
			if (key === 'upstream') {
				const binary = upstreamExecutable();
				if (binary === undefined) {
					console.error('bench: no Go toolchain: upstream NTH left out');
					continue;
				}
				subjects.push(upstreamSubject(saDir, binary));
				tables.push(settingsWanted);
			} else if (key.startsWith('file:')) {
				// file:/path[;K=V;-K]: an nth executable with the image's ENV and NTH_BENCH_EXTRA_ENV, plus K=V, minus -K.
				addNth(fileSubject(saDir, key, { ...imageEnv(), ...extraEnv() }));
			} else {
				const subject = nth.find((candidate) => candidate.key === key);
				if (subject === undefined)
					throw new Error(`Cannot bench "${key}": known subjects are ${[...nth.map((s) => s.key), 'upstream', 'file:/path'].join(', ')}`);
				addNth(subject);
			}
		}
		for (const [index, subject] of subjects.entries())
			reports.push({ subject: subject.label, kind: subject.kind, settings: tables[index] ?? [], env: subject.env });
		console.error(`bench: ${subjects.map((subject) => subject.label).join(', ')}; phases ${phases.join(', ')}`);

		if (phases.includes('detect')) {
			for (const [s, subject] of subjects.entries()) {
				const results: DetectRun[] = [];
				for (let index = 0; index < runs && !interrupted; index += 1) {
					const result = await detectRun(cluster, subject, shipped, s, index);
					results.push(result);
					console.error(
						`bench: ${subject.label} run ${index + 1}/${runs}: start→IMDS ${f(result.startToFirstImdsMs, 1)} ms, notice→event ${f(result.noticeToEventMs)} ms, →cordon ${f(result.noticeToCordonMs)} ms${result.error ? ` (${result.error.split('\n')[0]})` : ''}`,
					);
				}
				const pick = (key: keyof DetectRun): number[] =>
					results.map((run) => run[key]).filter((value): value is number => typeof value === 'number');
				reports[s] = {
					subject: subject.label,
					kind: subject.kind,
					settings: tables[s] ?? [],
					env: subject.env,
					detect: {
						runs: results,
						startToFirstImds: spread(pick('startToFirstImdsMs')),
						startToFirstSpotPoll: spread(pick('startToFirstSpotPollMs')),
						noticeToEvent: spread(pick('noticeToEventMs')),
						noticeToCordon: spread(pick('noticeToCordonMs')),
					},
				};
			}
		}
		if (phases.includes('idle') && !interrupted) {
			console.error(`bench: idle, ${subjects.length} executables at once, ${warmupSeconds} s warm-up + ${idleMinutes} min`);
			const results = await Promise.all(subjects.map((subject, index) => idleRun(cluster, subject, shipped, index)));
			results.forEach((result, index) => {
				const report = reports[index];
				if (report !== undefined) report.idle = result;
			});
		}
	});
	print(reports);
	mkdirSync(join(jsonOut, '..'), { recursive: true });
	writeFileSync(
		jsonOut,
		`${JSON.stringify({ date: new Date().toISOString(), runs, idleMinutes, warmupSeconds, equalEnv, reports }, null, 2)}\n`,
	);
	console.log(`\nJSON: ${jsonOut}`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
		process.exit(1);
	},
);
