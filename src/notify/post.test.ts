import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { fakeFetch, type Scripted } from '../../test/support/fake-fetch.ts';
import { backoffMs, type PostOptions, postWithRetry, retryAfterMs } from './post.ts';

const url = 'http://127.0.0.1:9/hook';
const timeoutMs = 10_000;
const retryForMs = 120_000;
const half = (): number => 0.5;

function setup(script: readonly Scripted[], overrides: Partial<PostOptions> = {}) {
	const clock = fakeClock();
	const fake = fakeFetch(script, { clock });
	const delays: number[] = [];
	const options: PostOptions = {
		fetch: fake.fetch,
		url,
		headers: { 'Content-type': 'application/json' },
		body: '{"text":"hello"}',
		timeoutMs,
		retryForMs,
		now: clock.now,
		sleep: clock.sleep,
		random: half,
		onRetry: (_failure, delayMs) => delays.push(delayMs),
		...overrides,
	};
	const started = clock.now();
	return { clock, fake, delays, options, elapsed: () => clock.now() - started };
}

const backoff = suite('backoffMs()');

backoff('doubles from 500 ms with equal jitter and caps at 30 s', () => {
	assert.is(
		backoffMs(1, () => 0),
		250,
	);
	assert.is(
		backoffMs(1, () => 0.999_999),
		500,
	);
	assert.is(backoffMs(2, half), 750);
	assert.is(backoffMs(3, half), 1500);
	assert.is(
		backoffMs(20, () => 0),
		15_000,
	);
	assert.is(
		backoffMs(20, () => 0.999_999),
		30_000,
	);
});

backoff('reads Retry-After as seconds or an HTTP date', () => {
	const now = Date.UTC(2026, 0, 1, 0, 0, 0);
	assert.is(retryAfterMs('7', now), 7000);
	assert.is(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
	assert.is(retryAfterMs(null, now), undefined);
	assert.is(retryAfterMs('soon', now), undefined);
});

const post = suite('postWithRetry()');

post('retries transport errors with backoff: fails twice then 200 means 3 attempts', async () => {
	const { clock, fake, delays, options, elapsed } = setup(['error', 'error', 200]);
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.equal(result, { ok: true, status: 200, attempts: 3 });
	assert.is(fake.requests.length, 3);
	assert.equal(delays, [375, 750]);
	assert.is(elapsed(), 1125);
	assert.equal(
		fake.requests.map((request) => request.at - (fake.requests[0]?.at ?? 0)),
		[0, 375, 1125],
	);
});

post('retries 5xx and sends the same method, headers and body each time', async () => {
	const { clock, fake, options } = setup([500, 503, 204]);
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.equal(result, { ok: true, status: 204, attempts: 3 });
	for (const request of fake.requests) {
		assert.is(request.method, 'POST');
		assert.is(request.url, url);
		assert.is(request.body, '{"text":"hello"}');
		// Only the configured header: no text/plain added for the body.
		assert.equal(request.headers, { 'content-type': 'application/json' });
	}
});

post('times out a hanging attempt, then retries', async () => {
	const { clock, fake, options, elapsed } = setup(['hang', 200]);
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.equal(result, { ok: true, status: 200, attempts: 2 });
	assert.is(fake.requests.length, 2);
	assert.is(elapsed(), timeoutMs + 375);
});

post('does not retry a 400 and keeps the answer for the log', async () => {
	const { clock, fake, options } = setup([{ status: 400, body: 'invalid_payload' }, 200]);
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.equal(result, {
		ok: false,
		attempts: 1,
		last: { kind: 'status', attempt: 1, status: 400, body: 'invalid_payload' },
		aborted: false,
	});
	assert.is(fake.requests.length, 1);
});

post('gives up within WEBHOOK_RETRY_FOR when the server keeps failing', async () => {
	const { clock, fake, options, elapsed } = setup([503], { retryForMs: 60_000 });
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.is(result.ok, false);
	assert.ok(elapsed() <= 60_000, `took ${elapsed()} ms`);
	// 0, 0.375, 1.125, 2.625, 5.625, 11.625, 23.625, 47.625 s: the next wait (~24 s) would pass the deadline.
	assert.is(fake.requests.length, 8);
	assert.is(result.attempts, 8);
});

post('bounds the total time even when every attempt hangs', async () => {
	const { clock, fake, options, elapsed } = setup(['hang'], { retryForMs: 25_000 });
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.is(result.ok, false);
	if (!result.ok) assert.is(result.last?.kind, 'timeout');
	assert.ok(elapsed() <= 25_000, `took ${elapsed()} ms`);
	assert.ok(fake.requests.length >= 2, `only ${fake.requests.length} attempts`);
});

post('honours Retry-After on 429 when it fits the time left', async () => {
	const { clock, fake, delays, options } = setup([{ status: 429, headers: { 'retry-after': '7' } }, 200]);
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.equal(result, { ok: true, status: 200, attempts: 2 });
	assert.equal(delays, [7000]);
	assert.is((fake.requests[1]?.at ?? 0) - (fake.requests[0]?.at ?? 0), 7000);
});

post('gives up at once when Retry-After is beyond the deadline', async () => {
	const { clock, fake, options, elapsed } = setup([{ status: 429, headers: { 'retry-after': '3600' } }, 200]);
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.is(result.ok, false);
	assert.is(fake.requests.length, 1);
	assert.is(elapsed(), 0);
});

post('makes exactly one attempt when WEBHOOK_RETRY_FOR is 0 (NTH)', async () => {
	const { clock, fake, options } = setup([500, 200], { retryForMs: 0 });
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.is(result.ok, false);
	assert.is(fake.requests.length, 1);
});

post('stops retrying when the caller aborts during the backoff', async () => {
	const controller = new AbortController();
	const { clock, fake, options } = setup([500], { onRetry: () => controller.abort(new Error('shutting down')) });
	const result = await clock.run(postWithRetry(options, controller.signal));
	assert.is(result.ok, false);
	if (!result.ok) assert.is(result.aborted, true);
	assert.is(fake.requests.length, 1);
});

post('stopRetrying ends a retry wait at once, and lets an attempt in flight finish', async () => {
	const stop = new AbortController();
	const firsts: number[] = [];
	const { clock, fake, options, elapsed } = setup(['error', 200], {
		stopRetrying: stop.signal,
		onFirstAttemptDone: () => firsts.push(clock.now()),
	});
	const result = postWithRetry({ ...options, onRetry: () => stop.abort() }, new AbortController().signal);
	const done = await clock.run(result);
	assert.equal(done, { ok: false, attempts: 1, last: done.ok ? undefined : done.last, aborted: false, superseded: true });
	assert.is(fake.requests.length, 1);
	assert.is(elapsed(), 0);
	assert.is(firsts.length, 1);

	const inFlight = new AbortController();
	const slow = setup(['hang'], { stopRetrying: inFlight.signal, timeoutMs: 1_000, retryForMs: 0 });
	const pending = postWithRetry(slow.options, new AbortController().signal);
	inFlight.abort();
	const answer = await slow.clock.run(pending);
	// The attempt ran to its own timeout: stopRetrying never cuts a request short.
	assert.is(slow.elapsed(), 1_000);
	assert.is(answer.ok, false);
	assert.is(answer.ok ? undefined : answer.last?.kind, 'timeout');
});

post('onFirstAttemptDone is called once, after the first attempt, whatever its result', async () => {
	const calls: number[] = [];
	const { clock, fake, options } = setup([503, 503, 200], { onFirstAttemptDone: () => calls.push(fake.requests.length) });
	const result = await clock.run(postWithRetry(options, new AbortController().signal));
	assert.is(result.ok, true);
	assert.equal(calls, [1]);
});

backoff.run();
post.run();
