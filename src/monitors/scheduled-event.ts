/**
 * @module Scheduled maintenance events (`events/maintenance/scheduled`).
 *
 * The payload is an array; each entry's IMDS `EventId` is the event id.
 * - `canceled` and `completed` entries are cancellations; every other state
 *   (`active`, unknown ones) is an interruption, whatever the code: NTH
 *   drains for `system-maintenance` too.
 * - `NotBefore` is the deadline. One that does not parse fails the whole
 *   poll, as in NTH. An empty `NotAfter` becomes `NotBefore`; an unparsable
 *   one is logged and becomes `NotBefore`.
 * - StartTime is when the agent first saw the event (NTH: `time.Now()` on
 *   each poll, with the first one kept by the store). It is remembered per
 *   EventId while IMDS lists the event, so repeated polls give equal events.
 * - 404 means no events (NTH counts it as a monitor error, §8.9).
 * - At most {@link maxScheduledEvents} entries are considered (IMDS lists a
 *   handful); the rest are dropped with a warning, logged again only when
 *   the length of the list changes. Values quoted in errors are clipped.
 */
import { ImdsError } from '../errors.ts';
import { clip } from '../log/clip.ts';
import { scheduledEventsPath } from '../imds/paths.ts';
import { parseScheduledEventTime, type ScheduledEvent, ScheduledEventsSchema } from '../imds/payloads.ts';
import type { ImdsClient } from '../imds/types.ts';
import type { Logger } from '../log/logger.ts';
import type { Cancellation, InterruptionEvent, Monitor, MonitorResult } from './types.ts';

export interface ScheduledEventMonitorDeps {
	readonly client: ImdsClient;
	readonly log: Logger;
	/** Wall clock for StartTime. @default () => new Date() */
	readonly now?: (() => Date) | undefined;
}

const finishedStates: ReadonlySet<string> = new Set(['canceled', 'completed']);

/** Entries of one scheduled-events list that are considered; the rest are dropped (and the drop logged). */
export const maxScheduledEvents = 100;

export function createScheduledEventMonitor(deps: ScheduledEventMonitorDeps): Monitor {
	const now = deps.now ?? (() => new Date());
	const firstSeen = new Map<string, Date>();
	/** Length of the last oversized list warned about (0: none). */
	let warnedLength = 0;

	function toEvent(entry: ScheduledEvent, notBefore: Date, seen: Date): InterruptionEvent {
		let notAfter = notBefore;
		if (entry.NotAfter !== '') {
			const parsed = parseScheduledEventTime(entry.NotAfter);
			if (parsed === undefined) {
				deps.log.error('Unable to parse scheduled event end time, continuing', { event_id: entry.EventId, not_after: entry.NotAfter });
			} else {
				notAfter = parsed;
			}
		}
		return {
			eventId: entry.EventId,
			kind: 'SCHEDULED_EVENT',
			monitor: 'SCHEDULED_EVENT_MONITOR',
			description: `${entry.Code} will occur between ${entry.NotBefore} and ${entry.NotAfter} because ${entry.Description}`,
			state: entry.State,
			startTime: seen,
			endTime: notAfter,
			deadline: notBefore,
			scheduledCode: entry.Code,
		};
	}

	return {
		name: 'SCHEDULED_EVENT_MONITOR',
		kind: 'SCHEDULED_EVENT',
		path: scheduledEventsPath,
		async check(signal): Promise<MonitorResult> {
			const listed = (await deps.client.getJson(scheduledEventsPath, ScheduledEventsSchema, signal, { retry: 'poll' })) ?? [];
			if (listed.length > maxScheduledEvents && listed.length !== warnedLength) {
				deps.log.warn('Too many scheduled events: considering the first ones only', {
					listed: listed.length,
					considered: maxScheduledEvents,
				});
			}
			warnedLength = listed.length > maxScheduledEvents ? listed.length : 0;
			const entries = listed.slice(0, maxScheduledEvents);
			// Parse every NotBefore first: one bad entry fails the poll before anything is reported.
			const notBefores = entries.map((entry) => {
				const parsed = parseScheduledEventTime(entry.NotBefore);
				if (parsed === undefined) {
					throw new ImdsError(
						`Cannot parse the NotBefore "${clip(entry.NotBefore)}" of scheduled event "${clip(entry.EventId)}": expected "2 Jan 2006 15:04:05 GMT"`,
						{ path: scheduledEventsPath },
					);
				}
				return parsed;
			});
			const events: InterruptionEvent[] = [];
			const cancellations: Cancellation[] = [];
			const at = now();
			const current = new Set<string>();
			entries.forEach((entry, index) => {
				current.add(entry.EventId);
				if (finishedStates.has(entry.State)) {
					cancellations.push({ eventId: entry.EventId, kind: 'SCHEDULED_EVENT', state: entry.State });
					return;
				}
				let seen = firstSeen.get(entry.EventId);
				if (seen === undefined) {
					seen = at;
					firstSeen.set(entry.EventId, seen);
				}
				events.push(toEvent(entry, notBefores[index] ?? at, seen));
			});
			for (const eventId of firstSeen.keys()) {
				if (!current.has(eventId)) firstSeen.delete(eventId);
			}
			return { events, cancellations };
		},
	};
}
