// CPU per IMDS poll, layer by layer, in this process (bench:idle measures the
// whole agent; this shows where a request's CPU goes). A child Node process
// serves a fake IMDS on 127.0.0.1 (a token on PUT, 404 on every GET, as the
// notice paths answer while nothing is announced); this process sends `--n`
// sequential requests per layer and reports its own CPU (process.cpuUsage)
// per request:
//
//   fetch      the runtime's fetch (Bun's native one under Bun) + reading the body
//   transport  + src/imds/transport.ts (timeout, endpoint choice, bounded body)
//   client     + src/imds/client.ts get() with the token (the `poll` policy)
//   monitor    + the spot monitor's check (getJson and its schema)
//
// With `--idle=S` it then idles as the agent does for S seconds: the poll
// loop (src/monitors/poll.ts) over the spot, ASG and scheduled-events
// monitors at `--interval=MS` (default 500, the default POLL_INTERVAL), with
// the real metrics registry, and reports millicores and CPU per request (ticks,
// and exact per-thread time from schedstat); `--layer=fetch|transport|client`
// makes the monitors call that layer only (`timer`: none, `bare`: no poll loop
// either, one sleep per interval; `net` and `bunsock`: prototypes of a GET
// written by hand on kept-alive node:net or Bun.connect sockets, no parsing,
// to see what the runtime's fetch costs above a bare socket); `--metrics=noop`
// drops the metrics registry (wake-ups included), without the apiserver side
// of the agent. The fake IMDS declares Content-Length, as IMDS does.
//
// Run as shipped: `BUN_JSC_useJIT=0 bun bench/poll-cost.ts [--n=2000]`
// (or under Node: `node bench/poll-cost.ts`).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { createNodeFetch } from '../src/runtime/node-fetch.ts';
import { createBunFetch } from '../src/runtime/bun.ts';
import { createImdsTransport } from '../src/imds/transport.ts';
import { createImdsClient } from '../src/imds/client.ts';
import { createSpotItnMonitor } from '../src/monitors/spot-itn.ts';
import { silentLogger } from '../src/log/logger.ts';
import { noopMetrics } from '../src/metrics/types.ts';
import { sleep } from '../src/clock.ts';
import { monitorIntervals, startPolling } from '../src/monitors/poll.ts';
import { createAsgLifecycleMonitor } from '../src/monitors/asg-lifecycle.ts';
import { createScheduledEventMonitor } from '../src/monitors/scheduled-event.ts';
import { createMetricsRegistry } from '../src/metrics/registry.ts';
import { spotInstanceActionPath } from '../src/imds/paths.ts';
import type { FetchFn } from '../src/runtime/types.ts';

const option = (name: string): string | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const n = Number(option('n') ?? 2000);
const idleSeconds = Number(option('idle') ?? 0);
const intervalMs = Number(option('interval') ?? 500);
/** Which layer the idle loop's monitors call (bench side by side to see what each layer adds while idle). */
const layer = option('layer') ?? 'monitor';
const server = `
const http = require('node:http');
const s = http.createServer((q, r) => {
	q.resume();
	// With Content-Length, as IMDS (and AEMM, Go's net/http) sends these small bodies; Node would chunk them.
	if (q.method === 'PUT') { r.writeHead(200, { 'x-aws-ec2-metadata-token-ttl-seconds': '21600', 'content-type': 'text/plain', 'content-length': '5' }).end('token'); return; }
	const body = '<?xml version="1.0" encoding="iso-8859-1"?><html><body><h1>404 - Not Found</h1></body></html>';
	r.writeHead(404, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(body)) }).end(body);
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;
const child = spawn(process.env['NODE'] ?? 'node', ['-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
const [portLine] = (await once(child.stdout, 'data')) as [Buffer];
const baseUrl = `http://127.0.0.1:${portLine.toString().trim()}`;
const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
const runtimeFetch: FetchFn = isBun ? createBunFetch({ rawBody: true }) : createNodeFetch({ rawBody: true });
let served = 0;
const fetchFn: FetchFn = (input, init) => {
	served += 1;
	return runtimeFetch(input, init);
};
const log = silentLogger();
const metrics = noopMetrics();
const never = new AbortController().signal;

// A prototype: kept-alive sockets (one per request in flight), HTTP/1.1 written and parsed by hand
// (the 404 answer is small and arrives in one chunk here): what the runtime's fetch costs above a bare socket.
const idleSockets: net.Socket[] = [];
function rawGet(path: string): Promise<string> {
	return new Promise((resolve, reject) => {
		let socket = idleSockets.pop();
		if (socket === undefined) {
			const url = new URL(baseUrl);
			socket = net.connect(Number(url.port), url.hostname);
			socket.setNoDelay(true);
		}
		const own = socket;
		own.once('data', (chunk: Buffer) => {
			own.removeListener('error', reject);
			idleSockets.push(own);
			resolve(chunk.toString('latin1'));
		});
		own.once('error', reject);
		served += 1;
		own.write(`GET ${path} HTTP/1.1\r\nHost: 169.254.169.254\r\nx-aws-ec2-metadata-token: token\r\n\r\n`);
	});
}

// The same prototype on Bun's native sockets (Bun.connect): no JavaScript streams, no HTTP thread.
interface BunSocketLike {
	write(data: string): number;
}
const idleBunSockets: BunSocketLike[] = [];
const waitingOn = new Map<BunSocketLike, (text: string) => void>();
async function bunRawGet(path: string): Promise<string> {
	let socket = idleBunSockets.pop();
	if (socket === undefined) {
		const url = new URL(baseUrl);
		const bun = (globalThis as unknown as { Bun: { connect(options: unknown): Promise<BunSocketLike> } }).Bun;
		socket = await bun.connect({
			hostname: url.hostname,
			port: Number(url.port),
			socket: {
				data(own: BunSocketLike, chunk: Uint8Array) {
					const done = waitingOn.get(own);
					waitingOn.delete(own);
					idleBunSockets.push(own);
					done?.(new TextDecoder('latin1').decode(chunk));
				},
			},
		});
	}
	const own = socket;
	return new Promise((resolve) => {
		waitingOn.set(own, resolve);
		served += 1;
		own.write(`GET ${path} HTTP/1.1\r\nHost: 169.254.169.254\r\nx-aws-ec2-metadata-token: token\r\n\r\n`);
	});
}

/** Exact run time (ns) per live thread of this process (tid -> name and ns), from each /proc/self/task/TID/schedstat (Linux; empty elsewhere). */
function threadNs(): Map<string, { readonly name: string; readonly ns: number }> {
	const byTid = new Map<string, { readonly name: string; readonly ns: number }>();
	try {
		for (const tid of readdirSync('/proc/self/task')) {
			try {
				const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
				const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
				byTid.set(tid, { name, ns });
			} catch {
				// the thread exited between the listing and the read
			}
		}
	} catch {
		// not Linux
	}
	return byTid;
}

async function measure(name: string, once: () => Promise<unknown>): Promise<void> {
	for (let i = 0; i < 200; i += 1) await once(); // warm-up: connection, token, caches
	const before = process.cpuUsage();
	for (let i = 0; i < n; i += 1) await once();
	const used = process.cpuUsage(before);
	console.log(
		`${name.padEnd(10)} ${((used.user + used.system) / n / 1000).toFixed(3)} ms CPU/request (user ${(used.user / n / 1000).toFixed(3)}, sys ${(used.system / n / 1000).toFixed(3)})`,
	);
}

try {
	console.log(
		`${isBun ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}` : `node ${process.version}`}, BUN_JSC_useJIT=${process.env['BUN_JSC_useJIT'] ?? '(unset)'}, ${n} sequential 404s`,
	);
	await measure('fetch', async () => {
		const response = await fetchFn(`${baseUrl}${spotInstanceActionPath}`, {
			headers: { 'x-aws-ec2-metadata-token': 'token' },
			signal: never,
		});
		await response.text();
	});
	const transport = createImdsTransport({
		fetch: fetchFn,
		baseUrl,
		ipv6BaseUrl: undefined,
		timeoutMs: 2000,
		maxBodyBytes: 65_536,
		sleep,
		log,
	});
	await measure('transport', async () => {
		await transport.request('GET', spotInstanceActionPath, { 'x-aws-ec2-metadata-token': 'token' }, never);
	});
	const client = createImdsClient({ fetch: fetchFn, baseUrl, ipv6Fallback: false, tries: 3, log, metrics });
	await measure('client', () => client.get(spotInstanceActionPath, never, { retry: 'poll' }));
	const monitor = createSpotItnMonitor({ client });
	await measure('monitor', () => monitor.check(never));
	if (idleSeconds > 0) {
		const registry = createMetricsRegistry({
			now: Date.now,
			startTimeMs: Date.now(),
			resourceUsage: () => ({ cpuSeconds: 0, rssBytes: 0, heapUsedBytes: 0 }),
			build: { version: '', commit: '', flavour: '', runtime: '', runtimeVersion: '' },
		});
		const real = [monitor, createScheduledEventMonitor({ client, log }), createAsgLifecycleMonitor({ client })];
		const viaLayer = async (path: string, signal: AbortSignal): Promise<void> => {
			if (layer === 'net') await rawGet(path);
			else if (layer === 'bunsock') await bunRawGet(path);
			else if (layer === 'timer') return;
			else if (layer === 'fetch')
				await (await fetchFn(`${baseUrl}${path}`, { headers: { 'x-aws-ec2-metadata-token': 'token' }, signal })).text();
			else if (layer === 'transport') await transport.request('GET', path, { 'x-aws-ec2-metadata-token': 'token' }, signal);
			else await client.get(path, signal, { retry: 'poll' });
		};
		const monitors =
			layer === 'monitor'
				? real
				: real.map((m) => ({
						...m,
						check: async (signal: AbortSignal) => {
							await viaLayer(m.path, signal);
							return { events: [], cancellations: [] };
						},
					}));
		const stop = new AbortController();
		const pollMetrics = option('metrics') === 'noop' ? metrics : registry;
		const polling =
			layer === 'bare'
				? (async () => {
						// The wake-ups alone: one timer every interval, nothing polled.
						while (!stop.signal.aborted) await sleep(intervalMs, stop.signal).catch(() => {});
					})()
				: startPolling(monitors, {
						intervalMs: monitorIntervals(intervalMs),
						onResult: () => {},
						log,
						metrics: pollMetrics,
						signal: stop.signal,
					});
		await sleep(3000);
		const servedBefore = served;
		const before = process.cpuUsage();
		const threadsBefore = threadNs();
		await sleep(idleSeconds * 1000);
		const used = process.cpuUsage(before);
		const threadsAfter = threadNs();
		const requests = served - servedBefore;
		stop.abort();
		await polling;
		const cpuMs = (used.user + used.system) / 1000;
		console.log(
			`idle       ${(cpuMs / idleSeconds).toFixed(2)} mc at POLL_INTERVAL ${intervalMs} ms, ${(requests / idleSeconds).toFixed(2)} requests/s, ${(cpuMs / requests).toFixed(3)} ms CPU/request (wake-ups included)`,
		);
		// Ticks under-count short wake-ups; the threads' schedstat counts every nanosecond.
		// Per thread name, from the threads alive at the end (a thread born in the window counts whole; one that ended is lost).
		const byName = new Map<string, number>();
		for (const [tid, { name, ns }] of threadsAfter) byName.set(name, (byName.get(name) ?? 0) + ns - (threadsBefore.get(tid)?.ns ?? 0));
		const perThread = [...byName].map(([name, ns]) => [name, ns / 1e6 / idleSeconds] as const);
		const total = perThread.reduce((sum, [, mc]) => sum + mc, 0);
		console.log(
			`idle (ns)  ${total.toFixed(2)} mc: ${perThread
				.filter(([, mc]) => mc >= 0.01)
				.sort((a, b) => b[1] - a[1])
				.map(([name, mc]) => `${name} ${mc.toFixed(2)}`)
				.join(', ')}`,
		);
	}
} finally {
	child.kill();
}
process.exit(0);
