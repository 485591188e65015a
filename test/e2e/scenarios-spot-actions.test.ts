// End-to-end: a spot interruption whose action is `stop` or `hibernate` is
// acted on like `terminate` (NTH drains every spot action) against the real
// apiserver, which rejects label values over 63 characters: the reboot labels
// carry a valid value (the event id, or a digest of it), the node ends
// cordoned and drained, and the event-id label maps back to the recorded event.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `node scripts/test.mjs --e2e scenarios-spot-actions`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isValidLabelValue } from '../../src/kube/validation.ts';
import { labelValueFor } from '../../src/node/values.ts';
import {
	agentEnv,
	appPods,
	describeNode,
	inPhase,
	ScenarioKit,
	taintOf,
	uidsOf,
	waitForEvicted,
	waitForNode,
	withAgentLog,
} from './scenarios-kit.ts';

const spotTaint = 'aws-node-termination-handler/spot-itn';
const eventIdLabel = 'aws-node-termination-handler/event-id';

const kit = new ScenarioKit();
const spot = suite('scenarios: spot interruption with action stop / hibernate');
kit.attach(spot);

for (const action of ['stop', 'hibernate'] as const) {
	spot(`spot ITN action ${action}: cordoned, tainted, drained; the reboot labels are valid values naming the event`, async () => {
		const sc = await kit.scenario(action === 'stop' ? 'spotstop' : 'spothib');
		const before = uidsOf(await appPods(kit.cluster, sc));
		assert.is(before.length, 3);
		const aemm = await kit.aemm(['spot', '-a', action]);
		const agent = await kit.agent(
			agentEnv(sc, await kit.kubeconfig(), aemm, {
				ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
				TAINT_NODE: 'true',
			}),
			`spot ${action}`,
		);

		const drained = await withAgentLog(
			agent,
			waitForNode(kit.cluster, sc.node, 'cordoned and drained', (s) => s.unschedulable && inPhase(s, 'Drained'), 45_000),
		);
		await withAgentLog(agent, waitForEvicted(kit.cluster, sc, before));
		const incident = drained.incident;
		assert.ok(incident, describeNode(drained));
		assert.is(incident.headline.spotAction, action);
		const taint = taintOf(drained, spotTaint);
		assert.ok(taint, describeNode(drained));
		assert.ok(isValidLabelValue(taint.value ?? ''), `taint value ${taint.value}`);
		const label = drained.labels[eventIdLabel];
		assert.ok(label !== undefined, `event-id label: ${describeNode(drained)}`);
		assert.ok(label.length <= 63);
		assert.ok(
			incident.eventIds.some((id) => labelValueFor(id) === label),
			`the label ${label} maps to a recorded event ${incident.eventIds.join(',')}`,
		);
		assert.is(
			drained.labels['aws-node-termination-handler/action'],
			'UncordonAfterReboot',
			'the node was schedulable: uncordon after the resume',
		);
		assert.is(agent.matching('PreDrainError').length + agent.matching('Cannot run the pre-drain task').length, 0, agent.tail());
		assert.is(agent.exit(), undefined, 'the agent keeps running');
	});
}

spot.run();
