import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { InterruptionEvent } from '../monitors/types.ts';
import { labelValueFor } from '../node/values.ts';
import { EventStore, maxIgnoredIds, maxStoredEvents } from './store.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');
function event(id: string, startOffsetMs: number): InterruptionEvent {
	return {
		eventId: id,
		kind: 'SPOT_ITN',
		monitor: 'SPOT_ITN_MONITOR',
		description: '',
		state: '',
		startTime: new Date(t0 + startOffsetMs),
		endTime: undefined,
		deadline: undefined,
	};
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
	assert.equal(
		s.drainable().map((e) => e.eventId),
		['late'],
	);
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
	assert.equal(
		s.live().map((e) => e.eventId),
		['kept'],
	);
});

store("ignores an event named by the event-id label's digest of its long id (the reboot check after a spot stop)", () => {
	const clock = { now: t0 };
	const s = new EventStore({ nodeTerminationGracePeriodSeconds: 120, now: () => clock.now });
	const spotId = `spot-itn-${'c3'.repeat(32)}`;
	s.add(event(spotId, 0));
	s.ignore(labelValueFor(spotId));
	assert.is(s.size, 0, 'the stored event is dropped');
	assert.ok(s.isIgnored(spotId));
	assert.is(s.add(event(spotId, 0)), false, 'and never comes back');
	assert.not.ok(s.isIgnored(`spot-itn-${'c4'.repeat(32)}`));
});

store('stays bounded under a stream of new ids (AEMM gives the spot notice a new id every poll)', () => {
	const clock = { now: t0 };
	const s = new EventStore({ nodeTerminationGracePeriodSeconds: 120, now: () => clock.now });
	for (let i = 0; i < 10_000; i += 1) {
		clock.now += 1_000;
		s.add(event(`spot-itn-${i}`, i * 1_000));
	}
	assert.is(s.size, maxStoredEvents);
	assert.ok(s.get('spot-itn-9999'), 'the newest is kept');
	assert.is(s.get('spot-itn-0'), undefined, 'the stalest is dropped');
	for (let i = 0; i < 1_000; i += 1) s.ignore(`old-${i}`);
	assert.ok(s.isIgnored('old-999'));
	assert.not.ok(s.isIgnored('old-0'), `the ignored set keeps the newest ${maxIgnoredIds}`);
});

store.run();
