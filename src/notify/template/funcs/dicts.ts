/**
 * @module Sprig's dict functions. They take `map[string]interface {}`, so the executor rejects a
 * `map[string]string` (such as NTH's `.NodeLabels`) exactly as Go does.
 */
import { goMap, goSlice, goStruct, isStruct, isTrue, typeName } from '../values.ts';
import { strval } from './convert.ts';
import { fn, GoFuncError, vfn, type GoFunc } from './go-func.ts';

type Dict = Map<string, unknown>;
const DICT = 'map[string]interface {}';

function dict(...values: unknown[]): Dict {
	const out: Dict = new Map();
	for (let i = 0; i < values.length; i += 2) out.set(strval(values[i]), i + 1 < values.length ? values[i + 1] : '');
	return out;
}

/** mergo.Merge / MergeWithOverwrite on maps, as Sprig's merge and mergeOverwrite use them. */
function mergeInto(dst: Dict, src: Dict, overwrite: boolean): void {
	for (const [key, value] of src) {
		if (value === null || value === undefined) {
			if (overwrite) dst.set(key, value);
			continue;
		}
		const current = dst.get(key);
		if (value instanceof Map && current instanceof Map) {
			mergeInto(current, value, overwrite);
			continue;
		}
		if (overwrite || current === undefined || !isTrue(current)) dst.set(key, value);
	}
}

function merge(overwrite: boolean): (dst: Dict, ...sources: Dict[]) => Dict {
	return (dst, ...sources) => {
		for (const src of sources) mergeInto(dst, src, overwrite);
		return dst;
	};
}

/** copystructure.Copy (nil is an error there: it takes the reflect type of its argument). */
function deepCopyArg(value: unknown): unknown {
	if (value === null || value === undefined) throw new GoFuncError('reflect: call of reflect.Value.Type on zero Value');
	return deepCopy(value);
}

/** A deep copy that keeps Go types (a map[string]string stays one). */
export function deepCopy(value: unknown): unknown {
	const type = typeName(value);
	if (Array.isArray(value)) return goSlice(value.map(deepCopy), type.slice(2));
	if (value instanceof Map) return goMap(new Map([...value].map(([key, item]) => [key, deepCopy(item)])), type.slice('map[string]'.length));
	if (isStruct(value)) return goStruct(type, Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deepCopy(item)])));
	return value;
}

function dig(...args: unknown[]): unknown {
	if (args.length < 3) throw new GoFuncError('dig needs at least three arguments');
	let current = args[args.length - 1];
	const fallback = args[args.length - 2];
	const keys = args.slice(0, -2);
	for (const [i, key] of keys.entries()) {
		if (!(current instanceof Map) || typeName(current) !== DICT) {
			throw new GoFuncError(
				`interface conversion: interface {} is ${current === null || current === undefined ? 'nil' : typeName(current)}, not ${DICT}`,
			);
		}
		if (typeof key !== 'string') throw new GoFuncError(`interface conversion: interface {} is ${typeName(key)}, not string`);
		if (!current.has(key)) return fallback;
		current = current.get(key);
		if (i === keys.length - 1) return current;
	}
	return current;
}

export const dictFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	['dict', vfn([], 'any', dict)],
	['get', fn([DICT, 'string'], (d: Dict, key: string) => (d.has(key) ? d.get(key) : ''))],
	['set', fn([DICT, 'string', 'any'], (d: Dict, key: string, value: unknown) => d.set(key, value))],
	[
		'unset',
		fn([DICT, 'string'], (d: Dict, key: string) => {
			d.delete(key);
			return d;
		}),
	],
	['hasKey', fn([DICT, 'string'], (d: Dict, key: string) => d.has(key))],
	['pluck', vfn(['string'], DICT, (key: string, ...dicts: Dict[]) => dicts.filter((d) => d.has(key)).map((d) => d.get(key)))],
	[
		'keys',
		vfn([], DICT, (...dicts: Dict[]) =>
			goSlice(
				dicts.flatMap((d) => [...d.keys()]),
				'string',
			),
		),
	],
	['values', fn([DICT], (d: Dict) => [...d.values()])],
	['pick', vfn([DICT], 'string', (d: Dict, ...keys: string[]) => new Map([...d].filter(([key]) => keys.includes(key))))],
	['omit', vfn([DICT], 'string', (d: Dict, ...keys: string[]) => new Map([...d].filter(([key]) => !keys.includes(key))))],
	['merge', vfn([DICT], DICT, merge(false))],
	['mustMerge', vfn([DICT], DICT, merge(false))],
	['mergeOverwrite', vfn([DICT], DICT, merge(true))],
	['mustMergeOverwrite', vfn([DICT], DICT, merge(true))],
	['deepCopy', fn(['any'], deepCopyArg)],
	['mustDeepCopy', fn(['any'], deepCopyArg)],
	['dig', vfn([], 'any', dig)],
]);
