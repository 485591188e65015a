/**
 * @module Go's predefined template functions (text/template/funcs.go): and, or, not, call,
 * html, js, urlquery, print, printf, println, len, index, slice, eq, ne, lt, le, gt, ge.
 */
import { sprint, sprintf, sprintln } from '../format.ts';
import { byteLength, byteSlice, compareStrings, GoInt, isStruct, isTime, isTrue, typeName, toGoTime } from '../values.ts';
import { zeroOf } from './convert.ts';
import { fn, GoFuncError, vfn, type GoFunc } from './go-func.ts';
import { unixNanos } from './methods.ts';

const fail = (message: string): never => {
	throw new GoFuncError(message);
};

/** Go's evalArgs for html/js/urlquery: a lone string as is, anything else through printableValue and Sprint. */
function evalArgs(args: readonly unknown[]): string {
	if (args.length === 1 && typeof args[0] === 'string') return args[0];
	// printableValue turns a nil argument into the string "<no value>" before Sprint sees it.
	return sprint(args.map((arg) => arg ?? '<no value>'));
}

const htmlEscapes: Readonly<Record<string, string>> = {
	'\0': '\uFFFD',
	'"': '&#34;',
	"'": '&#39;',
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
};

export function htmlEscape(text: string): string {
	return text.replace(/[\0"'&<>]/g, (c) => htmlEscapes[c]!);
}

const jsEscapes: Readonly<Record<string, string>> = {
	'\\': '\\\\',
	"'": "\\'",
	'"': '\\"',
	'<': '\\u003C',
	'>': '\\u003E',
	'&': '\\u0026',
	'=': '\\u003D',
};
const printableRune = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export function jsEscape(text: string): string {
	let out = '';
	for (const char of text) {
		const code = char.codePointAt(0) ?? 0;
		const escaped = jsEscapes[char];
		if (escaped !== undefined) out += escaped;
		else if (code < 0x20) out += `\\u00${code.toString(16).toUpperCase().padStart(2, '0')}`;
		else if (code < 0x80 || printableRune.test(char)) out += char;
		else out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
	}
	return out;
}

/** Go's url.QueryEscape. */
export function queryEscape(text: string): string {
	return encodeURIComponent(text)
		.replace(/[!'()*~]/g, (c) => (c === '~' ? c : `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
		.replaceAll('%20', '+');
}

function indexArg(index: unknown, cap: number): number {
	if (index instanceof GoInt) {
		if (index.value < 0 || index.value > cap) fail(`index out of range: ${index.value}`);
		return index.value;
	}
	if (index === undefined || index === null) fail('cannot index slice/array with nil');
	return fail(`cannot index slice/array with type ${typeName(index)}`);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
	if (item === undefined || item === null) fail('index of untyped nil');
	for (const idx of indexes) {
		if (item === null) fail('index of nil pointer');
		if (typeof item === 'string' || Array.isArray(item)) {
			const length = typeof item === 'string' ? byteLength(item) : item.length;
			const x = indexArg(idx, length);
			if (x === length) fail(`reflect: ${typeof item === 'string' ? 'string' : 'slice'} index out of range`);
			item = typeof item === 'string' ? new GoInt(new TextEncoder().encode(item)[x]!, 'uint8') : (item as unknown[])[x];
		} else if (item instanceof Map) {
			if (idx === undefined || idx === null) fail('value is nil; should be of type string');
			if (typeof idx !== 'string') fail(`value has type ${typeName(idx)}; should be string`);
			item = item.has(idx) ? item.get(idx) : zeroOf(typeName(item).slice('map[string]'.length));
		} else fail(`can't index item of type ${typeName(item)}`);
	}
	return item;
}

function length(item: unknown): GoInt {
	if (item === null) fail('len of nil pointer');
	if (item === undefined) fail('reflect: call of reflect.Value.Type on zero Value');
	if (typeof item === 'string') return new GoInt(byteLength(item), 'int');
	if (Array.isArray(item)) return new GoInt(item.length, 'int');
	if (item instanceof Map) return new GoInt(item.size, 'int');
	return fail(`len of type ${typeName(item)}`);
}

/** Go's slice builtin (Sprig replaces it with its own `slice`; kept for completeness of `index`). */
export function sliceBuiltin(item: unknown, ...indexes: unknown[]): unknown {
	if (item === undefined || item === null) fail('slice of untyped nil');
	if (indexes.length > 3) fail(`too many slice indexes: ${indexes.length}`);
	if (typeof item === 'string' && indexes.length === 3) fail('cannot 3-index slice a string');
	if (typeof item !== 'string' && !Array.isArray(item)) fail(`can't slice item of type ${typeName(item)}`);
	const len = typeof item === 'string' ? byteLength(item) : (item as unknown[]).length;
	const idx = [0, len];
	indexes.forEach((value, i) => (idx[i] = indexArg(value, len)));
	if (idx[0]! > idx[1]!) fail(`invalid slice index: ${idx[0]} > ${idx[1]}`);
	return typeof item === 'string' ? byteSlice(item, idx[0]!, idx[1]) : (item as unknown[]).slice(idx[0], idx[1]);
}

type Kind = 'invalid' | 'bool' | 'int' | 'uint' | 'float' | 'string';

function basicKind(value: unknown): Kind {
	switch (typeof value) {
		case 'boolean':
			return 'bool';
		case 'number':
			return 'float';
		case 'string':
			return 'string';
		default:
			return value instanceof GoInt ? (value.type.startsWith('uint') ? 'uint' : 'int') : 'invalid';
	}
}

const numberOf = (value: unknown): number => (value instanceof GoInt ? value.value : (value as number));

function comparable(value: unknown): boolean {
	if (Array.isArray(value) || value instanceof Map || typeof value === 'function') return false;
	if (isStruct(value)) return Object.values(value).every(comparable);
	return true;
}

function goEqual(a: unknown, b: unknown): boolean {
	if (isTime(a) && isTime(b)) {
		const [x, y] = [toGoTime(a), toGoTime(b)];
		return unixNanos(x) === unixNanos(y) && x.zone.name === y.zone.name;
	}
	if (isStruct(a) && isStruct(b)) {
		const keys = Object.keys(a);
		return typeName(a) === typeName(b) && keys.every((key) => goEqual(a[key], b[key]));
	}
	if (a instanceof GoInt && b instanceof GoInt) return a.type === b.type && a.value === b.value;
	return a === b;
}

function eq(first: unknown, ...others: unknown[]): boolean {
	const arg1 = first === null ? undefined : first;
	if (others.length === 0) fail('missing argument for comparison');
	const k1 = basicKind(arg1);
	for (const other of others) {
		const arg = other === null ? undefined : other;
		const k2 = basicKind(arg);
		let truth = false;
		if (k1 !== k2) {
			if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int'))
				truth = numberOf(arg1) === numberOf(arg) && numberOf(arg1) >= 0;
			else if (arg1 !== undefined && arg !== undefined) fail(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg)}`);
		} else if (k1 !== 'invalid') truth = k1 === 'int' || k1 === 'uint' ? numberOf(arg1) === numberOf(arg) : arg1 === arg;
		else {
			const [kind1, kind2] = [goKind(arg1), goKind(arg)];
			if (kind1 !== kind2 && arg1 !== undefined && arg !== undefined) {
				fail(`non-comparable types ${sprintf('%s', [arg1])}: ${typeName(arg1)}, ${typeName(arg)}: ${sprintf('%v', [arg])}`);
			}
			if (arg1 === undefined || arg === undefined) truth = arg1 === arg;
			else if (!comparable(arg)) fail(`non-comparable type ${sprintf('%s', [arg])}: ${typeName(arg)}`);
			else truth = goEqual(arg1, arg);
		}
		if (truth) return true;
	}
	return false;
}

function goKind(value: unknown): string {
	if (Array.isArray(value)) return 'slice';
	if (value instanceof Map) return 'map';
	if (typeof value === 'function') return 'func';
	return value === undefined ? 'invalid' : 'struct';
}

function lt(a: unknown, b: unknown): boolean {
	const arg1 = a === null ? undefined : a;
	const arg2 = b === null ? undefined : b;
	const k1 = basicKind(arg1);
	const k2 = basicKind(arg2);
	if (k1 === 'invalid' || k2 === 'invalid') fail('invalid type for comparison');
	if (k1 !== k2) {
		if (k1 === 'int' && k2 === 'uint') return numberOf(arg1) < 0 || numberOf(arg1) < numberOf(arg2);
		if (k1 === 'uint' && k2 === 'int') return numberOf(arg2) >= 0 && numberOf(arg1) < numberOf(arg2);
		fail(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg2)}`);
	}
	if (k1 === 'bool') fail('invalid type for comparison');
	if (k1 === 'string') return compareStrings(arg1 as string, arg2 as string) < 0;
	return numberOf(arg1) < numberOf(arg2);
}

function le(a: unknown, b: unknown): boolean {
	return lt(a, b) || eq(a, b);
}

function call(name: string, callee: unknown, ...args: unknown[]): unknown {
	if (callee === undefined || callee === null) fail('call of nil');
	if (typeof callee !== 'function') fail(`non-function ${name} of type ${typeName(callee)}`);
	return (callee as (...a: unknown[]) => unknown)(...args.map((arg) => arg ?? null));
}

const notReached = (): never => fail('unreachable');

/** Go's builtins; `and`, `or` and `call` are evaluated specially by the executor. */
export const builtinFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	['and', vfn(['value'], 'value', notReached)],
	['or', vfn(['value'], 'value', notReached)],
	['not', fn(['value'], (value: unknown) => !isTrue(value))],
	['call', vfn(['value'], 'value', call)],
	['html', vfn([], 'any', (...args: unknown[]) => htmlEscape(evalArgs(args)))],
	['js', vfn([], 'any', (...args: unknown[]) => jsEscape(evalArgs(args)))],
	['urlquery', vfn([], 'any', (...args: unknown[]) => queryEscape(evalArgs(args)))],
	['print', vfn([], 'any', (...args: unknown[]) => sprint(args))],
	['printf', vfn(['string'], 'any', (format: string, ...args: unknown[]) => sprintf(format, args))],
	['println', vfn([], 'any', (...args: unknown[]) => sprintln(args))],
	['len', fn(['value'], length)],
	['index', vfn(['value'], 'value', index)],
	['slice', vfn(['value'], 'value', sliceBuiltin)],
	['eq', vfn(['value'], 'value', eq)],
	['ne', fn(['value', 'value'], (a: unknown, b: unknown) => !eq(a, b))],
	['lt', fn(['value', 'value'], lt)],
	['le', fn(['value', 'value'], le)],
	['gt', fn(['value', 'value'], (a: unknown, b: unknown) => !le(a, b))],
	['ge', fn(['value', 'value'], (a: unknown, b: unknown) => !lt(a, b))],
]);
