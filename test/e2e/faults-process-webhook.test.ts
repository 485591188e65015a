// End-to-end fault: webhook sinks that are down, slow or answer 500. One agent sends to
// three sinks at once (WEBHOOK_SINKS): "down" (nothing listens on its port for the first
// 12 s, then a receiver does), "slow" (each answer takes 6 s while WEBHOOK_TIMEOUT is 2 s,
// for the first 12 s) and "500" (always 500). Against a baseline run without webhooks:
// - the drain is not delayed by the sinks (notice → cordon and notice → drained);
// - failed messages are retried with backoff (the gaps between the outcome's attempts grow);
// - each recovering sink gets exactly one start and one outcome message, in order;
// - the outcome is not queued behind the start message's retries: its first attempt
//   reaches the always-500 sink within seconds of the drain, not after WEBHOOK_RETRY_FOR;
// - the agent stays alive and /healthz answers 200.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `node scripts/test.mjs --e2e faults-process`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep } from '../../src/clock.ts';
import { freePort } from '../real/free-port.ts';
import { waitFor } from '../real/harness.ts';
import type { AgentProcess } from './agent-process.ts';
import {
	assertAlive,
	type FaultyReceiver,
	healthStatus,
	parseBody,
	probes,
	startFaultyReceiver,
	webhookTemplate,
} from '../support/fault-process.ts';
import { agentEnv, appPods, inPhase, readNodeState, ScenarioKit, seconds, uidsOf, waitForEvicted, withAgentLog } from './scenarios-kit.ts';

const kit = new ScenarioKit();
const test = suite('faults: webhook sinks down, slow, 500');
kit.attach(test);

interface DrainTimes {
	readonly cordonMs: number;
	readonly drainedMs: number;
	readonly drainedAt: number;
}

/** A spot ITN on a 3-pod node; times from the agent's start line to the cordon and to Drained, as seen through the API. */
async function timedDrain(
	label: string,
	settings: Record<string, string>,
): Promise<{ agent: AgentProcess; times: DrainTimes; healthz: string }> {
	const kubeconfig = await kit.kubeconfig();
	const sc = await kit.scenario(label);
	const before = uidsOf(await appPods(kit.cluster, sc));
	const aemm = await kit.aemm(['spot', '-a', 'terminate']);
	const probe = await probes();
	const agent = await kit.agent(
		agentEnv(sc, kubeconfig, aemm, { ENABLE_SCHEDULED_EVENT_DRAINING: 'false', ...probe.env, ...settings }),
		label,
	);
	const startedAt = agent.matching('has started successfully')[0]?.atMs ?? Date.now();
	let cordonAt: number | undefined;
	await withAgentLog(
		agent,
		waitFor(
			async () => {
				const state = await readNodeState(kit.cluster, sc.node);
				if (state.unschedulable && cordonAt === undefined) cordonAt = Date.now();
				return inPhase(state, 'Drained');
			},
			{ timeoutMs: 60_000, intervalMs: 100, what: `node "${sc.node}" drained` },
		),
	);
	const drainedAt = Date.now();
	await waitForEvicted(kit.cluster, sc, before);
	return {
		agent,
		healthz: probe.healthz,
		times: { cordonMs: (cordonAt ?? drainedAt) - startedAt, drainedMs: drainedAt - startedAt, drainedAt },
	};
}

let baseline: DrainTimes | undefined;

test('baseline: the same drain without webhooks', async () => {
	const { times } = await timedDrain('hookbase', {});
	baseline = times;
	console.log(`  baseline: cordon ${seconds(times.cordonMs)} s, drained ${seconds(times.drainedMs)} s after the agent's start line`);
});

/** Gaps between consecutive attempts, ms. */
function gaps(times: readonly number[]): number[] {
	return times.slice(1).map((at, index) => at - (times[index] ?? at));
}

test('sinks down / slow / 500: the drain is not delayed, retries back off, the outcome is not stuck behind the start message', async () => {
	const recoverAfterMs = 12_000;
	const t0 = Date.now();
	const downPort = await freePort();
	let down: FaultyReceiver | undefined;
	const slow = await startFaultyReceiver(() => (Date.now() - t0 < recoverAfterMs ? { status: 200, delayMs: 6000 } : { status: 200 }));
	const failing = await startFaultyReceiver(() => ({ status: 500 }));
	kit.cleanup.add(() => Promise.all([slow.close(), failing.close(), down?.close()]));
	const sinks = [
		{ name: 'down', url: `http://127.0.0.1:${downPort}/hook`, template: webhookTemplate },
		{ name: 'slow', url: slow.url, template: webhookTemplate },
		{ name: 'failing', url: failing.url, template: webhookTemplate },
	];
	const opening = (async () => {
		await sleep(recoverAfterMs - (Date.now() - t0));
		down = await startFaultyReceiver(() => ({ status: 200 }), downPort);
	})();
	const { agent, times, healthz } = await timedDrain('hookfault', { WEBHOOK_SINKS: JSON.stringify(sinks), WEBHOOK_TIMEOUT: '2' });
	console.log(
		`  with faulty sinks: cordon ${seconds(times.cordonMs)} s, drained ${seconds(times.drainedMs)} s after the agent's start line`,
	);
	const base = baseline;
	assert.ok(base !== undefined, 'the baseline ran first');
	// Slack for a busy machine: 3 s, or half the baseline when that is longer.
	const slack = (ms: number): number => ms + Math.max(3000, ms / 2);
	assert.ok(
		times.cordonMs <= slack(base.cordonMs),
		`notice → cordon ${seconds(times.cordonMs)} s vs ${seconds(base.cordonMs)} s without webhooks`,
	);
	assert.ok(
		times.drainedMs <= slack(base.drainedMs),
		`notice → drained ${seconds(times.drainedMs)} s vs ${seconds(base.drainedMs)} s without webhooks`,
	);

	// The outcome's first attempt at the always-500 sink: soon after the drain, not after the start message's retries.
	const outcomeAt = await waitFor(() => failing.attempts.find((attempt) => parseBody(attempt.body).outcome !== '')?.atMs, {
		timeoutMs: 20_000,
		intervalMs: 200,
		what: 'the outcome message at the always-500 sink',
	}).catch((error: unknown) => {
		throw new Error(
			`${error instanceof Error ? error.message : String(error)}; start-message attempts at +${failing.attempts.map((a) => seconds(a.atMs - t0)).join(', +')} s`,
			{ cause: error },
		);
	});
	console.log(`  always-500 sink: outcome first tried ${seconds(outcomeAt - times.drainedAt)} s after Drained`);

	await opening;
	// A start message still being retried when the outcome is ready is superseded by it (notify/webhook.ts):
	// the outcome carries the same event, and a late start after the outcome would read as a new
	// interruption. So a recovered sink gets the start then the outcome, or the outcome alone.
	const delivered = (receiver: FaultyReceiver | undefined): string[] =>
		(receiver?.delivered() ?? []).map((body) => parseBody(body).outcome);
	await waitFor(() => delivered(down).includes('drained') && delivered(slow).includes('drained'), {
		timeoutMs: 40_000,
		what: 'the outcome at the recovered sinks',
	});
	await sleep(2000);
	for (const [name, receiver] of [
		['down', down],
		['slow', slow],
	] as const) {
		const outcomes = delivered(receiver);
		assert.ok(
			JSON.stringify(outcomes) === JSON.stringify(['', 'drained']) || JSON.stringify(outcomes) === JSON.stringify(['drained']),
			`sink "${name}": one start then one outcome, or the outcome alone; got ${JSON.stringify(outcomes)}`,
		);
		if (outcomes.length === 1)
			assert.ok(agent.matching(/superseded it/).length >= 1, `sink "${name}": a start message left out is logged as superseded`);
	}
	// Backoff is seen on the outcome at the always-500 sink: it is never superseded, so it is retried
	// (for WEBHOOK_RETRY_FOR) with growing gaps; a start message there may have been superseded early.
	const outcomeTries = failing.attempts.filter((attempt) => parseBody(attempt.body).outcome === 'drained').map((attempt) => attempt.atMs);
	const slowTries = slow.attempts.map((attempt) => attempt.atMs);
	console.log(
		`  always-500 sink: outcome tried ${outcomeTries.length} times, gaps ${gaps(outcomeTries)
			.map((ms) => seconds(ms))
			.join(', ')} s; slow sink: ${slowTries.length} attempts in all`,
	);
	assert.ok(outcomeTries.length >= 3, `the outcome is retried at the always-500 sink (${outcomeTries.length} attempts)`);
	const [first, , third] = gaps(outcomeTries);
	if (third !== undefined && first !== undefined)
		assert.ok(third > first, `the retries back off: gaps ${gaps(outcomeTries).join(', ')} ms`);
	assert.ok(slowTries.length >= 2, `a message that timed out at the slow sink is retried (${slowTries.length} attempts)`);
	assert.ok(agent.matching(/Webhook Error/).length >= 3, 'failures are logged as NTH does');
	assert.is(assertAlive(agent), undefined, agent.tail(60));
	assert.is(await healthStatus(healthz), 200, 'the agent is live');
});

test.run();
