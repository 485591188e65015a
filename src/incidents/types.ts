/**
 * @module The incident handler's contracts: its settings, the ports it acts
 * through (real ones in ports.ts, fakes in tests), and the live incident.
 */
import type { Sleep } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { EventKind } from '../vocabulary.ts';
import type { InterruptionEvent } from '../monitors/types.ts';
import type { EventRecorder } from '../notify/types.ts';
import type { ActionSettings } from './incident.ts';
import type { IncidentState, ReadResult } from './state.ts';

export interface HandlerSettings extends ActionSettings {
	readonly nodeName: string;
	readonly dryRun: boolean;
	readonly webhookPerIncident: boolean;
	readonly excludeFromLoadBalancers: boolean;
	readonly enableOutOfServiceTaint: boolean;
	/** First retry delay after a failed step. @default 2000 */
	readonly retryInitialMs?: number;
	/** Longest retry delay. @default 30000 */
	readonly retryMaxMs?: number;
}

export interface NodeFacts {
	readonly labels: Readonly<Record<string, string>>;
	readonly unschedulable: boolean;
}

export interface DrainOutcome {
	readonly ok: boolean;
	readonly evicted: number;
	readonly total: number;
	/** Pods deleted past their budget (PDB_DEADLOCK_POLICY=delete). */
	readonly deleted?: number | undefined;
	readonly remaining: readonly string[];
	readonly error?: string | undefined;
}

export type Outcome = 'drained' | 'cordoned' | 'failed' | 'cancelled' | 'dry-run';

export interface NotifyRequest {
	readonly event: InterruptionEvent;
	readonly pods: readonly string[];
	readonly nodeLabels: Readonly<Record<string, string>>;
	readonly outcome?: Outcome | undefined;
	readonly details?: string | undefined;
}

/** Everything the handler does to the world, supplied by agent.ts (real) or tests (fakes). */
export interface IncidentPorts {
	readonly log: Logger;
	readonly metrics: Metrics;
	readonly recorder: EventRecorder;
	readonly now: () => number;
	/** The loop's timer (between steps). @default clock.ts sleep */
	readonly sleep?: Sleep | undefined;
	/** The node's labels and cordon state plus the incident record, or undefined when the node is not found. */
	readNode(signal: AbortSignal): Promise<{ readonly facts: NodeFacts; readonly record: ReadResult } | undefined>;
	/** The event's pre-drain task (taint; restart labels). Throws on failure. */
	preDrain(event: InterruptionEvent, facts: NodeFacts, signal: AbortSignal): Promise<void>;
	listPods(signal: AbortSignal): Promise<readonly string[]>;
	cordon(options: { readonly excludeFromLoadBalancers: boolean }, signal: AbortSignal): Promise<void>;
	drain(deadlineMs: number, signal: AbortSignal): Promise<DrainOutcome>;
	/** After a successful drain: the out-of-service taint. */
	afterDrain(signal: AbortSignal): Promise<void>;
	/** Uncordon (only if we cordoned) and remove our labels and taints. */
	release(options: { readonly uncordon: boolean }, signal: AbortSignal): Promise<void>;
	/** Writes the record and the node condition. */
	persist(state: IncidentState, signal: AbortSignal): Promise<void>;
	/** Sends a notification; never throws. */
	notify(request: NotifyRequest, signal: AbortSignal): Promise<void>;
}

/** The incident as the handler holds it in memory: the record plus what this process has done. */
export interface Incident {
	state: IncidentState;
	readonly events: Map<string, InterruptionEvent>;
	/** Kinds whose pre-drain task ran in this process, or was given up (once per kind: AEMM-style changing ids must not re-taint every poll). */
	readonly preDrained: Set<EventKind>;
	/** Failed pre-drain attempts per kind. */
	readonly preDrainAttempts: Map<EventKind, number>;
	/** When a failed pre-drain task is tried again (ms; 0: now). */
	preDrainRetryAtMs: number;
	/** Consecutive pre-drain failures (the retry backoff). */
	preDrainFailures: number;
	/** Events whose interruption event (SpotInterruption, …) was recorded. */
	readonly recorded: Set<string>;
	/** Events already notified one by one (NTH per-event webhook mode). */
	readonly announced: Set<string>;
	pods: readonly string[];
	labels: Readonly<Record<string, string>>;
	retryAtMs: number;
	failures: number;
	/** The running drain: its stop switch, deadline, the pods listed before it, and whether an earlier attempt ran (counts). */
	drain:
		| { readonly controller: AbortController; readonly deadlineMs: number; readonly podsAtRunStart: number; readonly laterAttempt: boolean }
		| undefined;
	drainResult: DrainOutcome | undefined;
	cordonMeasured: boolean;
}
