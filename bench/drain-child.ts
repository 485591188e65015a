// The measured side of bench/drain.ts: one drain of one node, run in its own
// process so its RSS is its own. The parent bundles this file (esbuild) and
// runs the bundle with the flags of the executable nth ships on that runtime
// (scripts/flavours.mjs), so the figures are the agent's, not ts-stripping
// Node's. Protocol: argv[2] is the JSON input; it prints one JSON line
// {"phase":"idle"} once loaded, waits for a line on stdin, drains, prints
// {"phase":"done",…}, and waits for another line before it exits (so the
// parent can read its VmHWM first).
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { drainNode } from '../src/drain/drain.ts';
import { createKubeApi } from '../src/kube/client.ts';
import { createLogger } from '../src/log/logger.ts';
import { noopMetrics } from '../src/metrics/types.ts';
import { noopRecorder } from '../src/notify/types.ts';
import { detectRuntime } from '../src/runtime/detect.ts';
import { readRealState } from '../test/real/state.ts';
import { type ChildInput, ChildInputSchema, type ChildReport, memoryOf } from './drain-protocol.ts';

function nextLine(): Promise<void> {
	return new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
}

/** Classifies a request for the report: `GET pod`, `POST eviction`, `WATCH pods`… */
function requestKind(method: string, url: URL): string {
	const parts = url.pathname.split('/').filter((part) => part !== '');
	const watching = url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true';
	const resource =
		parts.at(-1) === 'eviction'
			? 'eviction'
			: (parts.find((part) => part === 'pods' || part === 'poddisruptionbudgets' || part === 'events') ?? parts.at(-1) ?? '?');
	const named = parts.at(-2) === 'pods' || parts.at(-2) === 'poddisruptionbudgets';
	if (watching) return `WATCH ${resource}`;
	if (method === 'GET') return named ? `GET ${parts.at(-2) === 'pods' ? 'pod' : resource}` : `LIST ${resource}`;
	return `${method} ${resource}`;
}

async function child(input: ChildInput): Promise<void> {
	const state = readRealState(input.stateDir);
	const requests: Record<string, number> = {};
	const runtime = detectRuntime();
	const ca = readFileSync(state.caFile, 'utf8');
	const baseFetch = runtime.createFetch({ ca });
	const counted = async (resource: Request | URL | string, init?: RequestInit): Promise<Response> => {
		const request = resource instanceof Request ? resource : undefined;
		const url = new URL(request?.url ?? String(resource));
		const kind = requestKind(request?.method ?? init?.method ?? 'GET', url);
		requests[kind] = (requests[kind] ?? 0) + 1;
		return baseFetch(resource, init);
	};
	const log = createLogger({ level: 'warn', stdout: () => {}, stderr: (text) => void process.stderr.write(`  [${input.mode}] ${text}`) });
	const report = (value: ChildReport): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

	// Idle as the agent idles: its client has already talked to the apiserver (it reads its node at
	// start), so connection set-up is not charged to the drain. Not counted below.
	const warm = createKubeApi({
		server: state.apiserverUrl,
		fetch: baseFetch,
		authHeaders: async () => ({ authorization: `Bearer ${state.adminToken}` }),
		qps: 20,
		burst: 40,
		log,
		metrics: noopMetrics(),
		userAgent: 'nth-bench-warm-up',
	});
	await warm.getNode(input.nodeName, AbortSignal.timeout(10_000));
	await new Promise((resolve) => setTimeout(resolve, 1000));
	report({ phase: 'idle', ...memoryOf('self') });
	await nextLine();

	const started = performance.now();
	let ok = false;
	let error: string | undefined;
	let pods = 0;
	if (input.mode === 'nth') {
		const kube = createKubeApi({
			server: state.apiserverUrl,
			fetch: counted,
			authHeaders: async () => ({ authorization: `Bearer ${input.token ?? state.adminToken}` }),
			qps: 20,
			burst: 40,
			log,
			metrics: noopMetrics(),
			userAgent: 'nth-bench-drain',
		});
		const result = await drainNode(
			{ kube, log, metrics: noopMetrics(), recorder: noopRecorder() },
			{
				nodeName: input.nodeName,
				deadline: new Date(Date.now() + input.deadlineSeconds * 1000),
				podGracePeriodSeconds: -1,
				deleteLocalData: true,
				ignoreDaemonSets: true,
				evictDaemonSetPods: false,
				pdbDeadlockPolicy: 'wait',
				useApiserverCache: false,
			},
			AbortSignal.timeout((input.deadlineSeconds + 60) * 1000),
		);
		ok = result.ok;
		error = result.error;
		pods = result.total;
	} else {
		({ ok, error, pods } = await kubectlStyleDrain(
			{ apiserverUrl: state.apiserverUrl, token: input.token ?? state.adminToken },
			counted,
			input,
		));
	}
	const wallMs = performance.now() - started;
	report({ phase: 'done', ...memoryOf('self'), wallMs, ok, ...(error === undefined ? {} : { error }), pods, requests });
	// Stay until the parent has read our VmHWM.
	await nextLine();
}

const PodListSchema = v.object({
	metadata: v.object({ resourceVersion: v.optional(v.string()) }),
	items: v.array(v.object({ metadata: v.object({ name: v.string(), namespace: v.string(), uid: v.string() }) })),
});
const PodSchema = v.object({ metadata: v.object({ uid: v.string() }) });

/**
 * kubectl's drain.go evictPods(), which NTH runs: list the node's pods once,
 * then per pod, all at once: POST the eviction; on 429 wait 5 s, GET the pod
 * and try again; once accepted, GET the pod every second until 404 or a new UID.
 */
async function kubectlStyleDrain(
	state: { apiserverUrl: string; token: string },
	fetchFn: (input: string, init?: RequestInit) => Promise<Response>,
	input: ChildInput,
): Promise<{ ok: boolean; error?: string; pods: number }> {
	const headers = {
		authorization: `Bearer ${state.token}`,
		accept: 'application/json',
		'content-type': 'application/json',
		'user-agent': 'kubectl-style-bench',
	};
	const api = (path: string, init: RequestInit = {}) => fetchFn(`${state.apiserverUrl}${path}`, { ...init, headers });
	const deadline = Date.now() + input.deadlineSeconds * 1000;
	const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
	const listed = v.parse(
		PodListSchema,
		await (await api(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${input.nodeName}`)}`)).json(),
	);
	const errors: string[] = [];
	await Promise.all(
		listed.items.map(async ({ metadata: { name, namespace, uid } }) => {
			const path = `/api/v1/namespaces/${namespace}/pods/${name}`;
			for (;;) {
				if (Date.now() > deadline) return void errors.push(`${namespace}/${name}: global timeout reached`);
				const response = await api(`${path}/eviction`, {
					method: 'POST',
					body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } }),
				});
				await response.arrayBuffer();
				if (response.status === 201 || response.status === 200) break;
				if (response.status === 404) return;
				if (response.status !== 429) return void errors.push(`${namespace}/${name}: eviction answered ${response.status}`);
				await sleep(5000);
				const fresh = await api(path);
				await fresh.arrayBuffer();
			}
			for (;;) {
				const response = await api(path);
				if (response.status === 404) return void (await response.arrayBuffer());
				const pod = v.parse(PodSchema, await response.json());
				if (pod.metadata.uid !== uid) return;
				if (Date.now() > deadline) return void errors.push(`${namespace}/${name}: global timeout reached while waiting`);
				await sleep(1000);
			}
		}),
	);
	return { ok: errors.length === 0, ...(errors.length === 0 ? {} : { error: errors.slice(0, 3).join('; ') }), pods: listed.items.length };
}

await child(v.parse(ChildInputSchema, JSON.parse(process.argv[2] ?? '{}')));
process.exit(0);
