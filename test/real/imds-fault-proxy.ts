/**
 * @module An IMDS fault proxy for the e2e fault tier: an HTTP server on
 * 127.0.0.1 that forwards to a real AEMM and, scripted at run time from the
 * test process, injects what a real IMDS (or the network to it) can do to the
 * agent: 401 and 5xx storms, outages (refused, accept-and-hang, reset),
 * slow-loris answers, truncated and huge bodies (also gzip-encoded), wrong
 * content types, and bodies of its own per path (hostile notices). Every
 * request is counted and timestamped per path.
 *
 * Test code only (Node).
 *
 * @example
 * const imds = await startAemm(['spot', '-d', '100000']);
 * const proxy = await startImdsFaultProxy(imds.url);
 * proxy.faults({ unauthorized: 0.3, serverError: 0.1 });
 * proxy.on(spotPath, { kind: 'respond', body: JSON.stringify({ action: 'terminate', time }) });
 * ...point the agent's INSTANCE_METADATA_URL at proxy.url...
 * await proxy.close();
 */
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { seeded } from '../support/seeded.ts';

/** What the proxy does with a request to one path (or to every path, see {@link ImdsFaultProxy.outage}). */
export type Behaviour =
	/** Pass it on to AEMM (the default). */
	| { readonly kind: 'forward' }
	/** Answer with this status and body; the content type defaults to AEMM's `text/plain; charset=utf-8`. */
	| {
			readonly kind: 'respond';
			readonly status?: number;
			readonly body: string | Buffer;
			readonly contentType?: string;
			readonly headers?: Readonly<Record<string, string>>;
	  }
	/** Send 200 and headers at once, then one body byte every `intervalMs` (default 500) for as long as the client stays. */
	| { readonly kind: 'slow-loris'; readonly intervalMs?: number; readonly contentType?: string }
	/** Declare `Content-Length` of the whole `body`, send only the first `sentBytes` (default half), then cut the connection. */
	| { readonly kind: 'truncate'; readonly body: string; readonly sentBytes?: number; readonly contentType?: string }
	/**
	 * A body of `bytes` bytes: `prefix`, then `fill` repeated, then `suffix` (so it can be valid JSON).
	 * With `gzip`, sent gzip-compressed with `Content-Encoding: gzip` (the decoded size is `bytes`).
	 */
	| {
			readonly kind: 'huge';
			readonly bytes: number;
			readonly gzip?: boolean;
			readonly prefix?: string;
			readonly fill?: string;
			readonly suffix?: string;
			readonly contentType?: string;
	  }
	/** Accept the request and never answer. */
	| { readonly kind: 'hang' }
	/** Destroy the connection at once (a reset, no HTTP answer). */
	| { readonly kind: 'reset' };

export interface FaultRates {
	/** Fraction of matching requests answered 401 (what IMDS says to an unknown or expired token). */
	readonly unauthorized?: number;
	/** Fraction answered with a 5xx (503 and 500 alternately). */
	readonly serverError?: number;
	/** Only these paths; default every path. */
	readonly paths?: readonly string[];
	/** Only these methods. @default ['GET'] (the token PUT is left alone: 401 means "bad token" to a GET) */
	readonly methods?: readonly string[];
}

export type Outage = 'refuse' | 'hang' | 'reset';

export interface ProxyRequest {
	/** Arrival, ms since the epoch. */
	readonly atMs: number;
	readonly method: string;
	/** Path and query. */
	readonly path: string;
	/** Whether it carried an IMDSv2 session token. */
	readonly token: boolean;
	/** What happened: `forward`, `401`, `5xx`, or the behaviour or outage kind that answered it. */
	readonly outcome: string;
	/** The status sent (undefined when none was: hang, reset, refused). Forwarded answers fill it in when AEMM answers. */
	status: number | undefined;
}

export interface ImdsFaultProxy {
	/** Base URL, e.g. `http://127.0.0.1:41234` (INSTANCE_METADATA_URL). */
	readonly url: string;
	readonly port: number;
	/** Sets `behaviour` for requests to `path` (the path without query); `forward` or undefined removes it. */
	on(path: string, behaviour: Behaviour | undefined): void;
	/** Random 401s and 5xx on top of the per-path behaviours (undefined: none). Seeded: see {@link ProxyOptions.seed}. */
	faults(rates: FaultRates | undefined): void;
	/**
	 * Every path at once: `refuse` closes the listening socket (connection refused) and
	 * every open connection, `hang` accepts and never answers, `reset` accepts and
	 * destroys the connection. undefined ends the outage (listening again on the same port).
	 */
	outage(mode: Outage | undefined): Promise<void>;
	/** Every request so far (up to the last 200,000), in arrival order. */
	requests(path?: string): readonly ProxyRequest[];
	/** Requests to `path` (every path when undefined) since `sinceMs` (epoch ms). */
	count(path?: string, sinceMs?: number): number;
	/** Removes every behaviour, the fault rates and the outage (the request log stays). */
	reset(): Promise<void>;
	close(): Promise<void>;
}

export interface ProxyOptions {
	/** Seed of the fault dice, so a failing run can be repeated. @default NTH_FAULT_SEED or a random one (printed) */
	readonly seed?: number;
}

const LOG_LIMIT = 200_000;

/** AEMM's 401 (Go's http.Error: text/plain; charset=utf-8, nosniff, the text plus a newline). */
const unauthorizedBody = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
   <head>
      <title>401 - Unauthorized</title>
   </head>
   <body>
      <h1>401 - Unauthorized</h1>
   </body>
</html>
`;
const CHUNK = 64 * 1024;

/** The gzip of a huge body, made once per shape (compressing 50 MB takes a moment). */
const gzipCache = new Map<string, Buffer>();

function hugeBody(behaviour: Extract<Behaviour, { kind: 'huge' }>): {
	readonly chunks: () => Generator<Buffer>;
	readonly gzipped: Buffer | undefined;
} {
	const prefix = Buffer.from(behaviour.prefix ?? '');
	const suffix = Buffer.from(behaviour.suffix ?? '');
	const fillText = behaviour.fill ?? 'x';
	const fillBytes = Math.max(0, behaviour.bytes - prefix.length - suffix.length);
	const fillChunk = Buffer.from(fillText.repeat(Math.ceil(CHUNK / fillText.length))).subarray(
		0,
		CHUNK - (CHUNK % Buffer.byteLength(fillText)),
	);
	function* chunks(): Generator<Buffer> {
		yield prefix;
		let left = fillBytes;
		while (left > 0) {
			const size = Math.min(left, fillChunk.length);
			yield size === fillChunk.length ? fillChunk : fillChunk.subarray(0, size);
			left -= size;
		}
		yield suffix;
	}
	if (behaviour.gzip !== true) return { chunks, gzipped: undefined };
	const key = JSON.stringify([behaviour.bytes, behaviour.prefix, behaviour.fill, behaviour.suffix]);
	let gzipped = gzipCache.get(key);
	if (gzipped === undefined) {
		gzipped = gzipSync(Buffer.concat([...chunks()]), { level: 6 });
		gzipCache.set(key, gzipped);
	}
	return { chunks, gzipped };
}

/** Writes `chunks` with backpressure; stops when the client goes away. */
async function stream(response: ServerResponse, chunks: Iterable<Buffer>): Promise<void> {
	for (const chunk of chunks) {
		if (response.destroyed) return;
		if (!response.write(chunk)) {
			await new Promise<void>((resolve) => {
				const done = (): void => {
					response.off('drain', done);
					response.off('close', done);
					resolve();
				};
				response.once('drain', done);
				response.once('close', done);
			});
		}
	}
	if (!response.destroyed) response.end();
}

/** Starts a proxy in front of `upstream` (AEMM's base URL) on a free 127.0.0.1 port. */
export async function startImdsFaultProxy(upstream: string, options: ProxyOptions = {}): Promise<ImdsFaultProxy> {
	const target = new URL(upstream);
	const seed =
		options.seed ??
		(process.env['NTH_FAULT_SEED'] === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env['NTH_FAULT_SEED']));
	const random = seeded(seed);
	const behaviours = new Map<string, Behaviour>();
	const log: ProxyRequest[] = [];
	const sockets = new Set<Socket>();
	let rates: FaultRates | undefined;
	let outageMode: Outage | undefined;
	let serverErrors = 0;

	function record(request: IncomingMessage, outcome: string, status: number | undefined): ProxyRequest {
		const entry: ProxyRequest = {
			atMs: Date.now(),
			method: request.method ?? 'GET',
			path: request.url ?? '/',
			token: request.headers['x-aws-ec2-metadata-token'] !== undefined,
			outcome,
			status,
		};
		log.push(entry);
		if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
		return entry;
	}

	function plain(response: ServerResponse, status: number, body: string, extra: Readonly<Record<string, string>> = {}): void {
		response.writeHead(status, {
			'Content-Type': 'text/plain; charset=utf-8',
			'Content-Length': String(Buffer.byteLength(body)),
			...extra,
		});
		response.end(body);
	}

	function forward(request: IncomingMessage, response: ServerResponse, entry: ProxyRequest): void {
		const outgoing = httpRequest(
			{
				host: target.hostname,
				port: target.port,
				method: request.method,
				path: request.url,
				headers: { ...request.headers, host: target.host },
			},
			(answer) => {
				entry.status = answer.statusCode;
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(response);
			},
		);
		outgoing.on('error', () => {
			// AEMM went away (a test stopped it): the agent sees what a broken IMDS gives, a 502.
			entry.status = 502;
			if (!response.headersSent) plain(response, 502, 'upstream unreachable');
			else response.destroy();
		});
		response.on('close', () => outgoing.destroy());
		request.pipe(outgoing);
	}

	function rolled(request: IncomingMessage, path: string): '401' | '5xx' | undefined {
		if (rates === undefined) return undefined;
		if (!(rates.methods ?? ['GET']).includes(request.method ?? 'GET')) return undefined;
		if (rates.paths !== undefined && !rates.paths.includes(path)) return undefined;
		const dice = random();
		const unauthorized = rates.unauthorized ?? 0;
		if (dice < unauthorized) return '401';
		if (dice < unauthorized + (rates.serverError ?? 0)) return '5xx';
		return undefined;
	}

	function apply(behaviour: Behaviour, request: IncomingMessage, response: ServerResponse): void {
		switch (behaviour.kind) {
			case 'forward':
				forward(request, response, record(request, 'forward', undefined));
				return;
			case 'respond': {
				const status = behaviour.status ?? 200;
				record(request, 'respond', status);
				const body = typeof behaviour.body === 'string' ? Buffer.from(behaviour.body) : behaviour.body;
				response.writeHead(status, {
					'Content-Type': behaviour.contentType ?? 'text/plain; charset=utf-8',
					'Content-Length': String(body.length),
					...behaviour.headers,
				});
				void stream(response, [body]);
				return;
			}
			case 'slow-loris': {
				record(request, 'slow-loris', 200);
				response.writeHead(200, { 'Content-Type': behaviour.contentType ?? 'text/plain; charset=utf-8' });
				response.flushHeaders();
				const timer = setInterval(() => {
					if (response.destroyed) clearInterval(timer);
					else response.write('{');
				}, behaviour.intervalMs ?? 500);
				response.on('close', () => clearInterval(timer));
				return;
			}
			case 'truncate': {
				record(request, 'truncate', 200);
				const body = Buffer.from(behaviour.body);
				const sent = Math.min(body.length - 1, behaviour.sentBytes ?? Math.floor(body.length / 2));
				response.writeHead(200, {
					'Content-Type': behaviour.contentType ?? 'text/plain; charset=utf-8',
					'Content-Length': String(body.length),
				});
				response.write(body.subarray(0, sent), () => {
					// Let the bytes leave before the cut, so the client sees a short body and not only a reset.
					setTimeout(() => response.socket?.destroy(), 20);
				});
				return;
			}
			case 'huge': {
				record(request, behaviour.gzip === true ? 'huge-gzip' : 'huge', 200);
				const { chunks, gzipped } = hugeBody(behaviour);
				const headers: Record<string, string> = { 'Content-Type': behaviour.contentType ?? 'text/plain; charset=utf-8' };
				if (gzipped === undefined) {
					headers['Content-Length'] = String(behaviour.bytes);
					response.writeHead(200, headers);
					void stream(response, chunks());
				} else {
					headers['Content-Encoding'] = 'gzip';
					headers['Content-Length'] = String(gzipped.length);
					response.writeHead(200, headers);
					const parts: Buffer[] = [];
					for (let offset = 0; offset < gzipped.length; offset += CHUNK) parts.push(gzipped.subarray(offset, offset + CHUNK));
					void stream(response, parts);
				}
				return;
			}
			case 'hang':
				record(request, 'hang', undefined);
				return;
			case 'reset':
				record(request, 'reset', undefined);
				request.socket.destroy();
				return;
		}
	}

	function handle(request: IncomingMessage, response: ServerResponse): void {
		const path = new URL(request.url ?? '/', 'http://imds').pathname;
		if (outageMode === 'hang' || outageMode === 'reset') {
			apply({ kind: outageMode }, request, response);
			return;
		}
		const fault = rolled(request, path);
		if (fault === '401') {
			record(request, '401', 401);
			plain(response, 401, unauthorizedBody, { 'X-Content-Type-Options': 'nosniff' });
			return;
		}
		if (fault === '5xx') {
			const status = serverErrors++ % 2 === 0 ? 503 : 500;
			record(request, '5xx', status);
			plain(response, status, status === 503 ? 'Service Unavailable' : 'Internal Server Error');
			return;
		}
		apply(behaviours.get(path) ?? { kind: 'forward' }, request, response);
	}

	const server: Server = createServer(handle);
	// Keep-alive sockets must not outlive an outage or close(): the agent would keep using them.
	server.keepAliveTimeout = 5_000;
	server.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		if (outageMode === 'reset') socket.destroy();
	});
	server.on('clientError', (_error, socket) => socket.destroy());

	const listen = (port: number): Promise<number> =>
		new Promise((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, '127.0.0.1', () => {
				server.off('error', reject);
				const address = server.address();
				resolve(typeof address === 'object' && address !== null ? address.port : 0);
			});
		});
	const stopListening = (): Promise<void> =>
		new Promise((resolve) => {
			if (!server.listening) {
				resolve();
				return;
			}
			server.close(() => resolve());
			for (const socket of sockets) socket.destroy();
		});

	const port = await listen(0);
	const url = `http://127.0.0.1:${port}`;
	console.log(`fault-proxy: ${url} -> ${upstream}, seed ${seed} (NTH_FAULT_SEED=${seed} repeats the dice)`);

	async function outage(mode: Outage | undefined): Promise<void> {
		const before = outageMode;
		outageMode = mode;
		if (mode === 'refuse') {
			await stopListening();
			return;
		}
		if (before === 'refuse' || !server.listening) await listen(port);
		// Connections that hang from the outage are cut when it ends, as a rebooted IMDS would.
		if (mode === undefined && before === 'hang') for (const socket of sockets) socket.destroy();
	}

	return {
		url,
		port,
		on(path, behaviour) {
			if (behaviour === undefined || behaviour.kind === 'forward') behaviours.delete(path);
			else behaviours.set(path, behaviour);
		},
		faults(next) {
			rates = next;
		},
		outage,
		requests(path) {
			return path === undefined ? log : log.filter((entry) => new URL(entry.path, 'http://imds').pathname === path);
		},
		count(path, sinceMs = 0) {
			let total = 0;
			for (const entry of log) {
				if (entry.atMs >= sinceMs && (path === undefined || new URL(entry.path, 'http://imds').pathname === path)) total += 1;
			}
			return total;
		},
		async reset() {
			behaviours.clear();
			rates = undefined;
			if (outageMode !== undefined) await outage(undefined);
		},
		async close() {
			outageMode = undefined;
			await stopListening();
		},
	};
}
