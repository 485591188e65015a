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

/** The real {@link Sleep}, on `setTimeout` (a negative `ms` waits 0); without a signal it cannot be cut short. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (signal === undefined) return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
	if (signal.aborted) return Promise.reject(abortReason(signal));
	return new Promise((resolve, reject) => {
		const onAbort = (): void => {
			clearTimeout(timer);
			reject(abortReason(signal));
		};
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		}, Math.max(0, ms));
		signal.addEventListener('abort', onAbort, { once: true });
	});
}

/** The real {@link Now}: `performance.now()`, which wall-clock steps (NTP, suspend) do not move backwards. */
export function monotonicNow(): number {
	return performance.now();
}
