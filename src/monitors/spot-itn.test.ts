import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImdsError } from '../errors.ts';
import { refused } from '../../test/support/fake-fetch.ts';
import { fakeImds } from '../../test/support/fake-imds.ts';
import { createSpotItnMonitor } from './spot-itn.ts';

const path = '/latest/meta-data/spot/instance-action';
/** sha256 of Go's `&{terminate 2017-09-18T08:22:00Z}`, computed with Go 1.26 (fmt.Sprintf("%v", &InstanceAction{…})). */
const terminateId = 'spot-itn-2d5c4796e9a951cc259e996a2694d27d16a7b5ed45a33434f30ceeaaa84d5893';
const signal = new AbortController().signal;

function monitorAnswering(...bodies: (string | number)[]) {
	let call = 0;
	const imds = fakeImds((requested) => {
		if (requested !== path) return new Response('', { status: 404 });
		const body = bodies[Math.min(call++, bodies.length - 1)];
		if (body === undefined) return refused();
		return typeof body === 'number' ? new Response('<html>error</html>', { status: body }) : new Response(body);
	});
	const monitor = createSpotItnMonitor({ client: imds.client });
	return { imds, monitor, check: () => imds.run(monitor.check(signal)) };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
	try {
		await promise;
	} catch (error) {
		assert.instance(error, ImdsError);
		return error as Error;
	}
	assert.unreachable('expected the check to fail');
	throw new Error('unreachable');
}

const spot = suite('createSpotItnMonitor()');

spot('names itself as NTH does and polls spot/instance-action', () => {
	const { monitor } = monitorAnswering(404);
	assert.equal([monitor.name, monitor.kind, monitor.path], ['SPOT_ITN_MONITOR', 'SPOT_ITN', path]);
});

spot('reports nothing while IMDS answers 404', async () => {
	const { check } = monitorAnswering(404);
	assert.equal(await check(), { events: [], cancellations: [] });
});

spot("turns a terminate notice into NTH's event, with the deadline at `time`", async () => {
	const { check } = monitorAnswering('{"action":"terminate","time":"2017-09-18T08:22:00Z"}');
	const time = new Date('2017-09-18T08:22:00Z');
	assert.equal(await check(), {
		events: [
			{
				eventId: terminateId,
				kind: 'SPOT_ITN',
				monitor: 'SPOT_ITN_MONITOR',
				description: 'Spot ITN received. Instance will be interrupted at 2017-09-18T08:22:00Z',
				state: '',
				startTime: time,
				endTime: undefined,
				deadline: time,
				spotAction: 'terminate',
			},
		],
		cancellations: [],
	});
});

spot('keeps stop and hibernate, and still reports an unknown action (NTH ignores the action)', async () => {
	for (const action of ['stop', 'hibernate']) {
		const { check } = monitorAnswering(`{"action":"${action}","time":"2017-09-18T08:22:00Z"}`);
		const [event] = (await check()).events;
		assert.is(event?.spotAction, action);
		assert.is.not(event?.eventId, terminateId, 'the action is part of the id');
	}
	const { check } = monitorAnswering('{"action":"reboot","time":"2017-09-18T08:22:00Z"}');
	const [event] = (await check()).events;
	assert.ok(event);
	assert.is(event.spotAction, undefined);
});

spot('gives the same id to the same notice and a new one when `time` changes', async () => {
	const { check } = monitorAnswering(
		'{"action":"terminate","time":"2017-09-18T08:22:00Z"}',
		'{"time":"2017-09-18T08:22:00Z","action":"terminate","extra":true}',
		'{"action":"terminate","time":"2017-09-18T08:24:00Z"}',
	);
	const ids = [(await check()).events[0]?.eventId, (await check()).events[0]?.eventId, (await check()).events[0]?.eventId];
	assert.is(ids[0], terminateId);
	assert.is(ids[1], terminateId);
	assert.is.not(ids[2], terminateId);
});

spot('fails the poll on a time that is not RFC 3339, or missing', async () => {
	for (const body of ['{"action":"terminate","time":"18 Sep 2017 08:22:00 GMT"}', '{"action":"terminate"}']) {
		const { check } = monitorAnswering(body);
		const error = await failure(check());
		assert.match(error.message, /^Cannot parse the spot interruption notice time ".*": not RFC 3339$/);
	}
});

spot('fails the poll on malformed JSON and on a payload of the wrong shape', async () => {
	for (const body of ['{"action":"terminate",', '[]', '{"action":true,"time":"2017-09-18T08:22:00Z"}', '']) {
		const { check } = monitorAnswering(body);
		assert.match((await failure(check())).message, /^Cannot parse IMDS path "\/latest\/meta-data\/spot\/instance-action"/, body);
	}
});

spot("reports nothing for a JSON null (as NTH's decoder)", async () => {
	const { check } = monitorAnswering('null');
	assert.equal(await check(), { events: [], cancellations: [] });
});

spot('rides out a 500 then reports the notice (client retry)', async () => {
	const { check, imds } = monitorAnswering(500, '{"action":"stop","time":"2017-09-18T08:22:00Z"}');
	assert.is((await check()).events.length, 1);
	assert.is(imds.fake.requests.filter((r) => r.path === path).length, 2);
});

spot('fails the poll with the status on another error', async () => {
	const { check } = monitorAnswering(403);
	assert.is(((await failure(check())) as ImdsError).status, 403);
});

spot.run();
