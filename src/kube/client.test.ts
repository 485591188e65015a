import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isKubeError, KubeError } from '../errors.ts';
import { silentLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import type { FetchFn } from '../runtime/types.ts';
import type { WatchEvent } from './api.ts';
import { createKubeApi, type KubeApiOptions } from './client.ts';
import type { Pod } from './schemas.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { hang, fakeFetch as sharedFakeFetch } from '../../test/support/fake-fetch.ts';

const server = 'https://apiserver.test:6443';
const userAgent = 'nth/test';

interface Seen {
	readonly method: string;
	readonly url: URL;
	readonly headers: Headers;
	readonly body: string;
}

type Answer = Response | ((seen: Seen, signal: AbortSignal) => Response | Promise<Response>);

/** The shared fake fetch answering from a queue (the last answer repeats), its requests seen as URL and Headers. */
function fakeFetch(...answers: Answer[]): { fetch: FetchFn; seen: Seen[] } {
	const seen: Seen[] = [];
	const { fetch } = sharedFakeFetch((recorded, signal) => {
		const entry: Seen = {
			method: recorded.method,
			url: new URL(recorded.url),
			headers: new Headers(recorded.headers),
			body: recorded.body,
		};
		seen.push(entry);
		const answer = answers.length > 1 ? answers.shift() : answers[0];
		if (answer === undefined) throw new Error('no answer queued');
		return typeof answer === 'function' ? answer(entry, signal) : answer.clone();
	});
	return { fetch, seen };
}

function json(status: number, body: unknown): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function status(code: number, reason: string, message: string): Response {
	return json(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
}

function api(fetch: FetchFn, overrides: Partial<KubeApiOptions> = {}) {
	return createKubeApi({
		server,
		fetch,
		authHeaders: async () => ({ authorization: 'Bearer token-1' }),
		qps: 1000,
		burst: 1000,
		log: silentLogger(),
		metrics: noopMetrics(),
		userAgent,
		...overrides,
	});
}

const signal = new AbortController().signal;

const nodeBody = {
	apiVersion: 'v1',
	kind: 'Node',
	metadata: {
		name: 'ip-10-0-0-1.ec2.internal',
		uid: 'u1',
		resourceVersion: '42',
		labels: { 'kubernetes.io/hostname': 'ip-10-0-0-1' },
		managedFields: [{ manager: 'kubelet', operation: 'Update' }],
	},
	spec: { providerID: 'aws:///us-east-1a/i-1', taints: [{ key: 'a', value: 'b', effect: 'NoSchedule' }] },
	status: { conditions: [{ type: 'Ready', status: 'True' }] },
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	try {
		await promise;
	} catch (error) {
		return error;
	}
	assert.unreachable('expected a rejection');
	return undefined;
}

// ------------------------------------------------------------------------------------------------

const requests = suite('createKubeApi() requests');

requests('gets a node with auth, user agent and accept headers, parsed and without managedFields', async () => {
	const { fetch, seen } = fakeFetch(json(200, nodeBody));
	const node = await api(fetch).getNode('ip-10-0-0-1.ec2.internal', signal);
	assert.is(seen.length, 1);
	assert.is(seen[0]?.method, 'GET');
	assert.is(seen[0]?.url.href, `${server}/api/v1/nodes/ip-10-0-0-1.ec2.internal`);
	assert.is(seen[0]?.headers.get('authorization'), 'Bearer token-1');
	assert.is(seen[0]?.headers.get('user-agent'), userAgent);
	assert.is(seen[0]?.headers.get('accept'), 'application/json');
	assert.is(node?.metadata.resourceVersion, '42');
	assert.equal(node?.spec.taints, [{ key: 'a', value: 'b', effect: 'NoSchedule' }]);
	assert.is(node?.metadata['managedFields'], undefined);
	assert.is(node?.['kind'], 'Node', 'unknown fields pass through');
});

requests('keeps a path prefix of the server URL and escapes names', async () => {
	const { fetch, seen } = fakeFetch(json(200, nodeBody));
	await api(fetch, { server: 'https://rancher.test/k8s/clusters/c-1/' }).getNode('a/b', signal);
	assert.is(seen[0]?.url.href, 'https://rancher.test/k8s/clusters/c-1/api/v1/nodes/a%2Fb');
});

requests('returns undefined for a node that is not found', async () => {
	const { fetch } = fakeFetch(status(404, 'NotFound', 'nodes "x" not found'));
	assert.is(await api(fetch).getNode('x', signal), undefined);
});

requests('maps a failed request to KubeError with status, reason and the Status message', async () => {
	const { fetch } = fakeFetch(status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget."));
	const error = await rejection(api(fetch).evictPod('ns', 'web-1', {}, signal));
	assert.ok(isKubeError(error));
	assert.instance(error, KubeError);
	if (!(error instanceof KubeError)) return;
	assert.is(error.status, 429);
	assert.is(error.reason, 'TooManyRequests');
	assert.is(error.message, 'Cannot evict pod "ns/web-1": Cannot evict pod as it would violate the pod\'s disruption budget');
});

requests('maps a non-Status error body to KubeError with its text', async () => {
	const { fetch } = fakeFetch(new Response('<html>bad gateway</html>', { status: 502 }));
	const error = await rejection(api(fetch).listNodes({}, signal));
	assert.instance(error, KubeError);
	if (!(error instanceof KubeError)) return;
	assert.is(error.status, 502);
	assert.is(error.reason, undefined);
	assert.is(error.message, 'Cannot list nodes: <html>bad gateway</html>');
});

requests('keeps the text of an error body labelled JSON that is not (a proxy page), and reads a Status sent as text/plain', async () => {
	const mislabelled = new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'application/json' } });
	const error = await rejection(api(fakeFetch(mislabelled).fetch).listNodes({}, signal));
	assert.instance(error, KubeError);
	assert.is(error instanceof Error ? error.message : '', 'Cannot list nodes: <html>bad gateway</html>');
	const plain = new Response(
		JSON.stringify({ kind: 'Status', status: 'Failure', message: 'nodes "x" is forbidden', reason: 'Forbidden', code: 403 }),
		{ status: 403, headers: { 'content-type': 'text/plain' } },
	);
	const forbidden = await rejection(api(fakeFetch(plain).fetch).getNode('x', signal));
	assert.instance(forbidden, KubeError);
	if (!(forbidden instanceof KubeError)) return;
	assert.is(forbidden.reason, 'Forbidden');
	assert.is(forbidden.message, 'Cannot get node "x": nodes "x" is forbidden');
});

requests('maps a 403 to KubeError carrying the Forbidden reason', async () => {
	const { fetch } = fakeFetch(
		status(403, 'Forbidden', 'nodes "n1" is forbidden: User "system:serviceaccount:x:y" cannot patch resource "nodes"'),
	);
	const error = await rejection(api(fetch).patchNode('n1', { type: 'merge', body: { spec: { unschedulable: true } } }, signal));
	assert.instance(error, KubeError);
	if (!(error instanceof KubeError)) return;
	assert.is(error.status, 403);
	assert.is(error.reason, 'Forbidden');
	assert.match(error.message, /^Cannot patch node "n1": nodes "n1" is forbidden/);
});

requests('tells the connection about a 401 so cached credentials are dropped', async () => {
	let told = 0;
	const { fetch } = fakeFetch(status(401, 'Unauthorized', 'Unauthorized'));
	const error = await rejection(api(fetch, { onUnauthorized: () => void (told += 1) }).listPods({}, signal));
	assert.instance(error, KubeError);
	assert.is(told, 1);
});

requests('wraps a transport failure in KubeError without a status, with the cause', async () => {
	const cause = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:6443') });
	const { fetch } = fakeFetch(() => {
		throw cause;
	});
	const error = await rejection(api(fetch).getNode('n1', signal));
	assert.instance(error, KubeError);
	if (!(error instanceof KubeError)) return;
	assert.is(error.status, undefined);
	assert.match(error.message, /^Cannot get node "n1": .*ECONNREFUSED/);
});

requests('rethrows the abort, not a KubeError, when the caller aborts', async () => {
	const controller = new AbortController();
	const { fetch } = fakeFetch((_seen, requestSignal) => {
		// Abort while the request is in flight.
		queueMicrotask(() => controller.abort());
		return hang(requestSignal);
	});
	const error = await rejection(api(fetch).getNode('n1', controller.signal));
	assert.not.ok(isKubeError(error));
	assert.is(error instanceof Error ? error.name : undefined, 'AbortError');
});

requests('rejects a response that does not match the schema', async () => {
	const { fetch } = fakeFetch(json(200, { metadata: { name: 7 } }));
	const error = await rejection(api(fetch).getNode('n1', signal));
	assert.instance(error, KubeError);
	assert.match(String(error instanceof Error ? error.message : ''), /^Cannot get node "n1": unexpected response: /);
});

requests('rejects a credential failure as KubeError naming the action', async () => {
	const { fetch, seen } = fakeFetch(json(200, nodeBody));
	const error = await rejection(
		api(fetch, { authHeaders: async () => Promise.reject(new Error('exec plugin failed')) }).getNode('n1', signal),
	);
	assert.instance(error, KubeError);
	assert.match(error instanceof Error ? error.message : '', /^Cannot get node "n1": cannot load credentials: exec plugin failed/);
	assert.is(seen.length, 0);
});

requests('sends each patch type with its content type and fieldManager=nth, status to /status', async () => {
	const { fetch, seen } = fakeFetch(json(200, nodeBody));
	const client = api(fetch);
	await client.patchNode('n1', { type: 'merge', body: { spec: { unschedulable: true } } }, signal);
	await client.patchNode('n1', { type: 'strategic', body: { status: { conditions: [] } }, subresource: 'status' }, signal);
	await client.patchNode('n1', { type: 'json', body: [{ op: 'remove', path: '/metadata/labels/a~1b' }] }, signal);
	assert.equal(
		seen.map((entry) => [entry.method, entry.url.pathname, entry.url.searchParams.get('fieldManager'), entry.headers.get('content-type')]),
		[
			['PATCH', '/api/v1/nodes/n1', 'nth', 'application/merge-patch+json'],
			['PATCH', '/api/v1/nodes/n1/status', 'nth', 'application/strategic-merge-patch+json'],
			['PATCH', '/api/v1/nodes/n1', 'nth', 'application/json-patch+json'],
		],
	);
	assert.equal(JSON.parse(seen[0]?.body ?? ''), { spec: { unschedulable: true } });
	assert.equal(JSON.parse(seen[2]?.body ?? ''), [{ op: 'remove', path: '/metadata/labels/a~1b' }]);
});

requests('posts a policy/v1 eviction with grace period, UID precondition and dry run', async () => {
	const { fetch, seen } = fakeFetch(json(201, { kind: 'Status', status: 'Success' }));
	await api(fetch).evictPod('kube-system', 'dns-1', { gracePeriodSeconds: 30, uid: 'u-9', dryRun: true }, signal);
	assert.is(seen[0]?.method, 'POST');
	assert.is(seen[0]?.url.pathname, '/api/v1/namespaces/kube-system/pods/dns-1/eviction');
	assert.equal(JSON.parse(seen[0]?.body ?? ''), {
		apiVersion: 'policy/v1',
		kind: 'Eviction',
		metadata: { name: 'dns-1', namespace: 'kube-system' },
		deleteOptions: { gracePeriodSeconds: 30, preconditions: { uid: 'u-9' }, dryRun: ['All'] },
	});
	assert.is(seen[0]?.headers.get('content-type'), 'application/json');
});

requests('deletes a pod with DeleteOptions', async () => {
	const { fetch, seen } = fakeFetch(json(200, { kind: 'Pod', metadata: { name: 'p' } }));
	await api(fetch).deletePod('ns', 'p', { gracePeriodSeconds: 0, uid: 'u' }, signal);
	assert.is(seen[0]?.method, 'DELETE');
	assert.equal(JSON.parse(seen[0]?.body ?? ''), {
		apiVersion: 'v1',
		kind: 'DeleteOptions',
		gracePeriodSeconds: 0,
		preconditions: { uid: 'u' },
	});
});

requests('answers whether a DaemonSet exists: 200 true, 404 false, 403 throws', async () => {
	const { fetch, seen } = fakeFetch(
		json(200, { kind: 'DaemonSet', metadata: { name: 'ds' } }),
		status(404, 'NotFound', 'not found'),
		status(403, 'Forbidden', 'forbidden'),
	);
	const client = api(fetch);
	assert.is(await client.daemonSetExists('ns', 'ds', signal), true);
	assert.is(await client.daemonSetExists('ns', 'ds', signal), false);
	const error = await rejection(client.daemonSetExists('ns', 'ds', signal));
	assert.is(error instanceof KubeError ? error.status : undefined, 403);
	assert.is(seen[0]?.url.pathname, '/apis/apps/v1/namespaces/ns/daemonsets/ds');
});

requests('creates an event and merge-patches it', async () => {
	const { fetch, seen } = fakeFetch(
		json(201, { kind: 'Event', metadata: { name: 'e' } }),
		json(200, { kind: 'Event', metadata: { name: 'e' } }),
	);
	const client = api(fetch);
	await client.createEvent(
		{
			name: 'n1.17a',
			namespace: 'default',
			involvedObject: { kind: 'Node', name: 'n1', apiVersion: 'v1', uid: 'n1' },
			reason: 'Cordon',
			message: 'Node successfully cordoned',
			type: 'Normal',
			annotations: { 'instance-id': 'i-1' },
			source: { component: 'aws-node-termination-handler', host: 'n1' },
			firstTimestamp: '2025-01-01T00:00:00Z',
			lastTimestamp: '2025-01-01T00:00:00Z',
			count: 1,
		},
		signal,
	);
	await client.patchEvent('default', 'n1.17a', { count: 2, lastTimestamp: '2025-01-01T00:01:00Z', message: 'again' }, signal);
	assert.is(seen[0]?.url.pathname, '/api/v1/namespaces/default/events');
	const created: unknown = JSON.parse(seen[0]?.body ?? '');
	assert.equal(created, {
		apiVersion: 'v1',
		kind: 'Event',
		metadata: { name: 'n1.17a', namespace: 'default', annotations: { 'instance-id': 'i-1' } },
		involvedObject: { kind: 'Node', name: 'n1', apiVersion: 'v1', uid: 'n1' },
		reason: 'Cordon',
		message: 'Node successfully cordoned',
		type: 'Normal',
		source: { component: 'aws-node-termination-handler', host: 'n1' },
		firstTimestamp: '2025-01-01T00:00:00Z',
		lastTimestamp: '2025-01-01T00:00:00Z',
		count: 1,
	});
	assert.is(seen[1]?.method, 'PATCH');
	assert.is(seen[1]?.url.pathname, '/api/v1/namespaces/default/events/n1.17a');
	assert.is(seen[1]?.headers.get('content-type'), 'application/merge-patch+json');
	assert.equal(JSON.parse(seen[1]?.body ?? ''), { count: 2, lastTimestamp: '2025-01-01T00:01:00Z', message: 'again' });
});

requests.run();

// ------------------------------------------------------------------------------------------------

requests('canI() posts a SelfSubjectAccessReview and reads status.allowed', async () => {
	const { fetch, seen } = fakeFetch(json(201, { status: { allowed: true } }), json(201, { status: { allowed: false, reason: 'no rule' } }));
	const client = api(fetch);
	assert.is(await client.canI({ verb: 'create', group: '', resource: 'pods', subresource: 'eviction' }, signal), true);
	assert.is(await client.canI({ verb: 'list', group: 'policy', resource: 'poddisruptionbudgets' }, signal), false);
	assert.is(seen[0]?.method, 'POST');
	assert.is(seen[0]?.url.pathname, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
	assert.equal(JSON.parse(seen[0]?.body ?? '{}').spec, {
		resourceAttributes: { verb: 'create', group: '', resource: 'pods', subresource: 'eviction' },
	});
	assert.equal(JSON.parse(seen[1]?.body ?? '{}').spec.resourceAttributes, {
		verb: 'list',
		group: 'policy',
		resource: 'poddisruptionbudgets',
	});
});

const lists = suite('createKubeApi() lists');

lists('sends selectors and resourceVersion', async () => {
	const { fetch, seen } = fakeFetch(json(200, { kind: 'PodList', metadata: { resourceVersion: '77' }, items: [] }));
	const result = await api(fetch).listPods(
		{ fieldSelector: 'spec.nodeName=n1', labelSelector: 'a in (b,c)', resourceVersion: '0' },
		signal,
	);
	assert.is(result.resourceVersion, '77');
	const query = seen[0]?.url.searchParams;
	assert.is(seen[0]?.url.pathname, '/api/v1/pods');
	assert.is(query?.get('fieldSelector'), 'spec.nodeName=n1');
	assert.is(query?.get('labelSelector'), 'a in (b,c)');
	assert.is(query?.get('resourceVersion'), '0');
});

lists('follows continue tokens until the last page and returns the last resourceVersion', async () => {
	const pod = (name: string) => ({ metadata: { name, namespace: 'ns', managedFields: [{}] }, spec: { nodeName: 'n1' } });
	const { fetch, seen } = fakeFetch(
		json(200, { metadata: { resourceVersion: '10', continue: 'tok-1' }, items: [pod('a'), pod('b')] }),
		json(200, { metadata: { resourceVersion: '10', continue: '' }, items: [pod('c')] }),
	);
	const result = await api(fetch).listPods({ namespace: 'ns' }, signal);
	assert.equal(
		result.items.map((item) => item.metadata.name),
		['a', 'b', 'c'],
	);
	assert.is(result.items[0]?.metadata['managedFields'], undefined);
	assert.is(result.resourceVersion, '10');
	assert.is(seen.length, 2);
	assert.is(seen[0]?.url.pathname, '/api/v1/namespaces/ns/pods');
	assert.is(seen[0]?.url.searchParams.get('limit'), '500');
	assert.is(seen[0]?.url.searchParams.get('continue'), null);
	assert.is(seen[1]?.url.searchParams.get('continue'), 'tok-1');
});

lists('returns one page with its token when the caller pages', async () => {
	const { fetch, seen } = fakeFetch(json(200, { metadata: { resourceVersion: '5', continue: 'next' }, items: [nodeBody] }));
	const result = await api(fetch).listNodes({ limit: 1 }, signal);
	assert.is(result.continue, 'next');
	assert.is(result.items.length, 1);
	assert.is(seen.length, 1);
	assert.is(seen[0]?.url.searchParams.get('limit'), '1');
});

lists('lists PodDisruptionBudgets from policy/v1 with defaults for missing status', async () => {
	const { fetch, seen } = fakeFetch(
		json(200, {
			metadata: { resourceVersion: '3' },
			items: [{ metadata: { name: 'pdb', namespace: 'ns' }, spec: { selector: { matchLabels: { app: 'web' } } } }],
		}),
	);
	const result = await api(fetch).listPodDisruptionBudgets({}, signal);
	assert.is(seen[0]?.url.pathname, '/apis/policy/v1/poddisruptionbudgets');
	assert.is(result.items[0]?.status.disruptionsAllowed, 0);
	assert.equal(result.items[0]?.spec.selector?.matchLabels, { app: 'web' });
});

lists.run();

// ------------------------------------------------------------------------------------------------

const watches = suite('createKubeApi() watches');

/** A streamed response whose chunks the test pushes; it errors when the request aborts. */
function streamed(signal: AbortSignal): { response: Response; push: (text: string) => void; end: () => void } {
	let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
	const body = new ReadableStream<Uint8Array>({
		start(c) {
			controller = c;
		},
	});
	signal.addEventListener('abort', () => {
		try {
			controller?.error(signal.reason);
		} catch {
			// Already closed: nothing to tear down.
		}
	});
	const encoder = new TextEncoder();
	return {
		response: new Response(body, { status: 200 }),
		push: (text) => controller?.enqueue(encoder.encode(text)),
		end: () => controller?.close(),
	};
}

function podEvent(type: string, name: string, rv: string): string {
	return JSON.stringify({
		type,
		object: {
			kind: 'Pod',
			apiVersion: 'v1',
			metadata: { name, namespace: 'ns', resourceVersion: rv, managedFields: [{}] },
			spec: { nodeName: 'n1' },
		},
	});
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
	const out: T[] = [];
	for await (const item of iterable) out.push(item);
	return out;
}

watches('asks for a watch with bookmarks from the resourceVersion and yields events split across chunks', async () => {
	const added = podEvent('ADDED', 'a', '11');
	const modified = podEvent('MODIFIED', 'a', '12');
	const bookmark = JSON.stringify({
		type: 'BOOKMARK',
		object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '13', annotations: { 'k8s.io/initial-events-end': 'true' } } },
	});
	const deleted = podEvent('DELETED', 'a', '14');
	const { fetch, seen } = fakeFetch((_seen, requestSignal) => {
		const stream = streamed(requestSignal);
		// One event split over three chunks, two events in one chunk, a chunk break inside a multi-byte character's line, no final newline.
		stream.push(added.slice(0, 10));
		stream.push(added.slice(10, 25));
		stream.push(`${added.slice(25)}\n${modified}\n`);
		stream.push(`${bookmark}\n${deleted}`);
		stream.end();
		return stream.response;
	});
	const events: WatchEvent<Pod>[] = await collect(
		api(fetch).watchPods({ resourceVersion: '10', fieldSelector: 'spec.nodeName=n1', timeoutSeconds: 300 }, signal),
	);
	assert.equal(
		events.map((event) => [event.type, event.object.metadata.resourceVersion]),
		[
			['ADDED', '11'],
			['MODIFIED', '12'],
			['BOOKMARK', '13'],
			['DELETED', '14'],
		],
	);
	assert.is(events[0]?.object.metadata['managedFields'], undefined);
	const query = seen[0]?.url.searchParams;
	assert.is(query?.get('watch'), '1');
	assert.is(query?.get('resourceVersion'), '10');
	assert.is(query?.get('allowWatchBookmarks'), 'true');
	assert.is(query?.get('fieldSelector'), 'spec.nodeName=n1');
	assert.is(query?.get('timeoutSeconds'), '300');
});

watches('decodes a multi-byte character split between chunks', async () => {
	const line = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'p', namespace: 'ns', labels: { note: 'größe' } } } });
	const bytes = new TextEncoder().encode(`${line}\n`);
	const split = bytes.indexOf(0xc3) + 1; // inside "ö"
	const { fetch } = fakeFetch(
		() =>
			new Response(
				new ReadableStream<Uint8Array>({
					start(controller) {
						controller.enqueue(bytes.slice(0, split));
						controller.enqueue(bytes.slice(split));
						controller.close();
					},
				}),
			),
	);
	const events = await collect(api(fetch).watchPods({ resourceVersion: '1' }, signal));
	assert.is(events[0]?.object.metadata.labels?.['note'], 'größe');
});

watches('throws KubeError 410 on an ERROR event with code 410 (Gone)', async () => {
	const gone = JSON.stringify({
		type: 'ERROR',
		object: {
			kind: 'Status',
			apiVersion: 'v1',
			status: 'Failure',
			message: 'too old resource version: 10 (500)',
			reason: 'Expired',
			code: 410,
		},
	});
	const { fetch } = fakeFetch(() => new Response(`${podEvent('ADDED', 'a', '11')}\n${gone}\n`));
	const seenEvents: string[] = [];
	const error = await rejection(
		(async () => {
			for await (const event of api(fetch).watchPods({ resourceVersion: '10' }, signal)) seenEvents.push(event.type);
		})(),
	);
	assert.equal(seenEvents, ['ADDED']);
	assert.instance(error, KubeError);
	if (!(error instanceof KubeError)) return;
	assert.is(error.status, 410);
	assert.is(error.reason, 'Expired');
	assert.is(error.message, 'Cannot watch pods: too old resource version: 10 (500)');
});

watches('throws KubeError 410 when the watch request itself answers 410', async () => {
	const { fetch } = fakeFetch(status(410, 'Gone', 'too old'));
	const error = await rejection(collect(api(fetch).watchPodDisruptionBudgets({ resourceVersion: '1' }, signal)));
	assert.is(error instanceof KubeError ? error.status : undefined, 410);
});

watches('ends cleanly when the signal aborts mid-stream', async () => {
	const controller = new AbortController();
	let seenSignal: AbortSignal | undefined;
	const { fetch } = fakeFetch((_seen, requestSignal) => {
		seenSignal = requestSignal;
		const stream = streamed(requestSignal);
		stream.push(`${podEvent('ADDED', 'a', '2')}\n`);
		return stream.response;
	});
	const events: string[] = [];
	for await (const event of api(fetch).watchPods({ resourceVersion: '1' }, controller.signal)) {
		events.push(event.object.metadata.name);
		controller.abort();
	}
	assert.equal(events, ['a']);
	assert.ok(seenSignal?.aborted, 'the request was torn down');
});

watches('tears the request down when the consumer stops early', async () => {
	let seenSignal: AbortSignal | undefined;
	const { fetch } = fakeFetch((_seen, requestSignal) => {
		seenSignal = requestSignal;
		const stream = streamed(requestSignal);
		stream.push(`${podEvent('ADDED', 'a', '2')}\n${podEvent('ADDED', 'b', '3')}\n`);
		return stream.response;
	});
	for await (const event of api(fetch).watchPods({ resourceVersion: '1' }, signal)) {
		assert.is(event.object.metadata.name, 'a');
		break;
	}
	assert.ok(seenSignal?.aborted);
});

watches('does not take rate-limiter tokens', async () => {
	const clock = fakeClock();
	const { fetch } = fakeFetch(() => new Response(''));
	const client = api(fetch, { qps: 1, burst: 1, now: clock.monotonic, sleep: clock.sleep });
	await clock.run(collect(client.watchPods({ resourceVersion: '1' }, signal)));
	await clock.run(collect(client.watchPods({ resourceVersion: '1' }, signal)));
	assert.equal(clock.sleeps, []);
});

watches.run();

// ------------------------------------------------------------------------------------------------

const limits = suite('createKubeApi() rate limit');

limits('spaces requests beyond the burst at the QPS', async () => {
	const clock = fakeClock();
	const { fetch, seen } = fakeFetch(json(200, nodeBody));
	const client = api(fetch, { qps: 5, burst: 2, now: clock.monotonic, sleep: clock.sleep });
	for (let i = 0; i < 4; i += 1) await clock.run(client.getNode('n1', signal));
	assert.is(seen.length, 4);
	assert.equal(clock.sleeps.map(Math.round), [200, 200]);
	assert.is(clock.monotonic(), 400, 'the last request went out 400 ms after the first');
});

limits.run();
