/**
 * @module One incident per node: the unit of work.
 *
 * Several events for one node (a rebalance recommendation, then the spot
 * interruption, then the ASG termination) are one incident: one action that
 * only ever escalates (cordon → cordon and drain), one deadline (the earliest
 * any event gives), one notification at the start and one with the outcome.
 */
import type { EventKind } from '../vocabulary.ts';
import type { InterruptionEvent } from '../monitors/types.ts';
import { fromStoredEvent, type IncidentState, toStoredEvent } from './state.ts';

export type IncidentAction = 'cordon' | 'cordon-and-drain';

/** Where an incident stands; also the `TerminationHandling` node condition's reason. */
export type Phase = 'Pending' | 'Cordoned' | 'Draining' | 'Drained' | 'Failed' | 'Cancelled';

export interface ActionSettings {
	readonly cordonOnly: boolean;
	readonly enableRebalanceDraining: boolean;
	/** NODE_TERMINATION_GRACE_PERIOD (s): the drain budget when a notice carries no deadline. */
	readonly nodeTerminationGracePeriodSeconds: number;
	/** DRAIN_SAFETY_MARGIN (s) kept before a notice's deadline. */
	readonly drainSafetyMarginSeconds: number;
}

/** NTH §3c step 5: cordon only when CORDON_ONLY, or for a rebalance recommendation without rebalance draining. */
export function actionFor(event: InterruptionEvent, settings: ActionSettings): IncidentAction {
	if (settings.cordonOnly) return 'cordon';
	if (event.kind === 'REBALANCE_RECOMMENDATION' && !settings.enableRebalanceDraining) return 'cordon';
	return 'cordon-and-drain';
}

/** The stronger of two actions: an incident only escalates. */
export function strongerAction(a: IncidentAction, b: IncidentAction): IncidentAction {
	return a === 'cordon-and-drain' || b === 'cordon-and-drain' ? 'cordon-and-drain' : 'cordon';
}

/** Shortest time a drain is given, whatever the notice says (a notice seen late still gets a real attempt). */
export const minimumDrainWindowMs = 15_000;

/**
 * When pods must be gone for this event: its own deadline (spot `time`,
 * scheduled `NotBefore`) minus the safety margin; without one, or when that
 * is already too close, first sight plus NODE_TERMINATION_GRACE_PERIOD.
 */
export function eventDeadlineMs(event: InterruptionEvent, firstSeenMs: number, settings: ActionSettings): number {
	const fallback = firstSeenMs + settings.nodeTerminationGracePeriodSeconds * 1000;
	if (event.deadline === undefined) return Math.max(fallback, firstSeenMs + minimumDrainWindowMs);
	const fromNotice = event.deadline.getTime() - settings.drainSafetyMarginSeconds * 1000;
	if (fromNotice < firstSeenMs + minimumDrainWindowMs) return Math.max(fallback, firstSeenMs + minimumDrainWindowMs);
	return fromNotice;
}

/** Kind precedence for the incident's headline kind: the most final signal wins. */
const kindRank: Record<EventKind, number> = {
	REBALANCE_RECOMMENDATION: 0,
	SCHEDULED_EVENT: 1,
	ASG_LIFECYCLE: 2,
	SPOT_ITN: 3,
};

/** The event that best describes the incident (headline of notifications and the annotation's kind). */
export function headlineEvent(events: readonly InterruptionEvent[]): InterruptionEvent | undefined {
	let best: InterruptionEvent | undefined;
	for (const event of events) if (!best || kindRank[event.kind] > kindRank[best.kind]) best = event;
	return best;
}

/** Scheduled-event codes after which the instance comes back (NTH's restart codes). */
export const restartCodes: ReadonlySet<string> = new Set(['instance-stop', 'instance-retirement', 'instance-reboot', 'system-reboot']);

/** True when the instance comes back after this event (so the node should be uncordoned after the reboot). */
export function isRestartEvent(event: InterruptionEvent): boolean {
	return event.kind === 'SCHEDULED_EVENT' && restartCodes.has(event.scheduledCode ?? '');
}

/** What merging one event needs to know besides the incident: the event's own action and deadline, and the time. */
export interface EventTerms {
	readonly action: IncidentAction;
	readonly deadlineMs: number;
	/** When the agent first saw the event. */
	readonly firstSeenMs: number;
	readonly nowMs: number;
}

/** Ids the record keeps at most (the newest): enough to recognise a cancellation, bounded against a stream of new ids. */
export const maxRecordedEventIds = 20;

/** A new incident record for its first event. */
export function openIncident(event: InterruptionEvent, terms: EventTerms): IncidentState {
	return {
		id: event.eventId,
		kind: event.kind,
		eventIds: [event.eventId],
		action: terms.action,
		phase: 'Pending',
		deadline: new Date(terms.deadlineMs).toISOString(),
		noticedAt: new Date(terms.firstSeenMs).toISOString(),
		updatedAt: new Date(terms.nowMs).toISOString(),
		cordonedByUs: false,
		notified: [],
		attempts: 0,
		headline: toStoredEvent(event),
		message: '',
	};
}

export interface Merged {
	readonly state: IncidentState;
	/** The action became stronger (cordon → cordon and drain). */
	readonly escalated: boolean;
	/** The deadline moved earlier. */
	readonly earlier: boolean;
}

/**
 * An open incident absorbs an event: the action only escalates, the deadline
 * only moves earlier, the headline is the most final kind, and an escalation
 * of a cordoned incident sends it back to Pending (the drain is still to do).
 */
export function mergeEvent(state: IncidentState, event: InterruptionEvent, terms: EventTerms): Merged {
	const action = strongerAction(state.action, terms.action);
	const recordedDeadline = Date.parse(state.deadline);
	const deadline = Math.min(recordedDeadline, terms.deadlineMs);
	const headline = headlineEvent([fromStoredEvent(state.headline), event]) ?? event;
	const escalated = action !== state.action;
	const next: IncidentState = {
		...state,
		eventIds: state.eventIds.includes(event.eventId) ? state.eventIds : [...state.eventIds, event.eventId].slice(-maxRecordedEventIds),
		action,
		kind: headline.kind,
		headline: toStoredEvent(headline),
		deadline: new Date(deadline).toISOString(),
		...(escalated && state.phase === 'Cordoned' ? { phase: 'Pending' as const } : {}),
	};
	return { state: next, escalated, earlier: deadline < recordedDeadline };
}

/** NTH gives every kind but non-restart scheduled events a pre-drain task (a taint, or restart labels). */
export function hasPreDrainTask(event: InterruptionEvent): boolean {
	return event.kind !== 'SCHEDULED_EVENT' || isRestartEvent(event);
}

/** What the flow needs to know to tell whether a step is left. */
export interface FlowView {
	readonly phase: Phase;
	readonly events: Iterable<InterruptionEvent>;
	/** Events whose interruption was recorded (announced as a Kubernetes event). */
	readonly recorded: ReadonlySet<string>;
}

/**
 * Whether the cordon/drain flow has a step left: an open incident not yet
 * cordoned or drained; a cordon-only incident once a new event joins it. (A
 * pending pre-drain task is retried on its own and never holds the flow.)
 */
export function needsWork(view: FlowView): boolean {
	if (view.phase === 'Pending' || view.phase === 'Failed' || view.phase === 'Draining') return true;
	if (view.phase !== 'Cordoned') return false;
	for (const event of view.events) if (!view.recorded.has(event.eventId)) return true;
	return false;
}

/** Backoff of the n-th consecutive failure (n ≥ 1): initial × 2ⁿ⁻¹, at most `maxMs`. */
export function retryDelayMs(failures: number, initialMs: number, maxMs: number): number {
	return Math.min(maxMs, initialMs * 2 ** Math.min(10, Math.max(0, failures - 1)));
}

/**
 * The whole drain of an incident across agents. A later attempt only sees the
 * pods still on the node: the pods the record counted at the first attempt
 * that are gone now (minus the pods listed now) are added, and the pods this
 * attempt found already terminating are counted as evicted (an earlier agent
 * evicted them) rather than reported as "evicted=0 total=5".
 */
export function wholeDrainCounts(
	run: { readonly evicted: number; readonly total: number; readonly deleted?: number | undefined; readonly remaining: readonly unknown[] },
	pods: { readonly atStart: number | undefined; readonly atRunStart: number; readonly laterAttempt: boolean },
): { readonly evicted: number; readonly total: number } {
	const before = Math.max(0, (pods.atStart ?? pods.atRunStart) - pods.atRunStart);
	const evicted = pods.laterAttempt ? Math.max(run.evicted, run.total - (run.deleted ?? 0) - run.remaining.length) : run.evicted;
	return { evicted: evicted + before, total: run.total + before };
}
