import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isTemplateError, parseTemplate, type ExecuteOptions } from '../template.ts';
import { goInt, goMap, goSlice } from '../values.ts';

// Expected outputs are Go 1.26 + Sprig v3.3.0's for the same template and data.
const render = (tpl: string, data?: unknown, options?: ExecuteOptions): string => parseTemplate(tpl).execute(data, options);

function execError(tpl: string, data?: unknown): string {
	try {
		render(tpl, data);
	} catch (error) {
		if (isTemplateError(error)) return error.message;
		throw error;
	}
	throw new Error(`Expected ${tpl} to fail`);
}

const strings = suite('Sprig strings');

strings('count bytes like Go for trunc, substr and abbrev', () => {
	assert.is(
		render(
			'{{ trunc 5 "hello world" }}|{{ trunc -5 "hello world" }}|{{ abbrev 5 "hello world" }}|{{ abbrevboth 5 10 "1234 5678 9123 4567" }}|{{ len "héllo" }}',
		),
		'hello|world|he...|...5678...|6',
	);
	assert.is(
		execError('{{ substr 10 20 "hello" }}'),
		'template: message:1:3: executing "message" at <substr 10 20 "hello">: error calling substr: runtime error: slice bounds out of range [10:5]',
	);
});

strings('title, quote, cat, indent and split behave as Sprig does', () => {
	assert.is(
		render(
			'{{ title "hello wORLD foo_bar" }}|{{ quote "a" 1 nil 2.5 }}|{{ squote "a" }}|{{ cat "a" 1 nil "b" }}|{{ nindent 2 "a\\nb" }}|{{ (split "," "a,b")._1 }}',
		),
		'Hello WORLD Foo_bar|"a" "1" "2.5"|\'a\'|a 1 b|\n  a\n  b|b',
	);
});

strings('shuffle permutes the runes', () => {
	const shuffled = render('{{ shuffle "héllo wörld" }}');
	assert.is([...shuffled].sort().join(''), [...'héllo wörld'].sort().join(''));
});

strings('sortAlpha sorts a []string in place, as Sprig does', () => {
	const data = { Pods: goSlice(['ns/b', 'ns/a', 'kube-system/c'], 'string') };
	assert.is(render('{{ sortAlpha .Pods }} {{ .Pods }}', data), '[kube-system/c ns/a ns/b] [kube-system/c ns/a ns/b]');
	assert.is(render('{{ $l := list "b" "a" }}{{ sortAlpha $l }} {{ $l }}'), '[a b] [b a]', 'a []interface {} is copied');
});

strings('typed parameters take only their own type', () => {
	assert.is(
		execError('{{ upper .Count }}', { Count: goInt(42) }),
		'template: message:1:9: executing "message" at <.Count>: wrong type for value; expected string; got int',
	);
	assert.is(execError('{{ trunc "3" "abc" }}'), 'template: message:1:9: executing "message" at <"3">: expected integer; found "3"');
});

const lists = suite('Sprig lists and dicts');

lists('list helpers and their panics', () => {
	assert.is(
		render(
			'{{ first .L }} {{ rest .L }} {{ uniq (list 1 1 2 "a" "a" 1.0) }} {{ without (list 1 2 3 2) 2 }} {{ has 1 (list 1.0) }} {{ compact (list 1 0 "" nil "a") }} {{ chunk 2 (list 1 2 3) }}',
			{ L: ['x', 'y'] },
		),
		'x [y] [1 2 a 1] [1 3] false [1 a] [[1 2] [3]]',
	);
	assert.is(
		execError('{{ first 1 }}'),
		'template: message:1:3: executing "message" at <first 1>: error calling first: Cannot find first on type int',
	);
});

lists('dicts: merge keeps, mergeOverwrite replaces, nested maps merge', () => {
	assert.is(
		render(
			'{{ merge (dict "a" 1 "c" (dict "x" 1)) (dict "a" 2 "b" 3 "c" (dict "y" 2)) }} {{ mergeOverwrite (dict "a" 1) (dict "a" 2) }} {{ merge (dict "a" "") (dict "a" "x") }}',
		),
		'map[a:1 b:3 c:map[x:1 y:2]] map[a:2] map[a:x]',
	);
	assert.is(
		render(
			'{{ dig "a" "b" "def" (dict "a" (dict "b" 1)) }} {{ dig "a" "c" "def" (dict "a" (dict "b" 1)) }} {{ pick (dict "a" 1 "b" 2) "a" }}',
		),
		'1 def map[a:1]',
	);
});

lists('dict functions refuse a map[string]string, as they do in NTH', () => {
	const data = { NodeLabels: goMap({ k: 'v' }, 'string') };
	assert.is(
		execError('{{ hasKey .NodeLabels "k" }}', data),
		'template: message:1:10: executing "message" at <.NodeLabels>: wrong type for value; expected map[string]interface {}; got map[string]string',
	);
	assert.is(render('{{ index .NodeLabels "k" }} {{ .NodeLabels.k }}', data), 'v v');
});

const numbers = suite('Sprig math and conversions');

numbers('int64 arithmetic, float arithmetic through decimals, rounding', () => {
	assert.is(render('{{ add 1 2 3 }} {{ div -7 2 }} {{ mod -7 3 }} {{ add "3" 1.9 true nil }} {{ typeOf (add 1 1) }}'), '6 -3 -1 5 int64');
	assert.is(
		render('{{ addf 1.1 2.2 }} {{ subf 5.5 1.1 }} {{ mulf 1.1 3 }} {{ divf 10 3 }} {{ round 3.14159 2 }} {{ round -2.5 0 }}'),
		'3.3 4.4 3.3 3.3333333333333335 3.14 -3',
	);
	assert.is(
		execError('{{ div 1 0 }}'),
		'template: message:1:3: executing "message" at <div 1 0>: error calling div: runtime error: integer divide by zero',
	);
});

numbers('conversions follow spf13/cast', () => {
	assert.is(
		render(
			'{{ atoi "42" }} {{ atoi "x" }} {{ int "1.00" }} {{ int64 "0x1F" }} {{ float64 "1.5" }} {{ toDecimal "0777" }} {{ toString 1.5 }} {{ seq 5 1 }} {{ until 3 }}',
		),
		'42 0 1 31 1.5 511 1.5 5 4 3 2 1 [0 1 2]',
	);
});

const encoding = suite('Sprig encoding');

encoding('toJson is encoding/json: HTML-safe escapes, Go float forms, sorted maps', () => {
	assert.is(
		render(
			'{{ toJson "a<b>&c \u2028" }} {{ toRawJson "<&>" }} {{ toJson (list 1e21 1e-7 0.000001 123456789.0 1.5) }} {{ toJson (dict "b" 1 "a" nil) }}',
		),
		'"a\\u003cb\\u003e\\u0026c \\u2028" "<&>" [1e+21,1e-7,0.000001,123456789,1.5] {"a":null,"b":1}',
	);
	assert.is(render('{{ toPrettyJson (dict "a" (list 1) "b" (dict)) }}'), '{\n  "a": [\n    1\n  ],\n  "b": {}\n}');
});

encoding('base64, base32, hashes', () => {
	assert.is(
		render('{{ b64enc "hello wörld" }} {{ b64dec "aGVsbG8=" }} {{ b32enc "hello" }} {{ sha256sum "abc" }} {{ adler32sum "abc" }}'),
		'aGVsbG8gd8O2cmxk hello NBSWY3DP ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 38600999',
	);
});

const regex = suite('Sprig regex');

regex("Go's rules for empty matches and $-expansion", () => {
	assert.is(
		render(
			'{{ regexFindAll "a*" "baaac" -1 }} {{ regexReplaceAll "a*" "baaac" "X" }} {{ regexReplaceAll "(\\\\w+)@(\\\\w+)" "me@home you@work" "$2 at ${1}x $1x" }}',
		),
		'[ aaa ] XbXcX home at mex  work at youx ',
	);
	assert.is(
		render(
			'{{ regexSplit "," "a,b,c" 2 }} {{ regexFind "(?i)spot" "SPOT" }} {{ regexMatch "\\\\s" "\u00a0" }} {{ regexReplaceAll "[^a-z]" "SPOT_ITN" "" }}',
		),
		'[a b,c] SPOT false ',
	);
});

const dates = suite('Sprig dates');

const clock: ExecuteOptions = { now: () => new Date('2024-01-02T05:04:06Z') };

dates('date, dateInZone, toDate, dateModify, unixEpoch', () => {
	const data = { T: new Date('2024-01-02T03:04:05Z') };
	assert.is(
		render(
			'{{ date "2006-01-02 15:04" .T }} {{ dateInZone "15:04 MST" .T "Europe/Berlin" }} {{ unixEpoch .T }} {{ dateModify "1h30m" .T }} {{ toDate "2006-01-02" "2024-02-29" }}',
			data,
		),
		'2024-01-02 03:04 04:04 CET 1704164645 2024-01-02 04:34:05 +0000 UTC 2024-02-29 00:00:00 +0000 UTC',
	);
});

// Go cannot be given a clock, so this case follows Go's rules (Since, Round(time.Second)) rather than a recording.
dates('ago, now and date of a non-time read the injected clock', () => {
	const data = { T: new Date('2024-01-02T03:04:05Z') };
	assert.is(render('{{ ago .T }} {{ now | date "15:04" }} {{ date "15:04" "not a time" }}', data, clock), '2h0m1s 05:04 05:04');
	assert.is(render('{{ duration 90 }} {{ duration "3661" }} {{ durationRound "2h10m" }} {{ durationRound "400h" }}'), '0s 1h1m1s 2h 16d');
});

const defaults = suite('Sprig defaults and flow control');

defaults('default and empty treat zero values, nil and empty collections as empty', () => {
	assert.is(
		render(
			'{{ default "d" "" }} {{ default "d" 0 }} {{ default "d" nil }} {{ default "d" (list) }} {{ default "d" false }} {{ default "d" .X }} {{ .M.nope | default "dd" }} {{ empty . }}',
			{ X: null, M: new Map() },
		),
		'd d d d d d dd false',
	);
	assert.is(render('{{ coalesce "" 0 "a" }} {{ ternary "y" "n" true }} {{ typeOf 1 }} {{ kindOf (dict) }}'), 'a y int map');
});

defaults('fail stops the template with its message and keeps the output so far', () => {
	try {
		render('before{{ fail "boom" }}');
		assert.unreachable('should have failed');
	} catch (error) {
		assert.ok(isTemplateError(error));
		assert.is(error.message, 'template: message:1:9: executing "message" at <fail "boom">: error calling fail: boom');
		assert.is(error.partial, 'before');
	}
});

strings.run();
lists.run();
numbers.run();
encoding.run();
regex.run();
dates.run();
defaults.run();
