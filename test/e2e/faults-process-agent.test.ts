// End-to-end fault: the agent stopped mid-drain, by SIGTERM (SHUTDOWN_GRACE_PERIOD: the
// running drain may go on for that many seconds, then the process exits) and by SIGKILL
// (no warning at all). A new agent process resumes the incident from the record on the
// Node: all pods evicted, the node stays cordoned, across both processes exactly one
// start and one outcome message, and the outcome's counts cover the whole drain (not
// only the second process's share).
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `node scripts/test.mjs --e2e faults-process`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../real/harness.ts';
import { assertAlive, assertOneStartOneOutcome, healthStatus, pacedSpotDrain, waitForHeld } from '../support/fault-process.ts';
import {
	appPods,
	describeNode,
	inPhase,
	livePodsOnNode,
	readNodeState,
	ScenarioKit,
	seconds,
	waitForNode,
	withAgentLog,
} from './scenarios-kit.ts';

const kit = new ScenarioKit();
const test = suite('faults: the agent stopped mid-drain');
kit.attach(test);

const replicas = 10;
const gracePeriodSeconds = 2;

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
	test(`agent ${signal} mid-drain: the next process resumes; one start + one outcome in all, counting every pod`, async () => {
		const { sc, original, openRoom, receiver, probe, env } = await pacedSpotDrain(kit, signal === 'SIGTERM' ? 'agentterm' : 'agentkill', {
			replicas,
			deleteDelay: '1s',
			settings: { SHUTDOWN_GRACE_PERIOD: String(gracePeriodSeconds) },
		});

		const first = await kit.agent(env, `${signal}, first agent`);
		const draining = await withAgentLog(
			first,
			waitForNode(kit.cluster, sc.node, 'draining', (s) => inPhase(s, 'Draining')),
		);
		await withAgentLog(first, waitForHeld(kit, sc, original, 1));
		// The start message is recorded on the node before it is sent: stop once it has landed.
		await waitFor(() => receiver.messages.length >= 1, { timeoutMs: 10_000, what: 'the start message' });
		const stopping = Date.now();
		const exit = await first.stop(signal, { timeoutMs: (gracePeriodSeconds + 8) * 1000 });
		const stopMs = Date.now() - stopping;
		const evictedByFirst = replicas - (await livePodsOnNode(kit.cluster, sc)).length;
		console.log(
			`  ${signal}: exit code ${String(exit.code)} signal ${String(exit.signal)} after ${seconds(stopMs)} s; ${evictedByFirst} of ${replicas} pods evicted by the first process`,
		);
		if (signal === 'SIGTERM') {
			assert.is(exit.signal, null, `SIGTERM is handled, not fatal:\n${first.tail(30)}`);
			assert.is(exit.code, 0, first.tail(30));
			assert.ok(stopMs <= (gracePeriodSeconds + 5) * 1000, `exited ${seconds(stopMs)} s after SIGTERM (grace ${gracePeriodSeconds} s)`);
		} else {
			assert.is(exit.signal, 'SIGKILL');
		}
		assert.ok(evictedByFirst < replicas, `the first process was stopped mid-drain (${evictedByFirst} of ${replicas} evicted)`);
		const between = await readNodeState(kit.cluster, sc.node);
		assert.ok(between.unschedulable, `still cordoned between the processes: ${describeNode(between)}`);

		const second = await kit.agent(env, `${signal}, second agent`);
		await second.waitForLine('Resuming the incident recorded on the node', { timeoutMs: 10_000 });
		await openRoom();
		const drained = await withAgentLog(
			second,
			waitForNode(kit.cluster, sc.node, 'drained by the second process', (s) => inPhase(s, 'Drained'), 90_000),
			100,
		);
		assert.is(drained.incident?.id, draining.incident?.id, 'the same incident');
		assert.ok(drained.unschedulable, describeNode(drained));
		assert.is((await livePodsOnNode(kit.cluster, sc)).length, 0, 'every pod is off the node');
		assert.not.ok(
			(await appPods(kit.cluster, sc)).some((pod) => original.includes(pod.metadata?.uid ?? '')),
			'none of the original pods is left',
		);

		await assertOneStartOneOutcome(
			receiver,
			replicas,
			"the second process did not send the start again; the counts cover both processes' evictions",
		);
		assert.is(assertAlive(second), undefined, second.tail(60));
		assert.is(await healthStatus(probe.healthz), 200, 'the second process is live');
	});
}

test.run();
