/**
 * @module Fixtures of the process/cluster fault tests (test/e2e/faults-process-*.test.ts,
 * soak.test.ts): a drain paced by a PodDisruptionBudget so a fault lands mid-drain for sure,
 * the spot-notice set-up around it (webhook receiver, AEMM, probes, the agent's settings), the
 * webhook body those tests parse and the one-start-one-outcome check, the agent's liveness
 * probe, and a webhook receiver that fails on purpose.
 *
 * Test code only (Node). Needs NTH_REAL_STATE.
 */
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { sleep } from '../../src/clock.ts';
import type { AgentProcess } from '../e2e/agent-process.ts';
import {
	agentEnv,
	appPods,
	livePodsOnNode,
	type Scenario,
	type ScenarioKit,
	startWebhookReceiver,
	uidsOf,
	type WebhookReceiver,
} from '../e2e/scenarios-kit.ts';
import { freePort } from '../real/free-port.ts';
import { createDeployment, createNode, createPdb, deleteNode, waitFor } from '../real/harness.ts';
import { statusOfUrl } from './fault-kit.ts';

/** Webhook template whose body the tests parse: the kind, the outcome ("" for the start message) and its details. */
export const webhookTemplate =
	'{"kind":{{ .Kind | toJson }},"event":{{ .EventID | toJson }},"outcome":{{ .Outcome | toJson }},"details":{{ .Details | toJson }}}';
export const WebhookBodySchema = v.object({ kind: v.string(), event: v.string(), outcome: v.string(), details: v.string() });
export type WebhookBody = v.InferOutput<typeof WebhookBodySchema>;

export function parseBody(body: string): WebhookBody {
	return v.parse(WebhookBodySchema, JSON.parse(body));
}

/** "12 of 20 pods evicted" (or "evicted=12 total=20") → { evicted, total }; undefined when the details carry no counts. */
export function outcomeCounts(details: string): { evicted: number; total: number } | undefined {
	const match = /(\d+) of (\d+) pods? evicted/.exec(details) ?? /evicted=(\d+)\D+total=(\d+)/.exec(details);
	return match === null ? undefined : { evicted: Number(match[1]), total: Number(match[2]) };
}

export interface PacedDrain {
	readonly sc: Scenario;
	/** The uids of the pods on the node before the drain. */
	readonly original: readonly string[];
	/** Adds a spare node to the pool: from then on the drain proceeds one pod at a time. Resolves with when it did. */
	openRoom(): Promise<number>;
}

/**
 * A scenario whose `replicas` pods run on its node, pinned to a node pool and
 * guarded by a maxUnavailable-1 PDB. The drain evicts one pod, then is held by
 * the budget (the replacement has nowhere to run) with no eviction request in
 * flight, until `openRoom()` adds a spare node to the pool; then each eviction
 * waits until the previous pod's replacement runs Ready on the spare.
 *
 * Faults are injected while it is held: an eviction cut off mid-request (client
 * or apiserver killed between the PDB update and the pod delete) leaves the pod
 * in the PDB's `disruptedPods` for 2 minutes (the disruption controller's
 * DeletionTimeout), which would make the test's timing the apiserver's, not the agent's.
 */
export async function pacedDrain(
	kit: ScenarioKit,
	label: string,
	options: { readonly replicas: number; readonly deleteDelay?: string },
): Promise<PacedDrain> {
	const pool = `pool-${label}-${Date.now().toString(36)}`;
	const sc = await kit.scenario(label, { replicas: 0, node: { labels: { 'realtest.nth.dev/pool': pool } } });
	await createDeployment(kit.cluster, sc.namespace, sc.app, {
		replicas: options.replicas,
		labels: { app: sc.app },
		nodeSelector: { 'realtest.nth.dev/pool': pool },
		...(options.deleteDelay === undefined ? {} : { deleteDelay: options.deleteDelay }),
	});
	const pdb = await createPdb(kit.cluster, sc.namespace, sc.app, { selector: { app: sc.app }, maxUnavailable: 1 });
	if (pdb.status?.disruptionsAllowed !== 1)
		throw new Error(`Cannot pace the drain: the PDB allows ${String(pdb.status?.disruptionsAllowed)} disruptions, not 1`);
	const original = uidsOf(await livePodsOnNode(kit.cluster, sc));
	if (original.length !== options.replicas)
		throw new Error(`Cannot pace the drain: ${original.length} pods on the node, not ${options.replicas}`);
	const spare = `spare-${sc.node}`;
	return {
		sc,
		original,
		openRoom: async () => {
			kit.cleanup.add(() => deleteNode(kit.cluster, spare));
			await createNode(kit.cluster, spare, { labels: { 'realtest.nth.dev/pool': pool } });
			return Date.now();
		},
	};
}

export interface PacedSpotDrain extends PacedDrain {
	readonly receiver: WebhookReceiver;
	readonly probe: { readonly env: Record<string, string>; readonly healthz: string };
	/** The agent's settings: the scenario's node behind AEMM's spot terminate notice, the webhook (start and outcome messages) and the probes server. */
	readonly env: Record<string, string>;
}

/**
 * A {@link pacedDrain} with what every process fault test around it needs: a webhook receiver
 * (closed at cleanup), AEMM answering a spot terminate notice, the probes server on a free port,
 * and the agent's settings for them plus `settings`.
 */
export async function pacedSpotDrain(
	kit: ScenarioKit,
	label: string,
	options: { readonly replicas: number; readonly deleteDelay?: string; readonly settings?: Readonly<Record<string, string>> },
): Promise<PacedSpotDrain> {
	const kubeconfig = await kit.kubeconfig();
	const paced = await pacedDrain(kit, label, options);
	const receiver = await startWebhookReceiver();
	kit.cleanup.add(() => receiver.close());
	const aemm = await kit.aemm(['spot', '-a', 'terminate']);
	const probe = await probes();
	const env = agentEnv(paced.sc, kubeconfig, aemm, {
		ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
		WEBHOOK_URL: receiver.url,
		WEBHOOK_TEMPLATE: webhookTemplate,
		...probe.env,
		...options.settings,
	});
	return { ...paced, receiver, probe, env };
}

/**
 * Waits for the outcome message, gives a duplicate 3 s to arrive, and checks that the receiver
 * got exactly one start and one "drained" outcome counting all `replicas` pods. `why` says what
 * the test adds to that (e.g. that a second process did not send the start again).
 */
export async function assertOneStartOneOutcome(receiver: WebhookReceiver, replicas: number, why = ''): Promise<void> {
	await waitFor(() => receiver.messages.length >= 2, {
		timeoutMs: 30_000,
		what: `the outcome message (${receiver.messages.length} so far)`,
	});
	await sleep(3000);
	const bodies = receiver.messages.map((message) => parseBody(message.body));
	assert.equal(
		bodies.map((body) => body.outcome),
		['', 'drained'],
		`one start, one outcome${why === '' ? '' : ` (${why})`}:\n${receiver.messages.map((m) => m.body).join('\n')}`,
	);
	assert.equal(
		outcomeCounts(bodies[1]?.details ?? ''),
		{ evicted: replicas, total: replicas },
		`the outcome counts the whole drain: "${bodies[1]?.details}"`,
	);
}

/** Waits until the drain is held: `count` pods evicted and the PDB allows no more disruptions. */
export async function waitForHeld(
	kit: ScenarioKit,
	sc: Scenario,
	original: readonly string[],
	count = 1,
	timeoutMs = 30_000,
): Promise<void> {
	await waitFor(
		async () => {
			if ((await evictedCount(kit, sc, original)) < count) return false;
			const pdb = await kit.cluster.policy.readNamespacedPodDisruptionBudget({ namespace: sc.namespace, name: sc.app });
			return pdb.status?.disruptionsAllowed === 0;
		},
		{ timeoutMs, intervalMs: 100, what: `the drain held by the PDB after ${count} eviction(s)` },
	);
}

/** How many of `original` are evicted: terminating or gone. */
export async function evictedCount(kit: ScenarioKit, sc: Scenario, original: readonly string[]): Promise<number> {
	const pods = await appPods(kit.cluster, sc);
	const live = new Set(pods.filter((pod) => pod.metadata?.deletionTimestamp === undefined).map((pod) => pod.metadata?.uid ?? ''));
	return original.filter((uid) => !live.has(uid)).length;
}

/** Waits until at least `count` of `original` are evicted. */
export async function waitForEvictions(
	kit: ScenarioKit,
	sc: Scenario,
	original: readonly string[],
	count: number,
	timeoutMs = 30_000,
): Promise<number> {
	return waitFor(
		async () => {
			const evicted = await evictedCount(kit, sc, original);
			return evicted >= count ? evicted : undefined;
		},
		{ timeoutMs, intervalMs: 100, what: `${count} of ${original.length} pods evicted` },
	);
}

/** Probe settings for the agent (a free port on 127.0.0.1) and the URL of its /healthz. */
export async function probes(): Promise<{ env: Record<string, string>; healthz: string }> {
	const port = await freePort();
	return {
		env: { ENABLE_PROBES_SERVER: 'true', PROBES_SERVER_PORT: String(port), PROBES_SERVER_HOST: '127.0.0.1' },
		healthz: `http://127.0.0.1:${port}/healthz`,
	};
}

/** The status of /healthz, or 0 when it does not answer within 2 s. */
export function healthStatus(healthz: string): Promise<number> {
	return statusOfUrl(healthz);
}

/** The agent process is alive and started exactly once (no crash loop: it never exited, never re-initialised). */
export function assertAlive(agent: AgentProcess): string | undefined {
	const exit = agent.exit();
	if (exit !== undefined) return `the agent exited (code ${String(exit.code)}, signal ${String(exit.signal)})`;
	const starts = agent.matching('has started successfully').length;
	return starts === 1 ? undefined : `the agent logged its start ${starts} times`;
}

/** One request a {@link FaultyReceiver} saw, with the status it answered (0: none, the client gave up first). */
export interface ReceivedAttempt {
	readonly atMs: number;
	readonly body: string;
	status: number;
}

/** What the receiver does with a request: answer `status` after `delayMs`. */
export type ReceiverBehaviour = (attempt: ReceivedAttempt) => { readonly status: number; readonly delayMs?: number };

export interface FaultyReceiver {
	readonly url: string;
	readonly port: number;
	readonly attempts: ReceivedAttempt[];
	/** Bodies answered 2xx, in order. */
	delivered(): string[];
	close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 (`port`, default a free one) that answers as `behaviour` says and records every attempt. */
export async function startFaultyReceiver(behaviour: ReceiverBehaviour, port = 0): Promise<FaultyReceiver> {
	const { createServer } = await import('node:http');
	const attempts: ReceivedAttempt[] = [];
	const timers = new Set<NodeJS.Timeout>();
	const server = createServer((request, response) => {
		let body = '';
		request.setEncoding('utf8');
		request.on('data', (chunk: string) => {
			body += chunk;
		});
		request.on('end', () => {
			const attempt: ReceivedAttempt = { atMs: Date.now(), body, status: 0 };
			attempts.push(attempt);
			const { status, delayMs = 0 } = behaviour(attempt);
			const timer = setTimeout(() => {
				timers.delete(timer);
				if (response.destroyed) return;
				attempt.status = status;
				response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'fault injected');
			}, delayMs);
			timers.add(timer);
		});
	});
	await new Promise<void>((resolveListen, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolveListen());
	});
	const address = server.address();
	const bound = typeof address === 'object' && address !== null ? address.port : 0;
	return {
		url: `http://127.0.0.1:${bound}/hook`,
		port: bound,
		attempts,
		delivered: () => attempts.filter((attempt) => attempt.status >= 200 && attempt.status < 300).map((attempt) => attempt.body),
		close: () =>
			new Promise<void>((resolveClose) => {
				for (const timer of timers) clearTimeout(timer);
				server.closeAllConnections();
				server.close(() => resolveClose());
			}),
	};
}
