import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { HttpHandler } from '../runtime/types.ts';
import { createProbes } from './probes.ts';

const startedAtMs = 1_000_000;
const maxPollAgeMs = 30_000;

function probesAt(clock: { now: number; last: number | undefined }, livenessPath?: string) {
	return createProbes({ livenessPath, maxPollAgeMs, startedAtMs, now: () => clock.now, lastSuccessfulPollMs: () => clock.last });
}

async function call(handler: HttpHandler, path: string, method = 'GET'): Promise<{ status: number; body: string; type: string | null }> {
	const response = await handler(new Request(`http://agent${path}`, { method }));
	return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

const probes = suite('createProbes()');

probes('answers NTH\'s {"health":"OK"} while polls succeed', async () => {
	const clock = { now: startedAtMs + 100_000, last: startedAtMs + 90_000 };
	const result = await call(probesAt(clock).handler, '/healthz');
	assert.equal(result, { status: 200, body: '{"health":"OK"}', type: 'application/json' });
	assert.is((await call(probesAt(clock).handler, '/healthz', 'POST')).status, 200);
});

probes('turns 503 with a reason once the last successful poll is older than the limit', async () => {
	const clock = { now: startedAtMs + 100_000, last: startedAtMs + 70_000 };
	const handler = probesAt(clock).handler;
	assert.is((await call(handler, '/healthz')).status, 200); // exactly at the limit
	clock.now += 1_000;
	const result = await call(handler, '/healthz');
	assert.is(result.status, 503);
	assert.equal(JSON.parse(result.body), { health: 'unhealthy', reason: 'last successful IMDS poll was 31 s ago (limit 30 s)' });
	clock.last = clock.now;
	assert.is((await call(handler, '/healthz')).status, 200);
});

probes('allows a startup grace before the first poll, then fails', async () => {
	const clock: { now: number; last: number | undefined } = { now: startedAtMs + 29_000, last: undefined };
	const handler = probesAt(clock).handler;
	assert.is((await call(handler, '/healthz')).status, 200);
	clock.now = startedAtMs + 31_000;
	const result = await call(handler, '/healthz');
	assert.is(result.status, 503);
	assert.match(result.body, /no successful IMDS poll in the 31 s since start/);
});

probes('serves the liveness endpoint at PROBES_SERVER_ENDPOINT only', async () => {
	const clock = { now: startedAtMs, last: startedAtMs };
	const handler = probesAt(clock, 'live').handler;
	assert.is((await call(handler, '/live')).status, 200);
	assert.is((await call(handler, '/healthz')).status, 404);
	assert.is((await call(handler, '/metrics')).status, 404);
});

probes('answers /readyz 503 until markReady()', async () => {
	const clock = { now: startedAtMs, last: undefined };
	const created = probesAt(clock);
	const before = await call(created.handler, '/readyz');
	assert.is(before.status, 503);
	assert.match(before.body, /startup checks/);
	created.markReady();
	assert.equal(await call(created.handler, '/readyz'), { status: 200, body: '{"ready":"OK"}', type: 'application/json' });
});

probes.run();
