// End-to-end: the built agent (dist/nth) against the real control plane and AEMM,
// with a ServiceAccount token bound to the ClusterRole of manifests/. NTH's
// upstream IMDS scenarios for spot interruptions (upstream-nth.md §7b 1, 4, 5, 6):
// spot ITN, IMDSv2, dry run, cordon only. Every scenario asserts the node and pod
// state through the API.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- scenarios-spot`).
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
	startScenarioAgent,
	taintOf,
	uidsOf,
	waitForEvicted,
	waitForNode,
} from './scenarios-kit.ts';
import { sleep } from '../../src/clock.ts';

const spotTaint = 'aws-node-termination-handler/spot-itn';
const outOfService = 'node.kubernetes.io/out-of-service';

const kit = new ScenarioKit();
const { cleanup, scenario } = kit;

const spot = suite('scenarios: spot interruption');

let kubeconfig: string;
kit.attach(spot, async (cluster) => {
	kubeconfig = await agentKubeconfig(cluster);
});

spot('spot ITN: cordon, spot-itn taint, pods evicted, out-of-service taint, condition and record', async () => {
	const sc = await scenario('spot');
	const before = uidsOf(await appPods(kit.cluster, sc));
	assert.is(before.length, 3);
	const aemm = await startAemm(['spot', '-a', 'terminate']);
	cleanup.add(() => aemm.stop());
	const started = Date.now();
	const agent = await startScenarioAgent(
		agentEnv(sc, kubeconfig, aemm, {
			ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
			TAINT_NODE: 'true',
			ENABLE_OUT_OF_SERVICE_TAINT: 'true',
			EXCLUDE_FROM_LOAD_BALANCERS: 'true',
		}),
		'spot ITN',
	);
	cleanup.add(() => agent.stop());

	const drained = await waitForNode(
		kit.cluster,
		sc.node,
		'drained with the out-of-service taint',
		(s) => taintOf(s, outOfService) !== undefined && inPhase(s, 'Drained'),
	);
	const elapsed = Date.now() - started;
	assert.ok(drained.unschedulable, 'cordoned');
	assert.is(
		drained.labels['node.kubernetes.io/exclude-from-external-load-balancers'],
		'aws-node-termination-handler',
		'excluded from load balancers before the cordon',
	);
	const itn = taintOf(drained, spotTaint);
	assert.ok(itn, `spot-itn taint: ${describeNode(drained)}`);
	assert.match(itn.value ?? '', /^spot-itn-[0-9a-f]{54}$/, 'value: the event id cut to 63 characters');
	assert.is(itn.effect, 'NoSchedule');
	const oos = taintOf(drained, outOfService);
	assert.equal([oos?.value, oos?.effect], ['nodeshutdown', 'NoExecute']);
	assert.equal(drained.condition?.status, 'True');
	assert.equal(drained.condition?.reason, 'Drained');
	const incident = drained.incident;
	assert.ok(incident);
	assert.is(incident.kind, 'SPOT_ITN');
	assert.is(incident.action, 'cordon-and-drain');
	assert.is(incident.cordonedByUs, true);
	assert.is(incident.attempts, 1);
	assert.is(incident.headline.spotAction, 'terminate');
	// AEMM's notice time is request time + 2 min: the deadline is that minus the 10 s margin.
	const deadline = Date.parse(incident.deadline);
	assert.ok(deadline > started + 100_000 && deadline < Date.now() + 115_000, `deadline ${incident.deadline}`);
	assert.is(itn.value, incident.id.slice(0, 63), "the taint names the incident's first event");

	const pods = await waitForEvicted(kit.cluster, sc, before);
	assert.is(pods.length, 3, 'the Deployment recreated its 3 pods, Pending: the node is cordoned');
	assert.ok(elapsed < 20_000, `drained ${elapsed} ms after the agent started`);
	assert.ok(agent.matching('Node successfully cordoned and drained').length === 1, agent.tail());
	assert.is(agent.exit(), undefined, 'the agent keeps running');
});

spot('IMDSv2 only (AEMM -I): the token flow works end to end: cordon and eviction', async () => {
	const sc = await scenario('imdsv2');
	const before = uidsOf(await appPods(kit.cluster, sc));
	const aemm = await startAemm(['spot', '-a', 'terminate'], { imdsv2: true });
	cleanup.add(() => aemm.stop());
	const agent = await startScenarioAgent(agentEnv(sc, kubeconfig, aemm, { TAINT_NODE: 'true' }), 'IMDSv2');
	cleanup.add(() => agent.stop());

	const drained = await waitForNode(kit.cluster, sc.node, 'drained', (s) => inPhase(s, 'Drained'));
	assert.ok(drained.unschedulable);
	assert.ok(taintOf(drained, spotTaint), describeNode(drained));
	assert.is(taintOf(drained, outOfService), undefined, 'no out-of-service taint unless enabled');
	await waitForEvicted(kit.cluster, sc, before);
	// AEMM -I answers 401 ("Token required; No token provided.") to a request without a session token.
	assert.match(aemm.output(), /Token validated!/, 'the agent sent session tokens');
	assert.not.match(aemm.output(), /No token provided|Invalid token/i, 'no request without a valid token');
	assert.is(agent.matching(/WRN|ERR/).length, 0, agent.tail());
});

spot('dry run: "would have been cordoned and drained" is logged once, the node and pods are untouched', async () => {
	const sc = await scenario('dryrun');
	const before = uidsOf(await appPods(kit.cluster, sc));
	const aemm = await startAemm(['spot', '-a', 'terminate']);
	cleanup.add(() => aemm.stop());
	const agent = await startScenarioAgent(
		agentEnv(sc, kubeconfig, aemm, {
			DRY_RUN: 'true',
			TAINT_NODE: 'true',
			ENABLE_OUT_OF_SERVICE_TAINT: 'true',
			ENABLE_SCHEDULED_EVENT_DRAINING: 'true',
		}),
		'dry run',
	);
	cleanup.add(() => agent.stop());

	await agent.waitForLine('would have been cordoned and drained', { timeoutMs: 15_000 });
	// AEMM changes the notice every second: let several new ids arrive, then look.
	await sleep(3000);
	const state = await readNodeState(kit.cluster, sc.node);
	assert.is(state.unschedulable, false, 'not cordoned');
	assert.equal(state.taints, [], `no taints: ${describeNode(state)}`);
	assert.is(state.incident, undefined, 'no record written');
	assert.is(state.condition, undefined, 'no condition written');
	assert.is(Object.keys(state.labels).filter((key) => key.startsWith('aws-node-termination-handler')).length, 0);
	const pods = await appPods(kit.cluster, sc);
	assert.equal(uidsOf(pods).sort(), [...before].sort(), 'the same pods');
	assert.ok(pods.every((pod) => pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined));
	assert.ok(agent.matching(/Would have added taint \(aws-node-termination-handler\/spot-itn=/).length >= 1, agent.tail());
	assert.is(agent.matching('would have been cordoned and drained').length, 1, `one incident, one dry-run drain:\n${agent.tail()}`);
});

spot('cordon only (AEMM serving every mock): cordoned, nothing evicted, no out-of-service taint', async () => {
	const sc = await scenario('cordononly');
	const before = uidsOf(await appPods(kit.cluster, sc));
	const aemm = await startAemm([]);
	cleanup.add(() => aemm.stop());
	const agent = await startScenarioAgent(
		agentEnv(sc, kubeconfig, aemm, {
			CORDON_ONLY: 'true',
			ENABLE_OUT_OF_SERVICE_TAINT: 'true',
			ENABLE_REBALANCE_MONITORING: 'true',
			ENABLE_ASG_LIFECYCLE_DRAINING: 'true',
		}),
		'cordon only',
	);
	cleanup.add(() => agent.stop());

	const cordoned = await waitForNode(kit.cluster, sc.node, 'cordoned', (s) => s.unschedulable && inPhase(s, 'Cordoned'));
	assert.is(cordoned.incident?.action, 'cordon');
	assert.equal([cordoned.condition?.status, cordoned.condition?.reason], ['True', 'Cordoned']);
	// Give a drain every chance to (wrongly) start: several polls of every mock.
	await sleep(4000);
	const later = await readNodeState(kit.cluster, sc.node);
	assert.is(later.incident?.phase, 'Cordoned', describeNode(later));
	assert.is(later.incident?.action, 'cordon');
	assert.is(taintOf(later, outOfService), undefined, 'no out-of-service taint with CORDON_ONLY');
	const pods = await appPods(kit.cluster, sc);
	assert.equal(uidsOf(pods).sort(), [...before].sort(), 'not evicted');
	assert.ok(pods.every((pod) => pod.metadata?.deletionTimestamp === undefined && pod.status?.phase === 'Running'));
	assert.is(agent.matching('evicting pod').length, 0, agent.tail());
	assert.ok(agent.matching('Node successfully cordoned').length >= 1, agent.tail());
});

spot.run();
