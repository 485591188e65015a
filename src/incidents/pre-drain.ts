/**
 * @module The pre-drain task of each event kind (TAINT_NODE's taint; the
 * reboot labels of an instance that comes back), run once per kind.
 *
 * Never-miss comes first: a task that fails does not hold back the cordon and
 * drain (NTH aborts the event and retries on the next poll, which once kept a
 * node with a refused label from ever being drained); it is retried with
 * backoff on its own and given up after {@link maxPreDrainAttempts}.
 */
import { isAbortError } from '../errors.ts';
import type { InterruptionEvent } from '../monitors/types.ts';
import { type FlowContext, defaultRetryInitialMs, defaultRetryMaxMs, errorText } from './flow-context.ts';
import { hasPreDrainTask, retryDelayMs } from './incident.ts';
import type { Incident, NodeFacts } from './types.ts';

/** A kind's pre-drain task is tried this many times, then given up (the drain never waits for it). */
export const maxPreDrainAttempts = 5;

/** Events whose kind's pre-drain task is still to run (not done, not given up). */
export function pendingPreDrain(incident: Incident): InterruptionEvent[] {
	const pending: InterruptionEvent[] = [];
	for (const event of incident.events.values()) {
		if (hasPreDrainTask(event) && !incident.preDrained.has(event.kind) && !pending.some((other) => other.kind === event.kind))
			pending.push(event);
	}
	return pending;
}

/**
 * Runs each pending kind's pre-drain task once. A failure is reported
 * (PreDrainError), retried with backoff up to {@link maxPreDrainAttempts}
 * times, and never stops the flow: NTH aborts the event when tainting fails,
 * but a node left uncordoned because a taint or label was refused is a missed
 * notice, which is worse than a missing taint.
 */
export async function runPreDrain(
	context: FlowContext,
	incident: Incident,
	options: { readonly facts: NodeFacts; readonly signal: AbortSignal },
): Promise<void> {
	const { facts, signal } = options;
	const ports = context.ports;
	// The node as it was before the incident: our own cordon must not read as an admin's (the reboot labels depend on it).
	const before: NodeFacts = incident.state.cordonedByUs ? { ...facts, unschedulable: false } : facts;
	for (const event of pendingPreDrain(incident)) {
		try {
			await ports.preDrain(event, before, signal);
			incident.preDrained.add(event.kind);
			incident.preDrainFailures = 0;
			ports.metrics.action('pre-drain', 'success');
			ports.recorder.node('PreDrain', 'Normal', 'Pre-drain task successfully executed');
		} catch (error) {
			if (isAbortError(error) && signal.aborted) throw error;
			ports.metrics.errorCaught('incidents');
			ports.metrics.action('pre-drain', 'error');
			ports.recorder.node('PreDrainError', 'Warning', `There was a problem executing the pre-drain task: ${errorText(error)}`);
			const attempts = (incident.preDrainAttempts.get(event.kind) ?? 0) + 1;
			incident.preDrainAttempts.set(event.kind, attempts);
			if (attempts >= maxPreDrainAttempts) {
				incident.preDrained.add(event.kind);
				ports.log.error('Cannot run the pre-drain task: giving up on it (the cordon and drain go on)', {
					error,
					'event-id': event.eventId,
					attempts,
				});
			} else {
				ports.log.error('Cannot run the pre-drain task: going on with the cordon and drain, will retry it', {
					error,
					'event-id': event.eventId,
					attempts,
				});
			}
			incident.preDrainFailures += 1;
			incident.preDrainRetryAtMs =
				ports.now() +
				retryDelayMs(
					incident.preDrainFailures,
					context.settings.retryInitialMs ?? defaultRetryInitialMs,
					context.settings.retryMaxMs ?? defaultRetryMaxMs,
				);
		}
	}
}
