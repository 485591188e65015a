/**
 * @module Intake: drainable events from the store join the node's one
 * incident — a new incident when there is none (or the last was released), the
 * same one otherwise (the action only escalates, the deadline only moves
 * earlier; a drained node's later notices are absorbed, not acted on again).
 * The merge rules themselves are the pure functions of incident.ts.
 */
import type { InterruptionEvent } from '../monitors/types.ts';
import { actionFor, eventDeadlineMs, mergeEvent, openIncident } from './incident.ts';
import type { IncidentState } from './state.ts';
import type { EventStore } from './store.ts';
import type { HandlerSettings, Incident, IncidentPorts } from './types.ts';

/** Events an incident holds at most (the oldest go first): AEMM's spot notice gets a new id every poll. */
export const maxIncidentEvents = 512;

export interface Intake {
	readonly settings: HandlerSettings;
	readonly ports: IncidentPorts;
	readonly store: EventStore;
}

/** A fresh in-memory incident around its record. */
export function newIncident(state: IncidentState, events: readonly InterruptionEvent[]): Incident {
	return {
		state,
		events: new Map(events.map((event) => [event.eventId, event])),
		preDrained: new Set(),
		preDrainAttempts: new Map(),
		preDrainRetryAtMs: 0,
		preDrainFailures: 0,
		recorded: new Set(),
		announced: new Set(),
		pods: [],
		labels: {},
		retryAtMs: 0,
		failures: 0,
		drain: undefined,
		drainResult: undefined,
		cordonMeasured: state.phase !== 'Pending',
	};
}

/** Moves drainable events into the incident, creating or escalating it; `recordStale` when the record must show the change at once. */
export function mergeDrainable(
	intake: Intake,
	current: Incident | undefined,
): { readonly incident: Incident | undefined; readonly recordStale: boolean } {
	let incidentNow = current;
	let recordStale = false;
	const now = intake.ports.now();
	for (const event of intake.store.drainable()) {
		const incident = incidentNow;
		// (A released incident's leftover events are news again: a live one opens the next incident.)
		if (incident && incident.state.phase !== 'Cancelled' && incident.events.has(event.eventId)) continue;
		const firstSeenMs = intake.store.get(event.eventId)?.firstSeenMs ?? now;
		const terms = {
			action: actionFor(event, intake.settings),
			deadlineMs: eventDeadlineMs(event, firstSeenMs, intake.settings),
			firstSeenMs,
			nowMs: now,
		};
		if (incident && incident.state.phase === 'Drained') {
			// The node is drained and going away: later notices (AEMM even changes the spot id on every
			// poll) belong to the same incident and must not start a new drain, pre-drain task or notification.
			if (![...incident.events.values()].some((other) => other.kind === event.kind)) incident.preDrained.add(event.kind);
			addEvent(incident, event);
			continue;
		}
		if (!incident || incident.state.phase === 'Cancelled') {
			incidentNow = newIncident(openIncident(event, terms), [event]);
			intake.ports.metrics.incidentsInFlight(1);
			continue;
		}
		const knownKind = [...incident.events.values()].some((other) => other.kind === event.kind);
		// A further notice of a kind already handled is not announced or acted on again.
		if ([...incident.events.values()].some((other) => other.kind === event.kind && incident.recorded.has(other.eventId))) {
			incident.recorded.add(event.eventId);
			incident.announced.add(event.eventId);
		}
		addEvent(incident, event);
		const merged = mergeEvent(incident.state, event, terms);
		incident.state = merged.state;
		if (!knownKind || merged.escalated || merged.earlier) recordStale = true;
		if (merged.escalated || merged.earlier) {
			intake.ports.log.info('Incident updated by a new event', {
				incident: merged.state.id,
				event_id: event.eventId,
				kind: event.kind,
				action: merged.state.action,
				deadline: merged.state.deadline,
			});
			incident.retryAtMs = 0;
			// A running drain planned against the old deadline restarts with the new one (it is idempotent).
			if (incident.drain && Date.parse(merged.state.deadline) < incident.drain.deadlineMs)
				incident.drain.controller.abort(new Error('Deadline moved'));
		}
	}
	return { incident: incidentNow, recordStale };
}

/** Adds an event to the incident, dropping the oldest beyond {@link maxIncidentEvents} (and what was kept about them). */
export function addEvent(incident: Incident, event: InterruptionEvent): void {
	incident.events.set(event.eventId, event);
	if (incident.events.size <= maxIncidentEvents) return;
	const oldest = incident.events.keys().next();
	if (oldest.done === true) return;
	incident.events.delete(oldest.value);
	for (const set of [incident.recorded, incident.announced]) {
		for (const id of set) if (!incident.events.has(id) && !incident.state.eventIds.includes(id)) set.delete(id);
	}
}
