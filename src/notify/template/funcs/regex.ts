/**
 * @module Sprig's regex functions on Go's RE2 syntax, translated to JavaScript RegExp (leading
 * `(?flags)`, `(?P<name>)`, `\A`, `\z`, `\Q…\E`, POSIX classes, RE2's ASCII `\s`), with Go's
 * FindAll / ReplaceAll / Split rules for empty matches and Go's `$1` / `${name}` expansion.
 */
import { GoFuncError, fn, type GoFunc } from './go-func.ts';
import { goSlice } from '../values.ts';

const posixClasses: Readonly<Record<string, string>> = {
	alnum: '0-9A-Za-z',
	alpha: 'A-Za-z',
	ascii: '\\x00-\\x7f',
	blank: '\\t ',
	cntrl: '\\x00-\\x1f\\x7f',
	digit: '0-9',
	graph: '!-~',
	lower: 'a-z',
	print: ' -~',
	punct: '!-\\/:-@\\[-`{-~',
	space: '\\t\\n\\v\\f\\r ',
	upper: 'A-Z',
	word: '0-9A-Za-z_',
	xdigit: '0-9A-Fa-f',
};
const re2Space = '\\t\\n\\f\\r ';
const generalCategories = new Set(
	'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);
const jsEscapable = new Set('^$\\.*+?()[]{}|/');

function literal(char: string): string {
	if (/[A-Za-z0-9]/.test(char) || char.charCodeAt(0) > 0x7f) return char;
	return jsEscapable.has(char) ? `\\${char}` : `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

const compiled = new Map<string, RegExp | string>();

/** Compiles an RE2 pattern; a string result is Go's "error parsing regexp" style message. */
export function compile(pattern: string): RegExp | string {
	const cached = compiled.get(pattern);
	if (cached !== undefined) return cached;
	let result: RegExp | string;
	try {
		result = translate(pattern);
	} catch (error) {
		if (error instanceof SyntaxError) {
			// JavaScript's own wording, after its "Invalid regular expression: /…/flags: " prefix.
			result = `error parsing regexp: ${error.message.replace(/^.*: /, '').toLowerCase()}: \`${pattern}\``;
		} else result = `error parsing regexp: ${error instanceof Error ? error.message : String(error)}`;
	}
	if (compiled.size > 500) compiled.clear();
	compiled.set(pattern, result);
	return result;
}

function translate(pattern: string): RegExp {
	let flags = 'gu';
	let source = pattern;
	const leading = /^\(\?([imsU]+)\)/.exec(source);
	if (leading) {
		if (leading[1]!.includes('U')) throw new Error('ungreedy mode is not supported');
		flags += leading[1];
		source = source.slice(leading[0].length);
	}
	let out = '';
	let inClass = false;
	for (let i = 0; i < source.length; i++) {
		const c = source[i]!;
		if (c === '\\') {
			const next = source[i + 1];
			if (next === undefined) throw new Error('trailing backslash at end of expression');
			i++;
			if (next === 'Q') {
				const end = source.indexOf('\\E', i + 1);
				const quoted = end < 0 ? source.slice(i + 1) : source.slice(i + 1, end);
				out += [...quoted].map(literal).join('');
				i = end < 0 ? source.length : end + 1;
			} else if (next === 'A' && !inClass) out += '(?<![\\s\\S])';
			else if (next === 'z' && !inClass) out += '(?![\\s\\S])';
			else if (next === 's') out += inClass ? re2Space : `[${re2Space}]`;
			else if (next === 'S') out += inClass ? '\\S' : `[^${re2Space}]`;
			else if (next === 'p' || next === 'P') {
				const braced = /^\{(\^?)(\w+)\}/.exec(source.slice(i + 1));
				const name = braced ? braced[2]! : (source[i + 1] ?? '');
				const negate = (next === 'P') !== (braced?.[1] === '^');
				// RE2 names scripts bare (\p{Greek}); JavaScript wants Script= for anything but a category.
				out += `\\${negate ? 'P' : 'p'}{${generalCategories.has(name) || name === 'Any' ? name : `Script=${name}`}}`;
				i += braced ? braced[0].length : 1;
			} else if (/[dDwWbBnrtfvpPx0-9]/.test(next)) out += `\\${next}`;
			else if (/[a-zA-Z]/.test(next)) throw new Error(`invalid escape sequence: \`\\${next}\``);
			else out += literal(next);
		} else if (inClass) {
			if (source.startsWith('[:', i)) {
				const end = source.indexOf(':]', i + 2);
				const name = end < 0 ? '' : source.slice(i + 2, end);
				const negated = name.startsWith('^');
				const range = posixClasses[negated ? name.slice(1) : name];
				if (range === undefined || negated) throw new Error(`invalid character class range: \`${source.slice(i, end + 2)}\``);
				out += range;
				i = end + 1;
			} else if (c === ']') {
				inClass = false;
				out += c;
			} else out += c === '[' || c === '/' ? `\\${c}` : c;
		} else if (c === '[') {
			inClass = true;
			out += c;
			if (source[i + 1] === '^') out += source[++i];
			// A ']' right after '[' or '[^' is a literal in RE2.
			if (source[i + 1] === ']') {
				out += '\\]';
				i++;
			}
		} else if (c === '(' && source.startsWith('(?P<', i)) {
			out += '(?<';
			i += 3;
		} else if (c === '{') {
			const repeat = /^\{\d+(,\d*)?\}/.exec(source.slice(i));
			if (repeat && i > 0) {
				out += repeat[0];
				i += repeat[0].length - 1;
			} else out += '\\{';
		} else if (c === '}' || c === ']' || c === '/') out += `\\${c}`;
		else out += c;
	}
	if (inClass) throw new Error(`missing closing ]: \`${source.slice(source.lastIndexOf('['))}\``);
	return new RegExp(out, flags);
}

function mustCompile(pattern: string): RegExp {
	const re = compile(pattern);
	if (typeof re === 'string')
		throw new GoFuncError(`regexp: Compile(${pattern.includes('`') ? JSON.stringify(pattern) : `\`${pattern}\``}): ${re}`);
	return re;
}

function strictCompile(pattern: string): RegExp {
	const re = compile(pattern);
	if (typeof re === 'string') throw new GoFuncError(re);
	return re;
}

/** Go's allMatches: successive matches, skipping an empty match right after the previous one. */
function findAll(re: RegExp, text: string, n: number): RegExpExecArray[] {
	const out: RegExpExecArray[] = [];
	const limit = n < 0 ? text.length + 1 : n;
	let previousEnd = -1;
	for (let pos = 0; out.length < limit && pos <= text.length; ) {
		re.lastIndex = pos;
		const match = re.exec(text);
		if (!match) break;
		const end = match.index + match[0].length;
		let accept = true;
		if (end === pos) {
			if (match.index === previousEnd) accept = false;
			pos += text.codePointAt(pos)! > 0xffff ? 2 : 1;
		} else pos = end;
		previousEnd = end;
		if (accept) out.push(match);
	}
	return out;
}

/** Go's Regexp.Expand for `$1`, `${1}`, `$name`, `${name}` and `$$`. */
function expand(template: string, match: RegExpExecArray): string {
	return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, dollar: string, braced?: string, bare?: string) => {
		if (dollar === '$') return '$';
		const name = braced ?? bare ?? '';
		if (/^\d+$/.test(name)) return match[Number(name)] ?? '';
		return match.groups?.[name] ?? '';
	});
}

function replaceAll(re: RegExp, text: string, replacement: (match: RegExpExecArray) => string): string {
	let out = '';
	let lastEnd = 0;
	let search = 0;
	while (search <= text.length) {
		re.lastIndex = search;
		const match = re.exec(text);
		if (!match) break;
		const end = match.index + match[0].length;
		out += text.slice(lastEnd, match.index);
		// No replacement for an empty match right after the previous match.
		if (end > lastEnd || match.index === 0) out += replacement(match);
		lastEnd = end;
		const width = search < text.length ? (text.codePointAt(search)! > 0xffff ? 2 : 1) : 1;
		search = search + width > end ? search + width : end;
	}
	return out + text.slice(lastEnd);
}

function splitRegex(re: RegExp, text: string, n: number): string[] {
	if (n === 0) return [];
	if (re.source !== '(?:)' && text === '') return [''];
	const parts: string[] = [];
	let begin = 0;
	let end = 0;
	for (const match of findAll(re, text, n)) {
		if (n > 0 && parts.length === n - 1) break;
		end = match.index;
		if (match.index + match[0].length !== 0) parts.push(text.slice(begin, end));
		begin = match.index + match[0].length;
	}
	if (end !== text.length) parts.push(text.slice(begin));
	return parts;
}

type Compiler = (pattern: string) => RegExp;

function regexFuncs(prefix: string, compileWith: Compiler): [string, GoFunc][] {
	const name = (base: string): string => (prefix === '' ? base : prefix + base[0]!.toUpperCase() + base.slice(1));
	return [
		[
			name('regexFindAll'),
			fn(['string', 'string', 'int'], (p: string, s: string, n: number) =>
				goSlice(
					findAll(compileWith(p), s, n).map((m) => m[0]),
					'string',
				),
			),
		],
		[name('regexFind'), fn(['string', 'string'], (p: string, s: string) => findAll(compileWith(p), s, 1)[0]?.[0] ?? '')],
		[
			name('regexReplaceAll'),
			fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(compileWith(p), s, (m) => expand(r, m))),
		],
		[
			name('regexReplaceAllLiteral'),
			fn(['string', 'string', 'string'], (p: string, s: string, r: string) => replaceAll(compileWith(p), s, () => r)),
		],
		[
			name('regexSplit'),
			fn(['string', 'string', 'int'], (p: string, s: string, n: number) => goSlice(splitRegex(compileWith(p), s, n), 'string')),
		],
	];
}

export const regexFuncMap: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
	[
		'regexMatch',
		fn(['string', 'string'], (p: string, s: string) => {
			const re = compile(p);
			return typeof re !== 'string' && findAll(re, s, 1).length > 0;
		}),
	],
	['mustRegexMatch', fn(['string', 'string'], (p: string, s: string) => findAll(strictCompile(p), s, 1).length > 0)],
	...regexFuncs('', mustCompile),
	...regexFuncs('must', strictCompile),
	['regexQuoteMeta', fn(['string'], (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'))],
]);
