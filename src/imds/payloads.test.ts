import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import {
	parseRfc3339,
	parseScheduledEventTime,
	RebalanceRecommendationSchema,
	ScheduledEventsSchema,
	SpotInstanceActionSchema,
} from './payloads.ts';

const iso = (date: Date | undefined) => date?.toISOString();

const scheduled = suite('parseScheduledEventTime()');

scheduled('parses IMDS\'s "2 Jan 2006 15:04:05 GMT" as UTC', () => {
	assert.is(iso(parseScheduledEventTime('21 Jan 2019 09:00:43 GMT')), '2019-01-21T09:00:43.000Z');
});

scheduled('takes a day and an hour without a leading zero, and with one', () => {
	assert.is(iso(parseScheduledEventTime('2 Feb 2020 7:05:09 GMT')), '2020-02-02T07:05:09.000Z');
	assert.is(iso(parseScheduledEventTime('02 Feb 2020 07:05:09 GMT')), '2020-02-02T07:05:09.000Z');
});

scheduled('matches month names in any case and tolerates runs of spaces, as Go does', () => {
	assert.is(iso(parseScheduledEventTime('3 DEC 2021 23:59:59 GMT')), '2021-12-03T23:59:59.000Z');
	assert.is(iso(parseScheduledEventTime('3  dec 2021  23:59:59  GMT')), '2021-12-03T23:59:59.000Z');
});

scheduled('accepts fractional seconds after the seconds field', () => {
	assert.is(iso(parseScheduledEventTime('3 Dec 2021 23:59:59.25 GMT')), '2021-12-03T23:59:59.250Z');
});

scheduled('rejects what Go rejects', () => {
	for (const bad of [
		'',
		'2019-01-21T09:00:43Z',
		'21 Jan 2019 09:00:43',
		'21 Jan 2019 09:00:43 UTC',
		'21 Jan 2019 09:00:43 GMT extra',
		'31 Feb 2019 09:00:43 GMT',
		'29 Feb 2019 09:00:43 GMT',
		'0 Jan 2019 09:00:43 GMT',
		'21 Foo 2019 09:00:43 GMT',
		'21 Jan 19 09:00:43 GMT',
		'21 Jan 2019 24:00:00 GMT',
		'21 Jan 2019 09:60:00 GMT',
		'21 Jan 2019 09:00:60 GMT',
		'21 Jan 2019 9:0:43 GMT',
		'123 Jan 2019 09:00:43 GMT',
	]) {
		assert.is(parseScheduledEventTime(bad), undefined, bad);
	}
	assert.is(iso(parseScheduledEventTime('29 Feb 2020 09:00:43 GMT')), '2020-02-29T09:00:43.000Z', 'leap day');
});

const rfc3339 = suite('parseRfc3339()');

rfc3339('parses Z, offsets and fractions', () => {
	assert.is(iso(parseRfc3339('2017-09-18T08:22:00Z')), '2017-09-18T08:22:00.000Z');
	assert.is(iso(parseRfc3339('2017-09-18T10:22:00+02:00')), '2017-09-18T08:22:00.000Z');
	assert.is(iso(parseRfc3339('2017-09-18T03:22:00.5-05:00')), '2017-09-18T08:22:00.500Z');
});

rfc3339('rejects anything else', () => {
	for (const bad of [
		'',
		'2017-09-18 08:22:00Z',
		'2017-09-18T08:22:00',
		'2017-09-18T08:22Z',
		'2017-13-18T08:22:00Z',
		'2017-02-30T08:22:00Z',
		'2017-09-18T25:22:00Z',
		'18 Sep 2017 08:22:00 GMT',
		'2017-09-18T08:22:00+0200',
	]) {
		assert.is(parseRfc3339(bad), undefined, bad);
	}
});

const schemas = suite('IMDS payload schemas');

schemas('decode like NTH\'s Go structs: missing fields are "", extra fields ignored, null is nothing', () => {
	assert.equal(v.parse(SpotInstanceActionSchema, { action: 'stop', time: 't', extra: 1 }), { action: 'stop', time: 't' });
	assert.equal(v.parse(SpotInstanceActionSchema, {}), { action: '', time: '' });
	assert.is(v.parse(SpotInstanceActionSchema, null), null);
	assert.equal(v.parse(RebalanceRecommendationSchema, { noticeTime: 'x' }), { noticeTime: 'x' });
	assert.equal(v.parse(ScheduledEventsSchema, [{ EventId: 'e' }]), [
		{ NotBefore: '', Code: '', Description: '', EventId: 'e', NotAfter: '', State: '' },
	]);
	assert.equal(v.parse(ScheduledEventsSchema, []), []);
});

schemas('reject a field of the wrong type and the wrong container', () => {
	assert.not.ok(v.safeParse(SpotInstanceActionSchema, { action: 1 }).success);
	assert.not.ok(v.safeParse(SpotInstanceActionSchema, []).success);
	assert.not.ok(v.safeParse(ScheduledEventsSchema, { EventId: 'e' }).success);
	assert.not.ok(v.safeParse(ScheduledEventsSchema, [{ NotBefore: 5 }]).success);
});

scheduled.run();
rfc3339.run();
schemas.run();
