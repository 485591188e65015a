/**
 * @module Go's time layouts (`2006-01-02T15:04:05Z07:00`, `Mon Jan _2`, …) for formatting and
 * parsing, `time.Time.String()`, and `time.Duration` strings — ported from Go's time/format.go.
 */
import { GoTime } from './values.ts';
import { fixedZone, utcZone, type GoZone } from './zones.ts';

export const longMonthNames = [
	'January',
	'February',
	'March',
	'April',
	'May',
	'June',
	'July',
	'August',
	'September',
	'October',
	'November',
	'December',
];
export const longDayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Layout elements (Go's std* constants). */
const Std = {
	None: 0,
	LongMonth: 1,
	Month: 2,
	NumMonth: 3,
	ZeroMonth: 4,
	LongWeekDay: 5,
	WeekDay: 6,
	Day: 7,
	UnderDay: 8,
	ZeroDay: 9,
	UnderYearDay: 10,
	ZeroYearDay: 11,
	Hour: 12,
	Hour12: 13,
	ZeroHour12: 14,
	Minute: 15,
	ZeroMinute: 16,
	Second: 17,
	ZeroSecond: 18,
	LongYear: 19,
	Year: 20,
	PM: 21,
	Pm: 22,
	TZ: 23,
	ISO8601TZ: 24,
	ISO8601SecondsTZ: 25,
	ISO8601ShortTZ: 26,
	ISO8601ColonTZ: 27,
	ISO8601ColonSecondsTZ: 28,
	NumTZ: 29,
	NumSecondsTz: 30,
	NumShortTZ: 31,
	NumColonTZ: 32,
	NumColonSecondsTZ: 33,
	FracSecond0: 34,
	FracSecond9: 35,
} as const;
type Std = (typeof Std)[keyof typeof Std];

interface Chunk {
	readonly prefix: string;
	readonly std: Std;
	readonly suffix: string;
	/** Digits of a fractional-second element. */
	readonly digits: number;
	/** Separator of a fractional-second element ('.' or ','). */
	readonly separator: string;
}

const std0x = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year];
const zoneElements: readonly [string, Std][] = [
	['-070000', Std.NumSecondsTz],
	['-07:00:00', Std.NumColonSecondsTZ],
	['-0700', Std.NumTZ],
	['-07:00', Std.NumColonTZ],
	['-07', Std.NumShortTZ],
	['Z070000', Std.ISO8601SecondsTZ],
	['Z07:00:00', Std.ISO8601ColonSecondsTZ],
	['Z0700', Std.ISO8601TZ],
	['Z07:00', Std.ISO8601ColonTZ],
	['Z07', Std.ISO8601ShortTZ],
];

function chunk(layout: string, i: number, std: Std, length: number, digits = 0, separator = '.'): Chunk {
	return { prefix: layout.slice(0, i), std, suffix: layout.slice(i + length), digits, separator };
}

const isLower = (text: string, i: number): boolean => i < text.length && text[i]! >= 'a' && text[i]! <= 'z';
const isDigitAt = (text: string, i: number): boolean => i < text.length && text[i]! >= '0' && text[i]! <= '9';

/** Go's nextStdChunk: the text before the first layout element, the element, and the rest. */
function nextStdChunk(layout: string): Chunk {
	for (let i = 0; i < layout.length; i++) {
		const c = layout[i];
		const rest = layout.slice(i);
		switch (c) {
			case 'J':
				if (rest.startsWith('January')) return chunk(layout, i, Std.LongMonth, 7);
				if (rest.startsWith('Jan') && !isLower(layout, i + 3)) return chunk(layout, i, Std.Month, 3);
				break;
			case 'M':
				if (rest.startsWith('Monday')) return chunk(layout, i, Std.LongWeekDay, 6);
				if (rest.startsWith('Mon') && !isLower(layout, i + 3)) return chunk(layout, i, Std.WeekDay, 3);
				if (rest.startsWith('MST')) return chunk(layout, i, Std.TZ, 3);
				break;
			case '0':
				if (layout[i + 1]! >= '1' && layout[i + 1]! <= '6') return chunk(layout, i, std0x[Number(layout[i + 1]) - 1]!, 2);
				if (rest.startsWith('002')) return chunk(layout, i, Std.ZeroYearDay, 3);
				break;
			case '1':
				return layout[i + 1] === '5' ? chunk(layout, i, Std.Hour, 2) : chunk(layout, i, Std.NumMonth, 1);
			case '2':
				return rest.startsWith('2006') ? chunk(layout, i, Std.LongYear, 4) : chunk(layout, i, Std.Day, 1);
			case '_':
				if (layout[i + 1] === '2') {
					// "_2006" is a literal underscore followed by the long year.
					if (rest.startsWith('_2006'))
						return { prefix: layout.slice(0, i + 1), std: Std.LongYear, suffix: layout.slice(i + 5), digits: 0, separator: '.' };
					return chunk(layout, i, Std.UnderDay, 2);
				}
				if (rest.startsWith('__2')) return chunk(layout, i, Std.UnderYearDay, 3);
				break;
			case '3':
				return chunk(layout, i, Std.Hour12, 1);
			case '4':
				return chunk(layout, i, Std.Minute, 1);
			case '5':
				return chunk(layout, i, Std.Second, 1);
			case 'P':
				if (layout[i + 1] === 'M') return chunk(layout, i, Std.PM, 2);
				break;
			case 'p':
				if (layout[i + 1] === 'm') return chunk(layout, i, Std.Pm, 2);
				break;
			case '-':
			case 'Z':
				for (const [text, std] of zoneElements) if (rest.startsWith(text)) return chunk(layout, i, std, text.length);
				break;
			case '.':
			case ',':
				if (layout[i + 1] === '0' || layout[i + 1] === '9') {
					const ch = layout[i + 1];
					let j = i + 1;
					while (j < layout.length && layout[j] === ch) j++;
					// The run of digits must end here: only a fractional second is all digits.
					if (!isDigitAt(layout, j)) return chunk(layout, i, ch === '0' ? Std.FracSecond0 : Std.FracSecond9, j - i, j - (i + 1), c);
				}
				break;
			default:
		}
	}
	return { prefix: layout, std: Std.None, suffix: '', digits: 0, separator: '.' };
}

function pad(value: number, width: number): string {
	const text = String(Math.abs(value)).padStart(width, '0');
	return value < 0 ? `-${text}` : text;
}

/** The civil fields of a time in its zone. */
export interface Civil {
	readonly year: number;
	/** 1–12. */
	readonly month: number;
	readonly day: number;
	readonly hour: number;
	readonly minute: number;
	readonly second: number;
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

/** A UTC civil time, month and day 1-based; out-of-range fields carry over as in Go's `time.Date`. */
export interface CivilTime {
	readonly year: number;
	readonly month: number;
	readonly day: number;
	readonly hour: number;
	readonly minute: number;
	readonly second: number;
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

const quote = (text: string): string => JSON.stringify(text);

/** Go's `time.ParseInLocation`; returns Go's error message as a string on failure. */
export function parseTime(layout: string, value: string, location: GoZone = utcZone): GoTime | string {
	const fullLayout = layout;
	const fullValue = value;
	const fail = (layoutElem: string, valueElem: string, message = ''): string =>
		message !== ''
			? `parsing time ${quote(fullValue)}${message}`
			: `parsing time ${quote(fullValue)} as ${quote(fullLayout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`;
	let year = 0;
	let month = -1;
	let day = -1;
	let yday = -1;
	let hour = 0;
	let minute = 0;
	let second = 0;
	let nanos = 0;
	let zone: GoZone | undefined;
	let zoneOffset: number | undefined;
	let zoneName = '';
	let amSet = false;
	let pmSet = false;
	for (;;) {
		const { prefix, std, suffix, digits } = nextStdChunk(layout);
		const stdText = layout.slice(prefix.length, layout.length - suffix.length);
		const skipped = skip(value, prefix);
		if (skipped === undefined) return fail(prefix, value);
		value = skipped;
		if (std === Std.None) {
			if (value.length !== 0) return fail('', value, `: extra text: ${quote(value)}`);
			break;
		}
		layout = suffix;
		const hold = value;
		let ok = true;
		let range = '';
		const num = (fixed: boolean, max = 2): number => {
			let n = 0;
			let i = 0;
			while (i < max && isDigitAt(value, i)) n = n * 10 + Number(value[i++]);
			if (i === 0 || (fixed && i < max)) ok = false;
			value = value.slice(i);
			return n;
		};
		const names = (list: readonly string[], length?: number): number => {
			const index = list.findIndex((name) => value.toLowerCase().startsWith((length ? name.slice(0, length) : name).toLowerCase()));
			if (index < 0) ok = false;
			else value = value.slice(length ?? list[index]!.length);
			return index;
		};
		switch (std) {
			case Std.Year:
				if (value.length < 2 || !/^\d\d/.test(value)) ok = false;
				else {
					year = Number(value.slice(0, 2));
					year += year >= 69 ? 1900 : 2000;
					value = value.slice(2);
				}
				break;
			case Std.LongYear:
				if (!/^\d{4}/.test(value)) ok = false;
				else {
					year = Number(value.slice(0, 4));
					value = value.slice(4);
				}
				break;
			case Std.Month:
				month = names(longMonthNames, 3) + 1;
				break;
			case Std.LongMonth:
				month = names(longMonthNames) + 1;
				break;
			case Std.NumMonth:
			case Std.ZeroMonth:
				month = num(std === Std.ZeroMonth);
				if (ok && (month <= 0 || month > 12)) range = 'month';
				break;
			case Std.WeekDay:
				names(longDayNames, 3);
				break;
			case Std.LongWeekDay:
				names(longDayNames);
				break;
			case Std.Day:
			case Std.UnderDay:
			case Std.ZeroDay:
				if (std === Std.UnderDay && value[0] === ' ') value = value.slice(1);
				day = num(std === Std.ZeroDay);
				break;
			case Std.UnderYearDay:
			case Std.ZeroYearDay:
				if (std === Std.UnderYearDay) value = value.replace(/^ {1,2}/, '');
				yday = num(std === Std.ZeroYearDay, 3);
				break;
			case Std.Hour:
				hour = num(false);
				if (hour >= 24) range = 'hour';
				break;
			case Std.Hour12:
			case Std.ZeroHour12:
				hour = num(std === Std.ZeroHour12);
				if (hour > 12) range = 'hour';
				break;
			case Std.Minute:
			case Std.ZeroMinute:
				minute = num(std === Std.ZeroMinute);
				if (minute >= 60) range = 'minute';
				break;
			case Std.Second:
			case Std.ZeroSecond: {
				second = num(std === Std.ZeroSecond);
				if (!ok) break;
				if (second >= 60) {
					range = 'second';
					break;
				}
				// A fractional second after the seconds is accepted even when the layout has none.
				const next = nextStdChunk(layout).std;
				const fraction = /^[.,](\d+)/.exec(value);
				if (fraction && next !== Std.FracSecond0 && next !== Std.FracSecond9) {
					nanos = Number(fraction[1]!.slice(0, 9).padEnd(9, '0'));
					value = value.slice(fraction[0].length);
				}
				break;
			}
			case Std.PM:
			case Std.Pm: {
				const marker = value.slice(0, 2);
				const [pm, am] = std === Std.PM ? ['PM', 'AM'] : ['pm', 'am'];
				if (marker === pm) pmSet = true;
				else if (marker === am) amSet = true;
				else ok = false;
				value = value.slice(2);
				break;
			}
			case Std.TZ: {
				if (value.startsWith('UTC')) {
					zone = utcZone;
					value = value.slice(3);
					break;
				}
				const match = /^(GMT[+-]\d{1,2}|GMT|ChST|MeST|[A-Z]{3}(?:[A-Z]?T|(?<=WIT)A)?)/.exec(value);
				if (!match) ok = false;
				else {
					zoneName = match[0];
					value = value.slice(zoneName.length);
				}
				break;
			}
			case Std.FracSecond0: {
				const fraction = new RegExp(`^[.,](\\d{${digits}})`).exec(value);
				if (!fraction) ok = false;
				else {
					nanos = Number(fraction[1]!.slice(0, 9).padEnd(9, '0'));
					value = value.slice(fraction[0].length);
				}
				break;
			}
			case Std.FracSecond9: {
				const fraction = /^[.,](\d+)/.exec(value);
				if (fraction) {
					nanos = Number(fraction[1]!.slice(0, 9).padEnd(9, '0'));
					value = value.slice(fraction[0].length);
				}
				break;
			}
			default: {
				if (std >= Std.ISO8601TZ && std <= Std.ISO8601ColonSecondsTZ && value[0] === 'Z') {
					zone = utcZone;
					value = value.slice(1);
					break;
				}
				const colon =
					std === Std.ISO8601ColonTZ || std === Std.NumColonTZ || std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ;
				const short = std === Std.NumShortTZ || std === Std.ISO8601ShortTZ;
				const seconds =
					std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz || std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ;
				const pattern = `^([+-])(\\d\\d)${short ? '' : `${colon ? ':' : ''}(\\d\\d)`}${seconds ? `${colon ? ':' : ''}(\\d\\d)` : ''}`;
				const match = new RegExp(pattern).exec(value);
				if (!match) {
					ok = false;
					break;
				}
				const [hh, mm, ss] = [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)];
				if (hh > 24) range = 'time zone offset hour';
				if (mm > 60) range = 'time zone offset minute';
				if (ss > 60) range = 'time zone offset second';
				zoneOffset = ((hh * 60 + mm) * 60 + ss) * (match[1] === '-' ? -1 : 1);
				value = value.slice(match[0].length);
			}
		}
		if (range !== '') return fail(stdText, value, `: ${range} out of range`);
		if (!ok) return fail(stdText, hold);
	}
	if (pmSet && hour < 12) hour += 12;
	else if (amSet && hour === 12) hour = 0;
	if (yday >= 0) {
		const fromYday = new Date(utcDate({ year, month: 1, day: yday, hour: 0, minute: 0, second: 0 }));
		if (yday < 1 || yday > (isLeap(year) ? 366 : 365)) return fail('', value, ': day-of-year out of range');
		if (month >= 0 && month !== fromYday.getUTCMonth() + 1) return fail('', value, ': day-of-year does not match month');
		if (day >= 0 && day !== fromYday.getUTCDate()) return fail('', value, ': day-of-year does not match day');
		month = fromYday.getUTCMonth() + 1;
		day = fromYday.getUTCDate();
	}
	if (month < 0) month = 1;
	if (day < 0) day = 1;
	if (day < 1 || day > daysIn(month, year)) return fail('', value, ': day out of range');
	const wall = utcDate({ year, month, day, hour, minute, second });
	const ms = wall + Math.floor(nanos / 1e6);
	const extra = nanos % 1e6;
	if (zone) return new GoTime(ms, extra, zone);
	if (zoneOffset !== undefined) {
		const instant = ms - zoneOffset * 1000;
		// Go keeps the local zone when it has this offset (Local is UTC here).
		if (zoneOffset === 0 && (zoneName === '' || zoneName === 'UTC'))
			return new GoTime(instant, extra, location.name === 'Local' ? location : utcZone);
		return new GoTime(instant, extra, fixedZone(zoneName, zoneOffset));
	}
	if (zoneName !== '') {
		const offset = zoneName.startsWith('GMT') && zoneName.length > 3 ? Number(zoneName.slice(3)) * 3600 : 0;
		// Go keeps the clock reading as UTC here and only labels it with the zone (a Go quirk).
		return new GoTime(ms, extra, fixedZone(zoneName, offset));
	}
	const { offset } = location.lookup(ms);
	return new GoTime(ms - offset * 1000, extra, location);
}

function skip(value: string, prefix: string): string | undefined {
	while (prefix.length > 0) {
		if (prefix[0] === ' ') {
			if (value.length > 0 && value[0] !== ' ') return undefined;
			prefix = prefix.replace(/^ +/, '');
			value = value.replace(/^ +/, '');
			continue;
		}
		if (value.length === 0 || value[0] !== prefix[0]) return undefined;
		prefix = prefix.slice(1);
		value = value.slice(1);
	}
	return value;
}

function isLeap(year: number): boolean {
	return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysIn(month: number, year: number): number {
	return month === 2 ? (isLeap(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** The largest and smallest `time.Duration`s, in nanoseconds (Go saturates to these). */
export const maxDuration = 9223372036854775807n;
export const minDuration = -9223372036854775808n;

/** Go's `Duration.String()` for a duration in nanoseconds. */
export function durationString(nanos: bigint): string {
	const negative = nanos < 0n;
	let u = negative ? -nanos : nanos;
	let out: string;
	if (u < 1000000000n) {
		if (u === 0n) return '0s';
		const [unit, scale] = u < 1000n ? ['ns', 1n] : u < 1000000n ? ['µs', 1000n] : ['ms', 1000000n];
		out = fraction(u, scale) + unit;
	} else {
		out = `${fraction(u % 60000000000n, 1000000000n)}s`;
		u /= 60000000000n;
		if (u > 0n) {
			out = `${u % 60n}m${out}`;
			u /= 60n;
			if (u > 0n) out = `${u}h${out}`;
		}
	}
	return negative ? `-${out}` : out;
}

function fraction(value: bigint, scale: bigint): string {
	const whole = value / scale;
	const rest = value % scale;
	if (rest === 0n) return String(whole);
	return `${whole}.${String(rest)
		.padStart(String(scale).length - 1, '0')
		.replace(/0+$/, '')}`;
}

const unitNanos: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's `time.ParseDuration`, in nanoseconds; Go's error message as a string on failure. */
export function parseDuration(text: string): bigint | string {
	const original = text;
	const invalid = `time: invalid duration ${quote(original)}`;
	let negative = false;
	if (text[0] === '-' || text[0] === '+') {
		negative = text[0] === '-';
		text = text.slice(1);
	}
	if (text === '0') return 0n;
	if (text === '') return invalid;
	let total = 0;
	while (text !== '') {
		const match = /^(\d*)(?:\.(\d*))?/.exec(text);
		if (!match || (match[1] === '' && (match[2] ?? '') === '')) return invalid;
		text = text.slice(match[0].length);
		const unit = /^[^\d.]+/.exec(text)?.[0];
		if (unit === undefined) return `time: missing unit in duration ${quote(original)}`;
		const scale = unitNanos[unit];
		if (scale === undefined) return `time: unknown unit ${quote(unit)} in duration ${quote(original)}`;
		text = text.slice(unit.length);
		total += Number(`${match[1] || '0'}.${match[2] ?? ''}0`) * scale;
	}
	if (total > 9223372036854775807) return invalid;
	return BigInt(Math.round(negative ? -total : total));
}
