/**
 * @module Releasing the node when the incident's scheduled event is cancelled
 * (also after the drain: NTH's maintenance-event-cancellation scenario).
 */
import { isAbortError } from '../errors.ts';
import type { Cancellation } from '../monitors/types.ts';
import { type FlowContext, errorText, scheduleRetry } from './flow-context.ts';
import { sendOutcome, setPhase } from './messages.ts';
import { fromStoredEvent } from './state.ts';
import type { Incident } from './types.ts';

/**
 * Releases the node after the incident's event was cancelled: the running
 * drain is stopped, the node uncordoned (only if we cordoned it) and our
 * labels and taints removed. Returns false when the release failed and must be
 * retried (the failure is reported and the retry scheduled).
 */
export async function releaseNode(
	context: FlowContext,
	incident: Incident,
	options: { readonly cancellation: Cancellation; readonly signal: AbortSignal },
): Promise<boolean> {
	const { cancellation, signal } = options;
	if (incident.drain) {
		incident.drain.controller.abort(new Error('Incident cancelled'));
		incident.drain = undefined;
		incident.drainResult = undefined;
	}
	const uncordon = incident.state.cordonedByUs;
	try {
		await context.ports.release({ uncordon }, signal);
		if (uncordon) {
			context.ports.metrics.action('uncordon', 'success');
			context.ports.recorder.node('Uncordon', 'Normal', 'Node successfully uncordoned');
		} else {
			context.ports.log.info('Not uncordoning the node: it was cordoned before this incident', { node_name: context.settings.nodeName });
		}
	} catch (error) {
		if (isAbortError(error) && signal.aborted) throw error;
		context.ports.metrics.errorCaught('incidents');
		context.ports.metrics.action('uncordon', 'error');
		context.ports.recorder.node('UncordonError', 'Warning', `There was a problem while trying to uncordon the node: ${errorText(error)}`);
		context.ports.log.error('Cannot release the node after the cancellation: will retry', { error, event_id: cancellation.eventId });
		incident.events.set(cancellation.eventId, fromStoredEvent(incident.state.headline));
		scheduleRetry(context, incident);
		return false;
	}
	context.ports.log.info('Interruption event cancelled: node released', {
		event_id: cancellation.eventId,
		state: cancellation.state,
		uncordoned: uncordon,
	});
	await setPhase(context, incident, { phase: 'Cancelled', summary: `cancelled (${cancellation.state})`, signal });
	await sendOutcome(context, incident, {
		outcome: 'cancelled',
		details: `The scheduled event was ${cancellation.state}; node released`,
		signal,
	});
	context.ports.metrics.incidentsInFlight(0);
	return true;
}
