/**
 * @module Time as the IMDS client and the poll loops see it: injectable, so
 * unit tests drive retries, timeouts and intervals with a fake clock.
 */

/** Waits `ms` milliseconds; rejects with the signal's reason when it aborts first. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** A monotonic clock in milliseconds (only differences matter). */
export type Now = () => number;

/** The real {@link Sleep}, on `setTimeout`. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal.aborted) {
			reject(signal.reason);
			return;
		}
		const onAbort = (): void => {
			clearTimeout(timer);
			reject(signal.reason);
		};
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal.addEventListener('abort', onAbort, { once: true });
	});
}

/** The real {@link Now}: `performance.now()`, which wall-clock steps (NTP, suspend) do not move backwards. */
export function monotonicNow(): number {
	return performance.now();
}
