import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTokenBucket } from './rate-limiter.ts';

/** A fake clock whose sleep advances time and records each wait. */
function fakeTime() {
	const time = { now: 0, slept: [] as number[] };
	return {
		time,
		now: () => time.now,
		sleep: async (ms: number, signal: AbortSignal) => {
			if (signal.aborted) throw signal.reason;
			time.slept.push(Math.round(ms));
			time.now += ms;
		},
	};
}

const signal = new AbortController().signal;
const bucket = suite('createTokenBucket()');

bucket('lets the burst through at once, then one request per 1/qps', async () => {
	const clock = fakeTime();
	const limiter = createTokenBucket({ qps: 10, burst: 3, now: clock.now, sleep: clock.sleep });
	for (let i = 0; i < 5; i += 1) await limiter.acquire(signal);
	assert.equal(clock.time.slept, [100, 100]);
});

bucket('refills while idle, but never above the burst', async () => {
	const clock = fakeTime();
	const limiter = createTokenBucket({ qps: 2, burst: 2, now: clock.now, sleep: clock.sleep });
	await limiter.acquire(signal);
	await limiter.acquire(signal);
	clock.time.now += 60_000; // a minute idle refills 2, not 120
	for (let i = 0; i < 3; i += 1) await limiter.acquire(signal);
	assert.equal(clock.time.slept, [500]);
});

bucket('queues concurrent callers in arrival order with growing waits', async () => {
	const waits: number[] = [];
	const limiter = createTokenBucket({
		qps: 4,
		burst: 1,
		now: () => 0,
		sleep: async (ms) => void waits.push(Math.round(ms)),
	});
	await Promise.all([limiter.acquire(signal), limiter.acquire(signal), limiter.acquire(signal), limiter.acquire(signal)]);
	assert.equal(waits, [250, 500, 750]);
});

bucket('hands the reservation back when the caller aborts while waiting', async () => {
	const waits: number[] = [];
	const controller = new AbortController();
	const limiter = createTokenBucket({
		qps: 1,
		burst: 1,
		now: () => 0,
		sleep: async (ms, sleepSignal) => {
			waits.push(Math.round(ms));
			if (sleepSignal === controller.signal) {
				// The caller gives up while it waits for its token.
				controller.abort();
				throw sleepSignal.reason;
			}
		},
	});
	await limiter.acquire(signal);
	try {
		await limiter.acquire(controller.signal);
		assert.unreachable('an aborted acquire must reject');
	} catch (error) {
		assert.is(error instanceof Error ? error.name : undefined, 'AbortError');
	}
	await limiter.acquire(signal);
	assert.equal(waits, [1000, 1000], 'the aborted caller did not keep its token: the next caller waits one interval, not two');
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
