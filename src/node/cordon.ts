/**
 * @module Cordon and uncordon (`spec.unschedulable`), reporting whose cordon it was.
 *
 * Cordon reports whether the node was already unschedulable before us, so the
 * caller records it and a later release never undoes an admin's cordon
 * (NTH §8.19). Both patches are guarded by the resourceVersion: a concurrent
 * change makes us read again, so "already cordoned" is judged on fresh data.
 */
import type { NodeDeps } from './deps.ts';
import { patchNodeGuarded } from './update-node.ts';

export interface CordonResult {
	/** The node was unschedulable before this call (an admin's or an earlier cordon). */
	readonly wasUnschedulable: boolean;
	/** This call made the change (never in dry run). */
	readonly changed: boolean;
}

/** Marks the node unschedulable. Throws KubeError (404 when the node is gone). */
export async function cordonNode(deps: NodeDeps, nodeName: string, signal: AbortSignal): Promise<CordonResult> {
	const result = await patchNodeGuarded(deps, nodeName, {
		action: `cordon node "${nodeName}"`,
		change: (node) => (node.spec.unschedulable === true ? undefined : { spec: { unschedulable: true } }),
		signal,
	});
	const wasUnschedulable = result.before.spec.unschedulable === true;
	if (deps.dryRun) {
		deps.log.info('Node would have been cordoned, but dry-run flag was set', { node_name: nodeName });
		return { wasUnschedulable, changed: false };
	}
	if (result.patch !== undefined) deps.log.info('Node cordoned', { node_name: nodeName });
	else deps.log.info('Node was already cordoned', { node_name: nodeName });
	return { wasUnschedulable, changed: result.patch !== undefined };
}

/**
 * Marks the node schedulable. The caller decides whether it may (only when
 * we cordoned it). Throws KubeError (404 when the node is gone).
 */
export async function uncordonNode(deps: NodeDeps, nodeName: string, signal: AbortSignal): Promise<CordonResult> {
	const result = await patchNodeGuarded(deps, nodeName, {
		action: `uncordon node "${nodeName}"`,
		change: (node) => (node.spec.unschedulable === true ? { spec: { unschedulable: null } } : undefined),
		signal,
	});
	const wasUnschedulable = result.before.spec.unschedulable === true;
	if (deps.dryRun) {
		deps.log.info('Node would have been uncordoned, but dry-run flag was set', { node_name: nodeName });
		return { wasUnschedulable, changed: false };
	}
	if (result.patch !== undefined) deps.log.info('Node uncordoned', { node_name: nodeName });
	return { wasUnschedulable, changed: result.patch !== undefined };
}
