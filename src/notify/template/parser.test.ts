import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeString } from './nodes.ts';
import { parseTrees } from './parser.ts';
import { isTemplateError, parseTemplate } from './template.ts';

const anyFunction = (name: string): boolean => ['upper', 'printf', 'len'].includes(name);

function parseError(text: string): { message: string; line: number | undefined } {
	try {
		parseTemplate(text);
	} catch (error) {
		if (!isTemplateError(error)) throw error;
		assert.is(error.kind, 'parse');
		return { message: error.message, line: error.line };
	}
	throw new Error(`Expected ${JSON.stringify(text)} not to parse`);
}

const errors = suite('parseTemplate(): errors (Go 1.26 wording)');

// Each message below is what Go's template.New("message").Funcs(sprig.TxtFuncMap()).Parse returned.
const goParseErrors: readonly [string, string][] = [
	['{{', 'template: message:1: unclosed action'],
	['{{ .Kind }', 'template: message:1: unexpected "}" in operand'],
	['a\n{{ .Kind \n\n', 'template: message:4: unclosed action started at message:2'],
	['{{ /* unclosed', 'template: message:1: unexpected "/" in command'],
	['{{/* c */ x }}', 'template: message:1: comment ends before closing delimiter'],
	['{{ end }}', 'template: message:1: unexpected {{end}}'],
	['{{ if .Kind }}', 'template: message:1: unexpected EOF'],
	['{{ break }}', 'template: message:1: {{break}} outside {{range}}'],
	['{{ $x }}', 'template: message:1: undefined variable "$x"'],
	['{{ .Kind | 1 }}', 'template: message:1: non executable command in pipeline stage 2'],
	['{{ ( .Kind }}', 'template: message:1: unclosed left paren'],
	['{{ .Kind ) }}', 'template: message:1: unexpected right paren'],
	['{{ "unterminated }}', 'template: message:1: unterminated quoted string'],
	['{{ 1x }}', 'template: message:1: bad number syntax: "1x"'],
	['{{ "\\q" }}', 'template: message:1: invalid syntax'],
	['{{ "x".Foo }}', 'template: message:1: unexpected . after term "\\"x\\""'],
	['{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}', 'template: message:1: template: multiple definition of template "x"'],
	['{{ range $x, $y, $z := .Pods }}{{ end }}', 'template: message:1: too many declarations in range'],
	['{{ € }}', "template: message:1: unrecognized character in action: U+20AC '€'"],
	['{{ nosuch 1 }}', 'template: message:1: function "nosuch" not defined'],
	['{{ 08 }}', 'template: message:1: integer overflow: "08"'],
	['{{ if .A }}{{ else }}{{ else }}{{ end }}', 'template: message:1: expected end; found {{else}}'],
	['{{ with .A }}{{ else if .B }}{{ end }}', 'template: message:1: unexpected <if> in input'],
	['{{ define "t" }}', 'template: message:1: unexpected EOF'],
	['{{ template x }}', 'template: message:1: unexpected "x" in template clause'],
];

for (const [text, message] of goParseErrors) {
	errors(JSON.stringify(text), () => {
		assert.is(parseError(text).message, message);
	});
}

errors('report the line of the token that failed', () => {
	assert.is(parseError('a\nb\n{{ end }}').line, 3);
});

errors('absurd nesting that overflows the JavaScript stack is still a parse TemplateError', () => {
	// The text after "template: message: " is the runtime's own stack-overflow message.
	assert.match(parseError(`{{ ${'('.repeat(20000)}1${')'.repeat(20000)} }}`).message, /^template: message: .*call stack/i);
});

errors("functions Sprig lacks (Helm's required, toYaml) are not defined", () => {
	assert.is(parseError('{{ required "x" .A }}').message, 'template: message:1: function "required" not defined');
	assert.is(parseError('{{ toYaml . }}').message, 'template: message:1: function "toYaml" not defined');
});

const trees = suite('parseTrees()');

trees('keeps the top-level tree and every define and block, printing back as Go does', () => {
	const set = parseTrees(
		'{{ define "t" }}[{{ . }}]{{ end }}{{ if .A }}{{ .B | upper }}{{ else if $x := .C }}{{ $x }}{{ end }}{{ block "b" . }}{{ len .D }}{{ end }}',
		'message',
		anyFunction,
	);
	assert.equal([...set.keys()].sort(), ['b', 'message', 't']);
	assert.is(nodeString(set.get('message')!.root), '{{if .A}}{{.B | upper}}{{else}}{{if $x := .C}}{{$x}}{{end}}{{end}}{{template "b" .}}');
	assert.is(nodeString(set.get('t')!.root), '[{{.}}]');
	assert.is(nodeString(set.get('b')!.root), '{{len .D}}');
});

trees('chains fields onto variables, fields and parenthesised pipelines', () => {
	const root = parseTrees('{{ $.A.B }}{{ .A.B.C }}{{ (printf "x").Y }}{{ $v := 1 }}{{ $v.Z }}', 'message', anyFunction).get(
		'message',
	)!.root;
	assert.is(nodeString(root), '{{$.A.B}}{{.A.B.C}}{{(printf "x").Y}}{{$v := 1}}{{$v.Z}}');
});

trees('trims around {{- and -}} and drops comments', () => {
	const root = parseTrees('a \n {{- 1 -}} \n b {{/* c */}}', 'message', anyFunction).get('message')!.root;
	assert.equal(
		root.nodes.map((n) => n.kind),
		['text', 'action', 'text'],
	);
	assert.is(nodeString(root), 'a{{1}}b ');
});

trees('an empty redefinition keeps the first body', () => {
	const set = parseTrees('{{ define "x" }}a{{ end }}{{ define "x" }} {{ end }}', 'message', anyFunction);
	assert.is(nodeString(set.get('x')!.root), 'a');
});

errors.run();
trees.run();
