import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImdsError } from '../errors.ts';
import { fakeImds } from '../../test/support/fake-imds.ts';
import { createScheduledEventMonitor } from './scheduled-event.ts';

const path = '/latest/meta-data/events/maintenance/scheduled';
const signal = new AbortController().signal;
const firstPoll = new Date('2026-11-25T10:00:00Z');

interface Entry {
	NotBefore?: string;
	Code?: string;
	Description?: string;
	EventId?: string;
	NotAfter?: string;
	State?: string;
}

const reboot: Entry = {
	NotBefore: '21 Jan 2019 09:00:43 GMT',
	Code: 'system-reboot',
	Description: 'scheduled reboot',
	EventId: 'instance-event-0d59937288b749b32',
	NotAfter: '21 Jan 2019 09:17:23 GMT',
	State: 'active',
};

/** A monitor whose IMDS answers `responses` in turn (the last one repeats); `clock.now` moves StartTime. */
function monitorAnswering(...responses: (Entry[] | string | number)[]) {
	let call = 0;
	const imds = fakeImds((requested) => {
		if (requested !== path) return new Response('', { status: 404 });
		const next = responses[Math.min(call++, responses.length - 1)] ?? 404;
		if (typeof next === 'number') return new Response('<html>not found</html>', { status: next });
		return new Response(typeof next === 'string' ? next : JSON.stringify(next));
	});
	const clock = { now: firstPoll };
	const monitor = createScheduledEventMonitor({ client: imds.client, log: imds.log, now: () => clock.now });
	return { imds, clock, monitor, check: () => imds.run(monitor.check(signal)) };
}

const scheduled = suite('createScheduledEventMonitor()');

scheduled('names itself as NTH does and polls events/maintenance/scheduled', () => {
	const { monitor } = monitorAnswering([]);
	assert.equal([monitor.name, monitor.kind, monitor.path], ['SCHEDULED_EVENT_MONITOR', 'SCHEDULED_EVENT', path]);
});

scheduled("turns an active event into NTH's event: IMDS id, deadline NotBefore, end NotAfter, start = first seen", async () => {
	const { check } = monitorAnswering([reboot]);
	assert.equal(await check(), {
		events: [
			{
				eventId: 'instance-event-0d59937288b749b32',
				kind: 'SCHEDULED_EVENT',
				monitor: 'SCHEDULED_EVENT_MONITOR',
				description: 'system-reboot will occur between 21 Jan 2019 09:00:43 GMT and 21 Jan 2019 09:17:23 GMT because scheduled reboot',
				state: 'active',
				startTime: firstPoll,
				endTime: new Date('2019-01-21T09:17:23Z'),
				deadline: new Date('2019-01-21T09:00:43Z'),
				scheduledCode: 'system-reboot',
			},
		],
		cancellations: [],
	});
});

scheduled('repeats the identical event on later polls (StartTime remembered per EventId)', async () => {
	const { check, clock } = monitorAnswering([reboot]);
	const first = await check();
	clock.now = new Date(firstPoll.getTime() + 60_000);
	assert.equal(await check(), first);
});

scheduled('forgets an event IMDS stopped listing: it comes back with a new StartTime', async () => {
	const { check, clock } = monitorAnswering([reboot], [], [reboot]);
	await check();
	await check();
	clock.now = new Date(firstPoll.getTime() + 60_000);
	assert.equal((await check()).events[0]?.startTime, clock.now);
});

scheduled('reports canceled and completed events as cancellations', async () => {
	const { check } = monitorAnswering([
		{ ...reboot, EventId: 'e-canceled', State: 'canceled' },
		{ ...reboot, EventId: 'e-completed', State: 'completed' },
	]);
	assert.equal(await check(), {
		events: [],
		cancellations: [
			{ eventId: 'e-canceled', kind: 'SCHEDULED_EVENT', state: 'canceled' },
			{ eventId: 'e-completed', kind: 'SCHEDULED_EVENT', state: 'completed' },
		],
	});
});

scheduled('drains for every code, and for unknown states, as NTH', async () => {
	const codes = ['system-reboot', 'system-maintenance', 'instance-stop', 'instance-retirement', 'instance-reboot'];
	const { check } = monitorAnswering([
		...codes.map((Code) => ({ ...reboot, Code, EventId: `e-${Code}` })),
		{ ...reboot, EventId: 'e-unknown-state', State: 'scheduled-someday' },
	]);
	const { events, cancellations } = await check();
	assert.equal(
		events.map((e) => [e.eventId, e.scheduledCode, e.state]),
		[...codes.map((code) => [`e-${code}`, code, 'active']), ['e-unknown-state', 'system-reboot', 'scheduled-someday']],
	);
	assert.is(cancellations.length, 0);
});

scheduled('uses NotBefore as the end when NotAfter is empty', async () => {
	const { check } = monitorAnswering([{ ...reboot, NotAfter: '' }]);
	const [event] = (await check()).events;
	assert.equal(event?.endTime, new Date('2019-01-21T09:00:43Z'));
	assert.is(event?.description, 'system-reboot will occur between 21 Jan 2019 09:00:43 GMT and  because scheduled reboot');
});

scheduled('logs an unparsable NotAfter and uses NotBefore', async () => {
	const { check, imds } = monitorAnswering([{ ...reboot, NotAfter: '2019-01-21T09:17:23Z' }]);
	const [event] = (await check()).events;
	assert.equal(event?.endTime, new Date('2019-01-21T09:00:43Z'));
	assert.ok(
		imds.log.lines.some(
			(line) =>
				line.includes('ERR Unable to parse scheduled event end time, continuing') && line.includes('not_after=2019-01-21T09:17:23Z'),
		),
	);
});

scheduled('fails the whole poll when any NotBefore does not parse', async () => {
	const { check } = monitorAnswering([
		{ ...reboot, EventId: 'good' },
		{ ...reboot, EventId: 'bad', NotBefore: '2019-01-21' },
	]);
	try {
		await check();
		assert.unreachable('should fail');
	} catch (error) {
		assert.instance(error, ImdsError);
		assert.is(
			(error as Error).message,
			'Cannot parse the NotBefore "2019-01-21" of scheduled event "bad": expected "2 Jan 2006 15:04:05 GMT"',
		);
	}
});

scheduled('reports nothing for 404 (NTH: an error), an empty array and null', async () => {
	for (const answer of [404, [], 'null']) {
		const { check } = monitorAnswering(answer);
		assert.equal(await check(), { events: [], cancellations: [] }, String(answer));
	}
});

scheduled('fails the poll on malformed JSON and on a non-array', async () => {
	for (const body of ['[{"EventId":', '{"EventId":"e"}', '[{"EventId":7}]']) {
		const { check } = monitorAnswering(body);
		try {
			await check();
			assert.unreachable(body);
		} catch (error) {
			assert.match((error as Error).message, /^Cannot parse IMDS path "\/latest\/meta-data\/events\/maintenance\/scheduled"/);
		}
	}
});

scheduled('considers the first 100 entries of a longer list, warning once per list length', async () => {
	// Short entries: a 1000-entry list fits the 64 KiB body cap.
	const many = (count: number): Entry[] =>
		Array.from({ length: count }, (_, index) => ({ NotBefore: '21 Jan 2019 09:00:43 GMT', EventId: `e${index}` }));
	const { check, imds } = monitorAnswering(many(1000), many(1000), many(150), many(3));
	const warned = () => imds.log.lines.filter((line) => line.includes('Too many scheduled events'));
	const first = await check();
	assert.is(first.events.length, 100);
	assert.is(first.events.at(-1)?.eventId, 'e99');
	await check();
	assert.equal(warned(), ['1970/01/01 00:00:00 WRN Too many scheduled events: considering the first ones only listed=1000 considered=100']);
	assert.is((await check()).events.length, 100);
	assert.is(warned().length, 2);
	assert.is((await check()).events.length, 3);
});

scheduled('quotes a hostile NotBefore clipped in its error', async () => {
	const { check } = monitorAnswering([{ ...reboot, NotBefore: 'x'.repeat(60_000) }]);
	const error = await check().then(
		() => undefined,
		(caught: unknown) => caught,
	);
	assert.instance(error, ImdsError);
	assert.ok((error as Error).message.length < 400, `${(error as Error).message.length} chars`);
	assert.match((error as Error).message, /^Cannot parse the NotBefore "x{256}… \(60000 chars\)" of scheduled event/);
});

scheduled.run();
