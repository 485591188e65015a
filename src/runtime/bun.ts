/**
 * @module The Bun implementation of {@link Runtime}: the Node implementation
 * (Bun runs it through its node: compatibility) with Bun's native `fetch`.
 *
 * Why native fetch: measured with the same polling probe (IMDS + apiserver
 * over TLS every 0.5 s, 40 s), Bun's own fetch idles at 42.4 MB RSS / 7.6 MB
 * anon against 51.7 / 12.8 for node-fetch.ts over Bun's node:http. It verifies
 * the server against `tls.ca` (a wrong or missing CA fails) and tunnels https
 * through `proxy` with CONNECT.
 */
import { writeSync } from 'node:fs';
import { fdWriter } from './fd-writer.ts';
import { createNodeFetch } from './node-fetch.ts';
import { createNodeRuntime } from './node.ts';
import { serveNode } from './node-serve.ts';
import type { FetchFn, FetchOptions, HttpHandler, Runtime, Server, ServeOptions } from './types.ts';

/** The parts of Bun's fetch init beyond the Web standard that we use. */
interface BunFetchInit extends RequestInit {
	readonly tls?: {
		readonly ca?: string;
		readonly cert?: string;
		readonly key?: string;
		readonly rejectUnauthorized?: boolean;
	};
	readonly proxy?: string;
	/** false: hand the body over still encoded (see FetchOptions.rawBody). */
	readonly decompress?: boolean;
}

type BunFetch = (input: Request | URL | string, init?: BunFetchInit) => Promise<Response>;

/** Bun accepts http:// proxies; NTH's tcp:// spelling means the same. */
function proxyUrl(proxy: string): string {
	return proxy.replace(/^tcp:\/\//i, 'http://');
}

/** A fetch over Bun's native client with the given TLS trust and proxy. */
export function createBunFetch(options: FetchOptions = {}): FetchFn {
	// Bun's fetch has no per-request TLS server name override: keep node:http for that rare case.
	if (options.servername !== undefined) return createNodeFetch(options);
	const native: BunFetch = fetch;
	const tls = {
		...(options.ca === undefined ? {} : { ca: options.ca }),
		...(options.cert === undefined ? {} : { cert: options.cert }),
		...(options.key === undefined ? {} : { key: options.key }),
		rejectUnauthorized: options.insecureSkipTlsVerify !== true,
	};
	const extra: BunFetchInit = {
		tls,
		...(options.proxy ? { proxy: proxyUrl(options.proxy) } : {}),
		...(options.rawBody === true ? { decompress: false } : {}),
	};
	return (input, init) => native(input, { ...init, ...extra });
}

/** The parts of `Bun.serve` we use. */
interface BunServer {
	readonly port: number;
	stop(closeActiveConnections?: boolean): Promise<void> | void;
}

interface BunServeOptions {
	readonly port: number;
	readonly hostname: string;
	/** Seconds a connection may sit idle (Bun's default is 10). */
	readonly idleTimeout: number;
	readonly development: boolean;
	/** Bun turns SO_REUSEPORT on in production mode unless told not to: a second agent would then share the port silently. */
	readonly reusePort: boolean;
	fetch(request: Request): Response | Promise<Response>;
	error(error: unknown): Response;
}

function isBunServer(value: unknown): value is BunServer {
	return (
		typeof value === 'object' &&
		value !== null &&
		'port' in value &&
		typeof value.port === 'number' &&
		'stop' in value &&
		typeof value.stop === 'function'
	);
}

function bunServe(): ((options: BunServeOptions) => BunServer) | undefined {
	const bun: unknown = Reflect.get(globalThis, 'Bun');
	if (typeof bun !== 'object' || bun === null || !('serve' in bun) || typeof bun.serve !== 'function') return undefined;
	const serve = bun.serve;
	return (options) => {
		const server: unknown = Reflect.apply(serve, bun, [options]);
		if (!isBunServer(server)) throw new TypeError('Cannot serve: Bun.serve returned no server');
		return server;
	};
}

/**
 * Serves `handler` on `Bun.serve`. Why not node:http: measured on an agent
 * whose probes server is on (the DaemonSet's default), Bun's node:http server
 * costs several MiB of RSS more than its native one (packaging/README.md).
 */
export async function serveBun(handler: HttpHandler, options: ServeOptions): Promise<Server> {
	const serve = bunServe();
	if (serve === undefined) return serveNode(handler, options);
	const server = serve({
		port: options.port,
		hostname: options.hostname ?? '0.0.0.0',
		idleTimeout: 5,
		development: false,
		reusePort: false,
		fetch: (request) => handler(request),
		// The handler owns logging; this only keeps a thrown handler from hanging the client.
		error: (error) =>
			new Response(`Cannot handle request: ${error instanceof Error ? error.message : String(error)}`, {
				status: 500,
				headers: { 'content-type': 'text/plain' },
			}),
	});
	const close = async (): Promise<void> => {
		await server.stop(true);
	};
	options.signal?.addEventListener('abort', () => void close(), { once: true });
	return { port: server.port, close };
}

export function createBunRuntime(): Runtime {
	return {
		...createNodeRuntime('bun'),
		// Not through process.stdout/stderr: Bun loads its stream stack for them (fd-writer.ts).
		writeStdout: fdWriter(1, writeSync, () => (chunk) => void process.stdout.write(chunk)),
		writeStderr: fdWriter(2, writeSync, () => (chunk) => void process.stderr.write(chunk)),
		createFetch: createBunFetch,
		serve: serveBun,
	};
}
