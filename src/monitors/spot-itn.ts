/**
 * @module The spot interruption notice (`spot/instance-action`).
 *
 * 404 means no notice. A notice is `{"action","time"}`; every action
 * (terminate, stop, hibernate, or anything else) is an interruption, as in
 * NTH, and the action is kept for the incident and the webhook. The id hashes
 * NTH's rendering of the payload, so the same notice polled again has the
 * same id; AEMM without `-t` changes `time` on every request, which makes
 * every poll a new notice there (NTH sees the same).
 */
import { ImdsError } from '../errors.ts';
import { clip } from '../log/clip.ts';
import { spotInstanceActionPath } from '../imds/paths.ts';
import { parseRfc3339, SpotInstanceActionSchema } from '../imds/payloads.ts';
import type { ImdsClient } from '../imds/types.ts';
import { goStructPointer, sha256Hex } from './event-id.ts';
import type { Monitor, MonitorResult, SpotAction } from './types.ts';

export interface SpotItnMonitorDeps {
	readonly client: ImdsClient;
}

const spotActions: readonly string[] = ['terminate', 'stop', 'hibernate'] satisfies SpotAction[];

function isSpotAction(action: string): action is SpotAction {
	return spotActions.includes(action);
}

export function createSpotItnMonitor(deps: SpotItnMonitorDeps): Monitor {
	return {
		name: 'SPOT_ITN_MONITOR',
		kind: 'SPOT_ITN',
		path: spotInstanceActionPath,
		async check(signal): Promise<MonitorResult> {
			const notice = await deps.client.getJson(spotInstanceActionPath, SpotInstanceActionSchema, signal, { retry: 'poll' });
			if (notice === undefined || notice === null) return { events: [], cancellations: [] };
			const time = parseRfc3339(notice.time);
			if (time === undefined) {
				throw new ImdsError(`Cannot parse the spot interruption notice time "${clip(notice.time)}": not RFC 3339`, {
					path: spotInstanceActionPath,
				});
			}
			const eventId = `spot-itn-${await sha256Hex(goStructPointer(notice.action, notice.time))}`;
			return {
				events: [
					{
						eventId,
						kind: 'SPOT_ITN',
						monitor: 'SPOT_ITN_MONITOR',
						description: `Spot ITN received. Instance will be interrupted at ${notice.time}`,
						state: '',
						startTime: time,
						endTime: undefined,
						deadline: time,
						spotAction: isSpotAction(notice.action) ? notice.action : undefined,
					},
				],
				cancellations: [],
			};
		},
	};
}
