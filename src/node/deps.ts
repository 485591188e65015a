/**
 * @module What every node action takes: the API, logs, metrics, dry run and (for tests) the clock.
 */
import type { KubeApi } from '../kube/api.ts';
import type { Sleep } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';

export interface NodeDeps {
	readonly kube: KubeApi;
	readonly log: Logger;
	readonly metrics: Metrics;
	/**
	 * DRY_RUN: actions still read the node (a missing node reads as an empty one)
	 * but never write; each write is replaced by NTH's "would have …" log line.
	 */
	readonly dryRun: boolean;
	/** Wall clock (label times, condition times, conflict-retry deadlines). @default () => new Date() */
	readonly now?: (() => Date) | undefined;
	/** Backoff sleep between conflict retries. @default an abortable setTimeout sleep */
	readonly sleep?: Sleep | undefined;
}
