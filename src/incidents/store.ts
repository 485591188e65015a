/**
 * @module The event store: every interruption event the monitors report, deduplicated.
 *
 * NTH's rules, with its sharp edges fixed: an event id seen before is ignored
 * (IMDS repeats the same notice on every poll); an event becomes drainable at
 * `StartTime − NODE_TERMINATION_GRACE_PERIOD`; ids in the ignored set (events
 * already handled before a reboot) are never acted on again; cleanup is by age
 * (NTH counts calls), and only of events that are no longer reported. The
 * store is bounded: IMDS (or AEMM, whose spot notice gets a new id every poll)
 * can report an unbounded stream of ids, so beyond {@link maxStoredEvents} the
 * event IMDS reported least recently is dropped, and the ignored set keeps the
 * newest {@link maxIgnoredIds}.
 */
import type { InterruptionEvent } from '../monitors/types.ts';
import { labelValueFor, matchesLabelValue } from '../node/values.ts';

/** Events IMDS stopped reporting are forgotten after this long (the default retention). */
export const eventRetentionMs = 2 * 60 * 60 * 1000;

/** Events kept at most (a real instance has a handful; more is a hostile or broken IMDS). */
export const maxStoredEvents = 256;
/** Ignored ids kept at most. */
export const maxIgnoredIds = 256;

export interface StoredEvent {
	readonly event: InterruptionEvent;
	/** When the agent first saw it (ms since epoch). */
	readonly firstSeenMs: number;
	/** When the agent last saw IMDS report it (ms). */
	lastSeenMs: number;
	/** A cancellation was reported for it. */
	cancelled: boolean;
}

export interface EventStoreOptions {
	/** NODE_TERMINATION_GRACE_PERIOD in seconds: drain starts this long before StartTime. */
	readonly nodeTerminationGracePeriodSeconds: number;
	/** Forget events IMDS has not reported for this long. @default {@link eventRetentionMs} */
	readonly retentionMs?: number;
	readonly now: () => number;
}

export class EventStore {
	readonly #events = new Map<string, StoredEvent>();
	readonly #ignored = new Set<string>();
	readonly #options: EventStoreOptions;

	constructor(options: EventStoreOptions) {
		this.#options = options;
	}

	/** Records an event; returns true when it is new (not seen, not ignored). Refreshes last-seen either way. */
	add(event: InterruptionEvent): boolean {
		const known = this.#events.get(event.eventId);
		const now = this.#options.now();
		if (known) {
			known.lastSeenMs = now;
			return false;
		}
		if (this.isIgnored(event.eventId)) return false;
		this.#events.set(event.eventId, { event, firstSeenMs: now, lastSeenMs: now, cancelled: false });
		if (this.#events.size > maxStoredEvents) this.#evictStalest();
		return true;
	}

	#evictStalest(): void {
		let stalest: [string, StoredEvent] | undefined;
		for (const entry of this.#events) if (!stalest || entry[1].lastSeenMs < stalest[1].lastSeenMs) stalest = entry;
		if (stalest) this.#events.delete(stalest[0]);
	}

	/** Marks an event cancelled; returns true the first time (so cancellation is handled once). */
	cancel(eventId: string): boolean {
		const known = this.#events.get(eventId);
		if (!known || known.cancelled) return false;
		known.cancelled = true;
		return true;
	}

	/**
	 * Never act on this event again (it was handled before a reboot, or by a
	 * previous agent). Takes an event id or the event-id label's value (the id,
	 * or a digest of it: node/values.ts).
	 */
	ignore(idOrLabelValue: string): void {
		this.#ignored.delete(idOrLabelValue);
		this.#ignored.add(idOrLabelValue);
		if (this.#ignored.size > maxIgnoredIds) {
			const oldest = this.#ignored.values().next();
			if (oldest.done !== true) this.#ignored.delete(oldest.value);
		}
		for (const id of this.#events.keys()) if (matchesLabelValue(id, idOrLabelValue)) this.#events.delete(id);
	}

	isIgnored(eventId: string): boolean {
		return this.#ignored.has(eventId) || this.#ignored.has(labelValueFor(eventId));
	}

	get(eventId: string): StoredEvent | undefined {
		return this.#events.get(eventId);
	}

	/** When an event may be acted on: StartTime − NODE_TERMINATION_GRACE_PERIOD. */
	drainableAtMs(event: InterruptionEvent): number {
		return event.startTime.getTime() - this.#options.nodeTerminationGracePeriodSeconds * 1000;
	}

	/** Live (not cancelled) events that are drainable now, oldest first. */
	drainable(): InterruptionEvent[] {
		const now = this.#options.now();
		return [...this.#events.values()]
			.filter((stored) => !stored.cancelled && this.drainableAtMs(stored.event) <= now)
			.sort((a, b) => a.firstSeenMs - b.firstSeenMs)
			.map((stored) => stored.event);
	}

	/** Live events not yet drainable: the soonest time one becomes drainable, if any. */
	nextDrainableAtMs(): number | undefined {
		const now = this.#options.now();
		let next: number | undefined;
		for (const stored of this.#events.values()) {
			const at = this.drainableAtMs(stored.event);
			if (!stored.cancelled && at > now && (next === undefined || at < next)) next = at;
		}
		return next;
	}

	/** Live (not cancelled) events, drainable or not. */
	live(): InterruptionEvent[] {
		return [...this.#events.values()].filter((stored) => !stored.cancelled).map((stored) => stored.event);
	}

	/** Drops events IMDS stopped reporting more than the retention ago; returns how many. */
	cleanup(): number {
		const cutoff = this.#options.now() - (this.#options.retentionMs ?? eventRetentionMs);
		let removed = 0;
		for (const [id, stored] of this.#events) {
			if (stored.lastSeenMs < cutoff) {
				this.#events.delete(id);
				removed += 1;
			}
		}
		return removed;
	}

	get size(): number {
		return this.#events.size;
	}
}
