// End-to-end: the ASG target-lifecycle state stays `Terminated` for up to the
// hook timeout. An agent SIGKILLed after the drain and started again while AEMM
// still says Terminated must not open a new incident: no second drain, no new
// webhook message (the restarted agent's monitor makes a new event id; the
// drained record on the Node absorbs it).
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `node scripts/test.mjs --e2e scenarios-asg-restart`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep } from '../../src/clock.ts';
import {
	agentEnv,
	appPods,
	describeNode,
	inPhase,
	readNodeState,
	ScenarioKit,
	startWebhookReceiver,
	uidsOf,
	waitForEvicted,
	waitForNode,
	withAgentLog,
} from './scenarios-kit.ts';

const kit = new ScenarioKit();
const asg = suite('scenarios: ASG Terminated across an agent restart');
kit.attach(asg);

asg('SIGKILL after the drain, restart while Terminated: same incident, no new drain, no new webhook message', async () => {
	const sc = await kit.scenario('asgrestart');
	const before = uidsOf(await appPods(kit.cluster, sc));
	const receiver = await startWebhookReceiver();
	kit.cleanup.add(() => receiver.close());
	const aemm = await kit.aemm(['asglifecycle', '--asg-termination-delay-sec', '1']);
	const env = agentEnv(sc, await kit.kubeconfig(), aemm, {
		ENABLE_SPOT_INTERRUPTION_DRAINING: 'false',
		ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
		ENABLE_ASG_LIFECYCLE_DRAINING: 'true',
		TAINT_NODE: 'true',
		WEBHOOK_URL: receiver.url,
		WEBHOOK_TEMPLATE: '{{ .EventID }} {{ .Kind }}',
	});
	const first = await kit.agent(env, 'ASG first');
	const drained = await withAgentLog(
		first,
		waitForNode(kit.cluster, sc.node, 'drained for the ASG termination', (s) => inPhase(s, 'Drained')),
	);
	await waitForEvicted(kit.cluster, sc, before);
	// The start and the outcome message.
	for (let i = 0; i < 50 && receiver.messages.length < 2; i += 1) await sleep(100);
	assert.is(receiver.messages.length, 2, receiver.messages.map((m) => m.body).join('\n'));
	const record = drained.incident;
	assert.ok(record);
	await first.stop('SIGKILL');

	const second = await kit.agent(env, 'ASG restarted');
	// Several polls of the still-Terminated state (500 ms interval) and time for a drain to (wrongly) start.
	await sleep(6_000);
	const after = await readNodeState(kit.cluster, sc.node);
	assert.is(after.incident?.id, record.id, `the same incident: ${describeNode(after)}`);
	assert.is(after.incident?.phase, 'Drained');
	assert.is(after.incident?.attempts, record.attempts, 'no new drain attempt');
	assert.ok(after.unschedulable);
	assert.is(receiver.messages.length, 2, `no new webhook message:\n${receiver.messages.map((m) => m.body).join('\n')}`);
	assert.is(second.matching('Draining the node').length, 0, second.tail());
	assert.is(second.matching('Node successfully cordoned and drained').length, 0, second.tail());
	assert.is(second.matching('Resuming the incident recorded on the node').length, 1, second.tail());
	assert.is(second.exit(), undefined, 'the agent keeps running');
});

asg.run();
