import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deadlockDueMs } from './deadlock.ts';
import { progressIntervalMs } from './options.ts';
import type { GroupPlan } from './plan.ts';
import { nextWakeMs, openDueGroups } from './schedule.ts';
import { type PodState, podState } from './state.ts';

const t0 = 1_700_000_000_000;
const window = { nodeName: 'node-a', policy: 'wait' as const, startMs: t0, deadlineMs: t0 + 120_000 };
const pod = (name: string, groupIndex: number, overrides: Partial<PodState> = {}): PodState =>
	Object.assign(
		podState({ key: `default/${name}`, namespace: 'default', name, uid: name, groupIndex, baseGrace: 30, labels: {} }, false, t0),
		overrides,
	);
const groups: GroupPlan[] = [
	{ group: 'ordinary', pods: ['default/a'], latestStartMs: t0, reservedSeconds: 30 },
	{ group: 'daemonset', pods: ['default/b'], latestStartMs: t0 + 60_000, reservedSeconds: 30 },
];

const open = suite('openDueGroups()');

open('opens the next group once the earlier groups are gone, saying why', () => {
	const waiting = openDueGroups({ groups, openGroups: 0, states: [pod('a', 0), pod('b', 1)], nowMs: t0 + 1000 });
	assert.is(waiting.openGroups, 1);
	assert.equal(waiting.opened, []);
	const gone = openDueGroups({ groups, openGroups: 1, states: [pod('a', 0, { status: 'gone' }), pod('b', 1)], nowMs: t0 + 1000 });
	assert.is(gone.openGroups, 2);
	assert.equal(
		gone.opened.map((entry) => entry.reason),
		['earlier groups gone'],
	);
});

open('opens the next group at its latest start even with earlier pods left', () => {
	const states = [pod('a', 0), pod('b', 1)];
	assert.is(openDueGroups({ groups, openGroups: 1, states, nowMs: t0 + 59_999 }).openGroups, 1);
	const due = openDueGroups({ groups, openGroups: 1, states, nowMs: t0 + 60_000 });
	assert.is(due.openGroups, 2);
	assert.equal(
		due.opened.map((entry) => entry.reason),
		['its share of the time'],
	);
});

open.run();

const wake = suite('nextWakeMs()');

wake('the earliest of the progress line, the next group, a due retry and a deadlock time; never in the past', () => {
	const base = { groups, openGroups: 1, inflight: 0, window, nowMs: t0 + 1000 };
	assert.is(nextWakeMs({ ...base, states: [pod('a', 0, { status: 'evicted' })], lastProgressMs: t0 }), t0 + progressIntervalMs);
	assert.is(nextWakeMs({ ...base, states: [pod('a', 0, { nextAttemptMs: t0 + 4000 })], lastProgressMs: t0 }), t0 + 4000);
	assert.is(
		nextWakeMs({ ...base, states: [pod('a', 0, { nextAttemptMs: t0 })], lastProgressMs: t0 }),
		t0 + 1000,
		'a retry time already past wakes now, not earlier',
	);
	// A pod of a group not open yet does not wake the loop for its retry.
	assert.is(
		nextWakeMs({
			...base,
			openGroups: 2,
			groups: [...groups, { group: 'cluster-critical', pods: [], latestStartMs: t0 + 100_000, reservedSeconds: 0 }],
			states: [pod('c', 2, { nextAttemptMs: t0 + 2000 })],
			lastProgressMs: t0 + 1000,
		}),
		t0 + 1000 + progressIntervalMs,
	);
});

wake('a blocked pod wakes the loop at its deadlock time, unless the policy already ran for it', () => {
	const blocked = { kind: 'pdb' as const, pdbs: ['default/web'], message: 'x' };
	const base = { groups: [groups[0] as GroupPlan], openGroups: 1, inflight: 0, window, nowMs: t0 + 1000, lastProgressMs: t0 + 1000 };
	const due = deadlockDueMs(pod('a', 0), window);
	assert.ok(due > t0 + 1000 + progressIntervalMs && due < window.deadlineMs, `deadlock time ${due - t0} ms after the start`);
	// Just before the deadlock time: it wakes the loop then, not at the next progress line; once handled, it does not.
	const near = { ...base, nowMs: due - 1000, lastProgressMs: due - 1000 };
	assert.is(nextWakeMs({ ...near, states: [pod('a', 0, { blocked, nextAttemptMs: t0 + 200_000 })] }), due);
	assert.is(
		nextWakeMs({ ...near, states: [pod('a', 0, { blocked, nextAttemptMs: t0 + 200_000, deadlockDone: true })] }),
		due - 1000 + progressIntervalMs,
	);
});

wake.run();
