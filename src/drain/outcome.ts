/**
 * @module The answer to one eviction or deadlock delete, handled in one
 * place: state, counters, metrics, events, log lines and the next retry time.
 *
 * Accepted (evicted, or deleted past its budget): counted and reported once.
 * Gone: counted, and the tracker told so the loop stops waiting. Refused by a
 * budget: retried when the budget moves (live PDB watch) or after kubectl's
 * backoff; matched by several budgets: reported once, retried rarely. Failed:
 * retried with backoff. Aborted: back to pending, the loop sees the abort.
 */
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { EventRecorder } from '../notify/types.ts';
import type { DeadlockStep } from './deadlock.ts';
import { type EvictOutcome, evictRetryLine } from './evict.ts';
import { evictBackoffMs, multiplePdbsRetryMs, pacedProbeMs } from './options.ts';
import type { PdbBook } from './pdbs.ts';
import { type PodState, type Tally, podRef, quoted } from './state.ts';
import type { PodTracker } from './wait.ts';

/** What the outcome handler reads and writes besides the pod's own state. */
export interface OutcomeDeps {
	readonly nodeName: string;
	readonly log: Logger;
	readonly metrics: Metrics;
	readonly recorder: EventRecorder;
	readonly now: () => number;
	readonly book: Pick<PdbBook, 'state' | 'release' | 'matching' | 'version'> | undefined;
	readonly tracker: Pick<PodTracker, 'get' | 'markGone'> | undefined;
	readonly tally: Tally;
}

/** Which request got the answer: an eviction (with the budget it reserved room in, if any) or a deadlock delete. */
export type Attempt =
	| { readonly kind: 'evict'; readonly state: PodState; readonly reserved: string | undefined }
	| { readonly kind: 'delete'; readonly state: PodState; readonly step: Extract<DeadlockStep, { kind: 'delete' }> };

export function settleOutcome(deps: OutcomeDeps, attempt: Attempt, outcome: EvictOutcome): void {
	const state = attempt.state;
	const inFlight = attempt.kind === 'evict' ? 'requesting' : 'deleting';
	if (attempt.kind === 'evict' && attempt.reserved !== undefined && outcome.kind !== 'evicted')
		deps.book?.release(attempt.reserved, state.name);
	switch (outcome.kind) {
		case 'evicted':
		case 'gone':
			accepted(deps, attempt, outcome.kind);
			return;
		case 'aborted':
			if (state.status === inFlight) state.status = 'pending';
			return;
		case 'blocked':
			if (state.status === inFlight) state.status = 'pending';
			// A delete is never refused by a budget (evict.ts turns such an answer into a failure).
			if (attempt.kind === 'evict') refused(deps, state, outcome);
			return;
		case 'failed':
			if (state.status === inFlight) state.status = 'pending';
			failed(deps, attempt, outcome);
	}
}

function accepted(deps: OutcomeDeps, attempt: Attempt, kind: 'evicted' | 'gone'): void {
	const state = attempt.state;
	if (attempt.kind === 'delete') {
		state.deadlockDone = true;
		deps.tally.deleted += 1;
		deps.metrics.podEvicted('deleted');
		deps.log.warn(attempt.step.deletedMessage, { pod: state.key, pdbs: attempt.step.pdbs });
		deps.recorder.pod(podRef(state), 'PodDeletedPastBudget', 'Warning', attempt.step.deletedMessage, attempt.step.annotations);
		if (kind === 'gone') deps.tracker?.markGone(state.key);
		else if (state.status === 'deleting') state.status = 'deleted';
		return;
	}
	deps.tally.evicted += 1;
	if (kind === 'gone') {
		deps.metrics.podEvicted('gone');
		deps.tracker?.markGone(state.key);
		return;
	}
	state.blocked = undefined;
	deps.metrics.podEvicted('evicted');
	deps.recorder.pod(podRef(state), 'PodEviction', 'Normal', `Pod evicted due to node drain (node ${deps.nodeName})`, {
		node: deps.nodeName,
		...state.labels,
	});
	if (state.status === 'requesting') state.status = 'evicted';
}

function failed(deps: OutcomeDeps, attempt: Attempt, outcome: Extract<EvictOutcome, { kind: 'failed' }>): void {
	const state = attempt.state;
	const nowMs = deps.now();
	deps.metrics.errorCaught('drain');
	if (attempt.kind === 'delete') {
		state.deadlockRetryMs = nowMs + evictBackoffMs(state.failures + 1);
		deps.log.warn(`Cannot delete pod "${state.key}" past its PodDisruptionBudget: will retry`, { error: outcome.error });
		return;
	}
	state.failures += 1;
	const retryMs = evictBackoffMs(state.failures);
	state.nextAttemptMs = nowMs + retryMs;
	deps.log.warn(evictRetryLine(state, retryMs, outcome.message));
}

function refused(deps: OutcomeDeps, state: PodState, outcome: Extract<EvictOutcome, { kind: 'blocked' }>): void {
	const nowMs = deps.now();
	const book = deps.book;
	state.failures += 1;
	deps.metrics.evictionBlocked(outcome.block);
	const pod = deps.tracker?.get(state.key)?.view;
	const pdbs = pod === undefined || book === undefined ? [] : book.matching(pod);
	const [single] = pdbs;
	state.blockedVersion = single === undefined ? '' : (book?.version(single) ?? '');
	if (outcome.block === 'multiple-pdbs') {
		const message = `Cannot evict pod "${state.key}": it matches more than one PodDisruptionBudget${pdbs.length > 0 ? ` (${quoted(pdbs)})` : ''}, which the eviction API does not support`;
		if (state.blocked?.kind !== 'multiple-pdbs') deps.log.error(message);
		state.blocked = { kind: 'multiple-pdbs', pdbs, message };
		state.nextAttemptMs = nowMs + multiplePdbsRetryMs;
		return;
	}
	// With a live budget the watch says when to retry; without one, back off as kubectl does (but shorter first).
	const retryMs = book?.state === 'live' && pdbs.length === 1 ? pacedProbeMs : evictBackoffMs(state.failures);
	state.blocked = { kind: 'pdb', pdbs, message: outcome.message };
	state.nextAttemptMs = nowMs + retryMs;
	deps.log.error(evictRetryLine(state, retryMs, outcome.message));
}
