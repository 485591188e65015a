/**
 * @module Go's `Time.Format(layout)` and `Time.String()`, and the civil fields they print —
 * ported from Go's time/format.go (time-layout.ts reads the layout).
 */
import type { GoTime } from './values.ts';
import { longDayNames, longMonthNames, nextStdChunk, pad, Std } from './time-layout.ts';

/** A UTC civil time, month and day 1-based; out-of-range fields carry over as in Go's `time.Date`. */
export interface CivilTime {
	readonly year: number;
	readonly month: number;
	readonly day: number;
	readonly hour: number;
	readonly minute: number;
	readonly second: number;
}

/** The civil fields of a time in its zone. */
export interface Civil extends CivilTime {
	/** 0 = Sunday. */
	readonly weekday: number;
	/** 1–366. */
	readonly yday: number;
	readonly abbr: string;
	readonly offset: number;
}

export function civil(time: GoTime): Civil {
	const { abbr, offset } = time.zone.lookup(time.ms);
	const date = new Date(time.ms + offset * 1000);
	const year = date.getUTCFullYear();
	const startOfYear = utcDate({ year, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
	return {
		year,
		month: date.getUTCMonth() + 1,
		day: date.getUTCDate(),
		hour: date.getUTCHours(),
		minute: date.getUTCMinutes(),
		second: date.getUTCSeconds(),
		weekday: date.getUTCDay(),
		yday: Math.floor((date.getTime() - startOfYear) / 86400000) + 1,
		abbr,
		offset,
	};
}

/** Epoch milliseconds of a UTC civil time (years below 100 included, unlike Date.UTC). */
export function utcDate(civil: CivilTime): number {
	const { year, month, day, hour, minute, second } = civil;
	const date = new Date(0);
	date.setUTCFullYear(year, month - 1, day);
	date.setUTCHours(hour, minute, second, 0);
	return date.getTime();
}

/** Go's `Time.Nanosecond()`. */
export function nanosecond(time: GoTime): number {
	return (((time.ms % 1000) + 1000) % 1000) * 1e6 + time.nanos;
}

/** Go's `Time.Format(layout)`. */
export function formatTime(time: GoTime, layout: string): string {
	const c = civil(time);
	let out = '';
	for (;;) {
		const { prefix, std, suffix, digits, separator } = nextStdChunk(layout);
		out += prefix;
		if (std === Std.None) break;
		layout = suffix;
		out += formatElement(time, c, std, digits, separator);
	}
	return out;
}

function formatElement(time: GoTime, c: Civil, std: Std, digits: number, separator: string): string {
	const hour12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
	switch (std) {
		case Std.Year:
			return pad(Math.abs(c.year) % 100, 2);
		case Std.LongYear:
			return pad(c.year, 4);
		case Std.Month:
			return longMonthNames[c.month - 1]!.slice(0, 3);
		case Std.LongMonth:
			return longMonthNames[c.month - 1]!;
		case Std.NumMonth:
			return String(c.month);
		case Std.ZeroMonth:
			return pad(c.month, 2);
		case Std.WeekDay:
			return longDayNames[c.weekday]!.slice(0, 3);
		case Std.LongWeekDay:
			return longDayNames[c.weekday]!;
		case Std.Day:
			return String(c.day);
		case Std.UnderDay:
			return String(c.day).padStart(2, ' ');
		case Std.ZeroDay:
			return pad(c.day, 2);
		case Std.UnderYearDay:
			return String(c.yday).padStart(3, ' ');
		case Std.ZeroYearDay:
			return pad(c.yday, 3);
		case Std.Hour:
			return pad(c.hour, 2);
		case Std.Hour12:
			return String(hour12);
		case Std.ZeroHour12:
			return pad(hour12, 2);
		case Std.Minute:
			return String(c.minute);
		case Std.ZeroMinute:
			return pad(c.minute, 2);
		case Std.Second:
			return String(c.second);
		case Std.ZeroSecond:
			return pad(c.second, 2);
		case Std.PM:
			return c.hour >= 12 ? 'PM' : 'AM';
		case Std.Pm:
			return c.hour >= 12 ? 'pm' : 'am';
		case Std.TZ:
			return c.abbr !== '' ? c.abbr : formatOffset(c.offset, Std.NumTZ);
		case Std.FracSecond0:
		case Std.FracSecond9: {
			const nanos = nanosecond(time);
			if (std === Std.FracSecond9 && (digits === 0 || nanos === 0)) return '';
			let fraction = pad(nanos, 9).slice(0, digits);
			if (std === Std.FracSecond9) fraction = fraction.replace(/0+$/, '');
			return fraction === '' ? '' : separator + fraction;
		}
		default:
			return formatOffset(c.offset, std);
	}
}

function formatOffset(offset: number, std: Std): string {
	const iso = std >= Std.ISO8601TZ && std <= Std.ISO8601ColonSecondsTZ;
	if (offset === 0 && iso) return 'Z';
	const sign = offset < 0 ? '-' : '+';
	const abs = Math.abs(offset);
	const minutes = Math.floor(abs / 60);
	const colon = std === Std.ISO8601ColonTZ || std === Std.NumColonTZ || std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ;
	let out = sign + pad(Math.floor(minutes / 60), 2);
	if (std !== Std.NumShortTZ && std !== Std.ISO8601ShortTZ) out += (colon ? ':' : '') + pad(minutes % 60, 2);
	if (std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz || std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) {
		out += (std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ ? ':' : '') + pad(abs % 60, 2);
	}
	return out;
}

/** Go's `Time.String()` (without the monotonic clock reading). */
export function timeString(time: GoTime): string {
	return formatTime(time, '2006-01-02 15:04:05.999999999 -0700 MST');
}
