/**
 * @module Which pods a drain touches: kubectl's filter chain (drain/filters.go)
 * with NTH's self filter, plus the terminating and DaemonSet-eviction cases nth adds.
 *
 * Each pod gets one {@link PodSelection}: `evict` (eviction API), `wait` (already
 * terminating: no request, but the drain waits for it), or `skip`. A `fatal`
 * reason fails the whole drain before anything is evicted, as kubectl does.
 */
import * as v from 'valibot';
import type { OwnerReference, Pod } from '../kube/schemas.ts';

export type SelectAction = 'evict' | 'wait' | 'skip';

export type SelectReason =
	| 'self'
	| 'mirror'
	| 'finished'
	| 'daemonset'
	| 'daemonset-orphaned'
	| 'terminating'
	| 'local-storage'
	| 'unreplicated'
	| 'ok';

export interface PodSelection {
	readonly pod: Pod;
	readonly action: SelectAction;
	readonly reason: SelectReason;
	/** kubectl's warning text, printed as `WARNING: <warning>: <pods>`. */
	readonly warning?: string | undefined;
	/** kubectl's fatal text: the drain fails with `cannot delete <fatal>: <pods>`. */
	readonly fatal?: string | undefined;
}

export interface SelectOptions {
	readonly deleteLocalData: boolean;
	readonly ignoreDaemonSets: boolean;
	/** Evict DaemonSet pods (last) instead of skipping them; wins over `ignoreDaemonSets`. */
	readonly evictDaemonSetPods: boolean;
	/** The agent's own pod; an empty namespace matches any namespace (NTH). */
	readonly self?: { readonly name: string; readonly namespace: string } | undefined;
	/** kubectl's orphan check: does this DaemonSet still exist? Throws on API errors. */
	readonly daemonSetExists: (namespace: string, name: string, signal: AbortSignal) => Promise<boolean>;
}

export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

// kubectl's texts, with the flag hints turned into nth's settings.
export const daemonSetFatal = 'DaemonSet-managed Pods (set IGNORE_DAEMON_SETS=true to ignore them)';
export const daemonSetWarning = 'ignoring DaemonSet-managed Pods';
export const localStorageFatal = 'Pods with local storage (set DELETE_LOCAL_DATA=true to evict them)';
export const localStorageWarning = 'deleting Pods with local storage';
export const unmanagedWarning = 'deleting Pods that declare no controller';

/** `namespace/name`, the key the drain uses for a pod everywhere. */
export function podKey(pod: Pod): string {
	return `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
}

/** The owner reference with `controller: true`, as metav1.GetControllerOf. */
export function controllerOf(pod: Pod): OwnerReference | undefined {
	return pod.metadata.ownerReferences?.find((owner) => owner.controller === true);
}

export function isFinished(pod: Pod): boolean {
	const phase = pod.status.phase;
	return phase === 'Succeeded' || phase === 'Failed';
}

export function isTerminating(pod: Pod): boolean {
	return typeof pod.metadata.deletionTimestamp === 'string' && pod.metadata.deletionTimestamp !== '';
}

const PodConditionsSchema = v.looseObject({
	conditions: v.optional(v.nullable(v.array(v.looseObject({ type: v.string(), status: v.string() })))),
});

/** The pod's Ready condition is True (the eviction API lets unready pods through a healthy budget). */
export function isPodReady(pod: Pod): boolean {
	const parsed = v.safeParse(PodConditionsSchema, pod.status);
	if (!parsed.success) return false;
	return (parsed.output.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');
}

function isSelf(pod: Pod, self: SelectOptions['self']): boolean {
	if (self === undefined || self.name === '' || pod.metadata.name !== self.name) return false;
	return self.namespace === '' || pod.metadata.namespace === self.namespace;
}

function isDaemonSetRef(owner: OwnerReference | undefined): owner is OwnerReference {
	return owner !== undefined && owner.kind === 'DaemonSet' && owner.apiVersion === 'apps/v1';
}

function hasLocalStorage(pod: Pod): boolean {
	return (pod.spec.volumes ?? []).some((volume) => volume.emptyDir !== undefined && volume.emptyDir !== null);
}

/**
 * Runs one pod through the chain. Order: self, mirror, finished, DaemonSet,
 * terminating, local storage, unreplicated. The self filter comes first (NTH
 * runs it last, so with IGNORE_DAEMON_SETS=false its own DaemonSet pod failed
 * every drain); a terminating pod is never fatal, it is only waited for.
 */
export async function selectPod(pod: Pod, options: SelectOptions, signal: AbortSignal): Promise<PodSelection> {
	if (isSelf(pod, options.self)) return { pod, action: 'skip', reason: 'self' };
	if (pod.metadata.annotations?.[mirrorPodAnnotation] !== undefined) return { pod, action: 'skip', reason: 'mirror' };
	// kubectl: "any finished pod can be removed", whatever owns it; the eviction API skips PDB checks for them.
	if (isFinished(pod)) return { pod, action: 'evict', reason: 'finished' };
	const owner = controllerOf(pod);
	if (isDaemonSetRef(owner)) {
		const exists = await options.daemonSetExists(pod.metadata.namespace ?? '', owner.name, signal);
		if (!exists) {
			// kubectl with --force (NTH sets it) removes pods whose DaemonSet is gone.
			return withTermination(pod, {
				pod,
				action: 'evict',
				reason: 'daemonset-orphaned',
				warning: `daemonsets.apps "${owner.name}" not found`,
			});
		}
		if (options.evictDaemonSetPods) return withTermination(pod, { pod, action: 'evict', reason: 'daemonset' });
		if (options.ignoreDaemonSets) return { pod, action: 'skip', reason: 'daemonset', warning: daemonSetWarning };
		if (isTerminating(pod)) return { pod, action: 'wait', reason: 'terminating' };
		return { pod, action: 'skip', reason: 'daemonset', fatal: daemonSetFatal };
	}
	if (isTerminating(pod)) return { pod, action: 'wait', reason: 'terminating' };
	if (hasLocalStorage(pod)) {
		if (!options.deleteLocalData) return { pod, action: 'skip', reason: 'local-storage', fatal: localStorageFatal };
		// kubectl lets a later warning (unreplicated) replace this one; nth keeps the first.
		return { pod, action: 'evict', reason: 'local-storage', warning: localStorageWarning };
	}
	if (owner === undefined) return { pod, action: 'evict', reason: 'unreplicated', warning: unmanagedWarning };
	return { pod, action: 'evict', reason: 'ok' };
}

function withTermination(pod: Pod, selection: PodSelection): PodSelection {
	return isTerminating(pod) ? { ...selection, action: 'wait', reason: 'terminating' } : selection;
}

export interface SelectResult {
	readonly selections: readonly PodSelection[];
	/** kubectl's `WARNING: …` text (warnings grouped by message), or "" when there is none. */
	readonly warnings: string;
	/** kubectl's aggregated errors (`cannot delete …: ns/a, ns/b`); the drain must not start when non-empty. */
	readonly errors: readonly string[];
}

/** kubectl's orphan check, asked once per DaemonSet (kubectl asks once per pod). */
export function cachedDaemonSetLookup(lookup: SelectOptions['daemonSetExists']): SelectOptions['daemonSetExists'] {
	const known = new Map<string, Promise<boolean>>();
	return (namespace, name, signal) => {
		const key = `${namespace}/${name}`;
		let found = known.get(key);
		if (found === undefined) {
			found = lookup(namespace, name, signal);
			known.set(key, found);
		}
		return found;
	};
}

/** What {@link summarizeSelections} reads of a selection. */
export interface SelectionNote {
	readonly key: string;
	readonly warning?: string | undefined;
	readonly fatal?: string | undefined;
}

/** kubectl's warning text and aggregated errors for these selections. */
export function summarizeSelections(notes: readonly SelectionNote[]): { readonly warnings: string; readonly errors: readonly string[] } {
	return {
		warnings: groupByMessage(notes, 'warning')
			.map(([message, keys]) => `${message}: ${keys.join(', ')}`)
			.join('; '),
		errors: groupByMessage(notes, 'fatal').map(([message, keys]) => `cannot delete ${message}: ${keys.join(', ')}`),
	};
}

/** Selects every pod (DaemonSets looked up once each). Throws only what `daemonSetExists` throws. */
export async function selectPods(pods: readonly Pod[], options: SelectOptions, signal: AbortSignal): Promise<SelectResult> {
	const cached: SelectOptions = { ...options, daemonSetExists: cachedDaemonSetLookup(options.daemonSetExists) };
	const selections: PodSelection[] = [];
	for (const pod of pods) selections.push(await selectPod(pod, cached, signal));
	return {
		selections,
		...summarizeSelections(
			selections.map((selection) => ({ key: podKey(selection.pod), warning: selection.warning, fatal: selection.fatal })),
		),
	};
}

function groupByMessage(notes: readonly SelectionNote[], field: 'warning' | 'fatal'): [string, string[]][] {
	const groups = new Map<string, string[]>();
	for (const note of notes) {
		const message = note[field];
		if (message === undefined) continue;
		const keys = groups.get(message) ?? [];
		keys.push(note.key);
		groups.set(message, keys);
	}
	return [...groups];
}
