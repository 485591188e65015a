// End-to-end fault: the kube-apiserver SIGKILLed mid-drain and restarted with the same
// command line (test/real/restart.ts). A spot ITN drains 20 pods paced by a
// maxUnavailable-1 PDB; a few evictions in, the apiserver of this stack dies, stays down
// a few seconds and comes back. The agent must not exit or re-start, its watches must
// recover (the drain waits on them), the drain completes, the node stays cordoned, the
// receiver gets one start and one outcome message counting all 20 pods, and /healthz
// answers 200 throughout.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `node scripts/test.mjs --e2e faults-process`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep } from '../../src/clock.ts';
import { restartApiserver } from '../real/restart.ts';
import { readRealState } from '../real/state.ts';
import {
	assertAlive,
	assertOneStartOneOutcome,
	evictedCount,
	healthStatus,
	pacedSpotDrain,
	waitForHeld,
} from '../support/fault-process.ts';
import { describeNode, inPhase, livePodsOnNode, readNodeState, ScenarioKit, seconds, waitForNode, withAgentLog } from './scenarios-kit.ts';

const kit = new ScenarioKit();
const test = suite('faults: kube-apiserver killed mid-drain');
kit.attach(test);

const replicas = 20;

test('apiserver SIGKILL + restart mid-drain: the agent lives on, its watches recover, the drain completes, one start + one outcome, node stays cordoned', async () => {
	const { sc, original, openRoom, receiver, probe, env } = await pacedSpotDrain(kit, 'apikill', { replicas, deleteDelay: '1s' });
	const agent = await kit.agent(env, 'apiserver kill');
	const started = Date.now();
	await withAgentLog(
		agent,
		waitForNode(kit.cluster, sc.node, 'draining', (s) => inPhase(s, 'Draining')),
	);
	await withAgentLog(agent, waitForHeld(kit, sc, original, 1));
	const evictedBefore = await evictedCount(kit, sc, original);
	const mark = agent.mark();

	// The outage: SIGKILL, 4 s down, the same command line again (waits for /readyz).
	const health: number[] = [];
	let stopSampling = false;
	const sampling = (async () => {
		while (!stopSampling) {
			health.push(await healthStatus(probe.healthz));
			await sleep(1000);
		}
	})();
	// Everything from here runs inside try/finally: a failed wait must stop the sampler, or the test
	// process never exits (a CI run hung on it).
	try {
		const outage = await restartApiserver({ downMs: 4000, state: readRealState() });
		console.log(
			`  apiserver killed with the drain held by the PDB, ${evictedBefore} of ${replicas} pods evicted; down ${seconds(outage.downMs)} s, ready ${seconds(outage.readyMs)} s after its restart (pid ${outage.pid})`,
		);

		// The agent learns that the budget opened through its PDB watch, which has to have recovered.
		await sleep(2000);
		const roomAt = await openRoom();
		const drained = await withAgentLog(
			agent,
			waitForNode(kit.cluster, sc.node, 'drained after the apiserver came back', (s) => inPhase(s, 'Drained'), 120_000),
			120,
		);
		const drainedAt = Date.now();
		const restMs = drainedAt - roomAt;
		console.log(
			`  drained ${seconds(drainedAt - started)} s after the agent started; the other ${replicas - evictedBefore} pods in ${seconds(restMs)} s once the spare node was there (${seconds(restMs / (replicas - evictedBefore))} s/pod)`,
		);
		// Without a working PDB watch, the blocked evictions are probed again only every 30 s (one pod per probe).
		const perPodMs = restMs / (replicas - evictedBefore);
		assert.ok(perPodMs < 15_000, `the drain went on at the watch's pace, not the 30 s probe's: ${seconds(perPodMs)} s per pod`);
		assert.is((await livePodsOnNode(kit.cluster, sc)).length, 0, 'every pod is off the node');
		console.log(`  drain attempts on the record: ${String(drained.incident?.attempts)}; notified: ${drained.incident?.notified.join(',')}`);

		// The outcome message, then a few seconds to see that nothing else comes.
		await assertOneStartOneOutcome(receiver, replicas);
	} finally {
		stopSampling = true;
		await sampling;
	}

	const after = await readNodeState(kit.cluster, sc.node);
	assert.ok(after.unschedulable, `the node stays cordoned: ${describeNode(after)}`);
	assert.is(assertAlive(agent), undefined, agent.tail(80));
	assert.is(await healthStatus(probe.healthz), 200, '/healthz 200 after the outage');
	// As a kubelet would judge it (failureThreshold 3): a single slow answer on a busy machine is no restart.
	const worstRun = health.reduce(
		(acc, status) => (status === 200 ? { run: 0, max: acc.max } : { run: acc.run + 1, max: Math.max(acc.max, acc.run + 1) }),
		{ run: 0, max: 0 },
	).max;
	console.log(
		`  /healthz during the outage: ${health.filter((status) => status === 200).length} of ${health.length} probes 200, longest failing run ${worstRun}`,
	);
	assert.ok(worstRun < 3, `/healthz never failed 3 probes in a row during the outage: ${health.join(',')}`);
	// The fault was felt: the agent logged the lost connection (watch or request), then carried on.
	const complaints = agent
		.lines()
		.slice(mark)
		.filter((line) => /Cannot|error|ECONNREFUSED|retry/i.test(line.text));
	console.log(`  agent lines about the outage: ${complaints.length}; first: ${complaints[0]?.text.slice(0, 200) ?? '(none)'}`);
});

test.run();
