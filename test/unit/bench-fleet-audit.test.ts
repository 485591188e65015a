import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stormAudit } from '../../bench/fleet-audit.ts';

const user = 'system:serviceaccount:nth-bench:fleet-nth';
const t0 = Date.parse('2026-12-04T15:00:00.000Z');

function line(options: {
	readonly atMs: number;
	readonly code: number;
	readonly verb?: string;
	readonly subresource?: string;
	readonly name?: string;
	readonly message?: string;
	readonly stage?: string;
	readonly username?: string;
}): string {
	return JSON.stringify({
		stage: options.stage ?? 'ResponseComplete',
		verb: options.verb ?? 'create',
		requestURI: '/api/v1/namespaces/x/pods/p/eviction',
		user: { username: options.username ?? user },
		objectRef: {
			resource: 'pods',
			name: options.name ?? 'p',
			...(options.subresource === undefined ? {} : { subresource: options.subresource }),
		},
		responseStatus: { code: options.code, ...(options.message === undefined ? {} : { message: options.message }) },
		requestReceivedTimestamp: new Date(options.atMs).toISOString(),
	});
}

const refusal = "Cannot evict pod as it would violate the pod's disruption budget.";

const test = suite('stormAudit()');

test('splits 429s: PDB refusals of evictions apart from every other 429', () => {
	const text = [
		line({ atMs: t0 + 100, code: 429, subresource: 'eviction', message: refusal }),
		line({ atMs: t0 + 200, code: 429, subresource: 'eviction' }),
		line({ atMs: t0 + 300, code: 429, verb: 'get' }),
		line({ atMs: t0 + 400, code: 201, subresource: 'eviction', name: 'a' }),
	].join('\n');
	const audit = stormAudit(text, user, t0, t0 + 1000);
	assert.is(audit.tooManyRequestsPdb, 1);
	assert.equal(audit.tooManyRequestsApf, { 'create pods/eviction': 1, 'get pods': 1 });
	assert.is(audit.evictedPods, 1);
});

test('counts each request once, for this user, inside the window; peak is the busiest whole second', () => {
	const text = [
		line({ atMs: t0 + 10, code: 201, subresource: 'eviction', name: 'a' }),
		line({ atMs: t0 + 20, code: 201, subresource: 'eviction', name: 'a' }),
		line({ atMs: t0 + 1500, code: 201, subresource: 'eviction', name: 'b' }),
		line({ atMs: t0 + 1500, code: 200, verb: 'watch', stage: 'ResponseStarted' }),
		line({ atMs: t0 + 1600, code: 201, username: 'someone-else' }),
		line({ atMs: t0 + 5000, code: 201, subresource: 'eviction', name: 'c' }),
		'{"cut mid-wri',
	].join('\n');
	const audit = stormAudit(text, user, t0, t0 + 2000);
	assert.is(audit.total, 3);
	assert.is(audit.peakPerSecond, 2);
	assert.is(audit.meanPerSecond, 1.5);
	assert.is(audit.evictedPods, 2);
	assert.is(audit.maxEvictionsPerPod, 2);
});

test.run();
