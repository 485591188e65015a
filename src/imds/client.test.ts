import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { ImdsError, isImdsError } from '../errors.ts';
import { memoryLogger } from '../log/logger.ts';
import { gzipSync } from 'node:zlib';
import { createImdsClient, type ImdsClientOptions, pollAttempts, retrySeconds } from './client.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { fakeFetch, type FetchHandler as FakeHandler, hang, type RecordedRequest, refused } from '../../test/support/fake-fetch.ts';
import { recordingMetrics } from '../../test/support/fake-imds.ts';
import type { ImdsClient } from './types.ts';

const ipv4 = 'http://169.254.169.254';
const ipv6 = 'http://[fd00:ec2::254]';
const spotPath = '/latest/meta-data/spot/instance-action';
const tokenPath = '/latest/api/token';
const ttlHeader = 'x-aws-ec2-metadata-token-ttl-seconds';
const tokenHeader = 'x-aws-ec2-metadata-token';
const spotBody = '{"action":"terminate","time":"2017-09-18T08:22:00Z"}';

function tokenResponse(token: string, ttl = '21600'): Response {
	return new Response(token, { status: 200, headers: { [ttlHeader]: ttl } });
}

function text(body: string, status = 200): Response {
	return new Response(body, { status });
}

/** A client on a fake fetch and a fake clock; `random` is fixed so backoffs are exact. */
function setup(handler: FakeHandler, overrides: Partial<ImdsClientOptions> = {}) {
	const clock = fakeClock(1_000_000);
	const fake = fakeFetch(handler);
	const log = memoryLogger();
	const { metrics, record } = recordingMetrics();
	const client: ImdsClient = createImdsClient({
		fetch: fake.fetch,
		baseUrl: ipv4,
		ipv6Fallback: false,
		tries: 3,
		log,
		metrics,
		now: clock.now,
		sleep: clock.sleep,
		random: () => 0.5,
		...overrides,
	});
	const signal = new AbortController().signal;
	const get = (path = spotPath) => clock.run(client.get(path, signal));
	return { clock, fake, log, record, client, signal, get };
}

/**
 * The body fetch hands over for a gzip answer of `total` zero bytes: each chunk is inflated when the
 * reader pulls it, as fetch decodes, and `made` counts what was inflated. Made in the pull itself
 * rather than by a DecompressionStream: that inflates on the thread pool, which the fake clock, under
 * load, cannot tell from idle (it then fires the request timeout, and the test fails on time).
 */
function inflatedOnPull(total: number, made: (bytes: number) => void): ReadableStream<Uint8Array> {
	let left = total;
	return new ReadableStream<Uint8Array>(
		{
			pull(controller) {
				if (left === 0) return controller.close();
				const chunk = new Uint8Array(Math.min(16_384, left));
				left -= chunk.byteLength;
				made(chunk.byteLength);
				controller.enqueue(chunk);
			},
		},
		{ highWaterMark: 0 },
	);
}

const puts = (requests: readonly RecordedRequest[]) => requests.filter((r) => r.method === 'PUT');
const gets = (requests: readonly RecordedRequest[]) => requests.filter((r) => r.method === 'GET');

/** IMDS that hands out tokens T1, T2, … and answers GETs carrying the latest one. */
function imdsV2(
	answer: (request: RecordedRequest) => Response = () => text(spotBody),
	ttl = '21600',
): (request: RecordedRequest) => Response {
	let issued = 0;
	return (request) => {
		if (request.method === 'PUT' && request.path === tokenPath) return tokenResponse(`T${++issued}`, ttl);
		if (request.headers[tokenHeader] !== `T${issued}`) return text('', 401);
		return answer(request);
	};
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	try {
		await promise;
	} catch (error) {
		return error;
	}
	assert.unreachable('expected a rejection');
	return undefined;
}

const token = suite('createImdsClient() IMDSv2 token');

token('asks for a 6 h token once and sends it on every GET', async () => {
	const { fake, get, client } = setup(imdsV2());
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.equal(
		puts(fake.requests).map((r) => [r.url, r.headers[ttlHeader]]),
		[[`${ipv4}${tokenPath}`, '21600']],
	);
	assert.equal(
		gets(fake.requests).map((r) => [r.url, r.headers[tokenHeader]]),
		[
			[`${ipv4}${spotPath}`, 'T1'],
			[`${ipv4}${spotPath}`, 'T1'],
		],
	);
	assert.equal(client.state(), { tokenMode: 'v2', endpoint: ipv4 });
});

token('refreshes the token a minute before it expires, by the clock', async () => {
	const { fake, get, clock } = setup(imdsV2(undefined, '600'));
	await get();
	await clock.advance(539_000);
	await get();
	assert.is(puts(fake.requests).length, 1, 'still more than a minute left');
	await clock.advance(2_000);
	await get();
	assert.is(puts(fake.requests).length, 2);
	assert.equal(
		gets(fake.requests).map((r) => r.headers[tokenHeader]),
		['T1', 'T1', 'T2'],
	);
});

token('takes the remaining life from the TTL header of GET responses', async () => {
	const handler = imdsV2(() => new Response(spotBody, { headers: { [ttlHeader]: '30' } }));
	const { fake, get } = setup(handler);
	await get();
	await get();
	assert.is(puts(fake.requests).length, 2, '30 s left is inside the refresh margin');
});

token('drops a rejected token and retries once with a new one', async () => {
	let rejectOnce = true;
	const { fake, get, log } = setup((request) => {
		if (request.method === 'PUT') return tokenResponse(rejectOnce ? 'T1' : 'T2');
		if (request.headers[tokenHeader] === 'T1') {
			rejectOnce = false;
			return text('', 401);
		}
		return text(spotBody);
	});
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.equal(
		fake.requests.map((r) => [r.method, r.headers[tokenHeader] ?? '']),
		[
			['PUT', ''],
			['GET', 'T1'],
			['PUT', ''],
			['GET', 'T2'],
		],
	);
	assert.not.ok(
		log.lines.some((line) => line.includes('Request failed')),
		'a 401 is not a failed attempt',
	);
});

token('gives up with the 401 after one re-token pass', async () => {
	const { fake, get } = setup((request) => (request.method === 'PUT' ? tokenResponse('T') : text('', 401)));
	const error = await rejection(get());
	assert.ok(isImdsError(error));
	assert.is((error as ImdsError).status, 401);
	assert.is((error as ImdsError).message, `Cannot read IMDS path "${spotPath}": status 401`);
	assert.is(puts(fake.requests).length, 2);
	assert.is(gets(fake.requests).length, 2);
});

token('shares one PUT between concurrent callers', async () => {
	let release: (() => void) | undefined;
	const { fake, client, signal, clock } = setup(async (request) => {
		if (request.method === 'PUT') {
			await new Promise<void>((resolve) => (release = resolve));
			return tokenResponse('T1');
		}
		return text(spotBody);
	});
	const all = Promise.all([
		client.get(spotPath, signal),
		client.get(spotPath, signal),
		client.get('/latest/meta-data/instance-id', signal),
	]);
	await clock.advance(0);
	release?.();
	const results = await clock.run(all);
	assert.is(results.length, 3);
	assert.is(puts(fake.requests).length, 1);
	assert.equal(
		gets(fake.requests).map((r) => r.headers[tokenHeader]),
		['T1', 'T1', 'T1'],
	);
});

const v1 = suite('createImdsClient() IMDSv1 fallback');

for (const status of [403, 404, 405]) {
	v1(`stays on IMDSv1 after a ${status} to the token PUT, without a PUT per GET`, async () => {
		const { fake, get, client } = setup((request) => (request.method === 'PUT' ? text('', status) : text(spotBody)));
		for (let i = 0; i < 5; i++) assert.equal(await get(), { status: 200, body: spotBody });
		assert.is(puts(fake.requests).length, 1);
		assert.is(gets(fake.requests).length, 5);
		assert.ok(gets(fake.requests).every((r) => r.headers[tokenHeader] === undefined));
		assert.is(client.state().tokenMode, 'v1');
	});
}

v1('treats a token answer without the TTL header as no token', async () => {
	const { fake, get, client } = setup((request) => (request.method === 'PUT' ? text('T1') : text(spotBody)));
	await get();
	await get();
	assert.is(puts(fake.requests).length, 1);
	assert.ok(gets(fake.requests).every((r) => r.headers[tokenHeader] === undefined));
	assert.is(client.state().tokenMode, 'v1');
});

v1('falls back to IMDSv1 when the token PUT times out (hop limit), after one 2 s wait', async () => {
	const { fake, get, clock, client } = setup((request, signal) => (request.method === 'PUT' ? hang(signal) : text(spotBody)));
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.is(clock.now() - 1_000_000, 2000);
	assert.is(client.state().tokenMode, 'v1');
	await get();
	assert.is(puts(fake.requests).length, 1);
});

v1('asks for a token again after the re-probe interval', async () => {
	const { fake, get, clock } = setup((request) => (request.method === 'PUT' ? text('', 403) : text(spotBody)));
	await get();
	await clock.advance(299_000);
	await get();
	assert.is(puts(fake.requests).length, 1);
	await clock.advance(2_000);
	await get();
	assert.is(puts(fake.requests).length, 2);
});

v1('asks for a token at once when IMDSv1 gets a 401 (tokens became required)', async () => {
	let required = false;
	const { fake, get, client } = setup((request) => {
		if (request.method === 'PUT') return required ? tokenResponse('T1') : text('', 403);
		if (required && request.headers[tokenHeader] !== 'T1') return text('', 401);
		return text(spotBody);
	});
	await get();
	required = true;
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.equal(
		fake.requests.map((r) => [r.method, r.headers[tokenHeader] ?? '']),
		[
			['PUT', ''],
			['GET', ''],
			['GET', ''],
			['PUT', ''],
			['GET', 'T1'],
		],
	);
	assert.is(client.state().tokenMode, 'v2');
});

const retries = suite('createImdsClient() retries');

retries("retries transport errors with NTH's jittered doubling backoff and warning", async () => {
	let calls = 0;
	const { fake, get, clock, log, record } = setup((request) => {
		if (request.method === 'PUT') return text('', 404);
		calls += 1;
		return calls <= 2 ? refused() : text(spotBody);
	});
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.is(gets(fake.requests).length, 3);
	// 2 s + half of 2 s × 0.5, then double that (5 s) + half of it × 0.5.
	assert.equal(
		clock.sleeps.filter((ms) => ms !== 2000),
		[2500, 6250],
	);
	const warnings = log.lines.filter((line) => line.includes('WRN'));
	assert.is(warnings.length, 2);
	assert.match(
		warnings[0] ?? '',
		/Request failed\. Attempts remaining: 2, sleeping for 2\.5 seconds path=\/latest\/meta-data\/spot\/instance-action error=.*ECONNREFUSED/,
	);
	assert.match(warnings[1] ?? '', /Attempts remaining: 1, sleeping for 6\.25 seconds/);
	assert.equal(record.errorCaught, ['imds', 'imds']);
});

retries('retries a 5xx and returns the next good answer', async () => {
	let calls = 0;
	const { fake, get, clock } = setup(imdsV2(() => (++calls === 1 ? text('oops', 503) : text(spotBody))));
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.is(gets(fake.requests).length, 2);
	assert.ok(clock.sleeps.includes(2500));
});

retries('fails with ImdsError after `tries` transport failures, keeping the cause', async () => {
	const { fake, get } = setup((request) => (request.method === 'PUT' ? text('', 404) : refused()), { tries: 3 });
	const error = await rejection(get());
	assert.instance(error, ImdsError);
	assert.is((error as ImdsError).message, `Cannot read IMDS path "${spotPath}": no answer after 3 attempts`);
	assert.is((error as ImdsError).status, undefined);
	assert.is((error as ImdsError).path, spotPath);
	assert.ok((error as ImdsError).cause instanceof Error);
	assert.is(gets(fake.requests).length, 3);
});

retries('makes exactly one attempt when tries is 1', async () => {
	const { fake, get, clock } = setup((request) => (request.method === 'PUT' ? text('', 404) : refused()), { tries: 1 });
	assert.match(String(await rejection(get())), /no answer after 1 attempt$/);
	assert.is(gets(fake.requests).length, 1);
	assert.equal(
		clock.sleeps.filter((ms) => ms !== 2000),
		[],
	);
});

retries('reports the status when the last attempt is still a 5xx', async () => {
	const { fake, get } = setup(imdsV2(() => text('', 500)));
	const error = await rejection(get());
	assert.is((error as ImdsError).status, 500);
	assert.is(gets(fake.requests).length, 3);
});

retries('does not retry other statuses', async () => {
	const { fake, get, clock } = setup(imdsV2(() => text('denied', 403)));
	const error = await rejection(get());
	assert.is((error as ImdsError).status, 403);
	assert.is(gets(fake.requests).length, 1);
	assert.equal(
		clock.sleeps.filter((ms) => ms !== 2000),
		[],
	);
});

retries('answers undefined for 404 ("no event")', async () => {
	const { get } = setup(imdsV2(() => text('<html>404 - Not Found</html>', 404)));
	assert.is(await get(), undefined);
});

retries('caps a single retry sleep at 30 s whatever tries says', async () => {
	const { get, clock } = setup((request) => (request.method === 'PUT' ? text('', 404) : refused()), { tries: 6 });
	await rejection(get());
	assert.equal(
		clock.sleeps.filter((ms) => ms !== 2000),
		[2500, 6250, 15625, 30000, 30000],
	);
});

const timeouts = suite('createImdsClient() timeouts and aborts');

timeouts('times out a GET nobody answers after 2 s and retries it', async () => {
	let calls = 0;
	const { fake, get, clock } = setup((request, signal) => {
		if (request.method === 'PUT') return text('', 404);
		return ++calls === 1 ? hang(signal) : text(spotBody);
	});
	const started = clock.now();
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.is(gets(fake.requests).length, 2);
	assert.is(clock.now() - started, 2000 + 2500);
});

timeouts('times out a response whose body never ends', async () => {
	let calls = 0;
	const { get, clock, log } = setup((request, signal) => {
		if (request.method === 'PUT') return text('', 404);
		if (++calls > 1) return text(spotBody);
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('{"act'));
				signal.addEventListener('abort', () => controller.error(signal.reason), { once: true });
			},
		});
		return new Response(body, { status: 200 });
	});
	const started = clock.now();
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.is(clock.now() - started, 4500);
	assert.match(log.lines.find((line) => line.includes('Request failed')) ?? '', /within 2000 ms/);
});

timeouts('honours a custom timeout', async () => {
	const { get, clock } = setup((_request, signal) => hang(signal), { timeoutMs: 300, tries: 1 });
	await rejection(get());
	assert.is(clock.now() - 1_000_000, 600, 'the token PUT and the GET each waited 300 ms');
});

timeouts('rejects at once with the abort reason, without retrying, when the caller aborts', async () => {
	const { fake, client, clock } = setup((request, signal) => (request.method === 'PUT' ? text('', 404) : hang(signal)));
	const controller = new AbortController();
	const pending = client.get(spotPath, controller.signal);
	await clock.advance(100);
	const reason = new Error('shutting down');
	controller.abort(reason);
	const error = await rejection(pending);
	assert.is(error, reason);
	assert.is(gets(fake.requests).length, 1);
	assert.is(clock.pending(), 0, 'no timer left behind');
});

const endpoints = suite('createImdsClient() IPv6 endpoint fallback');

function ipv6Only(): FakeHandler {
	const imds = imdsV2();
	return (request) => (request.host === '169.254.169.254' ? refused() : imds(request));
}

endpoints('uses [fd00:ec2::254] when 169.254.169.254 is unreachable, and stays there', async () => {
	const { fake, get, client, log } = setup(ipv6Only(), { ipv6Fallback: true });
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.equal(
		fake.requests.map((r) => `${r.method} ${r.url}`),
		[`PUT ${ipv4}${tokenPath}`, `PUT ${ipv6}${tokenPath}`, `GET ${ipv6}${spotPath}`],
	);
	await get();
	assert.equal(fake.requests.at(-1)?.url, `${ipv6}${spotPath}`);
	assert.is(fake.requests.filter((r) => r.host === '169.254.169.254').length, 1, 'IPv4 is not tried again while IPv6 works');
	assert.equal(client.state(), { tokenMode: 'v2', endpoint: ipv6 });
	assert.ok(log.lines.some((line) => line.includes('Switched IMDS endpoint') && line.includes('to=http://[fd00:ec2::254]')));
});

endpoints('takes the IPv6 base URL from the options', async () => {
	const custom = 'http://[::1]:9999';
	const { fake, get } = setup(ipv6Only(), { ipv6Fallback: true, ipv6BaseUrl: custom });
	await get();
	assert.is(fake.requests.at(-1)?.url, `${custom}${spotPath}`);
});

endpoints('falls back when IPv4 times out, not only when it refuses', async () => {
	const imds = imdsV2();
	const { fake, get, clock } = setup((request, signal) => (request.host === '169.254.169.254' ? hang(signal) : imds(request)), {
		ipv6Fallback: true,
	});
	assert.equal(await get(), { status: 200, body: spotBody });
	assert.is(clock.now() - 1_000_000, 2000);
	assert.is(fake.requests.filter((r) => r.host === '169.254.169.254').length, 1);
});

endpoints('moves back to IPv4 when the IPv6 endpoint stops answering', async () => {
	let ipv4Up = false;
	const imds = imdsV2();
	const { fake, get, client } = setup(
		(request) => {
			if (request.host === '169.254.169.254') return ipv4Up ? imds(request) : refused();
			return ipv4Up ? refused() : imds(request);
		},
		{ ipv6Fallback: true },
	);
	await get();
	ipv4Up = true;
	await get();
	assert.is(client.state().endpoint, ipv4);
	assert.is(fake.requests.at(-1)?.url, `${ipv4}${spotPath}`);
});

endpoints('does not try IPv6 on an HTTP error status', async () => {
	const { fake, get } = setup((request) => (request.method === 'PUT' ? text('', 404) : text('', 500)), { ipv6Fallback: true });
	await rejection(get());
	assert.is(fake.requests.filter((r) => r.host !== '169.254.169.254').length, 0);
});

endpoints('never tries IPv6 when the fallback is off', async () => {
	const { fake, get } = setup(ipv6Only(), { ipv6Fallback: false });
	await rejection(get());
	assert.is(fake.requests.filter((r) => r.host !== '169.254.169.254').length, 0);
	assert.is(gets(fake.requests).length, 3);
});

endpoints('reports both endpoints when neither answers', async () => {
	const { get } = setup(() => refused(), { ipv6Fallback: true, tries: 1 });
	const chain = causeChain(await rejection(get()));
	assert.match(
		chain,
		/Cannot reach IMDS at "http:\/\/169\.254\.169\.254" \(.*ECONNREFUSED\) nor at "http:\/\/\[fd00:ec2::254\]" \(.*ECONNREFUSED\)/,
	);
});

/** The whole cause chain as one string, as the logger prints it. */
function causeChain(error: unknown): string {
	const parts: string[] = [];
	for (let current: unknown = error; current instanceof Error; current = current.cause) parts.push(current.message);
	return parts.join(': ');
}

const json = suite('createImdsClient().getJson()');

const Shape = v.object({ action: v.string(), time: v.string() });

json('parses and checks the body', async () => {
	const { client, signal, clock } = setup(imdsV2());
	assert.equal(await clock.run(client.getJson(spotPath, Shape, signal)), { action: 'terminate', time: '2017-09-18T08:22:00Z' });
});

json('answers undefined on 404', async () => {
	const { client, signal, clock } = setup(imdsV2(() => text('', 404)));
	assert.is(await clock.run(client.getJson(spotPath, Shape, signal)), undefined);
});

json('fails with ImdsError on malformed JSON, without retrying', async () => {
	const { client, signal, clock, fake } = setup(imdsV2(() => text('{"action":')));
	const error = await rejection(clock.run(client.getJson(spotPath, Shape, signal)));
	assert.instance(error, ImdsError);
	assert.is((error as ImdsError).message, `Cannot parse IMDS path "${spotPath}": invalid JSON`);
	assert.instance((error as ImdsError).cause, SyntaxError);
	assert.is(gets(fake.requests).length, 1);
});

json('fails with ImdsError naming the field when the shape is wrong', async () => {
	const { client, signal, clock } = setup(imdsV2(() => text('{"action":1,"time":"x"}')));
	const error = await rejection(clock.run(client.getJson(spotPath, Shape, signal)));
	assert.match((error as Error).message, /^Cannot parse IMDS path "\/latest\/meta-data\/spot\/instance-action": .*action/);
});

const polling = suite('createImdsClient() poll policy (the notice paths)');

polling('retries 5xx and transport errors at once, never sleeping', async () => {
	let calls = 0;
	const { fake, client, signal, clock } = setup(
		imdsV2(() => {
			calls += 1;
			if (calls === 1) return text('', 503);
			if (calls === 2) refused();
			return text(spotBody);
		}),
	);
	const started = clock.now();
	assert.equal(await clock.run(client.get(spotPath, signal, { retry: 'poll' })), { status: 200, body: spotBody });
	assert.is(gets(fake.requests).length, 3);
	assert.is(clock.now(), started, 'no time passed: no sleep');
	assert.equal(
		clock.sleeps.filter((ms) => ms !== 2000),
		[],
		'only the per-exchange timeouts were armed',
	);
});

polling(`gives up after ${pollAttempts} attempts, at once, and says so`, async () => {
	const { fake, client, signal, clock, log } = setup((request) => (request.method === 'PUT' ? text('', 404) : refused()));
	const started = clock.now();
	const error = await rejection(clock.run(client.get(spotPath, signal, { retry: 'poll' })));
	assert.is((error as ImdsError).message, `Cannot read IMDS path "${spotPath}": no answer after ${pollAttempts} attempts`);
	assert.is(gets(fake.requests).length, pollAttempts);
	assert.is(clock.now(), started);
	assert.not.ok(
		log.lines.some((line) => line.includes('WRN')),
		'the poll loop logs (rate-limited), not each attempt',
	);
});

polling('re-tokens on every 401, the first one free, the next ones counted as attempts', async () => {
	let rejections = 3;
	const { fake, client, signal, clock } = setup(imdsV2(() => (rejections-- > 0 ? text('', 401) : text(spotBody))));
	// imdsV2 already 401s a stale token; these 401s come on top, with fresh tokens.
	assert.equal(await clock.run(client.get(spotPath, signal, { retry: 'poll' })), { status: 200, body: spotBody });
	assert.is(puts(fake.requests).length, 4);
	assert.equal(
		gets(fake.requests).map((r) => r.headers[tokenHeader]),
		['T1', 'T2', 'T3', 'T4'],
	);
	// The startup policy keeps NTH's single re-token pass.
	rejections = 3;
	const error = await rejection(clock.run(client.get(spotPath, signal)));
	assert.is((error as ImdsError).status, 401);
});

polling('a token PUT whose callers all gave up is abandoned: the next call sends a fresh one, and the mode stands', async () => {
	let putsHang = true;
	const aborted: boolean[] = [];
	const { fake, client, clock } = setup((request, signal) => {
		if (request.method === 'PUT') {
			if (!putsHang) return tokenResponse('T9');
			signal.addEventListener('abort', () => aborted.push(true), { once: true });
			return hang(signal);
		}
		return request.headers[tokenHeader] === 'T9' ? text(spotBody) : text('', 401);
	});
	const deadline = new AbortController();
	const first = client.get(spotPath, deadline.signal, { retry: 'poll' });
	await clock.advance(500);
	deadline.abort(new Error('deadline'));
	assert.is(String(await rejection(first)), 'Error: deadline');
	await clock.advance(0);
	assert.equal(aborted, [true], 'the hanging PUT was cut');
	assert.is(client.state().tokenMode, 'unknown', 'an abandoned PUT is not a failed one (no IMDSv1 for 5 min)');
	putsHang = false;
	const started = clock.now();
	assert.equal(await clock.run(client.get(spotPath, new AbortController().signal, { retry: 'poll' })), { status: 200, body: spotBody });
	assert.is(clock.now(), started, 'answered at once after recovery');
	assert.is(puts(fake.requests).length, 2);
});

const bodies = suite('createImdsClient() body cap');

bodies('asks for identity encoding', async () => {
	const { fake, get } = setup(imdsV2());
	await get();
	// every() over no requests would pass: name the requests (token PUT, then the GET) and each one's header.
	assert.equal(
		fake.requests.map((r) => `${r.method} ${r.headers['accept-encoding']}`),
		['PUT identity', 'GET identity'],
	);
});

bodies('refuses a declared Content-Length over 64 KiB without reading the body', async () => {
	let pulled = 0;
	const { get, record } = setup(
		imdsV2(() => {
			const body = new ReadableStream<Uint8Array>(
				{
					pull(controller) {
						pulled += 1;
						controller.enqueue(new Uint8Array(16_384));
					},
				},
				{ highWaterMark: 0 },
			);
			return new Response(body, { headers: { 'content-length': String(50 * 1024 * 1024) } });
		}),
	);
	const error = await rejection(get());
	assert.ok(isImdsError(error));
	assert.is(
		(error as ImdsError).message,
		`Cannot read IMDS path "${spotPath}": the body is larger than 65536 bytes (Content-Length 52428800)`,
	);
	assert.is(pulled, 0);
	assert.equal(record.errorCaught, ['imds'], 'counted');
});

bodies('stops reading an undeclared body at the cap: a 50 MB gzip body is not decoded whole', async () => {
	let decoded = 0;
	const { fake, get } = setup(
		imdsV2(() => {
			// What fetch does with Content-Encoding: gzip: decodes as the body is read.
			return new Response(inflatedOnPull(50 * 1024 * 1024, (bytes) => (decoded += bytes)));
		}),
	);
	const error = await rejection(get());
	assert.match(
		(error as Error).message,
		/^Cannot read IMDS path "\/latest\/meta-data\/spot\/instance-action": the body is larger than 65536 bytes \(more than 65536 bytes read, the rest not read\)$/,
	);
	assert.ok(decoded < 2 * 1024 * 1024, `decoded ${decoded} bytes`);
	assert.is(gets(fake.requests).length, 1, 'not retried: the same answer would come back');
});

bodies('stops at the cap a gzip body whose declared Content-Length (of the encoded bytes) is under it', async () => {
	const gzipped = gzipSync(new Uint8Array(50 * 1024 * 1024));
	assert.ok(gzipped.byteLength <= 65_536, `encoded ${gzipped.byteLength} bytes`);
	let decoded = 0;
	const { get } = setup(
		imdsV2(() => {
			const counted = inflatedOnPull(50 * 1024 * 1024, (bytes) => (decoded += bytes));
			return new Response(counted, { headers: { 'content-length': String(gzipped.byteLength), 'content-encoding': 'gzip' } });
		}),
	);
	const error = await rejection(get());
	assert.match((error as Error).message, /the body is larger than 65536 bytes \(more than 65536 bytes read, the rest not read\)$/);
	assert.ok(decoded < 2 * 1024 * 1024, `decoded ${decoded} bytes`);
});

bodies('reads a declared body within the cap whole', async () => {
	const { get } = setup(imdsV2(() => new Response('{"action":"stop"}', { headers: { 'content-length': '17' } })));
	const response = await get();
	assert.is(response?.body, '{"action":"stop"}');
});

bodies('reads a body of exactly 64 KiB', async () => {
	const { get } = setup(imdsV2(() => text('x'.repeat(65_536))));
	const response = await get();
	assert.is(response?.body.length, 65_536);
});

const durations = suite('retrySeconds()');

durations('the retry line\'s seconds read as seconds (NTH printed "2.5s seconds")', () => {
	assert.is(retrySeconds(2500), '2.5');
	assert.is(retrySeconds(6251.7), '6.252');
	assert.is(retrySeconds(30_000), '30');
});

const construct = suite('createImdsClient() options');

construct('refuses a non-positive tries', () => {
	assert.throws(() => setup(() => text(''), { tries: 0 }), /tries must be a positive integer/);
});

token.run();
v1.run();
retries.run();
timeouts.run();
endpoints.run();
json.run();
polling.run();
bodies.run();
durations.run();
construct.run();
