import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pacingStep } from './pacing.ts';
import { type PodState, podState } from './state.ts';

const nowMs = 1_700_000_000_000;
const state = (overrides: Partial<PodState> = {}): PodState =>
	Object.assign(
		podState(
			{ key: 'default/web-0', namespace: 'default', name: 'web-0', uid: 'u0', groupIndex: 0, baseGrace: 30, labels: {} },
			false,
			nowMs,
		),
		overrides,
	);
const context = (version = 'v1') => ({ nowMs, version: () => version });

const test = suite('pacingStep()');

test('unpaced: goes when due, waits for its retry time otherwise', () => {
	assert.equal(pacingStep(state(), undefined, context()), { kind: 'launch', reserved: undefined });
	assert.is(pacingStep(state({ nextAttemptMs: nowMs + 1 }), undefined, context()), undefined);
});

test('a pod held by pacing that is no longer paced goes at once, before its probe time', () => {
	const held = state({ nextAttemptMs: nowMs + 30_000, blocked: { kind: 'paced', pdbs: ['default/web'], message: 'x' } });
	assert.equal(pacingStep(held, undefined, context()), { kind: 'launch', reserved: undefined });
});

test('room in its budget: goes when due and reserves the room', () => {
	assert.equal(pacingStep(state(), { pdb: 'default/web', room: 1 }, context()), { kind: 'launch', reserved: 'default/web' });
});

test('room again after a refusal: goes early only when the budget moved since', () => {
	const refused = state({
		nextAttemptMs: nowMs + 30_000,
		blocked: { kind: 'pdb', pdbs: ['default/web'], message: 'x' },
		blockedVersion: 'v1',
	});
	assert.is(pacingStep(refused, { pdb: 'default/web', room: 1 }, context('v1')), undefined);
	assert.equal(pacingStep(refused, { pdb: 'default/web', room: 1 }, context('v2')), { kind: 'launch', reserved: 'default/web' });
});

test('no room: held once, then probed unreserved when its probe time comes', () => {
	assert.equal(pacingStep(state(), { pdb: 'default/web', room: 0 }, context()), { kind: 'hold', pdb: 'default/web' });
	const held = state({ nextAttemptMs: nowMs + 1, blocked: { kind: 'paced', pdbs: ['default/web'], message: 'x' } });
	assert.is(pacingStep(held, { pdb: 'default/web', room: 0 }, context()), undefined);
	assert.equal(pacingStep({ ...held, nextAttemptMs: nowMs }, { pdb: 'default/web', room: 0 }, context()), {
		kind: 'launch',
		reserved: undefined,
	});
});

test.run();
