/**
 * @module The drain's selection pass: lists the node's pods a page at a time,
 * runs each through the filters (select.ts) and keeps only what the drain
 * needs of the pods it evicts or waits for. A 100-pod list parsed whole is
 * megabytes the garbage collector sees late; the kept entries are small.
 * Then plans their priority groups and starting states.
 */
import type { KubeApi } from '../kube/api.ts';
import { listPageSize } from './options.ts';
import { type GroupPlan, type PriorityGroup, baseGraceSeconds, planGroups, priorityGroupOf } from './plan.ts';
import { type PodSelection, type SelectOptions, type SelectionNote, cachedDaemonSetLookup, podKey, selectPod } from './select.ts';
import { type PodState, podState } from './state.ts';
import { type PodView, type nodePodSource, podView } from './wait.ts';

/** What the drain keeps of a pod it evicts or waits for (never the full Pod). */
export interface Chosen {
	readonly key: string;
	readonly namespace: string;
	readonly name: string;
	readonly uid: string;
	readonly action: 'evict' | 'wait';
	readonly group: PriorityGroup;
	readonly baseGrace: number;
	/** deletionTimestamp in epoch ms, NaN when not terminating. */
	readonly deletionMs: number;
	readonly view: PodView;
}

export interface Choice {
	readonly chosen: readonly Chosen[];
	readonly notes: readonly SelectionNote[];
	readonly resourceVersion: string;
}

export interface ChooseOptions extends Omit<SelectOptions, 'daemonSetExists'> {
	readonly kube: KubeApi;
	readonly source: ReturnType<typeof nodePodSource>;
	/** POD_TERMINATION_GRACE_PERIOD; negative = the pod's own. */
	readonly podGracePeriodSeconds: number;
}

export async function choosePods(options: ChooseOptions, signal: AbortSignal): Promise<Choice> {
	const kube = options.kube;
	const selectOptions: SelectOptions = {
		deleteLocalData: options.deleteLocalData,
		ignoreDaemonSets: options.ignoreDaemonSets,
		evictDaemonSetPods: options.evictDaemonSetPods,
		self: options.self,
		daemonSetExists: cachedDaemonSetLookup((namespace, name, inner) => kube.daemonSetExists(namespace, name, inner)),
	};
	const chosen: Chosen[] = [];
	const notes: SelectionNote[] = [];
	let token: string | undefined;
	let resourceVersion = '';
	do {
		const page = await options.source.listPage(listPageSize, token, signal);
		for (const pod of page.items) {
			const selection = await selectPod(pod, selectOptions, signal);
			notes.push({ key: podKey(pod), warning: selection.warning, fatal: selection.fatal });
			if (selection.action !== 'skip') chosen.push(chosenOf(selection, options.podGracePeriodSeconds));
		}
		token = page.continue;
		resourceVersion = page.resourceVersion;
	} while (token !== undefined && token !== '');
	return { chosen, notes, resourceVersion };
}

function chosenOf(selection: PodSelection, podGracePeriodSeconds: number): Chosen {
	const pod = selection.pod;
	return {
		key: podKey(pod),
		namespace: pod.metadata.namespace ?? '',
		name: pod.metadata.name,
		uid: pod.metadata.uid,
		action: selection.action === 'wait' ? 'wait' : 'evict',
		group: priorityGroupOf(selection),
		baseGrace: baseGraceSeconds(pod, podGracePeriodSeconds),
		deletionMs: Date.parse(pod.metadata.deletionTimestamp ?? ''),
		view: podView(pod),
	};
}

/** The priority groups' timing (plan.ts) and each chosen pod's starting state. */
export function planStates(
	chosen: readonly Chosen[],
	times: { readonly startMs: number; readonly deadlineMs: number; readonly nowMs: number },
): { readonly groups: GroupPlan[]; readonly states: PodState[] } {
	const groups = planGroups(
		chosen.map((pod) => ({ key: pod.key, group: pod.group, graceSeconds: pod.baseGrace })),
		times.startMs,
		times.deadlineMs,
	);
	const groupIndex = new Map<PriorityGroup, number>(groups.map((plan, index) => [plan.group, index]));
	const states = chosen.map((pod) => {
		// A terminating pod is only waited for, unless it would outlive the deadline: evicting it again shortens its grace.
		const waitOnly = pod.action === 'wait' && !(pod.deletionMs > times.deadlineMs - 1000);
		const { key, namespace, name, uid, baseGrace } = pod;
		return podState(
			{ key, namespace, name, uid, baseGrace, groupIndex: groupIndex.get(pod.group) ?? 0, labels: pod.view.labels },
			waitOnly,
			times.nowMs,
		);
	});
	return { groups, states };
}
