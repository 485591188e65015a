/**
 * @module What the drain keeps per pod while it runs: the slim state the
 * loop, the outcome handler and the deadlock policy share (never the full Pod).
 */
import type { PodRef } from '../notify/types.ts';

export type Status = 'pending' | 'requesting' | 'evicted' | 'deleting' | 'deleted' | 'gone';

/** Why a pod is not evicted yet: a budget refused it, several budgets match it, or pacing holds it. */
export interface Blocked {
	readonly kind: 'pdb' | 'multiple-pdbs' | 'paced';
	readonly pdbs: readonly string[];
	readonly message: string;
}

export interface PodState {
	readonly key: string;
	readonly namespace: string;
	readonly name: string;
	readonly uid: string;
	readonly groupIndex: number;
	readonly baseGrace: number;
	readonly labels: Readonly<Record<string, string>>;
	status: Status;
	nextAttemptMs: number;
	failures: number;
	attempts: number;
	blocked: Blocked | undefined;
	/** The budget's resourceVersion at the last refusal: a new one allows an early retry. */
	blockedVersion: string;
	deadlockDone: boolean;
	deadlockRetryMs: number;
}

/** Counts the result reports; the outcome handler is the only writer. */
export interface Tally {
	evicted: number;
	deleted: number;
}

/** A fresh pending (or, for a pod only waited for, already evicted) state. */
export function podState(
	pod: Pick<PodState, 'key' | 'namespace' | 'name' | 'uid' | 'groupIndex' | 'baseGrace' | 'labels'>,
	waitOnly: boolean,
	nowMs: number,
): PodState {
	return {
		...pod,
		status: waitOnly ? 'evicted' : 'pending',
		nextAttemptMs: nowMs,
		failures: 0,
		attempts: 0,
		blocked: undefined,
		blockedVersion: '',
		deadlockDone: false,
		deadlockRetryMs: nowMs,
	};
}

export function podRef(state: PodState): PodRef {
	return { namespace: state.namespace, name: state.name, uid: state.uid };
}

export function quoted(values: readonly string[]): string {
	return values.map((value) => `"${value}"`).join(', ');
}
