/**
 * @module The PDB-deadlock policy: what to do with a pod a budget still
 * blocks when the deadline is near (PDB_DEADLOCK_POLICY). `wait` says so once
 * (log line and Warning event) and keeps waiting; `delete` deletes the pod past
 * its budget with a grace period that fits the deadline. Pure: it decides, the
 * drain loop acts and the outcome handler (outcome.ts) settles the answer.
 */
import { cappedGraceSeconds, deadlockLeadSeconds } from './plan.ts';
import { type PodState, quoted } from './state.ts';

export interface DeadlockWindow {
	readonly nodeName: string;
	readonly policy: 'wait' | 'delete';
	readonly startMs: number;
	readonly deadlineMs: number;
}

/** The event annotations both steps carry: the node and the blocking budgets. */
export type DeadlockAnnotations = Readonly<Record<string, string>>;

export type DeadlockStep =
	| { readonly kind: 'wait'; readonly message: string; readonly annotations: DeadlockAnnotations }
	| {
			readonly kind: 'delete';
			readonly graceSeconds: number;
			readonly pdbs: readonly string[];
			/** The line and event text once the delete is accepted. */
			readonly deletedMessage: string;
			readonly annotations: DeadlockAnnotations;
	  };

/** When the policy applies to this pod: its lead (grace plus slack, within the window) before the deadline. */
export function deadlockDueMs(state: PodState, window: DeadlockWindow): number {
	const windowSeconds = (window.deadlineMs - window.startMs) / 1000;
	return window.deadlineMs - deadlockLeadSeconds(state.baseGrace, windowSeconds) * 1000;
}

/** The step for a pod at `nowMs`, or undefined when the policy does not apply (yet, or any more). */
export function deadlockStep(state: PodState, nowMs: number, window: DeadlockWindow): DeadlockStep | undefined {
	const blocked = state.blocked;
	if (state.status !== 'pending' || blocked === undefined || state.deadlockDone || nowMs < state.deadlockRetryMs) return undefined;
	if (nowMs < deadlockDueMs(state, window)) return undefined;
	const secondsLeft = Math.max(0, Math.round((window.deadlineMs - nowMs) / 1000));
	const budget =
		blocked.pdbs.length === 0
			? 'a PodDisruptionBudget'
			: `PodDisruptionBudget${blocked.pdbs.length > 1 ? 's' : ''} ${quoted(blocked.pdbs)}`;
	const annotations = { node: window.nodeName, pdbs: blocked.pdbs.join(',') };
	if (window.policy === 'wait') {
		return {
			kind: 'wait',
			message: `Eviction of pod "${state.key}" is blocked by ${budget} with ${secondsLeft} s to the deadline; waiting (PDB_DEADLOCK_POLICY=wait)`,
			annotations,
		};
	}
	const graceSeconds = cappedGraceSeconds(state.baseGrace, nowMs, window.deadlineMs);
	return {
		kind: 'delete',
		graceSeconds,
		pdbs: blocked.pdbs,
		deletedMessage: `Deleted pod "${state.key}" with a ${graceSeconds} s grace period although ${budget} blocks its eviction, ${secondsLeft} s before the deadline (PDB_DEADLOCK_POLICY=delete)`,
		annotations,
	};
}
