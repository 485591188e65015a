/**
 * @module The drain's contract and its tuning: the options a caller passes,
 * the result it gets back, the dependencies it injects, and the timing
 * constants the engine (drain.ts) paces itself by. Kept apart so the engine's
 * pieces and their tests share one definition without importing the engine.
 */
import type { Sleep } from '../clock.ts';
import type { KubeApi } from '../kube/api.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { EventRecorder } from '../notify/types.ts';

export interface DrainOptions {
	readonly nodeName: string;
	/** Pods must be gone by then (the caller already subtracted the safety margin). */
	readonly deadline: Date;
	/** POD_TERMINATION_GRACE_PERIOD; negative = the pod's own. Always capped to fit the deadline. */
	readonly podGracePeriodSeconds: number;
	readonly deleteLocalData: boolean;
	readonly ignoreDaemonSets: boolean;
	readonly evictDaemonSetPods: boolean;
	readonly pdbDeadlockPolicy: 'wait' | 'delete';
	readonly self?: { readonly name: string; readonly namespace: string } | undefined;
	/** List from the apiserver cache (resourceVersion=0); the filters apply all the same. */
	readonly useApiserverCache: boolean;
}

export interface BlockedPod {
	readonly pod: string;
	readonly pdbs: string[];
}

export interface DrainResult {
	readonly ok: boolean;
	/** Pods whose eviction was accepted (or that were already gone when evicted). */
	readonly evicted: number;
	/** Pods deleted past their budget (PDB_DEADLOCK_POLICY=delete). */
	readonly deleted: number;
	/** Pods the drain had to see gone (evicted, deleted or already terminating). */
	readonly total: number;
	/** `ns/name` of the pods still on the node. */
	readonly remaining: readonly string[];
	/** Remaining pods a PodDisruptionBudget kept, with the budgets (`ns/name`). */
	readonly blocked: readonly BlockedPod[];
	readonly error?: string | undefined;
	readonly durationMs: number;
}

export interface DrainDeps {
	readonly kube: KubeApi;
	readonly log: Logger;
	readonly metrics: Metrics;
	readonly recorder: EventRecorder;
	/** Clock (epoch ms). @default Date.now */
	readonly now?: (() => number) | undefined;
	/** Resolves after `ms`, rejects when the signal aborts. @default a timer */
	readonly sleep?: Sleep | undefined;
}

/** At most this many eviction requests in flight (kubectl fires all at once). */
export const maxConcurrentEvictions = 16;
/** A pod held by a budget at 0 is still tried this often, in case the watched view is wrong. */
export const pacedProbeMs = 30_000;
/** How long the first eviction waits for the PDB list (after that, evict unpaced until it arrives). */
export const pdbSyncWaitMs = 3_000;
/** Pods per page of the first list. */
export const listPageSize = 50;
/** Progress lines at most this often. */
export const progressIntervalMs = 5_000;
/** A drain whose deadline has passed still gets this long: one round of evictions and a short wait. */
export const minimumWindowMs = 5_000;
/** Seconds a watch may outlast the deadline (server-side timeoutSeconds). */
export const watchSlackSeconds = 10;
/** Retry delay of a pod matched by several budgets (an admin must fix them; no point asking often). */
export const multiplePdbsRetryMs = 10_000;

/** Backoff of a refused or failed eviction without pacing: 1 s, 2 s, 4 s, then 5 s (kubectl's fixed delay). */
export function evictBackoffMs(failures: number): number {
	return Math.min(5000, 1000 * 2 ** Math.max(0, failures - 1));
}
