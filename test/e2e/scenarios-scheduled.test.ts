// End-to-end: the built agent (dist/nth) against the real control plane and AEMM's
// scheduled events, with a ServiceAccount token bound to the ClusterRole of
// manifests/. NTH's upstream scenarios (upstream-nth.md §7b 7–10): maintenance
// event, its cancellation, the reboot (uncordon at start from the labels and a fake
// uptime file), dry run; plus an admin-cordoned node that is never uncordoned.
// Every scenario asserts the node and pod state through the API.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- scenarios-scheduled`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Aemm } from '../real/aemm.ts';
import { createPod, waitFor } from '../real/harness.ts';
import type { AgentProcess } from './agent-process.ts';
import {
	agentEnv,
	agentKubeconfig,
	appPods,
	ScenarioKit,
	describeNode,
	inPhase,
	livePodsOnNode,
	type NodeState,
	readNodeState,
	type Scenario,
	taintOf,
	uidsOf,
	waitForEvicted,
	waitForNode,
	waitForPodsBack,
} from './scenarios-kit.ts';
import { sleep } from '../../src/clock.ts';

const maintenanceTaint = 'aws-node-termination-handler/scheduled-maintenance';
const eventIdLabel = 'aws-node-termination-handler/event-id';
const actionLabel = 'aws-node-termination-handler/action';
const actionTimeLabel = 'aws-node-termination-handler/action-time';
const excludeLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** AEMM's scheduled event id: fixed, so it is the same across AEMM restarts. */
const aemmEventId = 'instance-event-1234567890abcdef0';
const settings = { TAINT_NODE: 'true', ENABLE_SPOT_INTERRUPTION_DRAINING: 'true', ENABLE_SCHEDULED_EVENT_DRAINING: 'true' };

const kit = new ScenarioKit();
const { cleanup, scenario, agent: agentFor } = kit;
const scratch = mkdtempSync(join(tmpdir(), 'nth-e2e-scheduled-'));

const scheduled = suite('scenarios: scheduled events');

let kubeconfig: string;
kit.attach(scheduled, async (cluster) => {
	kubeconfig = await agentKubeconfig(cluster);
});

scheduled.after(() => {
	rmSync(scratch, { recursive: true, force: true });
});

const aemmFor = (args: readonly string[]): Promise<Aemm> => kit.aemm(args);

/** Phase 1 of the scheduled scenarios: the maintenance event drains the node. */
async function maintenanceDrains(sc: Scenario, before: readonly string[]): Promise<NodeState> {
	const drained = await waitForNode(kit.cluster, sc.node, 'drained for the maintenance event', (s) => inPhase(s, 'Drained'));
	assert.ok(drained.unschedulable, 'cordoned');
	const taint = taintOf(drained, maintenanceTaint);
	assert.equal([taint?.value, taint?.effect], [aemmEventId, 'NoSchedule'], describeNode(drained));
	assert.is(drained.labels[eventIdLabel], aemmEventId);
	assert.equal([drained.condition?.status, drained.condition?.reason], ['True', 'Drained']);
	assert.is(drained.incident?.kind, 'SCHEDULED_EVENT');
	assert.equal(drained.incident?.eventIds, [aemmEventId]);
	await waitForEvicted(kit.cluster, sc, before);
	return drained;
}

scheduled('maintenance event (system-reboot, active): cordon, scheduled-maintenance taint, reboot labels, eviction', async () => {
	const sc = await scenario('maint');
	const before = uidsOf(await appPods(kit.cluster, sc));
	const aemm = await aemmFor(['events', '-o', 'system-reboot', '-t', 'active']);
	const startedS = Math.floor(Date.now() / 1000);
	const agent = await agentFor(agentEnv(sc, kubeconfig, aemm, settings), 'maintenance');
	const drained = await maintenanceDrains(sc, before);
	assert.is(drained.labels[actionLabel], 'UncordonAfterReboot', 'the node was schedulable: uncordon after the reboot');
	const actionTime = Number(drained.labels[actionTimeLabel]);
	assert.ok(actionTime >= startedS && actionTime <= Math.ceil(Date.now() / 1000), `action-time ${actionTime}`);
	assert.is(drained.incident?.cordonedByUs, true);
	assert.is(agent.matching('Node successfully cordoned and drained').length, 1, agent.tail());
});

scheduled(
	'cancellation: drained, then AEMM (same port, same event id) says canceled: uncordoned, taint and labels gone, pods back',
	async () => {
		const sc = await scenario('cancel');
		const before = uidsOf(await appPods(kit.cluster, sc));
		let aemm = await aemmFor(['events', '-o', 'system-reboot', '-t', 'active']);
		const agent = await agentFor(agentEnv(sc, kubeconfig, aemm, { ...settings, EXCLUDE_FROM_LOAD_BALANCERS: 'true' }), 'cancellation');
		const drained = await maintenanceDrains(sc, before);
		assert.is(drained.labels[excludeLabel], 'aws-node-termination-handler');

		aemm = await aemm.restart(['events', '-o', 'system-reboot', '-t', 'canceled']);
		cleanup.add(() => aemm.stop());
		const released = await waitForNode(
			kit.cluster,
			sc.node,
			'released after the cancellation',
			(s) => !s.unschedulable && inPhase(s, 'Cancelled'),
		);
		assert.is(taintOf(released, maintenanceTaint), undefined, describeNode(released));
		assert.equal(released.taints, [], 'no taints left');
		for (const label of [eventIdLabel, actionLabel, actionTimeLabel, excludeLabel])
			assert.is(released.labels[label], undefined, `label ${label} removed`);
		assert.equal([released.condition?.status, released.condition?.reason], ['False', 'Cancelled']);
		const back = await waitForPodsBack(kit.cluster, sc, 3);
		assert.is(back.length, 3);
		assert.is(agent.exit(), undefined);
	},
);

scheduled(
	'reboot: drained with reboot labels; after the "reboot" (fake uptime, no IMDS) the starting agent uncordons, removes labels and taints, pods back',
	async () => {
		const sc = await scenario('reboot');
		const before = uidsOf(await appPods(kit.cluster, sc));
		const aemm = await aemmFor(['events', '-o', 'system-reboot']);
		const first = await agentFor(agentEnv(sc, kubeconfig, aemm, settings), 'reboot phase 1');
		const drained = await maintenanceDrains(sc, before);
		const actionTime = Number(drained.labels[actionTimeLabel]);
		assert.ok(actionTime > 0, describeNode(drained));
		const firstExit = await first.stop();
		assert.is(firstExit.code, 0, first.tail());
		await aemm.stop();

		// "Rebooted": up 5 s, and more than 5 s since the label was written.
		const uptime = join(scratch, 'uptime');
		writeFileSync(uptime, '5.01 10000\n');
		const wait = (actionTime + 6) * 1000 - Date.now();
		if (wait > 0) await sleep(wait);
		// IMDS is gone (as upstream deletes AEMM): one try per request, no retries to wait out.
		const second = await agentFor(
			agentEnv(sc, kubeconfig, aemm, { ...settings, UPTIME_FROM_FILE: uptime, METADATA_TRIES: '1' }),
			'reboot phase 2',
		);
		await second.waitForLine('Successfully completed action UncordonAfterReboot.', { timeoutMs: 15_000 });
		const after = await waitForNode(kit.cluster, sc.node, 'uncordoned after the reboot', (s) => !s.unschedulable);
		assert.equal(after.taints, [], `taints gone: ${describeNode(after)}`);
		for (const label of [eventIdLabel, actionLabel, actionTimeLabel]) assert.is(after.labels[label], undefined, `label ${label} removed`);
		assert.is(
			after.condition?.status,
			'False',
			`the node is back in service: the TerminationHandling condition must not say otherwise: ${describeNode(after)}`,
		);
		await waitForPodsBack(kit.cluster, sc, 3);
	},
);

/** An admin-cordoned node with two pods bound to it (the scheduler places nothing on a cordoned node), drained for the maintenance event. */
async function adminCordonedDrained(label: string): Promise<{ readonly sc: Scenario; readonly aemm: Aemm; readonly agent: AgentProcess }> {
	const sc = await scenario(label, { node: { unschedulable: true }, replicas: 0 });
	await Promise.all(
		['a', 'b'].map((name) =>
			createPod(kit.cluster, sc.namespace, `admin-${name}`, { nodeName: sc.node, labels: { app: sc.app }, ownerKind: 'ReplicaSet' }),
		),
	);
	const aemm = await aemmFor(['events', '-o', 'system-reboot', '-t', 'active']);
	const agent = await agentFor(agentEnv(sc, kubeconfig, aemm, settings), `${label} phase 1`);
	const drained = await waitForNode(kit.cluster, sc.node, 'drained', (s) => inPhase(s, 'Drained'));
	assert.is(drained.labels[eventIdLabel], aemmEventId);
	assert.is(drained.labels[actionLabel], undefined, 'no UncordonAfterReboot: the node was cordoned before');
	assert.is(drained.labels[actionTimeLabel], undefined);
	assert.is(drained.incident?.cordonedByUs, false);
	await waitFor(async () => (await livePodsOnNode(kit.cluster, sc)).length === 0, { what: 'the pods evicted' });
	return { sc, aemm, agent };
}

scheduled('admin-cordoned node: drained without the UncordonAfterReboot label; the reboot leaves it cordoned', async () => {
	const { sc, aemm, agent } = await adminCordonedDrained('adminboot');
	await agent.stop();
	await aemm.stop();
	const uptime = join(scratch, 'uptime-admin');
	writeFileSync(uptime, '5.01 10000\n');
	await sleep(6000);
	const second = await agentFor(
		agentEnv(sc, kubeconfig, aemm, { ...settings, UPTIME_FROM_FILE: uptime, METADATA_TRIES: '1' }),
		'admin cordon, rebooted',
	);
	// The reboot check runs before the start-up line.
	assert.is(second.matching('UncordonAfterReboot').length, 0, second.tail());
	const after = await readNodeState(kit.cluster, sc.node);
	assert.ok(after.unschedulable, `still cordoned after the reboot: ${describeNode(after)}`);
	assert.is((await livePodsOnNode(kit.cluster, sc)).length, 0, 'no pods came back');
});

scheduled("admin-cordoned node: the cancellation removes our taint and label but leaves the admin's cordon", async () => {
	const { sc, aemm, agent } = await adminCordonedDrained('admincancel');
	const canceled = await aemm.restart(['events', '-o', 'system-reboot', '-t', 'canceled']);
	cleanup.add(() => canceled.stop());
	await agent.waitForLine('Not uncordoning the node: it was cordoned before this incident', { timeoutMs: 15_000 });
	const after = await waitForNode(kit.cluster, sc.node, 'released after the cancellation', (s) => inPhase(s, 'Cancelled'));
	assert.ok(after.unschedulable, `still cordoned: ${describeNode(after)}`);
	assert.equal(after.taints, [], 'our taint removed');
	assert.is(after.labels[eventIdLabel], undefined, 'our label removed');
	await sleep(1000);
	assert.is((await livePodsOnNode(kit.cluster, sc)).length, 0, 'no pods came back');
});

scheduled('dry run: "would have been cordoned and drained", node untouched', async () => {
	const sc = await scenario('maintdry');
	const before = uidsOf(await appPods(kit.cluster, sc));
	const aemm = await aemmFor(['events', '-o', 'system-reboot', '-t', 'active']);
	const agent = await agentFor(agentEnv(sc, kubeconfig, aemm, { ...settings, DRY_RUN: 'true' }), 'maintenance dry run');
	await agent.waitForLine('would have been cordoned and drained', { timeoutMs: 15_000 });
	await sleep(2500);
	const state = await readNodeState(kit.cluster, sc.node);
	assert.is(state.unschedulable, false);
	assert.equal(state.taints, []);
	assert.is(state.labels[eventIdLabel], undefined);
	assert.is(state.incident, undefined);
	assert.is(state.condition, undefined);
	assert.equal(uidsOf(await appPods(kit.cluster, sc)).sort(), [...before].sort());
	assert.ok(agent.matching(/Would have added label/).length >= 1, agent.tail());
});

scheduled.run();
