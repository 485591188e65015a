/**
 * @module The one fake fetch of the unit tests: it records every request and
 * answers from a handler, a script (answers in order) or a route table
 * (answers by method and path). It honours the AbortSignal as the runtime's
 * fetch (src/runtime/node-fetch.ts) does, which test/unit/fetch-contract.test.ts
 * checks against the real one: a request on an aborted signal rejects at once,
 * an abort before the answer rejects the pending call, both with the signal's
 * reason when it is an Error and an `AbortError` DOMException otherwise; a
 * refused connection is a `TypeError('fetch failed')` with the cause. (A body
 * already handed over is not cut by a later abort.) Answers can be delayed on a
 * fake clock. Not a test file (no `.test.ts` suffix).
 */
import type { FetchFn } from '../../src/runtime/types.ts';
import type { FakeClock } from './fake-clock.ts';

export interface RecordedRequest {
	readonly method: string;
	readonly url: string;
	/** Path and query, e.g. `/latest/api/token`. */
	readonly path: string;
	readonly host: string;
	/** Lower-case names. */
	readonly headers: Readonly<Record<string, string>>;
	readonly body: string;
	/** The clock's `now()` when the request was made (0 without a clock). */
	readonly at: number;
}

/** Answers one request (throw to act as a transport error; see {@link refused}). */
export type FetchHandler = (request: RecordedRequest, signal: AbortSignal) => Response | Promise<Response>;

/**
 * One scripted answer: a status, a response description (optionally after
 * `delayMs` on the clock), a refused connection, or a hang until aborted.
 */
export type Scripted =
	| number
	| {
			readonly status: number;
			readonly headers?: Record<string, string>;
			readonly body?: string;
			/** Wait this long on the fake clock before answering (needs `clock`). */
			readonly delayMs?: number;
	  }
	| 'error'
	| 'hang';

export interface FakeFetchOptions {
	/** Stamps `at` on each request and drives `delayMs`. */
	readonly clock?: Pick<FakeClock, 'now' | 'sleep'> | undefined;
}

export interface FakeFetch {
	readonly fetch: FetchFn;
	readonly requests: RecordedRequest[];
}

/** The reason the runtime's fetch rejects with on an abort. */
function abortReason(signal: AbortSignal): Error {
	return signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

/** What a refused connection looks like from the runtime's fetch. */
export function refused(): never {
	throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
}

/** A request nobody answers: the fake fetch settles it only when its signal aborts (as a real one does). */
export function hang(_signal?: AbortSignal): Promise<Response> {
	return new Promise<Response>(() => {});
}

/** A fetch that records every request and answers it with `handler`, or from `script` in order (the last entry repeats). */
export function fakeFetch(answer: FetchHandler | readonly Scripted[], options: FakeFetchOptions = {}): FakeFetch {
	const requests: RecordedRequest[] = [];
	const clock = options.clock;
	const handler = typeof answer === 'function' ? answer : scripted(answer, clock);
	const fetch: FetchFn = async (input, init) => {
		const request = input instanceof Request && init === undefined ? input : new Request(input, init);
		// The caller's own signal, as the runtime's fetch reads it (a Request's copy follows it only while the Request lives).
		const signal = init?.signal ? init.signal : input instanceof Request ? input.signal : request.signal;
		const url = new URL(request.url);
		const headers: Record<string, string> = {};
		request.headers.forEach((value, key) => {
			headers[key] = value;
		});
		const at = clock?.now() ?? 0;
		const body = request.body === null ? '' : await request.text();
		const recorded: RecordedRequest = {
			method: request.method,
			url: request.url,
			path: `${url.pathname}${url.search}`,
			host: url.host,
			headers,
			body,
			at,
		};
		requests.push(recorded);
		if (signal.aborted) throw abortReason(signal);
		return await new Promise<Response>((resolve, reject) => {
			const onAbort = (): void => reject(abortReason(signal));
			signal.addEventListener('abort', onAbort, { once: true });
			Promise.resolve()
				.then(() => handler(recorded, signal))
				.then(
					(response) => {
						signal.removeEventListener('abort', onAbort);
						resolve(response);
					},
					(error: unknown) => {
						signal.removeEventListener('abort', onAbort);
						reject(signal.aborted ? abortReason(signal) : error);
					},
				);
		});
	};
	return { fetch, requests };
}

/** A handler answering from `script` in order (the last entry repeats; an empty script answers 200). */
export function scripted(script: readonly Scripted[], clock?: Pick<FakeClock, 'sleep'>): FetchHandler {
	let calls = 0;
	return async (_request, signal) => {
		const step = script[Math.min(calls, script.length - 1)] ?? 200;
		calls += 1;
		return await answerWith(step, signal, clock);
	};
}

/**
 * A handler answering by `"METHOD /path"` (path with query, as recorded), each
 * route from its own script; any other request gets a 404.
 */
export function routes(table: Readonly<Record<string, readonly Scripted[]>>, clock?: Pick<FakeClock, 'sleep'>): FetchHandler {
	const handlers = new Map(Object.entries(table).map(([route, script]) => [route, scripted(script, clock)]));
	return async (request, signal) => {
		const handler = handlers.get(`${request.method} ${request.path}`);
		return handler === undefined ? new Response('not found', { status: 404 }) : await handler(request, signal);
	};
}

async function answerWith(step: Scripted, signal: AbortSignal, clock: Pick<FakeClock, 'sleep'> | undefined): Promise<Response> {
	if (step === 'error') refused();
	if (step === 'hang') return await hang(signal);
	const answer = typeof step === 'number' ? { status: step } : step;
	if (answer.delayMs !== undefined) {
		if (clock === undefined) throw new Error('Cannot delay the fake answer: fakeFetch was given no clock');
		await clock.sleep(answer.delayMs, signal);
	}
	const nullBody = answer.status === 204 || answer.status === 304;
	return new Response(nullBody ? null : (answer.body ?? ''), { status: answer.status, headers: answer.headers ?? {} });
}
