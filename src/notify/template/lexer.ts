/**
 * @module The text/template lexer, ported from Go's text/template/parse/lex.go (default `{{ }}`
 * delimiters, `{{-`/`-}}` trimming, comments, and the same error texts).
 */

/** Token types (Go's itemType); the keyword types come after `Keyword`. */
export const Item = {
	Error: 0,
	Bool: 1,
	Char: 2,
	CharConstant: 3,
	Comment: 4,
	Complex: 5,
	Assign: 6,
	Declare: 7,
	EOF: 8,
	Field: 9,
	Identifier: 10,
	LeftDelim: 11,
	LeftParen: 12,
	Number: 13,
	Pipe: 14,
	RawString: 15,
	RightDelim: 16,
	RightParen: 17,
	Space: 18,
	String: 19,
	Text: 20,
	Variable: 21,
	Keyword: 22,
	Block: 23,
	Break: 24,
	Continue: 25,
	Dot: 26,
	Define: 27,
	Else: 28,
	End: 29,
	If: 30,
	Nil: 31,
	Range: 32,
	Template: 33,
	With: 34,
} as const;
export type ItemType = (typeof Item)[keyof typeof Item];

export interface Token {
	readonly type: ItemType;
	/** Offset in the template text (UTF-16 units). */
	readonly pos: number;
	readonly val: string;
	readonly line: number;
}

const keywords: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
	['block', Item.Block],
	['break', Item.Break],
	['continue', Item.Continue],
	['define', Item.Define],
	['else', Item.Else],
	['end', Item.End],
	['if', Item.If],
	['range', Item.Range],
	['nil', Item.Nil],
	['template', Item.Template],
	['with', Item.With],
]);

/** Go's `item.String()`, used in "unexpected …" parse errors. */
export function tokenString(token: Token): string {
	if (token.type === Item.EOF) return 'EOF';
	if (token.type === Item.Error) return token.val;
	if (token.type > Item.Keyword) return `<${token.val}>`;
	const chars = [...token.val];
	if (chars.length > 10) return `${JSON.stringify(chars.slice(0, 10).join(''))}...`;
	return JSON.stringify(token.val);
}

const leftDelim = '{{';
const rightDelim = '}}';
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const alphaNumeric = /^[\p{L}\p{Nd}_]$/u;
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && (c === '_' || alphaNumeric.test(c));
const hasLeftTrimMarker = (text: string, pos: number): boolean => text[pos] === '-' && isSpace(text[pos + 1]);
const hasRightTrimMarker = (text: string, pos: number): boolean => isSpace(text[pos]) && text[pos + 1] === '-';

function countNewlines(text: string, from: number, to: number): number {
	let count = 0;
	for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
	return count;
}

type StateFn = ((lexer: Lexer) => StateFn) | undefined;

/** Produces tokens on demand, like Go's lexer.nextItem. */
export class Lexer {
	input: string;
	pos = 0;
	start = 0;
	atEOF = false;
	parenDepth = 0;
	line = 1;
	startLine = 1;
	insideAction = false;
	item: Token = { type: Item.EOF, pos: 0, val: 'EOF', line: 1 };

	constructor(input: string) {
		this.input = input;
	}

	nextItem(): Token {
		this.item = { type: Item.EOF, pos: this.pos, val: 'EOF', line: this.startLine };
		let state: StateFn = this.insideAction ? lexInsideAction : lexText;
		while (state) state = state(this);
		return this.item;
	}

	next(): string | undefined {
		if (this.pos >= this.input.length) {
			this.atEOF = true;
			return undefined;
		}
		const code = this.input.codePointAt(this.pos) ?? 0;
		const char = String.fromCodePoint(code);
		this.pos += char.length;
		if (char === '\n') this.line++;
		return char;
	}

	peek(): string | undefined {
		const char = this.next();
		this.backup();
		return char;
	}

	backup(): void {
		if (this.atEOF || this.pos === 0) return;
		const low = this.input.charCodeAt(this.pos - 1);
		this.pos -= low >= 0xdc00 && low <= 0xdfff && this.pos >= 2 ? 2 : 1;
		if (this.input[this.pos] === '\n') this.line--;
	}

	thisItem(type: ItemType): Token {
		const item = { type, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
		this.start = this.pos;
		this.startLine = this.line;
		return item;
	}

	emit(type: ItemType): StateFn {
		this.item = this.thisItem(type);
		return undefined;
	}

	emitItem(item: Token): StateFn {
		this.item = item;
		return undefined;
	}

	ignore(): void {
		this.line += countNewlines(this.input, this.start, this.pos);
		this.start = this.pos;
		this.startLine = this.line;
	}

	accept(valid: string): boolean {
		const char = this.next();
		if (char !== undefined && valid.includes(char)) return true;
		this.backup();
		return false;
	}

	acceptRun(valid: string): void {
		for (let char = this.next(); char !== undefined && valid.includes(char); char = this.next());
		this.backup();
	}

	errorf(message: string): StateFn {
		this.item = { type: Item.Error, pos: this.start, val: message, line: this.startLine };
		this.start = 0;
		this.pos = 0;
		this.input = '';
		return undefined;
	}

	atRightDelim(): { delim: boolean; trimSpaces: boolean } {
		if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(rightDelim, this.pos + 2))
			return { delim: true, trimSpaces: true };
		return { delim: this.input.startsWith(rightDelim, this.pos), trimSpaces: false };
	}

	atTerminator(): boolean {
		const char = this.peek();
		if (isSpace(char)) return true;
		switch (char) {
			case undefined:
			case '.':
			case ',':
			case '|':
			case ':':
			case ')':
			case '(':
				return true;
			default:
				return this.input.startsWith(rightDelim, this.pos);
		}
	}

	scanNumber(): boolean {
		this.accept('+-');
		let digits = '0123456789_';
		if (this.accept('0')) {
			if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
			else if (this.accept('oO')) digits = '01234567_';
			else if (this.accept('bB')) digits = '01_';
		}
		this.acceptRun(digits);
		if (this.accept('.')) this.acceptRun(digits);
		if (digits.length === 11 && this.accept('eE')) {
			this.accept('+-');
			this.acceptRun('0123456789_');
		}
		if (digits.length === 23 && this.accept('pP')) {
			this.accept('+-');
			this.acceptRun('0123456789_');
		}
		this.accept('i');
		if (isAlphaNumeric(this.peek())) {
			this.next();
			return false;
		}
		return true;
	}
}

function trimRightLength(text: string): number {
	let n = text.length;
	while (n > 0 && isSpace(text[n - 1])) n--;
	return text.length - n;
}

function trimLeftLength(text: string, from: number): number {
	let n = from;
	while (n < text.length && isSpace(text[n])) n++;
	return n - from;
}

function lexText(l: Lexer): StateFn {
	const x = l.input.indexOf(leftDelim, l.pos);
	if (x >= 0) {
		if (x > l.pos) {
			l.pos = x;
			let trimLength = 0;
			if (hasLeftTrimMarker(l.input, x + leftDelim.length)) trimLength = trimRightLength(l.input.slice(l.start, l.pos));
			l.pos -= trimLength;
			l.line += countNewlines(l.input, l.start, l.pos);
			const item = l.thisItem(Item.Text);
			l.pos += trimLength;
			l.ignore();
			if (item.val.length > 0) return l.emitItem(item);
		}
		return lexLeftDelim;
	}
	l.pos = l.input.length;
	if (l.pos > l.start) {
		l.line += countNewlines(l.input, l.start, l.pos);
		return l.emit(Item.Text);
	}
	return l.emit(Item.EOF);
}

function lexLeftDelim(l: Lexer): StateFn {
	l.pos += leftDelim.length;
	const trimSpace = hasLeftTrimMarker(l.input, l.pos);
	const afterMarker = trimSpace ? 2 : 0;
	if (l.input.startsWith('/*', l.pos + afterMarker)) {
		l.pos += afterMarker;
		l.ignore();
		return lexComment;
	}
	const item = l.thisItem(Item.LeftDelim);
	l.insideAction = true;
	l.pos += afterMarker;
	l.ignore();
	l.parenDepth = 0;
	return l.emitItem(item);
}

function lexComment(l: Lexer): StateFn {
	l.pos += 2;
	const x = l.input.indexOf('*/', l.pos);
	if (x < 0) return l.errorf('unclosed comment');
	l.pos = x + 2;
	const { delim, trimSpaces } = l.atRightDelim();
	if (!delim) return l.errorf('comment ends before closing delimiter');
	l.line += countNewlines(l.input, l.start, l.pos);
	l.thisItem(Item.Comment);
	if (trimSpaces) l.pos += 2;
	l.pos += rightDelim.length;
	if (trimSpaces) l.pos += trimLeftLength(l.input, l.pos);
	l.ignore();
	return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
	const { trimSpaces } = l.atRightDelim();
	if (trimSpaces) {
		l.pos += 2;
		l.ignore();
	}
	l.pos += rightDelim.length;
	const item = l.thisItem(Item.RightDelim);
	if (trimSpaces) {
		l.pos += trimLeftLength(l.input, l.pos);
		l.ignore();
	}
	l.insideAction = false;
	return l.emitItem(item);
}

function lexInsideAction(l: Lexer): StateFn {
	if (l.atRightDelim().delim) {
		if (l.parenDepth === 0) return lexRightDelim;
		return l.errorf('unclosed left paren');
	}
	const r = l.next();
	if (r === undefined) return l.errorf('unclosed action');
	if (isSpace(r)) {
		// Put the space back in case it starts " -}}".
		l.backup();
		return lexSpace;
	}
	switch (r) {
		case '=':
			return l.emit(Item.Assign);
		case ':':
			if (l.next() !== '=') return l.errorf('expected :=');
			return l.emit(Item.Declare);
		case '|':
			return l.emit(Item.Pipe);
		case '"':
			return lexQuote;
		case '`':
			return lexRawQuote;
		case '$':
			return lexVariable;
		case "'":
			return lexChar;
		case '(':
			l.parenDepth++;
			return l.emit(Item.LeftParen);
		case ')':
			l.parenDepth--;
			if (l.parenDepth < 0) return l.errorf('unexpected right paren');
			return l.emit(Item.RightParen);
		default:
	}
	if (r === '.') {
		const c = l.input[l.pos];
		if (c !== undefined && (c < '0' || c > '9')) return lexField;
	}
	if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) {
		l.backup();
		return lexNumber;
	}
	if (isAlphaNumeric(r)) {
		l.backup();
		return lexIdentifier;
	}
	const code = r.codePointAt(0) ?? 0;
	if (code <= 0x7f && code >= 0x20 && code !== 0x7f) return l.emit(Item.Char);
	return l.errorf(
		`unrecognized character in action: U+${code.toString(16).toUpperCase().padStart(4, '0')}${code >= 0x20 && code !== 0x7f ? ` '${r}'` : ''}`,
	);
}

function lexSpace(l: Lexer): StateFn {
	let spaces = 0;
	while (isSpace(l.peek())) {
		l.next();
		spaces++;
	}
	// Be careful about a trim-marked closing delimiter, which has a minus after a space.
	if (hasRightTrimMarker(l.input, l.pos - 1) && l.input.startsWith(rightDelim, l.pos + 1)) {
		l.backup();
		if (spaces === 1) return lexRightDelim;
	}
	return l.emit(Item.Space);
}

function lexIdentifier(l: Lexer): StateFn {
	let r = l.next();
	while (isAlphaNumeric(r)) r = l.next();
	l.backup();
	const word = l.input.slice(l.start, l.pos);
	if (!l.atTerminator()) return l.errorf(badCharacter(r));
	const keyword = keywords.get(word);
	if (keyword !== undefined) return l.emit(keyword);
	if (word[0] === '.') return l.emit(Item.Field);
	if (word === 'true' || word === 'false') return l.emit(Item.Bool);
	return l.emit(Item.Identifier);
}

function badCharacter(r: string | undefined): string {
	const code = r === undefined ? -1 : (r.codePointAt(0) ?? 0);
	if (code < 0) return 'bad character U+FFFFFFFF';
	const hex = code.toString(16).toUpperCase().padStart(4, '0');
	return code >= 0x20 && code !== 0x7f ? `bad character U+${hex} '${r}'` : `bad character U+${hex}`;
}

function lexField(l: Lexer): StateFn {
	return lexFieldOrVariable(l, Item.Field);
}

function lexVariable(l: Lexer): StateFn {
	if (l.atTerminator()) return l.emit(Item.Variable);
	return lexFieldOrVariable(l, Item.Variable);
}

function lexFieldOrVariable(l: Lexer, type: ItemType): StateFn {
	if (l.atTerminator()) return l.emit(type === Item.Variable ? Item.Variable : Item.Dot);
	let r: string | undefined;
	for (;;) {
		r = l.next();
		if (!isAlphaNumeric(r)) {
			l.backup();
			break;
		}
	}
	if (!l.atTerminator()) return l.errorf(badCharacter(r));
	return l.emit(type);
}

function lexChar(l: Lexer): StateFn {
	for (;;) {
		let r = l.next();
		if (r === '\\') {
			r = l.next();
			if (r !== undefined && r !== '\n') continue;
		}
		if (r === undefined || r === '\n') return l.errorf('unterminated character constant');
		if (r === "'") break;
	}
	return l.emit(Item.CharConstant);
}

function lexNumber(l: Lexer): StateFn {
	if (!l.scanNumber()) return l.errorf(`bad number syntax: ${JSON.stringify(l.input.slice(l.start, l.pos))}`);
	const sign = l.peek();
	if (sign === '+' || sign === '-') {
		if (!l.scanNumber() || l.input[l.pos - 1] !== 'i')
			return l.errorf(`bad number syntax: ${JSON.stringify(l.input.slice(l.start, l.pos))}`);
		return l.emit(Item.Complex);
	}
	return l.emit(Item.Number);
}

function lexQuote(l: Lexer): StateFn {
	for (;;) {
		let r = l.next();
		if (r === '\\') {
			r = l.next();
			if (r !== undefined && r !== '\n') continue;
		}
		if (r === undefined || r === '\n') return l.errorf('unterminated quoted string');
		if (r === '"') break;
	}
	return l.emit(Item.String);
}

function lexRawQuote(l: Lexer): StateFn {
	for (;;) {
		const r = l.next();
		if (r === undefined) return l.errorf('unterminated raw quoted string');
		if (r === '`') break;
	}
	return l.emit(Item.RawString);
}
