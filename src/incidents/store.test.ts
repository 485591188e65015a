import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { InterruptionEvent } from '../monitors/types.ts';
import { EventStore } from './store.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');
function event(id: string, startOffsetMs: number): InterruptionEvent {
	return { eventId: id, kind: 'SPOT_ITN', monitor: 'SPOT_ITN_MONITOR', description: '', state: '', startTime: new Date(t0 + startOffsetMs), endTime: undefined, deadline: undefined };
}

const store = suite('EventStore');

store('dedupes by id and reports only new events', () => {
	const clock = { now: t0 };
	const s = new EventStore({ nodeTerminationGracePeriodSeconds: 120, now: () => clock.now });
	assert.is(s.add(event('a', 0)), true);
	assert.is(s.add(event('a', 0)), false);
	assert.is(s.size, 1);
});

store('makes an event drainable at StartTime minus NODE_TERMINATION_GRACE_PERIOD', () => {
	const clock = { now: t0 };
	const s = new EventStore({ nodeTerminationGracePeriodSeconds: 120, now: () => clock.now });
	s.add(event('late', 300_000));
	assert.equal(s.drainable(), []);
	assert.is(s.nextDrainableAtMs(), t0 + 180_000);
	clock.now = t0 + 180_000;
	assert.equal(s.drainable().map((e) => e.eventId), ['late']);
	assert.is(s.nextDrainableAtMs(), undefined);
});

store('never re-adds an ignored event', () => {
	const s = new EventStore({ nodeTerminationGracePeriodSeconds: 120, now: () => t0 });
	s.ignore('x');
	assert.is(s.add(event('x', 0)), false);
	assert.ok(s.isIgnored('x'));
	assert.is(s.size, 0);
});

store('reports a cancellation once and stops offering the event', () => {
	const s = new EventStore({ nodeTerminationGracePeriodSeconds: 120, now: () => t0 });
	s.add(event('a', 0));
	assert.is(s.cancel('a'), true);
	assert.is(s.cancel('a'), false);
	assert.is(s.cancel('unknown'), false);
	assert.equal(s.drainable(), []);
	assert.equal(s.live(), []);
});

store('forgets events IMDS stopped reporting, by age not by call count', () => {
	const clock = { now: t0 };
	const s = new EventStore({ nodeTerminationGracePeriodSeconds: 0, now: () => clock.now, retentionMs: 60_000 });
	s.add(event('old', 0));
	s.add(event('kept', 0));
	clock.now += 50_000;
	s.add(event('kept', 0)); // still reported: refreshes last-seen
	clock.now += 20_000;
	assert.is(s.cleanup(), 1);
	assert.equal(s.live().map((e) => e.eventId), ['kept']);
});

store.run();
