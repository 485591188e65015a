/**
 * @module Sprig's math and number-conversion functions: int64 arithmetic (`add`, `div`, …), float
 * arithmetic through decimals (`addf`, `divf`, … as shopspring/decimal does it), rounding, and
 * `atoi`, `int`, `int64`, `float64`, `toDecimal`, `toString`, `seq`, `until`, `untilStep`.
 */
import { sprint } from '../format.ts';
import { formatFloat } from '../float-format.ts';
import { goSlice, type GoInt } from '../values.ts';
import { int, int64, strval, toFloat64, toInt64 } from './convert.ts';
import { fn, GoFuncError, vfn, type GoFunc } from './go-func.ts';

const divideByZero = 'runtime error: integer divide by zero';

/** A decimal coefficient × 10^exponent (shopspring/decimal's representation). */
interface Decimal {
	readonly coefficient: bigint;
	readonly exponent: number;
}

/** decimal.NewFromFloat: the shortest decimal that round-trips to the float. */
function decimalOf(value: number): Decimal {
	if (!Number.isFinite(value)) throw new GoFuncError(`Cannot create a Decimal from ${formatFloat(value, 'g', -1)}`);
	const text = formatFloat(value, 'e', -1);
	const [mantissa = '0', exponent = '0'] = text.split('e');
	const digits = mantissa.replace('.', '');
	const decimals = mantissa.includes('.') ? mantissa.length - mantissa.indexOf('.') - 1 : 0;
	return { coefficient: BigInt(digits), exponent: Number(exponent) - decimals };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
	const exponent = Math.min(a.exponent, b.exponent);
	return [a.coefficient * 10n ** BigInt(a.exponent - exponent), b.coefficient * 10n ** BigInt(b.exponent - exponent), exponent];
}

const decimalOps: Readonly<Record<string, (a: Decimal, b: Decimal) => Decimal>> = {
	add: (a, b) => {
		const [x, y, exponent] = align(a, b);
		return { coefficient: x + y, exponent };
	},
	sub: (a, b) => {
		const [x, y, exponent] = align(a, b);
		return { coefficient: x - y, exponent };
	},
	mul: (a, b) => ({ coefficient: a.coefficient * b.coefficient, exponent: a.exponent + b.exponent }),
	// decimal.Div rounds the quotient to 16 decimal places, half away from zero.
	div: (a, b) => {
		if (b.coefficient === 0n) throw new GoFuncError('decimal division by 0');
		const shift = a.exponent - b.exponent + 16;
		let numerator = a.coefficient;
		let denominator = b.coefficient;
		if (shift >= 0) numerator *= 10n ** BigInt(shift);
		else denominator *= 10n ** BigInt(-shift);
		const negative = numerator < 0n !== denominator < 0n;
		const [n, d] = [numerator < 0n ? -numerator : numerator, denominator < 0n ? -denominator : denominator];
		let quotient = n / d;
		if ((n % d) * 2n >= d) quotient += 1n;
		return { coefficient: negative ? -quotient : quotient, exponent: -16 };
	},
};

function decimalFloat(value: Decimal): number {
	return Number(`${value.coefficient}e${value.exponent}`);
}

function decimalOp(op: string): (first: unknown, ...rest: unknown[]) => number {
	return (first, ...rest) => {
		let result = decimalOf(toFloat64(first));
		for (const value of rest) result = decimalOps[op]!(result, decimalOf(toFloat64(value)));
		return decimalFloat(result);
	};
}

function round(value: unknown, places: number, ...roundOn: number[]): number {
	const pow = 10 ** places;
	const digit = pow * toFloat64(value);
	const fraction = digit - Math.trunc(digit);
	return (fraction >= (roundOn[0] ?? 0.5) ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

function untilStep(start: number, stop: number, step: number): number[] {
	const out: number[] = [];
	if (stop < start) {
		if (step >= 0) return out;
		for (let i = start; i > stop; i += step) out.push(i);
		return out;
	}
	if (step <= 0) return out;
	for (let i = start; i < stop; i += step) out.push(i);
	return out;
}

const intList = (values: number[]): unknown[] => goSlice(values.map(int), 'int');

function seq(...params: number[]): string {
	const [a = 0, b = 0, c = 0] = params;
	switch (params.length) {
		case 1:
			return untilStep(1, a + (a < 1 ? -1 : 1), a < 1 ? -1 : 1).join(' ');
		case 2:
			return untilStep(a, b + (b < a ? -1 : 1), b < a ? -1 : 1).join(' ');
		case 3:
			if (c < a && b > 0) return '';
			return untilStep(a, c + (c < a ? -1 : 1), b).join(' ');
		default:
			return '';
	}
}

function atoi(text: string): GoInt {
	return int(/^[+-]?\d+$/.test(text) && Math.abs(Number(text)) < 2 ** 63 ? Number(text) : 0);
}

function toDecimal(value: unknown): GoInt {
	const text = sprint([value ?? null]);
	return int64(/^[+-]?[0-7]+$/.test(text) ? Number.parseInt(text, 8) : 0);
}

function integerDivide(op: (a: number, b: number) => number): (a: unknown, b: unknown) => GoInt {
	return (a, b) => {
		const divisor = toInt64(b);
		if (divisor === 0) throw new GoFuncError(divideByZero);
		return int64(op(toInt64(a), divisor));
	};
}

function randInt(min: number, max: number): GoInt {
	if (max - min <= 0) throw new GoFuncError('invalid argument to Intn');
	return int(min + Math.floor(Math.random() * (max - min)));
}

export const mathFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	['add1', fn(['any'], (a: unknown) => int64(toInt64(a) + 1))],
	['add', vfn([], 'any', (...values: unknown[]) => int64(values.reduce<number>((sum, v) => sum + toInt64(v), 0)))],
	['sub', fn(['any', 'any'], (a: unknown, b: unknown) => int64(toInt64(a) - toInt64(b)))],
	[
		'div',
		fn(
			['any', 'any'],
			integerDivide((a, b) => Math.trunc(a / b)),
		),
	],
	[
		'mod',
		fn(
			['any', 'any'],
			integerDivide((a, b) => a % b),
		),
	],
	[
		'mul',
		vfn(['any'], 'any', (a: unknown, ...rest: unknown[]) => int64(rest.reduce<number>((product, v) => product * toInt64(v), toInt64(a)))),
	],
	['randInt', fn(['int', 'int'], randInt)],
	['add1f', fn(['any'], (a: unknown) => decimalOp('add')(a, 1))],
	['addf', vfn([], 'any', (...values: unknown[]) => decimalOp('add')(0, ...values))],
	['subf', vfn(['any'], 'any', decimalOp('sub'))],
	['divf', vfn(['any'], 'any', decimalOp('div'))],
	['mulf', vfn(['any'], 'any', decimalOp('mul'))],
	['biggest', vfn(['any'], 'any', (a: unknown, ...rest: unknown[]) => int64(Math.max(toInt64(a), ...rest.map(toInt64))))],
	['max', vfn(['any'], 'any', (a: unknown, ...rest: unknown[]) => int64(Math.max(toInt64(a), ...rest.map(toInt64))))],
	['min', vfn(['any'], 'any', (a: unknown, ...rest: unknown[]) => int64(Math.min(toInt64(a), ...rest.map(toInt64))))],
	['maxf', vfn(['any'], 'any', (a: unknown, ...rest: unknown[]) => Math.max(toFloat64(a), ...rest.map(toFloat64)))],
	['minf', vfn(['any'], 'any', (a: unknown, ...rest: unknown[]) => Math.min(toFloat64(a), ...rest.map(toFloat64)))],
	['ceil', fn(['any'], (a: unknown) => Math.ceil(toFloat64(a)))],
	['floor', fn(['any'], (a: unknown) => Math.floor(toFloat64(a)))],
	['round', vfn(['any', 'int'], 'float64', round)],
	['atoi', fn(['string'], atoi)],
	['int64', fn(['any'], (a: unknown) => int64(toInt64(a)))],
	['int', fn(['any'], (a: unknown) => int(toInt64(a)))],
	['float64', fn(['any'], toFloat64)],
	['toDecimal', fn(['any'], toDecimal)],
	['toString', fn(['any'], strval)],
	['seq', vfn([], 'int', seq)],
	['until', fn(['int'], (count: number) => intList(untilStep(0, count, count < 0 ? -1 : 1)))],
	['untilStep', fn(['int', 'int', 'int'], (start: number, stop: number, step: number) => intList(untilStep(start, stop, step)))],
]);
