import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDuration } from './duration.ts';
import { formatTime, timeString } from './time-format.ts';
import { parseTime } from './time-parse.ts';
import { GoTime, goTime, zeroTime } from './values.ts';
import { fixedZone, loadZone, utcZone } from './zones.ts';

// Expected strings were printed by Go 1.26's time package for the same inputs.
const t = new GoTime(Date.UTC(2024, 0, 2, 3, 4, 5, 123), 456789, utcZone);

const format = suite('formatTime()');

format('every layout element', () => {
	assert.is(
		formatTime(
			t,
			"Mon Jan _2 15:04:05 MST 2006|Monday, 02-Jan-06 3:04:05.000 PM -0700 Z07:00 -07 Z0700|2006-01-02T15:04:05.999999999Z07:00|Jan 2 '06 at 3pm __2 002 .9 ,00 .999999",
		),
		"Tue Jan  2 03:04:05 UTC 2024|Tuesday, 02-Jan-24 3:04:05.123 AM +0000 Z +00 Z|2024-01-02T03:04:05.123456789Z|Jan 2 '24 at 3am   2 002 .1 ,12 .123456",
	);
});

format("named zones with Go's abbreviations and second-resolution offsets", () => {
	const kolkata = new GoTime(t.ms, t.nanos, loadZone('Asia/Kolkata')!);
	assert.is(
		formatTime(kolkata, 'Mon, 02 Jan 2006 15:04:05 -0700 Monday, 02-Jan-06 15:04:05 MST 3:04PM -07:00:00 Z07:00:00'),
		'Tue, 02 Jan 2024 08:34:05 +0530 Tuesday, 02-Jan-24 08:34:05 IST 8:34AM +05:30:00 +05:30:00',
	);
	const july = Date.UTC(2024, 6, 2, 3, 4, 5);
	assert.equal(
		['Europe/Berlin', 'America/Sao_Paulo', 'Asia/Tokyo', 'Australia/Sydney', 'Asia/Dubai'].map((zone) =>
			formatTime(new GoTime(july, 0, loadZone(zone)!), 'MST'),
		),
		['CEST', '-03', 'JST', 'AEST', '+04'],
	);
	assert.is(loadZone('Nope/Zone'), undefined);
});

format('Time.String(), the zero time and nameless fixed zones', () => {
	assert.is(
		`${timeString(zeroTime)}|${timeString(goTime(new Date(Date.UTC(2025, 0, 1, 1, 30)), fixedZone('', -9000)))}`,
		'0001-01-01 00:00:00 +0000 UTC|2024-12-31 23:00:00 -0230 -0230',
	);
});

const parse = suite('parseTime()');

parse('parses what Go parses, zones included', () => {
	const cases: readonly [string, string, string][] = [
		['2006-01-02', '2024-02-29', '2024-02-29 00:00:00 +0000 UTC'],
		['Jan _2 15:04:05.000 2006', 'Feb  3 04:05:06.789 2024', '2024-02-03 04:05:06.789 +0000 UTC'],
		['2006-01-02T15:04:05Z07:00', '2024-01-02T03:04:05+02:00', '2024-01-02 03:04:05 +0200 +0200'],
		['2006-01-02 MST', '2024-01-02 PST', '2024-01-02 00:00:00 +0000 PST'],
		['3:04PM', '12:30AM', '0000-01-01 00:30:00 +0000 UTC'],
		['2006-002', '2024-060', '2024-02-29 00:00:00 +0000 UTC'],
	];
	for (const [layout, value, want] of cases) {
		const parsed = parseTime(layout, value);
		assert.ok(typeof parsed !== 'string', `${value}: ${String(parsed)}`);
		assert.is(timeString(parsed), want, value);
	}
});

parse("fails with Go's messages", () => {
	assert.is(parseTime('2006-01-02', '2023-02-29'), 'parsing time "2023-02-29": day out of range');
	assert.is(parseTime('15:04', '25:00'), 'parsing time "25:00": hour out of range');
	assert.is(parseTime('2006 Jan', '2024 Foo'), 'parsing time "2024 Foo" as "2006 Jan": cannot parse "Foo" as "Jan"');
	assert.is(parseTime('2006-01-02', '2024-01-02x'), 'parsing time "2024-01-02x": extra text: "x"');
});

const durations = suite('parseDuration()');

durations('parse like time.ParseDuration', () => {
	assert.equal(['1h30m', '-1.5h', '1h1m1s1ms1us1ns', '300ms', '2.5s', '1µs', '0', '.5m'].map(parseDuration), [
		5400000000000n,
		-5400000000000n,
		3661001001001n,
		300000000n,
		2500000000n,
		1000n,
		0n,
		30000000000n,
	]);
	assert.equal(['', '1', '1x', 'h'].map(parseDuration), [
		'time: invalid duration ""',
		'time: missing unit in duration "1"',
		'time: unknown unit "x" in duration "1x"',
		'time: invalid duration "h"',
	]);
});

format.run();
parse.run();
durations.run();
