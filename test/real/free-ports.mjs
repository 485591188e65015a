// Free loopback TCP ports that no outgoing connection can take: one place for
// test/real/free-port.ts (the tests) and test/real/up.sh (the stack's own
// ports), in plain JavaScript so up.sh runs it with any Node.
//
// A port the kernel hands out for `listen(0)` lies in the ephemeral range, the
// same range it draws the source ports of outgoing connections from. Between
// the probe closing and the real bind, one of the many connections a test
// makes (watches, IMDS polls, the agent's own client) could take it: in CI an
// agent exited 2 ("Cannot start the metrics server", storm trial 2,
// faults-imds-storm), and a restarted apiserver (test/real/restart.ts) has the
// same exposure. Ports below the ephemeral range are only ever taken by an
// explicit bind, so they are drawn from there, and a port handed out is not
// handed out again by this process.
//
//   node test/real/free-ports.mjs N    prints N distinct ports on one line
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const floor = 10_000;
/** @type {Set<number>} */
const given = new Set();

/** The first port of the ephemeral range (Linux default 32768; elsewhere the IANA dynamic range's start). */
export function ephemeralLow() {
	try {
		const port = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
		return Number.isInteger(port) && port > 1024 ? port : 32_768;
	} catch {
		return 49_152;
	}
}

/** @param {number} port @returns {Promise<number | undefined>} the port bound on 127.0.0.1 and released, or undefined */
function tryBind(port) {
	return new Promise((resolve) => {
		const server = createServer();
		server.unref();
		server.once('error', () => resolve(undefined));
		server.listen(port, '127.0.0.1', () => {
			const address = server.address();
			const bound = typeof address === 'object' && address !== null ? address.port : undefined;
			server.close(() => resolve(bound));
		});
	});
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral range
 * so that only another listener could take it before the caller binds it.
 * Falls back to a kernel-chosen port when none of 200 random candidates binds.
 * @returns {Promise<number>}
 */
export async function freePort() {
	const ceiling = ephemeralLow();
	if (ceiling - floor > 1000) {
		for (let attempt = 0; attempt < 200; attempt++) {
			const candidate = floor + Math.floor(Math.random() * (ceiling - floor));
			if (given.has(candidate)) continue;
			const port = await tryBind(candidate);
			if (port !== undefined) {
				given.add(port);
				return port;
			}
		}
	}
	const port = await tryBind(0);
	if (port === undefined || port === 0) throw new Error('Cannot find a free port: the kernel gave no port');
	given.add(port);
	return port;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const count = Number(process.argv[2] ?? 1);
	const ports = [];
	for (let index = 0; index < count; index++) ports.push(await freePort());
	console.log(ports.join(' '));
}
