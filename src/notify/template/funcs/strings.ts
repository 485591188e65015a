/**
 * @module Sprig's string functions. Go strings are bytes: `trunc`, `substr` and `abbrev` count
 * UTF-8 bytes as Sprig does; case mapping is per rune like Go's unicode package.
 */
import { sprintf } from '../format.ts';
import { quote as goQuote } from '../quote.ts';
import { byteLength, byteSlice, compareStrings, goMap, goSlice, typeName } from '../values.ts';
import { strval } from './convert.ts';
import { fn, GoFuncError, vfn, type GoFunc } from './go-func.ts';

const asciiOnly = /^[\x00-\x7f]*$/;

function mapRunes(text: string, map: (char: string) => string): string {
	let out = '';
	for (const char of text) {
		const mapped = map(char);
		// Go maps rune to rune: a mapping that changes the rune count (ß → SS) does not apply.
		out += mapped.length === char.length ? mapped : char;
	}
	return out;
}

export function toUpper(text: string): string {
	return asciiOnly.test(text) ? text.toUpperCase() : mapRunes(text, (c) => c.toUpperCase());
}

export function toLower(text: string): string {
	return asciiOnly.test(text) ? text.toLowerCase() : mapRunes(text, (c) => c.toLowerCase());
}

const spaceClass = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const space = new RegExp(`^[${spaceClass}]$`, 'u');
const edgeSpaces = new RegExp(`^[${spaceClass}]+|[${spaceClass}]+$`, 'gu');
const isSpace = (char: string): boolean => space.test(char);

/** Go's strings.TrimSpace (Unicode White_Space, which JS trim() does not quite match). */
export function trimSpace(text: string): string {
	return text.replace(edgeSpaces, '');
}

/** Go's strings.Title: upper-cases the first letter of each word. */
function title(text: string): string {
	let previous = ' ';
	let out = '';
	for (const char of text) {
		out += isSeparator(previous) ? toUpper(char) : char;
		previous = char;
	}
	return out;
}

function isSeparator(char: string): boolean {
	if (/^[0-9a-zA-Z_]$/.test(char)) return false;
	if (char.charCodeAt(0) < 0x80) return true;
	if (/^[\p{L}\p{Nd}]$/u.test(char)) return false;
	return isSpace(char);
}

function untitle(text: string): string {
	let next = true;
	let out = '';
	for (const char of text) {
		if (isSpace(char)) {
			next = true;
			out += char;
		} else {
			out += next ? toLower(char) : char;
			next = false;
		}
	}
	return out;
}

/** goutils.SwapCase: upper to lower and lower to upper (title case after a space is upper case too). */
function swapcase(text: string): string {
	return mapRunes(text, (char) => {
		const lower = toLower(char);
		return char !== lower ? lower : toUpper(char);
	});
}

/** Go's strings.Trim: drops leading and trailing runes found in `cutset`. */
function trimCutset(text: string, cutset: string): string {
	const chars = [...text];
	const cut = new Set(cutset);
	let start = 0;
	let end = chars.length;
	while (start < end && cut.has(chars[start]!)) start++;
	while (end > start && cut.has(chars[end - 1]!)) end--;
	return chars.slice(start, end).join('');
}

function sliceBounds(text: string, start: number, end: number): never {
	const length = byteLength(text);
	if (end > length) throw new GoFuncError(`runtime error: slice bounds out of range [:${end}] with length ${length}`);
	if (start > length) throw new GoFuncError(`runtime error: slice bounds out of range [${start}:${length}]`);
	throw new GoFuncError(`runtime error: slice bounds out of range [${start}:${end}]`);
}

function substr(start: number, end: number, text: string): string {
	const length = byteLength(text);
	if (start < 0) return end >= 0 && end <= length ? byteSlice(text, 0, end) : sliceBounds(text, 0, end);
	if (end < 0 || end > length) return start <= length ? byteSlice(text, start) : sliceBounds(text, start, length);
	return start <= end ? byteSlice(text, start, end) : sliceBounds(text, start, end);
}

function trunc(count: number, text: string): string {
	const length = byteLength(text);
	if (count < 0 && length + count > 0) return byteSlice(text, length + count);
	if (count >= 0 && length > count) return byteSlice(text, 0, count);
	return text;
}

/** goutils.AbbreviateFull (byte offsets, as in Go). */
function abbreviate(text: string, offset: number, maxWidth: number): string {
	const length = byteLength(text);
	if (text === '') return '';
	if (length <= maxWidth) return text;
	if (offset > length) offset = length;
	if (length - offset < maxWidth - 3) offset = length - (maxWidth - 3);
	if (offset <= 4) return `${byteSlice(text, 0, maxWidth - 3)}...`;
	if (maxWidth < 7) return '';
	if (offset + maxWidth - 3 < length) return `...${abbreviate(byteSlice(text, offset), 0, maxWidth - 3)}`;
	return `...${byteSlice(text, length - (maxWidth - 3))}`;
}

/** goutils.WrapCustom. */
function wrap(text: string, width: number, newline: string, wrapLongWords: boolean): string {
	if (text === '') return '';
	if (newline === '') newline = '\n';
	if (width < 1) width = 1;
	let offset = 0;
	let out = '';
	while (text.length - offset > width) {
		if (text[offset] === ' ') {
			offset++;
			continue;
		}
		const spaceAt = text.slice(offset, width + offset + 1).lastIndexOf(' ') + offset;
		if (spaceAt >= offset) {
			out += text.slice(offset, spaceAt) + newline;
			offset = spaceAt + 1;
		} else if (wrapLongWords) {
			out += text.slice(offset, width + offset) + newline;
			offset += width;
		} else {
			const next = text.indexOf(' ', width + offset);
			if (next < 0) {
				out += text.slice(offset);
				offset = text.length;
			} else {
				out += text.slice(offset, next) + newline;
				offset = next + 1;
			}
		}
	}
	return out + text.slice(offset);
}

/** Go's strings.Split: an empty separator splits into runes. */
export function split(text: string, separator: string, limit = -1): string[] {
	if (limit === 0) return [];
	const parts = separator === '' ? [...text] : text.split(separator);
	if (limit < 0 || parts.length <= limit) return parts;
	return [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(separator)];
}

function splitMap(parts: readonly string[]): Map<string, string> {
	return goMap(new Map(parts.map((part, i) => [`_${i}`, part])), 'string');
}

/** Sprig's strslice (`toStrings`, `join`, `sortAlpha`): nil elements are dropped. */
export function strslice(value: unknown): string[] {
	if (Array.isArray(value)) return value.filter((item) => item !== null && item !== undefined).map(strval);
	if (value === null || value === undefined) return [];
	return [strval(value)];
}

function deleteWhiteSpace(text: string): string {
	// goutils walks bytes and re-encodes each as a rune, so Go mangles non-ASCII text here.
	const bytes = new TextEncoder().encode(text);
	let out = '';
	for (const byte of bytes)
		if (!(byte === 0x20 || (byte >= 0x09 && byte <= 0x0d) || byte === 0x85 || byte === 0xa0)) out += String.fromCharCode(byte);
	return out.length === bytes.length ? text : out;
}

function initials(text: string): string {
	let out = '';
	let gap = true;
	for (const byte of new TextEncoder().encode(text)) {
		if (byte === 0x20 || (byte >= 0x09 && byte <= 0x0d) || byte === 0x85 || byte === 0xa0) gap = true;
		else if (gap) {
			out += String.fromCharCode(byte);
			gap = false;
		}
	}
	return out;
}

function indent(spaces: number, text: string): string {
	const pad = ' '.repeat(Math.max(spaces, 0));
	return pad + text.replaceAll('\n', `\n${pad}`);
}

function repeat(count: number, text: string): string {
	if (count < 0) throw new GoFuncError('strings: negative Repeat count');
	return text.repeat(count);
}

function replace(old: string, replacement: string, text: string): string {
	if (old === '') return replacement + [...text].join(replacement) + (text === '' ? '' : replacement);
	return text.replaceAll(old, replacement);
}

export const stringFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	['hello', fn([], () => 'Hello!')],
	['abbrev', fn(['int', 'string'], (width: number, text: string) => (width < 4 ? text : abbreviate(text, 0, width)))],
	[
		'abbrevboth',
		fn(['int', 'int', 'string'], (left: number, right: number, text: string) =>
			right < 4 || (left > 0 && right < 7) ? text : abbreviate(text, left, right),
		),
	],
	['trunc', fn(['int', 'string'], trunc)],
	['trim', fn(['string'], trimSpace)],
	['upper', fn(['string'], toUpper)],
	['lower', fn(['string'], toLower)],
	['title', fn(['string'], title)],
	['untitle', fn(['string'], untitle)],
	['substr', fn(['int', 'int', 'string'], substr)],
	['repeat', fn(['int', 'string'], repeat)],
	['trimall', fn(['string', 'string'], (cutset: string, text: string) => trimCutset(text, cutset))],
	['trimAll', fn(['string', 'string'], (cutset: string, text: string) => trimCutset(text, cutset))],
	[
		'trimSuffix',
		fn(['string', 'string'], (suffix: string, text: string) =>
			suffix !== '' && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text,
		),
	],
	['trimPrefix', fn(['string', 'string'], (prefix: string, text: string) => (text.startsWith(prefix) ? text.slice(prefix.length) : text))],
	['nospace', fn(['string'], deleteWhiteSpace)],
	['initials', fn(['string'], initials)],
	['swapcase', fn(['string'], swapcase)],
	[
		'shuffle',
		fn(['string'], (text: string) => {
			const runes = [...text];
			for (let i = runes.length - 1; i > 0; i--) {
				const j = Math.floor(Math.random() * (i + 1));
				[runes[i], runes[j]] = [runes[j]!, runes[i]!];
			}
			return runes.join('');
		}),
	],
	['wrap', fn(['int', 'string'], (width: number, text: string) => wrap(text, width, '', false))],
	['wrapWith', fn(['int', 'string', 'string'], (width: number, newline: string, text: string) => wrap(text, width, newline, true))],
	['contains', fn(['string', 'string'], (part: string, text: string) => text.includes(part))],
	['hasPrefix', fn(['string', 'string'], (prefix: string, text: string) => text.startsWith(prefix))],
	['hasSuffix', fn(['string', 'string'], (suffix: string, text: string) => text.endsWith(suffix))],
	[
		'quote',
		vfn([], 'any', (...values: unknown[]) =>
			values
				.filter((v) => v !== null)
				.map((v) => goQuote(strval(v)))
				.join(' '),
		),
	],
	[
		'squote',
		vfn([], 'any', (...values: unknown[]) =>
			values
				.filter((v) => v !== null)
				.map((v) => sprintf("'%v'", [v]))
				.join(' '),
		),
	],
	[
		'cat',
		vfn([], 'any', (...values: unknown[]) =>
			values
				.filter((v) => v !== null)
				.map((v) => sprintf('%v', [v]))
				.join(' '),
		),
	],
	['indent', fn(['int', 'string'], indent)],
	['nindent', fn(['int', 'string'], (spaces: number, text: string) => `\n${indent(spaces, text)}`)],
	['replace', fn(['string', 'string', 'string'], replace)],
	['plural', fn(['string', 'string', 'int'], (one: string, many: string, count: number) => (count === 1 ? one : many))],
	['split', fn(['string', 'string'], (separator: string, text: string) => splitMap(split(text, separator)))],
	['splitList', fn(['string', 'string'], (separator: string, text: string) => goSlice(split(text, separator), 'string'))],
	['splitn', fn(['string', 'int', 'string'], (separator: string, n: number, text: string) => splitMap(split(text, separator, n)))],
	['toStrings', fn(['any'], (value: unknown) => goSlice(strslice(value), 'string'))],
	['join', fn(['string', 'any'], (separator: string, value: unknown) => strslice(value).join(separator))],
	[
		'sortAlpha',
		fn(['any'], (value: unknown) => {
			if (!Array.isArray(value)) return goSlice([strval(value)], 'string');
			// Sprig sorts a []string in place (strslice returns it as is), so the data changes too.
			const strings = typeName(value) === '[]string' ? (value as string[]) : goSlice(strslice(value), 'string');
			return strings.sort((a, b) => compareStrings(a, b));
		}),
	],
]);
