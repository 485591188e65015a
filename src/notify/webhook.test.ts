import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../config/load.ts';
import { isConfigError } from '../errors.ts';
import type { InstanceMetadata } from '../imds/types.ts';
import { memoryLogger } from '../log/logger.ts';
import { type Metrics, noopMetrics } from '../metrics/types.ts';
import type { InterruptionEvent } from '../monitors/types.ts';
import type { FetchOptions } from '../runtime/types.ts';
import { type FakeClock, fakeClock } from '../../test/support/fake-clock.ts';
import { fakeFetch, type Scripted } from '../../test/support/fake-fetch.ts';
import type { NotificationContext } from './types.ts';
import { createNotifier, type NotifierDeps, validateWebhookConfig, type WebhookNotifier } from './webhook.ts';

const hookUrl = 'http://127.0.0.1:9/hook';
const templatePath = '/config/template.tmpl';

const metadata: InstanceMetadata = {
	accountId: '123456789012',
	instanceId: 'i-0abc',
	instanceLifeCycle: 'spot',
	instanceType: 'm5.large',
	publicHostname: '',
	publicIp: '',
	localHostname: 'ip-10-0-0-1.ec2.internal',
	privateIp: '10.0.0.1',
	availabilityZone: 'us-east-1a',
	region: 'us-east-1',
};

const spotEvent: InterruptionEvent = {
	eventId: 'spot-itn-abc',
	kind: 'SPOT_ITN',
	monitor: 'SPOT_ITN_MONITOR',
	description: 'Spot ITN received. Instance will be terminated at 2026-01-02T03:06:05Z \n',
	state: '',
	startTime: new Date('2026-01-02T03:06:05Z'),
	endTime: undefined,
	deadline: new Date('2026-01-02T03:06:05Z'),
	spotAction: 'terminate',
};

const context: NotificationContext = { event: spotEvent, nodeLabels: { zone: 'a' }, pods: ['web-1', 'web-2'] };

interface Files {
	[path: string]: { text: string; mtimeMs: number } | undefined;
}

function countingMetrics(): Metrics & { readonly sent: string[]; readonly errors: string[] } {
	const sent: string[] = [];
	const errors: string[] = [];
	return {
		...noopMetrics(),
		webhookSent: (outcome) => sent.push(outcome),
		errorCaught: (component) => errors.push(component),
		sent,
		errors,
	};
}

function setup(env: Record<string, string>, script: readonly Scripted[] = [200], files: Files = {}) {
	const { config } = loadConfig({ env: { NODE_NAME: 'node-a', ...env }, flags: {} });
	const clock = fakeClock();
	const fake = fakeFetch(script, { clock });
	const log = memoryLogger();
	const metrics = countingMetrics();
	const fetchOptions: FetchOptions[] = [];
	let reads = 0;
	const runtime: NotifierDeps['runtime'] = {
		createFetch: (options) => {
			fetchOptions.push(options ?? {});
			return fake.fetch;
		},
		readTextFile: async (path) => {
			reads += 1;
			const file = files[path];
			if (!file) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
			return file.text;
		},
		modifiedTimeMs: async (path) => files[path]?.mtimeMs,
		env: () => ({ CLUSTER: 'prod' }),
	};
	const deps: NotifierDeps = { config, runtime, log, metrics, metadata, now: clock.now, sleep: clock.sleep, random: () => 0.5 };
	return { deps, clock, fake, log, metrics, fetchOptions, reads: () => reads };
}

/** Queues one notification and runs the fake clock until every sink has delivered or given up. */
function deliver(notifier: WebhookNotifier, clock: FakeClock, notification: NotificationContext): Promise<void> {
	const signal = new AbortController().signal;
	return clock.run(
		(async () => {
			await notifier.send(notification, signal);
			await notifier.flush(signal);
		})(),
	);
}

async function rejects(promise: Promise<unknown>): Promise<Error> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof Error) return error;
		throw new Error(`Expected an Error, got ${String(error)}`);
	}
	throw new Error('Expected a rejection');
}

const validate = suite('validateWebhookConfig()');

/** 'resolved', or the message it rejected with: a rejection fails an `assert.is(..., 'resolved')` with its reason. */
function outcome(promise: Promise<unknown>): Promise<string> {
	return promise.then(
		() => 'resolved',
		(error: unknown) => (error instanceof Error ? error.message : String(error)),
	);
}

validate("accepts NTH's default template and no webhook at all", async () => {
	assert.is(await outcome(validateWebhookConfig(setup({ WEBHOOK_URL: hookUrl }).deps)), 'resolved');
	// The same broken template is rejected once a URL is set: without one there is no sink to check.
	assert.is(await outcome(validateWebhookConfig(setup({ WEBHOOK_TEMPLATE: '{{ .cat }}' }).deps)), 'resolved');
	assert.match(
		await outcome(validateWebhookConfig(setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: '{{ .cat }}' }).deps)),
		/^Cannot execute the webhook template/,
	);
});

validate('fails on a template that does not parse, naming the setting and the line', async () => {
	const error = await rejects(validateWebhookConfig(setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: '{"text":"ok"}\n{{ .Kind ' }).deps));
	assert.ok(isConfigError(error));
	assert.is(error.message, 'Cannot parse the webhook template (WEBHOOK_TEMPLATE, line 2): template: message:2: unclosed action');
});

validate('fails on a template that cannot render the sample event, with line and column', async () => {
	const error = await rejects(validateWebhookConfig(setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: 'x {{ .cat }}' }).deps));
	assert.ok(isConfigError(error));
	assert.is(
		error.message,
		'Cannot execute the webhook template on a sample event (WEBHOOK_TEMPLATE, line 1, column 5): template: message:1:5: executing "message" at <.cat>: can\'t evaluate field cat in type webhook.combinedDrainData',
	);
});

validate('fails when the template file cannot be read, naming WEBHOOK_TEMPLATE_FILE', async () => {
	const error = await rejects(validateWebhookConfig(setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE_FILE: templatePath }).deps));
	assert.ok(isConfigError(error));
	assert.match(error.message, /^Cannot read the webhook template file "\/config\/template\.tmpl" \(WEBHOOK_TEMPLATE_FILE\): ENOENT/);
});

validate('names the WEBHOOK_SINKS entry whose template is bad', async () => {
	const sinks = JSON.stringify([
		{ url: 'http://127.0.0.1:9/a', name: 'teams' },
		{ url: 'http://127.0.0.1:9/b', template: '{{ if }}' },
	]);
	const error = await rejects(validateWebhookConfig(setup({ WEBHOOK_URL: hookUrl, WEBHOOK_SINKS: sinks }).deps));
	assert.ok(isConfigError(error));
	assert.match(
		error.message,
		/^Cannot parse the webhook template \(WEBHOOK_SINKS\[1\]\.template, line 1\): template: message:1: missing value for if/,
	);
});

validate('rejects an invalid header name and a non-http URL', async () => {
	const header = await rejects(validateWebhookConfig(setup({ WEBHOOK_URL: hookUrl, WEBHOOK_HEADERS: '{"Bad Name":"x"}' }).deps));
	assert.ok(isConfigError(header));
	assert.is(header.message, 'Cannot use the webhook headers (WEBHOOK_HEADERS): "Bad Name" is not a valid HTTP header name or value');
	const url = await rejects(
		validateWebhookConfig({
			...setup({ WEBHOOK_URL: hookUrl }).deps,
			config: { ...setup({ WEBHOOK_URL: hookUrl }).deps.config, webhookUrl: 'ftp://example.com/x' },
		}),
	);
	assert.match(url.message, /^Cannot use the webhook URL \(WEBHOOK_URL\): it must be an http:\/\/ or https:\/\/ URL/);
	// The settings already refuse it, before any notifier exists.
	assert.throws(
		() => loadConfig({ env: { WEBHOOK_URL: 'ftp://example.com/x' }, flags: {} }),
		/WEBHOOK_URL \(--webhook-url\) must be an http:\/\/ or https:\/\/ URL/,
	);
});

validate('a non-string header value is a config error, not a crash', () => {
	try {
		loadConfig({ env: { WEBHOOK_HEADERS: '{"Content-type":"application/json","X-Count":1}' }, flags: {} });
		assert.unreachable('should have thrown');
	} catch (error) {
		assert.ok(isConfigError(error));
		assert.match(String(error), /WEBHOOK_HEADERS \(--webhook-headers\) must be a JSON object of string values/);
	}
});

const send = suite('createNotifier().send()');

send("POSTs NTH's default body with the configured headers and logs Webhook Success", async () => {
	const { deps, clock, fake, log, metrics } = setup({ WEBHOOK_URL: hookUrl });
	const notifier = createNotifier(deps);
	assert.ok(notifier.enabled);
	await deliver(notifier, clock, context);
	assert.is(fake.requests.length, 1);
	const request = fake.requests[0];
	assert.is(request?.method, 'POST');
	assert.is(request?.url, hookUrl);
	assert.is(
		request?.body,
		'{"text":"[NTH][Instance Interruption] EventID: spot-itn-abc - Kind: SPOT_ITN - Instance: i-0abc - Node: node-a - Description: Spot ITN received. Instance will be terminated at 2026-01-02T03:06:05Z \n - Start Time: 2026-01-02 03:06:05 +0000 UTC"}',
	);
	assert.is(request?.headers['content-type'], 'application/json');
	assert.match(request?.headers['user-agent'] ?? '', /^nth\//);
	assert.ok(
		log.lines.some((line) => line.includes('INF Webhook Success: Notification Sent! webhook=webhook-url')),
		log.lines.join('\n'),
	);
	assert.equal(metrics.sent, ['success']);
});

send('retries a receiver that fails twice and succeeds on the third attempt', async () => {
	const { deps, clock, fake, log, metrics } = setup({ WEBHOOK_URL: hookUrl }, [500, 'error', 200]);
	await deliver(createNotifier(deps), clock, context);
	assert.is(fake.requests.length, 3);
	assert.ok(
		log.lines.some(
			(line) => line.includes('WRN Webhook Error: Received Non-Successful Status Code: will retry') && line.includes('status_code=500'),
		),
		log.lines.join('\n'),
	);
	assert.ok(log.lines.some((line) => line.includes('WRN Webhook Error: Client Do failed: will retry')));
	assert.ok(log.lines.some((line) => line.includes('Webhook Success: Notification Sent!') && line.includes('attempts=3')));
	assert.equal(metrics.sent, ['success']);
});

send("logs NTH's non-2xx warning on a 400 and counts the error, without retrying", async () => {
	const { deps, clock, fake, log, metrics } = setup({ WEBHOOK_URL: hookUrl }, [{ status: 400, body: 'invalid_payload' }]);
	await deliver(createNotifier(deps), clock, context);
	assert.is(fake.requests.length, 1);
	const line = log.lines.find((text) => text.includes('Webhook Error: Received Non-Successful Status Code'));
	assert.ok(line?.includes('WRN') && line.includes('status_code=400') && line.includes('response=invalid_payload'), line);
	assert.equal(metrics.sent, ['error']);
	assert.equal(metrics.errors, ['webhook']);
});

send('logs Client Do failed once retries run out, and never throws', async () => {
	const { deps, clock, fake, log, metrics } = setup({ WEBHOOK_URL: hookUrl, WEBHOOK_RETRY_FOR: '5' }, ['error']);
	await deliver(createNotifier(deps), clock, context);
	assert.ok(fake.requests.length > 1);
	assert.ok(clock.now() - (fake.requests[0]?.at ?? 0) <= 5000);
	assert.ok(
		log.lines.some((line) => line.includes('ERR Webhook Error: Client Do failed') && line.includes(`attempts=${fake.requests.length}`)),
		log.lines.join('\n'),
	);
	assert.equal(metrics.sent, ['error']);
});

send('renders one body per sink, with fallbacks to the WEBHOOK_* settings', async () => {
	const sinks = JSON.stringify([
		{
			url: 'http://127.0.0.1:9/teams',
			name: 'teams',
			template: '{{ .Kind }} on {{ .NodeName }} ({{ env "CLUSTER" }})',
			headers: { 'X-Team': 'ops' },
		},
		{ url: 'http://127.0.0.1:9/plain', proxy: 'tcp://127.0.0.1:3128' },
	]);
	const { deps, clock, fake, fetchOptions } = setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: '{{ .EventID }}', WEBHOOK_SINKS: sinks });
	await deliver(createNotifier(deps), clock, context);
	const byUrl = new Map(fake.requests.map((request) => [request.url, request]));
	assert.is(byUrl.get(hookUrl)?.body, 'spot-itn-abc');
	assert.is(byUrl.get('http://127.0.0.1:9/teams')?.body, 'SPOT_ITN on node-a (prod)');
	assert.is(byUrl.get('http://127.0.0.1:9/teams')?.headers['x-team'], 'ops');
	assert.is(byUrl.get('http://127.0.0.1:9/teams')?.headers['content-type'], undefined);
	assert.is(byUrl.get('http://127.0.0.1:9/plain')?.body, 'spot-itn-abc');
	assert.is(byUrl.get('http://127.0.0.1:9/plain')?.headers['content-type'], 'application/json');
	assert.equal(fetchOptions, [{}, { proxy: 'tcp://127.0.0.1:3128' }]);
});

send('marks the outcome message: [outcome] in Description, .Outcome and .Details for new templates', async () => {
	const { deps, clock, fake } = setup({
		WEBHOOK_URL: hookUrl,
		WEBHOOK_TEMPLATE: '{{ .Description }}|{{ .Outcome }}|{{ .Details }}|{{ .NodeProcessed }}',
	});
	const notifier = createNotifier(deps);
	await deliver(notifier, clock, context);
	await deliver(notifier, clock, { ...context, outcome: 'drained', details: '2 of 2 pods evicted' });
	assert.equal(
		fake.requests.map((request) => request.body),
		[
			'Spot ITN received. Instance will be terminated at 2026-01-02T03:06:05Z \n|||false',
			'[drained] Spot ITN received. Instance will be terminated at 2026-01-02T03:06:05Z \n|drained|2 of 2 pods evicted|true',
		],
	);
});

/** A sink whose receiver answers `status(body)` to each POST (by what is posted, not by arrival order). */
function byBody(env: Record<string, string>, status: (body: string) => number) {
	const setupResult = setup(env);
	const { fetch, requests } = fakeFetch((request) => new Response('', { status: status(request.body) }), { clock: setupResult.clock });
	const deps: NotifierDeps = { ...setupResult.deps, runtime: { ...setupResult.deps.runtime, createFetch: () => fetch } };
	return { ...setupResult, deps, requests };
}

send('a start message the receiver keeps refusing does not hold up the outcome (it used to wait WEBHOOK_RETRY_FOR)', async () => {
	const { deps, clock, requests, log, metrics } = byBody({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: '{{ .Outcome }}' }, (body) =>
		body === '' ? 503 : 200,
	);
	const notifier = createNotifier(deps);
	const signal = new AbortController().signal;
	const startedAt = clock.now();
	void notifier.send(context, signal);
	void notifier.send({ ...context, outcome: 'failed' }, signal);
	await clock.run(notifier.flush(signal));
	// The start's first attempt, then at once the outcome; the start does not retry behind it.
	assert.equal(
		requests.map((request) => [request.body, request.at - startedAt]),
		[
			['', 0],
			['failed', 0],
		],
	);
	assert.ok(
		log.lines.some(
			(line) =>
				line.includes('WRN Webhook Error: Notification not sent: a newer notification about the same incident superseded it') &&
				line.includes('status_code=503'),
		),
		log.lines.join('\n'),
	);
	assert.equal(metrics.sent.sort(), ['error', 'success']);
});

send("the outcome waits for the start message's first attempt, never for its retries", async () => {
	const { deps, clock, fake } = setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: '{{ .Outcome }}' }, ['hang', 200]);
	const notifier = createNotifier(deps);
	const signal = new AbortController().signal;
	const startedAt = clock.now();
	void notifier.send(context, signal);
	void notifier.send({ ...context, outcome: 'drained' }, signal);
	await clock.run(notifier.flush(signal));
	// The start's attempt hangs until WEBHOOK_TIMEOUT (10 s); only then does the outcome go out, and the start is not retried after it.
	assert.equal(
		fake.requests.map((request) => [request.body, request.at - startedAt]),
		[
			['', 0],
			['drained', 10_000],
		],
	);
});

send('a message about another event keeps retrying while newer ones go out', async () => {
	const other: InterruptionEvent = { ...spotEvent, eventId: 'rebalance-1', kind: 'REBALANCE_RECOMMENDATION' };
	const { deps, clock, fake, log } = setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: '{{ .EventID }}' }, ['error', 200, 200]);
	const notifier = createNotifier(deps);
	const signal = new AbortController().signal;
	const startedAt = clock.now();
	void notifier.send({ ...context, event: other }, signal);
	void notifier.send(context, signal);
	await clock.run(notifier.flush(signal));
	assert.equal(
		fake.requests.map((request) => [request.body, request.at - startedAt]),
		[
			['rebalance-1', 0],
			['spot-itn-abc', 0],
			['rebalance-1', 375],
		],
	);
	assert.is(log.lines.filter((line) => line.includes('Webhook Success')).length, 2);
});

send("an outcome supersedes a start message still retrying even when the incident's headline event changed", async () => {
	const rebalance: InterruptionEvent = { ...spotEvent, eventId: 'rebalance-1', kind: 'REBALANCE_RECOMMENDATION' };
	const { deps, clock, fake, log } = setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: '{{ .EventID }} {{ .Outcome }}' }, [
		'error',
		200,
		200,
	]);
	const notifier = createNotifier(deps);
	const signal = new AbortController().signal;
	void notifier.send({ ...context, event: rebalance }, signal);
	void notifier.send({ ...context, outcome: 'drained' }, signal);
	await clock.run(notifier.flush(signal));
	assert.equal(
		fake.requests.map((request) => request.body),
		['rebalance-1 ', 'spot-itn-abc drained'],
	);
	assert.ok(
		log.lines.some((line) => line.includes('superseded it')),
		log.lines.join('\n'),
	);
});

send('flush() waits for retries still running after their successor went out', async () => {
	const other: InterruptionEvent = { ...spotEvent, eventId: 'rebalance-1', kind: 'REBALANCE_RECOMMENDATION' };
	const { deps, clock, fake } = setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: '{{ .EventID }}' }, ['error', 200, 'error', 'error', 200]);
	const notifier = createNotifier(deps);
	const signal = new AbortController().signal;
	void notifier.send({ ...context, event: other }, signal);
	void notifier.send(context, signal);
	await clock.run(notifier.flush(signal));
	assert.equal(
		fake.requests.map((request) => request.body),
		['rebalance-1', 'spot-itn-abc', 'rebalance-1', 'rebalance-1', 'rebalance-1'],
	);
});

send('a transport error naming the URL or the proxy is logged without them', async () => {
	const url = 'http://127.0.0.1:9/services/T000/B000/XXXX';
	const { deps, clock, log } = setup({
		WEBHOOK_URL: url,
		WEBHOOK_PROXY: 'http://proxyuser:pr0xy-pa55@127.0.0.1:3128',
		WEBHOOK_RETRY_FOR: '0',
	});
	const { fetch } = fakeFetch(() => {
		throw new TypeError(`Unable to connect to ${url}`, {
			cause: new Error('proxy http://proxyuser:pr0xy-pa55@127.0.0.1:3128 refused (pr0xy-pa55)'),
		});
	});
	await deliver(createNotifier({ ...deps, runtime: { ...deps.runtime, createFetch: () => fetch } }), clock, context);
	const line = log.lines.find((text) => text.includes('Webhook Error: Client Do failed'));
	assert.ok(line, log.lines.join('\n'));
	for (const secret of ['T000/B000/XXXX', 'pr0xy-pa55', 'proxyuser']) assert.not.ok(line.includes(secret), line);
	assert.match(line, /Unable to connect to <redacted>/);
});

send('a proxy password with a malformed escape does not break the error log', async () => {
	const { deps, clock, log } = setup({
		WEBHOOK_URL: hookUrl,
		WEBHOOK_PROXY: 'http://proxyuser:pa%zz55word@127.0.0.1:3128',
		WEBHOOK_RETRY_FOR: '0',
	});
	const { fetch } = fakeFetch(() => {
		throw new TypeError('proxy http://proxyuser:pa%zz55word@127.0.0.1:3128 refused');
	});
	await deliver(createNotifier({ ...deps, runtime: { ...deps.runtime, createFetch: () => fetch } }), clock, context);
	const line = log.lines.find((text) => text.includes('Webhook Error: Client Do failed'));
	assert.ok(line, log.lines.join('\n'));
	assert.not.ok(line.includes('pa%zz55word'), line);
	assert.not.ok(
		log.lines.some((text) => text.includes('failed unexpectedly')),
		log.lines.join('\n'),
	);
});

send('logs a template execution error and sends nothing', async () => {
	const { deps, clock, fake, log, metrics } = setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE: '{{ index .Pods 5 }}' });
	await deliver(createNotifier(deps), clock, context);
	assert.is(fake.requests.length, 0);
	assert.ok(
		log.lines.some((line) => line.includes('ERR Webhook Error: Template execution failed') && line.includes('index out of range')),
		log.lines.join('\n'),
	);
	assert.equal(metrics.sent, ['error']);
});

send('re-reads the template file only when its mtime changes, keeping the last good one', async () => {
	const files: Files = { [templatePath]: { text: 'v1 {{ .Kind }}', mtimeMs: 1000 } };
	const { deps, clock, fake, log, reads } = setup({ WEBHOOK_URL: hookUrl, WEBHOOK_TEMPLATE_FILE: templatePath }, [200], files);
	const notifier = createNotifier(deps);
	const bodies = async (): Promise<string | undefined> => {
		await deliver(notifier, clock, context);
		return fake.requests.at(-1)?.body;
	};
	assert.is(await bodies(), 'v1 SPOT_ITN');
	assert.is(await bodies(), 'v1 SPOT_ITN');
	assert.is(reads(), 1);
	files[templatePath] = { text: 'v2 {{ .NodeName }}', mtimeMs: 2000 };
	assert.is(await bodies(), 'v2 node-a');
	assert.is(reads(), 2);
	files[templatePath] = { text: 'v3 {{ .Kind ', mtimeMs: 3000 };
	assert.is(await bodies(), 'v2 node-a');
	assert.ok(
		log.lines.some(
			(line) => line.includes('Webhook Error: Template parsing failed: keeping the last good template') && line.includes('unclosed action'),
		),
		log.lines.join('\n'),
	);
	assert.is(await bodies(), 'v2 node-a');
	assert.is(reads(), 3);
	files[templatePath] = { text: 'v4 {{ .cat }}', mtimeMs: 4000 };
	assert.is(await bodies(), 'v2 node-a');
	files[templatePath] = { text: 'v5 {{ .EventID }}', mtimeMs: 5000 };
	assert.is(await bodies(), 'v5 spot-itn-abc');
	files[templatePath] = undefined;
	assert.is(await bodies(), 'v5 spot-itn-abc');
	assert.ok(log.lines.some((line) => line.includes('Could not read template file: using the last good template')));
});

send('resolves at once, before a slow sink has answered: it never holds up a drain', async () => {
	const { deps, clock, fake, log } = setup({ WEBHOOK_URL: hookUrl }, ['hang', 200]);
	const notifier = createNotifier(deps);
	const signal = new AbortController().signal;
	const startedAt = clock.now();
	// Settled before the event loop even turns over, with the fake clock standing still.
	const settled = await Promise.race([
		notifier.send(context, signal).then(() => true),
		new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
	]);
	assert.ok(settled, 'send() waited for the delivery');
	assert.is(clock.now(), startedAt);
	assert.not.ok(log.lines.some((line) => line.includes('Webhook Success')));
	await clock.run(notifier.flush(signal));
	assert.is(fake.requests.length, 2);
	assert.ok(log.lines.some((line) => line.includes('Webhook Success')));
	assert.is(clock.now() - startedAt, 10_000 + 375);
});

send('does nothing without a sink', async () => {
	const { deps, clock, fake } = setup({});
	const notifier = createNotifier(deps);
	assert.is(notifier.enabled, false);
	await deliver(notifier, clock, context);
	assert.is(fake.requests.length, 0);
});

validate.run();
send.run();
