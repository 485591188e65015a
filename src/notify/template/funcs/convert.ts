/**
 * @module Conversions Sprig leans on: its `strval`, spf13/cast's ToInt64/ToFloat64 (errors read
 * as 0, as Sprig ignores them), and reflection-style helpers for list arguments.
 */
import { sprint } from '../format.ts';
import { GoInt, kindName } from '../values.ts';
import { GoFuncError } from './go-func.ts';

/** Sprig's `strval`: strings as they are, everything else as `%v` (Stringers through String()). */
export function strval(value: unknown): string {
	return typeof value === 'string' ? value : sprint([value ?? null]);
}

/** strconv.ParseInt(text, 0, 64) after cast's trimZeroDecimal ("1.00" → "1"); undefined on error. */
function parseIntText(text: string): number | undefined {
	const trimmed = /^(.*)\.0+$/.exec(text)?.[1] ?? text;
	const match = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[1-9][0-9_]*|0)$/.exec(trimmed);
	if (!match || /__|_$/.test(trimmed)) return undefined;
	let digits = match[2]!.replaceAll('_', '');
	if (/^0[0-7]/.test(digits)) digits = `0o${digits.slice(1)}`;
	const value = Number(BigInt(digits)) * (match[1] === '-' ? -1 : 1);
	return Math.abs(value) <= 2 ** 63 ? value : undefined;
}

/** spf13/cast ToInt64 (and ToInt): named int types such as time.Duration are not accepted. */
export function toInt64(value: unknown): number {
	if (value instanceof GoInt) return value.type === 'time.Duration' ? 0 : value.value;
	if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : 0;
	if (typeof value === 'string') return parseIntText(value) ?? 0;
	if (typeof value === 'boolean') return value ? 1 : 0;
	return 0;
}

/** spf13/cast ToFloat64. */
export function toFloat64(value: unknown): number {
	if (value instanceof GoInt) return value.type === 'time.Duration' ? 0 : value.value;
	if (typeof value === 'number') return value;
	if (typeof value === 'string') {
		const text = value.trim() === value ? value.replaceAll('_', '') : '';
		if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
		if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
		return /^nan$/i.test(text) ? Number.NaN : 0;
	}
	if (typeof value === 'boolean') return value ? 1 : 0;
	return 0;
}

/** The go-runtime panic a nil `interface{}` list argument causes in Sprig's reflect calls. */
export const nilDereference = 'runtime error: invalid memory address or nil pointer dereference';

/** The elements of a slice argument, or a GoFuncError "<prefix> <kind>" (Sprig's wording) for anything else. */
export function listItems(value: unknown, prefix: string): readonly unknown[] {
	if (Array.isArray(value)) return value;
	if (value === null || value === undefined) throw new GoFuncError(nilDereference);
	throw new GoFuncError(`${prefix} ${kindName(value)}`);
}

/** A Go int of type `int`. */
export function int(value: number): GoInt {
	return new GoInt(value, 'int');
}

/** A Go int of type `int64`. */
export function int64(value: number): GoInt {
	return new GoInt(value, 'int64');
}

/** The zero value of a map's value type (what `index` returns for a missing key). */
export function zeroOf(type: string): unknown {
	switch (type) {
		case 'string':
			return '';
		case 'bool':
			return false;
		case 'float64':
		case 'float32':
			return 0;
		case 'int':
		case 'int8':
		case 'int16':
		case 'int32':
		case 'int64':
		case 'uint':
		case 'uint8':
		case 'uint16':
		case 'uint32':
		case 'uint64':
			return new GoInt(0, type);
		default:
			return null;
	}
}
