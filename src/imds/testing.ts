/**
 * @module Test doubles for the IMDS client and the monitors: a recording
 * fake fetch and a fake clock. Test code only (nothing in the agent imports it).
 */
import { type Logger, memoryLogger } from '../log/logger.ts';
import { type Metrics, noopMetrics } from '../metrics/types.ts';
import type { FetchFn } from '../runtime/types.ts';
import { createImdsClient } from './client.ts';
import type { Sleep } from '../clock.ts';
import type { ImdsClient } from './types.ts';

export interface RecordedRequest {
	readonly method: string;
	readonly url: string;
	/** Path and query, e.g. `/latest/api/token`. */
	readonly path: string;
	readonly host: string;
	/** Lower-case names. */
	readonly headers: Readonly<Record<string, string>>;
}

export type FakeHandler = (request: RecordedRequest, signal: AbortSignal) => Response | Promise<Response>;

export interface FakeFetch {
	readonly fetch: FetchFn;
	readonly requests: RecordedRequest[];
}

/** A fetch that records every request and answers with `handler` (which may throw to act as a transport error). */
export function fakeFetch(handler: FakeHandler): FakeFetch {
	const requests: RecordedRequest[] = [];
	const fetch: FetchFn = async (input, init) => {
		const request = input instanceof Request && init === undefined ? input : new Request(input, init);
		const url = new URL(request.url);
		const headers: Record<string, string> = {};
		request.headers.forEach((value, key) => {
			headers[key] = value;
		});
		const recorded = { method: request.method, url: request.url, path: `${url.pathname}${url.search}`, host: url.host, headers };
		requests.push(recorded);
		if (request.signal.aborted) throw request.signal.reason;
		return await handler(recorded, request.signal);
	};
	return { fetch, requests };
}

/** What a refused connection looks like from Node's fetch. */
export function refused(): never {
	throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
}

/** A request nobody answers: settles only when its signal aborts (as a real fetch does). */
export function hang(signal: AbortSignal): Promise<Response> {
	return new Promise((_resolve, reject) => {
		if (signal.aborted) reject(signal.reason);
		signal.addEventListener('abort', () => reject(signal.reason), { once: true });
	});
}

interface Timer {
	readonly at: number;
	readonly seq: number;
	readonly resolve: () => void;
}

export interface FakeClock {
	now(): number;
	readonly sleep: Sleep;
	/** Every duration passed to sleep, in call order (timeouts included). */
	readonly sleeps: number[];
	/** Timers waiting to fire. */
	pending(): number;
	/** Moves time forward by `ms`, firing due timers in order and letting the code they wake run. */
	advance(ms: number): Promise<void>;
	/** Fires timers one by one until `promise` settles, then returns it; fails if nothing is left to fire. */
	run<T>(promise: Promise<T>): Promise<T>;
}

/** Lets pending promise callbacks and I/O run (ky and Response bodies take a few turns). */
function turn(): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, 0));
}

export function fakeClock(start = 1_000_000): FakeClock {
	let time = start;
	let seq = 0;
	const timers: Timer[] = [];
	const sleeps: number[] = [];

	const sleep: Sleep = (ms, signal) =>
		new Promise((resolve, reject) => {
			sleeps.push(ms);
			if (signal.aborted) {
				reject(signal.reason);
				return;
			}
			const timer: Timer = {
				at: time + ms,
				seq: seq++,
				resolve: () => {
					signal.removeEventListener('abort', onAbort);
					resolve();
				},
			};
			const onAbort = (): void => {
				const index = timers.indexOf(timer);
				if (index >= 0) timers.splice(index, 1);
				reject(signal.reason);
			};
			signal.addEventListener('abort', onAbort, { once: true });
			timers.push(timer);
		});

	function next(): Timer | undefined {
		let best: Timer | undefined;
		for (const timer of timers) {
			if (best === undefined || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
		}
		return best;
	}

	function fire(timer: Timer): void {
		timers.splice(timers.indexOf(timer), 1);
		time = Math.max(time, timer.at);
		timer.resolve();
	}

	return {
		now: () => time,
		sleep,
		sleeps,
		pending: () => timers.length,
		async advance(ms) {
			const target = time + ms;
			await turn();
			for (let timer = next(); timer !== undefined && timer.at <= target; timer = next()) {
				fire(timer);
				await turn();
			}
			time = target;
			await turn();
		},
		async run(promise) {
			let settled = false;
			promise.then(
				() => (settled = true),
				() => (settled = true),
			);
			let idle = 0;
			for (;;) {
				await turn();
				if (settled) return promise;
				const timer = next();
				if (timer === undefined) {
					idle += 1;
					if (idle > 50) throw new Error('Cannot settle the promise: no timer is pending on the fake clock');
					continue;
				}
				idle = 0;
				fire(timer);
			}
		},
	};
}

export interface MetricsRecord {
	readonly errorCaught: string[];
	readonly monitorErrors: string[];
	readonly polls: { readonly monitor: string; readonly ok: boolean; readonly seconds: number }[];
}

/** Metrics that remember the calls the IMDS client and the poll loop make. */
export function recordingMetrics(): { readonly metrics: Metrics; readonly record: MetricsRecord } {
	const record: MetricsRecord = { errorCaught: [], monitorErrors: [], polls: [] };
	const metrics: Metrics = {
		...noopMetrics(),
		errorCaught: (component) => void record.errorCaught.push(component),
		monitorError: (monitor) => void record.monitorErrors.push(monitor),
		pollCompleted: (monitor, ok, seconds) => void record.polls.push({ monitor, ok, seconds }),
	};
	return { metrics, record };
}

export interface FakeImds {
	readonly client: ImdsClient;
	readonly fake: FakeFetch;
	readonly clock: FakeClock;
	readonly log: Logger & { readonly lines: string[] };
	/** Runs one client call (or monitor check) on the fake clock. */
	run<T>(promise: Promise<T>): Promise<T>;
}

/** An IMDSv1-only fake IMDS behind a real client: `answer` maps each GET path to a response (throw for a transport error). */
export function fakeImds(answer: (path: string) => Response): FakeImds {
	const clock = fakeClock();
	const fake = fakeFetch((request) => (request.method === 'PUT' ? new Response('', { status: 403 }) : answer(request.path)));
	const log = memoryLogger();
	const client = createImdsClient({ fetch: fake.fetch, baseUrl: 'http://169.254.169.254', ipv6Fallback: false, tries: 3, log, metrics: noopMetrics(), now: clock.now, sleep: clock.sleep, random: () => 0 });
	return { client, fake, clock, log, run: (promise) => clock.run(promise) };
}
