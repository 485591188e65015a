/**
 * @module The Kubernetes permissions the agent needs, for `nth doctor` and for
 * the test that keeps manifests/ and the chart least-privilege.
 */
import type { AccessCheck } from './api.ts';

export interface Permission extends AccessCheck {
	/** Why the agent needs it (printed by the doctor when it is missing). */
	readonly why: string;
}

/** Always needed in IMDS mode. */
export const basePermissions: readonly Permission[] = [
	{ verb: 'get', group: '', resource: 'nodes', why: 'read its node' },
	{ verb: 'list', group: '', resource: 'nodes', why: 'find its node by host name or providerID' },
	{ verb: 'watch', group: '', resource: 'nodes', why: 'follow its node' },
	{ verb: 'patch', group: '', resource: 'nodes', why: 'cordon, taint and label its node' },
	{ verb: 'patch', group: '', resource: 'nodes', subresource: 'status', why: 'set the TerminationHandling condition' },
	{ verb: 'get', group: '', resource: 'pods', why: 'read pods on the node' },
	{ verb: 'list', group: '', resource: 'pods', why: 'list the pods to drain' },
	{ verb: 'watch', group: '', resource: 'pods', why: 'watch the evicted pods go' },
	{ verb: 'create', group: '', resource: 'pods', subresource: 'eviction', why: 'evict pods (honouring PodDisruptionBudgets)' },
	{ verb: 'get', group: 'apps', resource: 'daemonsets', why: 'tell DaemonSet pods from the rest' },
	{ verb: 'list', group: 'policy', resource: 'poddisruptionbudgets', why: 'pace evictions by the budgets' },
	{ verb: 'watch', group: 'policy', resource: 'poddisruptionbudgets', why: 'pace evictions by the budgets' },
];

/** EMIT_KUBERNETES_EVENTS=true. */
export const eventPermissions: readonly Permission[] = [
	{ verb: 'create', group: '', resource: 'events', why: 'record Kubernetes events (EMIT_KUBERNETES_EVENTS)' },
	{ verb: 'patch', group: '', resource: 'events', why: 'aggregate repeated events (EMIT_KUBERNETES_EVENTS)' },
];

/** PDB_DEADLOCK_POLICY=delete. */
export const deletePermissions: readonly Permission[] = [
	{ verb: 'delete', group: '', resource: 'pods', why: 'delete a pod a PodDisruptionBudget still blocks at the deadline (PDB_DEADLOCK_POLICY=delete)' },
];

/** What a configuration needs. */
export function requiredPermissions(settings: { readonly emitKubernetesEvents: boolean; readonly pdbDeadlockPolicy: string }): Permission[] {
	return [...basePermissions, ...(settings.emitKubernetesEvents ? eventPermissions : []), ...(settings.pdbDeadlockPolicy === 'delete' ? deletePermissions : [])];
}

/** `group/resource[/subresource]:verb`, the form the manifests test compares. */
export function permissionKey(permission: AccessCheck): string {
	return `${permission.group}/${permission.resource}${permission.subresource ? `/${permission.subresource}` : ''}:${permission.verb}`;
}
