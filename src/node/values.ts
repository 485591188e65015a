/**
 * @module What the apiserver accepts as a label, annotation or taint on a Node,
 * and how an event id becomes such a value.
 *
 * Pure functions, shared by the node actions (so nothing we write can be
 * refused: a refused pre-drain label once kept a node from ever being
 * drained) and by the tests' fake ports. The rules are the apiserver's
 * (k8s.io/apimachinery validation): a label value is at most 63 characters of
 * `[A-Za-z0-9._-]`, beginning and ending alphanumeric, or empty; a key is a
 * qualified name `[prefix/]name` (name as a value but non-empty, prefix a DNS
 * subdomain of at most 253); annotations together at most 256 KiB.
 */

/** The longest label value (and taint value, and name part of a key). */
export const maxLabelValueLength = 63;
/** The longest DNS-subdomain prefix of a key. */
export const maxKeyPrefixLength = 253;
/** All annotations of an object together, keys plus values, in bytes. */
export const maxAnnotationsBytes = 256 * 1024;

const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const dnsLabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const taintEffects: ReadonlySet<string> = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** A label value (also the rule for taint values). */
export function isValidLabelValue(value: string): boolean {
	return value.length <= maxLabelValueLength && labelValuePattern.test(value);
}

/** A taint value: a label value. */
export const isValidTaintValue = isValidLabelValue;

function isDnsSubdomain(text: string): boolean {
	return text.length > 0 && text.length <= maxKeyPrefixLength && text.split('.').every((part) => dnsLabelPattern.test(part));
}

/** A qualified name: the rule for label, annotation and taint keys. */
export function isValidKey(key: string): boolean {
	const slash = key.indexOf('/');
	const name = slash < 0 ? key : key.slice(slash + 1);
	if (slash >= 0 && !isDnsSubdomain(key.slice(0, slash))) return false;
	return name.length > 0 && isValidLabelValue(name);
}

export function isValidTaintEffect(effect: string): boolean {
	return taintEffects.has(effect);
}

/** The byte size the apiserver counts for a set of annotations. */
export function annotationsBytes(annotations: Readonly<Record<string, string>>): number {
	const encoder = new TextEncoder();
	let total = 0;
	for (const [key, value] of Object.entries(annotations)) total += encoder.encode(key).length + encoder.encode(value).length;
	return total;
}

/** What is wrong with a Node's labels, annotations and taints (empty when the apiserver would accept them). */
export function nodeValueProblems(node: {
	readonly labels?: Readonly<Record<string, string>> | null | undefined;
	readonly annotations?: Readonly<Record<string, string>> | null | undefined;
	readonly taints?: readonly { readonly key: string; readonly value?: string | null | undefined; readonly effect: string }[] | null | undefined;
}): string[] {
	const problems: string[] = [];
	for (const [key, value] of Object.entries(node.labels ?? {})) {
		if (!isValidKey(key)) problems.push(`label key "${key}" is not a qualified name`);
		if (!isValidLabelValue(value)) problems.push(`label "${key}" value "${value}" is not a valid label value`);
	}
	for (const key of Object.keys(node.annotations ?? {})) if (!isValidKey(key)) problems.push(`annotation key "${key}" is not a qualified name`);
	if (annotationsBytes(node.annotations ?? {}) > maxAnnotationsBytes) problems.push(`annotations exceed ${maxAnnotationsBytes} bytes`);
	const seen = new Set<string>();
	for (const taint of node.taints ?? []) {
		if (!isValidKey(taint.key)) problems.push(`taint key "${taint.key}" is not a qualified name`);
		if (!isValidTaintValue(taint.value ?? '')) problems.push(`taint "${taint.key}" value "${taint.value ?? ''}" is not a valid label value`);
		if (!isValidTaintEffect(taint.effect)) problems.push(`taint "${taint.key}" effect "${taint.effect}" is not supported`);
		const id = `${taint.key}:${taint.effect}`;
		if (seen.has(id)) problems.push(`taint "${id}" is duplicated`);
		seen.add(id);
	}
	return problems;
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
	const head = sanitized(eventId, maxLabelValueLength - digestLength - 1);
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
	return sanitized(eventId, maxLabelValueLength);
}
