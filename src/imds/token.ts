/**
 * @module The IMDSv2 session token: fetched once, shared, refreshed before it
 * expires, dropped on 401; IMDSv1 when IMDS will not hand one out.
 *
 * Fixes to NTH (§8.9): the token is read and written in one place (no
 * unlocked reads); after a failed PUT the agent stays on IMDSv1 and asks for
 * a token again only every `reprobeMs` or after a 401, instead of sending a
 * PUT before every GET; concurrent callers share one PUT (AEMM's token map is
 * not thread-safe either).
 *
 * A PUT whose every caller has stopped waiting (a poll past its deadline) is
 * abandoned, not counted as a failure: the next caller sends a fresh one, so
 * a PUT left hanging by an IMDS outage cannot hold the first poll after the
 * outage, and the mode learnt before the outage stands.
 */
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { Now } from '../clock.ts';

export const tokenTtlHeader = 'x-aws-ec2-metadata-token-ttl-seconds';
export const tokenHeader = 'x-aws-ec2-metadata-token';

/** What the token source reads of the PUT's answer (the transport's ImdsAnswer has it, body read whole). */
export interface TokenAnswer {
	readonly status: number;
	readonly headers: Headers;
	readonly body: string;
}

export interface TokenSourceOptions {
	/** One `PUT /latest/api/token` with the TTL header; bounded by the transport timeout and `signal`, never retried (as NTH). */
	readonly put: (ttlSeconds: number, signal: AbortSignal) => Promise<TokenAnswer>;
	readonly now: Now;
	readonly ttlSeconds: number;
	/** How long to stay on IMDSv1 before asking for a token again (a 401 asks at once). */
	readonly reprobeMs: number;
	readonly log: Logger;
	readonly metrics: Metrics;
}

export interface TokenSource {
	/** The token to send, or undefined for IMDSv1. Fetches or refreshes it when due; concurrent callers share one PUT. */
	token(signal: AbortSignal): Promise<string | undefined>;
	/** IMDS answered 401 to a request sent with `token` (undefined: sent without one). */
	rejected(token: string | undefined): void;
	/** A response carried the TTL header: the remaining life of the `token` it was sent with. */
	observeTtl(token: string | undefined, header: string | null): void;
	mode(): 'unknown' | 'v2' | 'v1';
}

interface HeldToken {
	readonly value: string;
	expiresAt: number;
	readonly ttlMs: number;
}

/** While a refresh keeps failing and the old token is still valid, try again this often. */
const refreshRetryMs = 5_000;

function parseTtl(header: string | null): number | undefined {
	if (header === null || !/^\d+$/.test(header.trim())) return undefined;
	const seconds = Number(header.trim());
	return seconds > 0 ? seconds : undefined;
}

/** Refresh this long before expiry: a minute, or a quarter of a short TTL. */
function marginMs(token: HeldToken): number {
	return Math.min(60_000, token.ttlMs / 4);
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) return Promise.reject(signal.reason);
	return new Promise((resolve, reject) => {
		const onAbort = (): void => reject(signal.reason);
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}

export function createTokenSource(options: TokenSourceOptions): TokenSource {
	const { now, log } = options;
	let held: HeldToken | undefined;
	let mode: 'unknown' | 'v2' | 'v1' = 'unknown';
	/** No PUT before this time (0: whenever a token is needed). */
	let probeAfter = 0;
	let pending: { readonly done: Promise<void>; readonly controller: AbortController; waiters: number } | undefined;

	const valid = (at: number): string | undefined => (held !== undefined && held.expiresAt > at ? held.value : undefined);

	function failed(reason: string, cause?: unknown): void {
		const at = now();
		log.debug('Unable to retrieve an IMDSv2 token, continuing with IMDSv1', { error: cause ?? reason, reason });
		if (valid(at) !== undefined) {
			// The old token still works for a while: keep it and try the refresh again soon.
			probeAfter = at + refreshRetryMs;
			return;
		}
		held = undefined;
		mode = 'v1';
		probeAfter = at + options.reprobeMs;
	}

	async function refresh(signal: AbortSignal): Promise<void> {
		log.debug('Trying to get token from IMDSv2');
		let response: TokenAnswer;
		try {
			response = await options.put(options.ttlSeconds, signal);
		} catch (error) {
			if (signal.aborted) {
				// Not a failure of IMDS: every caller gave up (their own failure is counted by them).
				log.debug('Abandoned the IMDSv2 token request: no caller is waiting for it', { error });
				return;
			}
			options.metrics.errorCaught('imds');
			failed('no answer', error);
			return;
		}
		if (response.status < 200 || response.status > 299) return failed(`status ${response.status}`);
		const ttlSeconds = parseTtl(response.headers.get(tokenTtlHeader));
		if (ttlSeconds === undefined) return failed(`no usable ${tokenTtlHeader} header`);
		const value = response.body;
		if (value === '') return failed('empty token');
		held = { value, expiresAt: now() + ttlSeconds * 1000, ttlMs: ttlSeconds * 1000 };
		mode = 'v2';
		probeAfter = 0;
		log.debug('Got token from IMDSv2');
	}

	return {
		async token(signal) {
			const at = now();
			if (held !== undefined && held.expiresAt - at > marginMs(held)) return held.value;
			if (at < probeAfter) return valid(at);
			if (pending === undefined) {
				const controller = new AbortController();
				const entry = {
					controller,
					waiters: 0,
					done: refresh(controller.signal).finally(() => {
						if (pending === entry) pending = undefined;
					}),
				};
				pending = entry;
			}
			const current = pending;
			current.waiters += 1;
			try {
				await untilAborted(current.done, signal);
			} finally {
				current.waiters -= 1;
				if (signal.aborted && current.waiters === 0) {
					current.controller.abort(new Error('Every caller stopped waiting for the IMDSv2 token'));
					if (pending === current) pending = undefined;
				}
			}
			return valid(now());
		},
		rejected(token) {
			if (token === undefined) {
				// IMDS may have been switched to "tokens required": ask for one on the next request.
				probeAfter = 0;
			} else if (held?.value === token) {
				held = undefined;
				probeAfter = 0;
			}
		},
		observeTtl(token, header) {
			const seconds = parseTtl(header);
			if (seconds !== undefined && held !== undefined && held.value === token) held.expiresAt = now() + seconds * 1000;
		},
		mode: () => mode,
	};
}
