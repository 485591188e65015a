/**
 * @module A `fetch` built on `node:http`/`node:https` for the Node runtime.
 *
 * Why not the global fetch: Node's fetch is undici, which costs ~25 MB of RSS
 * on an agent that otherwise idles far below that, ignores per-server CA
 * bundles unless an undici dispatcher is passed, and has no proxy support
 * without one. This implementation covers what the agent needs and nothing
 * else: any method, string/binary bodies, streamed responses (for watches),
 * AbortSignal, keep-alive, per-server TLS trust and client certificates, and
 * HTTP proxies (absolute-URI forwarding for http, CONNECT tunnels for https).
 * Redirects are returned, not followed (nothing the agent calls redirects).
 * Transport errors are `TypeError('fetch failed')` with the cause attached, as
 * undici words them, so ky and callers classify them as network errors.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import stream, { type Duplex } from 'node:stream';
import type { FetchFn, FetchOptions } from './types.ts';

const idleSocketTimeoutMs = 30_000;

function proxyUrlOf(proxy: string): URL {
	const url = new URL(proxy.replace(/^tcp:\/\//i, 'http://'));
	if (url.protocol !== 'http:') {
		throw new TypeError(`Cannot use proxy "${proxy}": only http:// (or tcp://) proxies are supported`);
	}
	return url;
}

function proxyAuthorization(proxy: URL): Record<string, string> {
	if (!proxy.username) return {};
	const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
	return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/**
 * An https.Agent whose sockets are CONNECT tunnels through an HTTP proxy.
 * Defined on first use, not at module load: extending https.Agent reads
 * node:https, which the bundle loads only when something uses it
 * (scripts/build.mjs lazyBuiltins).
 */
function tunnelAgent(proxy: URL, options: https.AgentOptions): https.Agent {
	tunnelAgentClass ??= defineTunnelAgent();
	return new tunnelAgentClass(proxy, options);
}

let tunnelAgentClass: ReturnType<typeof defineTunnelAgent> | undefined;

function defineTunnelAgent() {
	return class TunnelAgent extends https.Agent {
		readonly #proxy: URL;
		constructor(proxy: URL, options: https.AgentOptions) {
			super(options);
			this.#proxy = proxy;
		}
		override createConnection(options: http.RequestOptions, callback?: (error: Error | null, stream: Duplex) => void): undefined {
			// Node's callback type demands a stream even for errors; there is none to give then.
			const done = (error: Error | null, stream?: Duplex): void => callback?.(error, stream as Duplex);
			const host = options.host ?? options.hostname ?? 'localhost';
			const port = Number(options.port ?? 443);
			const connect = http.request({
				host: this.#proxy.hostname.replace(/^\[|\]$/g, ''),
				port: Number(this.#proxy.port || 80),
				method: 'CONNECT',
				path: `${host.includes(':') ? `[${host}]` : host}:${port}`,
				headers: { host: `${host}:${port}`, ...proxyAuthorization(this.#proxy) },
				agent: false,
			});
			connect.once('connect', (response, socket) => {
				if (response.statusCode !== 200) {
					socket.destroy();
					done(new Error(`Cannot open a tunnel through proxy "${this.#proxy.host}": status ${response.statusCode}`));
					return;
				}
				// `host` names the target for the certificate check: without it (an IP
				// target, so no servername) Node checks the certificate against "localhost".
				const tlsOptions: tls.ConnectionOptions = { ...this.options, socket, host };
				const servername = this.options.servername ?? (net.isIP(host) ? undefined : host);
				if (servername !== undefined) tlsOptions.servername = servername;
				done(null, tls.connect(tlsOptions));
			});
			connect.once('error', (error) => done(new Error(`Cannot reach proxy "${this.#proxy.host}": ${error.message}`, { cause: error })));
			connect.end();
			return undefined;
		}
	};
}

function agentsFor(options: FetchOptions): { http: http.Agent; https: https.Agent; proxy: URL | undefined } {
	const tlsOptions: https.AgentOptions = {
		keepAlive: true,
		maxSockets: 8,
		timeout: idleSocketTimeoutMs,
		...(options.ca === undefined ? {} : { ca: options.ca }),
		...(options.cert === undefined ? {} : { cert: options.cert }),
		...(options.key === undefined ? {} : { key: options.key }),
		...(options.servername === undefined ? {} : { servername: options.servername }),
		rejectUnauthorized: options.insecureSkipTlsVerify !== true,
	};
	const proxy = options.proxy ? proxyUrlOf(options.proxy) : undefined;
	return {
		http: new http.Agent({ keepAlive: true, maxSockets: 8, timeout: idleSocketTimeoutMs }),
		https: proxy ? tunnelAgent(proxy, tlsOptions) : new https.Agent(tlsOptions),
		proxy,
	};
}

function headersToObject(headers: Headers): Record<string, string> {
	const out: Record<string, string> = {};
	headers.forEach((value, key) => {
		out[key] = value;
	});
	return out;
}

function responseHeaders(raw: string[]): Headers {
	const headers = new Headers();
	for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] ?? '', raw[i + 1] ?? '');
	return headers;
}

function abortReason(signal: AbortSignal): Error {
	return signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

/** What carries each in-flight exchange's abort signal, held until the exchange ends (see nodeFetch). */
const inFlight = new Set<object>();

/** Creates a fetch over node:http(s) with the given TLS trust and proxy. */
export function createNodeFetch(options: FetchOptions = {}): FetchFn {
	const agents = agentsFor(options);
	return async function nodeFetch(input, init) {
		const request = input instanceof Request && init === undefined ? input : new Request(input, init);
		const url = new URL(request.url);
		// The caller's signal, not the copy inside `request`. A Request's signal
		// follows its source only while that Request lives (undici holds the link
		// weakly, through the Request's own AbortController), so `owner` is held in
		// `inFlight` until the body ends: otherwise, once the caller drops its
		// Request (ky does), a GC cuts the link and an abort never reaches a watch.
		const owner: object = init?.signal ? init.signal : input instanceof Request ? input : request;
		const signal = init?.signal ? init.signal : input instanceof Request ? input.signal : request.signal;
		if (signal.aborted) throw abortReason(signal);
		const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
		const headers = headersToObject(request.headers);
		if (body !== undefined) headers['content-length'] = String(body.length);
		const secure = url.protocol === 'https:';
		if (!secure && url.protocol !== 'http:') throw new TypeError(`Cannot fetch "${url.href}": unsupported protocol`);

		const viaProxy = !secure && agents.proxy !== undefined;
		const requestOptions: http.RequestOptions =
			viaProxy && agents.proxy
				? {
						host: agents.proxy.hostname.replace(/^\[|\]$/g, ''),
						port: Number(agents.proxy.port || 80),
						path: url.href,
						headers: { ...headers, host: url.host, ...proxyAuthorization(agents.proxy) },
						agent: agents.http,
					}
				: {
						host: url.hostname.replace(/^\[|\]$/g, ''),
						port: url.port ? Number(url.port) : secure ? 443 : 80,
						path: `${url.pathname}${url.search}`,
						headers,
						agent: secure ? agents.https : agents.http,
					};
		requestOptions.method = request.method;

		return await new Promise<Response>((resolve, reject) => {
			let response: http.IncomingMessage | undefined;
			const onAbort = (): void => {
				const reason = abortReason(signal);
				// Both: the request (no answer yet) and a body still streaming (a watch).
				response?.destroy(reason);
				outgoing.destroy(reason);
			};
			const release = (): void => {
				signal.removeEventListener('abort', onAbort);
				inFlight.delete(owner);
			};
			const outgoing = (secure ? https : http).request(requestOptions, (incoming) => {
				response = incoming;
				// The abort must reach the body until it ends (a watch outlives the request's 'close').
				incoming.once('close', release);
				const status = incoming.statusCode ?? 0;
				const noBody = request.method === 'HEAD' || status === 204 || status === 304;
				const body = noBody ? null : (stream.Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
				if (noBody) incoming.resume();
				resolve(new Response(body, { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders(incoming.rawHeaders) }));
			});
			signal.addEventListener('abort', onAbort, { once: true });
			inFlight.add(owner);
			outgoing.once('close', () => {
				if (response === undefined) release();
			});
			outgoing.once('error', (error) => {
				reject(signal.aborted ? abortReason(signal) : new TypeError('fetch failed', { cause: error }));
			});
			outgoing.end(body);
		});
	};
}
