/**
 * @module List-then-watch, kept alive: the one loop behind the drain's pod
 * watch and PDB watch.
 *
 * It lists (unless given a resourceVersion to start from), watches from there,
 * resumes from the last resourceVersion seen (bookmarks included) when the
 * server ends a watch, relists at once on 410 Gone, and backs off on other
 * errors. It returns when the signal aborts, or when `stopOn` says an error is
 * permanent (e.g. 403: no RBAC for this resource).
 */
import { isAbortError, isKubeError } from '../errors.ts';
import type { ListResult, WatchEvent } from '../kube/api.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';

export interface FollowSource<T> {
	readonly what: string;
	list(signal: AbortSignal): Promise<ListResult<T>>;
	watch(resourceVersion: string, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

export interface FollowHandlers<T> {
	/** A complete list: the first one and every relist. */
	sync(items: readonly T[], resourceVersion: string): void;
	/** One ADDED, MODIFIED or DELETED event (bookmarks only move the resourceVersion). */
	event(event: WatchEvent<T>): void;
	/** An error that ends following for good (stopOn said so). */
	stopped?(error: unknown): void;
}

export interface FollowDeps {
	readonly log: Logger;
	readonly metrics: Metrics;
	readonly now: () => number;
	readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface FollowOptions {
	/** Start watching from here instead of listing first. */
	readonly resourceVersion?: string | undefined;
	/** True for errors that retrying cannot fix. */
	readonly stopOn?: ((error: unknown) => boolean) | undefined;
}

/** Backoff after consecutive failures: 0.5 s, 1 s, 2 s, then 4 s. */
export function followBackoffMs(failures: number): number {
	return Math.min(4000, 500 * 2 ** Math.max(0, failures - 1));
}

/** A watch that ends sooner than this without any event counts as a failure (no hot loop on a server that closes at once). */
const shortWatchMs = 1000;

const abortedMark = Symbol('aborted');

type Meta = { readonly metadata: { readonly resourceVersion?: string | undefined } };

export async function follow<T extends Meta>(
	deps: FollowDeps,
	source: FollowSource<T>,
	handlers: FollowHandlers<T>,
	options: FollowOptions,
	signal: AbortSignal,
): Promise<void> {
	// Resolves on abort, so a watch whose stream ignores the abort (the transport lost it) cannot keep us here.
	const aborted = new Promise<typeof abortedMark>((resolve) => {
		if (signal.aborted) resolve(abortedMark);
		else signal.addEventListener('abort', () => resolve(abortedMark), { once: true });
	});
	let resourceVersion = options.resourceVersion;
	let failures = 0;
	while (!signal.aborted) {
		try {
			if (resourceVersion === undefined) {
				const listed = await source.list(signal);
				handlers.sync(listed.items, listed.resourceVersion);
				resourceVersion = listed.resourceVersion;
			}
			const startedMs = deps.now();
			let events = 0;
			const iterator = source.watch(resourceVersion, signal)[Symbol.asyncIterator]();
			for (;;) {
				const pending = iterator.next();
				const next = await Promise.race([pending, aborted]);
				if (next === abortedMark) {
					// Errors of the abandoned read are the abort's consequence; nothing to report.
					pending.catch(() => {});
					void iterator.return?.()?.catch(() => {});
					return;
				}
				if (next.done === true) break;
				const event = next.value;
				events += 1;
				failures = 0;
				resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
				if (event.type !== 'BOOKMARK') handlers.event(event);
			}
			if (signal.aborted) return;
			// The server ended the watch (its timeout); resume where it stopped.
			if (events === 0 && deps.now() - startedMs < shortWatchMs) {
				failures += 1;
				await pause(deps, failures, signal);
			}
		} catch (error) {
			if (signal.aborted || isAbortError(error)) return;
			if (isKubeError(error) && error.status === 410) {
				// Too old a resourceVersion: relist, which also catches up on what was missed.
				deps.log.debug(`Relisting ${source.what}: resourceVersion expired`);
				resourceVersion = undefined;
				continue;
			}
			if (options.stopOn?.(error) === true) {
				handlers.stopped?.(error);
				return;
			}
			failures += 1;
			deps.log.warn(`Cannot watch ${source.what}: will retry`, { error });
			deps.metrics.errorCaught('drain');
			await pause(deps, failures, signal);
		}
	}
}

async function pause(deps: FollowDeps, failures: number, signal: AbortSignal): Promise<void> {
	try {
		await deps.sleep(followBackoffMs(failures), signal);
	} catch {
		// Aborted: the loop condition sees it and returns.
	}
}
