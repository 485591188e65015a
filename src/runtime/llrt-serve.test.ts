import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { headEnd, parseHead, serveLlrt } from './llrt-serve.ts';

// serveLlrt uses only node:net, so the unit tier (Node) runs it as it is; the
// LLRT executable runs the same code on LLRT's node:net.

/** Sends raw bytes, returns everything the server sent until it closed. */
function exchange(port: number, raw: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = net.connect(port, '127.0.0.1');
		let out = '';
		socket.on('data', (chunk) => {
			out += chunk.toString();
		});
		socket.on('error', reject);
		socket.on('close', () => resolve(out));
		socket.write(raw);
	});
}

const parse = suite('llrt-serve parsing');

parse('headEnd() finds the blank line after the head', () => {
	const bytes = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\nbody');
	assert.is(headEnd(bytes), bytes.byteLength - 4);
	assert.is(headEnd(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n')), -1);
});

parse('parseHead() reads method, target and headers, and refuses what it does not serve', () => {
	const head = parseHead('POST /x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3');
	assert.ok(typeof head === 'object');
	assert.is(head.method, 'POST');
	assert.is(head.target, '/x?y=1');
	assert.is(head.headers.get('host'), 'a');
	assert.is(head.contentLength, 3);
	assert.is(parseHead('nonsense'), 400);
	assert.is(parseHead('GET / HTTP/1.1\r\nno colon here'), 400);
	assert.is(parseHead('POST / HTTP/1.1\r\nTransfer-Encoding: chunked'), 400);
	assert.is(parseHead(`POST / HTTP/1.1\r\nContent-Length: ${1024 * 1024}`), 413);
});

const server = suite('serveLlrt() over node:net');

server("answers a request with the handler's status, headers and body, then closes", async () => {
	const stop = new AbortController();
	const bound = await serveLlrt(
		async (request) => new Response(`${request.method} ${new URL(request.url).pathname}`, { status: 503, headers: { 'x-a': 'b' } }),
		{ port: 0, hostname: '127.0.0.1', signal: stop.signal },
	);
	try {
		assert.ok(bound.port > 0);
		const answer = await exchange(bound.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
		assert.match(answer, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
		assert.match(answer, /\r\nx-a: b\r\n/);
		assert.match(answer, /\r\ncontent-length: 12\r\nconnection: close\r\n\r\nGET \/healthz$/);
		// fetch (undici) reads it as a normal response.
		const viaFetch = await fetch(`http://127.0.0.1:${bound.port}/metrics`);
		assert.is(viaFetch.status, 503);
		assert.is(await viaFetch.text(), 'GET /metrics');
	} finally {
		stop.abort();
	}
});

server('passes a request body to the handler and answers 400 to garbage and 500 for a thrown handler', async () => {
	const bound = await serveLlrt(
		async (request) => {
			const text = await request.text();
			if (text === 'throw') throw new Error('boom');
			return new Response(`got ${text}`);
		},
		{ port: 0, hostname: '127.0.0.1' },
	);
	try {
		assert.match(await exchange(bound.port, 'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello'), /\r\n\r\ngot hello$/);
		assert.match(
			await exchange(bound.port, 'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nthrow'),
			/^HTTP\/1\.1 500 [^]*Cannot handle request: boom$/,
		);
		assert.match(await exchange(bound.port, 'hello\r\n\r\n'), /^HTTP\/1\.1 400 /);
	} finally {
		await bound.close();
	}
});

parse.run();
server.run();
