/**
 * @module Go's `time.Duration.String()` — ported from Go's time/time.go. On the ground floor because
 * three domains print it: the template engine (`duration`, `ago`), the IMDS retry lines and the
 * drain's eviction retry lines (NTH's own log texts).
 */

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

/** Go's `Duration.String()` of a duration in milliseconds, rounded to whole milliseconds (`2.5s`, `750ms`, `1h2m5s`). */
export function goDuration(ms: number): string {
	return durationString(BigInt(Math.round(ms)) * 1_000_000n);
}
