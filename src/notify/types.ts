/**
 * @module Kubernetes event reasons and the recorder contract.
 */

/** NTH's reasons (upstream-nth.md §5b), kept verbatim, plus nth's own (marked). */
export type EventReason =
	| 'SpotInterruption'
	| 'ScheduledEvent'
	| 'RebalanceRecommendation'
	| 'ASGLifecycle'
	| 'UnknownInterruption'
	| 'MonitorError'
	| 'PreDrain'
	| 'PreDrainError'
	| 'Cordon'
	| 'CordonError'
	| 'CordonAndDrain'
	| 'CordonAndDrainError'
	| 'PostDrain'
	| 'PostDrainError'
	| 'CancelDrain'
	| 'CancelDrainError'
	| 'Uncordon'
	| 'UncordonError'
	| 'PodEviction'
	/** nth: an eviction a PodDisruptionBudget keeps blocking near the deadline (Warning, on the Pod). */
	| 'EvictionBlocked'
	/** nth: a blocked pod deleted under PDB_DEADLOCK_POLICY=delete (Warning, on the Pod). */
	| 'PodDeletedPastBudget';

export type EventType = 'Normal' | 'Warning';

export interface PodRef {
	readonly namespace: string;
	readonly name: string;
	readonly uid?: string | undefined;
}

/**
 * Records Kubernetes events. Calls never throw and never block the caller:
 * the recorder queues, aggregates repeats (count + lastTimestamp, as client-go
 * does), and logs and counts its own failures. A disabled recorder is a no-op.
 */
export interface EventRecorder {
	/** An event on this agent's Node. */
	node(reason: EventReason, type: EventType, message: string): void;
	/** An event on a Pod (PodEviction, EvictionBlocked…), with extra annotations. */
	pod(pod: PodRef, reason: EventReason, type: EventType, message: string, annotations?: Readonly<Record<string, string>>): void;
	/** Waits for queued events to be written (bounded by the signal). */
	flush(signal: AbortSignal): Promise<void>;
}

export function noopRecorder(): EventRecorder {
	return { node: () => {}, pod: () => {}, flush: async () => {} };
}
