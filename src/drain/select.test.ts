import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { type Pod, PodSchema } from '../kube/schemas.ts';
import { runningPod } from '../../test/support/drain-fakes.ts';
import { type SelectOptions, daemonSetFatal, localStorageFatal, selectPod, selectPods } from './select.ts';

const signal = new AbortController().signal;

function pod(name: string, options: Parameters<typeof runningPod>[1] = {}): Pod {
	return v.parse(PodSchema, runningPod(name, options));
}

function optionsWith(
	overrides: Partial<SelectOptions> = {},
	daemonSets: readonly string[] = ['kube-system/ds'],
): SelectOptions & { readonly lookups: string[] } {
	const lookups: string[] = [];
	return {
		deleteLocalData: true,
		ignoreDaemonSets: true,
		evictDaemonSetPods: false,
		self: { name: 'nth-abc', namespace: 'kube-system' },
		daemonSetExists: async (namespace, name) => {
			lookups.push(`${namespace}/${name}`);
			return daemonSets.includes(`${namespace}/${name}`);
		},
		lookups,
		...overrides,
	};
}

const dsPod = (name: string, extra: Parameters<typeof runningPod>[1] = {}) =>
	pod(name, { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'ds' }, ...extra });

const one = suite('selectPod()');

one('evicts a ReplicaSet pod (kubectl: okay)', async () => {
	const result = await selectPod(pod('web-1'), optionsWith(), signal);
	assert.is(result.action, 'evict');
	assert.is(result.reason, 'ok');
	assert.is(result.warning, undefined);
});

one("skips the agent's own pod by name and namespace, and only that one", async () => {
	const own = await selectPod(pod('nth-abc', { namespace: 'kube-system' }), optionsWith(), signal);
	assert.is(own.action, 'skip');
	assert.is(own.reason, 'self');
	// Same name elsewhere is someone else's pod (NTH #746).
	const other = await selectPod(pod('nth-abc', { namespace: 'default' }), optionsWith(), signal);
	assert.is(other.action, 'evict');
});

one('matches its own pod in any namespace when the namespace is empty (NTH)', async () => {
	const result = await selectPod(pod('nth-abc', { namespace: 'tools' }), optionsWith({ self: { name: 'nth-abc', namespace: '' } }), signal);
	assert.is(result.reason, 'self');
});

one('skips its own DaemonSet pod even when DaemonSet pods are fatal', async () => {
	const result = await selectPod(
		pod('nth-abc', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'ds' } }),
		optionsWith({ ignoreDaemonSets: false }),
		signal,
	);
	assert.is(result.reason, 'self');
	assert.is(result.fatal, undefined);
});

one('skips mirror (static) pods', async () => {
	const result = await selectPod(
		pod('etcd-node', { owner: { kind: 'Node', name: 'node-a', apiVersion: 'v1' }, annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
		optionsWith(),
		signal,
	);
	assert.is(result.action, 'skip');
	assert.is(result.reason, 'mirror');
});

one('skips DaemonSet pods with a warning when ignoring them', async () => {
	const result = await selectPod(dsPod('ds-1'), optionsWith(), signal);
	assert.is(result.action, 'skip');
	assert.is(result.warning, 'ignoring DaemonSet-managed Pods');
	assert.is(result.fatal, undefined);
});

one('makes DaemonSet pods fatal when not ignoring them (kubectl semantics)', async () => {
	const result = await selectPod(dsPod('ds-1'), optionsWith({ ignoreDaemonSets: false }), signal);
	assert.is(result.action, 'skip');
	assert.is(result.fatal, daemonSetFatal);
});

one('evicts DaemonSet pods when EVICT_DAEMON_SET_PODS is on, whatever IGNORE_DAEMON_SETS says', async () => {
	for (const ignoreDaemonSets of [true, false]) {
		const result = await selectPod(dsPod('ds-1'), optionsWith({ ignoreDaemonSets, evictDaemonSetPods: true }), signal);
		assert.is(result.action, 'evict');
		assert.is(result.reason, 'daemonset');
		assert.is(result.fatal, undefined);
	}
});

one('evicts orphaned DaemonSet pods with a warning (kubectl --force)', async () => {
	const options = optionsWith({ ignoreDaemonSets: false }, []);
	const result = await selectPod(dsPod('ds-1'), options, signal);
	assert.is(result.action, 'evict');
	assert.is(result.reason, 'daemonset-orphaned');
	assert.match(result.warning ?? '', 'not found');
	assert.equal(options.lookups, ['kube-system/ds']);
});

one('treats only apps/v1 DaemonSet controllers as DaemonSet pods', async () => {
	const options = optionsWith({ ignoreDaemonSets: false });
	const result = await selectPod(pod('x', { owner: { kind: 'DaemonSet', name: 'ds', apiVersion: 'extensions/v1beta1' } }), options, signal);
	assert.is(result.reason, 'ok');
	assert.equal(options.lookups, []);
});

one('evicts finished pods whatever owns them or what they mount, without looking up DaemonSets', async () => {
	const options = optionsWith({ ignoreDaemonSets: false, deleteLocalData: false });
	for (const phase of ['Succeeded', 'Failed']) {
		const result = await selectPod(dsPod('done', { phase, emptyDir: true }), options, signal);
		assert.is(result.action, 'evict');
		assert.is(result.reason, 'finished');
	}
	assert.equal(options.lookups, []);
});

one('makes emptyDir pods fatal without DELETE_LOCAL_DATA, evicts them with a warning with it', async () => {
	const fatal = await selectPod(pod('cache', { emptyDir: true }), optionsWith({ deleteLocalData: false }), signal);
	assert.is(fatal.fatal, localStorageFatal);
	assert.is(fatal.action, 'skip');
	const evicted = await selectPod(pod('cache', { emptyDir: true }), optionsWith(), signal);
	assert.is(evicted.action, 'evict');
	assert.is(evicted.warning, 'deleting Pods with local storage');
});

one('evicts bare pods with a warning (kubectl --force, as NTH sets it)', async () => {
	const result = await selectPod(pod('bare', { owner: null }), optionsWith(), signal);
	assert.is(result.action, 'evict');
	assert.is(result.reason, 'unreplicated');
	assert.is(result.warning, 'deleting Pods that declare no controller');
});

one('waits for terminating pods instead of evicting them, and never makes them fatal', async () => {
	const deleting = '2026-01-01T00:00:00Z';
	assert.is((await selectPod(pod('web-1', { deletionTimestamp: deleting }), optionsWith(), signal)).action, 'wait');
	assert.is(
		(await selectPod(pod('cache', { deletionTimestamp: deleting, emptyDir: true }), optionsWith({ deleteLocalData: false }), signal))
			.action,
		'wait',
	);
	assert.is(
		(await selectPod(dsPod('ds-1', { deletionTimestamp: deleting }), optionsWith({ ignoreDaemonSets: false }), signal)).action,
		'wait',
	);
	// An ignored DaemonSet pod stays ignored while it terminates.
	assert.is((await selectPod(dsPod('ds-1', { deletionTimestamp: deleting }), optionsWith(), signal)).action, 'skip');
});

const many = suite('selectPods()');

many('groups warnings and fatal errors by message, as kubectl prints them', async () => {
	const result = await selectPods(
		[dsPod('ds-1'), pod('bare-1', { owner: null }), pod('bare-2', { owner: null }), pod('cache', { emptyDir: true })],
		optionsWith({ ignoreDaemonSets: false, deleteLocalData: false }),
		signal,
	);
	assert.equal(result.errors, [`cannot delete ${daemonSetFatal}: kube-system/ds-1`, `cannot delete ${localStorageFatal}: default/cache`]);
	assert.is(result.warnings, 'deleting Pods that declare no controller: default/bare-1, default/bare-2');
});

many('looks each DaemonSet up once, not once per pod', async () => {
	const options = optionsWith();
	await selectPods([dsPod('ds-1'), dsPod('ds-2'), dsPod('ds-3')], options, signal);
	assert.equal(options.lookups, ['kube-system/ds']);
});

many('passes DaemonSet lookup errors on (the drain fails and is retried)', async () => {
	const options = optionsWith({
		daemonSetExists: async () => {
			throw new Error('boom');
		},
	});
	try {
		await selectPods([dsPod('ds-1')], options, signal);
		assert.unreachable('should throw');
	} catch (error) {
		assert.instance(error, Error);
		assert.is((error as Error).message, 'boom');
	}
});

one.run();
many.run();
