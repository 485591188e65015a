/**
 * @module Sprig's list functions. Sprig's panics and its `must*` errors read the same in a
 * template ("error calling first: …"), so each `mustX` shares `X`'s implementation.
 */
import { GoInt, goSlice, isStruct, isTime, isTrue, kindName, toGoTime, typeName } from '../values.ts';
import { listItems, nilDereference, toInt64 } from './convert.ts';
import { fn, GoFuncError, vfn, type GoFunc } from './go-func.ts';

/** Go's reflect.DeepEqual on the value model. */
export function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (a === null || b === null || a === undefined || b === undefined) return false;
	if (typeName(a) !== typeName(b)) return false;
	if (a instanceof GoInt && b instanceof GoInt) return a.value === b.value;
	if (isTime(a) && isTime(b)) {
		const [x, y] = [toGoTime(a), toGoTime(b)];
		return x.ms === y.ms && x.nanos === y.nanos && x.zone.name === y.zone.name;
	}
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
	if (a instanceof Map && b instanceof Map)
		return a.size === b.size && [...a].every(([key, item]) => b.has(key) && deepEqual(item, b.get(key)));
	if (isStruct(a) && isStruct(b)) return Object.keys(a).every((key) => deepEqual(a[key], b[key]));
	return false;
}

const items = (list: unknown, what: string): readonly unknown[] => listItems(list, `Cannot ${what} on type`);

function first(list: unknown): unknown {
	const values = items(list, 'find first');
	return values.length === 0 ? null : values[0];
}

function last(list: unknown): unknown {
	const values = items(list, 'find last');
	return values.length === 0 ? null : values[values.length - 1];
}

function rest(list: unknown): unknown[] {
	return items(list, 'find rest').slice(1);
}

function initial(list: unknown): unknown[] {
	return items(list, 'find initial').slice(0, -1);
}

function uniq(list: unknown): unknown[] {
	const out: unknown[] = [];
	for (const item of items(list, 'find uniq')) if (!out.some((seen) => deepEqual(item, seen))) out.push(item);
	return out;
}

function has(needle: unknown, haystack: unknown): boolean {
	if (haystack === null) return false;
	return listItems(haystack, 'Cannot find has on type').some((item) => deepEqual(needle, item));
}

function slice(list: unknown, ...indices: unknown[]): unknown {
	const values = listItems(list, 'list should be type of slice or array but');
	if (values.length === 0) return null;
	const start = indices.length > 0 ? Math.trunc(toInt64(indices[0])) : 0;
	const end = indices.length < 2 ? values.length : Math.trunc(toInt64(indices[1]));
	if (start < 0 || end < start || end > values.length) throw new GoFuncError('reflect.Value.Slice: slice index out of bounds');
	const type = typeName(list);
	return type === '[]interface {}' ? values.slice(start, end) : goSlice(values.slice(start, end), type.slice(2));
}

function concat(...lists: unknown[]): unknown[] {
	const out: unknown[] = [];
	for (const list of lists) {
		if (list === null) throw new GoFuncError(nilDereference);
		if (!Array.isArray(list)) throw new GoFuncError(`Cannot concat type ${kindName(list)} as list`);
		out.push(...list);
	}
	return out;
}

function chunk(size: number, list: unknown): unknown[][] {
	const values = listItems(list, 'Cannot chunk type');
	const out: unknown[][] = [];
	if (size <= 0)
		throw new GoFuncError(values.length > 0 ? 'runtime error: integer divide by zero' : 'runtime error: makeslice: len out of range');
	for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
	return goSlice(out, '[]interface {}');
}

const listFuncs: readonly [string, GoFunc][] = [
	['list', vfn([], 'any', (...values: unknown[]) => values)],
	['tuple', vfn([], 'any', (...values: unknown[]) => values)],
	['append', fn(['any', 'any'], (list: unknown, value: unknown) => [...items(list, 'push'), value])],
	['prepend', fn(['any', 'any'], (list: unknown, value: unknown) => [value, ...items(list, 'prepend')])],
	['first', fn(['any'], first)],
	['last', fn(['any'], last)],
	['rest', fn(['any'], rest)],
	['initial', fn(['any'], initial)],
	['reverse', fn(['any'], (list: unknown) => [...items(list, 'find reverse')].reverse())],
	['uniq', fn(['any'], uniq)],
	[
		'without',
		vfn(['any'], 'any', (list: unknown, ...omit: unknown[]) =>
			items(list, 'find without').filter((item) => !omit.some((o) => deepEqual(o, item))),
		),
	],
	['has', fn(['any', 'any'], has)],
	['slice', vfn(['any'], 'any', slice)],
	['concat', vfn([], 'any', concat)],
	['chunk', fn(['int', 'any'], chunk)],
	['compact', fn(['any'], (list: unknown) => items(list, 'compact').filter(isTrue))],
];

/** Sprig's list functions, with their `must` twins and the `push` aliases. */
export const listFuncMap: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	...listFuncs,
	...listFuncs
		.filter(([name]) => !['list', 'tuple', 'concat'].includes(name))
		.map(([name, f]): [string, GoFunc] => [`must${name[0]!.toUpperCase()}${name.slice(1)}`, f]),
	['push', listFuncs[2]![1]],
	['mustPush', listFuncs[2]![1]],
]);
