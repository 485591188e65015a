import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatFloat } from './float-format.ts';
import { sprint, sprintf, sprintln } from './format.ts';
import { quote } from './quote.ts';
import { goInt } from './values.ts';

// Every expected string below was printed by Go 1.26's fmt / strconv with the same arguments.
const i = (n: number) => goInt(n);

const printf = suite('sprintf()');

printf('integer verbs, flags and widths', () => {
	assert.is(
		sprintf('%d|%5d|%-5d|%05d|%+d|% d|%x|%X|%#x|%o|%#o|%O|%b|%c|%q|%U|%#U', [
			i(42),
			i(42),
			i(42),
			i(-42),
			i(5),
			i(5),
			i(255),
			i(255),
			i(255),
			i(8),
			i(8),
			i(8),
			i(5),
			i(65),
			i(65),
			i(0x1f600),
			i(0x1f600),
		]),
		"42|   42|42   |-0042|+5| 5|ff|FF|0xff|10|010|0o10|101|A|'A'|U+1F600|U+1F600 '😀'",
	);
});

printf('string verbs: width, precision in runes, quoting, hex', () => {
	assert.is(
		sprintf('%s|%10s|%-10s|%.2s|%q|%+q|%#q|%x|% x|%#x|%05s', [
			'hi',
			'hi',
			'hi',
			'héllo',
			'a"b\n\x01é\u00a0',
			'é',
			'ab',
			'hi',
			'abc',
			'abc',
			'ab',
		]),
		'hi|        hi|hi        |hé|"a\\"b\\n\\x01é\\u00a0"|"\\u00e9"|`ab`|6869|61 62 63|0x616263|000ab',
	);
});

printf("float verbs, %v's shortest form and its exponent threshold", () => {
	assert.is(
		sprintf(
			'%f|%.2f|%8.3f|%e|%E|%g|%G|%.3g|%#g|%#.0f|%+.1e|%08.3f|%v|%v|%v|%v|%v',
			[
				3.14159, 3.14159, 3.14159, 1234.5678, 1234.5678, 1234.5678, 1e-7, 3.14159, 1, 5, 12345, -3.14159, 1e21, 1e20, 123456789, 0.0001,
				1e-5,
			],
		),
		'3.141590|3.14|   3.142|1.234568e+03|1.234568E+03|1234.5678|1E-07|3.14|1.00000|5.|+1.2e+04|-003.142|1e+21|1e+20|1.23456789e+08|0.0001|1e-05',
	);
});

printf('rounds exact binary values half to even', () => {
	assert.is(sprintf('%.0f %.0f %.0f %.1f %.2f %.2f %.1f', [0.5, 1.5, 2.5, 0.25, 1.005, 0.125, 0.05]), '0 2 2 0.2 1.00 0.12 0.1');
});

printf("bad verbs, missing and extra arguments, and a bad verb's value under the flags", () => {
	assert.is(
		sprintf('%d|%s|%t|%z|%d %d|%!|%', ['x', i(3), i(5), i(1), i(1)]),
		'%!d(string=x)|%!s(int=3)|%!t(int=5)|%!z(int=1)|1 %!d(MISSING)|%!!(MISSING)|%!(NOVERB)',
	);
	assert.is(sprintf('%d', [i(1), 'a']), '1%!(EXTRA string=a)');
	assert.is(sprintf('%[2]d %[1]d|%*d|%-*d|%.*f|%[3]d', [i(1), i(2), i(5), i(1), i(4), i(2), i(2), 3.14159]), '2 1| 5|4|%!f(int=02)|5');
});

printf('%v of collections, %+v of structs, %T', () => {
	assert.is(
		sprintf('%v|%+v|%T|%T', [[i(1), 'a', null, 2.5], { A: 'x', B: i(1) }, new Map(), null]),
		'[1 a <nil> 2.5]|{A:x B:1}|map[string]interface {}|<nil>',
	);
	assert.is(
		sprintf('%5d|%q', [
			[i(1), i(2)],
			['a', 'b'],
		]),
		'[    1     2]|["a" "b"]',
	);
});

const print = suite('sprint() and sprintln()');

print('add spaces between operands when neither is a string', () => {
	assert.is(`${sprint(['a', i(1), i(2), 'b', null, 3, true])}|${sprintln(['a', i(1), null])}`, 'a1 2b<nil> 3 true|a 1 <nil>\n');
});

print('quote() is strconv.Quote', () => {
	assert.is(quote('tab\t"q" \u2028 😀 \x7f'), '"tab\\t\\"q\\" \\u2028 😀 \\x7f"');
});

const floats = suite('formatFloat()');

floats('matches strconv.FormatFloat at the edges', () => {
	assert.is(
		[
			formatFloat(5e-324, 'g', -1),
			formatFloat(1.7976931348623157e308, 'e', 3),
			formatFloat(0.1, 'f', 20),
			formatFloat(0, 'g', -1),
			formatFloat(100, 'G', 2),
		].join(' '),
		'5e-324 1.798e+308 0.10000000000000000555 0 1E+02',
	);
	// A negative zero keeps its sign, as strconv does for math.Copysign(0, -1).
	assert.is(formatFloat(-0, 'g', -1), '-0');
	assert.is(formatFloat(Number.NaN, 'g', -1), 'NaN');
	assert.is(formatFloat(-Infinity, 'f', 2), '-Inf');
});

printf.run();
print.run();
floats.run();
