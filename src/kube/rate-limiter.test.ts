import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTokenBucket } from './rate-limiter.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';

const signal = new AbortController().signal;
const bucket = suite('createTokenBucket()');

bucket('lets the burst through at once, then one request per 1/qps', async () => {
	const clock = fakeClock(0);
	const limiter = createTokenBucket({ qps: 10, burst: 3, now: clock.monotonic, sleep: clock.sleep });
	for (let i = 0; i < 5; i += 1) await clock.run(limiter.acquire(signal));
	assert.equal(clock.sleeps.map(Math.round), [100, 100]);
	assert.is(clock.monotonic(), 200);
});

bucket('refills while idle, but never above the burst', async () => {
	const clock = fakeClock(0);
	const limiter = createTokenBucket({ qps: 2, burst: 2, now: clock.monotonic, sleep: clock.sleep });
	await clock.run(limiter.acquire(signal));
	await clock.run(limiter.acquire(signal));
	await clock.advance(60_000); // a minute idle refills 2, not 120
	for (let i = 0; i < 3; i += 1) await clock.run(limiter.acquire(signal));
	assert.equal(clock.sleeps.map(Math.round), [500]);
});

bucket('queues concurrent callers in arrival order with growing waits', async () => {
	const clock = fakeClock(0);
	const limiter = createTokenBucket({ qps: 4, burst: 1, now: clock.monotonic, sleep: clock.sleep });
	const order: number[] = [];
	const callers = [0, 1, 2, 3].map((i) => limiter.acquire(signal).then(() => void order.push(i)));
	await clock.run(Promise.all(callers));
	assert.equal(clock.sleeps.map(Math.round), [250, 500, 750]);
	assert.equal(order, [0, 1, 2, 3]);
});

bucket('hands the reservation back when the caller aborts while waiting', async () => {
	const clock = fakeClock(0);
	const controller = new AbortController();
	const limiter = createTokenBucket({ qps: 1, burst: 1, now: clock.monotonic, sleep: clock.sleep });
	await clock.run(limiter.acquire(signal));
	const aborted = limiter.acquire(controller.signal).then(
		() => undefined,
		(error: unknown) => error,
	);
	await clock.settle();
	// The caller gives up while it waits for its token.
	controller.abort();
	const error = await aborted;
	assert.is(error instanceof Error ? error.name : undefined, 'AbortError');
	await clock.run(limiter.acquire(signal));
	assert.equal(clock.sleeps.map(Math.round), [1000, 1000]);
	assert.is(clock.monotonic(), 1000, 'the aborted caller did not keep its token: the next caller waits one interval, not two');
});

bucket('rejects a non-positive qps or burst with RangeError', () => {
	assert.throws(
		() => createTokenBucket({ qps: 0, burst: 1 }),
		(error: unknown) => error instanceof RangeError && /'qps' must be a positive number: current value is 0/.test(error.message),
	);
	assert.throws(
		() => createTokenBucket({ qps: 1, burst: 0 }),
		(error: unknown) => error instanceof RangeError,
	);
});

bucket.run();
