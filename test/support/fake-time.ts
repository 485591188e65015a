/**
 * @module Test support: a fake clock whose sleeps resolve only when the test
 * advances time, and a scripted fake fetch. Not a test file itself (no
 * `.test.ts` suffix); imported by the notify tests.
 */
import type { FetchFn } from '../../src/runtime/types.ts';
import type { Sleep } from '../../src/clock.ts';

interface Timer {
	readonly at: number;
	readonly ms: number;
	readonly resolve: () => void;
}

export interface FakeClock {
	now(): number;
	readonly sleep: Sleep;
	/** Every sleep asked for, in order (attempt timeouts and backoff delays alike). */
	readonly sleeps: number[];
	/**
	 * Settles `promise`, advancing the clock to the next pending sleep each time
	 * everything else is idle. Throws if the promise can never settle.
	 */
	run<T>(promise: Promise<T>): Promise<T>;
}

function idle(): Promise<void> {
	// setImmediate runs after every pending microtask: everything not waiting on a timer has settled.
	return new Promise((resolve) => setImmediate(resolve));
}

export function fakeClock(startMs = 1_700_000_000_000): FakeClock {
	let now = startMs;
	const timers: Timer[] = [];
	const sleeps: number[] = [];
	const sleep: Sleep = (ms, signal) =>
		new Promise<void>((resolve, reject) => {
			if (signal.aborted) {
				reject(signal.reason);
				return;
			}
			sleeps.push(ms);
			const timer: Timer = { at: now + Math.max(0, ms), ms, resolve };
			timers.push(timer);
			signal.addEventListener(
				'abort',
				() => {
					const index = timers.indexOf(timer);
					if (index >= 0) timers.splice(index, 1);
					reject(signal.reason);
				},
				{ once: true },
			);
		});
	return {
		now: () => now,
		sleep,
		sleeps,
		async run<T>(promise: Promise<T>): Promise<T> {
			let settled = false;
			promise.then(
				() => (settled = true),
				() => (settled = true),
			);
			for (let step = 0; step < 100_000; step += 1) {
				await idle();
				if (settled) return await promise;
				timers.sort((a, b) => a.at - b.at);
				const next = timers.shift();
				if (!next) throw new Error('Cannot settle the promise: nothing is pending on the fake clock (deadlock)');
				now = Math.max(now, next.at);
				next.resolve();
			}
			throw new Error('Cannot settle the promise: too many fake-clock steps');
		},
	};
}

/** One scripted answer: a status (with optional headers), a transport error, or a hang until aborted. */
export type Scripted =
	| number
	| { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
	| 'error'
	| 'hang';

export interface RecordedRequest {
	readonly url: string;
	readonly method: string;
	readonly headers: Record<string, string>;
	readonly body: string;
	readonly at: number;
}

export interface FakeFetch {
	readonly fetch: FetchFn;
	readonly requests: RecordedRequest[];
}

/** A fetch answering from `script` in order (the last entry repeats). */
export function scriptedFetch(script: readonly Scripted[], clock: { now(): number }): FakeFetch {
	const requests: RecordedRequest[] = [];
	const fetch: FetchFn = async (input, init) => {
		const request = new Request(input, init);
		const headers: Record<string, string> = {};
		request.headers.forEach((value, key) => {
			headers[key] = value;
		});
		requests.push({ url: request.url, method: request.method, headers, body: await request.text(), at: clock.now() });
		const step = script[Math.min(requests.length - 1, script.length - 1)] ?? 200;
		if (step === 'error') throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
		if (step === 'hang') {
			const signal = init?.signal;
			return await new Promise<Response>((_resolve, reject) => {
				signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
			});
		}
		const answer = typeof step === 'number' ? { status: step } : step;
		const nullBody = answer.status === 204 || answer.status === 304;
		return new Response(nullBody ? null : (answer.body ?? ''), { status: answer.status, headers: answer.headers ?? {} });
	};
	return { fetch, requests };
}
