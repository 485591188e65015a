/**
 * @module The one list of Kubernetes permissions the agent needs: each
 * {@link KubeApi} method declares what it calls, and under which setting it is
 * called at all.
 *
 * Everything else is derived from {@link methodPermissions}: what `nth doctor`
 * checks, and what the unit tests hold manifests/ (base and components) and the
 * chart's ClusterRole to; an e2e test (test/e2e/zz-rbac-audit.test.ts) holds
 * the apiserver's audit log of the agent's ServiceAccount to it. A grant no
 * method declares is a grant nobody uses: it fails those tests.
 */
import type { AccessCheck, KubeApi } from './api.ts';

/**
 * When a permission is needed: always, or only with one setting (which
 * manifests/ turns on together with the grant in a kustomize component, and the
 * chart with one value).
 */
export type PermissionFeature = 'always' | 'events' | 'pdb-delete';

export interface Permission extends AccessCheck {
	/** Why the agent needs it (printed by the doctor when it is missing). */
	readonly why: string;
	readonly feature: PermissionFeature;
}

/** How each optional feature is switched on in each deployment form. */
export interface FeatureSwitch {
	/** The agent setting, as the doctor names it. */
	readonly setting: string;
	/** The kustomize component under manifests/components/ that adds the setting and the grant. */
	readonly component: string;
	/** The chart value (`--set` form) that adds them. */
	readonly chartValue: string;
	readonly enabled: (settings: PermissionSettings) => boolean;
}

/** The settings that decide which permissions are needed. */
export interface PermissionSettings {
	readonly emitKubernetesEvents: boolean;
	readonly pdbDeadlockPolicy: string;
}

export const featureSwitches: Readonly<Record<Exclude<PermissionFeature, 'always'>, FeatureSwitch>> = {
	events: {
		setting: 'EMIT_KUBERNETES_EVENTS=true',
		component: 'events',
		chartValue: 'emitKubernetesEvents=true',
		enabled: (settings) => settings.emitKubernetesEvents,
	},
	'pdb-delete': {
		setting: 'PDB_DEADLOCK_POLICY=delete',
		component: 'pdb-delete',
		chartValue: 'pdbDeadlockPolicy=delete',
		enabled: (settings) => settings.pdbDeadlockPolicy === 'delete',
	},
};

function core(verb: string, resource: string, why: string, feature: PermissionFeature = 'always', subresource?: string): Permission {
	return { verb, group: '', resource, ...(subresource === undefined ? {} : { subresource }), why, feature };
}

/**
 * What each API method of the client calls. `canI` needs nothing of ours: a
 * SelfSubjectAccessReview is allowed to every authenticated user (the
 * built-in system:basic-user role). The `satisfies` makes a new method declare
 * its permission before it compiles.
 */
export const methodPermissions = {
	getNode: [core('get', 'nodes', 'read its node')],
	listNodes: [core('list', 'nodes', 'find its node by host name label or providerID')],
	patchNode: [
		core('patch', 'nodes', 'cordon, taint and label its node'),
		core('patch', 'nodes', 'set the TerminationHandling condition', 'always', 'status'),
	],
	listPods: [core('list', 'pods', 'list the pods to drain')],
	watchPods: [core('watch', 'pods', 'watch the evicted pods go')],
	evictPod: [core('create', 'pods', 'evict pods (honouring PodDisruptionBudgets)', 'always', 'eviction')],
	deletePod: [
		core('delete', 'pods', 'delete a pod a PodDisruptionBudget still blocks at the deadline (PDB_DEADLOCK_POLICY=delete)', 'pdb-delete'),
	],
	daemonSetExists: [{ verb: 'get', group: 'apps', resource: 'daemonsets', why: 'tell DaemonSet pods from the rest', feature: 'always' }],
	listPodDisruptionBudgets: [
		{ verb: 'list', group: 'policy', resource: 'poddisruptionbudgets', why: 'pace evictions by the budgets', feature: 'always' },
	],
	watchPodDisruptionBudgets: [
		{ verb: 'watch', group: 'policy', resource: 'poddisruptionbudgets', why: 'pace evictions by the budgets', feature: 'always' },
	],
	canI: [],
	createEvent: [core('create', 'events', 'record Kubernetes events (EMIT_KUBERNETES_EVENTS)', 'events')],
	patchEvent: [core('patch', 'events', 'aggregate repeated events (EMIT_KUBERNETES_EVENTS)', 'events')],
} as const satisfies Readonly<Record<keyof KubeApi, readonly Permission[]>>;

/** `group/resource[/subresource]:verb`, the form the tests and the doctor compare. */
export function permissionKey(permission: AccessCheck): string {
	return `${permission.group}/${permission.resource}${permission.subresource ? `/${permission.subresource}` : ''}:${permission.verb}`;
}

/** Every permission any method declares, once each, in declaration order. */
export const allPermissions: readonly Permission[] = (() => {
	const seen = new Map<string, Permission>();
	for (const list of Object.values(methodPermissions)) {
		for (const permission of list) if (!seen.has(permissionKey(permission))) seen.set(permissionKey(permission), permission);
	}
	return [...seen.values()];
})();

/** The permissions one feature adds ('always': the base every configuration needs). */
export function featurePermissions(feature: PermissionFeature): Permission[] {
	return allPermissions.filter((permission) => permission.feature === feature);
}

/** Always needed in IMDS mode. */
export const basePermissions: readonly Permission[] = featurePermissions('always');
/** EMIT_KUBERNETES_EVENTS=true. */
export const eventPermissions: readonly Permission[] = featurePermissions('events');
/** PDB_DEADLOCK_POLICY=delete. */
export const deletePermissions: readonly Permission[] = featurePermissions('pdb-delete');

/** What a configuration needs: the base, then each enabled feature's (events, then pdb-delete). */
export function requiredPermissions(settings: PermissionSettings): Permission[] {
	const features = (['events', 'pdb-delete'] as const).filter((feature) => featureSwitches[feature].enabled(settings));
	return [...featurePermissions('always'), ...features.flatMap((feature) => featurePermissions(feature))];
}
