/**
 * @module Test support for drain/: a FakeKubeApi that enforces
 * PodDisruptionBudgets the way the eviction registry does (its time and its
 * delayed changes on the fake clock of fake-clock.ts), pod and budget seeds,
 * and a recording EventRecorder. Not a test file itself (no `.test.ts` suffix).
 */
import type { DeleteOptions, EvictOptions } from '../../src/kube/api.ts';
import { FakeKubeApi, type PdbSeed, type PodSeed } from './fake-kube-api.ts';
import type { Pod, PodDisruptionBudget } from '../../src/kube/schemas.ts';
import type { EventReason, EventRecorder, EventType, PodRef } from '../../src/notify/types.ts';
import { selectorMatches } from '../../src/drain/pdbs.ts';
import type { FakeClock } from './fake-clock.ts';

export interface RecordedPodEvent {
	readonly pod: PodRef;
	readonly reason: EventReason;
	readonly type: EventType;
	readonly message: string;
	readonly annotations: Readonly<Record<string, string>>;
}

export function recordingRecorder(): EventRecorder & { readonly podEvents: RecordedPodEvent[] } {
	const podEvents: RecordedPodEvent[] = [];
	return {
		podEvents,
		node: () => {},
		pod: (pod, reason, type, message, annotations = {}) => void podEvents.push({ pod, reason, type, message, annotations }),
		flush: async () => {},
	};
}

export interface PdbFakeOptions {
	readonly clock: FakeClock;
	/** `delete` (kwok: gone at once) or `terminate` (the test removes pods). @default "delete" */
	readonly eviction?: 'delete' | 'terminate' | undefined;
	/**
	 * When set, each pod removed under a budget gives its disruption back this
	 * long afterwards, as the disruption controller does once the replacement
	 * is Ready. Unset: budgets never recover.
	 */
	readonly recoverAfterMs?: number | undefined;
	/** With `terminate`: the "kubelet" removes a terminating pod this long after its eviction or deletion. Unset: the test removes it. */
	readonly kubeletDelayMs?: number | undefined;
}

function canIgnorePdb(pod: Pod): boolean {
	const phase = pod.status.phase;
	return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata.deletionTimestamp);
}

/**
 * The shared fake plus the eviction registry's budget rules (eviction.go):
 * 500 for more than one matching budget, 429 when `disruptionsAllowed` is 0,
 * otherwise the budget is charged (`disruptionsAllowed - 1`, the pod in
 * `disruptedPods`) before the pod goes. Deletes bypass budgets, as on a server.
 */
export class PdbFake extends FakeKubeApi {
	readonly #budgets = new Map<string, PodDisruptionBudget>();
	readonly #clock: FakeClock;
	readonly #recoverAfterMs: number | undefined;
	readonly #kubeletDelayMs: number | undefined;
	/** Evictions answered 429 or 500. */
	refused = 0;
	/** Every eviction or delete the fake accepted, with the clock's time. */
	readonly accepted: {
		readonly name: string;
		readonly at: number;
		readonly via: 'evict' | 'delete';
		readonly grace: number | undefined;
	}[] = [];

	constructor(options: PdbFakeOptions) {
		super({ eviction: options.eviction ?? 'delete', now: () => new Date(options.clock.now()) });
		this.#clock = options.clock;
		this.#recoverAfterMs = options.recoverAfterMs;
		this.#kubeletDelayMs = options.eviction === 'terminate' ? options.kubeletDelayMs : undefined;
	}

	override addPdb(seed: PdbSeed): PodDisruptionBudget {
		const pdb = super.addPdb(seed);
		this.#budgets.set(`${pdb.metadata.namespace ?? ''}/${pdb.metadata.name}`, pdb);
		return pdb;
	}

	override updatePdb(namespace: string, name: string, change: (pdb: PodDisruptionBudget) => void): PodDisruptionBudget {
		const pdb = super.updatePdb(namespace, name, change);
		this.#budgets.set(`${namespace}/${name}`, pdb);
		return pdb;
	}

	override removePdb(namespace: string, name: string): void {
		super.removePdb(namespace, name);
		this.#budgets.delete(`${namespace}/${name}`);
	}

	budget(namespace: string, name: string): PodDisruptionBudget | undefined {
		return this.#budgets.get(`${namespace}/${name}`);
	}

	#matching(pod: Pod): PodDisruptionBudget[] {
		return [...this.#budgets.values()].filter(
			(pdb) => pdb.metadata.namespace === pod.metadata.namespace && selectorMatches(pdb.spec.selector, pod.metadata.labels ?? {}),
		);
	}

	override async evictPod(namespace: string, name: string, options: EvictOptions, signal: AbortSignal): Promise<void> {
		const pod = this.pod(namespace, name);
		const exists = pod !== undefined && (options.uid === undefined || options.uid === pod.metadata.uid);
		if (exists && !canIgnorePdb(pod)) {
			const budgets = this.#matching(pod);
			const only = (...args: readonly unknown[]): boolean => args[0] === namespace && args[1] === name;
			const [budget] = budgets;
			if (budgets.length > 1) {
				this.refused += 1;
				this.failNext('evictPod', {
					status: 500,
					message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
					when: only,
				});
			} else if (budget !== undefined && budget.status.disruptionsAllowed <= 0) {
				this.refused += 1;
				this.failNext('evictPod', {
					status: 429,
					message: "Cannot evict pod as it would violate the pod's disruption budget.",
					when: only,
				});
			} else if (budget !== undefined) {
				this.updatePdb(namespace, budget.metadata.name, (next) => {
					next.status.disruptionsAllowed -= 1;
					const disrupted = { ...(next.status['disruptedPods'] as Record<string, string> | undefined) };
					disrupted[name] = new Date(this.#clock.now()).toISOString();
					next.status['disruptedPods'] = disrupted;
				});
			}
		}
		await super.evictPod(namespace, name, options, signal);
		this.#accepted(namespace, name, 'evict', options.gracePeriodSeconds);
	}

	override async deletePod(namespace: string, name: string, options: DeleteOptions, signal: AbortSignal): Promise<void> {
		await super.deletePod(namespace, name, options, signal);
		this.#accepted(namespace, name, 'delete', options.gracePeriodSeconds);
	}

	#accepted(namespace: string, name: string, via: 'evict' | 'delete', grace: number | undefined): void {
		this.accepted.push({ name, at: this.#clock.now(), via, grace });
		const delay = this.#kubeletDelayMs;
		if (delay !== undefined) this.#clock.at(this.#clock.now() + delay, () => this.removePod(namespace, name));
	}

	override removePod(namespace: string, name: string): void {
		const pod = this.pod(namespace, name);
		super.removePod(namespace, name);
		if (pod === undefined || this.#recoverAfterMs === undefined) return;
		for (const budget of this.#matching(pod)) {
			this.#clock.at(this.#clock.now() + this.#recoverAfterMs, () => {
				if (this.budget(namespace, budget.metadata.name) === undefined) return;
				this.updatePdb(namespace, budget.metadata.name, (next) => {
					next.status.disruptionsAllowed += 1;
					const disrupted = { ...(next.status['disruptedPods'] as Record<string, string> | undefined) };
					delete disrupted[name];
					next.status['disruptedPods'] = disrupted;
				});
			});
		}
	}
}

/** A ready, ReplicaSet-owned pod on `node`. */
export function runningPod(
	name: string,
	options: {
		node?: string;
		namespace?: string;
		labels?: Record<string, string>;
		grace?: number;
		priorityClassName?: string;
		priority?: number;
		owner?: { kind: string; name: string; apiVersion?: string } | null;
		phase?: string;
		emptyDir?: boolean;
		annotations?: Record<string, string>;
		deletionTimestamp?: string;
	} = {},
): PodSeed {
	const owner = options.owner === undefined ? { kind: 'ReplicaSet', name: 'rs', apiVersion: 'apps/v1' } : options.owner;
	return {
		metadata: {
			name,
			namespace: options.namespace ?? 'default',
			labels: options.labels ?? { app: 'web' },
			...(options.annotations === undefined ? {} : { annotations: options.annotations }),
			...(options.deletionTimestamp === undefined ? {} : { deletionTimestamp: options.deletionTimestamp }),
			...(owner === null
				? {}
				: { ownerReferences: [{ apiVersion: owner.apiVersion ?? 'apps/v1', kind: owner.kind, name: owner.name, controller: true }] }),
		},
		spec: {
			nodeName: options.node ?? 'node-a',
			...(options.grace === undefined ? {} : { terminationGracePeriodSeconds: options.grace }),
			...(options.priorityClassName === undefined ? {} : { priorityClassName: options.priorityClassName }),
			...(options.priority === undefined ? {} : { priority: options.priority }),
			...(options.emptyDir === true ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
		},
		status: { phase: options.phase ?? 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
	};
}

/** A budget over `app=<app>` that the controller has observed, allowing `allowed` disruptions. */
export function budget(name: string, app: string, allowed: number, namespace = 'default'): PdbSeed {
	return {
		metadata: { name, namespace, generation: 1 },
		spec: { selector: { matchLabels: { app } } },
		status: { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 10, desiredHealthy: 10 - allowed, expectedPods: 10 },
	};
}
