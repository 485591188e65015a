/**
 * @module fetch on LLRT (QuickJS): its native client with the TLS trust nth
 * needs, and Kubernetes watches in short windows.
 *
 * LLRT's fetch (hyper + rustls) takes an `agent` from its `https` module,
 * whose only options are `ca` (replaces the system roots: the cluster CA from
 * the kubeconfig or the service account) and `rejectUnauthorized`. It has no
 * client certificates (its rustls config is built `with_no_client_auth`), no
 * TLS server-name override and no proxy: those fail here with a clear error at
 * start-up instead of a wrong connection later.
 *
 * LLRT's `Response.body` is undefined (no streaming bodies), so a watch, one
 * long-lived chunked response, can never be read as it arrives. A watch
 * request (`watch=1`) therefore becomes a window: its `timeoutSeconds` is
 * capped at {@link watchWindowSeconds}, the whole response (every event of
 * the window) is read, and handed back as a `body` stream of those bytes.
 * src/drain/follow.ts already resumes a watch that the server ended from the
 * last resourceVersion (bookmarks included), so nothing is missed and the
 * cost is one request per window per watch while a drain runs, and events
 * arriving up to one window late.
 */
import https from 'node:https';
import type { FetchFn, FetchOptions } from './types.ts';

/** Longest a watch request may stay open on LLRT (its events arrive at the end of it). */
export const watchWindowSeconds = 1;

/** The part of LLRT's fetch init beyond the Web standard that we use. */
interface LlrtFetchInit extends RequestInit {
	readonly agent?: unknown;
}

export type LlrtFetch = (input: Request | URL | string, init?: LlrtFetchInit) => Promise<Response>;

/** Each certificate of a PEM bundle on its own: LLRT parses only the first certificate of each `ca` entry. */
export function splitPem(bundle: string): string[] {
	return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** Why LLRT cannot honour these options, or undefined when it can. */
export function unsupportedOption(options: FetchOptions): string | undefined {
	if (options.cert !== undefined || options.key !== undefined)
		return "client certificates (LLRT's TLS client has no client authentication; use a token or an exec plugin)";
	if (options.proxy !== undefined && options.proxy !== '') return "a proxy (LLRT's fetch has none)";
	if (options.servername !== undefined) return 'a TLS server name override (tls-server-name)';
	return undefined;
}

/**
 * The URL of a watch request with its window applied, or undefined when the
 * request is not a watch.
 */
export function watchWindowUrl(url: string, windowSeconds: number = watchWindowSeconds): string | undefined {
	const parsed = new URL(url);
	const watch = parsed.searchParams.get('watch');
	if (watch !== '1' && watch !== 'true') return undefined;
	const asked = Number(parsed.searchParams.get('timeoutSeconds') ?? Number.POSITIVE_INFINITY);
	parsed.searchParams.set(
		'timeoutSeconds',
		String(Math.max(1, Math.min(windowSeconds, Number.isFinite(asked) && asked > 0 ? asked : windowSeconds))),
	);
	return parsed.toString();
}

/** A stream of `bytes` in one chunk. */
function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
	return new ReadableStream<Uint8Array>({
		start(controller) {
			if (bytes.byteLength > 0) controller.enqueue(bytes);
			controller.close();
		},
	});
}

/** Statuses whose responses cannot carry a body (the Response constructor refuses one). */
const nullBodyStatuses = new Set([204, 205, 304]);

/**
 * The response with a `body` stream over its whole (already read) content,
 * for callers that read `body`: the watch's line reader and IMDS's bounded
 * reader (src/imds/transport.ts), which otherwise fail on LLRT with "cannot
 * read property 'getReader' of undefined". LLRT has read (and inflated) the
 * whole body by then, so IMDS's 64 KiB cap bounds what nth keeps, not what
 * LLRT reads: a gap recorded in packaging/README.md.
 */
async function withBody(response: Response): Promise<Response> {
	if (response.body !== undefined) return response;
	if (nullBodyStatuses.has(response.status)) return response;
	const bytes = new Uint8Array(await response.arrayBuffer());
	const filled = new Response(bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
	const body = bytesStream(bytes);
	// LLRT's Response defines `body` as an accessor returning undefined; an own property shadows it.
	Object.defineProperty(filled, 'body', { value: body, configurable: true, enumerable: true });
	return filled;
}

/**
 * LLRT's `Request.body` is the body as given (a string for ky's JSON), without `cancel()`, and ky cancels
 * the body of every request it sent once the response is in: "not a
 * function". The body has been sent by then, so the request's `body` becomes
 * null (as for a request without one) and nothing is left to cancel.
 */
function settleBody(request: Request): void {
	const body: unknown = request.body;
	if (body === null || body === undefined || (typeof body === 'object' && 'cancel' in body && typeof body.cancel === 'function')) return;
	Object.defineProperty(request, 'body', { value: null, configurable: true });
}

function requestParts(input: Request | URL | string, init: RequestInit | undefined): { url: string; init: RequestInit } {
	if (typeof input === 'string' || input instanceof URL) return { url: String(input), init: init ?? {} };
	return {
		url: input.url,
		init: { method: input.method, headers: input.headers, signal: input.signal, ...init },
	};
}

/** A fetch over LLRT's native client (`native`: tests pass a fake) with the given TLS trust; watches in windows. */
export function createLlrtFetch(
	options: FetchOptions = {},
	windowSeconds: number = watchWindowSeconds,
	native: LlrtFetch = fetch,
): FetchFn {
	const unsupported = unsupportedOption(options);
	if (unsupported !== undefined) {
		return () =>
			Promise.reject(new Error(`Cannot connect on LLRT: the configuration asks for ${unsupported}; run the Bun or Node executable for it`));
	}
	const custom = options.ca !== undefined || options.insecureSkipTlsVerify === true;
	const agent = custom
		? new https.Agent({
				...(options.ca === undefined ? {} : { ca: splitPem(options.ca) }),
				rejectUnauthorized: options.insecureSkipTlsVerify !== true,
			})
		: undefined;
	const extra: LlrtFetchInit = agent === undefined ? {} : { agent };
	return async (input, init) => {
		const parts = requestParts(input, init);
		const windowUrl = watchWindowUrl(parts.url, windowSeconds);
		if (windowUrl === undefined) {
			try {
				return await withBody(await native(input, { ...init, ...extra }));
			} finally {
				if (input instanceof Request) settleBody(input);
			}
		}
		const response = await native(windowUrl, { ...parts.init, ...extra });
		return withBody(response);
	};
}
