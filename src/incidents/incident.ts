/**
 * @module One incident per node: the unit of work.
 *
 * Several events for one node (a rebalance recommendation, then the spot
 * interruption, then the ASG termination) are one incident: one action that
 * only ever escalates (cordon → cordon and drain), one deadline (the earliest
 * any event gives), one notification at the start and one with the outcome.
 */
import type { EventKind, InterruptionEvent } from '../monitors/types.ts';

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
