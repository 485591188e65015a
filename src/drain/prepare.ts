/**
 * @module The drain's first step, before the loop: list and select the node's
 * pods (choose.ts; a transient failure starts the listing over until the
 * deadline), stop on a selection error, log the warnings, plan the priority
 * groups and starting states, and name the namespaces whose budgets an
 * eviction can hit. The pod list and the selections live only here: the loop
 * keeps slim state, not 100 full pods.
 */
import { choosePods, planStates } from './choose.ts';
import type { FollowDeps } from './follow.ts';
import type { DrainDeps, DrainOptions } from './options.ts';
import type { GroupPlan } from './plan.ts';
import { retryUntilDeadline } from './retry.ts';
import { summarizeSelections } from './select.ts';
import type { PodState } from './state.ts';
import { PodTracker, type nodePodSource } from './wait.ts';

/** What the loop starts from, or why there is no loop to run. */
export type Prepared =
	| {
			readonly kind: 'ready';
			readonly groups: GroupPlan[];
			readonly states: readonly PodState[];
			readonly tracker: PodTracker;
			readonly resourceVersion: string;
			readonly guardedNamespaces: ReadonlySet<string>;
	  }
	/** Nothing to evict or wait for: the node is drained. */
	| { readonly kind: 'empty' }
	/** The listing never succeeded before the deadline (or the drain was aborted: the caller knows which). */
	| { readonly kind: 'unlisted' }
	/** A pod the settings forbid evicting (kubectl's rules): the drain fails with this error. */
	| { readonly kind: 'refused'; readonly error: string };

export interface PrepareInput {
	readonly deps: DrainDeps & FollowDeps;
	readonly options: DrainOptions;
	readonly source: ReturnType<typeof nodePodSource>;
	readonly startMs: number;
	readonly deadlineMs: number;
}

/** Lists and selects the pods and plans the groups. */
export async function prepareDrain(input: PrepareInput, signal: AbortSignal): Promise<Prepared> {
	const { deps, options, source, startMs, deadlineMs } = input;
	// Transient failures (a page, a DaemonSet lookup, an expired continue token) start the listing over.
	const attempt = (attemptSignal: AbortSignal) => choosePods({ ...options, kube: deps.kube, source }, attemptSignal);
	const listed = await retryUntilDeadline(deps, { what: `list ${source.what}`, deadlineMs, attempt }, signal);
	if (listed === undefined) return { kind: 'unlisted' };
	const summary = summarizeSelections(listed.notes);
	if (summary.errors.length > 0) {
		const error = `Cannot drain node "${options.nodeName}": ${summary.errors.join('; ')}`;
		deps.log.error(error);
		return { kind: 'refused', error };
	}
	if (summary.warnings !== '') deps.log.warn(`WARNING: ${summary.warnings}`);
	const planned = planStates(listed.chosen, { startMs, deadlineMs, nowMs: deps.now() });
	for (const plan of planned.groups) {
		deps.log.debug('Drain group planned', {
			group: plan.group,
			pods: plan.pods.length,
			'latest-start': new Date(plan.latestStartMs).toISOString(),
			'reserved-seconds': Math.round(plan.reservedSeconds),
		});
	}
	if (planned.states.length === 0) return { kind: 'empty' };
	return {
		kind: 'ready',
		groups: planned.groups,
		states: planned.states,
		tracker: new PodTracker(listed.chosen),
		resourceVersion: listed.resourceVersion,
		// Budgets matter only where an eviction can hit one: running pods we evict.
		guardedNamespaces: new Set(
			listed.chosen.filter((pod) => pod.action === 'evict' && !pod.view.ignoresBudgets).map((pod) => pod.namespace),
		),
	};
}
