/**
 * @module The IMDS client over an injectable fetch, with the IMDSv2 token,
 * retries, bounded bodies, and the IPv6 fallback.
 *
 * Per request: take the token (token.ts), GET through the transport
 * (transport.ts: timeout, body cap, endpoint choice), then
 * - 401: drop that token and go round once more with a new one;
 * - transport error or 5xx: retry, by the request's policy;
 * - 404: `undefined`; any other non-2xx: ImdsError.
 *
 * Two retry policies:
 * - `startup` (the default; the instance facts read once at start): up to
 *   `tries` attempts (METADATA_TRIES) with NTH's jittered doubling sleeps
 *   (NTH retries transport errors only, §8.9). A second 401 is an ImdsError.
 * - `poll` (the notice paths, polled every interval): never sleeps. A
 *   transport error, a 5xx or a repeated 401 is retried at once, up to
 *   {@link pollAttempts} attempts, each 401 with a fresh token; the caller's
 *   signal (the poll loop's deadline) bounds the whole call. A failed poll is
 *   retried by the next tick, so nothing learnt during an outage (a sleep, a
 *   backoff) delays the first poll after it.
 *
 * Why the retry loop is ours and not ky's `retry`: ky waits between attempts
 * and times them out on real `setTimeout`s, which unit tests cannot drive
 * with a fake clock, and its one retry budget would be shared between 401
 * re-token passes and transport retries.
 *
 * Why IMDS requests do not go through ky (the kube client and the webhooks
 * do): each poll through ky cost CPU that an idle agent pays 4.5 times a second. ky
 * merges options and headers, builds a Request, runs its hook chains and the
 * transport then rebuilt a Response around the read body; none of it is
 * needed for a GET of a fixed path. Measured under the shipped Bun
 * (BUN_JSC_useJIT=0), bench/poll-cost.ts, the poll loop idling at the default
 * 0.5 s against a local fake IMDS: see README "Speed" for the before/after.
 * ky's hooks (beforeRequest for the token, afterResponse for the 401
 * re-token) would put that chain back on every poll. The token PUT left ky
 * too: it is the first request of every start, and ky's first request (its
 * options, a Request, the hook chains) stood between the spawn and the first
 * spot poll (warm start 47.4–50.1 → 43.3–45.6 ms, `bench/idle.ts --phases=start`
 * for the cold figures), and ky is then first loaded with the kube client.
 */
import * as v from 'valibot';
import { ImdsError, isImdsError } from '../errors.ts';
import { clip } from '../log/clip.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { FetchFn } from '../runtime/types.ts';
import { monotonicNow, type Now, type Sleep, sleep as realSleep } from '../clock.ts';
import { tokenPath } from './paths.ts';
import { createTokenSource, tokenHeader, tokenTtlHeader } from './token.ts';
import { createImdsTransport, type ImdsAnswer } from './transport.ts';
import type { ImdsClient, ImdsRequestOptions, ImdsResponse } from './types.ts';

/** IMDS's IPv6 address (Nitro instances with the IPv6 endpoint enabled). */
export const defaultIpv6BaseUrl = 'http://[fd00:ec2::254]';

export interface ImdsClientOptions {
	readonly fetch: FetchFn;
	/** IMDS base URL; paths are appended to it (NTH's INSTANCE_METADATA_URL). */
	readonly baseUrl: string;
	/** @default defaultIpv6BaseUrl */
	readonly ipv6BaseUrl?: string | undefined;
	/** Try `ipv6BaseUrl` when `baseUrl` cannot be reached (and the other way round). */
	readonly ipv6Fallback: boolean;
	/** Attempts per request on transport errors and 5xx (METADATA_TRIES). */
	readonly tries: number;
	readonly log: Logger;
	readonly metrics: Metrics;
	/** @default monotonicNow */
	readonly now?: Now | undefined;
	/** @default sleep (setTimeout) */
	readonly sleep?: Sleep | undefined;
	/** Jitter source in [0, 1). @default Math.random */
	readonly random?: (() => number) | undefined;
	/** Per exchange, body included (NTH's HTTP client timeout). @default 2000 */
	readonly timeoutMs?: number | undefined;
	/**
	 * Token lifetime asked for. @default 21600 (6 h, the AWS maximum and the AWS
	 * SDKs' choice; NTH asks for 3600). A longer life means fewer PUTs, each of
	 * which can hit the hop-limit timeout in containers; the token never leaves
	 * the process, so a shorter one buys nothing.
	 */
	readonly tokenTtlSeconds?: number | undefined;
	/** After the token PUT failed, wait this long before asking again (a 401 asks at once). @default 300000 */
	readonly tokenReprobeMs?: number | undefined;
	/** First retry sleep before jitter; each next one doubles the previous (NTH: 2 s). @default 2000 */
	readonly retryBaseMs?: number | undefined;
	/** Largest body read; a larger one is refused with an ImdsError without reading it whole. @default 65536 */
	readonly maxBodyBytes?: number | undefined;
}

/** IMDS bodies are a few hundred bytes (the identity document ~500); 64 KiB leaves room and bounds memory. */
export const defaultMaxBodyBytes = 65_536;

const noHeaders: Readonly<Record<string, string>> = {};

/** Attempts per request under the `poll` policy (no sleep between them). */
export const pollAttempts = 4;

/** No single retry sleep exceeds this, whatever METADATA_TRIES says. */
const maxRetrySleepMs = 30_000;

/** Seconds as NTH's retry line means them (`2.5`, `6.25`): its Go `%s` of a Duration printed "2.5s seconds". */
export function retrySeconds(ms: number): string {
	return String(Number((ms / 1000).toFixed(3)));
}

/** Schema issues on one line (`v.summarize` spreads them over several, which breaks log lines); messages quote IMDS values, so each is clipped. */
function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
	const shown = issues.slice(0, 5).map((issue) => `${clip(v.getDotPath(issue) ?? 'body', 64)}: ${clip(issue.message, 256)}`);
	if (issues.length > shown.length) shown.push(`and ${issues.length - shown.length} more`);
	return shown.join('; ');
}

export function createImdsClient(options: ImdsClientOptions): ImdsClient {
	if (!Number.isInteger(options.tries) || options.tries < 1) {
		throw new RangeError(`Cannot create the IMDS client: tries must be a positive integer, got ${options.tries}`);
	}
	const { log, metrics, tries } = options;
	const now = options.now ?? monotonicNow;
	const sleep = options.sleep ?? realSleep;
	const random = options.random ?? Math.random;
	const retryBaseMs = options.retryBaseMs ?? 2000;
	const transport = createImdsTransport({
		fetch: options.fetch,
		baseUrl: options.baseUrl,
		ipv6BaseUrl: options.ipv6Fallback ? (options.ipv6BaseUrl ?? defaultIpv6BaseUrl) : undefined,
		timeoutMs: options.timeoutMs ?? 2000,
		maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes,
		sleep,
		log,
	});
	const tokens = createTokenSource({
		// The token source's signal, not a caller's: the PUT is shared by concurrent callers; the transport bounds it too.
		put: (ttlSeconds, signal) => transport.request('PUT', tokenPath, { [tokenTtlHeader]: String(ttlSeconds) }, signal),
		now,
		ttlSeconds: options.tokenTtlSeconds ?? 21_600,
		reprobeMs: options.tokenReprobeMs ?? 300_000,
		log,
		metrics,
	});

	/** Sleeps before attempt `failures + 1`: NTH's base plus up to half of it as jitter, doubling from the jittered value. */
	async function backoff(path: string, failures: number, previousMs: number, error: unknown, signal: AbortSignal): Promise<number> {
		const base = failures === 1 ? retryBaseMs : previousMs * 2;
		const ms = Math.min(maxRetrySleepMs, base + random() * (base / 2));
		log.warn(`Request failed. Attempts remaining: ${tries - failures}, sleeping for ${retrySeconds(ms)} seconds`, { path, error });
		await sleep(ms, signal);
		return ms;
	}

	async function get(path: string, signal: AbortSignal, request: ImdsRequestOptions = {}): Promise<ImdsResponse | undefined> {
		const polling = request.retry === 'poll';
		const attempts = polling ? pollAttempts : tries;
		let reauthorized = false;
		let failures = 0;
		let sleptMs = 0;
		/** Counts a failed attempt; false when none is left. Sleeps first under the startup policy. */
		async function again(error: unknown): Promise<boolean> {
			failures += 1;
			if (failures >= attempts) return false;
			if (polling) log.debug('Request failed, retrying at once', { path, attempts_remaining: attempts - failures, error });
			else sleptMs = await backoff(path, failures, sleptMs, error, signal);
			return true;
		}
		for (;;) {
			const token = await tokens.token(signal);
			let response: ImdsAnswer;
			try {
				// Straight to the transport, not through ky: see the module comment.
				response = await transport.request('GET', path, token === undefined ? noHeaders : { [tokenHeader]: token }, signal);
			} catch (error) {
				if (signal.aborted) throw error;
				metrics.errorCaught('imds');
				// An answer we refuse (a body over the cap): asking again gets the same.
				if (isImdsError(error)) throw error;
				if (await again(error)) continue;
				throw new ImdsError(`Cannot read IMDS path "${path}": no answer after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`, {
					path,
					cause: error,
				});
			}
			tokens.observeTtl(token, response.headers.get(tokenTtlHeader));
			const { status } = response;
			if (status === 401) {
				// Every 401 drops the token it was sent with; a first one is not a failed attempt.
				if (!reauthorized || polling) tokens.rejected(token);
				if (!reauthorized) {
					reauthorized = true;
					continue;
				}
				if (polling && (await again(`status ${status}`))) continue;
			}
			if (status >= 500 && status <= 599 && (await again(`status ${status}`))) continue;
			if (status === 404) return undefined;
			if (status < 200 || status > 299) throw new ImdsError(`Cannot read IMDS path "${path}": status ${status}`, { path, status });
			return { status, body: response.body };
		}
	}

	async function getJson<T>(
		path: string,
		schema: v.GenericSchema<unknown, T>,
		signal: AbortSignal,
		request: ImdsRequestOptions = {},
	): Promise<T | undefined> {
		const response = await get(path, signal, request);
		if (response === undefined) return undefined;
		let json: unknown;
		try {
			json = JSON.parse(response.body);
		} catch (error) {
			// Not logged here: the ImdsError reaches the caller (a monitor poll), which logs and counts it.
			throw new ImdsError(`Cannot parse IMDS path "${path}": invalid JSON`, { path, status: response.status, cause: error });
		}
		const parsed = v.safeParse(schema, json);
		if (!parsed.success) {
			throw new ImdsError(`Cannot parse IMDS path "${path}": ${describeIssues(parsed.issues)}`, { path, status: response.status });
		}
		return parsed.output;
	}

	return {
		get,
		getJson,
		state: () => ({ tokenMode: tokens.mode(), endpoint: transport.endpoint() }),
	};
}
