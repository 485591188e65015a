// bench:fleet's bookkeeping of the storm, fed by the pod and PDB watches of
// fleet-watch.ts (every change the apiserver made, in its order; a poll would
// miss a pod that came and went between two samples):
// - PDB violations, counted as the disruption controller counts health: per
//   Deployment, pods unavailable = replicas − pods that are Ready and have no
//   deletionTimestamp. A violation is an instant (a watch event) at which that
//   exceeds the PDB's maxUnavailable. A terminating pod and its Pending
//   replacement are one missing pod, not two (the first draft's pod-phase
//   sampler counted them twice, and counted each 250 ms sample again).
// - the PDBs' own status: observations of status.currentHealthy < desiredHealthy.
// - replacements that landed on an interrupted node: pods created after the
//   notice that were bound to an interrupted node, at any moment.
// - whether the interrupted nodes hold no pod any more.
import * as v from 'valibot';

export const PodSchema = v.object({
	metadata: v.object({
		uid: v.string(),
		labels: v.optional(v.record(v.string(), v.string())),
		deletionTimestamp: v.optional(v.nullable(v.string())),
	}),
	spec: v.optional(v.object({ nodeName: v.optional(v.string()) })),
	status: v.optional(v.object({ conditions: v.optional(v.nullable(v.array(v.object({ type: v.string(), status: v.string() })))) })),
});
export const PdbSchema = v.object({
	metadata: v.object({ name: v.string() }),
	status: v.optional(v.object({ currentHealthy: v.optional(v.number()), desiredHealthy: v.optional(v.number()) })),
});

export type Pod = v.InferOutput<typeof PodSchema>;
export type Pdb = v.InferOutput<typeof PdbSchema>;

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
	/** Pods on the interrupted nodes at the notice (the scheduler's spread is not exactly even). */
	readonly podsOnInterrupted: number;
}

const isHealthy = (pod: Pod): boolean =>
	(pod.metadata.deletionTimestamp ?? undefined) === undefined &&
	(pod.status?.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');

/** The storm's books for Deployments of `replicas` pods labelled `app`, each under a PDB of `maxUnavailable`. */
export class StormBook {
	readonly #pods = new Map<string, Pod>();
	readonly #before = new Set<string>();
	readonly #landed = new Set<string>();
	readonly #violating = new Set<string>();
	readonly #apps = new Set<string>();
	#interrupted: ReadonlySet<string> | undefined;
	#instants = 0;
	#maxSeen = 0;
	#statusBelow = 0;
	#onInterrupted = 0;

	readonly replicas: number;
	readonly maxUnavailable: number;

	constructor(replicas: number, maxUnavailable: number) {
		this.replicas = replicas;
		this.maxUnavailable = maxUnavailable;
	}

	/** Marks the notice: pods that exist now are the originals; from now on every change is checked. */
	start(interrupted: readonly string[]): void {
		for (const uid of this.#pods.keys()) this.#before.add(uid);
		const nodes = new Set(interrupted);
		this.#interrupted = nodes;
		this.#onInterrupted = [...this.#pods.values()].filter((pod) => nodes.has(pod.spec?.nodeName ?? '')).length;
	}

	/** One pod watch event (ADDED, MODIFIED, DELETED; a list's items as ADDED). */
	pod(type: string, pod: Pod): void {
		const uid = pod.metadata.uid;
		this.#apps.add(pod.metadata.labels?.['app'] ?? '');
		if (type === 'DELETED') this.#pods.delete(uid);
		else this.#pods.set(uid, pod);
		if (this.#interrupted === undefined) return;
		// A replacement of a pod evicted from one interrupted node, bound to another whose agent had not cordoned it yet.
		if (!this.#before.has(uid) && this.#interrupted.has(pod.spec?.nodeName ?? '')) this.#landed.add(uid);
		let over = false;
		for (const [app, healthy] of this.#healthyByApp()) {
			const unavailable = this.replicas - healthy;
			this.#maxSeen = Math.max(this.#maxSeen, unavailable);
			if (unavailable > this.maxUnavailable) {
				over = true;
				this.#violating.add(app);
			}
		}
		if (over) this.#instants += 1;
	}

	/** One PDB watch event (after the notice only). */
	pdb(pdb: Pdb): void {
		const status = pdb.status;
		if (this.#interrupted !== undefined && (status?.currentHealthy ?? 0) < (status?.desiredHealthy ?? 0)) this.#statusBelow += 1;
	}

	/** Every Deployment has all its replicas healthy. */
	allHealthy(): boolean {
		return this.#apps.size > 0 && [...this.#healthyByApp().values()].every((count) => count === this.replicas);
	}

	/** No pod (not even a terminating one) is left on an interrupted node. */
	drained(): boolean {
		const interrupted = this.#interrupted;
		if (interrupted === undefined) return false;
		for (const pod of this.#pods.values()) if (interrupted.has(pod.spec?.nodeName ?? '')) return false;
		return true;
	}

	figures(): StormFigures {
		return {
			pdbViolationInstants: this.#instants,
			pdbViolatingDeployments: this.#violating.size,
			maxUnavailableSeen: this.#maxSeen,
			pdbStatusBelowDesired: this.#statusBelow,
			landedOnInterrupted: this.#landed.size,
			podsOnInterrupted: this.#onInterrupted,
		};
	}

	#healthyByApp(): Map<string, number> {
		// A Deployment whose pods are all gone still counts: as 0 healthy.
		const healthy = new Map<string, number>([...this.#apps].map((app) => [app, 0]));
		for (const pod of this.#pods.values()) {
			const app = pod.metadata.labels?.['app'] ?? '';
			if (isHealthy(pod)) healthy.set(app, (healthy.get(app) ?? 0) + 1);
		}
		return healthy;
	}
}
