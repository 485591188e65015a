/**
 * @module Contracts of notify/: Kubernetes event reasons, the event recorder, the webhook notifier.
 */
import type { InterruptionEvent } from '../monitors/types.ts';

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

/**
 * How an incident ended, for the outcome notification (nth; NTH sends one
 * message per event after the drain attempt and has no outcome).
 */
export type NotificationOutcome = 'drained' | 'cordoned' | 'failed' | 'cancelled' | 'dry-run';

/** What one notification is about; the notifier adds the instance metadata. */
export interface NotificationContext {
	readonly event: InterruptionEvent;
	/** The Node's name; the notifier's configured node name when absent. */
	readonly nodeName?: string | undefined;
	readonly nodeLabels: Readonly<Record<string, string>>;
	/** Names of the pods on the node, as NTH's `.Pods`. */
	readonly pods: readonly string[];
	/** The Node's spec.providerID, when known (`.ProviderID`). */
	readonly providerId?: string | undefined;
	/** Absent for the start message; set for the outcome message. */
	readonly outcome?: NotificationOutcome | undefined;
	/** Free text about the outcome ("12 of 12 pods evicted", the error…), `.Details`. */
	readonly details?: string | undefined;
}

/** Sends webhook notifications to every configured sink. */
export interface Notifier {
	/**
	 * Queues the notification for every sink and resolves at once (delivery,
	 * with retries within WEBHOOK_RETRY_FOR, happens in the background, in order
	 * per sink, and never holds up the caller). Never throws; failures are
	 * logged and counted. `signal` aborts this notification's delivery.
	 */
	send(context: NotificationContext, signal: AbortSignal): Promise<void>;
	/** Waits until every queued notification is delivered or given up (bounded by the signal). */
	flush(signal: AbortSignal): Promise<void>;
	/** True when at least one sink is configured. */
	readonly enabled: boolean;
}
