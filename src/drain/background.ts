/**
 * @module The drain's background tasks (watches, evictions in flight): each
 * one's stray failure is logged and counted instead of crashing the agent,
 * and the drain waits for all of them before it returns.
 */
import { isAbortError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';

export class Background {
	readonly #tasks = new Set<Promise<unknown>>();
	readonly #log: Logger;
	readonly #metrics: Metrics;

	constructor(log: Logger, metrics: Metrics) {
		this.#log = log;
		this.#metrics = metrics;
	}

	spawn(task: Promise<unknown>): void {
		const tracked = task.catch((error: unknown) => {
			// Background tasks handle their own errors; reaching here is a bug, kept from crashing the agent.
			if (!isAbortError(error)) {
				this.#log.error('Drain task failed', { error });
				this.#metrics.errorCaught('drain');
			}
		});
		this.#tasks.add(tracked);
		void tracked.finally(() => this.#tasks.delete(tracked));
	}

	/** Settles when every task spawned so far has (abort them first). */
	async settled(): Promise<void> {
		await Promise.allSettled([...this.#tasks]);
	}
}
