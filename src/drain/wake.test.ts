import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { Waker } from './wake.ts';

const t0 = 1_700_000_000_000;
const test = suite('Waker');

test('sleeps until the time given when nothing happens', async () => {
	const clock = fakeClock(t0);
	const waker = new Waker(clock.sleep, clock.now, new AbortController().signal);
	await clock.run(waker.until(t0 + 5000));
	assert.is(clock.now(), t0 + 5000);
});

test('news during the sleep wakes it at once', async () => {
	const clock = fakeClock(t0);
	const waker = new Waker(clock.sleep, clock.now, new AbortController().signal);
	clock.at(t0 + 1000, () => waker.wake());
	await clock.run(waker.until(t0 + 60_000));
	assert.is(clock.now(), t0 + 1000);
});

test('news that came while the loop was busy is not lost: the next sleep returns at once, once', async () => {
	const clock = fakeClock(t0);
	const waker = new Waker(clock.sleep, clock.now, new AbortController().signal);
	waker.wake();
	waker.wake();
	await clock.run(waker.until(t0 + 60_000));
	assert.is(clock.now(), t0, 'returned without waiting');
	await clock.run(waker.until(t0 + 60_000));
	assert.is(clock.now(), t0 + 60_000, 'a batch of news costs one turn, not one per event');
});

test('an abort ends the sleep without throwing', async () => {
	const clock = fakeClock(t0);
	const controller = new AbortController();
	const waker = new Waker(clock.sleep, clock.now, controller.signal);
	clock.at(t0 + 2000, () => controller.abort(new Error('stop')));
	await clock.run(waker.until(t0 + 60_000));
	assert.is(clock.now(), t0 + 2000);
});

test.run();
