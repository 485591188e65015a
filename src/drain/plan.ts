/**
 * @module The drain's time plan: eviction order by priority group, each
 * group's latest start, and each pod's grace period capped to the deadline.
 *
 * Groups go in order: ordinary workloads, then `system-cluster-critical`, then
 * `system-node-critical`, then DaemonSet pods (only when EVICT_DAEMON_SET_PODS).
 * A group starts when every pod of the earlier groups is gone, or at its latest
 * start: the later groups reserve, counting back from the deadline, the time
 * their slowest pod needs to stop, so critical pods are never squeezed out by
 * ordinary ones that take too long.
 */
import type { Pod } from '../kube/schemas.ts';
import type { PodSelection } from './select.ts';

export const priorityGroups = ['ordinary', 'cluster-critical', 'node-critical', 'daemonset'] as const;
export type PriorityGroup = (typeof priorityGroups)[number];

/** Priority values of the built-in classes (scheduling/v1). */
export const systemClusterCriticalPriority = 2_000_000_000;
export const systemNodeCriticalPriority = 2_000_001_000;

/** Kubernetes' default `terminationGracePeriodSeconds`. */
export const defaultPodGraceSeconds = 30;
/** Seconds kept between a pod's grace period and the deadline: eviction request, kubelet reaction, API latency. */
export const graceMarginSeconds = 2;
/** The least grace given to a running pod: 0 would remove it from the API at once while its containers still run (a force delete). */
export const minimumGraceSeconds = 1;
/** What a group adds to its slowest pod's grace when reserving time: requests and the kubelet's reaction. */
export const groupSlackSeconds = 3;

export function priorityGroupOf(selection: PodSelection): PriorityGroup {
	if (selection.reason === 'daemonset' || selection.reason === 'daemonset-orphaned') return 'daemonset';
	const pod = selection.pod;
	const priority = pod.spec.priority;
	if (priority !== undefined) {
		if (priority >= systemNodeCriticalPriority) return 'node-critical';
		if (priority >= systemClusterCriticalPriority) return 'cluster-critical';
		return 'ordinary';
	}
	// Without the admission plugin that resolves priorities, go by the class name.
	if (pod.spec.priorityClassName === 'system-node-critical') return 'node-critical';
	if (pod.spec.priorityClassName === 'system-cluster-critical') return 'cluster-critical';
	return 'ordinary';
}

/** The grace period a pod asks for: POD_TERMINATION_GRACE_PERIOD when ≥ 0, else its own (30 s when unset). */
export function baseGraceSeconds(pod: Pod, podGracePeriodSeconds: number): number {
	if (podGracePeriodSeconds >= 0) return podGracePeriodSeconds;
	return pod.spec.terminationGracePeriodSeconds ?? defaultPodGraceSeconds;
}

/**
 * The grace period to send now: the base, cut so the pod can finish
 * {@link graceMarginSeconds} before the deadline, never below
 * {@link minimumGraceSeconds} (unless the base itself is 0).
 */
export function cappedGraceSeconds(baseSeconds: number, nowMs: number, deadlineMs: number): number {
	const left = Math.floor((deadlineMs - nowMs) / 1000) - graceMarginSeconds;
	const floor = Math.min(baseSeconds, minimumGraceSeconds);
	return Math.max(floor, Math.min(baseSeconds, left));
}

export interface GroupPlan {
	readonly group: PriorityGroup;
	/** Keys (`ns/name`) of the group's pods. */
	readonly pods: readonly string[];
	/** Seconds this group reserves before the deadline (its slowest pod's grace plus slack, scaled down when time is short). */
	readonly reservedSeconds: number;
	/** The group starts at the latest here (epoch ms), or earlier once the earlier groups are gone. */
	readonly latestStartMs: number;
}

export interface PlanInput {
	readonly key: string;
	readonly group: PriorityGroup;
	readonly graceSeconds: number;
}

/**
 * Plans the non-empty groups. Each reserves its slowest pod's grace plus
 * {@link groupSlackSeconds}; when the reservations exceed the window they are
 * scaled down together, so every group keeps a proportional share.
 */
export function planGroups(pods: readonly PlanInput[], startMs: number, deadlineMs: number): GroupPlan[] {
	const present = priorityGroups
		.map((group) => ({ group, members: pods.filter((pod) => pod.group === group) }))
		.filter((entry) => entry.members.length > 0);
	const windowSeconds = Math.max(0, (deadlineMs - startMs) / 1000);
	const needs = present.map(
		(entry) => Math.min(windowSeconds, Math.max(...entry.members.map((pod) => pod.graceSeconds))) + groupSlackSeconds,
	);
	const total = needs.reduce((sum, need) => sum + need, 0);
	const scale = total > windowSeconds && total > 0 ? windowSeconds / total : 1;
	const plans: GroupPlan[] = [];
	let reservedAfter = 0;
	for (let index = present.length - 1; index >= 0; index -= 1) {
		const entry = present[index];
		const need = needs[index];
		if (entry === undefined || need === undefined) continue;
		const reservedSeconds = need * scale;
		reservedAfter += reservedSeconds;
		// The first group has nothing before it: it starts at once.
		const latestStartMs = index === 0 ? startMs : Math.max(startMs, deadlineMs - reservedAfter * 1000);
		plans.unshift({ group: entry.group, pods: entry.members.map((pod) => pod.key), reservedSeconds, latestStartMs });
	}
	return plans;
}

/**
 * Seconds before the deadline at which a pod still blocked by a PDB triggers
 * the deadlock policy: its grace period (at most half the drain window, so a
 * long grace does not give up on the budget at once) plus a margin.
 */
export function deadlockLeadSeconds(graceSeconds: number, windowSeconds: number): number {
	const grace = Math.min(graceSeconds, Math.max(minimumGraceSeconds, Math.floor(windowSeconds / 2)));
	return grace + graceMarginSeconds + groupSlackSeconds;
}
