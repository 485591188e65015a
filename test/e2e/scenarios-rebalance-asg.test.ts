// End-to-end: the built agent (dist/nth) against the real control plane and AEMM,
// with a ServiceAccount token bound to the ClusterRole of manifests/. NTH's upstream
// scenarios (upstream-nth.md §7b 11, 12, 14): rebalance monitoring (cordon only, then
// the drain once the spot ITN arrives), rebalance draining, ASG lifecycle. Every
// scenario asserts the node and pod state through the API.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- scenarios-rebalance`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAemm } from '../real/aemm.ts';
import {
	agentEnv,
	agentKubeconfig,
	appPods,
	ScenarioKit,
	describeNode,
	inPhase,
	readNodeState,
	taintOf,
	uidsOf,
	waitForEvicted,
	waitForNode,
} from './scenarios-kit.ts';
import { sleep } from '../../src/clock.ts';

const rebalanceTaint = 'aws-node-termination-handler/rebalance-recommendation';
const spotTaint = 'aws-node-termination-handler/spot-itn';
const asgTaint = 'aws-node-termination-handler/asg-lifecycle-termination';
/** Seconds after AEMM's start at which its spot ITN appears in the rebalance-monitoring scenario. */
const itnDelaySeconds = 10;
/** AEMM counts its delay in whole seconds: the ITN may show up to a second early by our clock. */
const itnEarliestMs = (itnDelaySeconds - 1.5) * 1000;

const kit = new ScenarioKit();
const { cleanup, scenario, agent: agentFor } = kit;

const rebalance = suite('scenarios: rebalance recommendation and ASG lifecycle');

let kubeconfig: string;
kit.attach(rebalance, async (cluster) => {
	kubeconfig = await agentKubeconfig(cluster);
});

rebalance('rebalance monitoring: cordon and rebalance taint only; the spot ITN later escalates the same incident to a drain', async () => {
	const sc = await scenario('rebal');
	const before = uidsOf(await appPods(kit.cluster, sc));
	// AEMM's clock starts with its process: no earlier than this.
	const aemmStarted = Date.now();
	const aemm = await startAemm(['spot', '--mock-delay-sec', String(itnDelaySeconds)]);
	cleanup.add(() => aemm.stop());
	const agent = await agentFor(
		agentEnv(sc, kubeconfig, aemm, {
			ENABLE_SPOT_INTERRUPTION_DRAINING: 'true',
			ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
			ENABLE_REBALANCE_MONITORING: 'true',
			TAINT_NODE: 'true',
		}),
		'rebalance monitoring',
	);

	// Phase 1, before the ITN: cordoned, tainted, nothing evicted.
	const cordoned = await waitForNode(kit.cluster, sc.node, 'cordoned for the rebalance recommendation', (s) => inPhase(s, 'Cordoned'));
	assert.ok(Date.now() - aemmStarted < itnEarliestMs, 'phase 1 was observed before AEMM served the ITN');
	assert.ok(cordoned.unschedulable);
	assert.match(taintOf(cordoned, rebalanceTaint)?.value ?? '', /^rebalance-recommendation-[0-9a-f]+$/, describeNode(cordoned));
	assert.is(taintOf(cordoned, spotTaint), undefined);
	assert.is(cordoned.incident?.action, 'cordon');
	assert.is(cordoned.incident?.kind, 'REBALANCE_RECOMMENDATION');
	assert.equal([cordoned.condition?.status, cordoned.condition?.reason], ['True', 'Cordoned']);
	const phase1Pods = await appPods(kit.cluster, sc);
	assert.equal(uidsOf(phase1Pods).sort(), [...before].sort(), 'cordon only: the pods stay');
	assert.ok(phase1Pods.every((pod) => pod.metadata?.deletionTimestamp === undefined));
	// Several rebalance polls later (AEMM gives a new notice time every second), still cordon only.
	await sleep(Math.max(0, aemmStarted + itnEarliestMs - 800 - Date.now()));
	const stillCordoned = await readNodeState(kit.cluster, sc.node);
	assert.is(stillCordoned.incident?.phase, 'Cordoned', describeNode(stillCordoned));
	assert.ok(
		(await appPods(kit.cluster, sc)).every(
			(pod) => before.includes(pod.metadata?.uid ?? '') && pod.metadata?.deletionTimestamp === undefined,
		),
		'still not evicted',
	);
	assert.is(agent.matching('evicting pod').length, 0, agent.tail());

	// Phase 2: the ITN arrives and the same incident drains the node.
	const drained = await waitForNode(kit.cluster, sc.node, 'drained after the spot ITN', (s) => inPhase(s, 'Drained'), 30_000);
	assert.ok(
		Date.now() - aemmStarted >= itnEarliestMs,
		`drained only after AEMM served the ITN (${Date.now() - aemmStarted} ms):\n${agent.tail(60)}`,
	);
	assert.ok(taintOf(drained, spotTaint), describeNode(drained));
	assert.ok(taintOf(drained, rebalanceTaint), 'the rebalance taint stays');
	const incident = drained.incident;
	assert.ok(incident);
	assert.is(incident.id, cordoned.incident?.id, 'one incident, escalated');
	assert.is(incident.action, 'cordon-and-drain');
	assert.is(incident.kind, 'SPOT_ITN', 'the most final signal heads it');
	assert.ok(
		incident.eventIds.some((id) => id.startsWith('rebalance-recommendation-')) &&
			incident.eventIds.some((id) => id.startsWith('spot-itn-')),
		incident.eventIds.join(' '),
	);
	await waitForEvicted(kit.cluster, sc, before);
});

rebalance('rebalance draining: cordon, rebalance taint and eviction on the recommendation alone', async () => {
	const sc = await scenario('rebaldrain');
	const before = uidsOf(await appPods(kit.cluster, sc));
	const aemm = await startAemm(['spot', '--mock-delay-sec', '100000']);
	cleanup.add(() => aemm.stop());
	await agentFor(
		agentEnv(sc, kubeconfig, aemm, {
			ENABLE_SPOT_INTERRUPTION_DRAINING: 'false',
			ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
			ENABLE_REBALANCE_DRAINING: 'true',
			TAINT_NODE: 'true',
		}),
		'rebalance draining',
	);
	const drained = await waitForNode(kit.cluster, sc.node, 'drained for the rebalance recommendation', (s) => inPhase(s, 'Drained'));
	assert.ok(drained.unschedulable);
	assert.ok(taintOf(drained, rebalanceTaint), describeNode(drained));
	assert.is(taintOf(drained, spotTaint), undefined, 'no ITN was served');
	assert.is(drained.incident?.kind, 'REBALANCE_RECOMMENDATION');
	assert.is(drained.incident?.action, 'cordon-and-drain');
	assert.equal([drained.condition?.status, drained.condition?.reason], ['True', 'Drained']);
	await waitForEvicted(kit.cluster, sc, before);
});

rebalance('ASG lifecycle (target state Terminated): cordon, asg-lifecycle taint, eviction', async () => {
	const sc = await scenario('asg');
	const before = uidsOf(await appPods(kit.cluster, sc));
	const aemm = await startAemm(['asglifecycle', '--asg-termination-delay-sec', '2']);
	cleanup.add(() => aemm.stop());
	const agent = await agentFor(
		agentEnv(sc, kubeconfig, aemm, {
			ENABLE_SPOT_INTERRUPTION_DRAINING: 'false',
			ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
			ENABLE_ASG_LIFECYCLE_DRAINING: 'true',
			TAINT_NODE: 'true',
		}),
		'ASG lifecycle',
	);
	// Before AEMM's delay the state is InService: nothing happens.
	const early = await readNodeState(kit.cluster, sc.node);
	assert.is(early.unschedulable, false, describeNode(early));
	const drained = await waitForNode(kit.cluster, sc.node, 'drained for the ASG termination', (s) => inPhase(s, 'Drained'));
	assert.ok(drained.unschedulable);
	assert.match(taintOf(drained, asgTaint)?.value ?? '', /^target-lifecycle-state-terminated-[0-9a-f]+$/, describeNode(drained));
	assert.is(drained.incident?.kind, 'ASG_LIFECYCLE');
	await waitForEvicted(kit.cluster, sc, before);
	assert.is(agent.matching('Node successfully cordoned and drained').length, 1, agent.tail());
});

rebalance.run();
