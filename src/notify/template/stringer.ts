/**
 * @module The `String()` methods of the Go values the template engine models (time.Time,
 * time.Duration, time.Month, time.Weekday), which fmt's %v and the template printer call.
 */
import { durationString } from '../../duration.ts';
import { maxDuration, minDuration } from './duration.ts';
import { timeString } from './time-format.ts';
import { longDayNames, longMonthNames } from './time-layout.ts';
import { GoInt, isTime, toGoTime } from './values.ts';

/** A Duration held as a JS number, back to int64 (a saturated Sub keeps printing Go's limits). */
function clampDuration(nanos: number): bigint {
	if (nanos >= 2 ** 63) return maxDuration;
	if (nanos <= -(2 ** 63)) return minDuration;
	return BigInt(Math.trunc(nanos));
}

/** The `String()` of Go values that have one (time.Time, Duration, Month, Weekday). */
export function stringerText(value: unknown): string | undefined {
	if (isTime(value)) return timeString(toGoTime(value));
	if (value instanceof GoInt) {
		if (value.type === 'time.Duration') return durationString(value.exact ?? clampDuration(value.value));
		if (value.type === 'time.Month') return longMonthNames[value.value - 1] ?? `%!Month(${value.value})`;
		if (value.type === 'time.Weekday') return longDayNames[value.value] ?? `%!Weekday(${value.value})`;
	}
	return undefined;
}
