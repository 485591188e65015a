// Soak with events: the built agent polls a scriptable IMDS (test/real/scriptable-imds.ts)
// fast (POLL_INTERVAL 0.25 s: spot/ASG every 0.25 s, scheduled events every 1 s) while the
// test runs incident after incident on one node: a scheduled system-reboot event appears
// (new EventId each time) → cordon and drain of the node's 3 pods (webhook, Kubernetes
// events) → the event turns `canceled` or `completed` (alternating) → uncordon → the pods
// come back → the entry leaves the list. The agent's memory is sampled every 2 s from
// /proc/<pid>/status: VmRSS and RssAnon (anonymous memory: what a kubelet's working set
// counts for a process whose file pages are reclaimable).
//
// Verdict: the least-squares slope of VmRSS over the second half of the run (the first
// half is warm-up: the heap grows to its steady size over the first incidents).
// It FAILS when that slope is above
//   - 0.25 MiB/min in the long run (NTH_LONG=1, 30 min; fit over 15 min): from the 42–45 MiB
//     the agent runs at, such a rise reaches the DaemonSet's 128Mi limit within ~6 h, an OOM
//     kill several times a day;
//   - 1 MiB/min in the short CI run (150 s; fit over 75 s): measured on this machine the
//     JIT-less Bun agent's VmRSS moves by ~1 MiB between samples (42.1 → 44.6 MiB peak over
//     64 incidents, slope +0.05 MiB/min), so 1 MiB/min (60 MiB/h, the limit within ~1.5 h)
//     is well above the noise and catches per-incident leaks; the long run catches slower ones;
// and always when the peak passes the 128Mi limit, or when an incident does not complete
// within 30 s. Lines `soak-metric: key=value` carry the numbers for the report.
// NTH_SOAK_SECONDS and NTH_SOAK_MAX_SLOPE override the duration and the threshold.
// The long run needs a longer per-file timeout than scripts/test.mjs's default 15 min:
//   NTH_LONG=1 NTH_E2E_FILE_TIMEOUT_MS=2400000 node scripts/test.mjs --e2e soak
// Needs NTH_REAL_STATE (scripts/test.mjs sets it).
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep } from '../../src/clock.ts';
import { waitFor } from '../real/harness.ts';
import { scheduledTime, startScriptableImds } from '../real/scriptable-imds.ts';
import { healthStatus, parseBody, probes, webhookTemplate } from '../support/fault-process.ts';
import { agentEnv, inPhase, ScenarioKit, startWebhookReceiver, waitForNode, waitForPodsBack, withAgentLog } from './scenarios-kit.ts';

const kit = new ScenarioKit();
const test = suite('soak: fast polling with notices, cancellations and drains');
kit.attach(test);

const long = process.env['NTH_LONG'] === '1';
const durationMs = Number(process.env['NTH_SOAK_SECONDS'] ?? (long ? 30 * 60 : 150)) * 1000;
/** MiB per minute over the second half; see the header. */
const maxSlope = Number(process.env['NTH_SOAK_MAX_SLOPE'] ?? (long ? 0.25 : 1));
const limitMiB = 128;
const replicas = 3;

interface Sample {
	readonly atMs: number;
	readonly rssMiB: number;
	readonly anonMiB: number;
}

/** VmRSS and RssAnon of `pid` in MiB, undefined once it is gone. */
function sampleMemory(pid: number): Sample | undefined {
	let status: string;
	try {
		status = readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		// The process is gone: the caller reports the exit.
		return undefined;
	}
	const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
	return { atMs: Date.now(), rssMiB: kib('VmRSS') / 1024, anonMiB: kib('RssAnon') / 1024 };
}

/** Least-squares slope of `value` against time, per minute. */
export function slopePerMinute(samples: readonly Sample[], value: (sample: Sample) => number): number {
	if (samples.length < 2) return 0;
	const xs = samples.map((sample) => sample.atMs / 60_000);
	const ys = samples.map(value);
	const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
	const my = ys.reduce((a, b) => a + b, 0) / ys.length;
	let num = 0;
	let den = 0;
	for (let i = 0; i < xs.length; i += 1) {
		const dx = (xs[i] ?? 0) - mx;
		num += dx * ((ys[i] ?? 0) - my);
		den += dx * dx;
	}
	return den === 0 ? 0 : num / den;
}

test('slope: the least-squares fit reads a known rise and a flat sawtooth', () => {
	const rising = Array.from({ length: 60 }, (_, i) => ({ atMs: i * 2000, rssMiB: 40 + i * 0.1 + (i % 5), anonMiB: 0 }));
	// 0.1 MiB per 2 s sample = 3 MiB/min, under a 0–4 MiB sawtooth.
	assert.ok(Math.abs(slopePerMinute(rising, (s) => s.rssMiB) - 3) < 0.5);
	const flat = Array.from({ length: 60 }, (_, i) => ({ atMs: i * 2000, rssMiB: 40 + (i % 5), anonMiB: 0 }));
	assert.ok(Math.abs(slopePerMinute(flat, (s) => s.rssMiB)) < 0.5);
});

test(`soak (${Math.round(durationMs / 1000)} s): RSS does not rise over incident after incident`, async () => {
	const kubeconfig = await kit.kubeconfig(['events']);
	const sc = await kit.scenario('soak', { replicas });
	const imds = await startScriptableImds();
	kit.cleanup.add(() => imds.close());
	const receiver = await startWebhookReceiver();
	kit.cleanup.add(() => receiver.close());
	const probe = await probes();
	const agent = await kit.agent(
		agentEnv(sc, kubeconfig, imds.url, {
			POLL_INTERVAL: '0.25',
			WEBHOOK_URL: receiver.url,
			WEBHOOK_TEMPLATE: webhookTemplate,
			EMIT_KUBERNETES_EVENTS: 'true',
			ENABLE_PROMETHEUS_SERVER: 'false',
			...probe.env,
		}),
		'soak',
	);

	const samples: Sample[] = [];
	let sampling = true;
	const sampler = (async () => {
		while (sampling) {
			const sample = sampleMemory(agent.pid);
			if (sample === undefined) return;
			samples.push(sample);
			await sleep(2000);
		}
	})();

	const started = Date.now();
	let cycles = 0;
	const cycleMs: number[] = [];
	try {
		while (Date.now() - started < durationMs) {
			const cycleStart = Date.now();
			const eventId = `instance-event-${cycleStart.toString(16)}${cycles.toString(16).padStart(4, '0')}`.slice(0, 36);
			const entry = {
				EventId: eventId,
				Code: 'system-reboot',
				Description: `soak cycle ${cycles}`,
				NotBefore: scheduledTime(cycleStart + 90_000),
				NotAfter: scheduledTime(cycleStart + 60 * 60_000),
			};
			imds.notices.scheduled = [{ ...entry, State: 'active' }];
			await withAgentLog(
				agent,
				waitForNode(
					kit.cluster,
					sc.node,
					`drained for ${eventId}`,
					(s) => s.incident?.headline.eventId === eventId && inPhase(s, 'Drained'),
				),
			);
			imds.notices.scheduled = [{ ...entry, State: cycles % 2 === 0 ? 'canceled' : 'completed' }];
			await withAgentLog(
				agent,
				waitForNode(kit.cluster, sc.node, `released after ${eventId} was cancelled`, (s) => !s.unschedulable && inPhase(s, 'Cancelled')),
			);
			await waitForPodsBack(kit.cluster, sc, replicas, 30_000);
			imds.notices.scheduled = [];
			cycles += 1;
			cycleMs.push(Date.now() - cycleStart);
			if (agent.exit() !== undefined) break;
		}
	} finally {
		sampling = false;
		await sampler;
	}

	assert.is(agent.exit(), undefined, `the agent ran through the soak:\n${agent.tail(40)}`);
	assert.is(await healthStatus(probe.healthz), 200, 'and is live');
	assert.ok(cycles >= 3, `several incidents (${cycles})`);
	// Per incident: the start, the "drained" outcome, and the cancellation that released the node.
	await waitFor(() => receiver.messages.length >= cycles * 3, {
		timeoutMs: 10_000,
		what: `3 messages per incident (${receiver.messages.length} for ${cycles})`,
	}).catch(() => undefined);
	const outcomes = receiver.messages.map((message) => parseBody(message.body).outcome);
	assert.equal(
		outcomes,
		Array.from({ length: cycles }, () => ['', 'drained', 'cancelled']).flat(),
		`start, drained, cancelled for each of ${cycles} incidents`,
	);

	const second = samples.filter((sample) => sample.atMs >= started + durationMs / 2);
	const rss = samples.map((sample) => sample.rssMiB);
	const slope = slopePerMinute(second, (sample) => sample.rssMiB);
	const anonSlope = slopePerMinute(second, (sample) => sample.anonMiB);
	const peak = Math.max(...rss);
	const fmt = (n: number): string => n.toFixed(2);
	const sortedCycles = [...cycleMs].sort((a, b) => a - b);
	console.log(
		[
			`soak-metric: duration_s=${Math.round((Date.now() - started) / 1000)} incidents=${cycles} cycle_p50_s=${fmt((sortedCycles[Math.floor(sortedCycles.length / 2)] ?? 0) / 1000)} cycle_max_s=${fmt((sortedCycles.at(-1) ?? 0) / 1000)} imds_requests=${[...imds.requests.values()].reduce((a, b) => a + b, 0)}`,
			`soak-metric: rss_start_mib=${fmt(rss[0] ?? 0)} rss_end_mib=${fmt(rss.at(-1) ?? 0)} rss_peak_mib=${fmt(peak)} samples=${samples.length}`,
			`soak-metric: anon_start_mib=${fmt(samples[0]?.anonMiB ?? 0)} anon_end_mib=${fmt(samples.at(-1)?.anonMiB ?? 0)} anon_peak_mib=${fmt(Math.max(...samples.map((s) => s.anonMiB)))}`,
			`soak-metric: rss_slope_mib_per_min=${fmt(slope)} anon_slope_mib_per_min=${fmt(anonSlope)} (second half, ${second.length} samples) threshold=${maxSlope}`,
		]
			.map((line) => `  ${line}`)
			.join('\n'),
	);
	assert.ok(peak <= limitMiB, `peak RSS ${fmt(peak)} MiB within the DaemonSet's ${limitMiB}Mi limit`);
	assert.ok(slope <= maxSlope, `no sustained rise: VmRSS slope ${fmt(slope)} MiB/min over the second half (threshold ${maxSlope})`);
});

test.run();
