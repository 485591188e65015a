/**
 * @module NTH's node labels: the reboot bookkeeping and the exclude-from-load-balancers label.
 *
 * Labels are added and removed with JSON merge patches (`null` removes, and
 * removing an absent label is a no-op: NTH's JSON-patch removal failed on a
 * missing label and skipped the rest, §8.8). The exclude-from-LB label is only
 * added when the key is absent and only removed when the value is ours (NTH
 * had that check inverted, §8.1); both decisions are made on the node as read
 * and the patch is guarded by its resourceVersion.
 */
import type { NodeDeps } from './deps.ts';
import { nowOf, patchNodeGuarded } from './update-node.ts';
import { labelValueFor } from './values.ts';

export const eventIdLabel = 'aws-node-termination-handler/event-id';
export const actionLabel = 'aws-node-termination-handler/action';
export const actionTimeLabel = 'aws-node-termination-handler/action-time';
export const uncordonAfterReboot = 'UncordonAfterReboot';
export const excludeFromLoadBalancersLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';
export const excludeFromLoadBalancersValue = 'aws-node-termination-handler';

function wouldHaveAdded(deps: NodeDeps, nodeName: string, labels: Readonly<Record<string, string>>): void {
	for (const [key, value] of Object.entries(labels)) {
		deps.log.info(`Would have added label (${key}=${value}) to node ${nodeName}, but dry-run flag was set`);
	}
}

function wouldHaveRemoved(deps: NodeDeps, nodeName: string, keys: readonly string[]): void {
	for (const key of keys) deps.log.info(`Would have removed label with key ${key} from node ${nodeName}, but dry-run flag was set`);
}

/** Sets labels (one merge patch). Throws KubeError (404 when the node is gone, 422 for an invalid value). */
export async function addNodeLabels(
	deps: NodeDeps,
	nodeName: string,
	options: { readonly labels: Readonly<Record<string, string>>; readonly signal: AbortSignal },
): Promise<void> {
	const { labels, signal } = options;
	if (deps.dryRun) {
		wouldHaveAdded(deps, nodeName, labels);
		return;
	}
	await deps.kube.patchNode(nodeName, { type: 'merge', body: { metadata: { labels } } }, signal);
	deps.log.debug('Labelled node', { node_name: nodeName, labels });
}

/** Removes labels (one merge patch); absent ones are fine. */
export async function removeNodeLabels(
	deps: NodeDeps,
	nodeName: string,
	options: { readonly keys: readonly string[]; readonly signal: AbortSignal },
): Promise<void> {
	const { keys, signal } = options;
	if (keys.length === 0) return;
	if (deps.dryRun) {
		wouldHaveRemoved(deps, nodeName, keys);
		return;
	}
	const labels = Object.fromEntries(keys.map((key) => [key, null]));
	await deps.kube.patchNode(nodeName, { type: 'merge', body: { metadata: { labels } } }, signal);
	deps.log.debug('Removed node labels', { node_name: nodeName, keys });
}

export interface RebootMark {
	/** The event's id; the label holds it, or a digest of it when it is not a valid value ({@link labelValueFor}). */
	readonly eventId: string;
	/**
	 * Also ask for an uncordon after the reboot (`action=UncordonAfterReboot` and
	 * `action-time`). Only when the node was schedulable before us, so an
	 * admin's cordon survives the reboot.
	 */
	readonly uncordonAfterReboot: boolean;
}

/** The pre-drain labels of a restart-type scheduled event (NTH's MarkWithEventID + MarkForUncordonAfterReboot), in one patch. */
export function labelForReboot(
	deps: NodeDeps,
	nodeName: string,
	options: { readonly mark: RebootMark; readonly signal: AbortSignal },
): Promise<void> {
	const { mark, signal } = options;
	const labels: Record<string, string> = { [eventIdLabel]: labelValueFor(mark.eventId) };
	if (mark.uncordonAfterReboot) {
		labels[actionLabel] = uncordonAfterReboot;
		labels[actionTimeLabel] = String(Math.floor(nowOf(deps).getTime() / 1000));
	}
	return addNodeLabels(deps, nodeName, { labels, signal });
}

/**
 * Adds `node.kubernetes.io/exclude-from-external-load-balancers=aws-node-termination-handler`
 * unless the key is already there (with any value). Returns true when it was (or in dry run, would have been) added.
 */
export async function excludeFromLoadBalancers(deps: NodeDeps, nodeName: string, signal: AbortSignal): Promise<boolean> {
	const result = await patchNodeGuarded(deps, nodeName, {
		action: `label node "${nodeName}"`,
		change: (node) => {
			if (node.metadata.labels?.[excludeFromLoadBalancersLabel] !== undefined) return undefined;
			return { metadata: { labels: { [excludeFromLoadBalancersLabel]: excludeFromLoadBalancersValue } } };
		},
		signal,
	});
	if (result.patch === undefined) {
		deps.log.debug('Node already has the exclude-from-load-balancers label; leaving it', { node_name: nodeName });
		return false;
	}
	if (deps.dryRun) wouldHaveAdded(deps, nodeName, { [excludeFromLoadBalancersLabel]: excludeFromLoadBalancersValue });
	return true;
}

/**
 * Removes the event-id, action and action-time labels, and the
 * exclude-from-LB label only when its value is ours. Returns the keys removed
 * (in dry run: that would have been).
 */
export async function removeNthLabels(deps: NodeDeps, nodeName: string, signal: AbortSignal): Promise<readonly string[]> {
	let keys: string[] = [];
	const result = await patchNodeGuarded(deps, nodeName, {
		action: `remove labels from node "${nodeName}"`,
		change: (node) => {
			const labels = node.metadata.labels ?? {};
			keys = [eventIdLabel, actionLabel, actionTimeLabel].filter((key) => labels[key] !== undefined);
			if (labels[excludeFromLoadBalancersLabel] === excludeFromLoadBalancersValue) keys.push(excludeFromLoadBalancersLabel);
			if (keys.length === 0) return undefined;
			return { metadata: { labels: Object.fromEntries(keys.map((key) => [key, null])) } };
		},
		signal,
	});
	if (result.patch === undefined) return [];
	if (deps.dryRun) wouldHaveRemoved(deps, nodeName, keys);
	else deps.log.debug('Removed NTH labels', { node_name: nodeName, keys });
	return keys;
}
