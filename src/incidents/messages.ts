/**
 * @module Writing the incident record and sending its messages.
 *
 * One start message and one outcome per incident (a release after a drain is
 * news of its own); NTH's per-event mode sends one message per event after its
 * action instead. A message is marked sent on the record before it is sent, so a
 * crash in between loses a message rather than repeating one.
 */
import { isAbortError } from '../errors.ts';
import type { Phase } from './incident.ts';
import { fromStoredEvent } from './state.ts';
import type { HandlerSettings, Incident, IncidentPorts, Outcome } from './types.ts';

export interface MessageContext {
	readonly settings: Pick<HandlerSettings, 'dryRun' | 'webhookPerIncident'>;
	readonly ports: IncidentPorts;
}

/** Writes the record (not in dry run); a failure is logged and counted, never thrown: the record is for resuming. */
export async function saveRecord(
	context: MessageContext,
	incident: Incident,
	options: { readonly what: string; readonly signal: AbortSignal },
): Promise<void> {
	const { what, signal } = options;
	if (context.settings.dryRun) return;
	try {
		await context.ports.persist(incident.state, signal);
	} catch (error) {
		if (isAbortError(error) && signal.aborted) throw error;
		context.ports.metrics.errorCaught('incidents');
		context.ports.log.warn(`Cannot record the ${what} on the node`, { error, phase: incident.state.phase });
	}
}

/** Moves the incident to a phase and records it. */
export async function setPhase(
	context: MessageContext,
	incident: Incident,
	options: { readonly phase: Phase; readonly summary: string; readonly signal: AbortSignal },
): Promise<void> {
	const { phase, summary, signal } = options;
	incident.state = { ...incident.state, phase, message: summary, updatedAt: new Date(context.ports.now()).toISOString() };
	await saveRecord(context, incident, { what: 'incident', signal });
}

async function markNotified(context: MessageContext, incident: Incident, what: string, signal: AbortSignal): Promise<void> {
	incident.state = { ...incident.state, notified: [...incident.state.notified, what] };
	await saveRecord(context, incident, { what: 'notification', signal });
}

/** Per-incident mode: the start message, once per incident. */
export async function sendStart(context: MessageContext, incident: Incident, signal: AbortSignal): Promise<void> {
	if (!context.settings.webhookPerIncident || incident.state.notified.includes('start')) return;
	await markNotified(context, incident, 'start', signal);
	await context.ports.notify({ event: fromStoredEvent(incident.state.headline), pods: incident.pods, nodeLabels: incident.labels }, signal);
}

/** Per-incident mode: the one outcome message. Per-event mode: one message per event not yet notified. */
export async function sendOutcome(
	context: MessageContext,
	incident: Incident,
	options: { readonly outcome: Outcome; readonly details: string; readonly signal: AbortSignal },
): Promise<void> {
	const { outcome, details, signal } = options;
	if (!context.settings.webhookPerIncident) {
		if (outcome === 'cancelled') return;
		for (const event of incident.events.values()) {
			if (incident.announced.has(event.eventId)) continue;
			incident.announced.add(event.eventId);
			await context.ports.notify({ event, pods: incident.pods, nodeLabels: incident.labels, outcome, details }, signal);
		}
		return;
	}
	const sent = incident.state.notified;
	if (outcome === 'cancelled' ? sent.includes('cancelled') : sent.some((what) => what !== 'start' && what !== 'cancelled')) return;
	await markNotified(context, incident, outcome, signal);
	await context.ports.notify(
		{ event: fromStoredEvent(incident.state.headline), pods: incident.pods, nodeLabels: incident.labels, outcome, details },
		signal,
	);
}
