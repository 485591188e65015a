import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type DeadlockWindow, deadlockDueMs, deadlockStep } from './deadlock.ts';
import { type PodState, podState } from './state.ts';

const startMs = 1_700_000_000_000;
const window = (policy: 'wait' | 'delete'): DeadlockWindow => ({ nodeName: 'node-a', policy, startMs, deadlineMs: startMs + 120_000 });

function blockedPod(overrides: Partial<PodState> = {}): PodState {
	const state = podState(
		{ key: 'default/web-0', namespace: 'default', name: 'web-0', uid: 'u0', groupIndex: 0, baseGrace: 30, labels: {} },
		false,
		startMs,
	);
	return Object.assign(
		state,
		{ blocked: { kind: 'pdb', pdbs: ['default/web'], message: "Cannot evict pod as it would violate the pod's disruption budget" } },
		overrides,
	);
}

const test = suite('deadlockStep()');

test("applies from the pod's lead before the deadline (grace + margins), not a millisecond earlier", () => {
	const state = blockedPod();
	const dueMs = deadlockDueMs(state, window('wait'));
	// 30 s grace plus the margins: well inside the 120 s window, well before the deadline.
	assert.ok(dueMs > startMs && dueMs < startMs + 120_000 - 30_000, `due at +${dueMs - startMs} ms`);
	assert.is(deadlockStep(state, dueMs - 1, window('wait')), undefined);
	assert.is(deadlockStep(state, dueMs, window('wait'))?.kind, 'wait');
});

test('wait: one message naming the budget and the seconds left, with node and budgets as annotations', () => {
	const state = blockedPod();
	const step = deadlockStep(state, startMs + 100_000, window('wait'));
	if (step?.kind !== 'wait') throw new Error(`Cannot check the wait step: got ${step?.kind}`);
	assert.is(
		step.message,
		'Eviction of pod "default/web-0" is blocked by PodDisruptionBudget "default/web" with 20 s to the deadline; waiting (PDB_DEADLOCK_POLICY=wait)',
	);
	assert.equal(step.annotations, { node: 'node-a', pdbs: 'default/web' });
});

test('delete: a grace period capped to fit the deadline and the message for after the delete', () => {
	const state = blockedPod({ blocked: { kind: 'multiple-pdbs', pdbs: ['default/a', 'default/b'], message: 'x' } });
	const step = deadlockStep(state, startMs + 100_000, window('delete'));
	if (step?.kind !== 'delete') throw new Error(`Cannot check the delete step: got ${step?.kind}`);
	assert.ok(step.graceSeconds < 30 && step.graceSeconds >= 0, `grace ${step.graceSeconds}`);
	assert.equal(step.pdbs, ['default/a', 'default/b']);
	assert.is(
		step.deletedMessage,
		`Deleted pod "default/web-0" with a ${step.graceSeconds} s grace period although PodDisruptionBudgets "default/a", "default/b" blocks its eviction, 20 s before the deadline (PDB_DEADLOCK_POLICY=delete)`,
	);
});

test('an unknown budget reads "a PodDisruptionBudget"', () => {
	const step = deadlockStep(blockedPod({ blocked: { kind: 'pdb', pdbs: [], message: 'x' } }), startMs + 110_000, window('wait'));
	assert.match(step?.kind === 'wait' ? step.message : '', 'blocked by a PodDisruptionBudget with 10 s');
});

test('does not apply to a pod that is not blocked, not pending, already handled, or waiting out a failed delete', () => {
	const late = startMs + 110_000;
	assert.is(deadlockStep(blockedPod({ blocked: undefined }), late, window('delete')), undefined);
	assert.is(deadlockStep(blockedPod({ status: 'deleting' }), late, window('delete')), undefined);
	assert.is(deadlockStep(blockedPod({ deadlockDone: true }), late, window('delete')), undefined);
	assert.is(deadlockStep(blockedPod({ deadlockRetryMs: late + 1 }), late, window('delete')), undefined);
	assert.is(deadlockStep(blockedPod({ deadlockRetryMs: late }), late, window('delete'))?.kind, 'delete');
});

test.run();
