/**
 * @module Retrying a step the drain cannot go on without (listing the node's
 * pods) with kubectl's backoff, until it succeeds or the deadline leaves no
 * time for another try.
 */
import { isAbortError } from '../errors.ts';
import type { FollowDeps } from './follow.ts';
import { evictBackoffMs } from './options.ts';

export interface RetryJob<T> {
	/** For the log line: "Cannot <what>: will retry". */
	readonly what: string;
	readonly deadlineMs: number;
	readonly attempt: (signal: AbortSignal) => Promise<T>;
}

/** Runs the job until it succeeds, backing off, until the deadline; undefined when it never did. Aborts throw. */
export async function retryUntilDeadline<T>(deps: FollowDeps, job: RetryJob<T>, signal: AbortSignal): Promise<T | undefined> {
	for (let failures = 1; ; failures += 1) {
		try {
			return await job.attempt(signal);
		} catch (error) {
			if (signal.aborted || isAbortError(error)) throw error;
			deps.log.warn(`Cannot ${job.what}: will retry`, { error });
			deps.metrics.errorCaught('drain');
			const waitMs = Math.min(evictBackoffMs(failures), job.deadlineMs - deps.now());
			if (waitMs <= 0) return undefined;
			await deps.sleep(waitMs, signal);
		}
	}
}
