/**
 * @module Go's fmt for the value model: `Sprint`, `Sprintln`, `Sprintf` (verbs %v %+v %#v %T %s
 * %q %d %b %o %O %x %X %c %U %e %E %f %F %g %G %t %%, flags, width, precision, `*` and `[n]`
 * indexes, and Go's error forms such as `%!d(string=x)`). strconv's quoting is in quote.ts, the
 * `String()` methods of Go's time values in stringer.ts.
 */
import { formatFloat } from './float-format.ts';
import { printable, quote, quoteRune, validRune } from './quote.ts';
import { stringerText } from './stringer.ts';
import { civil, nanosecond } from './time-format.ts';
import { longMonthNames } from './time-layout.ts';
import { GoInt, isTime, sortedEntries, toGoTime, typeName, type GoTime } from './values.ts';

interface Flags {
	plus: boolean;
	minus: boolean;
	sharp: boolean;
	space: boolean;
	zero: boolean;
	plusV: boolean;
	sharpV: boolean;
	/** Printing a bad verb's value: String() methods are not called. */
	erroring: boolean;
	wid: number | undefined;
	prec: number | undefined;
}

const noFlags = (): Flags => ({
	plus: false,
	minus: false,
	sharp: false,
	space: false,
	zero: false,
	plusV: false,
	sharpV: false,
	erroring: false,
	wid: undefined,
	prec: undefined,
});
const plainFlags: Flags = noFlags();

function runeCount(text: string): number {
	let count = 0;
	for (const _ of text) count++;
	return count;
}

function pad(text: string, flags: Flags): string {
	if (flags.wid === undefined || flags.wid === 0) return text;
	const width = flags.wid - runeCount(text);
	if (width <= 0) return text;
	if (flags.minus) return text + ' '.repeat(width);
	return (flags.zero ? '0' : ' ').repeat(width) + text;
}

function truncate(text: string, flags: Flags): string {
	if (flags.prec === undefined) return text;
	let out = '';
	let count = 0;
	for (const char of text) {
		if (count++ >= flags.prec) break;
		out += char;
	}
	return out;
}

/** Go's badVerb: the value is printed with %v under the same flags (so "%.2f" of 2 shows "02"). */
function badVerb(verb: string, value: unknown, flags: Flags = plainFlags): string {
	if (value === null || value === undefined) return `%!${verb}(<nil>)`;
	return `%!${verb}(${typeName(value)}=${printArg(value, 'v', { ...flags, erroring: true }, 0)})`;
}

function fmtString(text: string, verb: string, flags: Flags, original: unknown): string {
	switch (verb) {
		case 'v':
			return flags.sharpV ? pad(quote(truncate(text, flags)), flags) : pad(truncate(text, flags), flags);
		case 's':
			return pad(truncate(text, flags), flags);
		case 'q': {
			const cut = truncate(text, flags);
			if (flags.sharp && !/[`\u0000-\u0008\u000a-\u001f\u007f\ufeff]/.test(cut)) return pad(`\`${cut}\``, flags);
			return pad(quote(cut, flags.plus), flags);
		}
		case 'x':
		case 'X': {
			const bytes = new TextEncoder().encode(truncate(text, flags));
			const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0'));
			const prefix = flags.sharp ? '0x' : '';
			const out = flags.space ? hex.map((h) => prefix + h).join(' ') : prefix + hex.join('');
			return pad(verb === 'X' ? out.toUpperCase() : out, flags);
		}
		default:
			return badVerb(verb, original, flags);
	}
}

function fmtInteger(value: GoInt, verb: string, flags: Flags): string {
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
			return badVerb(verb, value, flags);
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

function fmtFloat(value: number, verb: string, flags: Flags): string {
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
			return badVerb(verb, value, flags);
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

/** A nil *time.Location: %v prints <nil>, the integer verbs print 0. */
const nilPointer = Symbol('nil pointer');

/** time.Time's unexported fields {wall ext loc}, which fmt prints when no String() applies (e.g. %d). */
function timeInternals(value: GoTime | Date): Record<string, unknown> {
	const time = toGoTime(value);
	// Go keeps the UTC location as a nil pointer; other locations print as addresses, which no output can match.
	return {
		wall: new GoInt(nanosecond(time), 'uint64'),
		ext: new GoInt(Math.floor(time.ms / 1000) + 62135596800, 'int64'),
		loc: time.zone.name === 'UTC' ? nilPointer : new GoInt(0xc000010000, 'uint64'),
	};
}

/** Go's Time.GoString, which %#v prints. */
function timeGoString(value: GoTime | Date): string {
	const time = toGoTime(value);
	const c = civil(time);
	const location =
		time.zone.name === 'UTC' ? 'time.UTC' : time.zone.name === 'Local' ? 'time.Local' : `time.Location(${quote(time.zone.name)})`;
	return `time.Date(${c.year}, time.${longMonthNames[c.month - 1]}, ${c.day}, ${c.hour}, ${c.minute}, ${c.second}, ${nanosecond(time)}, ${location})`;
}

/** Formats one argument the way fmt's printArg/printValue do. */
function printArg(value: unknown, verb: string, flags: Flags, depth: number): string {
	if (value === null || value === undefined) {
		if (depth > 0) return flags.sharpV ? 'interface {}(nil)' : pad('<nil>', flags);
		return verb === 'T' || verb === 'v' ? pad('<nil>', flags) : badVerb(verb, value, flags);
	}
	if (value === nilPointer) {
		if (verb === 'v') return pad('<nil>', flags);
		return 'bdoxX'.includes(verb) ? fmtInteger(new GoInt(0, 'uint64'), verb, flags) : `%!${verb}(*time.Location=<nil>)`;
	}
	if (verb === 'T' && depth === 0) return fmtString(typeName(value), 's', flags, value);
	if (flags.sharpV && isTime(value)) return fmtString(timeGoString(value), 's', flags, value);
	if (verb === 'v' || verb === 's' || verb === 'x' || verb === 'X' || verb === 'q') {
		const text = flags.sharpV || flags.erroring ? undefined : stringerText(value);
		if (text !== undefined) return fmtString(text, verb, flags, value);
	}
	switch (typeof value) {
		case 'string':
			return fmtString(value, verb, flags, value);
		case 'boolean':
			return verb === 't' || verb === 'v' ? pad(String(value), flags) : badVerb(verb, value, flags);
		case 'number':
			return fmtFloat(value, verb, flags);
		case 'function':
			return verb === 'v' || verb === 'p' ? '0x0' : badVerb(verb, value, flags);
		default:
	}
	if (value instanceof GoInt) return fmtInteger(value, verb, flags);
	if (Array.isArray(value)) {
		const items = value.map((item) => printArg(item, verb, flags, depth + 1));
		return flags.sharpV ? `${typeName(value)}{${items.join(', ')}}` : `[${items.join(' ')}]`;
	}
	if (value instanceof Map) {
		const items = sortedEntries(value).map(
			([key, item]) => `${printArg(key, verb, flags, depth + 1)}:${printArg(item, verb, flags, depth + 1)}`,
		);
		return flags.sharpV ? `${typeName(value)}{${items.join(', ')}}` : `map[${items.join(' ')}]`;
	}
	if (isTime(value)) return printArg(timeInternals(value), verb, flags, depth);
	const fields = Object.entries(value as object).filter(([, field]) => typeof field !== 'function');
	const items = fields.map(([key, field]) => (flags.plusV || flags.sharpV ? `${key}:` : '') + printArg(field, verb, flags, depth + 1));
	return flags.sharpV ? `${typeName(value)}{${items.join(', ')}}` : `{${items.join(' ')}}`;
}

/** Go's `fmt.Sprint`: spaces between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
	let out = '';
	let previousString = false;
	for (let i = 0; i < args.length; i++) {
		const arg = args[i];
		const isString = typeof arg === 'string';
		if (i > 0 && !isString && !previousString) out += ' ';
		out += isString ? arg : printArg(arg, 'v', plainFlags, 0);
		previousString = isString;
	}
	return out;
}

/** Go's `fmt.Sprintln`: operands separated by spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
	return `${args.map((arg) => (typeof arg === 'string' ? arg : printArg(arg, 'v', plainFlags, 0))).join(' ')}\n`;
}

/** Go's `fmt.Sprintf`. */
export function sprintf(format: string, args: readonly unknown[]): string {
	let out = '';
	let argNum = 0;
	let reordered = false;
	let i = 0;
	const end = format.length;
	while (i < end) {
		const next = format.indexOf('%', i);
		if (next < 0) {
			out += format.slice(i);
			break;
		}
		out += format.slice(i, next);
		i = next + 1;
		const flags = noFlags();
		let goodArgNum = true;
		let afterIndex = false;
		for (; i < end; i++) {
			const c = format[i];
			if (c === '#') flags.sharp = true;
			else if (c === '0') flags.zero = !flags.minus;
			else if (c === '+') flags.plus = true;
			else if (c === '-') {
				flags.minus = true;
				flags.zero = false;
			} else if (c === ' ') flags.space = true;
			else break;
		}
		const argIndex = (): void => {
			afterIndex = false;
			if (format[i] !== '[') return;
			reordered = true;
			const close = format.indexOf(']', i);
			const index = close < 0 ? Number.NaN : Number(format.slice(i + 1, close));
			if (close < 0 || !/^\d+$/.test(format.slice(i + 1, close)) || index < 1 || index > args.length) {
				goodArgNum = false;
				i = close < 0 ? end : close + 1;
				return;
			}
			argNum = index - 1;
			i = close + 1;
			afterIndex = true;
		};
		const intArg = (): number | undefined => {
			const arg = args[argNum++];
			if (arg instanceof GoInt && Math.abs(arg.value) <= 1e6) return arg.value;
			return undefined;
		};
		argIndex();
		if (format[i] === '*') {
			i++;
			flags.wid = intArg();
			if (flags.wid === undefined) out += '%!(BADWIDTH)';
			else if (flags.wid < 0) {
				flags.wid = -flags.wid;
				flags.minus = true;
				flags.zero = false;
			}
			afterIndex = false;
		} else {
			const width = /^\d+/.exec(format.slice(i))?.[0];
			if (width !== undefined) {
				flags.wid = Number(width);
				i += width.length;
				if (afterIndex) goodArgNum = false;
			}
		}
		if (i + 1 < end && format[i] === '.') {
			i++;
			if (afterIndex) goodArgNum = false;
			argIndex();
			if (format[i] === '*') {
				i++;
				flags.prec = intArg();
				if (flags.prec !== undefined && flags.prec < 0) flags.prec = undefined;
				if (flags.prec === undefined) out += '%!(BADPREC)';
				afterIndex = false;
			} else {
				const precision = /^\d*/.exec(format.slice(i))?.[0] ?? '';
				flags.prec = precision === '' ? 0 : Number(precision);
				i += precision.length;
			}
		}
		if (!afterIndex) argIndex();
		if (i >= end) {
			out += '%!(NOVERB)';
			break;
		}
		const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
		i += verb.length;
		if (verb === '%') out += '%';
		else if (!goodArgNum) out += `%!${verb}(BADINDEX)`;
		else if (argNum >= args.length) out += `%!${verb}(MISSING)`;
		else {
			if (verb === 'v') {
				flags.sharpV = flags.sharp;
				flags.sharp = false;
				flags.plusV = flags.plus;
				flags.plus = false;
			}
			out += printArg(args[argNum++], verb, flags, 0);
		}
	}
	if (!reordered && argNum < args.length) {
		const extra = args
			.slice(argNum)
			.map((arg) => (arg === null || arg === undefined ? '<nil>' : `${typeName(arg)}=${printArg(arg, 'v', plainFlags, 0)}`));
		out += `%!(EXTRA ${extra.join(', ')})`;
	}
	return out;
}
