import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { AgentError, KubeError } from '../errors.ts';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { memoryLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import { clearTerminationCondition, readNodeAnnotation, setTerminationCondition, writeNodeAnnotation } from './conditions.ts';

const signal = new AbortController().signal;
const ready = { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };

function setup(dryRun = false) {
	const kube = new FakeKubeApi();
	const log = memoryLogger();
	const clock = { ms: Date.parse('2025-06-01T12:00:00.123Z') };
	return { kube, log, clock, deps: { kube, log, metrics: noopMetrics(), dryRun, now: () => new Date(clock.ms) } };
}

function condition(kube: FakeKubeApi) {
	return kube.node('n1')?.status.conditions?.find((c) => c.type === 'TerminationHandling');
}

const conditions = suite('setTerminationCondition()');

conditions("adds the condition through /status next to the kubelet's conditions", async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1' }, status: { conditions: [ready] } });
	await setTerminationCondition(deps, 'n1', {
		condition: { status: 'True', reason: 'Draining', message: 'Draining 3 pods before 12:02:00' },
		signal,
	});
	assert.equal(kube.node('n1')?.status.conditions, [
		ready,
		{
			type: 'TerminationHandling',
			status: 'True',
			reason: 'Draining',
			message: 'Draining 3 pods before 12:02:00',
			lastTransitionTime: '2025-06-01T12:00:00Z',
			lastHeartbeatTime: '2025-06-01T12:00:00Z',
		},
	]);
	const call = kube.callsTo('patchNode')[0]?.args[1];
	assert.equal(call !== null && typeof call === 'object' ? [Reflect.get(call, 'type'), Reflect.get(call, 'subresource')] : [], [
		'strategic',
		'status',
	]);
});

conditions('moves lastTransitionTime only when the status changes; skips an identical write', async () => {
	const { kube, deps, clock } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	await setTerminationCondition(deps, 'n1', { condition: { status: 'True', reason: 'Draining', message: 'm' }, signal });
	clock.ms += 60_000;
	await setTerminationCondition(deps, 'n1', { condition: { status: 'True', reason: 'Draining', message: 'm' }, signal });
	assert.is(kube.callsTo('patchNode').length, 1, 'identical: no write');
	await setTerminationCondition(deps, 'n1', { condition: { status: 'True', reason: 'Drained', message: 'done' }, signal });
	assert.is(condition(kube)?.lastTransitionTime, '2025-06-01T12:00:00Z');
	assert.is(condition(kube)?.lastHeartbeatTime, '2025-06-01T12:01:00Z');
	clock.ms += 60_000;
	await setTerminationCondition(deps, 'n1', { condition: { status: 'False', reason: 'Cancelled', message: 'event cancelled' }, signal });
	assert.is(condition(kube)?.lastTransitionTime, '2025-06-01T12:02:00Z');
	assert.is(condition(kube)?.status, 'False');
});

conditions('in dry run logs and changes nothing', async () => {
	const { kube, deps, log } = setup(true);
	kube.addNode({ metadata: { name: 'n1' } });
	await setTerminationCondition(deps, 'n1', { condition: { status: 'True', reason: 'Draining', message: 'm' }, signal });
	assert.is(kube.callsTo('patchNode').length, 0);
	assert.ok(
		log.lines.includes(
			'1970/01/01 00:00:00 INF Would have set condition (TerminationHandling=True, reason Draining) on node n1, but dry-run flag was set',
		),
	);
});

conditions('clears the condition and only it', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1' }, status: { conditions: [ready] } });
	await clearTerminationCondition(deps, 'n1', signal);
	assert.is(kube.callsTo('patchNode').length, 0, 'absent: nothing to do');
	await setTerminationCondition(deps, 'n1', { condition: { status: 'True', reason: 'Failed', message: 'x' }, signal });
	await clearTerminationCondition(deps, 'n1', signal);
	assert.equal(kube.node('n1')?.status.conditions, [ready]);
});

conditions.run();

const annotations = suite('writeNodeAnnotation() / readNodeAnnotation()');

const RecordSchema = v.object({ id: v.string(), attempts: v.number() });

annotations('writes JSON, reads it back through a schema, removes it with null', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1', annotations: { other: 'x' } } });
	const written = await writeNodeAnnotation(
		deps,
		{ nodeName: 'n1', key: 'aws-node-termination-handler/incident', value: { id: 'e1', attempts: 1 } },
		signal,
	);
	assert.is(written?.metadata.annotations?.['aws-node-termination-handler/incident'], '{"id":"e1","attempts":1}');
	const node = kube.node('n1');
	assert.ok(node);
	if (!node) return;
	assert.equal(readNodeAnnotation(node, 'aws-node-termination-handler/incident', RecordSchema), { id: 'e1', attempts: 1 });
	await writeNodeAnnotation(deps, { nodeName: 'n1', key: 'aws-node-termination-handler/incident', value: null }, signal);
	assert.equal(kube.node('n1')?.metadata.annotations, { other: 'x' });
});

annotations('compare-and-swap: a stale resourceVersion gets 409', async () => {
	const { kube, deps } = setup();
	const seeded = kube.addNode({ metadata: { name: 'n1' } });
	kube.mutateNode('n1', (node) => {
		node.metadata.labels = { changed: 'yes' };
	});
	try {
		await writeNodeAnnotation(
			deps,
			{ nodeName: 'n1', key: 'k', value: { a: 1 }, resourceVersion: seeded.metadata.resourceVersion },
			signal,
		);
		assert.unreachable('must throw');
	} catch (error) {
		assert.is(error instanceof KubeError ? error.status : undefined, 409);
	}
	assert.is(kube.node('n1')?.metadata.annotations, undefined);
});

annotations('reading: undefined when absent, AgentError when not JSON or not matching', () => {
	const base = { metadata: { name: 'n1', uid: 'u' }, spec: {}, status: {} };
	assert.is(readNodeAnnotation(base, 'k', RecordSchema), undefined);
	assert.throws(
		() => readNodeAnnotation({ ...base, metadata: { ...base.metadata, annotations: { k: '{nope' } } }, 'k', RecordSchema),
		(error: unknown) => error instanceof AgentError && /^Cannot read annotation "k" of node "n1": /.test(error.message),
	);
	assert.throws(
		() => readNodeAnnotation({ ...base, metadata: { ...base.metadata, annotations: { k: '{"id":1}' } } }, 'k', RecordSchema),
		(error: unknown) => error instanceof AgentError,
	);
});

annotations('in dry run logs and writes nothing', async () => {
	const { kube, deps, log } = setup(true);
	kube.addNode({ metadata: { name: 'n1' } });
	assert.is(await writeNodeAnnotation(deps, { nodeName: 'n1', key: 'k', value: { a: 1 } }, signal), undefined);
	assert.is(kube.callsTo('patchNode').length, 0);
	assert.ok(log.lines.includes('1970/01/01 00:00:00 INF Would have written annotation k on node n1, but dry-run flag was set'));
});

annotations.run();
