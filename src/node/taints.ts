/**
 * @module NTH's taints: one key per interruption kind, the out-of-service taint, and their removal.
 *
 * Differences from NTH, on purpose: a key already present with another value
 * or effect is updated (NTH kept the stale value, §8.31); values are made
 * valid label values (NTH only truncated); removal takes all four keys and
 * our out-of-service taint whatever TAINT_NODE says (NTH §8.8). Every change
 * is one guarded read-modify-write of `spec.taints` (see update-node.ts).
 */
import type { Taint } from '../kube/schemas.ts';
import type { EventKind } from '../vocabulary.ts';
import type { NodeDeps } from './deps.ts';
import { patchNodeGuarded } from './update-node.ts';
import { taintValueFor } from './values.ts';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface TaintSpec {
	readonly key: string;
	readonly value: string;
	readonly effect: TaintEffect;
}

/** NTH's taint key per interruption kind (§3a). */
export const interruptionTaintKeys: Readonly<Record<EventKind, string>> = {
	SPOT_ITN: 'aws-node-termination-handler/spot-itn',
	SCHEDULED_EVENT: 'aws-node-termination-handler/scheduled-maintenance',
	ASG_LIFECYCLE: 'aws-node-termination-handler/asg-lifecycle-termination',
	REBALANCE_RECOMMENDATION: 'aws-node-termination-handler/rebalance-recommendation',
};

/** `node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`, after a successful drain. */
export const outOfServiceTaint: TaintSpec = { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' };

/** An event id as a taint value: NTH's cut to 63 characters, made valid (see values.ts). */
export const taintValue = taintValueFor;

function describe(taint: { readonly key: string; readonly value?: string | undefined; readonly effect: string }): string {
	return `${taint.key}=${taint.value ?? ''}:${taint.effect}`;
}

function isOurs(taint: Taint): boolean {
	if (Object.values(interruptionTaintKeys).includes(taint.key)) return true;
	return taint.key === outOfServiceTaint.key && taint.value === outOfServiceTaint.value && taint.effect === outOfServiceTaint.effect;
}

/**
 * Adds the taint, or updates the value and effect of one with the same key.
 * Returns true when the node needed it (in dry run: the change was logged).
 */
export async function addTaint(
	deps: NodeDeps,
	nodeName: string,
	options: { readonly taint: TaintSpec; readonly signal: AbortSignal },
): Promise<boolean> {
	const { taint, signal } = options;
	const result = await patchNodeGuarded(deps, nodeName, {
		action: `taint node "${nodeName}"`,
		change: (node) => {
			const taints = node.spec.taints ?? [];
			const same = taints.filter((existing) => existing.key === taint.key);
			if (same.length === 1 && same[0]?.value === taint.value && same[0]?.effect === taint.effect) {
				deps.log.debug('Taint key already present on node', { taint_key: taint.key, node_name: nodeName });
				return undefined;
			}
			// timeAdded is server-managed for NoExecute; leaving it out lets the apiserver stamp it.
			return {
				spec: {
					taints: [
						...taints.filter((existing) => existing.key !== taint.key),
						{ key: taint.key, value: taint.value, effect: taint.effect },
					],
				},
			};
		},
		signal,
	});
	if (result.patch === undefined) return false;
	if (deps.dryRun) {
		deps.log.info(`Would have added taint (${describe(taint)}) to node ${nodeName}, but dry-run flag was set`);
	} else {
		deps.log.info('Successfully added taint on node', { taint_key: taint.key, taint_value: taint.value, node_name: nodeName });
	}
	return true;
}

export interface InterruptionTaint {
	readonly kind: EventKind;
	readonly eventId: string;
	/** TAINT_EFFECT. */
	readonly effect: TaintEffect;
}

/** The pre-drain taint of an interruption (TAINT_NODE): `<kind key>=<event id>:<TAINT_EFFECT>`. */
export function addInterruptionTaint(
	deps: NodeDeps,
	nodeName: string,
	options: { readonly taint: InterruptionTaint; readonly signal: AbortSignal },
): Promise<boolean> {
	const { taint, signal } = options;
	return addTaint(deps, nodeName, {
		taint: { key: interruptionTaintKeys[taint.kind], value: taintValue(taint.eventId), effect: taint.effect },
		signal,
	});
}

/** The out-of-service taint (ENABLE_OUT_OF_SERVICE_TAINT, after a successful drain). */
export function addOutOfServiceTaint(deps: NodeDeps, nodeName: string, signal: AbortSignal): Promise<boolean> {
	return addTaint(deps, nodeName, { taint: outOfServiceTaint, signal });
}

/**
 * Removes the four NTH taints and our out-of-service taint (only with our
 * value and effect; an admin's differs). Returns the removed taints as `k=v:effect`.
 */
export async function removeNthTaints(deps: NodeDeps, nodeName: string, signal: AbortSignal): Promise<readonly string[]> {
	let removed: readonly Taint[] = [];
	const result = await patchNodeGuarded(deps, nodeName, {
		action: `remove taints from node "${nodeName}"`,
		change: (node) => {
			const taints = node.spec.taints ?? [];
			removed = taints.filter(isOurs);
			if (removed.length === 0) return undefined;
			const kept = taints.filter((taint) => !isOurs(taint));
			return { spec: { taints: kept.length === 0 ? null : kept } };
		},
		signal,
	});
	if (result.patch === undefined) return [];
	for (const taint of removed) {
		if (deps.dryRun) deps.log.info(`Would have removed taint (${describe(taint)}) from node ${nodeName}, but dry-run flag was set`);
		else deps.log.info('Successfully released taint on node', { taint_key: taint.key, node_name: nodeName });
	}
	return removed.map(describe);
}
