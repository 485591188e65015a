/**
 * @module Sprig's date functions: now, date, dateInZone, htmlDate, toDate, dateModify, ago,
 * duration, durationRound, unixEpoch (and their snake_case / must variants).
 */
import { durationString } from '../../../duration.ts';
import { maxDuration, minDuration, parseDuration } from '../duration.ts';
import { formatTime } from '../time-format.ts';
import { parseTime } from '../time-parse.ts';
import { GoInt, goTime, GoTime, isTime, toGoTime, zeroTime } from '../values.ts';
import { loadZone, utcZone, type GoZone } from '../zones.ts';
import { cfn, fn, GoFuncError, type ExecContext, type GoFunc } from './go-func.ts';
import { fromUnixNanos, unixNanos } from './methods.ts';

const localZone: GoZone = loadZone('Local') ?? utcZone;
const second = 1000000000n;

function nowTime(context: ExecContext): GoTime {
	return goTime(context.now(), localZone);
}

/** Sprig's reading of a date argument: a time, Unix seconds as int/int64/int32, else now. */
function timeOf(context: ExecContext, value: unknown): GoTime {
	if (isTime(value)) return toGoTime(value);
	if (value instanceof GoInt && (value.type === 'int' || value.type === 'int64' || value.type === 'int32'))
		return new GoTime(value.value * 1000, 0, localZone);
	return nowTime(context);
}

function dateInZone(context: ExecContext, layout: string, date: unknown, zone: string): string {
	const time = timeOf(context, date);
	const location = loadZone(zone) ?? utcZone;
	return formatTime(new GoTime(time.ms, time.nanos, location), layout);
}

/** Go's Time.Sub, saturating at the Duration limits. */
function since(context: ExecContext, time: GoTime): bigint {
	const nanos = unixNanos(nowTime(context)) - unixNanos(time);
	return nanos > maxDuration ? maxDuration : nanos < minDuration ? minDuration : nanos;
}

/** Go's Duration.Round. */
function roundDuration(d: bigint, m: bigint): bigint {
	let r = d % m;
	if (d < 0n) {
		r = -r;
		if (r + r < m) return d + r;
		const rounded = d - m + r;
		return rounded >= minDuration ? rounded : minDuration;
	}
	if (r + r < m) return d - r;
	const rounded = d + m - r;
	// Go's int64 addition overflows here, and Round then returns the limit itself.
	return rounded <= maxDuration ? rounded : maxDuration;
}

function ago(context: ExecContext, date: unknown): string {
	const time = isTime(date)
		? toGoTime(date)
		: date instanceof GoInt && (date.type === 'int' || date.type === 'int64')
			? new GoTime(date.value * 1000, 0, localZone)
			: nowTime(context);
	return durationString(roundDuration(since(context, time), second));
}

function duration(value: unknown): string {
	let n = 0n;
	if (typeof value === 'string') n = /^[+-]?\d+$/.test(value) ? BigInt(value) : 0n;
	else if (value instanceof GoInt && value.type === 'int64') n = BigInt(value.value);
	return durationString(BigInt.asIntN(64, n * second));
}

const units: readonly [bigint, string][] = [
	[3600n * 24n * 365n * second, 'y'],
	[3600n * 24n * 30n * second, 'mo'],
	[3600n * 24n * second, 'd'],
	[3600n * second, 'h'],
	[60n * second, 'm'],
	[second, 's'],
];

function durationRound(context: ExecContext, value: unknown): string {
	let d = 0n;
	if (typeof value === 'string') {
		const parsed = parseDuration(value);
		d = typeof parsed === 'bigint' ? parsed : 0n;
	} else if (value instanceof GoInt && value.type === 'int64') d = BigInt(value.value);
	else if (isTime(value)) d = since(context, toGoTime(value));
	const u = d < 0n ? -d : d;
	for (const [size, unit] of units) if (u > size) return `${u / size}${unit}`;
	return '0s';
}

function dateModify(strict: boolean): (modifier: string, date: GoTime) => GoTime {
	return (modifier, date) => {
		const d = parseDuration(modifier);
		if (typeof d === 'string') {
			if (strict) throw new GoFuncError(d);
			return date;
		}
		return fromUnixNanos(unixNanos(date) + d, date);
	};
}

function toDate(strict: boolean): (layout: string, value: string) => GoTime {
	return (layout, value) => {
		const time = parseTime(layout, value, localZone);
		if (typeof time !== 'string') return time;
		if (strict) throw new GoFuncError(time);
		return zeroTime;
	};
}

const dateModifyLenient = fn(['string', 'time.Time'], dateModify(false));
const dateModifyStrict = fn(['string', 'time.Time'], dateModify(true));
const inZone = cfn(['string', 'any', 'string'], dateInZone);

export const dateFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	['now', cfn([], nowTime)],
	['date', cfn(['string', 'any'], (context: ExecContext, layout: string, date: unknown) => dateInZone(context, layout, date, 'Local'))],
	['dateInZone', inZone],
	['date_in_zone', inZone],
	['htmlDate', cfn(['any'], (context: ExecContext, date: unknown) => dateInZone(context, '2006-01-02', date, 'Local'))],
	[
		'htmlDateInZone',
		cfn(['any', 'string'], (context: ExecContext, date: unknown, zone: string) => dateInZone(context, '2006-01-02', date, zone)),
	],
	['dateModify', dateModifyLenient],
	['date_modify', dateModifyLenient],
	['mustDateModify', dateModifyStrict],
	['must_date_modify', dateModifyStrict],
	['ago', cfn(['any'], ago)],
	['duration', fn(['any'], duration)],
	['durationRound', cfn(['any'], durationRound)],
	['toDate', fn(['string', 'string'], toDate(false))],
	['mustToDate', fn(['string', 'string'], toDate(true))],
	['unixEpoch', fn(['time.Time'], (date: GoTime) => String(Math.floor(date.ms / 1000)))],
]);
