import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeError } from '../../src/errors.ts';
import { FakeKubeApi } from '../support/fake-kube-api.ts';

const signal = new AbortController().signal;

async function rejection(promise: Promise<unknown>): Promise<KubeError> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof KubeError) return error;
		throw error;
	}
	assert.unreachable('expected a KubeError');
	throw new Error('unreachable');
}

function pod(name: string, nodeName = 'n1', labels: Record<string, string> = {}) {
	return { metadata: { name, namespace: 'ns', labels }, spec: { nodeName } };
}

// ------------------------------------------------------------------------------------------------

const nodes = suite('FakeKubeApi nodes');

nodes('stamps seeds and returns copies', async () => {
	const fake = new FakeKubeApi();
	fake.addNode({ metadata: { name: 'n1' } });
	const got = await fake.getNode('n1', signal);
	assert.ok(got?.metadata.uid);
	assert.ok(got?.metadata.resourceVersion);
	if (got) got.spec.unschedulable = true;
	assert.is(fake.node('n1')?.spec.unschedulable, undefined, 'the caller cannot change the stored node');
	assert.is(await fake.getNode('nope', signal), undefined);
});

nodes('applies merge patches and bumps the resourceVersion', async () => {
	const fake = new FakeKubeApi();
	const before = fake.addNode({ metadata: { name: 'n1', labels: { a: '1' } } });
	const after = await fake.patchNode(
		'n1',
		{ type: 'merge', body: { metadata: { labels: { a: null, b: '2' } }, spec: { unschedulable: true } } },
		signal,
	);
	assert.equal(after.metadata.labels, { b: '2' });
	assert.is(after.spec.unschedulable, true);
	assert.ok(Number(after.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
});

nodes('answers 409 when the patch carries a stale resourceVersion', async () => {
	const fake = new FakeKubeApi();
	const seeded = fake.addNode({ metadata: { name: 'n1' } });
	fake.mutateNode('n1', (node) => {
		node.spec.taints = [{ key: 'other', effect: 'NoSchedule' }];
	});
	const error = await rejection(
		fake.patchNode(
			'n1',
			{ type: 'merge', body: { metadata: { resourceVersion: seeded.metadata.resourceVersion }, spec: { taints: [] } } },
			signal,
		),
	);
	assert.is(error.status, 409);
	assert.is(error.reason, 'Conflict');
	assert.equal(fake.node('n1')?.spec.taints, [{ key: 'other', effect: 'NoSchedule' }]);
});

nodes('separates the status subresource from the object, as the apiserver does', async () => {
	const fake = new FakeKubeApi();
	fake.addNode({ metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
	await fake.patchNode('n1', { type: 'merge', body: { status: { conditions: [] }, spec: { unschedulable: true } } }, signal);
	assert.equal(fake.node('n1')?.status.conditions, [{ type: 'Ready', status: 'True' }], 'status ignored on the object');
	await fake.patchNode(
		'n1',
		{
			type: 'strategic',
			subresource: 'status',
			body: { status: { conditions: [{ type: 'X', status: 'True' }] }, spec: { unschedulable: false } },
		},
		signal,
	);
	assert.equal(fake.node('n1')?.status.conditions, [
		{ type: 'Ready', status: 'True' },
		{ type: 'X', status: 'True' },
	]);
	assert.is(fake.node('n1')?.spec.unschedulable, true, 'spec ignored on /status');
});

nodes('rejects invalid label and taint values with 422, and JSON-patch removal of a missing label', async () => {
	const fake = new FakeKubeApi();
	fake.addNode({ metadata: { name: 'n1' } });
	assert.is(
		(await rejection(fake.patchNode('n1', { type: 'merge', body: { metadata: { labels: { a: 'bad value' } } } }, signal))).status,
		422,
	);
	assert.is(
		(
			await rejection(
				fake.patchNode(
					'n1',
					{ type: 'merge', body: { spec: { taints: [{ key: 'k', value: 'x'.repeat(64), effect: 'NoSchedule' }] } } },
					signal,
				),
			)
		).status,
		422,
	);
	assert.is(
		(await rejection(fake.patchNode('n1', { type: 'merge', body: { spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } } }, signal)))
			.status,
		422,
	);
	assert.is(
		(await rejection(fake.patchNode('n1', { type: 'json', body: [{ op: 'remove', path: '/metadata/labels/x' }] }, signal))).status,
		422,
	);
	assert.is((await rejection(fake.patchNode('gone', { type: 'merge', body: {} }, signal))).status, 404);
});

nodes('lists with label selectors and pages', async () => {
	const fake = new FakeKubeApi();
	for (const name of ['a', 'b', 'c']) fake.addNode({ metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
	const selected = await fake.listNodes({ labelSelector: 'kubernetes.io/hostname in (a, c)' }, signal);
	assert.equal(
		selected.items.map((node) => node.metadata.name),
		['a', 'c'],
	);
	const first = await fake.listNodes({ limit: 2 }, signal);
	assert.equal(
		first.items.map((node) => node.metadata.name),
		['a', 'b'],
	);
	const second = await fake.listNodes({ limit: 2, continue: first.continue }, signal);
	assert.equal(
		second.items.map((node) => node.metadata.name),
		['c'],
	);
	assert.is(second.continue, undefined);
});

nodes.run();

// ------------------------------------------------------------------------------------------------

const control = suite('FakeKubeApi control');

control('records calls without signals', async () => {
	const fake = new FakeKubeApi();
	fake.addNode({ metadata: { name: 'n1' } });
	await fake.getNode('n1', signal);
	await fake.patchNode('n1', { type: 'merge', body: { spec: { unschedulable: true } } }, signal);
	assert.equal(fake.calls, [
		{ method: 'getNode', args: ['n1'] },
		{ method: 'patchNode', args: ['n1', { type: 'merge', body: { spec: { unschedulable: true } } }] },
	]);
	assert.is(fake.callsTo('patchNode').length, 1);
});

control('fails the next matching calls the given number of times', async () => {
	const fake = new FakeKubeApi();
	fake.addPod(pod('a'));
	fake.addPod(pod('b'));
	fake.failNext('evictPod', {
		status: 429,
		times: 2,
		when: (_namespace, name) => name === 'a',
		message: "Cannot evict pod as it would violate the pod's disruption budget.",
	});
	const first = await rejection(fake.evictPod('ns', 'a', {}, signal));
	assert.is(first.status, 429);
	assert.is(first.reason, 'TooManyRequests');
	await fake.evictPod('ns', 'b', {}, signal);
	assert.is((await rejection(fake.evictPod('ns', 'a', {}, signal))).status, 429);
	await fake.evictPod('ns', 'a', {}, signal);
	assert.equal(fake.pods(), []);
});

control('runs a hook before the next call is applied (to race another writer)', async () => {
	const fake = new FakeKubeApi();
	const seeded = fake.addNode({ metadata: { name: 'n1' } });
	fake.beforeNext('patchNode', () => {
		fake.mutateNode('n1', (node) => {
			node.metadata.labels = { raced: 'yes' };
		});
	});
	const error = await rejection(
		fake.patchNode('n1', { type: 'merge', body: { metadata: { resourceVersion: seeded.metadata.resourceVersion } } }, signal),
	);
	assert.is(error.status, 409);
	await fake.patchNode('n1', { type: 'merge', body: { metadata: { resourceVersion: fake.node('n1')?.metadata.resourceVersion } } }, signal);
});

control('rejects with the abort reason when the signal is already aborted', async () => {
	const fake = new FakeKubeApi();
	const controller = new AbortController();
	controller.abort();
	try {
		await fake.getNode('n1', controller.signal);
		assert.unreachable('must reject');
	} catch (error) {
		assert.is(error instanceof Error ? error.name : undefined, 'AbortError');
	}
});

control.run();

// ------------------------------------------------------------------------------------------------

const pods = suite('FakeKubeApi pods and watches');

pods('lists pods by field selector and namespace', async () => {
	const fake = new FakeKubeApi();
	fake.addPod(pod('a', 'n1'));
	fake.addPod(pod('b', 'n2'));
	fake.addPod({ metadata: { name: 'c', namespace: 'other' }, spec: { nodeName: 'n1' } });
	assert.equal(
		(await fake.listPods({ fieldSelector: 'spec.nodeName=n1' }, signal)).items.map((p) => p.metadata.name),
		['a', 'c'],
	);
	assert.equal(
		(await fake.listPods({ fieldSelector: 'spec.nodeName=n1', namespace: 'ns' }, signal)).items.map((p) => p.metadata.name),
		['a'],
	);
});

pods('evicts by deleting, or by marking terminating in terminate mode; honours UID preconditions and dry run', async () => {
	const fake = new FakeKubeApi({ eviction: 'terminate', now: () => new Date('2025-01-01T00:00:00Z') });
	const seeded = fake.addPod(pod('a'));
	assert.is((await rejection(fake.evictPod('ns', 'a', { uid: 'other' }, signal))).status, 409);
	await fake.evictPod('ns', 'a', { dryRun: true }, signal);
	assert.is(fake.pod('ns', 'a')?.metadata.deletionTimestamp, undefined);
	await fake.evictPod('ns', 'a', { uid: seeded.metadata.uid }, signal);
	assert.is(fake.pod('ns', 'a')?.metadata.deletionTimestamp, '2025-01-01T00:00:00.000Z');
	fake.removePod('ns', 'a');
	assert.is((await rejection(fake.evictPod('ns', 'a', {}, signal))).status, 404);
});

pods('replays history after the resourceVersion, then streams live changes, until aborted', async () => {
	const fake = new FakeKubeApi();
	fake.addPod(pod('a'));
	const listed = await fake.listPods({ fieldSelector: 'spec.nodeName=n1' }, signal);
	fake.addPod(pod('b'));
	fake.addPod(pod('elsewhere', 'n2'));
	const controller = new AbortController();
	const seen: string[] = [];
	const consuming = (async () => {
		for await (const event of fake.watchPods(
			{ resourceVersion: listed.resourceVersion, fieldSelector: 'spec.nodeName=n1' },
			controller.signal,
		)) {
			seen.push(`${event.type} ${event.object.metadata.name}`);
			if (seen.length === 3) controller.abort();
		}
	})();
	while (fake.openWatches === 0) await new Promise((resolve) => setImmediate(resolve));
	fake.removePod('ns', 'a');
	fake.updatePod('ns', 'b', (p) => {
		p.metadata.labels = { x: 'y' };
	});
	await consuming;
	assert.equal(seen, ['ADDED b', 'DELETED a', 'MODIFIED b']);
	assert.is(fake.openWatches, 0);
});

pods('fails with 410 for a resourceVersion from before compact()', async () => {
	const fake = new FakeKubeApi();
	fake.addPod(pod('a'));
	const old = fake.resourceVersion;
	fake.addPod(pod('b'));
	fake.compact();
	try {
		for await (const _event of fake.watchPods({ resourceVersion: old }, signal)) assert.unreachable('no events');
		assert.unreachable('must throw');
	} catch (error) {
		assert.instance(error, KubeError);
		assert.is(error instanceof KubeError ? error.status : undefined, 410);
	}
});

pods('sends the current state for resourceVersion "0", bookmarks, and ends on endWatches()', async () => {
	const fake = new FakeKubeApi();
	fake.addPdb({
		metadata: { name: 'p', namespace: 'ns' },
		spec: { selector: { matchLabels: { app: 'web' } } },
		status: { disruptionsAllowed: 1 },
	});
	const seen: string[] = [];
	const consuming = (async () => {
		for await (const event of fake.watchPodDisruptionBudgets({ resourceVersion: '0' }, signal))
			seen.push(`${event.type} ${event.object.metadata.name || event.object.metadata.resourceVersion}`);
	})();
	while (fake.openWatches === 0) await new Promise((resolve) => setImmediate(resolve));
	fake.updatePdb('ns', 'p', (pdb) => {
		pdb.status.disruptionsAllowed = 0;
	});
	fake.bookmark();
	fake.endWatches();
	await consuming;
	assert.equal(seen, ['ADDED p', 'MODIFIED p', `BOOKMARK ${fake.resourceVersion}`]);
});

pods('keeps events: 409 on a second create, patches count', async () => {
	const fake = new FakeKubeApi();
	const event = {
		name: 'n1.1',
		namespace: 'default',
		involvedObject: { kind: 'Node' as const, name: 'n1', apiVersion: 'v1' as const },
		reason: 'Cordon',
		message: 'm',
		type: 'Normal' as const,
		annotations: {},
		source: { component: 'nth' },
		firstTimestamp: 't0',
		lastTimestamp: 't0',
		count: 1,
	};
	await fake.createEvent(event, signal);
	assert.is((await rejection(fake.createEvent(event, signal))).reason, 'AlreadyExists');
	await fake.patchEvent('default', 'n1.1', { count: 2, lastTimestamp: 't1', message: 'm2' }, signal);
	assert.equal(
		fake.events().map((e) => [e.count, e.lastTimestamp, e.message, e.patches]),
		[[2, 't1', 'm2', 1]],
	);
});

pods.run();

// ------------------------------------------------------------------------------------------------

const budgets = suite('FakeKubeApi disruption budgets');

function running(name: string) {
	return { metadata: { name, namespace: 'ns', labels: { app: 'web' } }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
}

budgets('ignored by default: the drain tests play the disruption controller themselves', async () => {
	const fake = new FakeKubeApi();
	fake.addPod(running('a'));
	fake.addPdb({
		metadata: { name: 'p', namespace: 'ns' },
		spec: { selector: { matchLabels: { app: 'web' } } },
		status: { disruptionsAllowed: 0 },
	});
	await fake.evictPod('ns', 'a', {}, signal);
	assert.is(fake.pod('ns', 'a'), undefined);
});

budgets('enforced: each eviction uses one allowed disruption, then 429 names the budget', async () => {
	const fake = new FakeKubeApi({ disruptionBudgets: 'enforce' });
	fake.addPod(running('a'));
	fake.addPod(running('b'));
	fake.addPdb({
		metadata: { name: 'p', namespace: 'ns' },
		spec: { selector: { matchLabels: { app: 'web' } } },
		status: { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 },
	});
	await fake.evictPod('ns', 'a', { dryRun: true }, signal);
	await fake.evictPod('ns', 'a', {}, signal);
	const refused = await rejection(fake.evictPod('ns', 'b', {}, signal));
	assert.is(refused.status, 429);
	assert.is(refused.reason, 'TooManyRequests');
	assert.equal(refused.causes, [
		{ reason: 'DisruptionBudget', message: 'The disruption budget p needs 1 healthy pods and has 2 currently', field: undefined },
	]);
	assert.ok(fake.pod('ns', 'b'));
});

budgets('enforced: a budget not yet observed answers 429, two budgets 500, a pending pod passes', async () => {
	const fake = new FakeKubeApi({ disruptionBudgets: 'enforce' });
	fake.addPod(running('a'));
	fake.addPdb({
		metadata: { name: 'p', namespace: 'ns', generation: 2 },
		spec: { selector: { matchLabels: { app: 'web' } } },
		status: { observedGeneration: 1, disruptionsAllowed: 5 },
	});
	const unobserved = await rejection(fake.evictPod('ns', 'a', {}, signal));
	assert.is(unobserved.status, 429);
	assert.match(unobserved.causes[0]?.message ?? '', /still being processed/);
	fake.addPdb({ metadata: { name: 'q', namespace: 'ns' }, spec: { selector: {} }, status: { disruptionsAllowed: 5 } });
	assert.is((await rejection(fake.evictPod('ns', 'a', {}, signal))).status, 500);
	fake.addPod({ ...running('pending'), status: { phase: 'Pending' } });
	await fake.evictPod('ns', 'pending', {}, signal);
	assert.is(fake.pod('ns', 'pending'), undefined);
});

budgets.run();
