/**
 * @module The drain engine: evicts a node's pods before a deadline, in
 * priority order, paced by their PodDisruptionBudgets, and waits for them to
 * be gone with one watch.
 *
 * drainNode checks its options and runs one DrainRun (drain-run.ts: the loop;
 * prepare.ts lists and plans the pods first). It never throws for drain
 * failures: the result says what is left and why. It is idempotent: run again
 * on a half-drained node it just continues (terminating pods are waited for,
 * not evicted again).
 */
import { DrainRun } from './drain-run.ts';
import type { DrainDeps, DrainOptions, DrainResult } from './options.ts';

// Callers (incidents/ports.ts, the tests) import the drain's contract from here, as before the split.
export {
	type BlockedPod,
	type DrainDeps,
	type DrainOptions,
	type DrainResult,
	maxConcurrentEvictions,
	pacedProbeMs,
	pdbSyncWaitMs,
	listPageSize,
	progressIntervalMs,
	minimumWindowMs,
	watchSlackSeconds,
	multiplePdbsRetryMs,
	evictBackoffMs,
} from './options.ts';

export { listPodNames } from './wait.ts';

/** Validates options (programmer errors) and runs the drain. */
export async function drainNode(deps: DrainDeps, options: DrainOptions, signal: AbortSignal): Promise<DrainResult> {
	if (options.nodeName === '') throw new RangeError('Cannot drain node: the node name is empty');
	if (Number.isNaN(options.deadline.getTime()))
		throw new RangeError(`Cannot drain node "${options.nodeName}": the deadline is not a valid date`);
	const run = new DrainRun(deps, options, signal);
	return run.run();
}
