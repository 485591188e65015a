/**
 * @module Time as the agent sees it: one injectable `Sleep` and `Now` for
 * every domain, so unit tests drive retries, timeouts, intervals and drains
 * with a fake clock instead of waiting.
 */

/** Waits `ms` milliseconds; rejects with the signal's reason when it aborts first. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** A monotonic clock in milliseconds (only differences matter). */
export type Now = () => number;

function abortReason(signal: AbortSignal): unknown {
	return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * The longest delay a timer takes: above 2³¹−1 ms, `setTimeout` fires after
 * 1 ms instead (with a TimeoutOverflowWarning), so a notice time far in the
 * future would spin the agent. Longer waits are chained timers of at most this.
 */
export const maxTimerDelayMs = 2 ** 31 - 1;

/** A delay a timer can take: NaN and negatives are 0, the rest at most {@link maxTimerDelayMs}. */
export function timerDelay(ms: number): number {
	if (!(ms > 0)) return 0;
	return Math.min(ms, maxTimerDelayMs);
}

/** The timer functions {@link createSleep} needs (globalThis, or a test's fake). */
export interface Timers<Handle> {
	setTimeout(callback: () => void, ms: number): Handle;
	clearTimeout(handle: Handle): void;
}

/** A {@link Sleep} on the given timers; waits longer than {@link maxTimerDelayMs} re-arm until the whole time has passed. */
export function createSleep<Handle>(timers: Timers<Handle>): (ms: number, signal?: AbortSignal) => Promise<void> {
	const wait = (ms: number, signal: AbortSignal | undefined): Promise<void> => {
		// biome-ignore lint/complexity/useMathMinMax: a NaN delay sleeps 0 ms here; Math.max(NaN, 0) is NaN
		const total = ms > 0 ? ms : 0;
		const first = timerDelay(total);
		if (signal?.aborted === true) return Promise.reject(abortReason(signal));
		const step = new Promise<void>((resolve, reject) => {
			const onAbort = (): void => {
				timers.clearTimeout(timer);
				if (signal) reject(abortReason(signal));
			};
			const timer = timers.setTimeout(() => {
				signal?.removeEventListener('abort', onAbort);
				resolve();
			}, first);
			signal?.addEventListener('abort', onAbort, { once: true });
		});
		return total > first ? step.then(() => wait(total - first, signal)) : step;
	};
	return wait;
}

/** The real {@link Sleep}, on `setTimeout` (a negative `ms` waits 0); without a signal it cannot be cut short. */
export const sleep: (ms: number, signal?: AbortSignal) => Promise<void> = createSleep({
	setTimeout: (callback, ms) => setTimeout(callback, ms),
	clearTimeout: (handle) => clearTimeout(handle),
});

/** The real {@link Now}: `performance.now()`, which wall-clock steps (NTP, suspend) do not move backwards. */
export function monotonicNow(): number {
	return performance.now();
}
