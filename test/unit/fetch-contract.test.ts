/**
 * @module The fake fetch (test/support/fake-fetch.ts) held to the runtime's
 * fetch (src/runtime/node-fetch.ts): the same cases against a server on
 * 127.0.0.1 and against the fake — what reaches the server, aborts before and
 * during the exchange, a refused connection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeFetch } from '../../src/runtime/node-fetch.ts';
import type { FetchFn } from '../../src/runtime/types.ts';
import { fakeFetch, hang, refused } from '../support/fake-fetch.ts';

interface FetchUnderTest {
	readonly fetch: FetchFn;
	/** Answers with the request echoed: `METHOD path header-x body`. */
	readonly echoUrl: string;
	/** Never answers. */
	readonly hangUrl: string;
	/** Nothing listens there. */
	readonly refusedUrl: string;
	close(): Promise<void>;
}

const outcome = (promise: Promise<Response>): Promise<unknown> =>
	promise.then(
		(response) => response,
		(reason: unknown) => reason,
	);

function contract(name: string, make: () => Promise<FetchUnderTest>): void {
	const test = suite(`fetch contract: ${name}`);
	let subject: FetchUnderTest;
	test.before(async () => {
		subject = await make();
	});
	test.after(async () => {
		await subject.close();
	});

	test('the method, path, headers and body reach the server; its status and body come back', async () => {
		const response = await subject.fetch(`${subject.echoUrl}?q=1`, { method: 'POST', headers: { 'X-Test': 'yes' }, body: 'hello' });
		assert.is(response.status, 201);
		assert.is(await response.text(), 'POST /echo?q=1 yes hello');
	});

	test('a signal already aborted rejects at once with its reason', async () => {
		const controller = new AbortController();
		const reason = new Error('stopping');
		controller.abort(reason);
		assert.is(await outcome(subject.fetch(subject.echoUrl, { signal: controller.signal })), reason);
	});

	test('a reason that is not an Error becomes an AbortError DOMException', async () => {
		const controller = new AbortController();
		controller.abort('stop');
		const error = await outcome(subject.fetch(subject.echoUrl, { signal: controller.signal }));
		assert.instance(error, DOMException);
		assert.is((error as DOMException).name, 'AbortError');
	});

	test('an abort while waiting for the answer rejects with the reason', async () => {
		const controller = new AbortController();
		const pending = outcome(subject.fetch(subject.hangUrl, { signal: controller.signal }));
		await new Promise((resolve) => setImmediate(resolve));
		const reason = new Error('deadline');
		controller.abort(reason);
		assert.is(await pending, reason);
	});

	test('a refused connection is a TypeError "fetch failed" with the cause', async () => {
		const error = await outcome(subject.fetch(subject.refusedUrl));
		assert.instance(error, TypeError);
		assert.is((error as TypeError).message, 'fetch failed');
		assert.match(String((error as TypeError).cause), /ECONNREFUSED/);
	});

	test.run();
}

function listen(server: Server): Promise<number> {
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

contract('runtime (src/runtime/node-fetch.ts)', async () => {
	const server = createServer((request, response) => {
		if (request.url === '/hang') return;
		let body = '';
		request.setEncoding('utf8');
		request.on('data', (chunk: string) => {
			body += chunk;
		});
		request.on('end', () => {
			response.writeHead(201).end(`${request.method} ${request.url} ${String(request.headers['x-test'])} ${body}`);
		});
	});
	const port = await listen(server);
	const closed = createServer();
	const freePort = await listen(closed);
	await new Promise((resolve) => closed.close(resolve));
	return {
		fetch: createNodeFetch(),
		echoUrl: `http://127.0.0.1:${port}/echo`,
		hangUrl: `http://127.0.0.1:${port}/hang`,
		refusedUrl: `http://127.0.0.1:${freePort}/`,
		close: async () => {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
});

contract('fake (test/support/fake-fetch.ts)', async () => {
	const { fetch } = fakeFetch((request, signal) => {
		if (request.path === '/hang') return hang(signal);
		if (request.path === '/refused') return refused();
		return new Response(`${request.method} ${request.path} ${String(request.headers['x-test'])} ${request.body}`, { status: 201 });
	});
	return {
		fetch,
		echoUrl: 'http://fake.test/echo',
		hangUrl: 'http://fake.test/hang',
		refusedUrl: 'http://fake.test/refused',
		close: async () => {},
	};
});
