/**
 * @module The shapes of the IMDS payloads the agent reads, and their time formats.
 *
 * The schemas decode the way NTH's `encoding/json` structs do: listed fields
 * are strings (a field of another type fails the whole payload), a missing
 * field is "", unknown fields are ignored, and a JSON `null` means "nothing".
 */
import * as v from 'valibot';

/** A string field that NTH's Go struct reads as "" when absent. */
const text = v.optional(v.string(), '');

/** A JSON object decoded into a Go struct: an array is an error there, while `v.object` alone would accept one. */
function struct<const TEntries extends v.ObjectEntries>(entries: TEntries) {
	const notArray = v.custom<Record<string, unknown>>(
		(input) => typeof input === 'object' && input !== null && !Array.isArray(input),
		'Expected a JSON object',
	);
	return v.pipe(notArray, v.object(entries));
}

/** `spot/instance-action`: `{"action":"terminate","time":"2017-09-18T08:22:00Z"}`. */
export const SpotInstanceActionSchema = v.nullable(struct({ action: text, time: text }));
export type SpotInstanceAction = NonNullable<v.InferOutput<typeof SpotInstanceActionSchema>>;

/** `events/recommendations/rebalance`: `{"noticeTime":"2020-10-26T15:55:55Z"}`. */
export const RebalanceRecommendationSchema = v.nullable(struct({ noticeTime: text }));
export type RebalanceRecommendation = NonNullable<v.InferOutput<typeof RebalanceRecommendationSchema>>;

/** One entry of `events/maintenance/scheduled` (times in {@link parseScheduledEventTime}'s format). */
export const ScheduledEventSchema = struct({
	NotBefore: text,
	Code: text,
	Description: text,
	EventId: text,
	NotAfter: text,
	State: text,
});
export type ScheduledEvent = v.InferOutput<typeof ScheduledEventSchema>;
export const ScheduledEventsSchema = v.nullable(v.array(ScheduledEventSchema));

/** The fields of `dynamic/instance-identity/document` that NTH's `NodeMetadata` picks up. */
export const IdentityDocumentSchema = struct({
	accountId: text,
	instanceId: text,
	instanceType: text,
	privateIp: text,
	availabilityZone: text,
	region: text,
});
export type IdentityDocument = v.InferOutput<typeof IdentityDocumentSchema>;

const months: Readonly<Record<string, number>> = {
	jan: 0,
	feb: 1,
	mar: 2,
	apr: 3,
	may: 4,
	jun: 5,
	jul: 6,
	aug: 7,
	sep: 8,
	oct: 9,
	nov: 10,
	dec: 11,
};

/** Go's `2 Jan 2006 15:04:05 GMT`: 1–2 digit day and hour, any-case month, optional fraction, runs of spaces. */
const scheduledTimePattern = /^(\d{1,2}) +([A-Za-z]{3}) +(\d{4}) +(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))? +GMT$/;

/** RFC 3339 as Go's `time.RFC3339` parses it: optional fraction, `Z` or a `±hh:mm` offset. */
const rfc3339Pattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** Builds a UTC date, or undefined when a field is out of range (Go rejects 31 Feb, 24:00, :60). */
function utcDate(
	year: number,
	month: number,
	day: number,
	hour: number,
	minute: number,
	second: number,
	fraction: string | undefined,
): Date | undefined {
	if (month < 0 || month > 11 || hour > 23 || minute > 59 || second > 59 || day < 1) return undefined;
	const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
	if (day > daysInMonth) return undefined;
	const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
	const date = new Date(0);
	// setUTCFullYear keeps years 0–99 literal, where Date.UTC would map them to 1900–1999.
	date.setUTCFullYear(year, month, day);
	date.setUTCHours(hour, minute, second, millis);
	return date;
}

/** Parses a scheduled-event time (`21 Jan 2019 09:00:43 GMT`); undefined when Go's time.Parse would fail. */
export function parseScheduledEventTime(value: string): Date | undefined {
	const match = scheduledTimePattern.exec(value);
	if (match === null) return undefined;
	const [, day, monthName, year, hour, minute, second, fraction] = match;
	const month = months[(monthName ?? '').toLowerCase()];
	if (month === undefined) return undefined;
	return utcDate(Number(year), month, Number(day), Number(hour), Number(minute), Number(second), fraction);
}

/** Parses an RFC 3339 time (`2017-09-18T08:22:00Z`); undefined when Go's `time.Parse(time.RFC3339, …)` would fail. */
export function parseRfc3339(value: string): Date | undefined {
	const match = rfc3339Pattern.exec(value);
	if (match === null) return undefined;
	const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
	const date = utcDate(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), fraction);
	if (date === undefined || zulu !== undefined) return date;
	const hours = Number(offsetHours);
	const minutes = Number(offsetMinutes);
	if (hours > 23 || minutes > 59) return undefined;
	const offsetMs = (hours * 60 + minutes) * 60_000 * (sign === '-' ? -1 : 1);
	return new Date(date.getTime() - offsetMs);
}
