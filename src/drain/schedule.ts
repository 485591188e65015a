/**
 * @module The drain loop's timing decisions, pure: which priority groups are
 * open (a group opens when the earlier ones are gone or at its latest start,
 * plan.ts), and when the loop must wake on its own (the deadline, the next
 * progress line, the next group's start, a pod's retry time, a blocked pod's
 * deadlock time), whatever news arrives in between.
 */
import { type DeadlockWindow, deadlockDueMs } from './deadlock.ts';
import { maxConcurrentEvictions, progressIntervalMs } from './options.ts';
import type { GroupPlan } from './plan.ts';
import type { PodState } from './state.ts';

export interface GroupsView {
	readonly groups: readonly GroupPlan[];
	/** Groups open so far (the first `openGroups` of `groups`). */
	readonly openGroups: number;
	readonly states: readonly PodState[];
	readonly nowMs: number;
}

/** How many groups are open at `nowMs`, and the ones opened now after the first (for the log line) with why. */
export function openDueGroups(view: GroupsView): {
	readonly openGroups: number;
	readonly opened: readonly { readonly plan: GroupPlan; readonly reason: string }[];
} {
	let open = view.openGroups;
	const opened: { plan: GroupPlan; reason: string }[] = [];
	while (open < view.groups.length) {
		const plan = view.groups[open];
		if (plan === undefined) break;
		const earlierGone = view.states.every((state) => state.groupIndex >= open || state.status === 'gone');
		if (!earlierGone && view.nowMs < plan.latestStartMs) break;
		if (open > 0) opened.push({ plan, reason: earlierGone ? 'earlier groups gone' : 'its share of the time' });
		open += 1;
	}
	return { openGroups: open, opened };
}

export interface WakeView extends GroupsView {
	readonly inflight: number;
	readonly lastProgressMs: number;
	readonly window: DeadlockWindow;
}

/** The time the loop must look again, at the latest; never before `nowMs`. */
export function nextWakeMs(view: WakeView): number {
	let next = Math.min(view.window.deadlineMs, view.lastProgressMs + progressIntervalMs);
	const nextGroup = view.groups[view.openGroups];
	if (nextGroup !== undefined) next = Math.min(next, nextGroup.latestStartMs);
	for (const state of view.states) {
		if (state.status !== 'pending') continue;
		if (state.groupIndex < view.openGroups && view.inflight < maxConcurrentEvictions) next = Math.min(next, state.nextAttemptMs);
		if (state.blocked !== undefined && !state.deadlockDone)
			next = Math.min(next, Math.max(state.deadlockRetryMs, deadlockDueMs(state, view.window)));
	}
	return Math.max(next, view.nowMs);
}
