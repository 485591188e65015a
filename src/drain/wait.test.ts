import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { type Pod, PodSchema } from '../kube/schemas.ts';
import { runningPod } from '../../test/support/drain-fakes.ts';
import { PodTracker, nodeFieldSelector, trackedFrom } from './wait.ts';

function pod(name: string, uid: string, extra: Parameters<typeof runningPod>[1] = {}): Pod {
	const seed = runningPod(name, extra);
	return v.parse(PodSchema, { ...seed, metadata: { ...seed.metadata, uid } });
}

function tracked(...pods: Pod[]) {
	const tracker = new PodTracker(pods.map(trackedFrom));
	const gone: string[] = [];
	const updated: string[] = [];
	tracker.on({ gone: (entry) => gone.push(entry.key), update: (entry) => updated.push(entry.key) });
	return { tracker, gone, updated };
}

const events = suite('PodTracker events');

events('marks a pod gone on DELETED with its UID', () => {
	const { tracker, gone } = tracked(pod('a', 'u1'), pod('b', 'u2'));
	tracker.event({ type: 'DELETED', object: pod('a', 'u1') });
	assert.equal(gone, ['default/a']);
	assert.is(tracker.remaining, 1);
});

events('marks a pod gone when its name shows up with another UID', () => {
	const { tracker, gone } = tracked(pod('a', 'u1'));
	tracker.event({ type: 'ADDED', object: pod('a', 'u9') });
	assert.equal(gone, ['default/a']);
	assert.is(tracker.remaining, 0);
});

events('keeps a slim view of the latest version of a pod that is still there', () => {
	const { tracker, gone, updated } = tracked(pod('a', 'u1'));
	assert.equal(tracker.get('default/a')?.view, { namespace: 'default', labels: { app: 'web' }, ignoresBudgets: false, ready: true });
	tracker.event({ type: 'MODIFIED', object: pod('a', 'u1', { deletionTimestamp: '2026-01-01T00:00:00Z' }) });
	assert.equal(gone, []);
	assert.equal(updated, ['default/a']);
	assert.is(tracker.get('default/a')?.view.ignoresBudgets, true);
});

events('ignores pods it does not track and counts each pod gone once', () => {
	const { tracker, gone } = tracked(pod('a', 'u1'));
	tracker.event({ type: 'DELETED', object: pod('other', 'u5') });
	tracker.event({ type: 'DELETED', object: pod('a', 'u1') });
	tracker.event({ type: 'DELETED', object: pod('a', 'u1') });
	tracker.markGone('default/a');
	assert.equal(gone, ['default/a']);
	assert.is(tracker.remaining, 0);
});

const sync = suite('PodTracker sync');

sync('marks pods missing from a relist, or back with another UID, as gone', () => {
	const { tracker, gone, updated } = tracked(pod('a', 'u1'), pod('b', 'u2'), pod('c', 'u3'));
	tracker.sync([pod('b', 'u2'), pod('c', 'u7')]);
	assert.equal(gone.sort(), ['default/a', 'default/c']);
	assert.equal(updated, ['default/b']);
	assert.is(tracker.remaining, 1);
});

sync('nodeFieldSelector() selects the node by spec.nodeName', () => {
	assert.is(nodeFieldSelector('ip-10-0-0-1.ec2.internal'), 'spec.nodeName=ip-10-0-0-1.ec2.internal');
});

events.run();
sync.run();
