import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../log/logger.ts';
import { type Metrics, noopMetrics } from '../metrics/types.ts';
import { recordingRecorder } from '../../test/support/drain-fakes.ts';
import type { DeadlockStep } from './deadlock.ts';
import { evictBackoffMs, multiplePdbsRetryMs, pacedProbeMs } from './options.ts';
import { type OutcomeDeps, settleOutcome } from './outcome.ts';
import { type PodState, podState } from './state.ts';

const nowMs = 1_700_000_000_000;

function setup(book: { live: boolean; pdbs: string[] } | undefined = undefined) {
	const counts: string[] = [];
	const metrics: Metrics = {
		...noopMetrics(),
		podEvicted: (outcome) => void counts.push(`pod:${outcome}`),
		evictionBlocked: (block) => void counts.push(`blocked:${block}`),
		errorCaught: (component) => void counts.push(`error:${component}`),
	};
	const released: string[] = [];
	const gone: string[] = [];
	const log = memoryLogger('debug');
	const recorder = recordingRecorder();
	const deps: OutcomeDeps = {
		nodeName: 'node-a',
		log,
		metrics,
		recorder,
		now: () => nowMs,
		book:
			book === undefined
				? undefined
				: {
						state: book.live ? 'live' : 'off',
						release: (pdb, pod) => void released.push(`${pdb}:${pod}`),
						matching: () => book.pdbs,
						version: (pdb) => `${pdb}@7`,
					},
		tracker: {
			get: () => ({
				key: 'default/web-0',
				uid: 'u0',
				view: { namespace: 'default', labels: { app: 'web' }, ready: true, ignoresBudgets: false },
				gone: false,
			}),
			markGone: (key) => void gone.push(key),
		},
		tally: { evicted: 0, deleted: 0 },
	};
	const state = (overrides: Partial<PodState> = {}): PodState =>
		Object.assign(
			podState(
				{ key: 'default/web-0', namespace: 'default', name: 'web-0', uid: 'u0', groupIndex: 0, baseGrace: 30, labels: { app: 'web' } },
				false,
				nowMs - 60_000,
			),
			overrides,
		);
	return { deps, counts, released, gone, log, recorder, state };
}

const deleteStep: Extract<DeadlockStep, { kind: 'delete' }> = {
	kind: 'delete',
	graceSeconds: 12,
	pdbs: ['default/web'],
	deletedMessage: 'Deleted pod "default/web-0" past its budget',
	annotations: { node: 'node-a', pdbs: 'default/web' },
};

const test = suite('settleOutcome()');

test("an accepted eviction: counted once, state evicted and unblocked, a PodEviction event with the pod's labels", () => {
	const { deps, counts, recorder, state, released } = setup({ live: true, pdbs: ['default/web'] });
	const pod = state({ status: 'requesting', blocked: { kind: 'paced', pdbs: ['default/web'], message: 'x' } });
	settleOutcome(deps, { kind: 'evict', state: pod, reserved: 'default/web' }, { kind: 'evicted' });
	assert.is(deps.tally.evicted, 1);
	assert.is(pod.status, 'evicted');
	assert.is(pod.blocked, undefined);
	assert.equal(counts, ['pod:evicted']);
	assert.equal(released, [], 'the reservation stays until the watched budget shows the eviction');
	assert.equal(
		recorder.podEvents.map((event) => [event.reason, event.type, event.annotations]),
		[['PodEviction', 'Normal', { node: 'node-a', app: 'web' }]],
	);
});

test('an eviction answered "gone": counted, the tracker told, its reservation released', () => {
	const { deps, counts, gone, released, state } = setup({ live: true, pdbs: ['default/web'] });
	settleOutcome(deps, { kind: 'evict', state: state({ status: 'requesting' }), reserved: 'default/web' }, { kind: 'gone' });
	assert.is(deps.tally.evicted, 1);
	assert.equal(counts, ['pod:gone']);
	assert.equal(gone, ['default/web-0']);
	assert.equal(released, ['default/web:web-0']);
});

test('an accepted deadlock delete: counted as deleted (not evicted), done with the policy, a PodDeletedPastBudget event', () => {
	const { deps, counts, recorder, log, state } = setup();
	const pod = state({ status: 'deleting' });
	settleOutcome(deps, { kind: 'delete', state: pod, step: deleteStep }, { kind: 'evicted' });
	assert.equal(deps.tally, { evicted: 0, deleted: 1 });
	assert.is(pod.status, 'deleted');
	assert.is(pod.deadlockDone, true);
	assert.equal(counts, ['pod:deleted']);
	assert.equal(
		recorder.podEvents.map((event) => [event.reason, event.message, event.annotations]),
		[['PodDeletedPastBudget', deleteStep.deletedMessage, deleteStep.annotations]],
	);
	assert.ok(log.lines.some((line) => line.includes(deleteStep.deletedMessage)));
});

test('a failed eviction backs off by its failure count and is counted as an error', () => {
	const { deps, counts, log, state } = setup();
	const pod = state({ status: 'requesting', failures: 2 });
	settleOutcome(
		deps,
		{ kind: 'evict', state: pod, reserved: undefined },
		{ kind: 'failed', message: 'connection reset', error: new Error('connection reset') },
	);
	assert.is(pod.status, 'pending');
	assert.is(pod.failures, 3);
	assert.is(pod.nextAttemptMs, nowMs + evictBackoffMs(3));
	assert.equal(counts, ['error:drain']);
	assert.ok(
		log.lines.some((line) => line.includes('error when evicting pods/"web-0" -n "default" (will retry after 4s): connection reset')),
	);
});

test("a failed deadlock delete retries the policy later and leaves the eviction's retry time alone", () => {
	const { deps, counts, state } = setup();
	const pod = state({ status: 'deleting', failures: 1, nextAttemptMs: nowMs + 5 });
	settleOutcome(deps, { kind: 'delete', state: pod, step: deleteStep }, { kind: 'failed', message: 'boom', error: new Error('boom') });
	assert.is(pod.status, 'pending');
	assert.is(pod.deadlockDone, false);
	assert.is(pod.deadlockRetryMs, nowMs + evictBackoffMs(2));
	assert.is(pod.failures, 1);
	assert.is(pod.nextAttemptMs, nowMs + 5);
	assert.equal(counts, ['error:drain']);
	assert.is(deps.tally.deleted, 0);
});

test("refused by one live budget: retried when the watch says so (probe time), the budget's version kept", () => {
	const { deps, counts, state } = setup({ live: true, pdbs: ['default/web'] });
	const pod = state({ status: 'requesting' });
	settleOutcome(deps, { kind: 'evict', state: pod, reserved: undefined }, { kind: 'blocked', block: 'pdb', message: 'Too Many Requests' });
	assert.is(pod.status, 'pending');
	assert.equal(pod.blocked, { kind: 'pdb', pdbs: ['default/web'], message: 'Too Many Requests' });
	assert.is(pod.blockedVersion, 'default/web@7');
	assert.is(pod.nextAttemptMs, nowMs + pacedProbeMs);
	assert.equal(counts, ['blocked:pdb']);
});

test("refused without a live budget: kubectl's backoff", () => {
	const { deps, state } = setup({ live: false, pdbs: ['default/web'] });
	const pod = state({ status: 'requesting' });
	settleOutcome(deps, { kind: 'evict', state: pod, reserved: undefined }, { kind: 'blocked', block: 'pdb', message: 'Too Many Requests' });
	assert.is(pod.nextAttemptMs, nowMs + evictBackoffMs(1));
});

test('matched by several budgets: reported once over repeated refusals, retried rarely', () => {
	const { deps, log, state } = setup({ live: true, pdbs: ['default/a', 'default/b'] });
	const pod = state({ status: 'requesting' });
	const outcome = { kind: 'blocked', block: 'multiple-pdbs', message: 'more than one PodDisruptionBudget' } as const;
	settleOutcome(deps, { kind: 'evict', state: pod, reserved: undefined }, outcome);
	pod.status = 'requesting';
	settleOutcome(deps, { kind: 'evict', state: pod, reserved: undefined }, outcome);
	assert.is(pod.blocked?.kind, 'multiple-pdbs');
	assert.is(pod.nextAttemptMs, nowMs + multiplePdbsRetryMs);
	assert.is(log.lines.filter((line) => line.includes('it matches more than one PodDisruptionBudget ("default/a", "default/b")')).length, 1);
});

test('aborted: back to pending, nothing counted; a pod already gone meanwhile stays gone', () => {
	const { deps, counts, state } = setup();
	const pod = state({ status: 'requesting' });
	settleOutcome(deps, { kind: 'evict', state: pod, reserved: undefined }, { kind: 'aborted' });
	assert.is(pod.status, 'pending');
	const goneMeanwhile = state({ status: 'gone' });
	settleOutcome(deps, { kind: 'delete', state: goneMeanwhile, step: deleteStep }, { kind: 'aborted' });
	assert.is(goneMeanwhile.status, 'gone');
	assert.equal(counts, []);
	assert.equal(deps.tally, { evicted: 0, deleted: 0 });
});

test.run();
