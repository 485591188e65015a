/**
 * @module How a setting's value may be shown in config errors, the config dump and logs.
 *
 * Webhook URLs carry tokens (a Slack URL is its own credential), headers carry
 * bearer tokens and proxies carry user:password. Each such setting says once,
 * in the settings table, which kind of secret it holds; every place that shows
 * a value goes through {@link shownValue}, so no call site can forget. A
 * redacted value still says how long it was, so an operator can tell an empty
 * or truncated secret from a wrong one.
 */

/**
 * - `value`: never shown, only its length;
 * - `url`: only scheme and host (the path and query hold the token);
 * - `credentials`: the URL without its user:password (a proxy's host is not a secret).
 */
export type SecretKind = 'value' | 'url' | 'credentials';

/** Longest value shown verbatim; longer ones are cut (hostile or mistaken input must not flood the logs). */
export const maxShownChars = 256;

/** `text` JSON-quoted, cut to {@link maxShownChars} with its full length. */
export function quoted(text: string): string {
	if (text.length <= maxShownChars) return JSON.stringify(text);
	return `${JSON.stringify(text.slice(0, maxShownChars))}… (${text.length} chars)`;
}

function redacted(text: string): string {
	return `value redacted (${text.length} chars)`;
}

/**
 * `text` as a URL whose host is written out as such (`scheme://[userinfo@]host`),
 * else undefined: a parser's guess must not pick the host, since a host is shown
 * ("https:///T0K3N" parses with the token as its host; "hooks.slack.com:443/x"
 * as scheme "hooks.slack.com:" and no host).
 */
function parsedUrl(text: string): URL | undefined {
	if (!URL.canParse(text)) return undefined;
	const url = new URL(text);
	if (url.host === '' || text.slice(url.protocol.length, url.protocol.length + 2) !== '//') return undefined;
	const authority = (text.slice(url.protocol.length + 2).split(/[/?#\\]/)[0] ?? '').toLowerCase();
	return authority === url.host || authority.endsWith(`@${url.host}`) ? url : undefined;
}

/** A proxy URL as it may be shown: scheme and host, `***@` in place of a user:password; undefined when it is not a URL. */
export function proxyShown(text: string): string | undefined {
	const url = parsedUrl(text);
	if (url === undefined) return undefined;
	const userinfo = url.username !== '' || url.password !== '' ? '***@' : '';
	return `${url.protocol}//${userinfo}${url.host}`;
}

/** How the value `text` of a setting with secret kind `secret` may be printed. */
export function shownValue(secret: SecretKind | undefined, text: string): string {
	if (secret === undefined) return quoted(text);
	if (text === '') return '""';
	if (secret === 'credentials') {
		const shown = proxyShown(text);
		return shown === undefined ? redacted(text) : quoted(shown);
	}
	const url = secret === 'url' ? parsedUrl(text) : undefined;
	if (url === undefined) return redacted(text);
	return `${quoted(`${url.protocol}//${url.host}/…`)} (rest redacted, ${text.length} chars)`;
}

/** Shortest secret {@link scrub} and {@link leaks} look for: shorter ones match ordinary words. */
const minSecretChars = 6;

/**
 * `text` with every occurrence of each secret replaced by `<redacted>`: for
 * messages of errors raised by code that saw a secret (a fetch error naming
 * its URL, a proxy error naming the proxy).
 */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
	let out = text;
	const longestFirst = secrets
		.filter((secret): secret is string => secret !== undefined && secret.length >= minSecretChars)
		.sort((a, b) => b.length - a.length);
	for (const secret of longestFirst) out = out.split(secret).join('<redacted>');
	return out;
}

function stringLeaves(value: unknown, out: string[]): string[] {
	if (typeof value === 'string') out.push(value);
	else if (Array.isArray(value)) for (const item of value) stringLeaves(item, out);
	else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) stringLeaves(item, out);
	return out;
}

/**
 * The parts of a secret setting's text that must never be printed: the text
 * itself, each string inside it when it is JSON (a sink's URL, a header
 * value), and a URL's userinfo, path and query.
 */
export function secretParts(text: string): string[] {
	const parts = [text];
	try {
		stringLeaves(JSON.parse(text), parts);
	} catch {
		// Not JSON: the text itself is the secret.
	}
	for (const part of [...parts]) {
		const url = URL.canParse(part) ? new URL(part) : undefined;
		if (url) parts.push(url.username, url.password, url.pathname.length > 1 ? url.pathname : '', url.search);
	}
	return parts.filter((part) => part.length >= minSecretChars);
}

/**
 * True when `message` contains a secret part of `text` ({@link secretParts}):
 * the last guard before a secret setting's error message is printed.
 */
export function leaks(message: string, text: string): boolean {
	return secretParts(text).some((part) => message.includes(part));
}
