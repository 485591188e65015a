/**
 * @module The Go value model the template engine runs on.
 *
 * Go templates are typed: a missing struct field is an error while a missing map key prints
 * `<no value>`, `%T` tells `int` from `float64`, and Sprig's `keys` rejects a
 * `map[string]string`. JavaScript values carry less, so the engine reads them like this:
 *
 * | JavaScript value                         | Go value                                        |
 * | ---------------------------------------- | ----------------------------------------------- |
 * | `string`, `boolean`                      | `string`, `bool`                                |
 * | `number`                                 | `float64`                                       |
 * | {@link GoInt} (from {@link goInt})       | `int`, `int64`, `uint8`, `time.Duration`, …     |
 * | `Date` or {@link GoTime}                 | `time.Time` (a `Date` is in UTC)                |
 * | `null`                                   | a nil `interface{}` (prints `<no value>`)       |
 * | `undefined`                              | no value at all (a missing map key)             |
 * | `Array`                                  | a slice; `[]interface {}` unless {@link goSlice} names the element type |
 * | `Map<string, V>`                         | a map; `map[string]interface {}` unless {@link goMap} names the value type |
 * | any other object                         | a struct: its own properties are the fields, in order; {@link goStruct} names the type |
 * | a function property of a struct          | a method, called with the template arguments    |
 *
 * As in Go, a struct property whose name starts with a lower-case letter is unexported (using it
 * is an error), and a missing map key reaching a typed parameter (`{{ .M.nope | upper }}`) is an
 * error (`invalid value; expected string`) while an `interface{}` parameter receives nil.
 *
 * Build template data with these helpers, e.g.
 * `goStruct('webhook.combinedDrainData', { Kind: 'SPOT_ITN', Count: goInt(3), NodeLabels: goMap({ k: 'v' }, 'string') })`.
 * {@link fromJsonValue} turns parsed JSON into the same model the way Go's `json.Unmarshal` into
 * an `interface{}` would (objects become `map[string]interface {}`, numbers `float64`).
 */
import { utcZone, type GoZone } from './zones.ts';

export type IntTypeName =
	| 'int'
	| 'int8'
	| 'int16'
	| 'int32'
	| 'int64'
	| 'uint'
	| 'uint8'
	| 'uint16'
	| 'uint32'
	| 'uint64'
	| 'time.Duration'
	| 'time.Month'
	| 'time.Weekday';

/** A Go integer. A plain JS number is a float64; this carries an integer type (`%T` prints it). */
export class GoInt {
	readonly value: number;
	readonly type: IntTypeName;
	/** The exact value when it is beyond 2^53 (e.g. `UnixNano`); `value` is then approximate. */
	readonly exact: bigint | undefined;
	constructor(value: number, type: IntTypeName, exact?: bigint) {
		this.value = value;
		this.type = type;
		this.exact = exact !== undefined && !Number.isSafeInteger(value) ? exact : undefined;
	}
}

/** A Go integer of `type` (default `int`); the value is truncated toward zero. */
export function goInt(value: number, type: IntTypeName = 'int'): GoInt {
	return new GoInt(Math.trunc(value) || 0, type);
}

/** A Go `time.Time`: an instant with nanoseconds and a location. */
export class GoTime {
	/** Whole milliseconds since the Unix epoch. */
	readonly ms: number;
	/** Nanoseconds beyond {@link ms}, 0–999999. */
	readonly nanos: number;
	readonly zone: GoZone;
	constructor(ms: number, nanos: number, zone: GoZone) {
		this.ms = ms;
		this.nanos = nanos;
		this.zone = zone;
	}
}

/** A `time.Time` for `date` in `zone` (UTC by default; see zones.ts for fixed and named zones). */
export function goTime(date: Date, zone: GoZone = utcZone): GoTime {
	return new GoTime(date.getTime(), 0, zone);
}

/** Go's zero `time.Time` (`0001-01-01 00:00:00 +0000 UTC`). */
export const zeroTime: GoTime = new GoTime(-62135596800000, 0, utcZone);

const typeNames = new WeakMap<object, string>();

/** Names the Go struct type of `fields` (shown by `%T` and in "can't evaluate field" errors). */
export function goStruct<T extends object>(typeName: string, fields: T): T {
	typeNames.set(fields, typeName);
	return fields;
}

/** Marks `items` as a slice of `elemType` (e.g. `string` for a `[]string`). */
export function goSlice<T>(items: T[], elemType: string): T[] {
	typeNames.set(items, `[]${elemType}`);
	return items;
}

/** A Go `map[string]<valueType>` from a Map or a plain object's own properties. */
export function goMap<V>(entries: Map<string, V> | Readonly<Record<string, V>>, valueType = 'interface {}'): Map<string, V> {
	const map = entries instanceof Map ? entries : new Map(Object.entries(entries));
	if (valueType !== 'interface {}') typeNames.set(map, `map[string]${valueType}`);
	return map;
}

/** Parsed JSON as Go's `json.Unmarshal` into `interface{}` sees it. */
export function fromJsonValue(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(fromJsonValue);
	if (value !== null && typeof value === 'object') {
		const map = new Map<string, unknown>();
		for (const [key, item] of Object.entries(value)) map.set(key, fromJsonValue(item));
		return map;
	}
	return value;
}

/** True for a value the engine treats as a Go struct (a plain object). */
export function isStruct(value: unknown): value is Record<string, unknown> {
	return (
		typeof value === 'object' &&
		value !== null &&
		!(value instanceof GoInt) &&
		!(value instanceof GoTime) &&
		!(value instanceof Date) &&
		!(value instanceof Map) &&
		!Array.isArray(value)
	);
}

export function isTime(value: unknown): value is GoTime | Date {
	return value instanceof GoTime || value instanceof Date;
}

/** A `Date` or {@link GoTime} as a GoTime. */
export function toGoTime(value: GoTime | Date): GoTime {
	return value instanceof GoTime ? value : goTime(value);
}

/** The Go type name of a value as `%T` prints it (`<nil>` for nil and missing values). */
export function typeName(value: unknown): string {
	switch (typeof value) {
		case 'string':
			return 'string';
		case 'boolean':
			return 'bool';
		case 'number':
			return 'float64';
		case 'function':
			return 'func(...interface {}) interface {}';
		case 'undefined':
			return '<nil>';
		default:
	}
	if (value === null) return '<nil>';
	if (value instanceof GoInt) return value.type;
	if (isTime(value)) return 'time.Time';
	const named = typeNames.get(value as object);
	if (named !== undefined) return named;
	if (Array.isArray(value)) return '[]interface {}';
	if (value instanceof Map) return 'map[string]interface {}';
	const fields = Object.entries(value as object).map(([key, field]) => `${key} ${field === null ? 'interface {}' : typeName(field)}`);
	return fields.length === 0 ? 'struct {}' : `struct { ${fields.join('; ')} }`;
}

/** The static type Go would see for a value in an argument position (nil interfaces are `interface {}`). */
export function staticTypeName(value: unknown): string {
	return value === null ? 'interface {}' : typeName(value);
}

const intKinds: Readonly<Record<IntTypeName, string>> = {
	int: 'int',
	int8: 'int8',
	int16: 'int16',
	int32: 'int32',
	int64: 'int64',
	uint: 'uint',
	uint8: 'uint8',
	uint16: 'uint16',
	uint32: 'uint32',
	uint64: 'uint64',
	'time.Duration': 'int64',
	'time.Month': 'int',
	'time.Weekday': 'int',
};

/** Go's `reflect.Kind` name of a value (Sprig's `kindOf`). */
export function kindName(value: unknown): string {
	if (value === undefined || value === null) return 'invalid';
	if (typeof value === 'number') return 'float64';
	if (typeof value === 'string') return 'string';
	if (typeof value === 'boolean') return 'bool';
	if (typeof value === 'function') return 'func';
	if (value instanceof GoInt) return intKinds[value.type];
	if (Array.isArray(value)) return 'slice';
	if (value instanceof Map) return 'map';
	return 'struct';
}

/** True for a signed or unsigned Go integer kind. */
export function isUnsigned(value: GoInt): boolean {
	return value.type.startsWith('uint');
}

/** Go's truth (`if`, `with`, `and`, `or`, `not`): zero values, empty collections and nil are false. */
export function isTrue(value: unknown): boolean {
	switch (typeof value) {
		case 'string':
			return value.length > 0;
		case 'boolean':
			return value;
		case 'number':
			return value !== 0;
		case 'undefined':
			return false;
		case 'function':
			return true;
		default:
	}
	if (value === null) return false;
	if (value instanceof GoInt) return value.value !== 0;
	if (Array.isArray(value)) return value.length > 0;
	if (value instanceof Map) return value.size > 0;
	return true;
}

/** The UTF-8 length of a string (Go's `len`). */
export function byteLength(text: string): number {
	let length = text.length;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code < 0x80) continue;
		if (code < 0x800) length += 1;
		else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
			length += 2;
			i++;
		} else length += 2;
	}
	return length;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Go's byte slicing `s[start:end]` on a string (ASCII fast path; otherwise on the UTF-8 bytes). */
export function byteSlice(text: string, start: number, end?: number): string {
	// A string of one-byte characters slices the same in UTF-16 and UTF-8.
	// oxlint-disable-next-line no-control-regex
	if (/^[\x00-\x7f]*$/.test(text)) return text.slice(start, end);
	return decoder.decode(encoder.encode(text).subarray(start, end));
}

/** Go's comparison of two strings (byte order, which is code point order). */
export function compareStrings(a: string, b: string): number {
	const length = Math.min(a.length, b.length);
	for (let i = 0; i < length; i++) {
		const x = a.codePointAt(i) ?? 0;
		const y = b.codePointAt(i) ?? 0;
		if (x !== y) return x < y ? -1 : 1;
		if (x > 0xffff) i++;
	}
	return a.length - b.length;
}

/** Map entries in Go's printing and `range` order (keys sorted). */
export function sortedEntries(map: ReadonlyMap<string, unknown>): [string, unknown][] {
	return [...map.entries()].sort((x, y) => compareStrings(x[0], y[0]));
}
