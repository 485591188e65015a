/**
 * @module Waiting for pods to be gone with one watch per node.
 *
 * kubectl polls `GET pod` once a second per pod; the drain instead keeps one
 * watch on `spec.nodeName=<node>` (started from the list the drain selected
 * from) and feeds its events to a {@link PodTracker}. A pod is gone when it is
 * deleted, or when its name comes back with another UID (a StatefulSet
 * replacement): kubectl's rule.
 */
import type { KubeApi, WatchEvent } from '../kube/api.ts';
import type { Pod } from '../kube/schemas.ts';
import { isFinished, isPodReady, isTerminating, podKey } from './select.ts';

/**
 * What the drain needs of a pod, and no more: the tracker keeps one per pod
 * and replaces it on every event, so a full Pod kept here would turn every
 * watch event into long-lived garbage (and the drain's peak RSS with it).
 */
export interface PodView {
	readonly namespace: string;
	readonly labels: Readonly<Record<string, string>>;
	/** Succeeded, Failed or Pending, or terminating: the eviction API skips PDB checks for these. */
	readonly ignoresBudgets: boolean;
	readonly ready: boolean;
}

export function podView(pod: Pod): PodView {
	return {
		namespace: pod.metadata.namespace ?? '',
		labels: pod.metadata.labels ?? {},
		ignoresBudgets: isFinished(pod) || isTerminating(pod) || pod.status.phase === 'Pending',
		ready: isPodReady(pod),
	};
}

export interface TrackedPod {
	readonly key: string;
	readonly uid: string;
	/** From the latest version seen. */
	view: PodView;
	gone: boolean;
}

/** The tracker's starting entry for a pod. */
export function trackedFrom(pod: Pod): { readonly key: string; readonly uid: string; readonly view: PodView } {
	return { key: podKey(pod), uid: pod.metadata.uid, view: podView(pod) };
}

/** The pods a drain waits for, keyed `ns/name`. */
export class PodTracker {
	readonly #pods = new Map<string, TrackedPod>();
	#remaining = 0;
	#onGone: (tracked: TrackedPod) => void = () => {};
	#onUpdate: (tracked: TrackedPod) => void = () => {};

	constructor(entries: Iterable<{ readonly key: string; readonly uid: string; readonly view: PodView }>) {
		for (const entry of entries) {
			this.#pods.set(entry.key, { key: entry.key, uid: entry.uid, view: entry.view, gone: false });
			this.#remaining += 1;
		}
	}

	/** Listeners: a tracked pod left; a tracked pod changed (still there). */
	on(listeners: { gone: (tracked: TrackedPod) => void; update?: (tracked: TrackedPod) => void }): void {
		this.#onGone = listeners.gone;
		this.#onUpdate = listeners.update ?? (() => {});
	}

	get remaining(): number {
		return this.#remaining;
	}

	get(key: string): TrackedPod | undefined {
		return this.#pods.get(key);
	}

	/** Marks a pod gone (eviction answered 404, or a UID precondition failed). */
	markGone(key: string): void {
		const tracked = this.#pods.get(key);
		if (tracked === undefined || tracked.gone) return;
		tracked.gone = true;
		this.#remaining -= 1;
		this.#onGone(tracked);
	}

	event(event: WatchEvent<Pod>): void {
		const key = podKey(event.object);
		const tracked = this.#pods.get(key);
		if (tracked === undefined || tracked.gone) return;
		if (event.object.metadata.uid !== tracked.uid) {
			// Same name, new pod: the one we evicted is gone.
			this.markGone(key);
		} else if (event.type === 'DELETED') {
			this.markGone(key);
		} else {
			tracked.view = podView(event.object);
			this.#onUpdate(tracked);
		}
	}

	/** A relist: every tracked pod missing from it, or back with another UID, is gone. */
	sync(pods: readonly Pod[]): void {
		const present = new Map(pods.map((pod) => [podKey(pod), pod]));
		for (const tracked of this.#pods.values()) {
			if (tracked.gone) continue;
			const pod = present.get(tracked.key);
			if (pod === undefined || pod.metadata.uid !== tracked.uid) {
				this.markGone(tracked.key);
			} else {
				tracked.view = podView(pod);
				this.#onUpdate(tracked);
			}
		}
	}
}

export function nodeFieldSelector(nodeName: string): string {
	return `spec.nodeName=${nodeName}`;
}

/**
 * List and watch source for the pods of one node. `timeoutSeconds` bounds
 * each watch on the server side (the drain asks for its time left), so a
 * stream can never outlive the drain by much, whatever happens to the client.
 */
export function nodePodSource(kube: KubeApi, nodeName: string, useApiserverCache: boolean, timeoutSeconds?: () => number) {
	const fieldSelector = nodeFieldSelector(nodeName);
	return {
		what: `pods on node "${nodeName}"`,
		list: (signal: AbortSignal) => kube.listPods({ fieldSelector, resourceVersion: useApiserverCache ? '0' : undefined }, signal),
		/** One page of at most `limit` pods (the drain's first list pages, so it never holds every full pod at once). */
		listPage: (limit: number, token: string | undefined, signal: AbortSignal) =>
			kube.listPods({ fieldSelector, resourceVersion: useApiserverCache ? '0' : undefined, limit, continue: token }, signal),
		watch: (resourceVersion: string, signal: AbortSignal) =>
			kube.watchPods({ fieldSelector, resourceVersion, allowBookmarks: true, timeoutSeconds: timeoutSeconds?.() }, signal),
	};
}

/** Names of the pods on the node (NTH's `Pods on node` line and the webhook's `.Pods`), unfiltered. */
export async function listPodNames(kube: KubeApi, nodeName: string, signal: AbortSignal): Promise<string[]> {
	const listed = await kube.listPods({ fieldSelector: nodeFieldSelector(nodeName) }, signal);
	return listed.items.map((pod) => pod.metadata.name);
}
