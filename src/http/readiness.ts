/**
 * @module The live half of `/readyz`: the agent's Node still exists and the
 * apiserver still answers our credentials.
 *
 * Start-up checks passing once is not readiness: a deleted Node, an
 * unreachable apiserver or an expired token leave the agent unable to act on a
 * notice. The check is one GET of our own Node (the `nodes: get` the agent
 * already holds), made only when a probe asks and the last result is older
 * than the interval, one at a time; probes in between read the cached result.
 * So the apiserver sees at most one extra GET per interval, and none when
 * nothing probes (systemd hosts).
 */
import type { KubeApi } from '../kube/api.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';

export type ReadinessState = { readonly ready: true } | { readonly ready: false; readonly reason: string };

export interface ReadinessOptions {
	/** Resolves when ready; throws an Error whose message says why not. */
	readonly check: (signal: AbortSignal) => Promise<void>;
	/** A result is reused for this long. @default 10000 */
	readonly intervalMs?: number | undefined;
	/** A check that takes longer fails. @default 4000 */
	readonly timeoutMs?: number | undefined;
	/** Monotonic clock, ms. */
	readonly now: () => number;
	/** Makes the check's timeout signal. @default AbortSignal.timeout */
	readonly timeoutSignal?: ((ms: number) => AbortSignal) | undefined;
	readonly log: Logger;
	readonly metrics: Metrics;
}

export interface Readiness {
	/** The cached result, or a fresh one when it is older than the interval. */
	state(): Promise<ReadinessState>;
}

export const readinessIntervalMs = 10_000;
export const readinessTimeoutMs = 4_000;

/** Caches `check` for the interval, one check at a time. */
export function createReadiness(options: ReadinessOptions): Readiness {
	const intervalMs = options.intervalMs ?? readinessIntervalMs;
	const timeoutMs = options.timeoutMs ?? readinessTimeoutMs;
	const timeoutSignal = options.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms));
	let last: { readonly at: number; readonly state: ReadinessState } | undefined;
	let running: Promise<ReadinessState> | undefined;

	const run = async (): Promise<ReadinessState> => {
		const started = options.now();
		let state: ReadinessState;
		try {
			await options.check(timeoutSignal(timeoutMs));
			state = { ready: true };
		} catch (error) {
			options.metrics.errorCaught('readiness');
			const reason =
				error instanceof Error
					? error.name === 'TimeoutError'
						? `the readiness check took over ${timeoutMs} ms`
						: error.message
					: String(error);
			state = { ready: false, reason };
			// One line per change, not one per probe.
			if (last === undefined || last.state.ready) options.log.warn('Not ready', { reason });
			else options.log.debug('Still not ready', { reason });
		}
		if (state.ready && last !== undefined && !last.state.ready) options.log.info('Ready again');
		last = { at: started, state };
		return state;
	};

	return {
		state: () => {
			if (last !== undefined && options.now() - last.at < intervalMs) return Promise.resolve(last.state);
			running ??= run().finally(() => {
				running = undefined;
			});
			return running;
		},
	};
}

/** Ready while our Node exists and the apiserver answers our credentials. */
export function nodeReadinessCheck(kube: Pick<KubeApi, 'getNode'>, nodeName: string): (signal: AbortSignal) => Promise<void> {
	return async (signal) => {
		const node = await kube.getNode(nodeName, signal);
		if (node === undefined) throw new Error(`Cannot find node "${nodeName}": the Node object is gone`);
	};
}
