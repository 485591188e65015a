/**
 * @module Asks for a free loopback TCP port that no outgoing connection can take.
 *
 * A port the kernel hands out for `listen(0)` lies in the ephemeral range, the
 * same range it draws the source ports of outgoing connections from. Between
 * freePort() closing its probe and the agent binding the port, one of the
 * many connections a test makes (watches, IMDS polls, the agent's own client)
 * could take it, and the agent exits 2 ("Cannot start the metrics server").
 * That happened in CI (storm trial 2, faults-imds-storm). Ports below the
 * ephemeral range are only ever taken by an explicit bind, so they are drawn
 * from there, and a port handed out is not handed out again by this process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The first port of the ephemeral range (Linux default 32768). */
function ephemeralLow(): number {
	try {
		const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
		const port = Number(low);
		return Number.isInteger(port) && port > 1024 ? port : 32_768;
	} catch {
		// Not Linux: keep the IANA dynamic range's start as the ceiling.
		return 49_152;
	}
}

const floor = 10_000;
const given = new Set<number>();

function tryBind(port: number): Promise<number | undefined> {
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
 * so no outgoing connection takes it before the caller binds it; only another
 * listener could. Falls back to a kernel-chosen port when none of 200 random
 * candidates binds.
 */
export async function freePort(): Promise<number> {
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
