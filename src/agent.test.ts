import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runAgent } from './agent.ts';
import { loadConfig } from './config/load.ts';
import { isConfigError } from './errors.ts';
import type { FetchFn, Runtime } from './runtime/types.ts';
import { fakeFetch, hang } from '../test/support/fake-fetch.ts';

type SignalName = 'SIGTERM' | 'SIGINT';

/**
 * A runtime whose fetch never answers: every request waits until it is aborted.
 * `onRequest` runs for each request (a test sends a signal from there).
 */
function fakeRuntime(env: Record<string, string>, onRequest: (url: string, raise: (name: SignalName) => void) => void) {
	const handlers = new Map<SignalName, Set<() => void>>([
		['SIGTERM', new Set()],
		['SIGINT', new Set()],
	]);
	const raise = (name: SignalName): void => {
		for (const handler of [...(handlers.get(name) ?? [])]) handler();
	};
	const requests: string[] = [];
	const output: string[] = [];
	// Nothing answers: every request waits until it is aborted.
	const { fetch } = fakeFetch((request, signal) => {
		requests.push(request.url);
		onRequest(request.url, raise);
		return hang(signal);
	});
	const runtime: Runtime = {
		name: 'node',
		version: 'test',
		env: () => env,
		args: () => [],
		readTextFile: async (path) => {
			throw new Error(`ENOENT: no such file or directory, open '${path}'`);
		},
		modifiedTimeMs: async () => undefined,
		writeStdout: (text) => void output.push(text),
		writeStderr: (text) => void output.push(text),
		onSignal: (name, handler) => {
			handlers.get(name)?.add(handler);
			return () => void handlers.get(name)?.delete(handler);
		},
		exit: (code) => {
			throw new Error(`exit(${code}) called in a unit test`);
		},
		serve: async () => {
			throw new Error('serve() called in a unit test');
		},
		createFetch: () => fetch,
		hostname: () => 'test-host',
		resourceUsage: () => ({ rssBytes: 0, heapUsedBytes: 0, cpuSeconds: 0 }),
	};
	return { runtime, requests, output, raise, listeners: () => (handlers.get('SIGTERM')?.size ?? 0) + (handlers.get('SIGINT')?.size ?? 0) };
}

const quiet = { NODE_NAME: 'node-a', INSTANCE_METADATA_URL: 'http://127.0.0.1:9', INSTANCE_METADATA_IPV6_FALLBACK: 'false' };

function loaded(env: Record<string, string>) {
	return loadConfig({ env, flags: {} });
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
	try {
		return { value: await promise };
	} catch (error) {
		return { error };
	}
}

const start = suite('runAgent() start-up');

start('a bad WEBHOOK_TEMPLATE fails the start before IMDS is asked anything', async () => {
	const env = { ...quiet, WEBHOOK_URL: 'http://127.0.0.1:9/hook', WEBHOOK_TEMPLATE: '{"text":"{{ .Kind "}' };
	// Were IMDS asked, the fake would stop the agent, and the start would end without the template error.
	const fake = fakeRuntime(env, (_url, raise) => raise('SIGTERM'));
	const result = await settle(runAgent(fake.runtime, loaded(env)));
	assert.ok(isConfigError(result.error), `expected a ConfigError, got ${String(result.error ?? result.value)}`);
	assert.match(String(result.error), /Cannot parse the webhook template \(WEBHOOK_TEMPLATE, line 1\)/);
	assert.equal(fake.requests, []);
	assert.is(fake.listeners(), 0, 'the signal handlers are removed');
});

start('a template that cannot render the sample event fails before IMDS too', async () => {
	const env = { ...quiet, WEBHOOK_SINKS: JSON.stringify([{ url: 'http://127.0.0.1:9/a', template: '{{ .cat }}' }]) };
	const fake = fakeRuntime(env, (_url, raise) => raise('SIGTERM'));
	const result = await settle(runAgent(fake.runtime, loaded(env)));
	assert.ok(isConfigError(result.error), String(result.error ?? result.value));
	assert.match(String(result.error), /WEBHOOK_SINKS\[0\]\.template/);
	assert.equal(fake.requests, []);
});

for (const name of ['SIGTERM', 'SIGINT'] as const) {
	start(`${name} while start-up waits on IMDS: a clean stop (0), one line, no stack trace`, async () => {
		const fake = fakeRuntime(quiet, (_url, raise) => raise(name));
		const result = await settle(runAgent(fake.runtime, loaded(quiet)));
		assert.is(result.error, undefined, `the start threw: ${String(result.error)}`);
		assert.is(result.value, 0);
		assert.ok(fake.requests.length >= 1 && (fake.requests[0] ?? '').startsWith('http://127.0.0.1:9/'), fake.requests.join(' '));
		const text = fake.output.join('');
		assert.match(text, new RegExp(`Received ${name}: stopping`));
		assert.is(text.match(/Stopped during start-up/g)?.length, 1, text);
		assert.not.match(text, /\n\s+at /, 'no stack trace');
		assert.not.match(text, /WRN|ERR/, text);
		assert.is(fake.listeners(), 0);
	});
}

start('SIGTERM while start-up waits on the apiserver: a clean stop, nothing after it starts', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'nth-agent-test-'));
	try {
		const kubeconfig = join(dir, 'kubeconfig');
		await writeFile(
			kubeconfig,
			JSON.stringify({
				apiVersion: 'v1',
				kind: 'Config',
				clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:7' } }],
				users: [{ name: 'u', user: { token: 'test-token' } }],
				contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
				'current-context': 'x',
			}),
		);
		// IMDS refuses at once (one try, no fallback); the apiserver never answers until the stop.
		const env = {
			...quiet,
			METADATA_TRIES: '1',
			KUBECONFIG: kubeconfig,
			ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
			ENABLE_SPOT_INTERRUPTION_DRAINING: 'false',
			ENABLE_REBALANCE_MONITORING: 'true',
		};
		const fake = fakeRuntime(env, (url, raise) => {
			if (url.startsWith('http://127.0.0.1:7/')) raise('SIGTERM');
		});
		const imdsRefuses: FetchFn = async (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			if (url.startsWith('http://127.0.0.1:9/'))
				throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
			return await fake.runtime.createFetch()(input, init);
		};
		const result = await settle(runAgent({ ...fake.runtime, createFetch: () => imdsRefuses }, loaded(env)));
		assert.is(result.error, undefined, `the start threw: ${String(result.error)}`);
		assert.is(result.value, 0);
		assert.ok(
			fake.requests.some((url) => url.startsWith('http://127.0.0.1:7/')),
			fake.requests.join(' '),
		);
		const text = fake.output.join('');
		assert.is(text.match(/Stopped during start-up/g)?.length, 1, text);
		assert.not.match(text, /has started successfully|Cannot look the node up yet/, text);
		assert.not.match(text, /\n\s+at /, 'no stack trace');
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
});

start('polls the spot path while the start-up still waits on the instance facts (before the apiserver is asked)', async () => {
	const fake = fakeRuntime(quiet, () => {});
	const spot = '/latest/meta-data/spot/instance-action';
	// IMDS hands out a token and answers the notice paths with 404; the instance facts never come (until the stop).
	const imds: FetchFn = async (input, init) => {
		const url = input instanceof Request ? input.url : String(input);
		const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
		if (method === 'PUT') {
			fake.requests.push(`PUT ${url}`);
			return new Response('token', { status: 200, headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } });
		}
		if (url.endsWith(spot) || url.includes('/autoscaling/') || url.includes('/events/')) {
			fake.requests.push(url);
			return new Response('', { status: 404 });
		}
		return await fake.runtime.createFetch()(input, init);
	};
	const running = settle(runAgent({ ...fake.runtime, createFetch: () => imds }, loaded(quiet)));
	// Macrotask turns, not time: the first tick's polls go out within a few of them.
	for (let turn = 0; turn < 50 && !fake.requests.some((url) => url.endsWith(spot)); turn += 1)
		await new Promise((resolve) => setImmediate(resolve));
	const seen = [...fake.requests];
	fake.raise('SIGTERM');
	const result = await running;
	assert.is(result.error, undefined, `the start threw: ${String(result.error)}`);
	assert.is(result.value, 0);
	assert.ok(
		seen.some((url) => url.endsWith(spot)),
		`no spot poll during the start-up: ${seen.join(' ')}`,
	);
	assert.ok(
		seen.some((url) => url.endsWith('/dynamic/instance-identity/document')),
		'the instance facts were being read at the same time',
	);
	assert.not.ok(
		seen.some((url) => !url.includes('127.0.0.1:9')),
		`the apiserver was asked: ${seen.join(' ')}`,
	);
	assert.is(fake.output.join('').match(/Stopped during start-up/g)?.length, 1, fake.output.join(''));
	assert.is(fake.listeners(), 0);
});

start.run();
