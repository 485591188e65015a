/**
 * @module Go's `time.Duration`, in nanoseconds: its bounds, `Duration.String()` and
 * `time.ParseDuration` — ported from Go's time/time.go and time/format.go.
 */
import { quote } from './time-layout.ts';

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
