import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSleep, maxTimerDelayMs, monotonicNow, sleep, timerDelay } from './clock.ts';

// None of these waits: an hour-long sleep is aborted, or the signal is aborted before it starts.
const test = suite('clock');

test('sleep on an aborted signal rejects with its reason at once', async () => {
	const controller = new AbortController();
	controller.abort(new Error('stopping'));
	const error = await sleep(3_600_000, controller.signal).then(
		() => undefined,
		(reason: unknown) => reason,
	);
	assert.instance(error, Error);
	assert.is((error as Error).message, 'stopping');
});

test('an abort during a sleep rejects it with the reason and clears its timer', async () => {
	const controller = new AbortController();
	const pending = sleep(3_600_000, controller.signal).then(
		() => 'resolved',
		(reason: unknown) => reason,
	);
	controller.abort(new Error('replaced'));
	const outcome = await pending;
	assert.instance(outcome, Error);
	assert.is((outcome as Error).message, 'replaced');
});

test('an abort without a reason still rejects with an AbortError', async () => {
	const signal = { aborted: true, reason: undefined } as unknown as AbortSignal;
	const error = await sleep(10, signal).then(
		() => undefined,
		(reason: unknown) => reason,
	);
	assert.instance(error, DOMException);
	assert.is((error as DOMException).name, 'AbortError');
});

test('without a signal, a negative wait resolves (clamped to 0)', async () => {
	assert.is(await sleep(-5).then(() => 'resolved'), 'resolved');
});

test('monotonicNow reads performance.now(), not the wall clock', () => {
	// Bracketing it between two performance.now() readings fails for Date.now() (epoch ms), a constant or a
	// counter: only the monotonic source, which NTP steps and suspend do not move backwards, lands in between.
	const before = performance.now();
	const reading = monotonicNow();
	const after = performance.now();
	assert.ok(before <= reading && reading <= after, `monotonicNow() = ${reading}, outside [${before}, ${after}]`);
});

/** Fake timers: records each delay asked for; `fire()` runs the oldest pending one. */
function fakeTimers(): {
	delays: number[];
	pending: number;
	fire(): void;
	timers: { setTimeout(cb: () => void, ms: number): number; clearTimeout(h: number): void };
} {
	const queue = new Map<number, () => void>();
	let next = 0;
	const state = {
		delays: [] as number[],
		get pending() {
			return queue.size;
		},
		fire() {
			const first = queue.entries().next();
			if (first.done === true) throw new Error('no timer pending');
			queue.delete(first.value[0]);
			first.value[1]();
		},
		timers: {
			setTimeout: (cb: () => void, ms: number) => {
				state.delays.push(ms);
				next += 1;
				queue.set(next, cb);
				return next;
			},
			clearTimeout: (h: number) => void queue.delete(h),
		},
	};
	return state;
}

test('timerDelay clamps to what setTimeout takes (above 2^31-1 ms it would fire after 1 ms)', () => {
	assert.is(maxTimerDelayMs, 2_147_483_647);
	assert.is(timerDelay(10 * 365 * 86_400_000), maxTimerDelayMs);
	assert.is(timerDelay(-5), 0);
	assert.is(timerDelay(Number.NaN), 0);
	assert.is(timerDelay(1500), 1500);
});

test('a sleep longer than the timer maximum is chained timers that together wait the whole time', async () => {
	const fake = fakeTimers();
	const wait = createSleep(fake.timers);
	let done = false;
	const total = maxTimerDelayMs * 2 + 5_000;
	const pending = wait(total, new AbortController().signal).then(() => void (done = true));
	assert.equal(fake.delays, [maxTimerDelayMs]);
	fake.fire();
	await Promise.resolve();
	await Promise.resolve();
	assert.is(done, false);
	assert.equal(fake.delays, [maxTimerDelayMs, maxTimerDelayMs]);
	fake.fire();
	await Promise.resolve();
	await Promise.resolve();
	assert.equal(fake.delays, [maxTimerDelayMs, maxTimerDelayMs, 5_000]);
	fake.fire();
	await pending;
	assert.is(done, true);
	assert.ok(fake.delays.every((ms) => ms <= maxTimerDelayMs));
});

test('an abort during a chained sleep clears the pending timer', async () => {
	const fake = fakeTimers();
	const wait = createSleep(fake.timers);
	const controller = new AbortController();
	const pending = wait(maxTimerDelayMs + 1, controller.signal).then(
		() => 'resolved',
		() => 'rejected',
	);
	fake.fire();
	await Promise.resolve();
	await Promise.resolve();
	assert.is(fake.pending, 1);
	controller.abort(new Error('stop'));
	assert.is(await pending, 'rejected');
	assert.is(fake.pending, 0);
});

test.run();
