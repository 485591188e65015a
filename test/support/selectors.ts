/**
 * @module Kubernetes label and field selectors, evaluated locally.
 *
 * The apiserver evaluates the selectors the agent sends; these evaluate the
 * same text in memory (the fake KubeApi) and the structured `LabelSelector` of
 * a PodDisruptionBudget against a pod's labels (metav1 semantics: an empty
 * selector matches everything, an absent one nothing).
 */
import type { LabelSelector } from '../../src/kube/schemas.ts';

type Labels = Readonly<Record<string, string>> | null | undefined;

export type SelectorOperator = 'in' | 'notin' | 'exists' | '!exists';

export interface SelectorRequirement {
	readonly key: string;
	readonly operator: SelectorOperator;
	readonly values: readonly string[];
}

/** Splits on commas outside parentheses: `a in (x,y),b` → `a in (x,y)`, `b`. */
function splitTopLevel(text: string): string[] {
	const parts: string[] = [];
	let depth = 0;
	let start = 0;
	for (let i = 0; i < text.length; i += 1) {
		const char = text[i];
		if (char === '(') depth += 1;
		else if (char === ')') depth -= 1;
		else if (char === ',' && depth === 0) {
			parts.push(text.slice(start, i));
			start = i + 1;
		}
	}
	parts.push(text.slice(start));
	return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function parseRequirement(text: string): SelectorRequirement {
	const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
	if (set) {
		const values = (set[3] ?? '')
			.split(',')
			.map((value) => value.trim())
			.filter((value) => value !== '');
		return { key: set[1] ?? '', operator: set[2] === 'in' ? 'in' : 'notin', values };
	}
	const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
	if (equality) {
		return { key: equality[1] ?? '', operator: equality[2] === '!=' ? 'notin' : 'in', values: [equality[3] ?? ''] };
	}
	if (/^![^\s!=]+$/.test(text)) return { key: text.slice(1), operator: '!exists', values: [] };
	if (/^[^\s!=()]+$/.test(text)) return { key: text, operator: 'exists', values: [] };
	throw new SyntaxError(`Cannot parse label selector requirement "${text}"`);
}

/** Parses a label selector string (`a=b,c!=d,e in (f,g),!h`); throws SyntaxError on bad input. */
export function parseLabelSelector(text: string): SelectorRequirement[] {
	return splitTopLevel(text).map(parseRequirement);
}

function requirementMatches(requirement: SelectorRequirement, labels: Labels): boolean {
	const value = labels?.[requirement.key];
	switch (requirement.operator) {
		case 'in':
			return value !== undefined && requirement.values.includes(value);
		case 'notin':
			return value === undefined || !requirement.values.includes(value);
		case 'exists':
			return value !== undefined;
		case '!exists':
			return value === undefined;
	}
}

/** True when the labels satisfy the selector string; an empty or absent selector matches everything. */
export function matchesLabelSelector(selector: string | undefined, labels: Labels): boolean {
	if (selector === undefined || selector.trim() === '') return true;
	return parseLabelSelector(selector).every((requirement) => requirementMatches(requirement, labels));
}

/**
 * True when the labels satisfy a structured selector (a PDB's `spec.selector`).
 * `{}` matches everything; null or undefined matches nothing (policy/v1).
 */
export function matchesLabelSelectorObject(selector: LabelSelector | null | undefined, labels: Labels): boolean {
	if (selector === null || selector === undefined) return false;
	for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
		if (labels?.[key] !== value) return false;
	}
	for (const expression of selector.matchExpressions ?? []) {
		const operator = expression.operator;
		const values = expression.values ?? [];
		const requirement: SelectorRequirement | undefined =
			operator === 'In'
				? { key: expression.key, operator: 'in', values }
				: operator === 'NotIn'
					? { key: expression.key, operator: 'notin', values }
					: operator === 'Exists'
						? { key: expression.key, operator: 'exists', values: [] }
						: operator === 'DoesNotExist'
							? { key: expression.key, operator: '!exists', values: [] }
							: undefined;
		// An operator the apiserver would have rejected: match nothing rather than everything.
		if (requirement === undefined || !requirementMatches(requirement, labels)) return false;
	}
	return true;
}

/**
 * True when the object's fields satisfy a field selector (`spec.nodeName=a,metadata.name!=b`).
 * `fields` maps each supported field to its value on the object; an unsupported field throws
 * SyntaxError, as the apiserver rejects it.
 */
export function matchesFieldSelector(selector: string | undefined, fields: Readonly<Record<string, string | undefined>>): boolean {
	if (selector === undefined || selector.trim() === '') return true;
	return splitTopLevel(selector).every((text) => {
		const match = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
		if (!match) throw new SyntaxError(`Cannot parse field selector requirement "${text}"`);
		const field = match[1] ?? '';
		if (!(field in fields)) throw new SyntaxError(`Cannot use field selector "${field}": not supported`);
		const actual = fields[field] ?? '';
		return match[2] === '!=' ? actual !== match[3] : actual === match[3];
	});
}
