/**
 * @module A small HTTP/1.1 server over `node:net` for LLRT, which has no
 * `node:http` server: enough for the probes and metrics endpoints.
 *
 * One request per connection (`connection: close`), a request head of at
 * most 16 KiB, a body of at most 64 KiB (Content-Length only, no chunked
 * uploads), 5 s to send a request, at most 64 connections at once: a
 * scraper or a probe never needs more, and nothing a client sends can make it
 * hold more memory than that.
 */
import net from 'node:net';
import type { HttpHandler, Server, ServeOptions } from './types.ts';

const maxHeadBytes = 16 * 1024;
const maxBodyBytes = 64 * 1024;
const requestTimeoutMs = 5_000;
const maxConnections = 64;

const reasons: Readonly<Record<number, string>> = {
	200: 'OK',
	204: 'No Content',
	400: 'Bad Request',
	404: 'Not Found',
	405: 'Method Not Allowed',
	408: 'Request Timeout',
	413: 'Payload Too Large',
	431: 'Request Header Fields Too Large',
	500: 'Internal Server Error',
	503: 'Service Unavailable',
};

/** The parts of a socket we use (LLRT's net.Socket has them; its `end(data)` throws, so write then end). */
interface Socket {
	on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
	on(event: 'error' | 'close' | 'end', listener: () => void): unknown;
	write(data: Uint8Array | string): unknown;
	end(): unknown;
	destroy(): unknown;
}

export interface ParsedHead {
	readonly method: string;
	readonly target: string;
	readonly headers: Headers;
	readonly contentLength: number;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
	const joined = new Uint8Array(a.byteLength + b.byteLength);
	joined.set(a, 0);
	joined.set(b, a.byteLength);
	return joined;
}

/** Index of the blank line ending the head (after its CRLFCRLF), or -1. */
export function headEnd(bytes: Uint8Array): number {
	for (let i = 3; i < bytes.byteLength; i += 1) {
		if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) return i + 1;
	}
	return -1;
}

/** Parses a request head (request line and headers), or returns an error status. */
export function parseHead(text: string): ParsedHead | number {
	const lines = text.split('\r\n');
	const requestLine = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
	if (requestLine === null) return 400;
	const headers = new Headers();
	for (const line of lines.slice(1)) {
		if (line === '') continue;
		const colon = line.indexOf(':');
		if (colon <= 0) return 400;
		headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
	}
	if (headers.has('transfer-encoding')) return 400;
	const length = Number(headers.get('content-length') ?? '0');
	if (!Number.isInteger(length) || length < 0) return 400;
	if (length > maxBodyBytes) return 413;
	return { method: requestLine[1] ?? 'GET', target: requestLine[2] ?? '/', headers, contentLength: length };
}

/** The bytes of a response: status line, headers (with content-length and connection: close), body. */
export async function responseBytes(response: Response, method: string): Promise<Uint8Array<ArrayBuffer>> {
	const body = new Uint8Array(await response.arrayBuffer());
	let head = `HTTP/1.1 ${response.status} ${reasons[response.status] ?? 'Status'}\r\n`;
	response.headers.forEach((value, key) => {
		if (key !== 'content-length' && key !== 'connection' && key !== 'transfer-encoding') head += `${key}: ${value}\r\n`;
	});
	head += `content-length: ${body.byteLength}\r\nconnection: close\r\n\r\n`;
	const headBytes = new TextEncoder().encode(head);
	return method === 'HEAD' ? headBytes : concat(headBytes, body);
}

function plain(status: number, text: string): Response {
	return new Response(text, { status, headers: { 'content-type': 'text/plain' } });
}

function serveConnection(socket: Socket, handler: HttpHandler, port: number, done: () => void): void {
	let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
	let head: ParsedHead | undefined;
	let bodyStart = 0;
	let answered = false;
	const timer = setTimeout(() => void answer(plain(408, 'Request timeout'), 'GET'), requestTimeoutMs);
	const finish = (): void => {
		clearTimeout(timer);
		done();
	};

	async function answer(response: Response, method: string): Promise<void> {
		if (answered) return;
		answered = true;
		clearTimeout(timer);
		try {
			socket.write(await responseBytes(response, method));
			socket.end();
		} catch {
			// The client went away; nothing to tell it.
			socket.destroy();
		}
	}

	async function dispatch(parsed: ParsedHead, body: Uint8Array<ArrayBuffer>): Promise<void> {
		const hasBody = parsed.method !== 'GET' && parsed.method !== 'HEAD' && body.byteLength > 0;
		let response: Response;
		try {
			const request = new Request(`http://localhost:${port}${parsed.target}`, {
				method: parsed.method,
				headers: parsed.headers,
				...(hasBody ? { body } : {}),
			});
			response = await handler(request);
		} catch (error) {
			// The handler owns logging; this only keeps a thrown handler from hanging the client.
			response = plain(500, `Cannot handle request: ${error instanceof Error ? error.message : String(error)}`);
		}
		await answer(response, parsed.method);
	}

	socket.on('data', (chunk) => {
		if (answered) return;
		buffer = concat(buffer, chunk);
		if (head === undefined) {
			const end = headEnd(buffer);
			if (end < 0) {
				if (buffer.byteLength > maxHeadBytes) void answer(plain(431, 'Request head too large'), 'GET');
				return;
			}
			const parsed = parseHead(new TextDecoder().decode(buffer.subarray(0, end - 4)));
			if (typeof parsed === 'number') {
				void answer(plain(parsed, 'Bad request'), 'GET');
				return;
			}
			head = parsed;
			bodyStart = end;
		}
		if (buffer.byteLength - bodyStart >= head.contentLength) void dispatch(head, buffer.slice(bodyStart, bodyStart + head.contentLength));
	});
	socket.on('error', finish);
	socket.on('close', finish);
}

/** Binds `handler` on a node:net server; aborting `options.signal` closes it. */
export async function serveLlrt(handler: HttpHandler, options: ServeOptions): Promise<Server> {
	let open = 0;
	let boundPort = options.port;
	const server = net.createServer((raw) => {
		const socket: Socket = raw;
		if (open >= maxConnections) {
			socket.destroy();
			return;
		}
		open += 1;
		let counted = true;
		serveConnection(socket, handler, boundPort, () => {
			if (counted) open -= 1;
			counted = false;
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.hostname ?? '0.0.0.0', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address: unknown = server.address();
	if (typeof address === 'object' && address !== null && 'port' in address && typeof address.port === 'number') boundPort = address.port;
	const close = (): Promise<void> =>
		new Promise((resolve) => {
			server.close(() => resolve());
		});
	options.signal?.addEventListener('abort', () => void close(), { once: true });
	return { port: boundPort, close };
}
