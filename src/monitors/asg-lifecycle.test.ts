import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { refused } from '../../test/support/fake-fetch.ts';
import { fakeImds } from '../../test/support/fake-imds.ts';
import { createAsgLifecycleMonitor } from './asg-lifecycle.ts';

const path = '/latest/meta-data/autoscaling/target-lifecycle-state';
const signal = new AbortController().signal;

/** A monitor whose IMDS state is `state.body` (a number is a status, 'down' a refused connection). */
function monitorWithState(initial: string | number) {
	const state = { body: initial as string | number };
	const imds = fakeImds((requested) => {
		if (requested !== path) return new Response('', { status: 404 });
		if (state.body === 'down') return refused();
		return typeof state.body === 'number' ? new Response('', { status: state.body }) : new Response(state.body);
	});
	const clock = { now: new Date('2026-11-25T10:00:00Z') };
	const monitor = createAsgLifecycleMonitor({ client: imds.client, now: () => clock.now });
	const ids = async () => (await imds.run(monitor.check(signal))).events.map((event) => event.eventId);
	return { state, clock, monitor, imds, ids };
}

const asg = suite('createAsgLifecycleMonitor()');

asg('names itself as NTH does and polls autoscaling/target-lifecycle-state', () => {
	const { monitor } = monitorWithState('InService');
	assert.equal([monitor.name, monitor.kind, monitor.path], ['ASG_LIFECYCLE_MONITOR', 'ASG_LIFECYCLE', path]);
});

asg('reports nothing for InService, other states, a lower-case terminated, 404 and an empty body', async () => {
	for (const body of ['InService', 'Pending', 'terminated', 404, '']) {
		const { ids } = monitorWithState(body);
		assert.equal(await ids(), [], String(body));
	}
});

asg("turns Terminated into NTH's event, started when first seen", async () => {
	const { imds, monitor, clock } = monitorWithState('Terminated');
	const { events } = await imds.run(monitor.check(signal));
	assert.is(events.length, 1);
	const [event] = events;
	assert.match(event?.eventId ?? '', /^target-lifecycle-state-terminated-[0-9a-f]{64}$/);
	assert.equal(
		{ ...event, eventId: '' },
		{
			eventId: '',
			kind: 'ASG_LIFECYCLE',
			monitor: 'ASG_LIFECYCLE_MONITOR',
			description: 'AST target lifecycle state received. Instance will be terminated',
			state: '',
			startTime: clock.now,
			endTime: undefined,
			deadline: undefined,
		},
	);
});

asg('keeps one id per transition to Terminated, not one per poll (NTH bug §8.4)', async () => {
	const { state, clock, ids } = monitorWithState('Terminated');
	const [first] = await ids();
	clock.now = new Date(clock.now.getTime() + 2_000);
	assert.equal(await ids(), [first]);
	clock.now = new Date(clock.now.getTime() + 2_000);
	assert.equal(await ids(), [first]);
	state.body = 'InService';
	assert.equal(await ids(), []);
	state.body = 'Terminated';
	clock.now = new Date(clock.now.getTime() + 2_000);
	const [second] = await ids();
	assert.ok(second);
	assert.is.not(second, first, 'leaving Terminated and coming back is a new transition');
});

asg('a 404 ends the transition too', async () => {
	const { state, clock, ids } = monitorWithState('Terminated');
	const [first] = await ids();
	state.body = 404;
	assert.equal(await ids(), []);
	state.body = 'Terminated';
	clock.now = new Date(clock.now.getTime() + 1_000);
	assert.is.not((await ids())[0], first);
});

asg('a failed poll does not end the transition', async () => {
	const { state, ids } = monitorWithState('Terminated');
	const [first] = await ids();
	state.body = 'down';
	try {
		await ids();
		assert.unreachable('the poll should fail');
	} catch (error) {
		assert.match(
			(error as Error).message,
			/^Cannot read IMDS path "\/latest\/meta-data\/autoscaling\/target-lifecycle-state": no answer after \d+ attempts$/,
		);
	}
	state.body = 'Terminated';
	assert.equal(await ids(), [first]);
});

asg('accepts Terminated with surrounding whitespace (NTH does not trim)', async () => {
	const { ids } = monitorWithState('Terminated\n');
	assert.is((await ids()).length, 1);
});

asg.run();
