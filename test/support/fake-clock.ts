/**
 * @module The one fake clock of the unit tests. Time stands still until the
 * test moves it; a sleep settles only when the clock reaches its end. The
 * rules, held to the real clock (src/clock.ts) by test/unit/clock-contract.test.ts:
 *
 * - `now()` is wall time in epoch ms (starts at 2023-11-14T22:13:20Z, 1.7e12,
 *   unless told otherwise); `monotonic()` starts at 0 and moves with it. Both
 *   only move forward, and only when a timer fires or `advance` is called.
 * - `sleep(ms, signal)` obeys the real sleep: on a signal already aborted it
 *   rejects at once; an abort during the wait rejects it and drops its timer;
 *   the rejection is the signal's reason (an `AbortError` DOMException when
 *   it has none). NaN and negative waits are 0, and a 0 wait still needs the
 *   clock to run (as a real 0 ms timer still needs the event loop). There is
 *   no 2³¹−1 ms cap to chain past: a long wait is one timer.
 * - Timers fire in order of due time, then of creation.
 * - Between two timers everything not waiting on a timer runs first: the
 *   clock turns the event loop (`setImmediate`, which runs after every promise
 *   callback and lets finished I/O in) until no timer has been armed or dropped
 *   for 1 ms of real time, so code woken by one timer arms the next before the
 *   clock moves past it, and thread-pool work (a gzip body inflating) finishes.
 *   `run` stops turning as soon as its promise settles.
 * - Every wait asked for is kept in `sleeps`, in call order (those rejected at
 *   once included).
 * - More than 2,000 timers firing without time moving is a spin (a loop
 *   re-arming 0 ms waits): `advance`, `run` and `runUntilIdle` fail on it.
 *
 * Not a test file (no `.test.ts` suffix).
 */
import type { Sleep } from '../../src/clock.ts';

/** Wall time the clock starts at unless told otherwise (epoch ms). */
export const fakeEpochMs = 1_700_000_000_000;

interface Timer {
	readonly at: number;
	readonly seq: number;
	readonly fire: () => void;
}

export interface FakeClock {
	/** Wall time, epoch ms (pass where the code wants `Date.now`). */
	readonly now: () => number;
	/** Monotonic time, ms since the clock was made (pass where the code wants `performance.now`). */
	readonly monotonic: () => number;
	/** A {@link Sleep} on this clock; without a signal it cannot be cut short (as the real one). */
	readonly sleep: Sleep & ((ms: number, signal?: AbortSignal) => Promise<void>);
	/** Every wait asked for, in call order. */
	readonly sleeps: number[];
	/** Timers waiting to fire. */
	pending(): number;
	/** Runs `action` when the clock reaches wall time `atMs` (test-side changes: a kubelet finishing a pod…). */
	at(atMs: number, action: () => void): void;
	/** Lets everything that is not waiting on a timer run; time does not move. */
	settle(): Promise<void>;
	/** Moves time forward by `ms`, firing the timers due on the way in order and settling after each. */
	advance(ms: number): Promise<void>;
	/** Fires timers one at a time, settling between them, until none is left. Fails on a timer that re-arms forever. */
	runUntilIdle(): Promise<void>;
	/** Settles `promise`, firing the next timer whenever everything else is idle. Fails if it can never settle. */
	run<T>(promise: Promise<T>): Promise<T>;
}

/** The reason the real sleep rejects with. */
function abortReason(signal: AbortSignal): unknown {
	return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** As the real sleep waits: NaN and negatives are 0. */
function waitMs(ms: number): number {
	return Number.isNaN(ms) ? 0 : Math.max(0, ms);
}

function immediate(): Promise<void> {
	// setImmediate runs after every pending promise callback: all work not waiting on a timer has had its turn.
	return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Real time the clock waits with nothing armed or dropped before it moves on: work
 * outside the promise queue (a zlib stream inflating a body on the thread pool)
 * finishes within it. Immediates alone let the IMDS body-cap test's timeout fire
 * first in 3 of 25 runs; 0.5 and 1 ms passed 30 of 30 (1 ms kept for loaded CI).
 */
const quietMs = 1;

const maxSteps = 500_000;
const maxSameTimeFires = 2_000;

/** Turns without a timer `run` waits (for work outside the clock: a local socket) before it calls a deadlock. */
const idleTurns = 20;

/** A clock standing at wall time `startMs` (epoch ms). */
export function fakeClock(startMs = fakeEpochMs): FakeClock {
	let elapsed = 0;
	let seq = 0;
	/** Bumped whenever a timer is armed or dropped: settle() waits until it stops moving. */
	let changes = 0;
	const timers: Timer[] = [];
	const sleeps: number[] = [];

	const drop = (timer: Timer): void => {
		const index = timers.indexOf(timer);
		if (index >= 0) {
			timers.splice(index, 1);
			changes += 1;
		}
	};

	const arm = (ms: number, fire: () => void): Timer => {
		const timer: Timer = { at: elapsed + waitMs(ms), seq: seq++, fire };
		timers.push(timer);
		changes += 1;
		return timer;
	};

	const sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
		sleeps.push(ms);
		if (signal?.aborted === true) return Promise.reject(abortReason(signal));
		return new Promise<void>((resolve, reject) => {
			const onAbort = (): void => {
				drop(timer);
				if (signal) reject(abortReason(signal));
			};
			const timer = arm(ms, () => {
				signal?.removeEventListener('abort', onAbort);
				resolve();
			});
			signal?.addEventListener('abort', onAbort, { once: true });
		});
	};

	const next = (): Timer | undefined => {
		let best: Timer | undefined;
		for (const timer of timers)
			if (best === undefined || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
		return best;
	};

	/** Timers fired in a row without time moving: code that re-arms a 0 ms wait forever spins instead of waiting. */
	let firedAtSameTime = 0;
	const fire = (timer: Timer): void => {
		drop(timer);
		firedAtSameTime = timer.at > elapsed ? 0 : firedAtSameTime + 1;
		if (firedAtSameTime > maxSameTimeFires)
			throw new Error(
				`Cannot run the fake clock: ${maxSameTimeFires} timers fired without time moving (a loop re-arming 0 ms waits spins)`,
			);
		elapsed = Math.max(elapsed, timer.at);
		timer.fire();
	};

	/** Lets work run until the timers have been still for {@link quietMs} (or `done()` holds). */
	const settle = async (done: () => boolean = () => false): Promise<void> => {
		let quietSince = performance.now();
		for (let turn = 0; turn < 10_000; turn += 1) {
			const before = changes;
			await immediate();
			if (done()) return;
			if (changes !== before) quietSince = performance.now();
			else if (performance.now() - quietSince >= quietMs) return;
		}
	};

	return {
		now: () => startMs + elapsed,
		monotonic: () => elapsed,
		sleep,
		sleeps,
		pending: () => timers.length,
		at(atMs, action) {
			arm(atMs - startMs - elapsed, action);
		},
		settle,
		async advance(ms) {
			const target = elapsed + waitMs(ms);
			await settle();
			for (let timer = next(); timer !== undefined && timer.at <= target; timer = next()) {
				fire(timer);
				await settle();
			}
			elapsed = target;
			await settle();
		},
		async runUntilIdle() {
			await settle();
			for (let step = 0; step < maxSteps; step += 1) {
				const timer = next();
				if (timer === undefined) return;
				fire(timer);
				await settle();
			}
			throw new Error(`Cannot run the fake clock until idle: timers still armed after ${maxSteps} steps`);
		},
		async run<T>(promise: Promise<T>): Promise<T> {
			let settled = false;
			promise.then(
				() => (settled = true),
				() => (settled = true),
			);
			let idle = 0;
			for (let step = 0; step < maxSteps; step += 1) {
				await settle(() => settled);
				if (settled) return await promise;
				const timer = next();
				if (timer === undefined) {
					// Nothing armed: give outside work (a local socket, a stream) a few turns before calling it a deadlock.
					idle += 1;
					if (idle > idleTurns) throw new Error('Cannot settle the promise: nothing is pending on the fake clock (deadlock)');
					continue;
				}
				idle = 0;
				fire(timer);
			}
			throw new Error(`Cannot settle the promise: still pending after ${maxSteps} fake-clock steps`);
		},
	};
}
