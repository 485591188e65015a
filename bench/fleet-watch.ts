// bench:fleet's view of the storm, from watches (every change the apiserver
// made, in its order; a poll would miss a pod that came and went between two
// samples):
// - PDB violations, counted as the disruption controller counts health: per
//   Deployment, pods unavailable = replicas − pods that are Ready and have no
//   deletionTimestamp. A violation is an instant (a watch event) at which that
//   exceeds the PDB's maxUnavailable; a terminating pod and its Pending
//   replacement are one missing pod, not two (the first draft's pod-phase
//   sampler counted them twice, and counted each 250 ms sample again).
// - the PDBs' own status: observations of status.currentHealthy < desiredHealthy.
// - replacements that landed on an interrupted node (pods created after the
//   notice whose spec.nodeName is an interrupted node, at any moment).
// - the moment the interrupted nodes hold no pod any more.
import type http from 'node:http';
import https from 'node:https';
import * as v from 'valibot';
import type { RealState } from '../test/real/state.ts';

const PodSchema = v.object({
	metadata: v.object({
		uid: v.string(),
		labels: v.optional(v.record(v.string(), v.string())),
		deletionTimestamp: v.optional(v.nullable(v.string())),
	}),
	spec: v.optional(v.object({ nodeName: v.optional(v.string()) })),
	status: v.optional(v.object({ conditions: v.optional(v.nullable(v.array(v.object({ type: v.string(), status: v.string() })))) })),
});
const PdbSchema = v.object({
	metadata: v.object({ name: v.string() }),
	status: v.optional(v.object({ currentHealthy: v.optional(v.number()), desiredHealthy: v.optional(v.number()) })),
});
const ListSchema = v.object({ metadata: v.object({ resourceVersion: v.string() }), items: v.array(v.unknown()) });
const EventSchema = v.object({ type: v.string(), object: v.unknown() });

type Pod = v.InferOutput<typeof PodSchema>;

function get(state: RealState, path: string): https.RequestOptions & { url: URL } {
	return { url: new URL(path, state.apiserverUrl), ca: Buffer.from(state.caData, 'base64'), headers: { authorization: `Bearer ${state.adminToken}` } };
}

/** Lists `path`, hands every item to `onObject('ADDED', …)`, then follows the watch from the list's resourceVersion. */
async function listAndWatch(state: RealState, path: string, onObject: (type: string, object: unknown) => void): Promise<() => void> {
	const { url, ...options } = get(state, path);
	const body = await new Promise<string>((resolve, reject) => {
		https
			.get(url, options, (response) => {
				let text = '';
				response.setEncoding('utf8');
				response.on('data', (chunk: string) => (text += chunk));
				response.on('end', () => resolve(text));
				response.on('error', reject);
			})
			.on('error', reject);
	});
	const list = v.parse(ListSchema, JSON.parse(body));
	for (const item of list.items) onObject('ADDED', item);
	const watchUrl = new URL(url);
	watchUrl.searchParams.set('watch', 'true');
	watchUrl.searchParams.set('resourceVersion', list.metadata.resourceVersion);
	let request: http.ClientRequest | undefined;
	request = https.get(watchUrl, options, (response) => {
		let buffer = '';
		response.setEncoding('utf8');
		response.on('data', (chunk: string) => {
			buffer += chunk;
			for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
				const event = v.parse(EventSchema, JSON.parse(buffer.slice(0, newline)));
				buffer = buffer.slice(newline + 1);
				if (event.type === 'ERROR') throw new Error(`Cannot follow ${path}: watch error ${JSON.stringify(event.object)}`);
				onObject(event.type, event.object);
			}
		});
	});
	request.on('error', () => {});
	return () => request?.destroy();
}

export interface StormView {
	/** Resolves when every pod that existed at `start` is Ready (so the storm starts from full health). */
	readonly healthy: Promise<void>;
	/** Marks the notice: pods created from now on count as replacements. */
	start(interrupted: readonly string[]): void;
	/** Resolves with the moment (epoch ms) no pod is left on an interrupted node. */
	readonly drained: Promise<number>;
	figures(): StormFigures;
	close(): void;
}

export interface StormFigures {
	/** Watch events at which some Deployment had more pods unavailable than its PDB allows. */
	readonly pdbViolationInstants: number;
	/** Deployments that were ever over their PDB's maxUnavailable. */
	readonly pdbViolatingDeployments: number;
	/** The most pods unavailable at once in any one Deployment (its PDB allows `maxUnavailable`). */
	readonly maxUnavailableSeen: number;
	/** PDB status observations with currentHealthy < desiredHealthy. */
	readonly pdbStatusBelowDesired: number;
	/** Replacement pods that were bound to an interrupted node. */
	readonly landedOnInterrupted: number;
}

/** Follows the pods and PDBs of `namespace`: Deployments of `replicas` pods labelled `app`, each under a PDB of `maxUnavailable`. */
export async function watchStorm(state: RealState, namespace: string, replicas: number, maxUnavailable: number): Promise<StormView> {
	const pods = new Map<string, Pod>();
	const before = new Set<string>();
	const landed = new Set<string>();
	const violating = new Set<string>();
	const apps = new Set<string>();
	let interrupted: Set<string> | undefined;
	let instants = 0;
	let maxSeen = 0;
	let statusBelow = 0;
	let onHealthy = (): void => {};
	let onDrained = (_at: number): void => {};
	const healthy = new Promise<void>((resolve) => (onHealthy = resolve));
	const drained = new Promise<number>((resolve) => (onDrained = resolve));
	const isHealthy = (pod: Pod): boolean =>
		(pod.metadata.deletionTimestamp ?? undefined) === undefined &&
		(pod.status?.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');
	const check = (): void => {
		// A Deployment whose pods are all gone still counts: as 0 healthy.
		const healthyBy = new Map<string, number>([...apps].map((app) => [app, 0]));
		let left = 0;
		for (const pod of pods.values()) {
			const app = pod.metadata.labels?.['app'] ?? '';
			if (isHealthy(pod)) healthyBy.set(app, (healthyBy.get(app) ?? 0) + 1);
			if (interrupted?.has(pod.spec?.nodeName ?? '') === true) left += 1;
		}
		if (interrupted === undefined) {
			if ([...healthyBy.values()].every((count) => count === replicas)) onHealthy();
			return;
		}
		let over = false;
		for (const [app, count] of healthyBy) {
			const unavailable = replicas - count;
			maxSeen = Math.max(maxSeen, unavailable);
			if (unavailable > maxUnavailable) {
				over = true;
				violating.add(app);
			}
		}
		if (over) instants += 1;
		if (left === 0) onDrained(Date.now());
	};
	const closePods = await listAndWatch(state, `/api/v1/namespaces/${namespace}/pods`, (type, object) => {
		const pod = v.parse(PodSchema, object);
		apps.add(pod.metadata.labels?.['app'] ?? '');
		if (type === 'DELETED') pods.delete(pod.metadata.uid);
		else pods.set(pod.metadata.uid, pod);
		if (interrupted === undefined) before.add(pod.metadata.uid);
		// A replacement of a pod evicted from one interrupted node, bound to another interrupted node its agent had not cordoned yet.
		else if (!before.has(pod.metadata.uid) && interrupted.has(pod.spec?.nodeName ?? '')) landed.add(pod.metadata.uid);
		check();
	});
	const closePdbs = await listAndWatch(state, `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets`, (_type, object) => {
		const status = v.parse(PdbSchema, object).status;
		if (interrupted !== undefined && (status?.currentHealthy ?? 0) < (status?.desiredHealthy ?? 0)) statusBelow += 1;
	});
	check();
	return {
		healthy,
		drained,
		start: (nodes) => {
			for (const uid of pods.keys()) before.add(uid);
			interrupted = new Set(nodes);
		},
		figures: () => ({
			pdbViolationInstants: instants,
			pdbViolatingDeployments: violating.size,
			maxUnavailableSeen: maxSeen,
			pdbStatusBelowDesired: statusBelow,
			landedOnInterrupted: landed.size,
		}),
		close: () => {
			closePods();
			closePdbs();
		},
	};
}
