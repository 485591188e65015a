/**
 * @module The IMDS client: ky over an injectable fetch, with the IMDSv2
 * token, retries with jittered backoff, and the IPv6 fallback.
 *
 * Per request: take the token (token.ts), GET through ky and the transport
 * (transport.ts: timeout, endpoint choice), then
 * - 401: drop that token and go round once more (at most one re-token pass);
 * - transport error or 5xx: sleep and retry, up to `tries` attempts in all
 *   (NTH retries transport errors only, §8.9);
 * - 404: `undefined`; any other non-2xx: ImdsError.
 *
 * Why the retry loop is ours and not ky's `retry`: ky waits between attempts
 * and times them out on real `setTimeout`s, which unit tests cannot drive
 * with a fake clock, and its one retry budget would be shared between 401
 * re-token passes and transport retries. ky still builds the requests, joins
 * the base URL and types the network errors.
 */
import ky, { type KyInstance } from 'ky';
import * as v from 'valibot';
import { ImdsError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { FetchFn } from '../runtime/types.ts';
import { monotonicNow, type Now, type Sleep, sleep as realSleep } from '../clock.ts';
import { tokenPath } from './paths.ts';
import { createTokenSource, tokenHeader, tokenTtlHeader } from './token.ts';
import { createImdsTransport } from './transport.ts';
import type { ImdsClient, ImdsResponse } from './types.ts';

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
}

/** No single retry sleep exceeds this, whatever METADATA_TRIES says. */
const maxRetrySleepMs = 30_000;

/** Go's `time.Duration.String()` for the retry warning NTH prints (`2.512s`, `750ms`, `1m4.2s`). */
export function goDuration(ms: number): string {
	const rounded = Math.round(ms);
	if (rounded < 1000) return `${rounded}ms`;
	const minutes = Math.floor(rounded / 60_000);
	const seconds = `${Number(((rounded - minutes * 60_000) / 1000).toFixed(3))}s`;
	return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

/** Schema issues on one line (`v.summarize` spreads them over several, which breaks log lines). */
function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
	return issues.map((issue) => `${v.getDotPath(issue) ?? 'body'}: ${issue.message}`).join('; ');
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
		sleep,
		log,
	});
	const api: KyInstance = ky.create({
		prefix: options.baseUrl,
		fetch: transport.fetch,
		// Both are handled on the injected clock: timeouts in the transport, retries below.
		timeout: false,
		retry: 0,
		throwHttpErrors: false,
	});
	const tokens = createTokenSource({
		// No caller signal: the PUT is shared by concurrent callers; the transport bounds it.
		put: (ttlSeconds) => api.put(tokenPath, { headers: { [tokenTtlHeader]: String(ttlSeconds) } }),
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
		log.warn(`Request failed. Attempts remaining: ${tries - failures}, sleeping for ${goDuration(ms)} seconds`, { path, error });
		await sleep(ms, signal);
		return ms;
	}

	async function get(path: string, signal: AbortSignal): Promise<ImdsResponse | undefined> {
		let reauthorized = false;
		let failures = 0;
		let sleptMs = 0;
		for (;;) {
			const token = await tokens.token(signal);
			let response: Response;
			try {
				response = await api.get(path, { signal, headers: token === undefined ? {} : { [tokenHeader]: token } });
			} catch (error) {
				if (signal.aborted) throw error;
				metrics.errorCaught('imds');
				failures += 1;
				if (failures >= tries) {
					throw new ImdsError(`Cannot read IMDS path "${path}": no answer after ${tries} ${tries === 1 ? 'attempt' : 'attempts'}`, { path, cause: error });
				}
				sleptMs = await backoff(path, failures, sleptMs, error, signal);
				continue;
			}
			tokens.observeTtl(token, response.headers.get(tokenTtlHeader));
			const { status } = response;
			if (status === 401 && !reauthorized) {
				reauthorized = true;
				tokens.rejected(token);
				continue;
			}
			if (status >= 500 && status <= 599) {
				failures += 1;
				if (failures < tries) {
					sleptMs = await backoff(path, failures, sleptMs, `status ${status}`, signal);
					continue;
				}
			}
			if (status === 404) return undefined;
			if (!response.ok) throw new ImdsError(`Cannot read IMDS path "${path}": status ${status}`, { path, status });
			return { status, body: await response.text() };
		}
	}

	async function getJson<T>(path: string, schema: v.GenericSchema<unknown, T>, signal: AbortSignal): Promise<T | undefined> {
		const response = await get(path, signal);
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
