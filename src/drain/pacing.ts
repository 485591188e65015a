/**
 * @module PDB pacing for one pod: whether its eviction goes now, waits for its
 * retry time, or is held because its only budget has no room left (the PDB
 * watch wakes the loop when that changes). The budgets themselves are kept by
 * pdbs.ts; this file only decides.
 */
import type { PdbBook } from './pdbs.ts';
import type { PodState } from './state.ts';
import type { PodView } from './wait.ts';

/** The budget pacing a pod and the room left in it, or undefined when nothing paces the pod. */
export interface Paced {
	readonly pdb: string;
	readonly room: number;
}

/** A pod is paced when it is ready, budget-guarded and matched by exactly one budget of a live book. */
export function pacedBy(book: PdbBook | undefined, key: string, pod: PodView | undefined): Paced | undefined {
	if (book === undefined || book.state !== 'live') return undefined;
	if (pod === undefined || pod.ignoresBudgets || !pod.ready) return undefined;
	const pdbs = book.matchingCached(key, pod);
	const [pdb] = pdbs;
	// Several budgets: the apiserver answers 500, which the caller reports; none: nothing to pace.
	if (pdbs.length !== 1 || pdb === undefined) return undefined;
	return { pdb, room: book.available(pdb) };
}

export type PacingStep =
	| { readonly kind: 'launch'; readonly reserved: string | undefined }
	| { readonly kind: 'hold'; readonly pdb: string }
	| undefined;

/** What to do with a pending pod of an open group at `nowMs`; `version` reads a budget's change marker. */
export function pacingStep(
	state: PodState,
	paced: Paced | undefined,
	context: { readonly nowMs: number; readonly version: (pdb: string) => string | undefined },
): PacingStep {
	const due = context.nowMs >= state.nextAttemptMs;
	if (paced === undefined) {
		// A pod held by pacing that is no longer paced (the book went off, the pod became unready) goes at once.
		return due || state.blocked?.kind === 'paced' ? { kind: 'launch', reserved: undefined } : undefined;
	}
	if (paced.room > 0) {
		// Room in the budget: go when due, or at once when the budget moved since this pod was held or refused.
		const moved = state.blocked !== undefined && context.version(paced.pdb) !== state.blockedVersion;
		return due || moved ? { kind: 'launch', reserved: paced.pdb } : undefined;
	}
	// No room: hold. The PDB watch wakes the loop when the budget changes.
	if (state.blocked === undefined) return { kind: 'hold', pdb: paced.pdb };
	// Held for pacedProbeMs without news: ask the apiserver anyway, in case the watched view is wrong.
	return due ? { kind: 'launch', reserved: undefined } : undefined;
}

/** Marks the pod held by `pdb` until the budget moves or `probeAtMs`. */
export function hold(state: PodState, book: PdbBook | undefined, step: { readonly pdb: string; readonly probeAtMs: number }): void {
	const status = book?.get(step.pdb)?.status;
	state.blocked = {
		kind: 'paced',
		pdbs: [step.pdb],
		message: `The disruption budget ${step.pdb} allows ${status?.disruptionsAllowed ?? 0} more disruptions (${status?.currentHealthy ?? '?'} healthy, ${status?.desiredHealthy ?? '?'} needed)`,
	};
	state.blockedVersion = book?.version(step.pdb) ?? '';
	state.nextAttemptMs = step.probeAtMs;
}
