import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeFetch } from './node-fetch.ts';

/**
 * A self-signed certificate whose only name is the IP address 127.0.0.1 (no
 * DNS name, so "localhost" does not match it), valid until 2126. Test data:
 * the key protects nothing.
 */
const ipOnlyCert = `-----BEGIN CERTIFICATE-----
MIIBlzCCAT6gAwIBAgIUSgNq+hKjbPYdYriP1/gjQyRGDXMwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNbnRoLXVuaXQtdGVzdDAgFw0yNjExMjYwMDA4NTNaGA8yMTI2
MTEwMjAwMDg1M1owGDEWMBQGA1UEAwwNbnRoLXVuaXQtdGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABJqHGZutK5TjzkdbSGx2Jn8GyXBavxsN8a8SaTBSU1OB
Qw9cDMJ/J7meUkayc4cEhBTGhg7CDQImNN/z7fxjTTKjZDBiMB0GA1UdDgQWBBR9
WRy1p+hR+hqGdqgzkhAH4n/VpDAfBgNVHSMEGDAWgBR9WRy1p+hR+hqGdqgzkhAH
4n/VpDAPBgNVHRMBAf8EBTADAQH/MA8GA1UdEQQIMAaHBH8AAAEwCgYIKoZIzj0E
AwIDRwAwRAIgcgkRl625qHgtZc971pJur4K4el7MafulhO6yrWojluACICVDZEGS
MgJqM/6kDfxM34leqk5lSFP4up0RKMK3qLbP
-----END CERTIFICATE-----
`;
const ipOnlyKey = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXaq/lamTpESsWdYh
U3TYyB6brAUYZphPCgd1QjqEC/KhRANCAASahxmbrSuU485HW0hsdiZ/BslwWr8b
DfGvEmkwUlNTgUMPXAzCfye5nlJGsnOHBIQUxoYOwg0CJjTf8+38Y00y
-----END PRIVATE KEY-----
`;

/** A full garbage collection (what drops weakly held abort links). */
function collectGarbage(): void {
	v8.setFlagsFromString('--expose-gc');
	const gc: unknown = vm.runInNewContext('gc');
	if (typeof gc !== 'function') throw new Error('Cannot force a garbage collection: no gc()');
	gc();
}

function portOf(server: net.Server): number {
	const address = server.address();
	if (address === null || typeof address === 'string') throw new Error('Cannot read the test server port: not listening on TCP');
	return address.port;
}

async function listen<T extends net.Server>(server: T): Promise<T> {
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return server;
}

/** Tunnel sockets per proxy: server.close() waits for them, and closeAllConnections() does not know them. */
const tunnelSockets = new WeakMap<net.Server, Set<net.Socket>>();

function trackTunnel(proxy: net.Server, ...sockets: net.Socket[]): void {
	const set = tunnelSockets.get(proxy) ?? new Set<net.Socket>();
	for (const socket of sockets) set.add(socket);
	tunnelSockets.set(proxy, set);
}

async function closeServer(server: net.Server): Promise<void> {
	const closed = once(server, 'close');
	for (const socket of tunnelSockets.get(server) ?? []) socket.destroy();
	server.close();
	// https.Server is no http.Server, yet has the same method.
	if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') server.closeAllConnections();
	await closed;
}

/** Rejects after `ms` with `message`, so a hang fails the test instead of the run. */
function within<T>(ms: number, promise: Promise<T>, message: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(message)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const streaming = suite('createNodeFetch(): streamed bodies');

streaming('an abort after the response resolved cuts the streamed body (a watch) and closes its connection, even after a GC', async () => {
	let connectionClosed = (): void => {};
	const requestClosed = new Promise<void>((resolve) => {
		connectionClosed = resolve;
	});
	const server = await listen(
		http.createServer((request, response) => {
			response.writeHead(200, { 'content-type': 'application/json' });
			response.write('{"type":"ADDED"}\n');
			// Like a watch: the body never ends on its own.
			request.socket.once('close', connectionClosed);
		}),
	);
	const fetch = createNodeFetch();
	const controller = new AbortController();
	try {
		// As ky calls it: its own Request (whose signal follows ours) plus an init,
		// and nothing else keeps that Request once fetch has it.
		const response = await (() => fetch(new Request(`http://127.0.0.1:${portOf(server)}/watch`, { signal: controller.signal }), {}))();
		assert.is(response.status, 200);
		const reader = response.body?.getReader();
		if (reader === undefined) throw new Error('Cannot read the watch: no body');
		const first = await reader.read();
		assert.is(new TextDecoder().decode(first.value), '{"type":"ADDED"}\n');
		for (let round = 0; round < 3; round += 1) {
			collectGarbage();
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		controller.abort(new DOMException('The watch is over', 'AbortError'));
		const error = await within(
			2_000,
			reader.read().then(
				() => undefined,
				(reason: unknown) => reason,
			),
			'the body read did not end after the abort',
		);
		assert.instance(error, Error);
		assert.is((error as Error).name, 'AbortError');
		await within(2_000, requestClosed, 'the server never saw the connection close after the abort');
	} finally {
		await closeServer(server);
	}
});

streaming('the abort wiring is released once the body is fully read', async () => {
	const server = await listen(
		http.createServer((_request, response) => {
			response.end('done');
		}),
	);
	const fetch = createNodeFetch();
	const controller = new AbortController();
	try {
		const response = await fetch(`http://127.0.0.1:${portOf(server)}/`, { signal: controller.signal });
		assert.is(await response.text(), 'done');
		// A late abort must not throw or destroy anything: the exchange is over.
		controller.abort();
		const again = await fetch(`http://127.0.0.1:${portOf(server)}/`);
		assert.is(await again.text(), 'done');
	} finally {
		await closeServer(server);
	}
});

const proxied = suite('createNodeFetch(): CONNECT proxy');

proxied('checks the certificate of an https://<IP> target against that IP, not "localhost"', async () => {
	const target = await listen(
		https.createServer({ cert: ipOnlyCert, key: ipOnlyKey }, (_request, response) => {
			response.end('through the tunnel');
		}),
	);
	const tunnels: string[] = [];
	const proxy = await listen(
		http.createServer((_request, response) => {
			response.writeHead(405).end();
		}),
	);
	proxy.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
		tunnels.push(request.url ?? '');
		const [host, port] = (request.url ?? '').split(':');
		const upstream = net.connect(Number(port), host ?? '127.0.0.1', () => {
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			upstream.write(head);
			upstream.pipe(client);
			client.pipe(upstream);
		});
		trackTunnel(proxy, client, upstream);
		upstream.on('error', () => client.destroy());
		client.on('error', () => upstream.destroy());
	});
	try {
		const fetch = createNodeFetch({ ca: ipOnlyCert, proxy: `http://127.0.0.1:${portOf(proxy)}` });
		const response = await fetch(`https://127.0.0.1:${portOf(target)}/`);
		assert.is(await response.text(), 'through the tunnel');
		assert.equal(tunnels, [`127.0.0.1:${portOf(target)}`]);
	} finally {
		await closeServer(proxy);
		await closeServer(target);
	}
});

proxied('still refuses a certificate that does not name the target', async () => {
	const target = await listen(
		https.createServer({ cert: ipOnlyCert, key: ipOnlyKey }, (_request, response) => {
			response.end('should not be read');
		}),
	);
	const proxy = await listen(http.createServer());
	proxy.on('connect', (request: http.IncomingMessage, client: net.Socket) => {
		const [, port] = (request.url ?? '').split(':');
		// The tunnel says "localhost", the certificate names only 127.0.0.1.
		const upstream = net.connect(Number(port), '127.0.0.1', () => {
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			upstream.pipe(client);
			client.pipe(upstream);
		});
		trackTunnel(proxy, client, upstream);
		upstream.on('error', () => client.destroy());
		client.on('error', () => upstream.destroy());
	});
	try {
		const fetch = createNodeFetch({ ca: ipOnlyCert, proxy: `http://127.0.0.1:${portOf(proxy)}` });
		const error = await fetch(`https://localhost:${portOf(target)}/`).then(
			() => undefined,
			(reason: unknown) => reason,
		);
		assert.instance(error, TypeError);
		assert.match(String((error as TypeError).cause), /altnames|Hostname/i);
	} finally {
		await closeServer(proxy);
		await closeServer(target);
	}
});

streaming.run();
proxied.run();
