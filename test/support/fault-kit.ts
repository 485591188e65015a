/**
 * @module Measuring helpers of the IMDS fault tier (test/e2e/faults-imds-*.test.ts):
 * the agent process's RSS, peak RSS and CPU from /proc, the DaemonSet's memory
 * request from manifests/, the probes and metrics endpoints, a watch that
 * timestamps the moment a Node turns unschedulable, percentiles, and the
 * `fault-metric:` lines the lead quotes.
 *
 * Test code only (Node, Linux /proc).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadAllYaml, Watch } from '@kubernetes/client-node';
import * as v from 'valibot';
import type { RealCluster } from '../real/harness.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/** The spot, scheduled, rebalance and ASG paths (src/imds/paths.ts names them too; repeated so the tests read on their own). */
export const spotPath = '/latest/meta-data/spot/instance-action';
export const scheduledPath = '/latest/meta-data/events/maintenance/scheduled';
export const rebalancePath = '/latest/meta-data/events/recommendations/rebalance';
export const asgPath = '/latest/meta-data/autoscaling/target-lifecycle-state';

export interface Memory {
	/** VmRSS, bytes. */
	readonly rss: number;
	/** VmHWM (the peak RSS since start), bytes. */
	readonly hwm: number;
	/**
	 * RssAnon, bytes: the memory a payload can inflate and the kernel cannot
	 * reclaim. The rest of RSS is the executable's file pages, which a memory
	 * cgroup reclaims under its limit (the kubelet's working set counts only the
	 * active ones): this is what the request is held against.
	 */
	readonly anon: number;
}

/** RSS and peak RSS of `pid` from /proc/<pid>/status; undefined once it is gone. */
export function memoryOf(pid: number): Memory | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return undefined; // the process exited: callers treat that as "no sample"
	}
	const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 'NaN') * 1024;
	return { rss: kib('VmRSS'), hwm: kib('VmHWM'), anon: kib('RssAnon') };
}

/** User + system CPU seconds of `pid` so far (/proc/<pid>/stat, clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name may contain spaces: fields are counted after its closing parenthesis.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface RssSampler {
	/** Stops sampling; the highest VmRSS seen and the final VmHWM. */
	stop(): Memory;
}

/** Samples VmRSS of `pid` every `intervalMs` (VmHWM catches the peaks between samples). */
export function sampleRss(pid: number, intervalMs = 100): RssSampler {
	let peak = memoryOf(pid)?.rss ?? 0;
	let anonPeak = memoryOf(pid)?.anon ?? 0;
	let last: Memory | undefined = memoryOf(pid);
	const timer = setInterval(() => {
		const sample = memoryOf(pid);
		if (sample === undefined) return;
		last = sample;
		peak = Math.max(peak, sample.rss);
		anonPeak = Math.max(anonPeak, sample.anon);
	}, intervalMs);
	return {
		stop() {
			clearInterval(timer);
			const final = memoryOf(pid) ?? last;
			return { rss: Math.max(peak, final?.rss ?? 0), hwm: final?.hwm ?? 0, anon: Math.max(anonPeak, final?.anon ?? 0) };
		},
	};
}

const QuantitySchema = v.pipe(v.string(), v.regex(/^\d+(Ki|Mi|Gi)?$/));
const ResourcesSchema = v.object({ requests: v.object({ memory: QuantitySchema }), limits: v.object({ memory: QuantitySchema }) });
const DaemonSetSchema = v.object({
	kind: v.literal('DaemonSet'),
	spec: v.object({ template: v.object({ spec: v.object({ containers: v.array(v.object({ resources: ResourcesSchema })) }) }) }),
});

function bytesOf(quantity: string): number {
	const [, digits, unit] = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity) ?? [];
	const scale = unit === 'Ki' ? 1024 : unit === 'Mi' ? 1024 ** 2 : unit === 'Gi' ? 1024 ** 3 : 1;
	return Number(digits) * scale;
}

/**
 * The agent container's memory request and limit in manifests/base/daemonset.yaml, in bytes:
 * every hostile payload must keep anonymous memory within the request and peak RSS within the limit.
 */
export function daemonSetMemory(): { readonly request: number; readonly limit: number } {
	const documents = loadAllYaml(readFileSync(resolve(repoRoot, 'manifests/base/daemonset.yaml'), 'utf8'));
	for (const document of documents) {
		const parsed = v.safeParse(DaemonSetSchema, document);
		if (!parsed.success) continue;
		const resources = parsed.output.spec.template.spec.containers[0]?.resources;
		if (resources === undefined) break;
		return { request: bytesOf(resources.requests.memory), limit: bytesOf(resources.limits.memory) };
	}
	throw new Error(
		'Cannot read the memory request and limit of manifests/base/daemonset.yaml: no DaemonSet with requests.memory and limits.memory',
	);
}

export function mib(bytes: number): string {
	return (bytes / 1024 ** 2).toFixed(1);
}

/** Prints one measurement as `fault-metric: <name> <value>` (grep-able in the test output). */
export function faultMetric(name: string, value: string | number, note = ''): void {
	console.log(
		`fault-metric: ${name} ${typeof value === 'number' ? String(Math.round(value * 10) / 10) : value}${note === '' ? '' : ` (${note})`}`,
	);
}

/** The `p`th percentile (0–100, nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank] ?? Number.NaN;
}

/** GETs `url` with a short timeout; the status, or 0 when nothing answered. */
export async function statusOfUrl(url: string, timeoutMs = 2000): Promise<number> {
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
		await response.body?.cancel();
		return response.status;
	} catch {
		return 0; // no answer at all: the caller asserts on the 0
	}
}

/** The sum of every sample of metric `name` whose labels include all of `labels`, from a Prometheus exposition. */
export function metricSum(exposition: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
	let sum = 0;
	for (const line of exposition.split('\n')) {
		const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? ([^ ]+)/.exec(line);
		if (match === null || match[1] !== name) continue;
		const text = match[2] ?? '';
		if (Object.entries(labels).every(([key, value]) => text.includes(`${key}="${value}"`))) sum += Number(match[3]);
	}
	return sum;
}

/** The agent's /metrics text ('' when it does not answer). */
export async function scrape(port: number): Promise<string> {
	try {
		const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(3000) });
		return await response.text();
	} catch {
		return ''; // not answering: metricSum of '' is 0, which the caller's assertion shows
	}
}

/** IMDS errors the agent counted: failed polls plus errors caught by the IMDS client. */
export async function imdsErrorCount(metricsPort: number): Promise<number> {
	const text = await scrape(metricsPort);
	return (
		metricSum(text, 'nth_monitor_polls_total', { result: 'error' }) +
		metricSum(text, 'nth_errors_caught_total', { component: 'imds' }) +
		metricSum(text, 'events_error_total')
	);
}

const WatchedNodeSchema = v.looseObject({ spec: v.optional(v.looseObject({ unschedulable: v.optional(v.boolean()) })) });

export interface CordonWatch {
	/** Epoch ms when the watch first delivered the Node with `spec.unschedulable: true` (undefined until then). */
	at(): number | undefined;
	/** Resolves with {@link at} once it is set; rejects after `timeoutMs`. */
	wait(timeoutMs: number): Promise<number>;
	stop(): void;
}

/**
 * Watches one Node and timestamps the event that shows it cordoned (the
 * apiserver delivers it within milliseconds of the write: finer than polling).
 */
export async function watchCordon(cluster: RealCluster, node: string): Promise<CordonWatch> {
	let at: number | undefined;
	const waiters = new Set<() => void>();
	const watch = new Watch(cluster.kubeConfig);
	const controller = await watch.watch(
		'/api/v1/nodes',
		{ fieldSelector: `metadata.name=${node}` },
		(_type: string, object: unknown) => {
			const parsed = v.safeParse(WatchedNodeSchema, object);
			if (at === undefined && parsed.success && parsed.output.spec?.unschedulable === true) {
				at = Date.now();
				for (const waiter of waiters) waiter();
			}
		},
		() => {},
	);
	return {
		at: () => at,
		wait: (timeoutMs) =>
			new Promise((resolveWait, reject) => {
				if (at !== undefined) {
					resolveWait(at);
					return;
				}
				const timer = setTimeout(() => {
					waiters.delete(done);
					reject(new Error(`Cannot see node "${node}" cordoned: not within ${timeoutMs} ms`));
				}, timeoutMs);
				const done = (): void => {
					clearTimeout(timer);
					waiters.delete(done);
					if (at !== undefined) resolveWait(at);
				};
				waiters.add(done);
			}),
		stop: () => controller.abort(),
	};
}

/**
 * Registers a test on `suite` unless NTH_FAULT_ONLY is set and `name` does not
 * contain it (to re-run one fault test: `NTH_FAULT_ONLY=slow-loris`). Each test
 * fails after `timeoutMs` (uvu has no timeouts: a wedged test would otherwise
 * hold the whole file until the runner kills it, and lose every metric).
 */
export function only<T extends (name: string, handler: () => Promise<void>) => void>(suite: T, timeoutMs = 300_000): T {
	const filter = process.env['NTH_FAULT_ONLY'];
	const register = (name: string, handler: () => Promise<void>): void => {
		if (filter !== undefined && filter !== '' && !name.includes(filter)) return;
		suite(name, async () => {
			let timer: ReturnType<typeof setTimeout> | undefined;
			const timedOut = new Promise<never>((_resolve, reject) => {
				timer = setTimeout(() => reject(new Error(`Cannot finish the test "${name}": still running after ${timeoutMs} ms`)), timeoutMs);
			});
			try {
				await Promise.race([handler(), timedOut]);
			} finally {
				clearTimeout(timer);
			}
		});
	};
	return register as T;
}
