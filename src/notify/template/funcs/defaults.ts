/**
 * @module Sprig's defaults, flow control, reflection, OS, path and URL functions: default, empty,
 * coalesce, all, any, ternary, fail, typeOf, kindOf, deepEqual, env, expandenv, base, dir, …
 */
import { isTrue, kindName, typeName } from '../values.ts';
import { cfn, fn, GoFuncError, vfn, type ExecContext, type GoFunc } from './go-func.ts';
import { deepEqual } from './lists.ts';

/** Sprig's `empty`: nil, zero numbers, false, "" and empty collections (a struct is never empty). */
export function empty(value: unknown): boolean {
	return !isTrue(value);
}

const isShellSpecial = (c: string | undefined): boolean => c !== undefined && /^[*#$@!?\-0-9]$/.test(c);

/** Go's os.Expand with `getShellName`. */
function expandEnv(context: ExecContext, text: string): string {
	let out = '';
	let start = 0;
	for (let j = 0; j < text.length; j++) {
		if (text[j] !== '$' || j + 1 >= text.length) continue;
		out += text.slice(start, j);
		const rest = text.slice(j + 1);
		let name = '';
		let width = 0;
		if (rest[0] === '{') {
			if (rest.length > 2 && isShellSpecial(rest[1]) && rest[2] === '}') [name, width] = [rest[1]!, 3];
			else {
				const close = rest.indexOf('}');
				if (close < 0) width = 1;
				else if (close === 1) width = 2;
				else [name, width] = [rest.slice(1, close), close + 1];
			}
		} else if (isShellSpecial(rest[0])) [name, width] = [rest[0]!, 1];
		else {
			name = /^[A-Za-z0-9_]*/.exec(rest)![0];
			width = name.length;
		}
		if (name !== '') out += context.env(name) ?? '';
		else if (width === 0) out += '$';
		j += width;
		start = j + 1;
	}
	return start === 0 ? text : out + text.slice(start);
}

/** Go's path.Clean. */
export function cleanPath(path: string): string {
	if (path === '') return '.';
	const rooted = path.startsWith('/');
	const parts: string[] = [];
	for (const part of path.split('/')) {
		if (part === '' || part === '.') continue;
		if (part === '..') {
			if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
			else if (!rooted) parts.push('..');
		} else parts.push(part);
	}
	const joined = parts.join('/');
	return rooted ? `/${joined}` : joined === '' ? '.' : joined;
}

function base(path: string): string {
	if (path === '') return '.';
	const trimmed = path.replace(/\/+$/, '');
	if (trimmed === '') return '/';
	return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

function dir(path: string): string {
	return cleanPath(path.slice(0, path.lastIndexOf('/') + 1));
}

function ext(path: string): string {
	for (let i = path.length - 1; i >= 0 && path[i] !== '/'; i--) if (path[i] === '.') return path.slice(i);
	return '';
}

const pathFuncs: readonly [string, GoFunc][] = [
	['base', fn(['string'], base)],
	['dir', fn(['string'], dir)],
	['clean', fn(['string'], cleanPath)],
	['ext', fn(['string'], ext)],
	['isAbs', fn(['string'], (path: string) => path.startsWith('/'))],
];

export const defaultFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	[
		'default',
		vfn(['any'], 'any', (fallback: unknown, ...given: unknown[]) => (given.length === 0 || empty(given[0]) ? fallback : given[0])),
	],
	['empty', fn(['any'], empty)],
	['coalesce', vfn([], 'any', (...values: unknown[]) => values.find((value) => !empty(value)) ?? null)],
	['all', vfn([], 'any', (...values: unknown[]) => values.every((value) => !empty(value)))],
	['any', vfn([], 'any', (...values: unknown[]) => values.some((value) => !empty(value)))],
	['ternary', fn(['any', 'any', 'bool'], (yes: unknown, no: unknown, condition: boolean) => (condition ? yes : no))],
	[
		'fail',
		fn(['string'], (message: string) => {
			throw new GoFuncError(message);
		}),
	],
	['typeOf', fn(['any'], typeName)],
	['typeIs', fn(['string', 'any'], (target: string, value: unknown) => target === typeName(value))],
	['typeIsLike', fn(['string', 'any'], (target: string, value: unknown) => target === typeName(value) || `*${target}` === typeName(value))],
	['kindOf', fn(['any'], kindName)],
	['kindIs', fn(['string', 'any'], (target: string, value: unknown) => target === kindName(value))],
	['deepEqual', fn(['any', 'any'], deepEqual)],
	['env', cfn(['string'], (context: ExecContext, name: string) => context.env(name) ?? '')],
	['expandenv', cfn(['string'], expandEnv)],
	...pathFuncs,
	...pathFuncs.map(([name, f]): [string, GoFunc] => [`os${name[0]!.toUpperCase()}${name.slice(1)}`, f]),
]);
