/**
 * @module When the incident loop must wake on its own (nothing kicked it):
 * the next stored event turning drainable, a failed step's or release's retry,
 * a failed pre-drain task's retry, or the deadline of a failed drain (the
 * outcome notification is due then).
 */
import { pendingPreDrain } from './pre-drain.ts';
import { isOpen } from './state.ts';
import type { EventStore } from './store.ts';
import type { Incident } from './types.ts';

export interface WakeView {
	readonly store: Pick<EventStore, 'nextDrainableAtMs'>;
	readonly incident: Incident | undefined;
	/** Cancellations wait for a release retry. */
	readonly cancellationsPending: boolean;
	readonly releaseRetryAtMs: number;
	readonly nowMs: number;
}

/** The earliest of those times still ahead, or undefined (sleep until kicked). */
export function nextWakeMs(view: WakeView): number | undefined {
	const times: number[] = [];
	const next = view.store.nextDrainableAtMs();
	if (next !== undefined) times.push(next);
	const incident = view.incident;
	if (view.cancellationsPending && view.releaseRetryAtMs > 0) times.push(view.releaseRetryAtMs);
	if (incident && isOpen(incident.state) && !incident.drain) {
		if (incident.retryAtMs > 0) times.push(incident.retryAtMs);
	}
	if (incident && incident.state.phase !== 'Cancelled' && incident.preDrainRetryAtMs > 0 && pendingPreDrain(incident).length > 0)
		times.push(incident.preDrainRetryAtMs);
	if (incident && isOpen(incident.state) && !incident.drain) {
		if (incident.state.phase === 'Failed' && !incident.state.notified.some((n) => n !== 'start'))
			times.push(Date.parse(incident.state.deadline));
	}
	// Only times still ahead: a retry time left in the past would wake the loop at once, again and again.
	const ahead = times.filter((at) => at > view.nowMs);
	return ahead.length === 0 ? undefined : Math.min(...ahead);
}
