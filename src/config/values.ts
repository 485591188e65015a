/**
 * @module valibot schemas that turn one setting's raw text into its value.
 *
 * Settings arrive as strings (flags and env vars alike); these parse them the
 * way NTH's Go code does (strconv.ParseBool, strconv.Atoi, JSON), and say what
 * was wrong when they cannot.
 */
import * as v from 'valibot';
import { quoted } from './redact.ts';

const goTrue = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const goFalse = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** Go's strconv.ParseBool. */
export const goBool = v.pipe(
	v.string(),
	v.picklist([...goTrue, ...goFalse], (issue) => `must be a boolean (true/false, 1/0, t/f), got ${quoted(String(issue.input))}`),
	v.transform((text) => goTrue.includes(text)),
);

/** Go's strconv.Atoi, optionally bounded. */
export function goInt(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
	return v.pipe(
		v.string(),
		v.regex(/^[+-]?\d+$/, (issue) => `must be an integer, got ${quoted(String(issue.input))}`),
		v.transform(Number),
		v.minValue(min, (issue) => `must be at least ${min}, got ${String(issue.input)}`),
		v.maxValue(max, (issue) => `must be at most ${max}, got ${String(issue.input)}`),
	);
}

/** A decimal number of seconds (fractions allowed), as milliseconds. */
export function secondsAsMs(min: number, max: number) {
	return v.pipe(
		v.string(),
		v.regex(/^\d+(\.\d+)?$/, (issue) => `must be a number of seconds, got ${quoted(String(issue.input))}`),
		v.transform((text) => Math.round(Number(text) * 1000)),
		v.minValue(Math.round(min * 1000), `must be at least ${min} s`),
		v.maxValue(Math.round(max * 1000), `must be at most ${max} s`),
	);
}

export const anyString = v.string();

/*
 * The schemas below read secret-bearing settings (marked `secret` in
 * settings.ts): their messages never quote the input; load.ts shows the value
 * redacted next to the message.
 */

/** True for an absolute http:// or https:// URL with a host. */
function isHttpUrl(text: string): boolean {
	return URL.canParse(text) && /^https?:\/\/[^/?#]/i.test(text);
}

/** An http(s) URL, or "" for unset (a Slack URL pasted without "https://" is the usual mistake). */
export const optionalUrl = v.pipe(
	v.string(),
	v.check((text) => text === '' || isHttpUrl(text), 'must be an http:// or https:// URL (with its scheme)'),
);

/** An http(s) base URL (no trailing slash kept). */
export const baseUrl = v.pipe(
	v.string(),
	v.check(
		(text) => URL.canParse(text) && /^https?:/.test(text),
		(issue) => `must be an http(s) URL, got ${quoted(String(issue.input))}`,
	),
	v.transform((text) => text.replace(/\/+$/, '')),
);

/** A proxy URL: http:// or tcp:// (Go treats tcp:// as a plain HTTP proxy), or "" for none. */
export const proxyUrl = v.pipe(
	v.string(),
	v.check((text) => text === '' || (URL.canParse(text) && /^(https?|tcp):\/\//i.test(text)), 'must be an http:// or tcp:// proxy URL'),
);

export function oneOf<const T extends readonly [string, ...string[]]>(options: T, caseInsensitive = false) {
	return v.pipe(
		v.string(),
		v.transform((text) => (caseInsensitive ? text.toLowerCase() : text)),
		v.picklist(options, (issue) => `must be one of ${options.join(', ')}, got ${quoted(String(issue.input))}`),
	);
}

/** The JSON type of a value, never the value (valibot's `received` quotes it). */
function kindOf(value: unknown): string {
	if (value === null) return 'null';
	return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * Where JSON.parse stopped, from its message ("… at position 12", "(line 1
 * column 13)"), never the rest: V8 quotes the input around the error, and these
 * settings are secrets.
 */
function jsonErrorPosition(received: string): string {
	const position = /position (\d+)/.exec(received)?.[1];
	return position === undefined ? '' : ` (at character ${Number(position) + 1})`;
}

/** A JSON object whose values are all strings (WEBHOOK_HEADERS); NTH panics on anything else. */
export const headersJson = v.pipe(
	v.string(),
	v.parseJson(undefined, (issue) => `must be a JSON object, got invalid JSON${jsonErrorPosition(issue.received)}`),
	v.record(
		v.string(),
		v.string((issue) => `must be a JSON object of string values (a value is ${kindOf(issue.input)})`),
		(issue) => `must be a JSON object of string values, got ${kindOf(issue.input)}`,
	),
);

/** `k1=v1,k2=v2` (KUBERNETES_EVENTS_EXTRA_ANNOTATIONS); a malformed pair is an error, as in NTH. */
export const keyValuePairs = v.pipe(
	v.string(),
	v.rawTransform(({ dataset, addIssue, NEVER }) => {
		const out: Record<string, string> = {};
		if (dataset.value.trim() === '') return out;
		for (const pair of dataset.value.split(',')) {
			const parts = pair.split('=');
			if (parts.length !== 2 || !parts[0]?.trim()) {
				addIssue({ message: `must be comma-separated key=value pairs, got malformed pair ${quoted(pair)}` });
				return NEVER;
			}
			out[parts[0].trim()] = (parts[1] ?? '').trim();
		}
		return out;
	}),
);

/** A misspelt field's name, quoted, when it looks like a field name (anything else may be a misplaced secret). */
function fieldName(key: unknown): string {
	return typeof key === 'string' && /^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(key) ? ` ${quoted(key)}` : '';
}

const SinkSchema = v.strictObject(
	{
		url: v.pipe(v.string('must be a string'), v.check(isHttpUrl, 'must be an http:// or https:// URL (with its scheme)')),
		headers: v.optional(v.record(v.string(), v.string('must be an object of string values'), 'must be an object of string values')),
		template: v.optional(v.string('must be a string')),
		templateFile: v.optional(v.string('must be a string')),
		proxy: v.optional(v.pipe(v.string('must be a string'), proxyUrl)),
		name: v.optional(v.string('must be a string')),
	},
	(issue) =>
		issue.expected === 'never'
			? `has an unknown field${fieldName(issue.input)} (known: url, headers, template, templateFile, proxy, name)`
			: 'must be an object',
);
export type WebhookSinkSetting = v.InferOutput<typeof SinkSchema>;

/** WEBHOOK_SINKS: a JSON array of extra webhook destinations. */
export const sinksJson = v.pipe(
	v.string(),
	v.transform((text) => (text.trim() === '' ? '[]' : text)),
	v.parseJson(undefined, (issue) => `must be a JSON array, got invalid JSON${jsonErrorPosition(issue.received)}`),
	v.array(SinkSchema, 'must be a JSON array of {"url", "headers"?, "template"?, "templateFile"?, "proxy"?, "name"?} objects'),
);
