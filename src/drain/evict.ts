/**
 * @module One eviction (policy/v1) or deadlock delete, and what its answer means.
 *
 * 201 evicted; 404 gone; 409 on our UID precondition: the name now belongs to
 * another pod, so ours is gone; 429 blocked by a PDB (or the apiserver's own
 * throttling: both mean "later"); 500 naming several PDBs: the eviction API
 * cannot evict such a pod at all; anything else: a failure to retry.
 */
import { goDuration } from '../duration.ts';
import { isAbortError, isKubeError } from '../errors.ts';
import type { KubeApi } from '../kube/api.ts';

export interface PodTarget {
	readonly namespace: string;
	readonly name: string;
	readonly uid: string;
}

export type EvictOutcome =
	| { readonly kind: 'evicted' }
	| { readonly kind: 'gone' }
	| { readonly kind: 'blocked'; readonly block: 'pdb' | 'multiple-pdbs'; readonly message: string }
	| { readonly kind: 'failed'; readonly message: string; readonly error: unknown }
	| { readonly kind: 'aborted' };

function messageOf(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	let text = error.message;
	if (error.cause instanceof Error && !text.includes(error.cause.message)) text += `: ${error.cause.message}`;
	return text;
}

/** The apiserver's text for a pod matched by several budgets (eviction.go). */
const multiplePdbsPattern = /more than one PodDisruptionBudget/i;

export function classifyEvictError(error: unknown): EvictOutcome {
	if (isAbortError(error)) return { kind: 'aborted' };
	const message = messageOf(error);
	if (!isKubeError(error)) return { kind: 'failed', message, error };
	switch (error.status) {
		case 404:
			return { kind: 'gone' };
		case 409:
			// Only our UID precondition yields 409 here: the pod was deleted and recreated under the same name.
			return { kind: 'gone' };
		case 429:
			return { kind: 'blocked', block: 'pdb', message };
		case 500:
			if (multiplePdbsPattern.test(message)) return { kind: 'blocked', block: 'multiple-pdbs', message };
			return { kind: 'failed', message, error };
		default:
			return { kind: 'failed', message, error };
	}
}

/** The grace period, and the UID precondition that keeps a request off a same-named successor. */
function preconditions(
	target: PodTarget,
	graceSeconds: number | undefined,
): { gracePeriodSeconds: number | undefined; uid: string | undefined } {
	return { gracePeriodSeconds: graceSeconds, uid: target.uid === '' ? undefined : target.uid };
}

/** POSTs the eviction with a UID precondition (never evicts a same-named successor) and the given grace period. */
export async function evictOnce(
	kube: KubeApi,
	target: PodTarget,
	graceSeconds: number | undefined,
	signal: AbortSignal,
): Promise<EvictOutcome> {
	try {
		await kube.evictPod(target.namespace, target.name, preconditions(target, graceSeconds), signal);
		return { kind: 'evicted' };
	} catch (error) {
		// Classified and handed back: the caller logs and counts by outcome.
		return classifyEvictError(error);
	}
}

/** DELETEs the pod (PDB_DEADLOCK_POLICY=delete), same preconditions; `evicted` here means "deleted". */
export async function deleteOnce(kube: KubeApi, target: PodTarget, graceSeconds: number, signal: AbortSignal): Promise<EvictOutcome> {
	try {
		await kube.deletePod(target.namespace, target.name, preconditions(target, graceSeconds), signal);
		return { kind: 'evicted' };
	} catch (error) {
		// Classified and handed back: the caller logs and counts by outcome.
		const outcome = classifyEvictError(error);
		return outcome.kind === 'blocked' ? { kind: 'failed', message: outcome.message, error } : outcome;
	}
}

/** kubectl's (and so NTH's) line for a refused eviction that will be retried. */
export function evictRetryLine(target: PodTarget, retryMs: number, message: string): string {
	return `error when evicting pods/"${target.name}" -n "${target.namespace}" (will retry after ${goDuration(retryMs)}): ${message}`;
}
