/**
 * @module Go's fmt for the value model: `Sprint`, `Sprintln`, `Sprintf` (verbs %v %+v %#v %T %s
 * %q %d %b %o %O %x %X %c %U %e %E %f %F %g %G %t %%, flags, width, precision, `*` and `[n]`
 * indexes, and Go's error forms such as `%!d(string=x)`). strconv's quoting is in quote.ts, the
 * `String()` methods of Go's time values in stringer.ts, the flags and padding in format-flags.ts, the
 * integer and float verbs in format-number.ts.
 */
import { fmtFloat, fmtInteger } from './format-number.ts';
import { type Flags, noFlags, pad, plainFlags, truncate } from './format-flags.ts';
import { quote } from './quote.ts';
import { stringerText } from './stringer.ts';
import { civil, nanosecond } from './time-format.ts';
import { longMonthNames } from './time-layout.ts';
import { GoInt, isTime, sortedEntries, toGoTime, typeName, type GoTime } from './values.ts';

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
		return 'bdoxX'.includes(verb)
			? (fmtInteger(new GoInt(0, 'uint64'), verb, flags) ?? badVerb(verb, value, flags))
			: `%!${verb}(*time.Location=<nil>)`;
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
			return fmtFloat(value, verb, flags) ?? badVerb(verb, value, flags);
		case 'function':
			return verb === 'v' || verb === 'p' ? '0x0' : badVerb(verb, value, flags);
		default:
	}
	if (value instanceof GoInt) return fmtInteger(value, verb, flags) ?? badVerb(verb, value, flags);
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
