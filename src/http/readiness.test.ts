import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { memoryLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import { createProbes } from './probes.ts';
import { createReadiness, nodeReadinessCheck } from './readiness.ts';

function setup() {
	const clock = { now: 0 };
	const kube = new FakeKubeApi();
	kube.addNode({ metadata: { name: 'node-a' } });
	let errors = 0;
	const log = memoryLogger('debug');
	const readiness = createReadiness({
		check: nodeReadinessCheck(kube, 'node-a'),
		intervalMs: 10_000,
		timeoutMs: 4_000,
		now: () => clock.now,
		timeoutSignal: () => new AbortController().signal,
		log,
		metrics: { ...noopMetrics(), errorCaught: () => void (errors += 1) },
	});
	const probes = createProbes({ maxPollAgeMs: 30_000, startedAtMs: 0, now: () => clock.now, lastSuccessfulPollMs: () => clock.now });
	probes.markReady(readiness);
	const readyz = async (): Promise<{ status: number; body: unknown }> => {
		const response = await probes.handler(new Request('http://agent/readyz'));
		return { status: response.status, body: JSON.parse(await response.text()) };
	};
	return { clock, kube, log, readyz, errors: () => errors };
}

const readiness = suite('/readyz after start-up');

readiness('is 200 while the Node exists and the apiserver answers', async () => {
	const { readyz, kube } = setup();
	assert.equal(await readyz(), { status: 200, body: { ready: 'OK' } });
	assert.is(kube.callsTo('getNode').length, 1);
});

readiness('turns 503 naming the cause when the Node is deleted, and 200 again when it is back', async () => {
	const { readyz, kube, clock, log, errors } = setup();
	assert.is((await readyz()).status, 200);
	kube.removeNode('node-a');
	clock.now += 10_000;
	assert.equal(await readyz(), { status: 503, body: { ready: 'not-ready', reason: 'Cannot find node "node-a": the Node object is gone' } });
	assert.is(errors(), 1);
	assert.ok(log.lines.some((line) => line.includes('Not ready')));
	kube.addNode({ metadata: { name: 'node-a' } });
	clock.now += 10_000;
	assert.is((await readyz()).status, 200);
});

readiness('turns 503 on an expired token (401) and on an unreachable apiserver', async () => {
	const { readyz, kube, clock } = setup();
	kube.failNext('getNode', { status: 401, message: 'Unauthorized' });
	const expired = await readyz();
	assert.is(expired.status, 503);
	assert.match(JSON.stringify(expired.body), /Unauthorized/);
	clock.now += 10_000;
	kube.failNext('getNode', { status: 503, message: 'connect ECONNREFUSED 127.0.0.1:6443' });
	const down = await readyz();
	assert.is(down.status, 503);
	assert.match(JSON.stringify(down.body), /ECONNREFUSED/);
});

readiness('asks the apiserver at most once per interval, however often it is probed', async () => {
	const { readyz, kube, clock } = setup();
	await Promise.all(Array.from({ length: 10 }, () => readyz()));
	assert.is(kube.callsTo('getNode').length, 1, 'concurrent probes share one check');
	for (let step = 0; step < 9; step += 1) {
		clock.now += 1_000;
		await readyz();
	}
	assert.is(kube.callsTo('getNode').length, 1, 'cached for the interval');
	clock.now += 1_000;
	await readyz();
	assert.is(kube.callsTo('getNode').length, 2);
});

readiness('a check slower than its timeout is not ready', async () => {
	const clock = { now: 0 };
	const controller = new AbortController();
	const slow = createReadiness({
		check: (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
		timeoutMs: 4_000,
		now: () => clock.now,
		timeoutSignal: () => controller.signal,
		log: memoryLogger('debug'),
		metrics: noopMetrics(),
	});
	const pending = slow.state();
	controller.abort(new DOMException('The operation timed out', 'TimeoutError'));
	assert.equal(await pending, { ready: false, reason: 'the readiness check took over 4000 ms' });
});

readiness('before the start-up checks pass it stays 503 and asks nothing', async () => {
	const kube = new FakeKubeApi();
	const probes = createProbes({ maxPollAgeMs: 30_000, startedAtMs: 0, now: () => 0, lastSuccessfulPollMs: () => undefined });
	const response = await probes.handler(new Request('http://agent/readyz'));
	assert.is(response.status, 503);
	assert.is(kube.calls.length, 0);
});

readiness.run();
