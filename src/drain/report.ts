/**
 * @module What the drain says about itself: the periodic progress line, the
 * error at the deadline (which pods are left and which budgets hold them) and
 * the result it hands back.
 */
import type { DrainResult } from './options.ts';
import { type PodState, type Tally, quoted } from './state.ts';

/** kubectl-like progress: "evicted 3 of 5 pods, 42 s to deadline", with the gone and blocked counts as fields. */
export function progressLine(
	states: Iterable<PodState>,
	secondsLeft: number,
): { readonly message: string; readonly fields: { readonly gone: number; readonly blocked: number } } {
	let total = 0;
	let done = 0;
	let gone = 0;
	let blocked = 0;
	for (const state of states) {
		total += 1;
		if (state.status === 'evicted' || state.status === 'deleted' || state.status === 'gone') done += 1;
		if (state.status === 'gone') gone += 1;
		if (state.status === 'pending' && state.blocked !== undefined) blocked += 1;
	}
	return { message: `evicted ${done} of ${total} pods, ${secondsLeft} s to deadline`, fields: { gone, blocked } };
}

/** The error when the deadline came with pods left: each one, and for the blocked ones the budgets that held them. */
export function deadlineError(nodeName: string, states: readonly PodState[]): string {
	const remaining = states.filter((state) => state.status !== 'gone');
	const blocked = remaining.filter((state) => state.blocked !== undefined);
	const details = blocked.map((state) =>
		state.blocked?.kind === 'multiple-pdbs'
			? state.blocked.message
			: `"${state.key}" blocked by PodDisruptionBudget ${quoted(state.blocked?.pdbs ?? [])}`,
	);
	return `Cannot drain node "${nodeName}": ${remaining.length} of ${states.length} pods still on the node at the deadline: ${quoted(remaining.map((state) => state.key))}${details.length > 0 ? `; ${details.join('; ')}` : ''}`;
}

export function drainResult(
	states: readonly PodState[],
	tally: Tally,
	end: { readonly ok: boolean; readonly error: string | undefined; readonly durationMs: number },
): DrainResult {
	const remaining = states.filter((state) => state.status !== 'gone');
	return {
		ok: end.ok,
		evicted: tally.evicted,
		deleted: tally.deleted,
		total: states.length,
		remaining: end.ok ? [] : remaining.map((state) => state.key),
		blocked: remaining
			.filter((state) => state.blocked !== undefined)
			.map((state) => ({ pod: state.key, pdbs: [...(state.blocked?.pdbs ?? [])] })),
		...(end.error === undefined ? {} : { error: end.error }),
		durationMs: end.durationMs,
	};
}
