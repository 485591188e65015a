/**
 * @module One webhook POST with a per-attempt timeout and bounded retries.
 *
 * NTH posts once with a 5 s timeout and never retries (upstream-nth.md §8.21).
 * Here transport errors, attempt timeouts, 408, 429 and 5xx are retried with
 * exponential backoff and "equal jitter" (half the delay fixed, half random,
 * so retries never bunch at zero), honouring a Retry-After header when it fits
 * the time left. The whole exchange, attempts and waits, ends within
 * max(retryForMs, timeoutMs) of the start. Time comes from injected `now`,
 * `sleep` and `random`, so tests drive it with a fake clock.
 *
 * ky is bypassed here on purpose (checked against ky 2.1.0): its retry wait
 * (utils/delay.js), its `timeout` and `totalTimeout` (utils/timeout.js) and
 * the bound on reading an `HTTPError`'s body (10 s when `timeout` is false) all
 * run on the global setTimeout, which an injected clock cannot drive — the
 * unit tests would have to sleep for real through 30 s retry windows — and the
 * retry budget (WEBHOOK_RETRY_FOR across attempts and waits, Retry-After only
 * when it fits) is our policy, not ky's. There are no credentials to add
 * (the headers are the configured ones), so a hook has nothing to do either.
 */
import { isAbortError } from '../errors.ts';
import type { Sleep } from '../clock.ts';
import type { FetchFn } from '../runtime/types.ts';

export interface PostOptions {
	readonly fetch: FetchFn;
	readonly url: string;
	readonly headers: Readonly<Record<string, string>>;
	readonly body: string;
	/** Per-attempt timeout (WEBHOOK_TIMEOUT). */
	readonly timeoutMs: number;
	/** Keep retrying this long after the first attempt started (WEBHOOK_RETRY_FOR); 0 means one attempt. */
	readonly retryForMs: number;
	/** Wall clock, epoch ms (Retry-After may be an HTTP date). */
	readonly now: () => number;
	readonly sleep: Sleep;
	/** Uniform in [0, 1). */
	readonly random: () => number;
	/** Called after each failed attempt that will be retried (for logs). */
	readonly onRetry?: ((failure: AttemptFailure, delayMs: number) => void) | undefined;
	/** Called once the first attempt is over, whatever its result (the sink's next message may then start). */
	readonly onFirstAttemptDone?: (() => void) | undefined;
	/**
	 * Stops the retries, not an attempt in flight: a retry wait ends at once and
	 * no further attempt starts (a newer message about the same event superseded this one).
	 */
	readonly stopRetrying?: AbortSignal | undefined;
}

/** Why one attempt failed. */
export type AttemptFailure =
	| { readonly kind: 'status'; readonly attempt: number; readonly status: number; readonly body: string }
	| { readonly kind: 'transport'; readonly attempt: number; readonly error: unknown }
	| { readonly kind: 'timeout'; readonly attempt: number; readonly timeoutMs: number };

export type PostResult =
	| { readonly ok: true; readonly status: number; readonly attempts: number }
	| {
			readonly ok: false;
			readonly attempts: number;
			readonly last: AttemptFailure | undefined;
			readonly aborted: boolean;
			/** Retries ended by `stopRetrying`. */
			readonly superseded?: true;
	  };

/** First retry delay before jitter. */
export const initialBackoffMs = 500;
/** Longest retry delay before jitter. */
export const maxBackoffMs = 30_000;
const retryStatuses = new Set([408, 429, 500, 502, 503, 504]);
const bodySnippetChars = 300;
/** A retry is not started with less time than this (or the timeout, if shorter) before the deadline. */
const minAttemptMs = 1_000;

/** Delay before retry number `retry` (1-based): exponential, capped, equal jitter. */
export function backoffMs(retry: number, random: () => number): number {
	const full = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (retry - 1));
	return Math.round(full / 2 + random() * (full / 2));
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
	if (header === null || header.trim() === '') return undefined;
	const text = header.trim();
	if (/^\d+$/.test(text)) return Number(text) * 1000;
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

type Attempt =
	| { readonly ok: true; readonly status: number }
	| { readonly ok: false; readonly failure: AttemptFailure; readonly retryAfterMs?: number | undefined };

async function attemptOnce(options: PostOptions, attempt: number, timeoutMs: number, signal: AbortSignal): Promise<Attempt> {
	const controller = new AbortController();
	const timer = new AbortController();
	const onOuterAbort = (): void => controller.abort(signal.reason);
	signal.addEventListener('abort', onOuterAbort, { once: true });
	let timedOut = false;
	options.sleep(timeoutMs, timer.signal).then(
		() => {
			timedOut = true;
			controller.abort(new DOMException(`The webhook did not answer within ${timeoutMs} ms`, 'TimeoutError'));
		},
		// Rejects only when the attempt finished first and cancelled the timer: nothing to do.
		() => {},
	);
	try {
		const response = await options.fetch(options.url, {
			method: 'POST',
			headers: options.headers,
			// Bytes, not a string: fetch would add "Content-Type: text/plain" to a string body, and NTH sends only the configured headers.
			body: new TextEncoder().encode(options.body),
			signal: controller.signal,
		});
		if (response.ok) {
			await response.body?.cancel();
			return { ok: true, status: response.status };
		}
		const body = (await response.text()).slice(0, bodySnippetChars);
		const failure: AttemptFailure = { kind: 'status', attempt, status: response.status, body };
		return { ok: false, failure, retryAfterMs: retryAfterMs(response.headers.get('retry-after'), options.now()) };
	} catch (error) {
		if (timedOut) return { ok: false, failure: { kind: 'timeout', attempt, timeoutMs } };
		if (signal.aborted) throw error;
		return { ok: false, failure: { kind: 'transport', attempt, error } };
	} finally {
		timer.abort();
		signal.removeEventListener('abort', onOuterAbort);
	}
}

function retryable(failure: AttemptFailure): boolean {
	return failure.kind !== 'status' || retryStatuses.has(failure.status);
}

/** POSTs `body` until a 2xx, a non-retryable answer, the time budget, `stopRetrying` or the signal ends it. Never throws. */
export async function postWithRetry(options: PostOptions, signal: AbortSignal): Promise<PostResult> {
	const startMs = options.now();
	const deadlineMs = startMs + options.retryForMs;
	let last: AttemptFailure | undefined;
	const stop = options.stopRetrying;
	const retryWait = stop === undefined ? signal : AbortSignal.any([signal, stop]);
	let firstDone = false;
	const firstAttemptDone = (): void => {
		if (firstDone) return;
		firstDone = true;
		options.onFirstAttemptDone?.();
	};
	try {
		for (let attempt = 1; ; attempt += 1) {
			const remainingMs = deadlineMs - options.now();
			// The first attempt always gets the full timeout (WEBHOOK_RETRY_FOR=0 is NTH's single try); retries end by the deadline.
			const timeoutMs = attempt === 1 ? options.timeoutMs : Math.min(options.timeoutMs, remainingMs);
			let result: Attempt;
			try {
				if (signal.aborted) return { ok: false, attempts: attempt - 1, last, aborted: true };
				result = await attemptOnce(options, attempt, timeoutMs, signal);
			} catch (error) {
				// attemptOnce rethrows only the caller's abort; anything else would be a bug worth surfacing as a failure.
				return {
					ok: false,
					attempts: attempt,
					last: last ?? { kind: 'transport', attempt, error },
					aborted: isAbortError(error) || signal.aborted,
				};
			}
			firstAttemptDone();
			if (result.ok) return { ok: true, status: result.status, attempts: attempt };
			last = result.failure;
			if (!retryable(last)) return { ok: false, attempts: attempt, last, aborted: false };
			if (stop?.aborted) return { ok: false, attempts: attempt, last, aborted: false, superseded: true };
			const delayMs = result.retryAfterMs ?? backoffMs(attempt, options.random);
			// A retry must leave itself time to run before the deadline; a Retry-After beyond it means giving up now.
			if (options.now() + delayMs + Math.min(options.timeoutMs, minAttemptMs) > deadlineMs)
				return { ok: false, attempts: attempt, last, aborted: false };
			options.onRetry?.(last, delayMs);
			try {
				await options.sleep(delayMs, retryWait);
			} catch {
				// The wait rejects only when the caller's signal aborts (stop) or a newer message supersedes this one.
				if (signal.aborted) return { ok: false, attempts: attempt, last, aborted: true };
				return { ok: false, attempts: attempt, last, aborted: false, superseded: true };
			}
			if (stop?.aborted) return { ok: false, attempts: attempt, last, aborted: false, superseded: true };
		}
	} finally {
		firstAttemptDone();
	}
}
