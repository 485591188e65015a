/**
 * @module Go's `time.ParseInLocation`: a value read against a layout (time-layout.ts), with Go's
 * error messages — ported from Go's time/format.go.
 */
import { GoTime } from './values.ts';
import { fixedZone, utcZone, type GoZone } from './zones.ts';
import { utcDate } from './time-format.ts';
import { isDigitAt, longDayNames, longMonthNames, nextStdChunk, quote, Std } from './time-layout.ts';

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
