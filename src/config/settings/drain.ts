/**
 * @module The drain: which pods, grace periods, the time budget and the PDB-deadlock policy.
 *
 * One group of the settings table (../settings.ts); ../setting.ts says what a setting holds. NTH's names,
 * env vars, defaults and aliases are kept verbatim.
 */
import { setting, flagOf } from '../setting.ts';
import { goBool, goInt, oneOf } from '../values.ts';

export const drainSettings = {
	deleteLocalData: flagOf({
		flag: 'delete-local-data',
		env: 'DELETE_LOCAL_DATA',
		defaultText: 'true',
		schema: goBool,
		group: 'drain',
		doc: 'Evict pods with emptyDir volumes (their data is lost); when false such pods fail the drain',
	}),
	ignoreDaemonSets: flagOf({
		flag: 'ignore-daemon-sets',
		env: 'IGNORE_DAEMON_SETS',
		defaultText: 'true',
		schema: goBool,
		group: 'drain',
		doc: 'Skip DaemonSet pods; when false a running DaemonSet pod fails the drain (kubectl semantics)',
	}),
	podTerminationGracePeriod: setting({
		flag: 'pod-termination-grace-period',
		env: 'POD_TERMINATION_GRACE_PERIOD',
		defaultText: '-1',
		schema: goInt(-1, 86_400),
		group: 'drain',
		alias: { flag: 'grace-period', env: 'GRACE_PERIOD' },
		doc: "Seconds each pod gets to stop; negative uses the pod's own terminationGracePeriodSeconds (always capped to fit the deadline)",
	}),
	nodeTerminationGracePeriod: setting({
		flag: 'node-termination-grace-period',
		env: 'NODE_TERMINATION_GRACE_PERIOD',
		defaultText: '120',
		schema: goInt(0, 86_400),
		group: 'drain',
		doc: 'Seconds before an interruption to start draining; also the drain time budget when the notice carries no deadline',
	}),
	drainSafetyMargin: setting({
		flag: 'drain-safety-margin',
		env: 'DRAIN_SAFETY_MARGIN',
		defaultText: '10',
		schema: goInt(0, 3_600),
		group: 'drain',
		nth: true,
		doc: "Seconds kept free before the notice's deadline: pods must be gone by deadline minus this",
	}),
	pdbDeadlockPolicy: setting({
		flag: 'pdb-deadlock-policy',
		env: 'PDB_DEADLOCK_POLICY',
		defaultText: 'wait',
		schema: oneOf(['wait', 'delete'], true),
		group: 'drain',
		nth: true,
		doc: 'Near the deadline, a pod a PodDisruptionBudget still blocks: wait (keep retrying, as NTH) or delete (delete it with its grace period). Either way a Warning event names the pod and the PDB',
	}),
	evictDaemonSetPods: flagOf({
		flag: 'evict-daemon-set-pods',
		env: 'EVICT_DAEMON_SET_PODS',
		defaultText: 'false',
		schema: goBool,
		group: 'drain',
		nth: true,
		doc: 'Evict DaemonSet pods last (after critical pods) instead of skipping them',
	}),
} as const;
