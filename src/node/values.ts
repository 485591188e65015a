/**
 * @module How an event id becomes a label or taint value the apiserver accepts,
 * and a check of a whole Node's values.
 *
 * Nothing we write may be refused: a refused pre-drain label (a 73-character
 * spot id) once kept a node from ever being drained. The rules themselves are
 * the apiserver's, kept once in kube/validation.ts (which the fake apiserver
 * enforces too): a label or taint value is at most 63 characters of
 * `[A-Za-z0-9._-]`, alphanumeric at both ends, or empty.
 */
import { isValidLabelValue, labelValueMaxBytes, type TaintInput, validateNodeUpdate } from '../kube/validation.ts';

/** What the apiserver would refuse in a Node's labels, annotations and taints (empty when it would accept them). */
export function nodeValueProblems(node: {
	readonly labels?: Readonly<Record<string, string>> | null | undefined;
	readonly annotations?: Readonly<Record<string, string>> | null | undefined;
	readonly taints?: readonly TaintInput[] | null | undefined;
}): string[] {
	return validateNodeUpdate({ metadata: { labels: node.labels, annotations: node.annotations }, spec: { taints: node.taints } }).map(
		(error) => `${error.field}: ${error.message}`,
	);
}

/** 64-bit FNV-1a of the UTF-16 code units, as 16 hex digits: synchronous, stable across runtimes. */
export function fnv1a64Hex(text: string): string {
	let hash = 0xcbf29ce484222325n;
	for (let i = 0; i < text.length; i += 1) {
		hash ^= BigInt(text.charCodeAt(i));
		hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
	}
	return hash.toString(16).padStart(16, '0');
}

/** Characters a value may hold, the others replaced; leading and trailing non-alphanumerics dropped. */
function sanitized(text: string, maxLength: number): string {
	return text
		.replace(/[^A-Za-z0-9._-]/g, '-')
		.slice(0, maxLength)
		.replace(/^[^A-Za-z0-9]+/, '')
		.replace(/[^A-Za-z0-9]+$/, '');
}

const digestLength = 16;

/**
 * An event id as a label value (`aws-node-termination-handler/event-id`):
 * the id itself when it is a valid value, else a readable head of it and a
 * digest of the whole id (`spot-itn-<first hex>-<16 hex>`, 63 characters at
 * most). Stable, so the startup reboot check maps the label back to the event
 * with {@link matchesLabelValue}; the record keeps the full id.
 */
export function labelValueFor(eventId: string): string {
	if (isValidLabelValue(eventId)) return eventId;
	const head = sanitized(eventId, labelValueMaxBytes - digestLength - 1);
	const digest = fnv1a64Hex(eventId);
	return head === '' ? digest : `${head}-${digest}`;
}

/** True when `labelValue` (as read from the node) names this event. */
export function matchesLabelValue(eventId: string, labelValue: string): boolean {
	return eventId === labelValue || labelValueFor(eventId) === labelValue;
}

/**
 * An event id as a taint value: NTH's truncation to 63 characters (so
 * `spot-itn-<54 hex>` as NTH writes it), made valid (characters outside the
 * value alphabet replaced, non-alphanumeric ends dropped).
 */
export function taintValueFor(eventId: string): string {
	return sanitized(eventId, labelValueMaxBytes);
}
