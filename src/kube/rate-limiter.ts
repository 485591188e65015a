/**
 * @module Client-side rate limiting of Kubernetes API requests (client-go's QPS/Burst).
 *
 * A token bucket that holds up to `burst` tokens and refills at `qps` per
 * second. A request takes a token; when none is left it reserves the next one
 * and waits for it, so concurrent callers are served in arrival order (tokens
 * may go negative, like golang.org/x/time/rate reservations). A caller that
 * aborts while waiting hands its reservation back.
 */
import { sleep as realSleep, type Sleep } from '../clock.ts';

export interface TokenBucketOptions {
	/** Sustained requests per second. */
	readonly qps: number;
	/** Requests allowed at once after an idle period. */
	readonly burst: number;
	/** Monotonic clock in milliseconds. @default performance.now */
	readonly now?: (() => number) | undefined;
	/** @default an abortable setTimeout sleep */
	readonly sleep?: Sleep | undefined;
}

export interface RateLimiter {
	/** Waits until a request may be sent. Rejects when the signal aborts first. */
	acquire(signal: AbortSignal): Promise<void>;
}

/** Creates a token bucket; throws RangeError on a non-positive qps or burst. */
export function createTokenBucket(options: TokenBucketOptions): RateLimiter {
	const { qps, burst } = options;
	if (!(qps > 0) || !Number.isFinite(qps))
		throw new RangeError(`Cannot create a rate limiter as 'qps' must be a positive number: current value is ${qps}`);
	if (!(burst >= 1) || !Number.isFinite(burst))
		throw new RangeError(`Cannot create a rate limiter as 'burst' must be at least 1: current value is ${burst}`);
	const now = options.now ?? (() => performance.now());
	const sleep = options.sleep ?? realSleep;
	let tokens = burst;
	let last = now();

	return {
		async acquire(signal) {
			if (signal.aborted) throw signal.reason;
			const at = now();
			tokens = Math.min(burst, tokens + ((at - last) * qps) / 1000);
			last = at;
			tokens -= 1;
			if (tokens >= 0) return;
			const waitMs = (-tokens * 1000) / qps;
			try {
				await sleep(waitMs, signal);
			} catch (error) {
				// Not a swallow: the abort is rethrown; only the unused reservation is returned.
				tokens += 1;
				throw error;
			}
		},
	};
}
