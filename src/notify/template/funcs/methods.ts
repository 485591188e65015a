/**
 * @module Methods templates can call on values (`.StartTime.Format "…"`): time.Time's,
 * time.Duration's, time.Month's and Weekday's, and a struct's function properties.
 */
import { stringerText } from '../stringer.ts';
import { maxDuration, minDuration } from '../duration.ts';
import { civil, formatTime, nanosecond, utcDate } from '../time-format.ts';
import { GoInt, GoTime, isStruct, isTime, toGoTime } from '../values.ts';
import { utcZone } from '../zones.ts';
import { fn, vfn, type GoFunc } from './go-func.ts';
import { int, int64 } from './convert.ts';

/** Nanoseconds since the Unix epoch, exactly. */
export function unixNanos(time: GoTime): bigint {
	return BigInt(time.ms) * 1000000n + BigInt(time.nanos);
}

/** A time at `nanos` since the Unix epoch in the zone of `like`. */
export function fromUnixNanos(nanos: bigint, like: GoTime): GoTime {
	let ms = nanos / 1000000n;
	let rest = nanos % 1000000n;
	if (rest < 0n) {
		rest += 1000000n;
		ms -= 1n;
	}
	return new GoTime(Number(ms), Number(rest), like.zone);
}

const duration = (nanos: bigint | number): GoInt => new GoInt(Number(nanos), 'time.Duration', BigInt(nanos));
const zeroTimeNanos = -62135596800000000000n;
/** Go's Time.Sub saturates at the Duration limits. */
const saturate = (nanos: bigint): bigint => (nanos > maxDuration ? maxDuration : nanos < minDuration ? minDuration : nanos);

/** Go's Time.Truncate / Time.Round: multiples of `d` since the zero time. */
function roundTime(time: GoTime, d: number, up: boolean): GoTime {
	if (d <= 0) return time;
	const step = BigInt(d);
	const since = unixNanos(time) - zeroTimeNanos;
	const rest = ((since % step) + step) % step;
	const down = unixNanos(time) - rest;
	return fromUnixNanos(up && rest * 2n >= step ? down + step : down, time);
}

const timeMethods: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	['Format', fn(['string'], (t: GoTime, layout: string) => formatTime(t, layout))],
	['String', fn([], (t: GoTime) => stringerText(t))],
	['Unix', fn([], (t: GoTime) => int64(Math.floor(t.ms / 1000)))],
	['UnixMilli', fn([], (t: GoTime) => int64(t.ms))],
	['UnixMicro', fn([], (t: GoTime) => int64(Number(unixNanos(t) / 1000n)))],
	['UnixNano', fn([], (t: GoTime) => new GoInt(Number(unixNanos(t)), 'int64', unixNanos(t)))],
	['Year', fn([], (t: GoTime) => int(civil(t).year))],
	['Month', fn([], (t: GoTime) => new GoInt(civil(t).month, 'time.Month'))],
	['Day', fn([], (t: GoTime) => int(civil(t).day))],
	['Hour', fn([], (t: GoTime) => int(civil(t).hour))],
	['Minute', fn([], (t: GoTime) => int(civil(t).minute))],
	['Second', fn([], (t: GoTime) => int(civil(t).second))],
	['Nanosecond', fn([], (t: GoTime) => int(nanosecond(t)))],
	['YearDay', fn([], (t: GoTime) => int(civil(t).yday))],
	['Weekday', fn([], (t: GoTime) => new GoInt(civil(t).weekday, 'time.Weekday'))],
	['UTC', fn([], (t: GoTime) => new GoTime(t.ms, t.nanos, utcZone))],
	['Local', fn([], (t: GoTime) => new GoTime(t.ms, t.nanos, utcZone))],
	['IsZero', fn([], (t: GoTime) => unixNanos(t) === zeroTimeNanos)],
	['Add', fn(['time.Duration'], (t: GoTime, d: number) => fromUnixNanos(unixNanos(t) + BigInt(d), t))],
	['Sub', fn(['time.Time'], (t: GoTime, u: GoTime) => duration(saturate(unixNanos(t) - unixNanos(u))))],
	[
		'AddDate',
		fn(['int', 'int', 'int'], (t: GoTime, years: number, months: number, days: number) => {
			const c = civil(t);
			const wall = utcDate({
				year: c.year + years,
				month: c.month + months,
				day: c.day + days,
				hour: c.hour,
				minute: c.minute,
				second: c.second,
			});
			const offset = t.zone.lookup(wall - c.offset * 1000).offset;
			return new GoTime(wall - offset * 1000 + (((t.ms % 1000) + 1000) % 1000), t.nanos, t.zone);
		}),
	],
	['Before', fn(['time.Time'], (t: GoTime, u: GoTime) => unixNanos(t) < unixNanos(u))],
	['After', fn(['time.Time'], (t: GoTime, u: GoTime) => unixNanos(t) > unixNanos(u))],
	['Equal', fn(['time.Time'], (t: GoTime, u: GoTime) => unixNanos(t) === unixNanos(u))],
	['Compare', fn(['time.Time'], (t: GoTime, u: GoTime) => int(Math.sign(Number(unixNanos(t) - unixNanos(u)))))],
	['Truncate', fn(['time.Duration'], (t: GoTime, d: number) => roundTime(t, d, false))],
	['Round', fn(['time.Duration'], (t: GoTime, d: number) => roundTime(t, d, true))],
]);

const durationMethods: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	['String', fn([], (d: GoInt) => stringerText(d))],
	['Hours', fn([], (d: GoInt) => d.value / 3600e9)],
	['Minutes', fn([], (d: GoInt) => d.value / 60e9)],
	['Seconds', fn([], (d: GoInt) => d.value / 1e9)],
	['Milliseconds', fn([], (d: GoInt) => int64(Math.trunc(d.value / 1e6)))],
	['Microseconds', fn([], (d: GoInt) => int64(Math.trunc(d.value / 1e3)))],
	['Nanoseconds', fn([], (d: GoInt) => int64(d.value))],
	['Abs', fn([], (d: GoInt) => duration(Math.abs(d.value)))],
	['Truncate', fn(['time.Duration'], (d: GoInt, m: number) => duration(m <= 0 ? d.value : d.value - (d.value % m)))],
	[
		'Round',
		fn(['time.Duration'], (d: GoInt, m: number) => {
			if (m <= 0) return d;
			const rest = d.value % m;
			const down = d.value - rest;
			return duration(Math.abs(rest) * 2 >= m ? down + Math.sign(d.value) * m : down);
		}),
	],
]);

const stringOnly: ReadonlyMap<string, GoFunc> = new Map([['String', fn([], (v: GoInt) => stringerText(v))]]);

/** The method `name` of `receiver`, if it has one. */
export function methodOf(receiver: unknown, name: string): GoFunc | undefined {
	if (isTime(receiver)) {
		const method = timeMethods.get(name);
		// Methods receive a GoTime even when the data holds a Date.
		return (
			method && { ...method, fn: (t: GoTime | Date, ...args: never[]) => (method.fn as (...a: unknown[]) => unknown)(toGoTime(t), ...args) }
		);
	}
	if (receiver instanceof GoInt) {
		if (receiver.type === 'time.Duration') return durationMethods.get(name);
		if (receiver.type === 'time.Month' || receiver.type === 'time.Weekday') return stringOnly.get(name);
		return undefined;
	}
	if (isStruct(receiver) && Object.hasOwn(receiver, name)) {
		const property = receiver[name];
		// A function property is a method whose Go signature we do not know: it takes any arguments.
		if (typeof property === 'function')
			return vfn([], 'any', (_receiver: unknown, ...args: unknown[]) => (property as (...a: unknown[]) => unknown)(...args));
	}
	return undefined;
}
