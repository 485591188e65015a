/**
 * @module Node actions: dry run, cordon-only, taints and the load-balancer label.
 *
 * One group of the settings table (../settings.ts); ../setting.ts says what a setting holds. NTH's names,
 * env vars, defaults and aliases are kept verbatim.
 */
import { setting, flagOf } from '../setting.ts';
import { goBool, oneOf } from '../values.ts';

export const actionSettings = {
	dryRun: flagOf({
		flag: 'dry-run',
		env: 'DRY_RUN',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Log what would be done ("would have been cordoned and drained") and change nothing',
	}),
	cordonOnly: flagOf({
		flag: 'cordon-only',
		env: 'CORDON_ONLY',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Cordon but never drain',
	}),
	taintNode: flagOf({
		flag: 'taint-node',
		env: 'TAINT_NODE',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Taint the node with aws-node-termination-handler/<kind> on an interruption',
	}),
	taintEffect: setting({
		flag: 'taint-effect',
		env: 'TAINT_EFFECT',
		defaultText: 'NoSchedule',
		schema: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
		group: 'actions',
		doc: 'Effect of those taints: NoSchedule, PreferNoSchedule or NoExecute',
	}),
	enableOutOfServiceTaint: flagOf({
		flag: 'enable-out-of-service-taint',
		env: 'ENABLE_OUT_OF_SERVICE_TAINT',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Add node.kubernetes.io/out-of-service=nodeshutdown:NoExecute after a successful drain (not with cordon-only)',
	}),
	excludeFromLoadBalancers: flagOf({
		flag: 'exclude-from-load-balancers',
		env: 'EXCLUDE_FROM_LOAD_BALANCERS',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Label the node node.kubernetes.io/exclude-from-external-load-balancers before cordoning (removed on uncordon)',
	}),
} as const;
