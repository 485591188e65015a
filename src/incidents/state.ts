/**
 * @module The incident's durable record, kept on the Node object.
 *
 * An annotation holds it as JSON so a restarted agent (or a replacement pod)
 * resumes instead of starting over and never re-sends a notification; the
 * `TerminationHandling` condition shows the phase to other automation.
 */
import * as v from 'valibot';
import type { Node } from '../kube/schemas.ts';
import { readNodeAnnotation } from '../node/conditions.ts';
import type { InterruptionEvent } from '../monitors/types.ts';

export const incidentAnnotation = 'aws-node-termination-handler/incident';

const phases = ['Pending', 'Cordoned', 'Draining', 'Drained', 'Failed', 'Cancelled'] as const;
const kinds = ['SPOT_ITN', 'SCHEDULED_EVENT', 'REBALANCE_RECOMMENDATION', 'ASG_LIFECYCLE'] as const;
const isoDate = v.pipe(v.string(), v.isoTimestamp());

/** The headline event, kept so a restarted agent can finish notifications without waiting for IMDS. */
export const StoredEventSchema = v.object({
	eventId: v.string(),
	kind: v.picklist(kinds),
	monitor: v.picklist(['SPOT_ITN_MONITOR', 'SCHEDULED_EVENT_MONITOR', 'REBALANCE_RECOMMENDATION_MONITOR', 'ASG_LIFECYCLE_MONITOR']),
	description: v.string(),
	state: v.string(),
	startTime: isoDate,
	endTime: v.optional(isoDate),
	deadline: v.optional(isoDate),
	spotAction: v.optional(v.picklist(['terminate', 'stop', 'hibernate'])),
	scheduledCode: v.optional(v.string()),
});
export type StoredEventRecord = v.InferOutput<typeof StoredEventSchema>;

export const IncidentStateSchema = v.object({
	/** The incident key: the first event's id. */
	id: v.string(),
	kind: v.picklist(kinds),
	eventIds: v.array(v.string()),
	action: v.picklist(['cordon', 'cordon-and-drain']),
	phase: v.picklist(phases),
	/** When pods must be gone (ISO). */
	deadline: isoDate,
	/** First sight of the first notice (ISO): the origin of notice→cordon/drained timings. */
	noticedAt: isoDate,
	updatedAt: isoDate,
	/** The node was schedulable before we cordoned it, so we may uncordon it. */
	cordonedByUs: v.boolean(),
	/** Notifications already sent: "start" and/or the outcome, so a restart never re-sends. */
	notified: v.array(v.string()),
	attempts: v.number(),
	headline: StoredEventSchema,
	/** Short human summary of the last outcome. */
	message: v.optional(v.string(), ''),
	/** Pods on the node when the incident's first drain started: a resumed drain reports the whole drain, not only its share. */
	podsAtStart: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

export type IncidentState = v.InferOutput<typeof IncidentStateSchema>;

export type ReadResult = { readonly state: IncidentState } | { readonly state: undefined; readonly problem?: string };

/** Reads the incident record from a Node; a malformed record is reported, not thrown (it is then ignored). */
export function readIncidentState(node: Node | undefined): ReadResult {
	if (node === undefined) return { state: undefined };
	try {
		return { state: readNodeAnnotation(node, incidentAnnotation, IncidentStateSchema) };
	} catch (error) {
		return { state: undefined, problem: error instanceof Error ? error.message : String(error) };
	}
}

/** True while the incident still needs work (resume after a restart). */
export function isOpen(state: IncidentState): boolean {
	return state.phase === 'Pending' || state.phase === 'Cordoned' || state.phase === 'Draining' || state.phase === 'Failed';
}

/** The record form of an event (dates as ISO text, undefined fields left out). */
export function toStoredEvent(event: InterruptionEvent): StoredEventRecord {
	return {
		eventId: event.eventId,
		kind: event.kind,
		monitor: event.monitor,
		description: event.description,
		state: event.state,
		startTime: event.startTime.toISOString(),
		...(event.endTime ? { endTime: event.endTime.toISOString() } : {}),
		...(event.deadline ? { deadline: event.deadline.toISOString() } : {}),
		...(event.spotAction ? { spotAction: event.spotAction } : {}),
		...(event.scheduledCode ? { scheduledCode: event.scheduledCode } : {}),
	};
}

/** Back from the record form. */
export function fromStoredEvent(record: StoredEventRecord): InterruptionEvent {
	return {
		eventId: record.eventId,
		kind: record.kind,
		monitor: record.monitor,
		description: record.description,
		state: record.state,
		startTime: new Date(record.startTime),
		endTime: record.endTime === undefined ? undefined : new Date(record.endTime),
		deadline: record.deadline === undefined ? undefined : new Date(record.deadline),
		spotAction: record.spotAction,
		scheduledCode: record.scheduledCode,
	};
}
