import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fakeImds } from '../../test/support/fake-imds.ts';
import { createRebalanceMonitor } from './rebalance.ts';

const path = '/latest/meta-data/events/recommendations/rebalance';
/** sha256 of Go's `&{2020-10-26T15:55:55Z}`, computed with Go 1.26. */
const noticeId = 'rebalance-recommendation-76ee3f4569a56908db8a9b5f08f172f30f0368ea86ae2107a4b750ff2de2f888';
const signal = new AbortController().signal;

function monitorAnswering(answer: string | number) {
	const imds = fakeImds((requested) =>
		requested !== path || typeof answer === 'number'
			? new Response('', { status: typeof answer === 'number' ? answer : 404 })
			: new Response(answer),
	);
	const monitor = createRebalanceMonitor({ client: imds.client });
	return { monitor, check: () => imds.run(monitor.check(signal)) };
}

const rebalance = suite('createRebalanceMonitor()');

rebalance('names itself as NTH does and polls events/recommendations/rebalance', () => {
	const { monitor } = monitorAnswering(404);
	assert.equal([monitor.name, monitor.kind, monitor.path], ['REBALANCE_RECOMMENDATION_MONITOR', 'REBALANCE_RECOMMENDATION', path]);
});

rebalance('reports nothing on 404 and on null', async () => {
	assert.equal(await monitorAnswering(404).check(), { events: [], cancellations: [] });
	assert.equal(await monitorAnswering('null').check(), { events: [], cancellations: [] });
});

rebalance("turns a recommendation into NTH's event, without a deadline", async () => {
	assert.equal(await monitorAnswering('{"noticeTime":"2020-10-26T15:55:55Z"}').check(), {
		events: [
			{
				eventId: noticeId,
				kind: 'REBALANCE_RECOMMENDATION',
				monitor: 'REBALANCE_RECOMMENDATION_MONITOR',
				description: 'Rebalance recommendation received. Instance will be cordoned at 2020-10-26T15:55:55Z',
				state: '',
				startTime: new Date('2020-10-26T15:55:55Z'),
				endTime: undefined,
				deadline: undefined,
			},
		],
		cancellations: [],
	});
});

rebalance('fails the poll on a bad or missing noticeTime and on malformed JSON', async () => {
	for (const [body, message] of [
		[
			'{"noticeTime":"26 Oct 2020 15:55:55 GMT"}',
			/^Cannot parse the rebalance recommendation time "26 Oct 2020 15:55:55 GMT": not RFC 3339$/,
		],
		['{}', /^Cannot parse the rebalance recommendation time "": not RFC 3339$/],
		['{"noticeTime":', /^Cannot parse IMDS path ".*rebalance": invalid JSON$/],
		['{"noticeTime":1}', /^Cannot parse IMDS path ".*rebalance": noticeTime: /],
	] as const) {
		try {
			await monitorAnswering(body).check();
			assert.unreachable(body);
		} catch (error) {
			assert.match((error as Error).message, message);
		}
	}
});

rebalance.run();
