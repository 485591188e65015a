/**
 * @module valibot schemas that turn one setting's raw text into its value.
 *
 * Settings arrive as strings (flags and env vars alike); these parse them the
 * way NTH's Go code does (strconv.ParseBool, strconv.Atoi, JSON), and say what
 * was wrong when they cannot.
 */
import * as v from 'valibot';

const goTrue = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const goFalse = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** Go's strconv.ParseBool. */
export const goBool = v.pipe(
	v.string(),
	v.picklist([...goTrue, ...goFalse], (issue) => `must be a boolean (true/false, 1/0, t/f), got "${String(issue.input)}"`),
	v.transform((text) => goTrue.includes(text)),
);

/** Go's strconv.Atoi, optionally bounded. */
export function goInt(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
	return v.pipe(
		v.string(),
		v.regex(/^[+-]?\d+$/, (issue) => `must be an integer, got "${String(issue.input)}"`),
		v.transform(Number),
		v.minValue(min, (issue) => `must be at least ${min}, got ${String(issue.input)}`),
		v.maxValue(max, (issue) => `must be at most ${max}, got ${String(issue.input)}`),
	);
}

/** A decimal number of seconds (fractions allowed), as milliseconds. */
export function secondsAsMs(min: number, max: number) {
	return v.pipe(
		v.string(),
		v.regex(/^\d+(\.\d+)?$/, (issue) => `must be a number of seconds, got "${String(issue.input)}"`),
		v.transform((text) => Math.round(Number(text) * 1000)),
		v.minValue(Math.round(min * 1000), `must be at least ${min} s`),
		v.maxValue(Math.round(max * 1000), `must be at most ${max} s`),
	);
}

export const anyString = v.string();

/** An http(s) URL, or "" for unset. */
export const optionalUrl = v.pipe(
	v.string(),
	v.check((text) => text === '' || URL.canParse(text), (issue) => `must be a URL, got "${String(issue.input)}"`),
);

/** An http(s) base URL (no trailing slash kept). */
export const baseUrl = v.pipe(
	v.string(),
	v.check((text) => URL.canParse(text) && /^https?:/.test(text), (issue) => `must be an http(s) URL, got "${String(issue.input)}"`),
	v.transform((text) => text.replace(/\/+$/, '')),
);

/** A proxy URL: http:// or tcp:// (Go treats tcp:// as a plain HTTP proxy), or "" for none. */
export const proxyUrl = v.pipe(
	v.string(),
	v.check(
		(text) => text === '' || (URL.canParse(text) && /^(https?|tcp):\/\//i.test(text)),
		(issue) => `must be an http:// or tcp:// proxy URL, got "${String(issue.input)}"`,
	),
);

export function oneOf<const T extends readonly [string, ...string[]]>(options: T, caseInsensitive = false) {
	return v.pipe(
		v.string(),
		v.transform((text) => (caseInsensitive ? text.toLowerCase() : text)),
		v.picklist(options, (issue) => `must be one of ${options.join(', ')}, got "${String(issue.input)}"`),
	);
}

/** A JSON object whose values are all strings (WEBHOOK_HEADERS); NTH panics on anything else. */
export const headersJson = v.pipe(
	v.string(),
	v.parseJson(undefined, (issue) => `must be a JSON object, got invalid JSON (${issue.received})`),
	v.record(v.string(), v.string((issue) => `must be a JSON object of string values (a value is ${issue.received})`), (issue) => `must be a JSON object of string values, got ${issue.received}`),
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
				addIssue({ message: `must be comma-separated key=value pairs, got malformed pair "${pair}"` });
				return NEVER;
			}
			out[parts[0].trim()] = (parts[1] ?? '').trim();
		}
		return out;
	}),
);

const SinkSchema = v.strictObject({
	url: v.pipe(v.string(), v.url('must be a URL')),
	headers: v.optional(v.record(v.string(), v.string(), 'must be an object of string values')),
	template: v.optional(v.string()),
	templateFile: v.optional(v.string()),
	proxy: v.optional(proxyUrl),
	name: v.optional(v.string()),
});
export type WebhookSinkSetting = v.InferOutput<typeof SinkSchema>;

/** WEBHOOK_SINKS: a JSON array of extra webhook destinations. */
export const sinksJson = v.pipe(
	v.string(),
	v.transform((text) => (text.trim() === '' ? '[]' : text)),
	v.parseJson(undefined, (issue) => `must be a JSON array, got invalid JSON (${issue.received})`),
	v.array(SinkSchema, 'must be a JSON array of {"url", "headers"?, "template"?, "templateFile"?, "proxy"?, "name"?} objects'),
);
