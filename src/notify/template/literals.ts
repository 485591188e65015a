/**
 * @module Go literal syntax for template constants: strconv.Unquote / UnquoteChar and the
 * number rules of parse.newNumber (base prefixes, legacy octal, underscores, hex floats).
 */
import type { NumberNode } from './nodes.ts';

const decoder = new TextDecoder();
const simpleEscapes: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Go's `strconv.UnquoteChar`: one (possibly escaped) character and the rest, or undefined. */
function unquoteChar(text: string, quote: string): { value: string; byte: boolean; tail: string } | undefined {
	const first = text[0];
	if (first === undefined || (first === quote && (quote === "'" || quote === '"'))) return undefined;
	if (first !== '\\') {
		const char = String.fromCodePoint(text.codePointAt(0) ?? 0);
		return { value: char, byte: false, tail: text.slice(char.length) };
	}
	const c = text[1];
	if (c === undefined) return undefined;
	const simple = simpleEscapes[c];
	if (simple !== undefined) return { value: simple, byte: false, tail: text.slice(2) };
	if (c === quote && (c === "'" || c === '"')) return { value: c, byte: false, tail: text.slice(2) };
	const hexLength = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
	if (hexLength > 0) {
		const hex = text.slice(2, 2 + hexLength);
		if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) return undefined;
		const code = Number.parseInt(hex, 16);
		if (c === 'x') return { value: String.fromCharCode(code), byte: true, tail: text.slice(4) };
		if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
		return { value: String.fromCodePoint(code), byte: false, tail: text.slice(2 + hexLength) };
	}
	if (c >= '0' && c <= '7') {
		const octal = text.slice(1, 4);
		if (!/^[0-7]{3}$/.test(octal) || Number.parseInt(octal, 8) > 255) return undefined;
		return { value: String.fromCharCode(Number.parseInt(octal, 8)), byte: true, tail: text.slice(4) };
	}
	return undefined;
}

/** Go's `strconv.Unquote` for "…", `…` and '…'; undefined means "invalid syntax". */
export function unquote(text: string): string | undefined {
	const quote = text[0];
	if (text.length < 2 || text[text.length - 1] !== quote) return undefined;
	let body = text.slice(1, -1);
	if (quote === '`') return body.includes('`') ? undefined : body.replaceAll('\r', '');
	if (quote !== '"' && quote !== "'") return undefined;
	if (body.includes('\n')) return undefined;
	let out = '';
	// \x and octal escapes are bytes: collect them and decode runs as UTF-8.
	let bytes: number[] = [];
	const flush = (): void => {
		if (bytes.length > 0) out += decoder.decode(new Uint8Array(bytes));
		bytes = [];
	};
	let count = 0;
	while (body.length > 0) {
		const char = unquoteChar(body, quote);
		if (char === undefined) return undefined;
		if (char.byte) bytes.push(char.value.charCodeAt(0));
		else {
			flush();
			out += char.value;
		}
		body = char.tail;
		count++;
	}
	flush();
	if (quote === "'" && count !== 1) return undefined;
	return out;
}

/** Go's `strconv.UnquoteChar` on a character constant: the rune, or an error message. */
export function charConstant(text: string): number | string {
	const char = unquoteChar(text.slice(1), "'");
	if (char === undefined) return 'invalid syntax';
	if (char.tail !== "'") return `malformed character constant: ${text}`;
	return char.value.codePointAt(0) ?? 0;
}

function underscoreOK(text: string): boolean {
	let saw = '^';
	let i = 0;
	if (text[0] === '-' || text[0] === '+') text = text.slice(1);
	let hex = false;
	if (/^0[bBoOxX]/.test(text)) {
		i = 2;
		saw = '0';
		hex = text[1] === 'x' || text[1] === 'X';
	}
	for (; i < text.length; i++) {
		const c = text[i]!;
		if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) saw = '0';
		else if (c === '_') {
			if (saw !== '0') return false;
			saw = '_';
		} else {
			if (saw === '_') return false;
			saw = '!';
		}
	}
	return saw !== '_';
}

/** Go's `strconv.ParseInt(text, 0, 64)` (or ParseUint when `unsigned`), as a bigint. */
function parseInteger(text: string, unsigned: boolean): bigint | undefined {
	let sign = 1n;
	let body = text;
	if (body[0] === '+' || body[0] === '-') {
		if (unsigned) return undefined;
		sign = body[0] === '-' ? -1n : 1n;
		body = body.slice(1);
	}
	let prefix = '';
	let digits = body;
	if (/^0[xX]/.test(body)) [prefix, digits] = ['0x', body.slice(2)];
	else if (/^0[bB]/.test(body)) [prefix, digits] = ['0b', body.slice(2)];
	else if (/^0[oO]/.test(body)) [prefix, digits] = ['0o', body.slice(2)];
	else if (/^0./.test(body)) [prefix, digits] = ['0o', body.slice(1)];
	if (digits.includes('_')) {
		if (!underscoreOK(text)) return undefined;
		digits = digits.replaceAll('_', '');
	}
	const valid = prefix === '0x' ? /^[0-9a-fA-F]+$/ : prefix === '0b' ? /^[01]+$/ : prefix === '0o' ? /^[0-7]+$/ : /^\d+$/;
	if (!valid.test(digits)) return undefined;
	const value = sign * BigInt(prefix + digits);
	if (unsigned ? value > 18446744073709551615n : value > 9223372036854775807n || value < -9223372036854775808n) return undefined;
	return value;
}

/** Go's `strconv.ParseFloat(text, 64)` for the syntax the lexer lets through. */
function parseFloat(text: string): number | undefined {
	if (text.includes('_')) {
		if (!underscoreOK(text)) return undefined;
		text = text.replaceAll('_', '');
	}
	const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(text);
	if (hex) {
		const [, sign, whole = '', fraction = '', exponent = '0'] = hex;
		if (whole === '' && fraction === '') return undefined;
		const mantissa = Number.parseInt(whole + fraction || '0', 16) / 16 ** fraction.length;
		return (sign === '-' ? -1 : 1) * mantissa * 2 ** Number(exponent);
	}
	if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
	return Number(text);
}

/** Go's `parse.newNumber`: the number node for a number or character token, or an error message. */
export function numberNode(pos: number, text: string, isChar: boolean): NumberNode | string {
	if (isChar) {
		const rune = charConstant(text);
		if (typeof rune === 'string') return rune;
		return { kind: 'number', pos, text, isInt: true, isUint: true, isFloat: true, int: rune, float: rune, big: BigInt(rune) };
	}
	if (text.endsWith('i')) return `complex constants are not supported: ${JSON.stringify(text)}`;
	const asUint = parseInteger(text, true);
	const asInt = parseInteger(text, false);
	let isInt = asInt !== undefined;
	let isUint = asUint !== undefined || asInt === 0n;
	let int = Number(asInt ?? asUint ?? 0n);
	let isFloat = isInt || isUint;
	let float = int;
	if (!isFloat) {
		const value = parseFloat(text);
		if (value !== undefined) {
			if (!/[.eEpP]/.test(text)) return `integer overflow: ${JSON.stringify(text)}`;
			isFloat = true;
			float = value;
			if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) {
				isInt = true;
				int = value;
				isUint = value >= 0;
			}
		}
	}
	if (!isInt && !isUint && !isFloat) return `illegal number syntax: ${JSON.stringify(text)}`;
	return { kind: 'number', pos, text, isInt, isUint, isFloat, int, float, big: asInt ?? asUint ?? BigInt(Number.isInteger(int) ? int : 0) };
}
