/**
 * @module What the apiserver validates in the objects the agent writes, as pure
 * functions: label keys and values, annotations, taints, object names
 * (k8s.io/apimachinery and pkg/apis/core/validation of Kubernetes v1.36, same
 * rules and messages). status.ts builds the Status objects of its answers.
 *
 * The fake API (test/support/fake-kube-api.ts) runs them on every write, so a unit test sees the
 * 422 the real apiserver would answer; test/support/kube-api.contract.ts keeps
 * the two in step. Production code may use them to check a value before
 * writing it (a label value over 63 bytes is rejected, forever).
 */

/** `metav1.CauseType` of the field errors the agent can cause. */
export type FieldErrorType =
	| 'FieldValueInvalid'
	| 'FieldValueNotSupported'
	| 'FieldValueDuplicate'
	| 'FieldValueTooLong'
	| 'FieldValueRequired';

/** One `field.Error`: `message` is its body as the Status cause carries it ("Invalid value: …: detail"). */
export interface FieldError {
	readonly type: FieldErrorType;
	readonly field: string;
	readonly message: string;
}

export const labelValueMaxBytes = 63;
export const labelKeyNameMaxBytes = 63;
export const dns1123SubdomainMaxBytes = 253;
/** `TotalAnnotationSizeLimitB`: the sum of every annotation's key and value bytes. */
export const totalAnnotationSizeLimitBytes = 256 * 1024;
export const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

const labelKeyFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelKeyPattern = new RegExp(`^${labelKeyFmt}$`);
const labelKeyErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${labelKeyFmt})?`;
const labelValuePattern = new RegExp(`^${labelValueFmt}$`);
const labelValueErrMsg =
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainPattern = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1123SubdomainErrMsg =
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

const encoder = new TextEncoder();

/** Length in bytes (UTF-8), as Go's `len` counts. */
export function byteLength(value: string): number {
	return encoder.encode(value).length;
}

function maxLenError(length: number): string {
	return `must be no more than ${length} bytes`;
}

function regexError(message: string, fmt: string, ...examples: string[]): string {
	if (examples.length === 0) return `${message} (regex used for validation is '${fmt}')`;
	return `${message} (e.g. ${examples.map((example) => `'${example}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

/** Go's `%q` for the strings we meet (JSON's escaping is the same for printable text). */
export function goQuote(value: string): string {
	return JSON.stringify(value);
}

/** `IsDNS1123Subdomain`: the problems, none when valid. */
export function dns1123SubdomainErrors(value: string): string[] {
	const errors: string[] = [];
	if (byteLength(value) > dns1123SubdomainMaxBytes) errors.push(maxLenError(dns1123SubdomainMaxBytes));
	if (!dns1123SubdomainPattern.test(value)) errors.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
	return errors;
}

/** `IsLabelKey` (a qualified name: an optional DNS-subdomain prefix and '/', then a name of ≤ 63 bytes). */
export function labelKeyErrors(value: string): string[] {
	const errors: string[] = [];
	const parts = value.split('/');
	let name: string;
	if (parts.length === 1) name = parts[0] ?? '';
	else if (parts.length === 2) {
		const prefix = parts[0] ?? '';
		name = parts[1] ?? '';
		if (prefix === '') errors.push('prefix part must be non-empty');
		else errors.push(...dns1123SubdomainErrors(prefix).map((message) => `prefix part ${message}`));
	} else {
		return [
			`a valid label key ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
		];
	}
	if (name === '') errors.push('name part must be non-empty');
	else if (byteLength(name) > labelKeyNameMaxBytes) errors.push(`name part ${maxLenError(labelKeyNameMaxBytes)}`);
	if (!labelKeyPattern.test(name)) errors.push(`name part ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}`);
	return errors;
}

/** `IsLabelValue`: ≤ 63 bytes, empty or alphanumeric at both ends with `-_.` inside. */
export function labelValueErrors(value: string): string[] {
	const errors: string[] = [];
	if (byteLength(value) > labelValueMaxBytes) errors.push(maxLenError(labelValueMaxBytes));
	if (!labelValuePattern.test(value)) errors.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
	return errors;
}

export function isValidLabelKey(value: string): boolean {
	return labelKeyErrors(value).length === 0;
}

/** True when the apiserver accepts `value` as a label value (and so as a taint value). */
export function isValidLabelValue(value: string): boolean {
	return labelValueErrors(value).length === 0;
}

function invalid(field: string, value: string, detail: string): FieldError {
	return { type: 'FieldValueInvalid', field, message: `Invalid value: ${goQuote(value)}: ${detail}` };
}

/** `ValidateLabels`: each key (qualified name) and value, reported at `metadata.labels`. */
export function validateLabels(labels: Readonly<Record<string, string>> | null | undefined, field = 'metadata.labels'): FieldError[] {
	const errors: FieldError[] = [];
	for (const [key, value] of Object.entries(labels ?? {})) {
		for (const message of labelKeyErrors(key)) errors.push(invalid(field, key, message));
		for (const message of labelValueErrors(value)) errors.push(invalid(field, value, message));
	}
	return errors;
}

/** `ValidateAnnotations`: keys are qualified names (case-insensitive), all keys and values together ≤ 256 KiB. */
export function validateAnnotations(
	annotations: Readonly<Record<string, string>> | null | undefined,
	field = 'metadata.annotations',
): FieldError[] {
	const errors: FieldError[] = [];
	let total = 0;
	for (const [key, value] of Object.entries(annotations ?? {})) {
		for (const message of labelKeyErrors(key.toLowerCase())) errors.push(invalid(field, key, message));
		total += byteLength(key) + byteLength(value);
	}
	if (total > totalAnnotationSizeLimitBytes)
		errors.push({ type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${totalAnnotationSizeLimitBytes} bytes` });
	return errors;
}

/** The part of a taint the apiserver checks. */
export interface TaintInput {
	readonly key: string;
	readonly value?: string | null | undefined;
	readonly effect: string;
}

/**
 * `validateNodeTaints`: key a qualified name, value a label value, effect one
 * of three, unique by key and effect. The apiserver reports these at
 * `metadata.taints[i]` (ValidateNode passes its `metadata` path on), not at
 * `spec.taints`: seen on v1.36 by the contract suite.
 */
export function validateTaints(taints: readonly TaintInput[] | null | undefined, field = 'metadata.taints'): FieldError[] {
	const errors: FieldError[] = [];
	const seen = new Set<string>();
	(taints ?? []).forEach((taint, index) => {
		const at = `${field}[${index}]`;
		for (const message of labelKeyErrors(taint.key)) errors.push(invalid(`${at}.key`, taint.key, message));
		const value = taint.value ?? '';
		const valueErrors = labelValueErrors(value);
		if (valueErrors.length > 0) errors.push(invalid(`${at}.value`, value, valueErrors.join(';')));
		if (taint.effect === '') errors.push({ type: 'FieldValueRequired', field: `${at}.effect`, message: 'Required value' });
		else if (!(taintEffects as readonly string[]).includes(taint.effect)) {
			errors.push({
				type: 'FieldValueNotSupported',
				field: `${at}.effect`,
				message: `Unsupported value: ${goQuote(taint.effect)}: supported values: ${taintEffects.map(goQuote).join(', ')}`,
			});
		}
		const id = JSON.stringify([taint.key, taint.effect]);
		if (seen.has(id)) {
			const shown = JSON.stringify({ key: taint.key, ...(value === '' ? {} : { value }), effect: taint.effect });
			errors.push({
				type: 'FieldValueDuplicate',
				field: at,
				message: `Duplicate value: ${shown}: taints must be unique by key and effect pair`,
			});
		} else seen.add(id);
	});
	return errors;
}

/** A name the apiserver accepts for a Node, Pod or Event (a DNS-1123 subdomain). */
export function validateObjectName(name: string, field = 'metadata.name'): FieldError[] {
	if (name === '') return [{ type: 'FieldValueRequired', field, message: 'Required value: name or generateName is required' }];
	return dns1123SubdomainErrors(name).map((message) => invalid(field, name, message));
}

/** The part of a Node the apiserver validates on a write by the agent. */
export interface NodeInput {
	readonly metadata: {
		readonly labels?: Readonly<Record<string, string>> | null | undefined;
		readonly annotations?: Readonly<Record<string, string>> | null | undefined;
	};
	readonly spec?: { readonly taints?: readonly TaintInput[] | null | undefined } | undefined;
}

/** Everything a Node update is checked for that the agent can get wrong, in the apiserver's order. */
export function validateNodeUpdate(node: NodeInput): FieldError[] {
	return [...validateLabels(node.metadata.labels), ...validateAnnotations(node.metadata.annotations), ...validateTaints(node.spec?.taints)];
}

/** The part of a core/v1 Event the apiserver validates on create (legacy v1 rules). */
export interface EventInput {
	readonly name: string;
	readonly namespace: string;
	readonly annotations?: Readonly<Record<string, string>> | undefined;
	readonly involvedObject: { readonly namespace?: string | undefined };
}

/** A v1 Event: its name, annotations, and its namespace matching the involved object's (or "default" for a cluster-scoped one). */
export function validateEventCreate(event: EventInput): FieldError[] {
	const errors: FieldError[] = [];
	// The generic create path checks names as path segments; the agent's names are subdomains anyway.
	if (event.name === '' || event.name.includes('/') || event.name.includes('%') || event.name === '.' || event.name === '..') {
		errors.push(invalid('metadata.name', event.name, "may not contain '/' or '%'"));
	}
	errors.push(...validateAnnotations(event.annotations));
	const involved = event.involvedObject.namespace ?? '';
	if (involved === '' ? event.namespace !== '' && event.namespace !== 'default' : event.namespace !== involved) {
		errors.push(invalid('involvedObject.namespace', involved, 'does not match event.namespace'));
	}
	return errors;
}
