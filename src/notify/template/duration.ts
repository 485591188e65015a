/**
 * @module Go's `time.Duration`, in nanoseconds: its bounds and `time.ParseDuration` — ported
 * from Go's time/format.go. `Duration.String()` is src/duration.ts (the agent's log lines print it too).
 */
import { quote } from './time-layout.ts';

/** The largest and smallest `time.Duration`s, in nanoseconds (Go saturates to these). */
export const maxDuration = 9223372036854775807n;
export const minDuration = -9223372036854775808n;

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
