/**
 * @module What the incident's steps (pre-drain, cordon/drain, release) share:
 * the handler's settings and ports, the message context, the retry backoff and
 * the loop's wake-up.
 */
import type { MessageContext } from './messages.ts';
import { retryDelayMs } from './incident.ts';
import type { HandlerSettings, Incident, IncidentPorts } from './types.ts';

/** First retry delay after a failed step when the settings give none. */
export const defaultRetryInitialMs = 2_000;
/** Longest retry delay when the settings give none. */
export const defaultRetryMaxMs = 30_000;

export interface FlowContext extends MessageContext {
	readonly settings: HandlerSettings;
	readonly ports: IncidentPorts;
	/** Wakes the handler's loop (a background drain finished). */
	kick(): void;
}

/** The next attempt after a failed step, with backoff. */
export function scheduleRetry(context: FlowContext, incident: Incident): void {
	incident.failures += 1;
	incident.retryAtMs =
		context.ports.now() +
		retryDelayMs(
			incident.failures,
			context.settings.retryInitialMs ?? defaultRetryInitialMs,
			context.settings.retryMaxMs ?? defaultRetryMaxMs,
		);
}

/** An error's message, for events and logs. */
export function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
