/**
 * @module The rebalance recommendation (`events/recommendations/rebalance`).
 *
 * 404 means none. `{"noticeTime"}` must be RFC 3339; the id hashes NTH's
 * rendering of the payload. There is no deadline: a recommendation says the
 * instance is at elevated risk, not when it goes.
 */
import { ImdsError } from '../errors.ts';
import { clip } from '../log/clip.ts';
import { rebalanceRecommendationPath } from '../imds/paths.ts';
import { parseRfc3339, RebalanceRecommendationSchema } from '../imds/payloads.ts';
import type { ImdsClient } from '../imds/types.ts';
import { goStructPointer, sha256Hex } from './event-id.ts';
import type { Monitor, MonitorResult } from './types.ts';

export interface RebalanceMonitorDeps {
	readonly client: ImdsClient;
}

export function createRebalanceMonitor(deps: RebalanceMonitorDeps): Monitor {
	return {
		name: 'REBALANCE_RECOMMENDATION_MONITOR',
		kind: 'REBALANCE_RECOMMENDATION',
		path: rebalanceRecommendationPath,
		async check(signal): Promise<MonitorResult> {
			const recommendation = await deps.client.getJson(rebalanceRecommendationPath, RebalanceRecommendationSchema, signal, {
				retry: 'poll',
			});
			if (recommendation === undefined || recommendation === null) return { events: [], cancellations: [] };
			const noticeTime = parseRfc3339(recommendation.noticeTime);
			if (noticeTime === undefined) {
				throw new ImdsError(`Cannot parse the rebalance recommendation time "${clip(recommendation.noticeTime)}": not RFC 3339`, {
					path: rebalanceRecommendationPath,
				});
			}
			return {
				events: [
					{
						eventId: `rebalance-recommendation-${await sha256Hex(goStructPointer(recommendation.noticeTime))}`,
						kind: 'REBALANCE_RECOMMENDATION',
						monitor: 'REBALANCE_RECOMMENDATION_MONITOR',
						description: `Rebalance recommendation received. Instance will be cordoned at ${recommendation.noticeTime}`,
						state: '',
						startTime: noticeTime,
						endTime: undefined,
						deadline: undefined,
					},
				],
				cancellations: [],
			};
		},
	};
}
