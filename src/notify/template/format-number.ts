/**
 * @module fmt's integer and float verbs (Go's fmt/format.go fmtInteger, fmtFloat). A verb that
 * does not apply returns undefined: the caller prints Go's `%!verb(type=value)` form, which needs
 * printArg (format.ts), so the recursion stays there.
 */
import { formatFloat } from './float-format.ts';
import { type Flags, pad } from './format-flags.ts';
import { printable, quoteRune, validRune } from './quote.ts';
import type { GoInt } from './values.ts';

export function fmtInteger(value: GoInt, verb: string, flags: Flags): string | undefined {
	const n = value.value;
	const unsigned = value.type.startsWith('uint');
	let base = 10;
	switch (verb) {
		case 'v':
			if (flags.sharpV && unsigned) return pad(`0x${n.toString(16)}`, flags);
			break;
		case 'd':
			break;
		case 'b':
			base = 2;
			break;
		case 'o':
		case 'O':
			base = 8;
			break;
		case 'x':
		case 'X':
			base = 16;
			break;
		case 'c':
			return pad(String.fromCodePoint(validRune(n)), flags);
		case 'q':
			return pad(quoteRune(validRune(n), flags.plus), flags);
		case 'U': {
			const hex = `U+${n.toString(16).toUpperCase().padStart(4, '0')}`;
			return pad(flags.sharp && printable.test(String.fromCodePoint(validRune(n))) ? `${hex} '${String.fromCodePoint(n)}'` : hex, flags);
		}
		default:
			return undefined;
	}
	const negative = n < 0;
	let digits = value.exact === undefined ? Math.abs(n).toString(base) : (value.exact < 0n ? -value.exact : value.exact).toString(base);
	if (verb === 'X') digits = digits.toUpperCase();
	let prec = 0;
	if (flags.prec !== undefined) {
		prec = flags.prec;
		// Precision 0 and value 0 print nothing but the padding.
		if (prec === 0 && n === 0) return flags.wid ? ' '.repeat(flags.wid) : '';
	} else if (flags.zero && !flags.minus && flags.wid !== undefined) {
		prec = flags.wid;
		if (negative || flags.plus || flags.space) prec--;
	}
	digits = digits.padStart(prec, '0');
	if (flags.sharp) {
		if (base === 2) digits = `0b${digits}`;
		else if (base === 8 && digits[0] !== '0') digits = `0${digits}`;
		else if (base === 16) digits = (verb === 'X' ? '0X' : '0x') + digits;
	}
	if (verb === 'O') digits = `0o${digits}`;
	if (negative) digits = `-${digits}`;
	else if (flags.plus) digits = `+${digits}`;
	else if (flags.space) digits = ` ${digits}`;
	return pad(digits, { ...flags, zero: false });
}

export function fmtFloat(value: number, verb: string, flags: Flags): string | undefined {
	let format: string;
	let prec: number;
	switch (verb) {
		case 'v':
			format = 'g';
			prec = -1;
			break;
		case 'g':
		case 'G':
			format = verb;
			prec = -1;
			break;
		case 'e':
		case 'E':
		case 'f':
			format = verb;
			prec = 6;
			break;
		case 'F':
			format = 'f';
			prec = 6;
			break;
		default:
			return undefined;
	}
	if (flags.prec !== undefined) prec = flags.prec;
	let num = formatFloat(value, format, prec);
	if (flags.sharp && Number.isFinite(value)) num = sharpFloat(num, format, prec);
	let sign = '+';
	if (num[0] === '-' || num[0] === '+') {
		sign = num[0];
		num = num.slice(1);
	}
	if (num === 'Inf' || num === 'NaN') {
		const shown = num === 'NaN' && !flags.space && !flags.plus ? num : (flags.space && sign === '+' && !flags.plus ? ' ' : sign) + num;
		return pad(shown, { ...flags, zero: false });
	}
	if (flags.space && sign === '+' && !flags.plus) sign = ' ';
	if (flags.plus || sign !== '+') {
		if (flags.zero && !flags.minus && flags.wid !== undefined && flags.wid > num.length + 1)
			return sign + '0'.repeat(flags.wid - num.length - 1) + num;
		return pad(sign + num, flags);
	}
	return pad(num, flags);
}

/** The '#' flag on a float: always a decimal point, and %g keeps its trailing zeros. */
function sharpFloat(num: string, format: string, prec: number): string {
	let digits = format === 'g' || format === 'G' ? (prec === -1 ? 6 : prec) : 0;
	const exponentAt = num.search(/[eE]/);
	const tail = exponentAt < 0 ? '' : num.slice(exponentAt);
	let body = exponentAt < 0 ? num : num.slice(0, exponentAt);
	let sawNonzero = false;
	for (const c of body.replace(/^[-+]/, '')) {
		if (c === '.') continue;
		if (c !== '0') sawNonzero = true;
		if (sawNonzero) digits--;
	}
	if (!body.includes('.')) {
		// A lone leading zero counts once as a digit.
		if (/^[-+]?0$/.test(body)) digits--;
		body += '.';
	}
	return body + '0'.repeat(Math.max(digits, 0)) + tail;
}
