import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../real/free-port.ts';

const ports = suite('test/real/free-port: ports no outgoing connection can take');

function ephemeralLow(): number {
	try {
		return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
	} catch {
		return 49_152;
	}
}

ports('below the ephemeral range, never the same one twice, and bindable on 127.0.0.1', async () => {
	const low = ephemeralLow();
	const seen: number[] = [];
	for (let index = 0; index < 40; index += 1) seen.push(await freePort());
	assert.is(new Set(seen).size, seen.length, `distinct: ${seen.join(' ')}`);
	for (const port of seen) assert.ok(port >= 10_000 && port < low, `${port} lies in [10000, ${low})`);
	const port = seen[0] ?? 0;
	await new Promise<void>((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
	});
});

ports('the command line test/real/up.sh runs prints that many distinct ports in the same range', () => {
	const low = ephemeralLow();
	const script = join(import.meta.dirname, '..', 'real', 'free-ports.mjs');
	const printed = execFileSync(process.execPath, [script, '6'], { encoding: 'utf8' }).trim().split(' ').map(Number);
	assert.is(printed.length, 6, printed.join(' '));
	assert.is(new Set(printed).size, 6, `distinct: ${printed.join(' ')}`);
	for (const port of printed) assert.ok(Number.isInteger(port) && port >= 10_000 && port < low, `${port} lies in [10000, ${low})`);
});

ports.run();
