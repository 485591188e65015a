/**
 * @module Shared fixtures of the end-to-end scenario files (test/e2e/scenarios-*.test.ts):
 * the agent's RBAC from manifests/ (optionally with its kustomize components) and a
 * token kubeconfig for it, a scenario (unique namespace + kwok node + pinned
 * Deployment), the agent's environment, and readers of the node/pod/event state
 * through the API.
 *
 * Test code only (Node). Needs NTH_REAL_STATE (scripts/test.mjs sets it).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { dumpYaml, loadAllYaml, type CoreV1Event, type V1Node, type V1Pod, type V1Taint } from '@kubernetes/client-node';
import * as v from 'valibot';
import { type IncidentState, IncidentStateSchema, incidentAnnotation } from '../../src/incidents/state.ts';
import { type Aemm, type AemmOptions, startAemm } from '../real/aemm.ts';
import {
	apiRequest,
	applyManifests,
	createDeployment,
	createNamespace,
	connect,
	createNode,
	createServiceAccountToken,
	deleteNamespace,
	deleteNode,
	kubeconfigForToken,
	type NodeOptions,
	type RealCluster,
	waitFor,
} from '../real/harness.ts';
import { type AgentProcess, startAgent } from './agent-process.ts';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..');

/** The kustomize components of manifests/ a scenario may add to the base RBAC. */
export type RbacComponent = 'events' | 'pdb-delete';

/** The agent's ServiceAccount (manifests/base/serviceaccount.yaml). */
export const agentServiceAccount = { namespace: 'kube-system', name: 'nth' } as const;

/**
 * Applies the ServiceAccount, ClusterRole and ClusterRoleBinding of manifests/
 * (base plus `components`, built with `kubectl kustomize`; the DaemonSet is left
 * out: the agent runs here as a process), mints a token for the ServiceAccount
 * and waits until the apiserver's authorizer grants exactly what the variant
 * adds. Returns the path of a kubeconfig for that token.
 *
 * Re-applying replaces the ClusterRole's rules (a list applied whole), so a
 * file that switches variants gets the rules of the last call.
 */
export async function agentKubeconfig(cluster: RealCluster, components: readonly RbacComponent[] = []): Promise<string> {
	const dir = mkdtempSync(join(tmpdir(), 'nth-e2e-rbac-'));
	try {
		const manifests = relative(dir, join(repoRoot, 'manifests'));
		const kustomization = [
			'apiVersion: kustomize.config.k8s.io/v1beta1',
			'kind: Kustomization',
			'resources:',
			`  - ${manifests}/base`,
			...(components.length === 0 ? [] : ['components:', ...components.map((component) => `  - ${manifests}/components/${component}`)]),
			'',
		].join('\n');
		writeFileSync(join(dir, 'kustomization.yaml'), kustomization);
		const { stdout } = await run('kubectl', ['kustomize', dir], { timeout: 60_000 });
		const documents = loadAllYaml(stdout).filter((document) =>
			v.is(v.object({ kind: v.picklist(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']) }), document),
		);
		if (documents.length !== 3)
			throw new Error(`Cannot build the agent RBAC from manifests/: expected 3 documents, got ${documents.length}`);
		const file = join(dir, 'rbac.yaml');
		writeFileSync(file, documents.map((document) => dumpYaml(document)).join('---\n'));
		await applyManifests(cluster, [file]);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	const token = await createServiceAccountToken(cluster, agentServiceAccount.namespace, agentServiceAccount.name);
	const expect = [
		{ verb: 'patch', resource: 'nodes', allowed: true },
		{ verb: 'create', resource: 'events', allowed: components.includes('events') },
		{ verb: 'delete', resource: 'pods', allowed: components.includes('pdb-delete') },
	];
	await waitFor(
		async () => {
			for (const check of expect) if ((await canI(cluster, token, check.verb, check.resource)) !== check.allowed) return false;
			return true;
		},
		{ timeoutMs: 15_000, what: `the agent RBAC (${components.join('+') || 'base'}) to take effect` },
	);
	return kubeconfigForToken(cluster, token, `nth-agent-${components.join('-') || 'base'}-${randomBytes(3).toString('hex')}`);
}

const AccessReviewSchema = v.object({ status: v.object({ allowed: v.boolean() }) });

/** SelfSubjectAccessReview for `token`: may it `verb` `resource` (core group, all namespaces)? */
export async function canI(cluster: RealCluster, token: string, verb: string, resource: string): Promise<boolean> {
	const response = await apiRequest(cluster, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
		token,
		body: {
			apiVersion: 'authorization.k8s.io/v1',
			kind: 'SelfSubjectAccessReview',
			spec: { resourceAttributes: { verb, resource, group: '' } },
		},
	});
	return v.parse(AccessReviewSchema, response.body).status.allowed;
}

export interface Scenario {
	readonly namespace: string;
	/** The Node object (and NODE_NAME): unique per scenario. */
	readonly node: string;
	/** Label `app` of the scenario's Deployment pods. */
	readonly app: string;
}

export interface ScenarioOptions {
	/** Replicas of the pinned Deployment "web" (0: no Deployment). @default 3 */
	readonly replicas?: number;
	readonly node?: NodeOptions;
	/** Pod deletion delay of the Deployment's pods (kwok annotation), e.g. "3s". */
	readonly deleteDelay?: string;
	readonly terminationGracePeriodSeconds?: number;
}

/** Creates a unique namespace, a kwok node named like an EC2 host, and a Deployment pinned to it by `kubernetes.io/hostname`. */
export async function createScenario(cluster: RealCluster, label: string, options: ScenarioOptions = {}): Promise<Scenario> {
	const id = randomBytes(3).toString('hex');
	const node = `ip-10-${parseInt(id.slice(0, 2), 16)}-${parseInt(id.slice(2, 4), 16)}-${parseInt(id.slice(4, 6), 16)}.${label}.ec2.internal`;
	const namespace = await createNamespace(cluster, `sc-${label}`);
	await createNode(cluster, node, options.node);
	const app = 'web';
	const replicas = options.replicas ?? 3;
	if (replicas > 0) {
		await createDeployment(cluster, namespace, app, {
			replicas,
			labels: { app },
			nodeSelector: { 'kubernetes.io/hostname': node },
			...(options.deleteDelay === undefined ? {} : { deleteDelay: options.deleteDelay }),
			...(options.terminationGracePeriodSeconds === undefined
				? {}
				: { terminationGracePeriodSeconds: options.terminationGracePeriodSeconds }),
		});
	}
	return { namespace, node, app };
}

/** Deletes the scenario's namespace (pods force-deleted) and node. */
export async function deleteScenario(cluster: RealCluster, scenario: Scenario | undefined): Promise<void> {
	if (scenario === undefined) return;
	await deleteNamespace(cluster, scenario.namespace);
	await deleteNode(cluster, scenario.node);
}

/** The settings every scenario's agent gets; `settings` add to or override them. */
export function agentEnv(
	scenario: Scenario,
	kubeconfig: string,
	aemm: Aemm | string,
	settings: Readonly<Record<string, string>> = {},
): Record<string, string> {
	return {
		NODE_NAME: scenario.node,
		KUBECONFIG: kubeconfig,
		INSTANCE_METADATA_URL: typeof aemm === 'string' ? aemm : aemm.url,
		// The IPv6 endpoint does not exist here: no fallback attempts against fd00:ec2::254.
		INSTANCE_METADATA_IPV6_FALLBACK: 'false',
		// A drain the test interrupts with SIGTERM stops quickly.
		SHUTDOWN_GRACE_PERIOD: '2',
		...settings,
	};
}

/** Starts the agent and waits for its start-up line. */
export async function startScenarioAgent(env: Readonly<Record<string, string>>, label: string): Promise<AgentProcess> {
	const agent = startAgent(env, { label });
	await agent.waitForLine('has started successfully', { timeoutMs: 30_000 });
	return agent;
}

/** What the API says about the node. */
export interface NodeState {
	readonly node: V1Node;
	readonly unschedulable: boolean;
	readonly taints: readonly V1Taint[];
	readonly labels: Readonly<Record<string, string>>;
	readonly condition: { readonly status: string; readonly reason: string | undefined; readonly message: string | undefined } | undefined;
	/** The parsed `aws-node-termination-handler/incident` annotation, if any. */
	readonly incident: IncidentState | undefined;
}

export async function readNodeState(cluster: RealCluster, name: string): Promise<NodeState> {
	const node = await cluster.core.readNode({ name });
	const raw = node.metadata?.annotations?.[incidentAnnotation];
	const condition = node.status?.conditions?.find((c) => c.type === 'TerminationHandling');
	return {
		node,
		unschedulable: node.spec?.unschedulable === true,
		taints: node.spec?.taints ?? [],
		labels: node.metadata?.labels ?? {},
		condition: condition === undefined ? undefined : { status: condition.status, reason: condition.reason, message: condition.message },
		incident: raw === undefined ? undefined : v.parse(IncidentStateSchema, JSON.parse(raw)),
	};
}

/** Waits until `check` holds for the node's state; the timeout message shows the last state. */
export async function waitForNode(
	cluster: RealCluster,
	name: string,
	what: string,
	check: (state: NodeState) => boolean,
	timeoutMs = 30_000,
): Promise<NodeState> {
	let last: NodeState | undefined;
	try {
		return await waitFor(
			async () => {
				last = await readNodeState(cluster, name);
				return check(last) ? last : undefined;
			},
			{ timeoutMs, intervalMs: 200, what: `node "${name}" ${what}` },
		);
	} catch (error) {
		throw new Error(`${error instanceof Error ? error.message : String(error)}\nlast node state: ${describeNode(last)}`, { cause: error });
	}
}

/** A short description of the node state for failure messages. */
export function describeNode(state: NodeState | undefined): string {
	if (state === undefined) return '(never read)';
	return JSON.stringify({
		unschedulable: state.unschedulable,
		taints: state.taints.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`),
		labels: Object.fromEntries(
			Object.entries(state.labels).filter(([key]) => key.includes('aws-node-termination-handler') || key.includes('exclude')),
		),
		condition: state.condition,
		incident:
			state.incident === undefined
				? undefined
				: {
						phase: state.incident.phase,
						kind: state.incident.kind,
						action: state.incident.action,
						attempts: state.incident.attempts,
						notified: state.incident.notified,
						message: state.incident.message,
					},
	});
}

/** The record and the condition both show `phase` (they are two writes: a read in between sees one of them). */
export function inPhase(state: NodeState, phase: IncidentState['phase']): boolean {
	return state.incident?.phase === phase && state.condition?.reason === phase;
}

export function taintOf(state: NodeState, key: string): V1Taint | undefined {
	return state.taints.find((taint) => taint.key === key);
}

/** The pods of the scenario's Deployment (by label), with their node. */
export async function appPods(cluster: RealCluster, scenario: Scenario): Promise<V1Pod[]> {
	const list = await cluster.core.listNamespacedPod({ namespace: scenario.namespace, labelSelector: `app=${scenario.app}` });
	return list.items;
}

/**
 * The scenario's pods bound to its node and not terminating (only its namespace:
 * a DaemonSet another e2e file left behind must not count).
 */
export async function livePodsOnNode(cluster: RealCluster, scenario: Scenario): Promise<V1Pod[]> {
	const list = await cluster.core.listNamespacedPod({ namespace: scenario.namespace, fieldSelector: `spec.nodeName=${scenario.node}` });
	return list.items.filter((pod) => pod.metadata?.deletionTimestamp === undefined);
}

/** Waits until `replicas` pods of the Deployment run Ready on the node again ("pods back"). */
export async function waitForPodsBack(cluster: RealCluster, scenario: Scenario, replicas: number, timeoutMs = 45_000): Promise<V1Pod[]> {
	return waitFor(
		async () => {
			const pods = (await appPods(cluster, scenario)).filter((pod) => pod.metadata?.deletionTimestamp === undefined);
			const running = pods.filter(
				(pod) =>
					pod.spec?.nodeName === scenario.node &&
					pod.status?.phase === 'Running' &&
					(pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
			);
			return running.length === replicas ? running : undefined;
		},
		{ timeoutMs, what: `${replicas} "${scenario.app}" pods Running on ${scenario.node} again` },
	);
}

/**
 * Waits until none of `originalUids` exists any more and the Deployment's
 * replacements are Pending unscheduled (the node is cordoned and they are
 * pinned to it): the workload was evicted and cannot come back yet.
 */
export async function waitForEvicted(
	cluster: RealCluster,
	scenario: Scenario,
	originalUids: readonly string[],
	timeoutMs = 45_000,
): Promise<V1Pod[]> {
	let last: V1Pod[] = [];
	try {
		return await waitFor(
			async () => {
				last = await appPods(cluster, scenario);
				const survivors = last.filter((pod) => originalUids.includes(pod.metadata?.uid ?? ''));
				if (survivors.length > 0) return undefined;
				return last.every((pod) => pod.spec?.nodeName === undefined && pod.status?.phase === 'Pending') ? last : undefined;
			},
			{ timeoutMs, what: `the "${scenario.app}" pods evicted from ${scenario.node}` },
		);
	} catch (error) {
		const pods = last.map(
			(pod) =>
				`${pod.metadata?.name} uid=${pod.metadata?.uid} node=${pod.spec?.nodeName} phase=${pod.status?.phase} deleting=${pod.metadata?.deletionTimestamp !== undefined}`,
		);
		throw new Error(`${error instanceof Error ? error.message : String(error)}\npods: ${pods.join('; ')}`, { cause: error });
	}
}

export function uidsOf(pods: readonly V1Pod[]): string[] {
	return pods.map((pod) => pod.metadata?.uid ?? '').filter((uid) => uid !== '');
}

/** Events recorded for the node (they live in namespace default, as client-go puts them for cluster-scoped objects). */
export async function nodeEvents(cluster: RealCluster, node: string): Promise<CoreV1Event[]> {
	const list = await cluster.core.listNamespacedEvent({
		namespace: 'default',
		fieldSelector: `involvedObject.kind=Node,involvedObject.name=${node}`,
	});
	return list.items;
}

/** Events recorded for pods in a namespace. */
export async function podEvents(cluster: RealCluster, namespace: string): Promise<CoreV1Event[]> {
	const list = await cluster.core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.kind=Pod' });
	return list.items;
}

export interface WebhookMessage {
	readonly atMs: number;
	readonly body: string;
	readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface WebhookReceiver {
	readonly url: string;
	/** Every POST so far, in arrival order. */
	readonly messages: WebhookMessage[];
	close(): Promise<void>;
}

/** A local webhook receiver on 127.0.0.1 that answers 200 to every POST and keeps the bodies. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
	const messages: WebhookMessage[] = [];
	const server = createServer((request, response) => {
		let body = '';
		request.setEncoding('utf8');
		request.on('data', (chunk: string) => {
			body += chunk;
		});
		request.on('end', () => {
			if (request.method === 'POST') messages.push({ atMs: Date.now(), body, headers: request.headers });
			response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
		});
	});
	await new Promise<void>((resolveListen, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolveListen());
	});
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}/hook`,
		messages,
		close: () =>
			new Promise<void>((resolveClose) => {
				server.closeAllConnections();
				server.close(() => resolveClose());
			}),
	};
}

/** Stops whatever the scenario started, in reverse order, never throwing (cleanup must finish). */
export class Cleanup {
	readonly #steps: (() => Promise<unknown> | unknown)[] = [];

	add(step: () => Promise<unknown> | unknown): void {
		this.#steps.push(step);
	}

	async run(): Promise<void> {
		while (this.#steps.length > 0) {
			const step = this.#steps.pop();
			try {
				await step?.();
			} catch (error) {
				// Cleanup goes on; the failure is shown so a leak is visible.
				console.error(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
			}
		}
	}
}

/**
 * One e2e file's fixtures: scenarios, agents and AEMMs that register their own
 * cleanup, run after each test. `attach(suite)` adds the hooks.
 */
export class ScenarioKit {
	readonly cleanup = new Cleanup();
	#cluster: RealCluster | undefined;

	/** The stack, connected in the suite's `before` hook. */
	get cluster(): RealCluster {
		if (this.#cluster === undefined) throw new Error('Cannot use the cluster before the suite starts');
		return this.#cluster;
	}

	#rbacWidened = false;

	/**
	 * Connects in `before` (then runs `setup`), cleans up after each test, and
	 * after the suite puts the ClusterRole back as manifests/ ships it when a
	 * test widened it with {@link ScenarioKit.kubeconfig} (for whoever runs next on this stack).
	 */
	attach(
		test: {
			before(hook: () => Promise<void> | void): void;
			after: { (hook: () => Promise<void> | void): void; each(hook: () => Promise<void> | void): void };
		},
		setup?: (cluster: RealCluster) => Promise<void> | void,
	): void {
		test.before(async () => {
			this.#cluster = connect();
			await setup?.(this.#cluster);
		});
		test.after.each(() => this.cleanup.run());
		test.after(async () => {
			if (this.#rbacWidened) await agentKubeconfig(this.cluster);
		});
	}

	/** The agent's kubeconfig with the RBAC of manifests/ plus `components` (see {@link agentKubeconfig}). */
	readonly kubeconfig = (components: readonly RbacComponent[] = []): Promise<string> => {
		if (components.length > 0) this.#rbacWidened = true;
		return agentKubeconfig(this.cluster, components);
	};

	/** A scenario (namespace, node, pinned Deployment), deleted after the test. */
	readonly scenario = async (label: string, options: ScenarioOptions = {}): Promise<Scenario> => {
		let created: Scenario | undefined;
		this.cleanup.add(() => deleteScenario(this.cluster, created));
		created = await createScenario(this.cluster, label, options);
		return created;
	};

	/** The built agent as a child process, stopped after the test. */
	readonly agent = async (env: Record<string, string>, label: string): Promise<AgentProcess> => {
		const agent = await startScenarioAgent(env, label);
		this.cleanup.add(() => agent.stop());
		return agent;
	};

	/** An AEMM for this test, stopped after it. */
	readonly aemm = async (args: readonly string[], options: AemmOptions = {}): Promise<Aemm> => {
		const aemm = await startAemm(args, options);
		this.cleanup.add(() => aemm.stop());
		return aemm;
	};
}

/** Awaits `work`; a failure gets the agent's last log lines appended (the API state alone rarely says why). */
export async function withAgentLog<T>(agent: AgentProcess, work: Promise<T>, lines = 60): Promise<T> {
	try {
		return await work;
	} catch (error) {
		throw new Error(`${error instanceof Error ? error.message : String(error)}\nagent log (last ${lines} lines):\n${agent.tail(lines)}`, {
			cause: error,
		});
	}
}

/** Milliseconds → seconds with one decimal, for log lines. */
export function seconds(ms: number): string {
	return (ms / 1000).toFixed(1);
}
