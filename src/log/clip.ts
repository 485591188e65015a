/**
 * @module Bounds on external text before it reaches a log line or an error
 * message: IMDS, the apiserver and webhook receivers can send anything, and a
 * 10 MB field must not become a 10 MB log line (issue 10).
 */

/** Longest external value logged or quoted in an error message, in UTF-16 units. */
export const maxLoggedChars = 256;

/**
 * `text` if it is at most `max` long, else its first `max` characters and
 * its length: `abc… (10485760 chars)`. Never splits a surrogate pair.
 */
export function clip(text: string, max: number = maxLoggedChars): string {
	if (text.length <= max) return text;
	let end = max;
	const last = text.charCodeAt(end - 1);
	if (last >= 0xd800 && last <= 0xdbff) end -= 1;
	return `${text.slice(0, end)}… (${text.length} chars)`;
}
