/**
 * @module Go's strconv.FormatFloat for float64: shortest digits (from JavaScript, which also
 * prints the shortest round-tripping digits) or exactly rounded digits (half to even, from the
 * exact binary value through BigInt), then Go's %e / %f / %g layout.
 */

interface Digits {
	/** Significant digits without leading or trailing zeros ("" for zero). */
	readonly d: string;
	/** Decimal point position: the value is 0.d × 10^dp. */
	readonly dp: number;
}

const view = new DataView(new ArrayBuffer(8));

/** The exact decimal expansion of a finite, non-negative double. */
function exactDigits(value: number): Digits {
	if (value === 0) return { d: '', dp: 0 };
	view.setFloat64(0, value);
	const hi = view.getUint32(0);
	const lo = view.getUint32(4);
	const biased = (hi >>> 20) & 0x7ff;
	let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
	let exponent = biased - 1075;
	if (biased === 0) exponent = -1074;
	else mantissa |= 1n << 52n;
	let text: string;
	let dp: number;
	if (exponent >= 0) {
		text = String(mantissa << BigInt(exponent));
		dp = text.length;
	} else {
		text = String(mantissa * 5n ** BigInt(-exponent));
		dp = text.length + exponent;
	}
	return trim(text, dp);
}

function trim(text: string, dp: number): Digits {
	let start = 0;
	while (start < text.length && text[start] === '0') start++;
	let end = text.length;
	while (end > start && text[end - 1] === '0') end--;
	return { d: text.slice(start, end), dp: dp - start };
}

/** Rounds to `n` significant digits, half to even (the digits are exact, so a tie is a real tie). */
function roundDigits(digits: Digits, n: number): Digits {
	const { d, dp } = digits;
	if (n < 0) return { d: '', dp };
	if (n >= d.length) return digits;
	const next = d.charCodeAt(n) - 48;
	const up = next > 5 || (next === 5 && (n + 1 < d.length || (n > 0 && (d.charCodeAt(n - 1) - 48) % 2 === 1)));
	if (!up) return trim(d.slice(0, n), dp);
	let i = n - 1;
	while (i >= 0 && d[i] === '9') i--;
	if (i < 0) return { d: '1', dp: dp + 1 };
	return trim(d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1), dp);
}

function shortestDigits(value: number): Digits {
	if (value === 0) return { d: '', dp: 0 };
	const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
	return trim(mantissa.replace('.', ''), Number(exponent) + 1);
}

function formatE(digits: Digits, prec: number, letter: string): string {
	let out = digits.d[0] ?? '0';
	if (prec > 0) out += `.${digits.d.slice(1, prec + 1).padEnd(prec, '0')}`;
	const exponent = digits.d === '' ? 0 : digits.dp - 1;
	const abs = Math.abs(exponent);
	return `${out}${letter}${exponent < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
}

function formatF(digits: Digits, prec: number): string {
	const { d, dp } = digits;
	let out = dp > 0 ? d.slice(0, dp).padEnd(dp, '0') : '0';
	if (prec > 0) {
		out += '.';
		for (let i = 1; i <= prec; i++) {
			const j = dp + i - 1;
			out += j >= 0 && j < d.length ? d[j] : '0';
		}
	}
	return out;
}

/** Go's `strconv.FormatFloat(value, format, prec, 64)` for format e, E, f, F, g, G (prec -1: shortest). */
export function formatFloat(value: number, format: string, prec: number): string {
	if (Number.isNaN(value)) return 'NaN';
	if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
	const negative = value < 0 || Object.is(value, -0);
	const abs = Math.abs(value);
	const sign = negative ? '-' : '';
	const shortest = prec < 0;
	const lower = format.toLowerCase();
	if (lower === 'g' && prec === 0) prec = 1;
	let digits: Digits;
	if (shortest) digits = shortestDigits(abs);
	else if (lower === 'f') {
		const exact = exactDigits(abs);
		digits = roundDigits(exact, exact.dp + prec);
	} else digits = roundDigits(exactDigits(abs), lower === 'e' ? prec + 1 : prec);
	const nd = digits.d.length;
	const { dp } = digits;
	if (shortest) prec = lower === 'e' ? Math.max(nd - 1, 0) : lower === 'f' ? Math.max(nd - dp, 0) : nd;
	if (lower === 'e') return sign + formatE(digits, prec, format === 'E' ? 'E' : 'e');
	if (lower === 'f') return sign + formatF(digits, prec);
	// %g is %e when the exponent is below -4 or at least the precision (6 when shortest).
	let eprec = prec;
	if (eprec > nd && nd >= dp) eprec = nd;
	if (shortest) eprec = 6;
	const exponent = dp - 1;
	if (exponent < -4 || exponent >= eprec) return sign + formatE(digits, Math.min(prec, nd) - 1, format === 'G' ? 'E' : 'e');
	return sign + formatF(digits, Math.max((prec > dp ? nd : prec) - dp, 0));
}
