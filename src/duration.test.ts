import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { durationString, goDuration } from './duration.ts';

const test = suite('Go Duration.String()');

// Go's own outputs: fmt.Println(time.Duration(n)) for each n.
test('nanoseconds print as Go prints them', () => {
	assert.equal([0n, 1n, 1500n, 1500000n, 1500000000n, 90000000000n, 93784005000000n, -5400000000000n].map(durationString), [
		'0s',
		'1ns',
		'1.5µs',
		'1.5ms',
		'1.5s',
		'1m30s',
		'26h3m4.005s',
		'-1h30m0s',
	]);
});

test('milliseconds (the retry lines of IMDS and the drain) print as Go prints them', () => {
	assert.equal([0, 500, 750, 1000, 2000, 2500, 5000, 6251.7, 60_000, 64_200, 90_000, 3_725_000].map(goDuration), [
		'0s',
		'500ms',
		'750ms',
		'1s',
		'2s',
		'2.5s',
		'5s',
		'6.252s',
		'1m0s',
		'1m4.2s',
		'1m30s',
		'1h2m5s',
	]);
});

test('an hour or more carries the hours (the old IMDS copy printed 60m0s)', () => {
	assert.is(goDuration(3_600_000), '1h0m0s');
	assert.is(goDuration(-1500), '-1.5s');
});

test.run();
