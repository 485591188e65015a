/**
 * @module The Auto Scaling target lifecycle state (`autoscaling/target-lifecycle-state`).
 *
 * Only `Terminated` is an interruption (404 or any other state is not; the
 * body is trimmed, which NTH does not do). NTH hashes `time.Now()` into the
 * id, making a new event on every poll while the state stays Terminated
 * (§8.4). Here the id is fixed at the transition: the first poll that sees
 * Terminated picks StartTime and the id, later polls repeat them, and only a
 * poll that sees another state (or 404) ends the transition, so leaving
 * Terminated and coming back gives a new event. A failed poll changes nothing.
 */
import { asgTargetLifecycleStatePath } from '../imds/paths.ts';
import type { ImdsClient } from '../imds/types.ts';
import { sha256Hex } from './event-id.ts';
import type { InterruptionEvent, Monitor, MonitorResult } from './types.ts';

export interface AsgLifecycleMonitorDeps {
	readonly client: ImdsClient;
	/** Wall clock for StartTime. @default () => new Date() */
	readonly now?: (() => Date) | undefined;
}

export function createAsgLifecycleMonitor(deps: AsgLifecycleMonitorDeps): Monitor {
	const now = deps.now ?? (() => new Date());
	let current: InterruptionEvent | undefined;
	return {
		name: 'ASG_LIFECYCLE_MONITOR',
		kind: 'ASG_LIFECYCLE',
		path: asgTargetLifecycleStatePath,
		async check(signal): Promise<MonitorResult> {
			const response = await deps.client.get(asgTargetLifecycleStatePath, signal, { retry: 'poll' });
			if (response?.body.trim() !== 'Terminated') {
				current = undefined;
				return { events: [], cancellations: [] };
			}
			if (current === undefined) {
				const startTime = now();
				current = {
					eventId: `target-lifecycle-state-terminated-${await sha256Hex(`Terminated:${startTime.toISOString()}`)}`,
					kind: 'ASG_LIFECYCLE',
					monitor: 'ASG_LIFECYCLE_MONITOR',
					description: 'AST target lifecycle state received. Instance will be terminated',
					state: '',
					startTime,
					endTime: undefined,
					deadline: undefined,
				};
			}
			return { events: [current], cancellations: [] };
		},
	};
}
