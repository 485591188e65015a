// Notifications and observability against real sockets and the real control plane:
// - webhooks through the real Notifier and the runtime's fetch, to local receivers on
//   127.0.0.1 (one that answers, one that fails twice, one that hangs) and through a
//   local HTTP proxy (forwarding for http://, CONNECT for https://, `tcp://` accepted);
// - Kubernetes events through the real recorder and the lean client with a
//   ServiceAccount token bound to exactly the events/nodes rights, read back as admin;
// - /metrics served on a real port, scraped and checked by `promtool check metrics`;
// - /healthz fed by the real poll loop against AEMM behind a switch that makes IMDS
//   hang: it turns 503 when polls stop succeeding and 200 again when they resume.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- notify`).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../src/config/load.ts';
import { createMetricsHandler } from '../../src/http/metrics-handler.ts';
import { createProbes } from '../../src/http/probes.ts';
import { startHttpServers } from '../../src/http/servers.ts';
import { createImdsClient } from '../../src/imds/client.ts';
import type { InstanceMetadata } from '../../src/imds/types.ts';
import type { KubeApi } from '../../src/kube/api.ts';
import { createKubeApi } from '../../src/kube/client.ts';
import { connectKube } from '../../src/kube/config.ts';
import { sleep } from '../../src/clock.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { createMetricsRegistry, type MetricsRegistry } from '../../src/metrics/registry.ts';
import { noopMetrics } from '../../src/metrics/types.ts';
import { startPolling } from '../../src/monitors/poll.ts';
import { createSpotItnMonitor } from '../../src/monitors/spot-itn.ts';
import type { InterruptionEvent } from '../../src/monitors/types.ts';
import { createEventRecorder } from '../../src/notify/kube-events.ts';
import type { NotificationContext, Notifier } from '../../src/notify/types.ts';
import { createNotifier, type NotifierDeps, validateWebhookConfig } from '../../src/notify/webhook.ts';
import { createNodeRuntime } from '../../src/runtime/node.ts';
import type { Runtime } from '../../src/runtime/types.ts';
import { startAemm } from '../real/aemm.ts';
import {
	connect,
	createNamespace,
	createNode,
	createPod,
	createServiceAccountToken,
	deleteNamespace,
	deleteNode,
	kubeconfigForToken,
	type RealCluster,
	waitFor,
} from '../real/harness.ts';

const suffix = randomBytes(3).toString('hex');
const runtime = createNodeRuntime();
const lines: string[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'nth-e2e-notify-'));
const closers: (() => Promise<void> | void)[] = [];

const metadata: InstanceMetadata = {
	accountId: '123456789012',
	instanceId: `i-${suffix}`,
	instanceLifeCycle: 'spot',
	instanceType: 'm5.large',
	publicHostname: 'ec2-54-1-2-3.compute-1.amazonaws.com',
	publicIp: '54.1.2.3',
	localHostname: 'ip-10-0-1-2.ec2.internal',
	privateIp: '10.0.1.2',
	availabilityZone: 'us-east-1a',
	region: 'us-east-1',
};

const spotEvent: InterruptionEvent = {
	eventId: `spot-itn-${suffix}`,
	kind: 'SPOT_ITN',
	monitor: 'SPOT_ITN_MONITOR',
	description: 'Spot ITN received. Instance will be terminated at 2026-01-02T03:06:05Z \n',
	state: '',
	startTime: new Date('2026-01-02T03:06:05Z'),
	endTime: undefined,
	deadline: new Date('2026-01-02T03:06:05Z'),
	spotAction: 'terminate',
};
const context: NotificationContext = { event: spotEvent, nodeLabels: { app: 'web' }, pods: ['web-1', 'web-2'] };

function memoryLog(): Logger & { readonly mine: string[] } {
	const mine: string[] = [];
	const push = (text: string): void => {
		lines.push(text.trimEnd());
		mine.push(text.trimEnd());
	};
	return Object.assign(createLogger({ level: 'debug', stdout: push, stderr: push }), { mine });
}

// --- local servers ------------------------------------------------------------------------

interface Received {
	readonly method: string;
	readonly url: string;
	readonly headers: http.IncomingHttpHeaders;
	readonly body: string;
}

interface Receiver {
	readonly url: string;
	readonly port: number;
	readonly received: Received[];
}

/** A webhook receiver on 127.0.0.1 (https when `tls` is given); `answer(n)` decides the n-th reply (1-based). */
async function startReceiver(answer: (count: number) => number | 'hang', tls?: { key: string; cert: string }): Promise<Receiver> {
	const received: Received[] = [];
	const onRequest = (request: http.IncomingMessage, response: http.ServerResponse): void => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			received.push({
				method: request.method ?? '',
				url: request.url ?? '',
				headers: request.headers,
				body: Buffer.concat(chunks).toString('utf8'),
			});
			const reply = answer(received.length);
			if (reply === 'hang') return; // never answer: the client's timeout must end it
			response.writeHead(reply, { 'content-type': 'text/plain' });
			response.end(reply < 300 ? 'ok' : 'failing');
		});
	};
	const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	closers.push(
		() =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	);
	return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/hook`, port, received };
}

interface ProxySeen {
	readonly kind: 'forward' | 'connect';
	readonly target: string;
}

/** A tiny HTTP proxy on 127.0.0.1: absolute-URI forwarding for http targets, CONNECT tunnels for https. */
async function startProxy(): Promise<{ readonly port: number; readonly seen: ProxySeen[] }> {
	const seen: ProxySeen[] = [];
	const sockets = new Set<net.Socket>();
	const server = http.createServer((request, response) => {
		seen.push({ kind: 'forward', target: request.url ?? '' });
		const target = new URL(request.url ?? '');
		const upstream = http.request(
			{
				host: target.hostname,
				port: target.port,
				path: `${target.pathname}${target.search}`,
				method: request.method,
				headers: request.headers,
			},
			(answer) => {
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(response);
			},
		);
		upstream.on('error', () => {
			response.writeHead(502);
			response.end();
		});
		request.pipe(upstream);
	});
	server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
		seen.push({ kind: 'connect', target: request.url ?? '' });
		const [host, port] = (request.url ?? '').split(':');
		const upstream = net.connect(Number(port), host ?? '127.0.0.1', () => {
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			upstream.write(head);
			upstream.pipe(client);
			client.pipe(upstream);
		});
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on('error', () => socket.destroy());
			socket.on('close', () => sockets.delete(socket));
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	closers.push(
		() =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	);
	return { port: typeof address === 'object' && address !== null ? address.port : 0, seen };
}

function notifierFor(env: Record<string, string>, options: { readonly runtime?: NotifierDeps['runtime'] } = {}) {
	// A short retry budget keeps a failing case from stalling the run for NTH's-default-sized minutes.
	const { config } = loadConfig({ env: { NODE_NAME: `node-${suffix}`, WEBHOOK_RETRY_FOR: '10', ...env }, flags: {} });
	const log = memoryLog();
	const metrics = createMetricsRegistry({
		now: Date.now,
		startTimeMs: Date.now(),
		resourceUsage: runtime.resourceUsage,
		build: { version: 'e2e', commit: 'e2e', flavour: 'source', runtime: runtime.name, runtimeVersion: runtime.version },
	});
	const deps: NotifierDeps = {
		config,
		runtime: options.runtime ?? runtime,
		log,
		metrics,
		metadata,
		now: Date.now,
		sleep,
		random: Math.random,
	};
	return { notifier: createNotifier(deps), deps, log, metrics };
}

/** Queues one notification and waits until every sink has delivered or given up (send() itself returns at once). */
async function deliver(notifier: Notifier, notification: NotificationContext): Promise<void> {
	const signal = new AbortController().signal;
	await notifier.send(notification, signal);
	await notifier.flush(signal);
}

const expectedDefaultBody = `{"text":"[NTH][Instance Interruption] EventID: spot-itn-${suffix} - Kind: SPOT_ITN - Instance: i-${suffix} - Node: node-${suffix} - Description: Spot ITN received. Instance will be terminated at 2026-01-02T03:06:05Z \n - Start Time: 2026-01-02 03:06:05 +0000 UTC"}`;

// ------------------------------------------------------------------------------------------

const webhook = suite('webhook: real Notifier over real sockets');

webhook('delivers the start and outcome messages to a local receiver, exactly as rendered', async () => {
	const receiver = await startReceiver(() => 200);
	const { notifier, deps, log, metrics } = notifierFor({ WEBHOOK_URL: receiver.url });
	await validateWebhookConfig(deps);
	await deliver(notifier, context);
	await deliver(notifier, { ...context, outcome: 'drained', details: '2 of 2 pods evicted' });
	assert.is(receiver.received.length, 2);
	assert.is(receiver.received[0]?.method, 'POST');
	assert.is(receiver.received[0]?.url, '/hook');
	assert.is(receiver.received[0]?.headers['content-type'], 'application/json');
	assert.is(receiver.received[0]?.body, expectedDefaultBody);
	assert.ok(receiver.received[1]?.body.includes('Description: [drained] Spot ITN received.'), receiver.received[1]?.body);
	assert.is(log.mine.filter((line) => line.includes('INF Webhook Success: Notification Sent!')).length, 2);
	assert.match(metrics.render(), /\nnth_webhook_sends_total\{outcome="success"\} 2\n/);
});

webhook('retries a receiver that fails twice, and the third attempt lands', async () => {
	const receiver = await startReceiver((count) => (count <= 2 ? 503 : 200));
	const { notifier, log } = notifierFor({ WEBHOOK_URL: receiver.url });
	const started = Date.now();
	await deliver(notifier, context);
	assert.is(receiver.received.length, 3);
	assert.ok(receiver.received.every((request) => request.body === expectedDefaultBody));
	assert.is(
		log.mine.filter(
			(line) => line.includes('Webhook Error: Received Non-Successful Status Code: will retry') && line.includes('status_code=503'),
		).length,
		2,
	);
	assert.ok(log.mine.some((line) => line.includes('Webhook Success: Notification Sent!') && line.includes('attempts=3')));
	// Two backoffs of 0.25–0.5 s and 0.5–1 s.
	assert.ok(Date.now() - started >= 750, `only ${Date.now() - started} ms`);
});

webhook('times out a receiver that hangs, then retries; a receiver that always hangs is given up within the bound', async () => {
	const once = await startReceiver((count) => (count === 1 ? 'hang' : 200));
	const first = notifierFor({ WEBHOOK_URL: once.url, WEBHOOK_TIMEOUT: '1' });
	const started = Date.now();
	await deliver(first.notifier, context);
	assert.is(once.received.length, 2);
	assert.ok(Date.now() - started >= 1000);
	assert.ok(
		first.log.mine.some(
			(line) => line.includes('Webhook Error: Client Do failed: will retry') && line.includes('no answer within 1000 ms'),
		),
		first.log.mine.join('\n'),
	);
	assert.ok(first.log.mine.some((line) => line.includes('Webhook Success: Notification Sent!')));

	const always = await startReceiver(() => 'hang');
	const second = notifierFor({ WEBHOOK_URL: always.url, WEBHOOK_TIMEOUT: '1', WEBHOOK_RETRY_FOR: '3' });
	const begun = Date.now();
	await deliver(second.notifier, context);
	const elapsed = Date.now() - begun;
	assert.ok(elapsed <= 3500, `took ${elapsed} ms`);
	assert.ok(always.received.length >= 2, `${always.received.length} attempts`);
	assert.ok(
		second.log.mine.some(
			(line) => line.includes('ERR Webhook Error: Client Do failed') && line.includes(`attempts=${always.received.length}`),
		),
		second.log.mine.join('\n'),
	);
	assert.match(second.metrics.render(), /\nnth_webhook_sends_total\{outcome="error"\} 1\n/);
});

webhook('goes through WEBHOOK_PROXY: forwarding for http (http:// and tcp://), CONNECT for https', async () => {
	const proxy = await startProxy();
	const plain = await startReceiver(() => 200);
	for (const scheme of ['http', 'tcp']) {
		const { notifier } = notifierFor({
			WEBHOOK_URL: plain.url,
			WEBHOOK_PROXY: `${scheme}://127.0.0.1:${proxy.port}`,
			WEBHOOK_RETRY_FOR: '5',
		});
		await deliver(notifier, context);
	}
	assert.is(plain.received.length, 2);
	assert.equal(proxy.seen, [
		{ kind: 'forward', target: plain.url },
		{ kind: 'forward', target: plain.url },
	]);

	execFileSync(
		'openssl',
		[
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-days',
			'1',
			'-subj',
			'/CN=localhost',
			'-addext',
			'subjectAltName=DNS:localhost',
			'-keyout',
			join(workDir, 'key.pem'),
			'-out',
			join(workDir, 'cert.pem'),
		],
		{ stdio: 'ignore' },
	);
	const cert = readFileSync(join(workDir, 'cert.pem'), 'utf8');
	const secure = await startReceiver(() => 200, { key: readFileSync(join(workDir, 'key.pem'), 'utf8'), cert });
	// The receiver's self-signed certificate must be trusted; everything else is the runtime's own proxy code.
	const trusting: Runtime['createFetch'] = (options) => runtime.createFetch({ ...options, ca: cert });
	// A host name, as real webhook URLs have (the proxy resolves it; the receiver listens on 127.0.0.1).
	const secureUrl = `https://localhost:${secure.port}/hook`;
	const { notifier, log } = notifierFor(
		{ WEBHOOK_URL: secureUrl, WEBHOOK_PROXY: `http://127.0.0.1:${proxy.port}`, WEBHOOK_RETRY_FOR: '5' },
		{ runtime: { ...runtime, createFetch: trusting } },
	);
	await deliver(notifier, context);
	assert.is(secure.received.length, 1, log.mine.join('\n'));
	assert.is(secure.received[0]?.body, expectedDefaultBody);
	assert.equal(proxy.seen.at(-1), { kind: 'connect', target: `localhost:${secure.port}` });
});

webhook('serves several sinks at once and picks up a changed template file', async () => {
	const first = await startReceiver(() => 200);
	const second = await startReceiver(() => 200);
	const templateFile = join(workDir, 'template.tmpl');
	writeFileSync(templateFile, 'v1 {{ .Kind }} {{ .NodeName }}');
	const sinks = JSON.stringify([{ url: second.url, name: 'second', template: '{{ .EventID }} {{ join "," .Pods }}' }]);
	const { notifier, deps } = notifierFor({ WEBHOOK_URL: first.url, WEBHOOK_TEMPLATE_FILE: templateFile, WEBHOOK_SINKS: sinks });
	await validateWebhookConfig(deps);
	await deliver(notifier, context);
	writeFileSync(templateFile, 'v2 {{ .InstanceID }}');
	const later = new Date(Date.now() + 5000);
	utimesSync(templateFile, later, later);
	await deliver(notifier, context);
	assert.equal(
		first.received.map((request) => request.body),
		[`v1 SPOT_ITN node-${suffix}`, `v2 i-${suffix}`],
	);
	assert.equal(
		second.received.map((request) => request.body),
		[`spot-itn-${suffix} web-1,web-2`, `spot-itn-${suffix} web-1,web-2`],
	);
});

webhook.run();

// ------------------------------------------------------------------------------------------

const events = suite('Kubernetes events: real recorder, real apiserver');

let cluster: RealCluster;
let connected = false;
let namespace: string;
let roleName: string;
let kube: KubeApi;

/** The events recorder's needs, in manifests/rbac.yaml form (nodes get: the Node's uid). */
const recorderRules = [
	{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
	{ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
];

events("setup: a ServiceAccount with only the recorder's rights", async () => {
	cluster = connect();
	namespace = await createNamespace(cluster, 'notify');
	connected = true;
	roleName = `nth-e2e-notify-${suffix}`;
	await cluster.rbac.createClusterRole({ body: { metadata: { name: roleName }, rules: recorderRules } });
	await cluster.rbac.createClusterRoleBinding({
		body: {
			metadata: { name: roleName },
			roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
			subjects: [{ kind: 'ServiceAccount', name: 'nth', namespace }],
		},
	});
	const token = await createServiceAccountToken(cluster, namespace, 'nth');
	const connection = await connectKube(runtime.createFetch, { kubeconfig: kubeconfigForToken(cluster, token) });
	kube = createKubeApi({
		server: connection.server,
		fetch: connection.fetch,
		authHeaders: connection.authHeaders,
		onUnauthorized: connection.invalidate,
		qps: 50,
		burst: 100,
		log: memoryLog(),
		metrics: noopMetrics(),
		userAgent: 'nth-e2e/notify',
	});
	await waitFor(async () => (await kube.getNode(`absent-${suffix}`, new AbortController().signal)) === undefined, {
		what: 'recorder RBAC effective',
	});
});

events("node events land on the real Node with the IMDS annotations, aggregated; pod events in the pod's namespace", async () => {
	const nodeName = `notify-${suffix}`;
	const created = await createNode(cluster, nodeName);
	closers.push(() => deleteNode(cluster, nodeName));
	await createPod(cluster, namespace, 'web-1', { nodeName, labels: { app: 'web' } });
	const errors: string[] = [];
	const log = memoryLog();
	const recorder = createEventRecorder({
		kube,
		nodeName,
		metadata,
		extraAnnotations: { team: 'ops', region: 'eu-override' },
		log,
		metrics: { ...noopMetrics(), errorCaught: (component) => void errors.push(component) },
		now: Date.now,
		enabled: true,
	});
	recorder.node('SpotInterruption', 'Normal', spotEvent.description);
	for (let i = 0; i < 3; i += 1)
		recorder.node('CordonAndDrainError', 'Warning', 'There was a problem while trying to cordon and drain the node: timed out');
	recorder.pod({ namespace, name: 'web-1' }, 'PodEviction', 'Normal', `Pod evicted due to node drain (node ${nodeName})`, { app: 'web' });
	await recorder.flush(AbortSignal.timeout(20_000));
	assert.equal(errors, [], log.mine.join('\n'));

	// How `kubectl describe node` finds them: all namespaces, by kind, name, uid and an empty namespace.
	const uid = created.metadata?.uid ?? '';
	const selector = `involvedObject.kind=Node,involvedObject.name=${nodeName},involvedObject.uid=${uid},involvedObject.namespace=`;
	const found = await cluster.core.listEventForAllNamespaces({ fieldSelector: selector });
	const byReason = new Map(found.items.map((event) => [event.reason, event]));
	assert.is(found.items.length, 2, JSON.stringify(found.items.map((event) => [event.reason, event.count])));
	const spot = byReason.get('SpotInterruption');
	assert.is(spot?.metadata?.namespace, 'default');
	assert.is(spot?.type, 'Normal');
	assert.is(spot?.message, spotEvent.description);
	assert.equal(
		{ component: spot?.source?.component, host: spot?.source?.host },
		{ component: 'aws-node-termination-handler', host: nodeName },
	);
	assert.equal(
		{ ...spot?.metadata?.annotations },
		{
			'account-id': '123456789012',
			'availability-zone': 'us-east-1a',
			'instance-id': `i-${suffix}`,
			'instance-life-cycle': 'spot',
			'instance-type': 'm5.large',
			'local-hostname': 'ip-10-0-1-2.ec2.internal',
			'local-ipv4': '10.0.1.2',
			'public-hostname': 'ec2-54-1-2-3.compute-1.amazonaws.com',
			'public-ipv4': '54.1.2.3',
			region: 'eu-override',
			team: 'ops',
		},
	);
	const error = byReason.get('CordonAndDrainError');
	assert.is(error?.type, 'Warning');
	assert.is(error?.count, 3);

	const podEvents = await cluster.core.listNamespacedEvent({
		namespace,
		fieldSelector: 'involvedObject.kind=Pod,involvedObject.name=web-1',
	});
	assert.is(podEvents.items.length, 1);
	assert.equal({ ...podEvents.items[0]?.metadata?.annotations }, { node: nodeName, app: 'web' });
	assert.is(podEvents.items[0]?.reason, 'PodEviction');
});

events('a token without the events rights is logged and counted, never thrown', async () => {
	const denied = await createServiceAccountToken(cluster, namespace, 'no-rights');
	const connection = await connectKube(runtime.createFetch, { kubeconfig: kubeconfigForToken(cluster, denied) });
	const deniedKube = createKubeApi({
		server: connection.server,
		fetch: connection.fetch,
		authHeaders: connection.authHeaders,
		qps: 50,
		burst: 100,
		log: memoryLog(),
		metrics: noopMetrics(),
		userAgent: 'nth-e2e/notify',
	});
	const errors: string[] = [];
	const log = memoryLog();
	const recorder = createEventRecorder({
		kube: deniedKube,
		nodeName: `notify-${suffix}`,
		metadata,
		extraAnnotations: {},
		log,
		metrics: { ...noopMetrics(), errorCaught: (component) => void errors.push(component) },
		now: Date.now,
		enabled: true,
	});
	recorder.node('Cordon', 'Normal', 'Node successfully cordoned');
	await recorder.flush(AbortSignal.timeout(20_000));
	assert.ok(errors.length >= 1 && errors.every((component) => component === 'events'), String(errors));
	assert.ok(
		log.mine.some((line) => line.includes('Cannot create the Kubernetes event') && line.includes('events is forbidden')),
		log.mine.join('\n'),
	);
});

events.run();

// ------------------------------------------------------------------------------------------

const metricsAndProbes = suite('/metrics and probes on real ports');

function newRegistry(): MetricsRegistry {
	return createMetricsRegistry({
		now: Date.now,
		startTimeMs: Date.now(),
		resourceUsage: runtime.resourceUsage,
		build: { version: 'e2e', commit: 'e2e', flavour: 'source', runtime: runtime.name, runtimeVersion: runtime.version },
	});
}

metricsAndProbes('/metrics is scraped over HTTP and passes promtool check metrics', async () => {
	const registry = newRegistry();
	registry.action('cordon-and-drain', 'success');
	registry.monitorError('SPOT_ITN_MONITOR');
	registry.pollCompleted('SPOT_ITN_MONITOR', true, 0.004);
	registry.noticeToCordon(0.8);
	registry.noticeToDrained(41);
	registry.evictionBlocked('pdb');
	registry.podEvicted('evicted');
	registry.webhookSent('error');
	registry.errorCaught('webhook');
	registry.incidentsInFlight(1);
	const controller = new AbortController();
	const servers = await startHttpServers({
		runtime,
		settings: {
			enableProbesServer: true,
			probesServerPort: 0,
			enablePrometheusServer: true,
			prometheusServerPort: 0,
			probesServerHost: '127.0.0.1',
		},
		probes: createProbes({
			maxPollAgeMs: 30_000,
			startedAtMs: Date.now(),
			now: Date.now,
			lastSuccessfulPollMs: registry.lastSuccessfulPollMs,
		}).handler,
		metrics: createMetricsHandler(registry.render),
		log: memoryLog(),
		signal: controller.signal,
	});
	try {
		const response = await fetch(`http://127.0.0.1:${servers.metrics?.port}/metrics`);
		assert.is(response.status, 200);
		assert.is(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
		const text = await response.text();
		assert.match(
			text,
			/\nactions_total\{node_action="cordon-and-drain",node_status="success",otel_scope_name="aws.node.termination.handler",otel_scope_version=""\} 1\n/,
		);
		assert.match(
			text,
			/\nevents_error_total\{event_error_where="SPOT_ITN_MONITOR",otel_scope_name="aws.node.termination.handler",otel_scope_version=""\} 1\n/,
		);
		assert.match(text, /\nprocess_resident_memory_bytes \d+\n/);
		const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
		assert.is(check.error, undefined, `promtool could not run (apt-get install prometheus): ${String(check.error)}`);
		assert.is(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
		assert.is(`${check.stdout}${check.stderr}`.trim(), '');
		// Separate servers: neither path is served on the other's port.
		assert.is((await fetch(`http://127.0.0.1:${servers.probes?.port}/metrics`)).status, 404);
		assert.is((await fetch(`http://127.0.0.1:${servers.metrics?.port}/healthz`)).status, 404);
	} finally {
		controller.abort();
		await servers.close();
	}
});

metricsAndProbes('/healthz turns 503 while IMDS polling is stuck and 200 again once it recovers', async () => {
	const aemm = await startAemm(['spot', '-a', 'terminate']);
	let stuck = false;
	const held = new Set<http.ServerResponse>();
	// IMDS as the agent reaches it: AEMM behind a switch that can make every request hang.
	const gate = http.createServer((request, response) => {
		if (stuck) {
			held.add(response);
			return;
		}
		const upstream = http.request(
			{ host: '127.0.0.1', port: aemm.port, path: request.url, method: request.method, headers: request.headers },
			(answer) => {
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(response);
			},
		);
		upstream.on('error', () => {
			response.writeHead(502);
			response.end();
		});
		request.pipe(upstream);
	});
	await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
	const gateAddress = gate.address();
	const gatePort = typeof gateAddress === 'object' && gateAddress !== null ? gateAddress.port : 0;
	const registry = newRegistry();
	const log = memoryLog();
	const controller = new AbortController();
	const client = createImdsClient({
		fetch: runtime.createFetch(),
		baseUrl: `http://127.0.0.1:${gatePort}`,
		ipv6Fallback: false,
		tries: 1,
		log,
		metrics: registry,
		timeoutMs: 500,
	});
	const polling = startPolling([createSpotItnMonitor({ client })], {
		intervalMs: () => 200,
		onResult: () => {},
		log,
		metrics: registry,
		signal: controller.signal,
		maxBackoffMs: 500,
	});
	const probes = createProbes({
		maxPollAgeMs: 2000,
		startedAtMs: Date.now(),
		now: Date.now,
		lastSuccessfulPollMs: registry.lastSuccessfulPollMs,
	});
	probes.markReady();
	const servers = await startHttpServers({
		runtime,
		settings: {
			enableProbesServer: true,
			probesServerPort: 0,
			enablePrometheusServer: false,
			prometheusServerPort: 0,
			probesServerHost: '127.0.0.1',
		},
		probes: probes.handler,
		metrics: createMetricsHandler(registry.render),
		log,
		signal: controller.signal,
	});
	const health = async (): Promise<{ status: number; body: string }> => {
		const response = await fetch(`http://127.0.0.1:${servers.probes?.port}/healthz`);
		return { status: response.status, body: await response.text() };
	};
	try {
		await waitFor(() => registry.lastSuccessfulPollMs() !== undefined, { what: 'a successful poll through AEMM', timeoutMs: 10_000 });
		assert.equal(await health(), { status: 200, body: '{"health":"OK"}' });
		assert.is((await fetch(`http://127.0.0.1:${servers.probes?.port}/readyz`)).status, 200);

		stuck = true;
		const stuckAt = Date.now();
		const unhealthy = await waitFor(
			async () => {
				const answer = await health();
				return answer.status === 503 ? answer : undefined;
			},
			{ what: '/healthz 503 while IMDS hangs', timeoutMs: 10_000 },
		);
		assert.ok(Date.now() - stuckAt >= 1500, `turned 503 after only ${Date.now() - stuckAt} ms`);
		assert.match(unhealthy.body, /"health":"unhealthy","reason":"last successful IMDS poll was [\d.]+ s ago \(limit 2 s\)"/);

		stuck = false;
		for (const response of held) response.destroy();
		await waitFor(async () => (await health()).status === 200 || undefined, {
			what: '/healthz 200 after IMDS recovers',
			timeoutMs: 10_000,
		});
		assert.match(
			registry.render(),
			/\nevents_error_total\{event_error_where="SPOT_ITN_MONITOR",otel_scope_name="aws.node.termination.handler",otel_scope_version=""\} [1-9]\d*\n/,
		);
	} finally {
		controller.abort();
		for (const response of held) response.destroy();
		await polling;
		await servers.close();
		gate.closeAllConnections();
		await new Promise<void>((resolve) => gate.close(() => resolve()));
		await aemm.stop();
	}
});

metricsAndProbes.after(async () => {
	for (const close of closers.reverse()) await close();
	if (connected) {
		await deleteNamespace(cluster, namespace, { wait: false });
		await cluster.rbac.deleteClusterRoleBinding({ name: roleName });
		await cluster.rbac.deleteClusterRole({ name: roleName });
	}
	rmSync(workDir, { recursive: true, force: true });
});

metricsAndProbes.run();
