import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeError } from '../errors.ts';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { memoryLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import { addInterruptionTaint, addOutOfServiceTaint, addTaint, interruptionTaintKeys, removeNthTaints, taintValue } from './taints.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';

const signal = new AbortController().signal;

function setup(dryRun = false) {
	const kube = new FakeKubeApi();
	const log = memoryLogger();
	const clock = fakeClock(Date.parse('2025-06-01T00:00:00Z'));
	const deps = {
		kube,
		log,
		metrics: noopMetrics(),
		dryRun,
		now: () => new Date(clock.now()),
		sleep: clock.sleep,
	};
	return { kube, log, clock, deps };
}

const adminTaint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

const values = suite('taintValue()');

values('keeps a valid event id, truncates to 63 and makes it a valid label value', () => {
	assert.is(taintValue('instance-event-0d59937288b749b32'), 'instance-event-0d59937288b749b32');
	assert.is(taintValue('x'.repeat(70)), 'x'.repeat(63));
	assert.is(taintValue(`${'a'.repeat(62)}-b`), 'a'.repeat(62), 'no trailing dash after truncation');
	assert.is(taintValue('spot-itn:2025/01/01 00:00'), 'spot-itn-2025-01-01-00-00');
});

values.run();

const add = suite('addTaint()');

add("adds NTH's interruption taint keyed by kind with the event id and TAINT_EFFECT, keeping other taints", async () => {
	const { kube, deps, log } = setup();
	kube.addNode({ metadata: { name: 'n1' }, spec: { taints: [adminTaint] } });
	assert.is(
		await addInterruptionTaint(deps, 'n1', { taint: { kind: 'SPOT_ITN', eventId: 'spot-itn-abc', effect: 'NoExecute' }, signal }),
		true,
	);
	assert.equal(kube.node('n1')?.spec.taints, [
		adminTaint,
		{ key: 'aws-node-termination-handler/spot-itn', value: 'spot-itn-abc', effect: 'NoExecute' },
	]);
	assert.ok(
		log.lines.includes(
			'1970/01/01 00:00:00 INF Successfully added taint on node taint_key=aws-node-termination-handler/spot-itn taint_value=spot-itn-abc node_name=n1',
		),
	);
});

add('has a key for every kind', () => {
	assert.equal(interruptionTaintKeys, {
		SPOT_ITN: 'aws-node-termination-handler/spot-itn',
		SCHEDULED_EVENT: 'aws-node-termination-handler/scheduled-maintenance',
		ASG_LIFECYCLE: 'aws-node-termination-handler/asg-lifecycle-termination',
		REBALANCE_RECOMMENDATION: 'aws-node-termination-handler/rebalance-recommendation',
	});
});

add('updates a stale value of the same key instead of keeping it (NTH §8.31)', async () => {
	const { kube, deps } = setup();
	kube.addNode({
		metadata: { name: 'n1' },
		spec: { taints: [{ key: 'aws-node-termination-handler/rebalance-recommendation', value: 'old-event', effect: 'NoSchedule' }] },
	});
	assert.is(
		await addInterruptionTaint(deps, 'n1', {
			taint: { kind: 'REBALANCE_RECOMMENDATION', eventId: 'new-event', effect: 'PreferNoSchedule' },
			signal,
		}),
		true,
	);
	assert.equal(kube.node('n1')?.spec.taints, [
		{ key: 'aws-node-termination-handler/rebalance-recommendation', value: 'new-event', effect: 'PreferNoSchedule' },
	]);
});

add('does not patch when the taint is already there', async () => {
	const { kube, deps } = setup();
	kube.addNode({
		metadata: { name: 'n1' },
		spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] },
	});
	assert.is(await addOutOfServiceTaint(deps, 'n1', signal), false);
	assert.is(kube.callsTo('patchNode').length, 0);
});

add("retries a conflict with a growing backoff and keeps the other writer's taint", async () => {
	const { kube, deps, clock } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	kube.beforeNext('patchNode', () => {
		kube.mutateNode('n1', (node) => {
			node.spec.taints = [adminTaint];
		});
	});
	kube.failNext('patchNode', { status: 409, times: 2, when: () => kube.callsTo('patchNode').length > 1 });
	await clock.run(addOutOfServiceTaint(deps, 'n1', signal));
	assert.equal(kube.node('n1')?.spec.taints, [
		adminTaint,
		{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' },
	]);
	assert.equal(clock.sleeps, [100, 200, 400]);
	assert.is(kube.callsTo('getNode').length, 4);
});

add('gives up with the 409 once the 5 s deadline would pass', async () => {
	const { kube, deps, clock } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	kube.failNext('patchNode', { status: 409, times: 100 });
	try {
		await clock.run(addOutOfServiceTaint(deps, 'n1', signal));
		assert.unreachable('must throw');
	} catch (error) {
		assert.instance(error, KubeError);
		assert.is(error instanceof KubeError ? error.status : undefined, 409);
	}
	assert.equal(clock.sleeps, [100, 200, 400, 750, 750, 750, 750, 750]);
	assert.ok(clock.sleeps.reduce((sum, ms) => sum + ms, 0) <= 5_000);
});

add('stops retrying when the signal aborts', async () => {
	const { kube, deps, clock } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	kube.failNext('patchNode', { status: 409, times: 100 });
	const controller = new AbortController();
	const outcome = addTaint(deps, 'n1', { taint: { key: 'k', value: 'v', effect: 'NoSchedule' }, signal: controller.signal }).then(
		() => 'resolved',
		(error: unknown) => error,
	);
	// The first patch conflicts; the retry waits in its backoff when the signal aborts.
	await clock.settle();
	assert.equal(clock.sleeps, [100]);
	controller.abort();
	const error = await outcome;
	assert.is(error instanceof Error ? error.name : error, 'AbortError');
	assert.is(kube.callsTo('patchNode').length, 1);
});

add("in dry run logs NTH's line and changes nothing", async () => {
	const { kube, deps, log } = setup(true);
	kube.addNode({ metadata: { name: 'n1' } });
	await addInterruptionTaint(deps, 'n1', {
		taint: { kind: 'ASG_LIFECYCLE', eventId: 'asg-lifecycle-term-1', effect: 'NoSchedule' },
		signal,
	});
	assert.is(kube.callsTo('patchNode').length, 0);
	assert.ok(
		log.lines.includes(
			'1970/01/01 00:00:00 INF Would have added taint (aws-node-termination-handler/asg-lifecycle-termination=asg-lifecycle-term-1:NoSchedule) to node n1, but dry-run flag was set',
		),
	);
});

add.run();

const remove = suite('removeNthTaints()');

remove('removes all four NTH taints and our out-of-service taint in one patch, keeping the rest (NTH §8.8)', async () => {
	const { kube, deps } = setup();
	kube.addNode({
		metadata: { name: 'n1' },
		spec: {
			taints: [
				adminTaint,
				...Object.values(interruptionTaintKeys).map((key) => ({ key, value: 'e', effect: 'NoSchedule' })),
				{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' },
			],
		},
	});
	const removed = await removeNthTaints(deps, 'n1', signal);
	assert.is(removed.length, 5);
	assert.equal(kube.node('n1')?.spec.taints, [adminTaint]);
	assert.is(kube.callsTo('patchNode').length, 1);
});

remove("leaves an admin's out-of-service taint with another value", async () => {
	const { kube, deps } = setup();
	const admins = { key: 'node.kubernetes.io/out-of-service', value: 'maintenance', effect: 'NoExecute' };
	kube.addNode({ metadata: { name: 'n1' }, spec: { taints: [admins] } });
	assert.equal(await removeNthTaints(deps, 'n1', signal), []);
	assert.equal(kube.node('n1')?.spec.taints, [admins]);
	assert.is(kube.callsTo('patchNode').length, 0);
});

remove('clears the list when only ours were there', async () => {
	const { kube, deps } = setup();
	kube.addNode({
		metadata: { name: 'n1' },
		spec: { taints: [{ key: 'aws-node-termination-handler/spot-itn', value: 'e', effect: 'NoSchedule' }] },
	});
	await removeNthTaints(deps, 'n1', signal);
	assert.is(kube.node('n1')?.spec.taints, undefined);
});

remove('in dry run logs each taint and changes nothing', async () => {
	const { kube, deps, log } = setup(true);
	kube.addNode({
		metadata: { name: 'n1' },
		spec: { taints: [{ key: 'aws-node-termination-handler/spot-itn', value: 'e', effect: 'NoSchedule' }] },
	});
	assert.equal(await removeNthTaints(deps, 'n1', signal), ['aws-node-termination-handler/spot-itn=e:NoSchedule']);
	assert.is(kube.node('n1')?.spec.taints?.length, 1);
	assert.ok(
		log.lines.includes(
			'1970/01/01 00:00:00 INF Would have removed taint (aws-node-termination-handler/spot-itn=e:NoSchedule) from node n1, but dry-run flag was set',
		),
	);
});

remove.run();
