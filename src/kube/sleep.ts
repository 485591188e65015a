/**
 * @module An abortable sleep, the default for every injectable `sleep` in kube/ and node/.
 */

/** The signature tests replace to advance a fake clock instead of waiting. */
export type SleepFn = (ms: number, signal: AbortSignal) => Promise<void>;

function abortReason(signal: AbortSignal): unknown {
	return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Resolves after `ms` milliseconds; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
