/**
 * @module Serves a Web-standard request handler on `node:http`.
 */
import http from 'node:http';
import stream from 'node:stream';
import type { HttpHandler, Server, ServeOptions } from './types.ts';

const requestTimeoutMs = 5_000;

function toRequest(incoming: http.IncomingMessage, port: number): Request {
	const headers = new Headers();
	for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
		headers.append(incoming.rawHeaders[i] ?? '', incoming.rawHeaders[i + 1] ?? '');
	}
	const method = incoming.method ?? 'GET';
	const hasBody = method !== 'GET' && method !== 'HEAD';
	return new Request(`http://localhost:${port}${incoming.url ?? '/'}`, {
		method,
		headers,
		...(hasBody ? { body: stream.Readable.toWeb(incoming) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
	});
}

/** Binds `handler` on a node:http server; aborting `options.signal` closes it. */
export async function serveNode(handler: HttpHandler, options: ServeOptions): Promise<Server> {
	let boundPort = options.port;
	const server = http.createServer({ requestTimeout: requestTimeoutMs }, (incoming, outgoing) => {
		void (async () => {
			try {
				const response = await handler(toRequest(incoming, boundPort));
				const headers: Record<string, string> = {};
				response.headers.forEach((value, key) => {
					headers[key] = value;
				});
				const body = Buffer.from(await response.arrayBuffer());
				outgoing.writeHead(response.status, { ...headers, 'content-length': String(body.length) });
				outgoing.end(body);
			} catch (error) {
				// The handler owns logging; this only keeps a thrown handler from hanging the client.
				outgoing.writeHead(500, { 'content-type': 'text/plain' });
				outgoing.end(`Cannot handle request: ${error instanceof Error ? error.message : String(error)}`);
			}
		})();
	});
	server.keepAliveTimeout = 5_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.hostname ?? '0.0.0.0', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	boundPort = typeof address === 'object' && address !== null ? address.port : options.port;
	const close = (): Promise<void> =>
		new Promise((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections();
		});
	options.signal?.addEventListener('abort', () => void close(), { once: true });
	return { port: boundPort, close };
}
