/**
 * @module The poll loops: one per monitor, until the signal aborts.
 *
 * Each loop runs one check at a time, so at most one request per IMDS path
 * is in flight. A failed check is logged (`There was a problem monitoring
 * for events`, as NTH), counted, and retried after a backoff that doubles
 * per consecutive failure up to a cap and resets on success. The loop never
 * gives up: NTH panics on the 4th identical error (§8.16), which turns an
 * IMDS outage into a crash loop; here the outage shows in logs, metrics and
 * the liveness probe (fed by `pollCompleted`), and polling resumes by itself.
 */
import { monotonicNow, type Now, type Sleep, sleep as realSleep } from '../imds/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { Monitor, MonitorResult } from './types.ts';

export interface PollOptions {
	/** Time between the starts of two checks of `monitor` (see {@link monitorIntervals}). */
	readonly intervalMs: (monitor: Monitor) => number;
	/** Receives every check that found events or cancellations (empty results are not passed on). */
	readonly onResult: (monitor: Monitor, result: MonitorResult) => void | Promise<void>;
	/** Told about every failed check after it is logged and counted (e.g. to emit NTH's MonitorError event). */
	readonly onError?: ((monitor: Monitor, error: unknown) => void) | undefined;
	readonly log: Logger;
	readonly metrics: Metrics;
	/** Aborting it stops every loop; the promise resolves once the checks in flight have ended. */
	readonly signal: AbortSignal;
	/** @default monotonicNow */
	readonly now?: Now | undefined;
	/** @default sleep (setTimeout) */
	readonly sleep?: Sleep | undefined;
	/** NTH's LOG_FORMAT_VERSION: 1 names the monitor `event_type` in logs, 2 `monitor_type`. @default 1 */
	readonly logFormatVersion?: number | undefined;
	/** Longest wait after repeated failures. @default 30000 */
	readonly maxBackoffMs?: number | undefined;
}

/**
 * The interval per monitor for a POLL_INTERVAL of `pollIntervalMs` (default
 * 500 ms; NTH polls everything every 2 s). Spot ITN and the ASG state are
 * polled at that interval: a spot notice gives 2 minutes and `Terminated`
 * means termination has begun, so every second of detection matters.
 * Scheduled events (announced days ahead) and rebalance recommendations
 * (advisory, ahead of any notice) are polled 4× less often: detection within
 * 2 s is plenty for them, and it halves the request rate.
 */
export function monitorIntervals(pollIntervalMs: number): (monitor: Monitor) => number {
	return (monitor) => (monitor.kind === 'SPOT_ITN' || monitor.kind === 'ASG_LIFECYCLE' ? pollIntervalMs : pollIntervalMs * 4);
}

async function pollLoop(monitor: Monitor, options: PollOptions, now: Now, sleep: Sleep): Promise<void> {
	const { log, metrics, signal } = options;
	const monitorKey = options.logFormatVersion === 2 ? 'monitor_type' : 'event_type';
	const maxBackoffMs = options.maxBackoffMs ?? 30_000;
	log.info('Started monitoring for events', { [monitorKey]: monitor.name });
	let failures = 0;
	while (!signal.aborted) {
		const started = now();
		let result: MonitorResult | undefined;
		try {
			result = await monitor.check(signal);
		} catch (error) {
			if (signal.aborted) break; // stopping: the aborted request is not a monitor failure
			failures += 1;
			metrics.monitorError(monitor.name);
			metrics.pollCompleted(monitor.name, false, (now() - started) / 1000);
			log.warn('There was a problem monitoring for events', { [monitorKey]: monitor.name, error });
			options.onError?.(monitor, error);
		}
		if (result !== undefined) {
			failures = 0;
			metrics.pollCompleted(monitor.name, true, (now() - started) / 1000);
			if (result.events.length > 0 || result.cancellations.length > 0) {
				try {
					await options.onResult(monitor, result);
				} catch (error) {
					// The consumer's failure is not the monitor's: logged and counted, polling goes on.
					metrics.errorCaught('monitors');
					log.error('Cannot hand over monitor results', { [monitorKey]: monitor.name, error });
				}
			}
		}
		const intervalMs = options.intervalMs(monitor);
		const waitMs = failures === 0
			? Math.max(0, intervalMs - (now() - started))
			: Math.min(maxBackoffMs, intervalMs * 2 ** (failures - 1));
		try {
			await sleep(waitMs, signal);
		} catch {
			break; // the sleep only rejects when the signal aborts: time to stop
		}
	}
}

/** Starts one loop per monitor; resolves when `options.signal` has aborted and every loop has ended. */
export async function startPolling(monitors: readonly Monitor[], options: PollOptions): Promise<void> {
	const now = options.now ?? monotonicNow;
	const sleep = options.sleep ?? realSleep;
	await Promise.all(monitors.map((monitor) => pollLoop(monitor, options, now, sleep)));
}
