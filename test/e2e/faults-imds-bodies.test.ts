// Fault tier, hostile IMDS bodies (issue 10, item 5): the built agent (as shipped)
// behind the IMDS fault proxy serves truncated bodies, 50 MB bodies (plain and
// gzip-encoded), a 10 MB `time` field, a 5,000-entry scheduled-events list and
// wrong content types. Each test asserts the Node through the API, the agent's
// liveness (process and /healthz), that the error was counted (/metrics), and
// the bounds: anonymous memory (sampled RssAnon: what a payload inflates and
// nothing reclaims) within the DaemonSet's memory request and peak RSS (VmHWM,
// the executable's file pages included) within its limit
// (manifests/base/daemonset.yaml), log output bounded.
// Needs NTH_REAL_STATE (`node scripts/test.mjs --e2e faults-imds`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readNodeState } from './scenarios-kit.ts';
import { waitFor } from '../real/harness.ts';
import { sleep } from '../../src/clock.ts';
import {
	type CordonWatch,
	daemonSetMemory,
	faultMetric,
	imdsErrorCount,
	mib,
	sampleRss,
	scheduledPath,
	spotPath,
	only,
} from '../support/fault-kit.ts';
import type { FaultAgent } from '../support/fault-agent.ts';
import { FaultStack } from '../support/fault-stack.ts';

/** The detection target after failed polls: 2 poll intervals (POLL_INTERVAL 0.5) + 1 s. */
const noticeBoundMs = 2 * 500 + 1000;
const memory = daemonSetMemory();
const notice = (time: string): string => JSON.stringify({ action: 'terminate', time });
const soon = (): string => new Date(Date.now() + 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const stack = new FaultStack();
const { kit } = stack;

const bodies = suite('faults: hostile IMDS bodies');

const test = only(bodies);

stack.attach(bodies);

/** Milliseconds from `appeared` to the watch seeing the node cordoned (infinite when not within 20 s). */
async function cordonLatency(watch: CordonWatch, appeared: number): Promise<number> {
	const at = await watch.wait(20_000).catch(() => Number.POSITIVE_INFINITY);
	return at - appeared;
}

/** A fresh agent (its VmHWM counts only this test) behind a proxy with no faults. */
async function agentFor(label: string, maxLineChars?: number): Promise<FaultAgent> {
	return stack.agent(label, maxLineChars === undefined ? {} : { maxLineChars });
}

/** Waits until the proxy served `count` answers of `outcome` on `path` since `sinceMs`. */
async function served(path: string, outcome: string, count: number, sinceMs: number, timeoutMs = 30_000): Promise<void> {
	await waitFor(() => stack.proxy.requests(path).filter((entry) => entry.atMs >= sinceMs && entry.outcome === outcome).length >= count, {
		timeoutMs,
		intervalMs: 100,
		what: `${count} "${outcome}" answers on ${path}`,
	});
}

/** The common checks after a hostile payload: alive, counted, anonymous memory within the request, peak RSS within the limit. */
async function assertSurvived(
	fault: FaultAgent,
	label: string,
	errorsBefore: number,
	peak: { rss: number; hwm: number; anon: number },
): Promise<void> {
	faultMetric(
		`${label}.peak_rss_mib`,
		mib(Math.max(peak.rss, peak.hwm)),
		`VmHWM ${mib(peak.hwm)}, sampled VmRSS max ${mib(peak.rss)}, limit ${mib(memory.limit)} MiB`,
	);
	faultMetric(`${label}.peak_anon_mib`, mib(peak.anon), `sampled RssAnon max, request ${mib(memory.request)} MiB`);
	assert.is(fault.agent.exit(), undefined, `${label}: the agent is running\n${fault.agent.tail()}`);
	assert.is(await fault.healthz(), 200, `${label}: /healthz answers 200`);
	const errors = await imdsErrorCount(fault.metricsPort);
	faultMetric(`${label}.errors_counted`, errors - errorsBefore);
	assert.ok(errors > errorsBefore, `${label}: the agent counted an IMDS error (/metrics)`);
	assert.ok(
		peak.anon <= memory.request,
		`${label}: anonymous memory ${mib(peak.anon)} MiB within the DaemonSet's request ${mib(memory.request)} MiB`,
	);
	assert.ok(peak.hwm <= memory.limit, `${label}: peak RSS ${mib(peak.hwm)} MiB within the DaemonSet's limit ${mib(memory.limit)} MiB`);
}

test('truncated bodies on the spot path: counted, no action, and a whole notice afterwards is acted on', async () => {
	const fault = await agentFor('truncated');
	const rss = sampleRss(fault.agent.pid);
	const errorsBefore = await imdsErrorCount(fault.metricsPort);
	const since = Date.now();
	stack.proxy.on(spotPath, { kind: 'truncate', body: notice(soon()) });
	await served(spotPath, 'truncate', 5, since);
	await sleep(1000);
	assert.is((await readNodeState(kit.cluster, fault.node)).unschedulable, false, 'half a notice is not a notice');
	await assertSurvived(fault, 'truncated', errorsBefore, rss.stop());
	const watch = await stack.watchCordon(fault.node);
	stack.proxy.on(spotPath, { kind: 'respond', body: notice(soon()) });
	const latency = await cordonLatency(watch, Date.now());
	faultMetric('truncated.then_whole_notice_to_cordon_ms', Number.isFinite(latency) ? latency : 'never');
	assert.ok(
		latency <= noticeBoundMs,
		`a failed poll is retried at the next tick: the whole notice acted on ${latency} ms after it appeared (bound ${noticeBoundMs} ms)`,
	);
});

for (const gzip of [false, true]) {
	const label = gzip ? 'huge-gzip' : 'huge-plain';
	test(`a 50 MB spot notice${gzip ? ' (Content-Encoding: gzip)' : ''}: refused and counted, memory within the request and limit`, async () => {
		const fault = await agentFor(label);
		const rss = sampleRss(fault.agent.pid, 50);
		const errorsBefore = await imdsErrorCount(fault.metricsPort);
		const since = Date.now();
		// Valid JSON from the first byte to the last: an agent that reads it all parses it and drains.
		stack.proxy.on(spotPath, {
			kind: 'huge',
			bytes: 50 * 1024 ** 2,
			gzip,
			prefix: `{"action":"terminate","time":"${soon()}","pad":"`,
			fill: 'x',
			suffix: '"}',
		});
		await served(spotPath, gzip ? 'huge-gzip' : 'huge', 4, since, 60_000);
		await sleep(2000);
		const state = await readNodeState(kit.cluster, fault.node);
		faultMetric(`${label}.cordoned`, String(state.unschedulable));
		await assertSurvived(fault, label, errorsBefore, rss.stop());
		assert.is(state.unschedulable, false, 'a 50 MB body is over the cap: refused, not read and acted on');
	});
}

test('a 10 MB `time` field: log output over 20 s stays small, memory within the request and limit', async () => {
	const fault = await agentFor('time10mb', 2048);
	const rss = sampleRss(fault.agent.pid, 50);
	const errorsBefore = await imdsErrorCount(fault.metricsPort);
	const before = fault.agent.outputBytes();
	stack.proxy.on(spotPath, { kind: 'huge', bytes: 10 * 1024 ** 2, prefix: '{"action":"terminate","time":"', fill: '9', suffix: '"}' });
	await sleep(20_000);
	const after = fault.agent.outputBytes();
	const written = after.stdout + after.stderr - before.stdout - before.stderr;
	faultMetric('time10mb.log_bytes_20s', written);
	const state = await readNodeState(kit.cluster, fault.node);
	await assertSurvived(fault, 'time10mb', errorsBefore, rss.stop());
	assert.is(state.unschedulable, false, 'no notice: the time is not a time');
	assert.ok(written < 256 * 1024, `log output bounded: ${written} bytes in 20 s (limit 256 KiB)`);
});

test('a 5,000-entry scheduled-events list: memory within the request and limit, no action on a list over the cap', async () => {
	const fault = await agentFor('sched5000');
	const rss = sampleRss(fault.agent.pid, 50);
	const errorsBefore = await imdsErrorCount(fault.metricsPort);
	const format = (date: Date): string => {
		const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
		const pad = (n: number): string => String(n).padStart(2, '0');
		return `${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} GMT`;
	};
	const start = Date.now() + 3_600_000;
	const list = Array.from({ length: 5000 }, (_, index) => ({
		NotBefore: format(new Date(start + index * 60_000)),
		Code: 'system-reboot',
		Description: 'The instance is scheduled for system-reboot',
		EventId: `instance-event-${index.toString(16).padStart(17, '0')}`,
		NotAfter: format(new Date(start + index * 60_000 + 7 * 86_400_000)),
		State: 'active',
	}));
	const body = JSON.stringify(list, null, '\t');
	faultMetric('sched5000.body_bytes', body.length);
	const since = Date.now();
	stack.proxy.on(scheduledPath, { kind: 'respond', body, contentType: 'application/json' });
	await served(scheduledPath, 'respond', 5, since);
	await sleep(3000);
	const state = await readNodeState(kit.cluster, fault.node);
	faultMetric('sched5000.cordoned', String(state.unschedulable));
	await assertSurvived(fault, 'sched5000', errorsBefore, rss.stop());
	assert.is(state.unschedulable, false, `a ${body.length}-byte list is over the cap: refused and counted, not acted on`);
});

test('wrong content types: an HTML 200 on every notice path is counted and ignored; a notice as application/octet-stream is acted on', async () => {
	const fault = await agentFor('ctype');
	const errorsBefore = await imdsErrorCount(fault.metricsPort);
	const html = {
		kind: 'respond' as const,
		body: '<html><body><h1>Captive portal</h1></body></html>',
		contentType: 'text/html; charset=utf-8',
	};
	const since = Date.now();
	for (const path of [spotPath, scheduledPath, '/latest/meta-data/events/recommendations/rebalance']) stack.proxy.on(path, html);
	await served(scheduledPath, 'respond', 2, since);
	assert.is((await readNodeState(kit.cluster, fault.node)).unschedulable, false, 'HTML is no notice');
	assert.ok((await imdsErrorCount(fault.metricsPort)) > errorsBefore, 'the HTML answers were counted as errors');
	assert.ok(await fault.alive(), 'alive');
	await stack.proxy.reset();
	// IMDS is no JSON API (its content types vary by path); NTH reads the body whatever the header says.
	const watch = await stack.watchCordon(fault.node);
	stack.proxy.on(spotPath, { kind: 'respond', body: notice(soon()), contentType: 'application/octet-stream' });
	const latency = await cordonLatency(watch, Date.now());
	faultMetric('ctype.octet_stream_notice_to_cordon_ms', Number.isFinite(latency) ? latency : 'never');
	assert.ok(await fault.alive(), 'alive');
	assert.ok(
		latency <= noticeBoundMs,
		`after the HTML answers, the notice acted on ${latency} ms after it appeared (bound ${noticeBoundMs} ms: failed polls are retried at the next tick)`,
	);
});

bodies.run();
