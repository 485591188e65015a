/**
 * @module The fake clock (test/support/fake-clock.ts) held to the real one
 * (src/clock.ts): the same cases run on both. The real clock sleeps for a few
 * milliseconds at most (a case that needs a long wait aborts it), so no case
 * asserts a wall-clock duration; the fake runs its timers with `run`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { monotonicNow, sleep as realSleep } from '../../src/clock.ts';
import { fakeClock } from '../support/fake-clock.ts';

interface ClockUnderTest {
	readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
	readonly monotonic: () => number;
	/** Settles `promise`, letting the clock's time pass. */
	run<T>(promise: Promise<T>): Promise<T>;
}

const outcome = (promise: Promise<void>): Promise<unknown> =>
	promise.then(
		() => 'resolved',
		(reason: unknown) => reason,
	);

function contract(name: string, make: () => ClockUnderTest): void {
	const test = suite(`clock contract: ${name}`);

	test('a signal already aborted rejects at once with its reason', async () => {
		const clock = make();
		const controller = new AbortController();
		controller.abort(new Error('stopping'));
		const error = await outcome(clock.sleep(3_600_000, controller.signal));
		assert.instance(error, Error);
		assert.is((error as Error).message, 'stopping');
	});

	test('an abort during the wait rejects it with the reason', async () => {
		const clock = make();
		const controller = new AbortController();
		const pending = outcome(clock.sleep(3_600_000, controller.signal));
		controller.abort(new Error('replaced'));
		const error = await pending;
		assert.instance(error, Error);
		assert.is((error as Error).message, 'replaced');
	});

	test('an abort without a reason rejects with an AbortError DOMException', async () => {
		const clock = make();
		const signal = { aborted: true, reason: undefined } as unknown as AbortSignal;
		const error = await outcome(clock.sleep(10, signal));
		assert.instance(error, DOMException);
		assert.is((error as DOMException).name, 'AbortError');
	});

	test('abort() with no argument rejects with an AbortError', async () => {
		const clock = make();
		const controller = new AbortController();
		const pending = outcome(clock.sleep(3_600_000, controller.signal));
		controller.abort();
		const error = await pending;
		assert.instance(error, DOMException);
		assert.is((error as DOMException).name, 'AbortError');
	});

	test('negative and NaN waits resolve (as 0), without a signal too', async () => {
		const clock = make();
		assert.is(await clock.run(outcome(clock.sleep(-5))), 'resolved');
		assert.is(await clock.run(outcome(clock.sleep(Number.NaN, new AbortController().signal))), 'resolved');
	});

	test('a 0 ms wait does not resolve before the promise callbacks queued before it', async () => {
		const clock = make();
		const order: string[] = [];
		const waited = clock.sleep(0, new AbortController().signal).then(() => void order.push('sleep'));
		void Promise.resolve().then(() => void order.push('microtask'));
		await clock.run(waited);
		assert.equal(order, ['microtask', 'sleep']);
	});

	test('a wait resolves, and monotonic time has moved by at least its length', async () => {
		const clock = make();
		const before = clock.monotonic();
		await clock.run(clock.sleep(5, new AbortController().signal));
		// Node rounds timers to whole milliseconds of its loop time: a real 5 ms timer can fire up to 1 ms early by performance.now().
		assert.ok(clock.monotonic() - before >= 4, `moved ${clock.monotonic() - before} ms`);
	});

	test('timers fire in order of due time, then of creation', async () => {
		const clock = make();
		const signal = new AbortController().signal;
		const order: string[] = [];
		const waits = [
			clock.sleep(4, signal).then(() => void order.push('4 ms')),
			clock.sleep(1, signal).then(() => void order.push('1 ms, first')),
			clock.sleep(1, signal).then(() => void order.push('1 ms, second')),
		];
		await clock.run(Promise.all(waits));
		assert.equal(order, ['1 ms, first', '1 ms, second', '4 ms']);
	});

	test('an aborted wait does not fire later: the others still do', async () => {
		const clock = make();
		const controller = new AbortController();
		const order: string[] = [];
		const aborted = outcome(clock.sleep(1, controller.signal).then(() => void order.push('aborted one')));
		controller.abort(new Error('stop'));
		await clock.run(clock.sleep(3, new AbortController().signal).then(() => void order.push('other')));
		await aborted;
		assert.equal(order, ['other']);
	});

	test.run();
}

contract('real (src/clock.ts)', () => ({ sleep: realSleep, monotonic: monotonicNow, run: (promise) => promise }));
contract('fake (test/support/fake-clock.ts)', () => {
	const clock = fakeClock();
	return { sleep: clock.sleep, monotonic: clock.monotonic, run: (promise) => clock.run(promise) };
});

const fake = suite('fakeClock() beyond the contract');

fake('time moves only with the clock: now() is wall time, monotonic() moves with it', async () => {
	const clock = fakeClock(1_000);
	assert.is(clock.now(), 1_000);
	assert.is(clock.monotonic(), 0);
	const wait = clock.sleep(500, new AbortController().signal);
	await clock.settle();
	assert.is(clock.now(), 1_000, 'a pending wait does not move time');
	await clock.run(wait);
	assert.is(clock.now(), 1_500);
	assert.is(clock.monotonic(), 500);
	await clock.advance(250);
	assert.is(clock.now(), 1_750);
});

fake('advance fires the timers due on the way, lets the code they wake arm the next, and stops at the target', async () => {
	const clock = fakeClock(0);
	const signal = new AbortController().signal;
	const fired: number[] = [];
	void (async () => {
		for (let i = 0; i < 5; i += 1) {
			await clock.sleep(100, signal);
			fired.push(clock.now());
		}
	})();
	await clock.advance(250);
	assert.equal(fired, [100, 200]);
	assert.is(clock.now(), 250);
	assert.is(clock.pending(), 1);
	await clock.runUntilIdle();
	assert.equal(fired, [100, 200, 300, 400, 500]);
	assert.is(clock.pending(), 0);
});

fake('records every wait asked for, in call order, those rejected at once included', async () => {
	const clock = fakeClock();
	const aborted = new AbortController();
	aborted.abort();
	await outcome(clock.sleep(7, aborted.signal));
	const wait = clock.sleep(3, new AbortController().signal);
	await clock.run(wait);
	assert.equal(clock.sleeps, [7, 3]);
});

fake('at() runs an action at a wall time', async () => {
	const clock = fakeClock(10_000);
	const seen: number[] = [];
	clock.at(12_000, () => seen.push(clock.now()));
	await clock.advance(5_000);
	assert.equal(seen, [12_000]);
});

fake('run() fails on a promise nothing on the clock can settle (deadlock)', async () => {
	const clock = fakeClock();
	const error = await clock.run(new Promise<void>(() => {})).then(
		() => undefined,
		(reason: unknown) => reason,
	);
	assert.instance(error, Error);
	assert.match((error as Error).message, /deadlock/);
});

fake('a loop re-arming 0 ms waits is reported as a spin, not run forever', async () => {
	const clock = fakeClock();
	const signal = new AbortController().signal;
	const spin = async (): Promise<void> => {
		for (;;) await clock.sleep(0, signal);
	};
	void spin();
	const error = await clock.advance(1).then(
		() => undefined,
		(reason: unknown) => reason,
	);
	assert.instance(error, Error);
	assert.match((error as Error).message, /without time moving/);
});

fake.run();
