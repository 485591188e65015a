/**
 * @module Every setting of the agent: flag, env var, default, meaning, parser.
 *
 * This one table produces the `Config` type (schema.ts), `--help`, the
 * precedence rules (load.ts) and the redacted config dump. NTH's names, env
 * vars, defaults and deprecated aliases are kept verbatim so an NTH DaemonSet's
 * environment works unchanged; settings NTH does not have are marked "nth".
 */
import { actionSettings } from './settings/actions.ts';
import { drainSettings } from './settings/drain.ts';
import { imdsSettings } from './settings/imds.ts';
import { kubernetesSettings } from './settings/kubernetes.ts';
import { observabilitySettings } from './settings/observability.ts';
import { queueProcessorSettings } from './settings/queue-processor.ts';
import { webhookSettings } from './settings/webhook.ts';

/** The groups in --help's order (settings/*.ts, one file per group). */
export const settings = {
	...kubernetesSettings,
	...imdsSettings,
	...actionSettings,
	...drainSettings,
	...webhookSettings,
	...observabilitySettings,
	...queueProcessorSettings,
} as const;

export type SettingKey = keyof typeof settings;
export const settingKeys = Object.keys(settings) as SettingKey[];
