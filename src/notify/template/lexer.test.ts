import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Item, Lexer, tokenString, type Token } from './lexer.ts';

function lex(text: string): Token[] {
	const lexer = new Lexer(text);
	const tokens: Token[] = [];
	for (;;) {
		const token = lexer.nextItem();
		tokens.push(token);
		if (token.type === Item.EOF || token.type === Item.Error) return tokens;
	}
}

const show = (text: string): string[] => lex(text).map(tokenString);

const lexer = suite('Lexer');

lexer('splits text and actions, with fields, pipes, strings and numbers', () => {
	assert.equal(show('a {{ .Kind | printf "%s" 3 }} b'), [
		'"a "',
		'"{{"',
		'" "',
		'".Kind"',
		'" "',
		'"|"',
		'" "',
		'"printf"',
		'" "',
		'"\\"%s\\""',
		'" "',
		'"3"',
		'" "',
		'"}}"',
		'" b"',
		'EOF',
	]);
});

lexer('trim markers remove the spaces next to the action, including newlines', () => {
	const tokens = lex('a \n\t{{- 1 -}} \n b');
	assert.equal(
		tokens.map((t) => t.val),
		['a', '{{', '1', '}}', 'b', ''],
	);
	assert.equal(tokens.map((t) => t.line).slice(1, 5), [2, 2, 2, 3], 'line numbers still count the trimmed newlines');
});

lexer('"-1" right after the delimiter is a number, not a trim marker', () => {
	assert.equal(show('{{-1}}').slice(1, 3), ['"-1"', '"}}"']);
});

lexer('keywords, variables, declarations, char constants and raw strings', () => {
	const types = lex("{{ range $i, $e := .L }}{{ 'x' }}{{ `r` }}{{ end }}").map((t) => t.type);
	assert.ok(types.includes(Item.Range));
	assert.ok(types.includes(Item.Declare));
	assert.ok(types.includes(Item.CharConstant));
	assert.ok(types.includes(Item.RawString));
	assert.ok(types.includes(Item.End));
	assert.equal(
		lex('{{ $ }}')
			.map((t) => t.type)
			.slice(1, 4),
		[Item.Space, Item.Variable, Item.Space],
	);
});

lexer('comments vanish, with their trim markers applied', () => {
	assert.equal(show('x {{- /* c */ -}} y'), ['"x"', '"y"', 'EOF']);
});

lexer('keyword tokens print in angle brackets and long text is cut at ten runes', () => {
	assert.equal(show('{{ if }}').slice(2, 3), ['<if>']);
	assert.equal(show('0123456789abc'), ['"0123456789"...', 'EOF']);
});

lexer("stops with Go's error texts", () => {
	assert.is(lex('{{ .A').at(-1)!.val, 'unclosed action');
	assert.is(lex('{{ "a }}').at(-1)!.val, 'unterminated quoted string');
	assert.is(lex('{{ 1x }}').at(-1)!.val, 'bad number syntax: "1x"');
	assert.is(lex('{{ .A$ }}').at(-1)!.val, "bad character U+0024 '$'");
	assert.is(lex('{{/* c').at(-1)!.val, 'unclosed comment');
	assert.is(lex('{{ ( }}').at(-1)!.val, 'unclosed left paren');
});

lexer.run();
