/**
 * @module The PodDisruptionBudgets that cover the pods being drained, kept
 * live by a watch, so evictions are paced by `disruptionsAllowed` instead of
 * being fired and answered 429.
 *
 * Pacing is an optimisation: the apiserver stays the judge (a 429 is still
 * handled with backoff). The book counts its own evictions that the watched
 * status does not show yet (`status.disruptedPods` lists a pod once the
 * apiserver has charged the budget for it), so two evictions are never sent
 * against one remaining disruption.
 */
import * as v from 'valibot';
import { isKubeError } from '../errors.ts';
import type { KubeApi, WatchEvent } from '../kube/api.ts';
import type { LabelSelector, PodDisruptionBudget } from '../kube/schemas.ts';
import { type FollowDeps, type FollowSource, follow } from './follow.ts';

/** The fields of a PDB's status the book reads beyond the shared schema. */
const DisruptedPodsSchema = v.looseObject({
	disruptedPods: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
});

/** An eviction the watched status has not caught up with is forgotten after this long (a missed event must not block for ever). */
export const inflightTtlMs = 30_000;

/** True when the label selector matches these labels (metav1.LabelSelectorAsSelector semantics; null matches nothing, {} everything). */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Readonly<Record<string, string>>): boolean {
	if (selector === null || selector === undefined) return false;
	for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
		if (labels[key] !== value) return false;
	}
	for (const expression of selector.matchExpressions ?? []) {
		const value = labels[expression.key];
		const values = expression.values ?? [];
		switch (expression.operator) {
			case 'In':
				if (value === undefined || !values.includes(value)) return false;
				break;
			case 'NotIn':
				if (value !== undefined && values.includes(value)) return false;
				break;
			case 'Exists':
				if (value === undefined) return false;
				break;
			case 'DoesNotExist':
				if (value !== undefined) return false;
				break;
			default:
				// An invalid selector matches nothing (as the eviction registry treats it).
				return false;
		}
	}
	return true;
}

export function pdbKey(pdb: PodDisruptionBudget): string {
	return `${pdb.metadata.namespace ?? ''}/${pdb.metadata.name}`;
}

/** Disruptions the apiserver would allow now: 0 while the controller has not observed the latest spec (it answers 429 then). */
export function disruptionsAllowed(pdb: PodDisruptionBudget): number {
	const generation = pdb.metadata.generation;
	const observed = pdb.status.observedGeneration;
	if (generation !== undefined && (observed === undefined || observed < generation)) return 0;
	return pdb.status.disruptionsAllowed;
}

function disruptedPods(pdb: PodDisruptionBudget): ReadonlySet<string> {
	const parsed = v.safeParse(DisruptedPodsSchema, pdb.status);
	return new Set(parsed.success ? Object.keys(parsed.output.disruptedPods ?? {}) : []);
}

/** The live set of budgets in the drained pods' namespaces. */
export class PdbBook {
	readonly #namespaces: ReadonlySet<string>;
	readonly #now: () => number;
	readonly #pdbs = new Map<string, PodDisruptionBudget>();
	/** Per budget: pod name → when we evicted it, until the watched status shows it. */
	readonly #inflight = new Map<string, Map<string, number>>();
	#state: 'syncing' | 'live' | 'off' = 'syncing';
	#onChange: () => void = () => {};
	/** Bumped whenever the set of budgets or a selector may have changed: matches cached before it are stale. */
	#selectors = 0;
	readonly #matches = new Map<string, { readonly revision: number; readonly keys: readonly string[] }>();

	constructor(namespaces: Iterable<string>, now: () => number) {
		this.#namespaces = new Set(namespaces);
		this.#now = now;
	}

	/** `live` once listed; `off` when PDBs cannot be read (then nothing is paced). */
	get state(): 'syncing' | 'live' | 'off' {
		return this.#state;
	}

	/** Called after every change of a budget. */
	onChange(listener: () => void): void {
		this.#onChange = listener;
	}

	sync(items: readonly PodDisruptionBudget[]): void {
		this.#pdbs.clear();
		this.#selectors += 1;
		for (const pdb of items) {
			if (this.#namespaces.has(pdb.metadata.namespace ?? '')) this.#pdbs.set(pdbKey(pdb), pdb);
		}
		// A fresh list already counts every eviction answered before it.
		this.#inflight.clear();
		this.#state = 'live';
		this.#onChange();
	}

	apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', pdb: PodDisruptionBudget): void {
		if (!this.#namespaces.has(pdb.metadata.namespace ?? '')) return;
		const key = pdbKey(pdb);
		if (type === 'DELETED') {
			this.#pdbs.delete(key);
			this.#inflight.delete(key);
			this.#selectors += 1;
		} else {
			// Status updates (the common case) keep the generation; a new budget or a spec change does not.
			if (this.#pdbs.get(key)?.metadata.generation !== pdb.metadata.generation || pdb.metadata.generation === undefined)
				this.#selectors += 1;
			this.#pdbs.set(key, pdb);
			const pending = this.#inflight.get(key);
			if (pending !== undefined) {
				for (const name of disruptedPods(pdb)) pending.delete(name);
			}
		}
		this.#onChange();
	}

	turnOff(): void {
		this.#state = 'off';
		this.#pdbs.clear();
		this.#selectors += 1;
		this.#inflight.clear();
		this.#onChange();
	}

	/** Keys (`ns/name`) of the budgets whose selector matches a pod with these labels in this namespace. */
	matching(pod: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> }): string[] {
		const keys: string[] = [];
		for (const [key, pdb] of this.#pdbs) {
			if ((pdb.metadata.namespace ?? '') === pod.namespace && selectorMatches(pdb.spec.selector, pod.labels)) keys.push(key);
		}
		return keys.sort();
	}

	/**
	 * {@link matching}, remembered per pod (`cacheKey`) until a budget is added,
	 * removed or changes its spec: the drain loop asks for every waiting pod on
	 * every turn, and status updates are what the watch mostly brings.
	 */
	matchingCached(
		cacheKey: string,
		pod: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> },
	): readonly string[] {
		const cached = this.#matches.get(cacheKey);
		if (cached !== undefined && cached.revision === this.#selectors) return cached.keys;
		const keys = this.matching(pod);
		this.#matches.set(cacheKey, { revision: this.#selectors, keys });
		return keys;
	}

	get(key: string): PodDisruptionBudget | undefined {
		return this.#pdbs.get(key);
	}

	/** Disruptions still free for us: the watched `disruptionsAllowed` minus our evictions it does not show yet. */
	available(key: string): number {
		const pdb = this.#pdbs.get(key);
		if (pdb === undefined) return Number.POSITIVE_INFINITY;
		return disruptionsAllowed(pdb) - this.#pending(key).size;
	}

	/** A change marker for a budget (its resourceVersion), to retry a blocked pod early when the budget moved. */
	version(key: string): string {
		return this.#pdbs.get(key)?.metadata.resourceVersion ?? '';
	}

	/** Charges one disruption before the eviction is sent. */
	reserve(key: string, podName: string): void {
		let pending = this.#inflight.get(key);
		if (pending === undefined) {
			pending = new Map();
			this.#inflight.set(key, pending);
		}
		pending.set(podName, this.#now());
	}

	/** Gives the disruption back: the eviction was refused. */
	release(key: string, podName: string): void {
		this.#inflight.get(key)?.delete(podName);
	}

	#pending(key: string): Map<string, number> {
		const pending = this.#inflight.get(key) ?? new Map<string, number>();
		const oldest = this.#now() - inflightTtlMs;
		for (const [name, atMs] of pending) {
			if (atMs < oldest) pending.delete(name);
		}
		return pending;
	}
}

/** List and watch source for the budgets of these namespaces: namespaced when there is one, cluster-wide otherwise (`timeoutSeconds` as for the pod watch). */
export function pdbSource(kube: KubeApi, namespaces: ReadonlySet<string>, useApiserverCache: boolean, timeoutSeconds?: () => number) {
	const namespace = namespaces.size === 1 ? [...namespaces][0] : undefined;
	return {
		what: namespace === undefined ? 'PodDisruptionBudgets' : `PodDisruptionBudgets in namespace "${namespace}"`,
		list: (signal: AbortSignal) =>
			kube.listPodDisruptionBudgets({ namespace, resourceVersion: useApiserverCache ? '0' : undefined }, signal),
		watch: (resourceVersion: string, signal: AbortSignal) =>
			kube.watchPodDisruptionBudgets({ namespace, resourceVersion, allowBookmarks: true, timeoutSeconds: timeoutSeconds?.() }, signal),
	};
}

/**
 * Keeps `book` in step with the budgets `source` lists and watches, until the
 * signal aborts. Without RBAC for PDBs (NTH's ClusterRole has none) it turns
 * the book off and returns: pacing nothing beats retrying for ever.
 */
export function followBudgets(
	deps: FollowDeps,
	source: FollowSource<PodDisruptionBudget>,
	book: PdbBook,
	signal: AbortSignal,
): Promise<void> {
	const handlers = {
		sync: (items: readonly PodDisruptionBudget[]) => book.sync(items),
		event: (event: WatchEvent<PodDisruptionBudget>) => {
			if (event.type !== 'BOOKMARK') book.apply(event.type, event.object);
		},
		stopped: (error: unknown) => {
			deps.log.warn('Cannot pace evictions by PodDisruptionBudgets: evicting without them, 429 answers are retried', { error });
			deps.metrics.errorCaught('drain');
			book.turnOff();
		},
	};
	return follow(
		deps,
		source,
		handlers,
		{ stopOn: (error) => isKubeError(error) && (error.status === 403 || error.status === 401 || error.status === 404) },
		signal,
	);
}
