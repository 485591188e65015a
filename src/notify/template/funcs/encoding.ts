/**
 * @module Sprig's encoding functions: Go's encoding/json (`toJson` escapes <, > and & as \u003c…,
 * maps sorted by key, floats as Go prints them), base64/base32, hashes, UUIDs and random strings.
 */
import { type HashAlgorithm, hashHex } from '../../../runtime/hash.ts';
import { formatFloat } from '../float-format.ts';
import { formatTime } from '../time-format.ts';
import { fromJsonValue, GoInt, isTime, sortedEntries, toGoTime, typeName } from '../values.ts';
import { fn, GoFuncError, type GoFunc } from './go-func.ts';

const hex = '0123456789abcdef';

function jsonString(text: string, escapeHTML: boolean): string {
	let out = '"';
	let start = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		let escaped: string | undefined;
		if (c < 0x80) {
			if (c >= 0x20 && c !== 0x22 && c !== 0x5c && !(escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26))) continue;
			switch (c) {
				case 0x22:
					escaped = '\\"';
					break;
				case 0x5c:
					escaped = '\\\\';
					break;
				case 0x08:
					escaped = '\\b';
					break;
				case 0x0c:
					escaped = '\\f';
					break;
				case 0x0a:
					escaped = '\\n';
					break;
				case 0x0d:
					escaped = '\\r';
					break;
				case 0x09:
					escaped = '\\t';
					break;
				default:
					escaped = `\\u00${hex[c >> 4]}${hex[c & 0xf]}`;
			}
		} else if (c === 0x2028 || c === 0x2029) escaped = `\\u${c.toString(16)}`;
		else if (c >= 0xd800 && c <= 0xdfff) {
			// A valid surrogate pair is one rune; a lone half is invalid UTF-8 to Go.
			const next = text.charCodeAt(i + 1);
			if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
				i++;
				continue;
			}
			escaped = '\\ufffd';
		} else continue;
		out += text.slice(start, i) + escaped;
		start = i + 1;
	}
	return `${out}${text.slice(start)}"`;
}

function jsonNumber(value: number): string {
	if (!Number.isFinite(value)) throw new GoFuncError(`json: unsupported value: ${formatFloat(value, 'g', -1)}`);
	const abs = Math.abs(value);
	if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) return formatFloat(value, 'e', -1).replace(/e-0(\d)$/, 'e-$1');
	return formatFloat(value, 'f', -1);
}

/** Go's json.Marshal (indent "" for compact, "  " for MarshalIndent). */
export function marshalJson(value: unknown, escapeHTML: boolean, indent: string, depth = 0): string {
	if (value === null || value === undefined) return 'null';
	switch (typeof value) {
		case 'string':
			return jsonString(value, escapeHTML);
		case 'boolean':
			return String(value);
		case 'number':
			return jsonNumber(value);
		case 'function':
			throw new GoFuncError(`json: unsupported type: ${typeName(value)}`);
		default:
	}
	if (value instanceof GoInt) return String(value.exact ?? value.value);
	if (isTime(value)) {
		const time = toGoTime(value);
		const year = new Date(time.ms + time.zone.lookup(time.ms).offset * 1000).getUTCFullYear();
		if (year < 0 || year > 9999)
			throw new GoFuncError('json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]');
		return `"${formatTime(time, '2006-01-02T15:04:05.999999999Z07:00')}"`;
	}
	const newline = indent === '' ? '' : `\n${indent.repeat(depth + 1)}`;
	const close = indent === '' ? '' : `\n${indent.repeat(depth)}`;
	const colon = indent === '' ? ':' : ': ';
	let items: string[];
	let brackets: string;
	if (Array.isArray(value)) {
		items = value.map((item) => marshalJson(item, escapeHTML, indent, depth + 1));
		brackets = '[]';
	} else {
		const entries =
			value instanceof Map ? sortedEntries(value) : Object.entries(value as object).filter(([, field]) => typeof field !== 'function');
		items = entries.map(([key, item]) => jsonString(key, escapeHTML) + colon + marshalJson(item, escapeHTML, indent, depth + 1));
		brackets = '{}';
	}
	if (items.length === 0) return brackets;
	return brackets[0] + newline + items.join(`,${newline}`) + close + brackets[1];
}

function marshalOrEmpty(value: unknown, escapeHTML: boolean, indent: string): string {
	try {
		return marshalJson(value, escapeHTML, indent);
	} catch (error) {
		// Sprig's toJson and toPrettyJson ignore the marshal error and print nothing.
		if (error instanceof GoFuncError) return '';
		throw error;
	}
}

function fromJson(strict: boolean): (text: string) => unknown {
	return (text) => {
		try {
			return fromJsonValue(JSON.parse(text));
		} catch (error) {
			if (!strict) return null;
			// Go's wording for the two common cases; other syntax errors keep the parser's message.
			const message = error instanceof Error ? error.message : String(error);
			throw new GoFuncError(text.trim() === '' || /end of (JSON )?input/i.test(message) ? 'unexpected end of JSON input' : message);
		}
	};
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function base64Decode(text: string): string {
	const clean = text.replace(/[\r\n]/g, '');
	const bad = /[^A-Za-z0-9+/=]/.exec(clean);
	if (bad || clean.length % 4 !== 0 || /=[^=]|={3}/.test(clean)) {
		return `illegal base64 data at input byte ${bad ? bad.index : Math.max(clean.search(/=[^=]/) + 1, clean.length - (clean.length % 4 || 4))}`;
	}
	return decoder.decode(Uint8Array.from(atob(clean), (c) => c.charCodeAt(0)));
}

function base64Encode(text: string): string {
	let binary = '';
	for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
	return btoa(binary);
}

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Encode(text: string): string {
	const bytes = encoder.encode(text);
	let out = '';
	let bits = 0;
	let buffer = 0;
	for (const byte of bytes) {
		buffer = (buffer << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += base32Alphabet[(buffer >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) out += base32Alphabet[(buffer << (5 - bits)) & 31];
	return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}

function base32Decode(text: string): string {
	const clean = text.replace(/[\r\n]/g, '');
	const bad = /[^A-Z2-7=]/.exec(clean);
	if (bad || clean.length % 8 !== 0) return `illegal base32 data at input byte ${bad ? bad.index : clean.length}`;
	const bytes: number[] = [];
	let bits = 0;
	let buffer = 0;
	for (const char of clean.replace(/=+$/, '')) {
		buffer = (buffer << 5) | base32Alphabet.indexOf(char);
		bits += 5;
		if (bits >= 8) {
			bytes.push((buffer >> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return decoder.decode(new Uint8Array(bytes));
}

function adler32(text: string): string {
	let a = 1;
	let b = 0;
	for (const byte of encoder.encode(text)) {
		a = (a + byte) % 65521;
		b = (b + a) % 65521;
	}
	return String(((b << 16) | a) >>> 0);
}

function randomString(count: number, alphabet: string): string {
	if (count < 0) throw new GoFuncError(`Requested random string length ${count} is less than 0.`);
	const values = crypto.getRandomValues(new Uint32Array(count));
	let out = '';
	for (const value of values) out += alphabet[value % alphabet.length];
	return out;
}

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const digits = '0123456789';
const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const hash = (algorithm: HashAlgorithm) => fn(['string'], (text: string) => hashHex(algorithm, text));

export const encodingFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	['b64enc', fn(['string'], base64Encode)],
	['b64dec', fn(['string'], base64Decode)],
	['b32enc', fn(['string'], base32Encode)],
	['b32dec', fn(['string'], base32Decode)],
	['toJson', fn(['any'], (value: unknown) => marshalOrEmpty(value, true, ''))],
	['toPrettyJson', fn(['any'], (value: unknown) => marshalOrEmpty(value, true, '  '))],
	['toRawJson', fn(['any'], (value: unknown) => marshalJson(value, false, ''))],
	['mustToJson', fn(['any'], (value: unknown) => marshalJson(value, true, ''))],
	['mustToPrettyJson', fn(['any'], (value: unknown) => marshalJson(value, true, '  '))],
	['mustToRawJson', fn(['any'], (value: unknown) => marshalJson(value, false, ''))],
	['fromJson', fn(['string'], fromJson(false))],
	['mustFromJson', fn(['string'], fromJson(true))],
	['sha1sum', hash('sha1')],
	['sha256sum', hash('sha256')],
	['sha512sum', hash('sha512')],
	['adler32sum', fn(['string'], adler32)],
	['uuidv4', fn([], () => crypto.randomUUID())],
	['randAlphaNum', fn(['int'], (count: number) => randomString(count, letters + digits))],
	['randAlpha', fn(['int'], (count: number) => randomString(count, letters))],
	['randAscii', fn(['int'], (count: number) => randomString(count, ascii))],
	['randNumeric', fn(['int'], (count: number) => randomString(count, digits))],
	[
		'randBytes',
		fn(['int'], (count: number) => {
			let binary = '';
			for (const byte of crypto.getRandomValues(new Uint8Array(Math.max(count, 0)))) binary += String.fromCharCode(byte);
			return btoa(binary);
		}),
	],
]);
