/**
 * @module The monitors the settings turn on: NTH's ENABLE_* flags, one monitor
 * per IMDS path. Used by the agent and by `nth doctor`, so both poll the same paths.
 */
import type { Config } from '../config/schema.ts';
import type { ImdsClient } from '../imds/types.ts';
import type { Logger } from '../log/logger.ts';
import { createAsgLifecycleMonitor } from './asg-lifecycle.ts';
import { createRebalanceMonitor } from './rebalance.ts';
import { createScheduledEventMonitor } from './scheduled-event.ts';
import { createSpotItnMonitor } from './spot-itn.ts';
import type { Monitor } from './types.ts';

/** The enabled monitors over `deps.client`; rebalance is polled for monitoring or draining alike. */
export function enabledMonitors(config: Config, deps: { readonly client: ImdsClient; readonly log: Logger }): Monitor[] {
	const monitors: Monitor[] = [];
	if (config.enableSpotInterruptionDraining) monitors.push(createSpotItnMonitor({ client: deps.client }));
	if (config.enableScheduledEventDraining) monitors.push(createScheduledEventMonitor({ client: deps.client, log: deps.log }));
	if (config.enableRebalanceMonitoring || config.enableRebalanceDraining) monitors.push(createRebalanceMonitor({ client: deps.client }));
	if (config.enableAsgLifecycleDraining) monitors.push(createAsgLifecycleMonitor({ client: deps.client }));
	return monitors;
}
