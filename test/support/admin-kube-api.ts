/**
 * @module The agent's own KubeApi against one real control plane (the stack's
 * admin token), and an EventRecorder that writes pod events through it: what
 * test/e2e/drain.test.ts drives the drain engine with.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeApi } from '../../src/kube/api.ts';
import { createKubeApi } from '../../src/kube/client.ts';
import type { Logger } from '../../src/log/logger.ts';
import { type Metrics, noopMetrics } from '../../src/metrics/types.ts';
import type { EventRecorder } from '../../src/notify/types.ts';
import { createNodeRuntime } from '../../src/runtime/node.ts';
import type { RealState } from '../real/state.ts';

export interface AdminKubeOptions {
	readonly userAgent: string;
	readonly log: Logger;
	readonly metrics?: Metrics | undefined;
	/** @default 50 */
	readonly qps?: number | undefined;
	/** @default 100 */
	readonly burst?: number | undefined;
}

/** The agent's own KubeApi client, authenticated with the stack's admin token. */
export function adminKubeApi(state: RealState, options: AdminKubeOptions): KubeApi {
	const runtime = createNodeRuntime();
	const ca = readFileSync(state.caFile, 'utf8');
	return createKubeApi({
		server: state.apiserverUrl,
		fetch: runtime.createFetch({ ca }),
		authHeaders: async () => ({ authorization: `Bearer ${state.adminToken}` }),
		qps: options.qps ?? 50,
		burst: options.burst ?? 100,
		log: options.log,
		metrics: options.metrics ?? noopMetrics(),
		userAgent: options.userAgent,
	});
}

/**
 * Writes pod events through KubeApi.createEvent, one event per call: enough to
 * see the drain's events land in the API (the agent's aggregating recorder
 * lives in notify/).
 */
export function apiRecorder(api: KubeApi): EventRecorder {
	const pending: Promise<void>[] = [];
	const never = new AbortController().signal;
	return {
		node: () => {},
		pod: (pod, reason, type, message, annotations = {}) => {
			const at = new Date().toISOString();
			pending.push(
				api.createEvent(
					{
						name: `${pod.name}.${randomBytes(6).toString('hex')}`,
						namespace: pod.namespace,
						involvedObject: { kind: 'Pod', name: pod.name, namespace: pod.namespace, uid: pod.uid, apiVersion: 'v1' },
						reason,
						message,
						type,
						annotations,
						source: { component: 'nth-e2e' },
						firstTimestamp: at,
						lastTimestamp: at,
						count: 1,
					},
					never,
				),
			);
		},
		flush: async () => {
			await Promise.all(pending);
		},
	};
}
