/**
 * @module The wire under the IMDS client: one timed exchange per call, and
 * the IPv6 endpoint fallback.
 *
 * IMDS answers on `169.254.169.254` and, on Nitro instances, on
 * `[fd00:ec2::254]`; an IPv6-only instance cannot reach the first. Every call
 * goes to the endpoint that answered last; when it fails at the transport
 * level (no HTTP status: refused, unreachable, timed out), the other endpoint
 * is tried at once within the same attempt, and if it answers it becomes the
 * active one. So there is no periodic re-probe: a working endpoint is kept
 * until it stops working, and an IPv4-only instance pays one fast
 * "network unreachable" for the IPv6 address only while IPv4 is down.
 *
 * Bodies are bounded: the request asks for `Accept-Encoding: identity`, a
 * Content-Length over the cap is refused before the body is read, and the
 * body is read as a stream that stops at the cap, so a compressed answer is
 * never decoded whole (a runtime's fetch may decode gzip whatever we asked).
 */
import { ImdsError, isImdsError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { FetchFn } from '../runtime/types.ts';
import type { Sleep } from '../clock.ts';

export interface ImdsTransportOptions {
	readonly fetch: FetchFn;
	readonly baseUrl: string;
	/** Tried when `baseUrl` cannot be reached; undefined turns the fallback off. */
	readonly ipv6BaseUrl: string | undefined;
	/** Limit for one exchange, body included (NTH's HTTP client timeout). */
	readonly timeoutMs: number;
	/** Largest body read, in bytes; a larger one is an ImdsError. */
	readonly maxBodyBytes: number;
	readonly sleep: Sleep;
	readonly log: Logger;
}

export interface ImdsTransport {
	/**
	 * One exchange (the token PUT and every GET), re-aimed at the active
	 * endpoint, its body read within the timeout, without Request/Response
	 * objects around it (a poll is mostly this call). Transport failures are
	 * `TypeError('fetch failed')`; a body over the cap is an ImdsError.
	 */
	request(method: string, path: string, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<ImdsAnswer>;
	/** The endpoint that answered last. */
	endpoint(): string;
}

/** One IMDS answer, its body read whole (within the cap). */
export interface ImdsAnswer {
	readonly status: number;
	readonly statusText: string;
	readonly headers: Headers;
	readonly body: string;
}

function root(url: string): string {
	return new URL(url).href.replace(/\/+$/, '');
}

function transportError(message: string, cause: unknown): TypeError {
	return new TypeError('fetch failed', { cause: new Error(message, { cause }) });
}

/** Reads at most `maxBytes` of `response`'s body; throws ImdsError (and cancels the rest) beyond. */
async function boundedText(response: Response, path: string, maxBytes: number): Promise<string> {
	const tooLarge = (size: string): ImdsError =>
		new ImdsError(`Cannot read IMDS path "${path}": the body is larger than ${maxBytes} bytes (${size})`, {
			path,
			status: response.status,
		});
	const declared = response.headers.get('content-length');
	if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > maxBytes) {
		await response.body?.cancel().catch(() => {}); // the connection is dropped either way
		throw tooLarge(`Content-Length ${declared.trim()}`);
	}
	if (response.body === null) return '';
	// A declared length within the bound, not encoded: the body is exactly that long, and the
	// runtime's own text() reads it without a stream reader driven from JavaScript (IMDS always
	// declares one; this is every poll's 404). Encoded bodies are counted as decoded, below.
	const encoding = response.headers.get('content-encoding');
	if (declared !== null && /^\d+$/.test(declared.trim()) && (encoding === null || encoding.trim().toLowerCase() === 'identity')) {
		return await response.text();
	}
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > maxBytes) {
			await reader.cancel().catch(() => {}); // the connection is dropped either way
			throw tooLarge(`more than ${maxBytes} bytes read, the rest not read`);
		}
		chunks.push(value);
	}
	const body = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		body.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return new TextDecoder().decode(body);
}

function messageOf(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

export function createImdsTransport(options: ImdsTransportOptions): ImdsTransport {
	const endpoints = [root(options.baseUrl)];
	if (options.ipv6BaseUrl !== undefined && options.ipv6BaseUrl !== '') endpoints.push(root(options.ipv6BaseUrl));
	const primary = endpoints[0] ?? '';
	let active = 0;

	/**
	 * One request to one endpoint, bounded by the timeout from send to last
	 * body byte. Per call: one controller (aborted by the timeout or by the
	 * caller's signal; not AbortSignal.any, which allocates a dependent signal
	 * the runtime keeps until the caller's long-lived signal is collected) and
	 * one timer. Under Bun without the JIT every allocation here is paid on
	 * each poll (bench/poll-cost.ts).
	 */
	async function exchange(
		endpoint: string,
		path: string,
		method: string,
		headers: Readonly<Record<string, string>>,
		signal: AbortSignal,
	): Promise<ImdsAnswer> {
		const controller = new AbortController();
		let timedOut = false;
		const settled = new AbortController();
		options.sleep(options.timeoutMs, settled.signal).then(
			() => {
				timedOut = true;
				controller.abort();
			},
			() => {}, // rejected because the exchange settled first: nothing to time out
		);
		const onAbort = (): void => controller.abort(signal.reason);
		if (signal.aborted) onAbort();
		else signal.addEventListener('abort', onAbort, { once: true });
		const url = `${endpoint}${path}`;
		try {
			const response = await options.fetch(url, {
				method,
				headers: { ...headers, 'accept-encoding': 'identity' },
				signal: controller.signal,
			});
			const body = await boundedText(response, path, options.maxBodyBytes);
			return { status: response.status, statusText: response.statusText, headers: response.headers, body };
		} catch (error) {
			if (signal.aborted || isImdsError(error)) throw error;
			if (timedOut) throw transportError(`Cannot get an answer from "${endpoint}" within ${options.timeoutMs} ms`, error);
			throw error;
		} finally {
			signal.removeEventListener('abort', onAbort);
			settled.abort();
		}
	}

	async function request(
		method: string,
		path: string,
		headers: Readonly<Record<string, string>>,
		signal: AbortSignal,
	): Promise<ImdsAnswer> {
		const first = active;
		const firstEndpoint = endpoints[first] ?? primary;
		try {
			return await exchange(firstEndpoint, path, method, headers, signal);
		} catch (error) {
			// Not counted here: the client logs and counts each failed attempt once, whichever endpoints it tried.
			// An oversized body is an answer, not an unreachable endpoint: no fallback.
			if (signal.aborted || endpoints.length < 2 || isImdsError(error)) throw error;
			const other = 1 - first;
			const otherEndpoint = endpoints[other] ?? primary;
			try {
				const answer = await exchange(otherEndpoint, path, method, headers, signal);
				if (active === first) {
					active = other;
					options.log.info('Switched IMDS endpoint', { from: firstEndpoint, to: otherEndpoint, reason: messageOf(error) });
				}
				return answer;
			} catch (otherError) {
				if (signal.aborted) throw otherError;
				throw transportError(
					`Cannot reach IMDS at "${firstEndpoint}" (${messageOf(error)}) nor at "${otherEndpoint}" (${messageOf(otherError)})`,
					error,
				);
			}
		}
	}

	return { request, endpoint: () => endpoints[active] ?? primary };
}
