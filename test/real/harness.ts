/**
 * @module Fixtures for e2e tests against the real control plane of test/real/up.sh
 * (named by NTH_REAL_STATE): typed clients, nodes that kwok makes Ready, pods,
 * deployments, PDBs the disruption controller has seen, ServiceAccount tokens,
 * manifests, raw HTTP requests that expose the apiserver's real status codes.
 *
 * Test code only (Node). Every wait takes a timeout and an optional AbortSignal.
 *
 * @example
 * const cluster = connect();
 * const ns = await createNamespace(cluster);
 * await createNode(cluster, 'ip-172-16-34-43.ec2.internal');
 * await createPod(cluster, ns, 'web', { nodeName: 'ip-172-16-34-43.ec2.internal', labels: { app: 'web' } });
 * await createPdb(cluster, ns, 'web', { selector: { app: 'web' }, minAvailable: 1 });
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
	AppsV1Api,
	BatchV1Api,
	CoreV1Api,
	KubeConfig,
	KubernetesObjectApi,
	loadAllYaml,
	PatchStrategy,
	PolicyV1Api,
	RbacAuthorizationV1Api,
	type V1Deployment,
	type V1Node,
	type V1ObjectMeta,
	type V1OwnerReference,
	type V1Pod,
	type V1PodDisruptionBudget,
	type V1Taint,
	type V1Toleration,
} from '@kubernetes/client-node';
import * as v from 'valibot';
import { readRealState, type RealState } from './state.ts';

const run = promisify(execFile);

/** Pods carrying this annotation (a Go duration, e.g. "8s") linger that long after deletion (see kwok.yaml). */
export const DELETE_DELAY_ANNOTATION = 'realtest.nth.dev/delete-delay';
/** Every node and namespace the harness creates carries this label, so cleanup can find them. */
export const HARNESS_LABEL = 'realtest.nth.dev/fixture';
/** The image of every fixture container; kwok never pulls it. */
const FAKE_IMAGE = 'registry.invalid/nth-e2e/pause:1';
const DEFAULT_TIMEOUT_MS = 30_000;

/** An admin connection to one real control plane. */
export interface RealCluster {
	readonly state: RealState;
	readonly kubeConfig: KubeConfig;
	readonly core: CoreV1Api;
	readonly apps: AppsV1Api;
	readonly batch: BatchV1Api;
	readonly policy: PolicyV1Api;
	readonly rbac: RbacAuthorizationV1Api;
	readonly objects: KubernetesObjectApi;
}

/** Connects as admin (system:masters) to the stack named by NTH_REAL_STATE, or to `stateDir`. */
export function connect(stateDir?: string): RealCluster {
	const state = readRealState(stateDir);
	const kubeConfig = new KubeConfig();
	kubeConfig.loadFromFile(state.kubeconfig);
	return {
		state,
		kubeConfig,
		core: kubeConfig.makeApiClient(CoreV1Api),
		apps: kubeConfig.makeApiClient(AppsV1Api),
		batch: kubeConfig.makeApiClient(BatchV1Api),
		policy: kubeConfig.makeApiClient(PolicyV1Api),
		rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api),
		objects: KubernetesObjectApi.makeApiClient(kubeConfig),
	};
}

export interface WaitOptions {
	/** @default 30000 */
	readonly timeoutMs?: number;
	/** @default 100 */
	readonly intervalMs?: number;
	readonly signal?: AbortSignal;
	/** What is awaited, for the timeout message, e.g. `node "a" Ready`. */
	readonly what?: string;
}

/**
 * Calls `probe` until it returns something other than `undefined` or `false`, and
 * returns that. Errors thrown by `probe` count as "not yet" (the last one is in
 * the timeout message). Throws on timeout or abort.
 */
export async function waitFor<T>(
	probe: () => Promise<T | undefined | false> | T | undefined | false,
	options: WaitOptions = {},
): Promise<T> {
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	for (;;) {
		options.signal?.throwIfAborted();
		try {
			const value = await probe();
			if (value !== undefined && value !== false) return value;
		} catch (error) {
			lastError = error; // "not yet": kept for the timeout message
		}
		if (Date.now() >= deadline) {
			const detail = lastError === undefined ? '' : ` (last error: ${describeError(lastError)})`;
			throw new Error(`Cannot wait for ${options.what ?? 'condition'}: timed out after ${timeoutMs} ms${detail}`, { cause: lastError });
		}
		await sleep(options.intervalMs ?? 100, options.signal);
	}
}

/** Creates a namespace with a unique name (`<prefix>-<random>`) and returns the name. */
export async function createNamespace(cluster: RealCluster, prefix = 'e2e'): Promise<string> {
	const name = `${prefix}-${randomBytes(4).toString('hex')}`;
	await cluster.core.createNamespace({ body: { metadata: { name, labels: { [HARNESS_LABEL]: 'true' } } } });
	return name;
}

/**
 * Deletes a namespace; with `wait`, until it is gone. Its pods are then
 * force-deleted (grace 0) at once: the namespace controller retries with a
 * growing backoff while pods remain, so a few seconds of lingering pods would
 * otherwise cost tens of seconds. A namespace already gone is fine.
 */
export async function deleteNamespace(
	cluster: RealCluster,
	name: string,
	options: WaitOptions & { readonly wait?: boolean } = {},
): Promise<void> {
	await ignoreNotFound(cluster.core.deleteNamespace({ name }));
	await ignoreNotFound(cluster.core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 }));
	if (options.wait !== true) return;
	await waitFor(async () => !(await exists(cluster.core.readNamespace({ name }))), {
		timeoutMs: 120_000,
		...options,
		what: `namespace "${name}" gone`,
	});
}

export interface NodeOptions {
	/** Merged over kubernetes.io/hostname=<name>, kubernetes.io/os=linux, kubernetes.io/arch=amd64. */
	readonly labels?: Readonly<Record<string, string>>;
	readonly annotations?: Readonly<Record<string, string>>;
	/** e.g. `aws:///us-east-1a/i-1234567890abcdef0` (AEMM's instance id). */
	readonly providerID?: string;
	readonly taints?: readonly V1Taint[];
	readonly unschedulable?: boolean;
	/** @default { cpu: '32', memory: '128Gi', pods: '110' } */
	readonly allocatable?: Readonly<Record<string, string>>;
	readonly timeoutMs?: number;
	readonly signal?: AbortSignal;
}

/** Creates a Node and waits until kwok reports it Ready; returns the Ready node. */
export async function createNode(cluster: RealCluster, name: string, options: NodeOptions = {}): Promise<V1Node> {
	const allocatable = { cpu: '32', memory: '128Gi', pods: '110', ...options.allocatable };
	const body: V1Node = {
		metadata: {
			name,
			labels: {
				'kubernetes.io/hostname': name,
				'kubernetes.io/os': 'linux',
				'kubernetes.io/arch': 'amd64',
				[HARNESS_LABEL]: 'true',
				...options.labels,
			},
			...(options.annotations === undefined ? {} : { annotations: { ...options.annotations } }),
		},
		spec: {
			...(options.providerID === undefined ? {} : { providerID: options.providerID }),
			...(options.taints === undefined ? {} : { taints: [...options.taints] }),
			...(options.unschedulable === undefined ? {} : { unschedulable: options.unschedulable }),
		},
		// A kubelet registers with its status; kwok keeps what is given here.
		status: { allocatable, capacity: allocatable },
	};
	await cluster.core.createNode({ body });
	return waitFor(
		async () => {
			const node = await cluster.core.readNode({ name });
			return isNodeReady(node) ? node : undefined;
		},
		{
			timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
			...(options.signal ? { signal: options.signal } : {}),
			what: `node "${name}" Ready`,
		},
	);
}

/** True when the node's Ready condition is True. */
export function isNodeReady(node: V1Node): boolean {
	return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Deletes one node (gone already is fine). */
export async function deleteNode(cluster: RealCluster, name: string): Promise<void> {
	await ignoreNotFound(cluster.core.deleteNode({ name }));
}

/** Deletes every node the harness created (label {@link HARNESS_LABEL}); returns their names. */
export async function deleteFixtureNodes(cluster: RealCluster): Promise<string[]> {
	const list = await cluster.core.listNode({ labelSelector: HARNESS_LABEL });
	const names = list.items.map((node) => node.metadata?.name ?? '').filter((name) => name !== '');
	await Promise.all(names.map((name) => deleteNode(cluster, name)));
	return names;
}

/** Kinds {@link createPod} can give a real owner object. */
export type OwnerKind = 'ReplicaSet' | 'DaemonSet' | 'StatefulSet' | 'Job';
/** Label that ties a fixture pod to the owner {@link createPod} made for it. */
const OWNER_LABEL = 'realtest.nth.dev/owner';

export interface PodOptions {
	/** Binds the pod to this node (no scheduler involved). */
	readonly nodeName: string;
	readonly labels?: Readonly<Record<string, string>>;
	readonly annotations?: Readonly<Record<string, string>>;
	/**
	 * Gives the pod a controller ownerReference to a real object of this kind named
	 * `<pod>-owner`, so the garbage collector keeps the pod and drain filters see a
	 * real owner. ReplicaSet and DaemonSet controllers run in the stack, so those
	 * owners select the pod (replicas 1, or a DaemonSet pinned to `nodeName` with
	 * OnDelete updates) and adopt it: after an eviction they behave as in a real
	 * cluster (the ReplicaSet creates a replacement). StatefulSet and Job
	 * controllers do not run, so those owners stay inert. Forces `waitRunning`.
	 */
	readonly ownerKind?: OwnerKind;
	readonly priorityClassName?: string;
	/** Adds an emptyDir volume (drain's "local storage" filter). */
	readonly emptyDir?: boolean;
	readonly terminationGracePeriodSeconds?: number;
	/** kwok removes the pod this long after its deletion, e.g. "8s" ({@link DELETE_DELAY_ANNOTATION}). */
	readonly deleteDelay?: string;
	readonly tolerations?: readonly V1Toleration[];
	/** Wait until kwok reports it Running and Ready. @default true */
	readonly waitRunning?: boolean;
	readonly timeoutMs?: number;
	readonly signal?: AbortSignal;
}

/** Creates a pod bound to `nodeName` and (by default) waits until it is Running and Ready. */
export async function createPod(cluster: RealCluster, namespace: string, name: string, options: PodOptions): Promise<V1Pod> {
	const ownerName = `${name}-owner`;
	const adopted = options.ownerKind === 'ReplicaSet' || options.ownerKind === 'DaemonSet';
	const inertOwner =
		options.ownerKind === undefined || adopted
			? undefined
			: await createOwner(cluster, namespace, ownerName, options.ownerKind, options.nodeName);
	const body = podBody(namespace, name, options, options.ownerKind === undefined ? undefined : ownerName, inertOwner);
	const created = await cluster.core.createNamespacedPod({ namespace, body });
	if (options.waitRunning === false && options.ownerKind === undefined) return created;
	const running = await waitForPodRunning(cluster, namespace, name, options);
	if (!adopted || options.ownerKind === undefined) return running;
	// The controller's informer has seen the pod by now (kwok already answered it), so the owner adopts it instead of creating one.
	const owner = await createOwner(cluster, namespace, ownerName, options.ownerKind, options.nodeName);
	return waitFor(
		async () => {
			const pod = await cluster.core.readNamespacedPod({ namespace, name });
			return pod.metadata?.ownerReferences?.some((ref) => ref.uid === owner.uid && ref.controller === true) ? pod : undefined;
		},
		{
			timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
			...(options.signal ? { signal: options.signal } : {}),
			what: `${options.ownerKind} "${ownerName}" to adopt pod "${namespace}/${name}"`,
		},
	);
}

function podBody(
	namespace: string,
	name: string,
	options: PodOptions,
	ownerName: string | undefined,
	owner: V1OwnerReference | undefined,
): V1Pod {
	const annotations = {
		...options.annotations,
		...(options.deleteDelay === undefined ? {} : { [DELETE_DELAY_ANNOTATION]: options.deleteDelay }),
	};
	return {
		metadata: {
			name,
			namespace,
			labels: { ...options.labels, ...(ownerName === undefined ? {} : { [OWNER_LABEL]: ownerName }) },
			annotations,
			...(owner === undefined ? {} : { ownerReferences: [owner] }),
		},
		spec: {
			nodeName: options.nodeName,
			containers: [
				{
					name: 'main',
					image: FAKE_IMAGE,
					...(options.emptyDir === true ? { volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] } : {}),
				},
			],
			...(options.emptyDir === true ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
			...(options.priorityClassName === undefined ? {} : { priorityClassName: options.priorityClassName }),
			...(options.terminationGracePeriodSeconds === undefined
				? {}
				: { terminationGracePeriodSeconds: options.terminationGracePeriodSeconds }),
			...(options.tolerations === undefined ? {} : { tolerations: [...options.tolerations] }),
		},
	};
}

/** Waits until the pod is Running with condition Ready=True; returns it. */
export function waitForPodRunning(
	cluster: RealCluster,
	namespace: string,
	name: string,
	options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
): Promise<V1Pod> {
	return waitFor(
		async () => {
			const pod = await cluster.core.readNamespacedPod({ name, namespace });
			const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
			return pod.status?.phase === 'Running' && ready ? pod : undefined;
		},
		{
			timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
			...(options.signal ? { signal: options.signal } : {}),
			what: `pod "${namespace}/${name}" Running`,
		},
	);
}

/** Waits until the pod no longer exists (kwok removed it after deletion or eviction). */
export async function waitForPodGone(
	cluster: RealCluster,
	namespace: string,
	name: string,
	options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
): Promise<void> {
	await waitFor(async () => !(await exists(cluster.core.readNamespacedPod({ name, namespace }))), {
		timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
		...(options.signal ? { signal: options.signal } : {}),
		what: `pod "${namespace}/${name}" gone`,
	});
}

/**
 * Creates an owner object of `kind` whose selector matches pods labelled
 * `realtest.nth.dev/owner=<name>` and whose pods would land on `nodeName`, and
 * returns a controller ownerReference to it.
 */
export async function createOwner(
	cluster: RealCluster,
	namespace: string,
	name: string,
	kind: OwnerKind,
	nodeName: string,
): Promise<V1OwnerReference> {
	const labels = { [OWNER_LABEL]: name };
	const selector = { matchLabels: labels };
	const template = {
		metadata: { labels },
		spec: { containers: [{ name: 'main', image: FAKE_IMAGE }], nodeSelector: { 'kubernetes.io/hostname': nodeName } },
	};
	const metadata = { name, namespace };
	let created: { readonly metadata?: { readonly uid?: string } | undefined };
	let apiVersion = 'apps/v1';
	if (kind === 'ReplicaSet') {
		created = await cluster.apps.createNamespacedReplicaSet({ namespace, body: { metadata, spec: { replicas: 1, selector, template } } });
	} else if (kind === 'DaemonSet') {
		created = await cluster.apps.createNamespacedDaemonSet({
			namespace,
			body: { metadata, spec: { selector, template, updateStrategy: { type: 'OnDelete' } } },
		});
	} else if (kind === 'StatefulSet') {
		created = await cluster.apps.createNamespacedStatefulSet({
			namespace,
			body: { metadata, spec: { replicas: 1, selector, serviceName: name, template } },
		});
	} else {
		apiVersion = 'batch/v1';
		const jobTemplate = { ...template, spec: { ...template.spec, restartPolicy: 'Never' } };
		created = await cluster.batch.createNamespacedJob({
			namespace,
			body: { metadata, spec: { suspend: true, selector, manualSelector: true, template: jobTemplate } },
		});
	}
	const uid = created.metadata?.uid;
	if (uid === undefined) throw new Error(`Cannot create owner ${kind} "${namespace}/${name}": the apiserver returned no uid`);
	return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

export interface DeploymentOptions {
	readonly replicas: number;
	/** Pod labels and the selector. */
	readonly labels: Readonly<Record<string, string>>;
	/** Keep the pods on the test's own nodes, e.g. `{ 'kubernetes.io/hostname': node }`. */
	readonly nodeSelector?: Readonly<Record<string, string>>;
	readonly terminationGracePeriodSeconds?: number;
	readonly deleteDelay?: string;
	/** Wait until `readyReplicas == replicas`. @default true */
	readonly waitReady?: boolean;
	readonly timeoutMs?: number;
	readonly signal?: AbortSignal;
}

/** Creates a Deployment (scheduled by the real scheduler) and by default waits until all replicas are ready. */
export async function createDeployment(
	cluster: RealCluster,
	namespace: string,
	name: string,
	options: DeploymentOptions,
): Promise<V1Deployment> {
	const body: V1Deployment = {
		metadata: { name, namespace },
		spec: {
			replicas: options.replicas,
			selector: { matchLabels: { ...options.labels } },
			template: {
				metadata: {
					labels: { ...options.labels },
					...(options.deleteDelay === undefined ? {} : { annotations: { [DELETE_DELAY_ANNOTATION]: options.deleteDelay } }),
				},
				spec: {
					containers: [{ name: 'main', image: FAKE_IMAGE }],
					...(options.nodeSelector === undefined ? {} : { nodeSelector: { ...options.nodeSelector } }),
					...(options.terminationGracePeriodSeconds === undefined
						? {}
						: { terminationGracePeriodSeconds: options.terminationGracePeriodSeconds }),
				},
			},
		},
	};
	const created = await cluster.apps.createNamespacedDeployment({ namespace, body });
	if (options.waitReady === false) return created;
	return waitFor(
		async () => {
			const deployment = await cluster.apps.readNamespacedDeployment({ name, namespace });
			return (deployment.status?.readyReplicas ?? 0) === options.replicas &&
				deployment.status?.observedGeneration === deployment.metadata?.generation
				? deployment
				: undefined;
		},
		{
			timeoutMs: options.timeoutMs ?? 60_000,
			...(options.signal ? { signal: options.signal } : {}),
			what: `deployment "${namespace}/${name}" ${options.replicas} ready`,
		},
	);
}

export interface PdbOptions {
	readonly selector: Readonly<Record<string, string>>;
	readonly minAvailable?: number | string;
	readonly maxUnavailable?: number | string;
	readonly timeoutMs?: number;
	readonly signal?: AbortSignal;
}

/**
 * Creates a PodDisruptionBudget and waits until the disruption controller has
 * processed it (`status.observedGeneration == metadata.generation`); before that
 * every eviction it covers answers 429 "still being processed".
 */
export async function createPdb(
	cluster: RealCluster,
	namespace: string,
	name: string,
	options: PdbOptions,
): Promise<V1PodDisruptionBudget> {
	await cluster.policy.createNamespacedPodDisruptionBudget({
		namespace,
		body: {
			metadata: { name, namespace },
			spec: {
				selector: { matchLabels: { ...options.selector } },
				...(options.minAvailable === undefined ? {} : { minAvailable: options.minAvailable }),
				...(options.maxUnavailable === undefined ? {} : { maxUnavailable: options.maxUnavailable }),
			},
		},
	});
	return waitFor(
		async () => {
			const pdb = await cluster.policy.readNamespacedPodDisruptionBudget({ name, namespace });
			const generation = pdb.metadata?.generation;
			return generation !== undefined && pdb.status?.observedGeneration === generation ? pdb : undefined;
		},
		{
			timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
			...(options.signal ? { signal: options.signal } : {}),
			what: `PDB "${namespace}/${name}" observed`,
		},
	);
}

/** Creates a ServiceAccount (already existing is fine). */
export async function createServiceAccount(cluster: RealCluster, namespace: string, name: string): Promise<void> {
	try {
		await cluster.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace } } });
	} catch (error) {
		if (statusOf(error) !== 409) throw error;
	}
}

export interface TokenOptions {
	/** Defaults to the apiserver's own audience (the issuer), so the apiserver accepts it. */
	readonly audience?: string;
	/** @default 3600 */
	readonly expirationSeconds?: number;
}

/** Mints a token for a ServiceAccount through the TokenRequest API (creating the ServiceAccount if needed). */
export async function createServiceAccountToken(
	cluster: RealCluster,
	namespace: string,
	serviceAccount: string,
	options: TokenOptions = {},
): Promise<string> {
	await createServiceAccount(cluster, namespace, serviceAccount);
	const response = await cluster.core.createNamespacedServiceAccountToken({
		name: serviceAccount,
		namespace,
		body: {
			spec: {
				audiences: options.audience === undefined ? [] : [options.audience],
				expirationSeconds: options.expirationSeconds ?? 3600,
			},
		},
	});
	const token = response.status?.token;
	if (token === undefined || token === '')
		throw new Error(`Cannot mint a token for "${namespace}/${serviceAccount}": empty TokenRequest status`);
	return token;
}

/** Writes a kubeconfig for this cluster that authenticates with `token`; returns its path (inside the state dir). */
export function kubeconfigForToken(cluster: RealCluster, token: string, name = `token-${randomBytes(4).toString('hex')}`): string {
	const dir = join(cluster.state.stateDir, 'kubeconfigs');
	mkdirSync(dir, { recursive: true });
	const path = join(dir, `${name}.yaml`);
	const text = [
		'apiVersion: v1',
		'kind: Config',
		'clusters:',
		'- name: nth-real',
		'  cluster:',
		`    server: ${cluster.state.apiserverUrl}`,
		`    certificate-authority-data: ${cluster.state.caData}`,
		'users:',
		`- name: ${name}`,
		'  user:',
		`    token: ${token}`,
		'contexts:',
		`- name: ${name}`,
		'  context:',
		'    cluster: nth-real',
		`    user: ${name}`,
		`current-context: ${name}`,
		'',
	].join('\n');
	writeFileSync(path, text, { mode: 0o600 });
	return path;
}

/** The kubectl on PATH (the stack's own build first when run by scripts/test.mjs), when it supports server-side apply (client ≥ 1.26). */
async function usableKubectl(): Promise<string | undefined> {
	const kubectl = 'kubectl';
	try {
		const { stdout } = await run(kubectl, ['version', '--client', '-o', 'json'], { timeout: 20_000 });
		const parsed = v.safeParse(KubectlVersionSchema, JSON.parse(stdout));
		if (!parsed.success) return undefined;
		const minor = Number.parseInt(parsed.output.clientVersion.minor, 10);
		return parsed.output.clientVersion.major === '1' && minor >= 26 ? kubectl : undefined;
	} catch {
		return undefined; // no kubectl (or an unusable one): applyManifests falls back to client-node
	}
}
const KubectlVersionSchema = v.object({ clientVersion: v.object({ major: v.string(), minor: v.string() }) });

/**
 * Applies YAML manifests (server-side apply, field manager "nth-e2e") as admin:
 * with /usr/bin/kubectl when it is ≥ 1.26, else through client-node's
 * KubernetesObjectApi. Returns the applied objects as `kind/name` strings.
 */
export async function applyManifests(cluster: RealCluster, paths: readonly string[]): Promise<string[]> {
	const kubectl = await usableKubectl();
	if (kubectl !== undefined) {
		const args = [
			'--kubeconfig',
			cluster.state.kubeconfig,
			'apply',
			'--server-side',
			'--force-conflicts',
			'--field-manager=nth-e2e',
			'-o',
			'name',
		];
		for (const path of paths) args.push('-f', path);
		const { stdout } = await run(kubectl, args, { timeout: 60_000 });
		return stdout.split('\n').filter((line) => line !== '');
	}
	const applied: string[] = [];
	for (const path of paths) {
		for (const document of loadAllYaml(readFileSync(path, 'utf8'))) {
			const object = v.parse(ManifestSchema, document);
			await cluster.objects.patch(object, undefined, undefined, 'nth-e2e', true, PatchStrategy.ServerSideApply);
			applied.push(`${object.kind}/${object.metadata.name}`);
		}
	}
	return applied;
}
/** A manifest document: apiVersion, kind and a named metadata; the rest goes to the apiserver as written. */
const ManifestSchema = v.looseObject({
	apiVersion: v.string(),
	kind: v.string(),
	metadata: v.custom<V1ObjectMeta & { name: string }>(
		(input) => typeof input === 'object' && input !== null && 'name' in input && typeof input.name === 'string',
		'metadata.name must be a string',
	),
});

export interface ApiResponse {
	readonly status: number;
	/** The parsed JSON body (a Status object for errors), or undefined when the body is not JSON. */
	readonly body: unknown;
	readonly text: string;
}

/**
 * One HTTPS request to the apiserver, returning its real status code and body
 * without any client library in between. Authenticates with `token` (default:
 * the admin token).
 */
export function apiRequest(
	cluster: RealCluster,
	method: string,
	path: string,
	options: { readonly body?: unknown; readonly token?: string; readonly signal?: AbortSignal } = {},
): Promise<ApiResponse> {
	const url = new URL(path, cluster.state.apiserverUrl);
	const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
	return new Promise((resolve, reject) => {
		const req = httpsRequest(
			url,
			{
				method,
				ca: Buffer.from(cluster.state.caData, 'base64'),
				headers: {
					Authorization: `Bearer ${options.token ?? cluster.state.adminToken}`,
					Accept: 'application/json',
					...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
				},
				...(options.signal ? { signal: options.signal } : {}),
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => {
					text += chunk;
				});
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseJson(text), text }));
				res.on('error', reject);
			},
		);
		req.on('error', reject);
		req.end(payload);
	});
}

/** POSTs an Eviction for a pod with the raw HTTP client; see {@link apiRequest}. */
export function evictPod(
	cluster: RealCluster,
	namespace: string,
	name: string,
	options: { readonly token?: string; readonly signal?: AbortSignal } = {},
): Promise<ApiResponse> {
	return apiRequest(cluster, 'POST', `/api/v1/namespaces/${namespace}/pods/${name}/eviction`, {
		...options,
		body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
	});
}

/** The HTTP status of a client-node ApiException (or any error with a numeric `code`), else undefined. */
export function statusOf(error: unknown): number | undefined {
	if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') return error.code;
	return undefined;
}

/** Resolves true if the read succeeds, false on 404; rethrows anything else. */
async function exists(read: Promise<unknown>): Promise<boolean> {
	try {
		await read;
		return true;
	} catch (error) {
		if (statusOf(error) === 404) return false;
		throw error;
	}
}

async function ignoreNotFound(operation: Promise<unknown>): Promise<void> {
	try {
		await operation;
	} catch (error) {
		if (statusOf(error) !== 404) throw error;
	}
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined; // not JSON (e.g. a plain-text 401): callers read `text`
	}
}

function describeError(error: unknown): string {
	const status = statusOf(error);
	const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
	return status === undefined ? message : `status ${status}: ${message}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		const onAbort = (): void => {
			clearTimeout(timer);
			reject(signal?.reason);
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}
