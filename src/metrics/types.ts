/**
 * @module What the rest of the agent reports to metrics.
 *
 * Callers depend on this interface only; `metrics/registry.ts` implements it
 * and renders the Prometheus exposition. Label values are bounded sets: never
 * a node name, pod name or event id.
 */
import type { EventKind, MonitorName } from '../vocabulary.ts';

/** NTH's `node_action` label values. */
export type NodeAction = 'cordon' | 'cordon-and-drain' | 'pre-drain' | 'post-drain' | 'uncordon';
export type ActionStatus = 'success' | 'error';
export type EvictionOutcome = 'evicted' | 'gone' | 'deleted' | 'failed';
export type EvictionBlock = 'pdb' | 'multiple-pdbs';
export type WebhookOutcome = 'success' | 'error';

export interface Metrics {
	/** NTH's `actions_total{node_action,node_status}`. */
	action(action: NodeAction, status: ActionStatus): void;
	/** NTH's `events_error_total{event_error_where}`: one failed monitor poll. */
	monitorError(monitor: MonitorName): void;
	/** A monitor poll finished (ok or not); feeds liveness and poll latency. */
	pollCompleted(monitor: MonitorName, ok: boolean, seconds: number): void;
	/** An interruption event entered the incident store. */
	eventReceived(kind: EventKind): void;
	/** One eviction attempt answered 429 (PDB) or 500 (several PDBs). */
	evictionBlocked(block: EvictionBlock): void;
	/** A pod left the node this way. */
	podEvicted(outcome: EvictionOutcome): void;
	/** Incidents currently being handled (0 or 1 per agent). */
	incidentsInFlight(count: number): void;
	/** Seconds from the notice appearing in IMDS to the node being cordoned. */
	noticeToCordon(seconds: number): void;
	/** Seconds from the notice to the last pod gone. */
	noticeToDrained(seconds: number): void;
	webhookSent(outcome: WebhookOutcome): void;
	/** Any caught error, by component (imds, kube, drain, webhook, events, …): every catch logs and counts. */
	errorCaught(component: string): void;
}

/** Metrics that record nothing, for tests and for when Prometheus is off. */
export function noopMetrics(): Metrics {
	const nothing = (): void => {};
	return {
		action: nothing,
		monitorError: nothing,
		pollCompleted: nothing,
		eventReceived: nothing,
		evictionBlocked: nothing,
		podEvicted: nothing,
		incidentsInFlight: nothing,
		noticeToCordon: nothing,
		noticeToDrained: nothing,
		webhookSent: nothing,
		errorCaught: nothing,
	};
}
