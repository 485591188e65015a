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
import { monotonicNow, type Now, type Sleep, sleep as realSleep } from '../clock.ts';
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

/** One monitor's place in the schedule. */
interface Slot {
	readonly monitor: Monitor;
	/** When its next check may start (while a check runs: when the next one would start if this one succeeds). */
	due: number;
	running: boolean;
	/** Consecutive failed checks. */
	failures: number;
}

/**
 * Starts the checks; resolves when `options.signal` has aborted and every
 * check in flight has ended.
 *
 * One timer drives every monitor: each wake-up starts every monitor that is
 * due (or due within a twentieth of the shortest interval), concurrently, and
 * arms one timer for the next due time. Monitors whose intervals line up (spot
 * and ASG every interval, scheduled events every fourth) therefore share one
 * wake-up and send their requests together, instead of each loop waking the
 * process on its own timer: an idle agent's CPU is mostly the cost of waking
 * up (measured: packaging/README.md). Per monitor the rules are those of a
 * loop of its own: one check at a time, the next one `intervalMs` after the
 * start of the last (at once when a check overran), and after a failure a
 * backoff from its end.
 */
export async function startPolling(monitors: readonly Monitor[], options: PollOptions): Promise<void> {
	const now = options.now ?? monotonicNow;
	const sleep = options.sleep ?? realSleep;
	const { log, metrics, signal } = options;
	const monitorKey = options.logFormatVersion === 2 ? 'monitor_type' : 'event_type';
	const maxBackoffMs = options.maxBackoffMs ?? 30_000;
	if (monitors.length === 0) return;
	const startedAt = now();
	const slots: Slot[] = monitors.map((monitor) => ({ monitor, due: startedAt, running: false, failures: 0 }));
	for (const slot of slots) log.info('Started monitoring for events', { [monitorKey]: slot.monitor.name });
	const slackMs = Math.min(...slots.map((slot) => options.intervalMs(slot.monitor))) / 20;
	const inFlight = new Set<Promise<void>>();
	let timer: { readonly at: number; readonly controller: AbortController } | undefined;

	async function check(slot: Slot, started: number): Promise<void> {
		const { monitor } = slot;
		let result: MonitorResult | undefined;
		try {
			result = await monitor.check(signal);
		} catch (error) {
			if (signal.aborted) return; // stopping: the aborted request is not a monitor failure
			slot.failures += 1;
			metrics.monitorError(monitor.name);
			metrics.pollCompleted(monitor.name, false, (now() - started) / 1000);
			log.warn('There was a problem monitoring for events', { [monitorKey]: monitor.name, error });
			try {
				options.onError?.(monitor, error);
			} catch (hookError) {
				metrics.errorCaught('monitors');
				log.error('Cannot report a monitor failure', { [monitorKey]: monitor.name, error: hookError });
			}
			slot.due = now() + Math.min(maxBackoffMs, options.intervalMs(monitor) * 2 ** (slot.failures - 1));
			return;
		}
		slot.failures = 0;
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

	function start(slot: Slot, at: number): void {
		slot.running = true;
		slot.due = at + options.intervalMs(slot.monitor);
		const done: Promise<void> = check(slot, at).finally(() => {
			inFlight.delete(done);
			slot.running = false;
			if (signal.aborted) return;
			// A check that overran its interval (or a backoff already over) starts the next one at once.
			if (slot.due <= now()) start(slot, now());
			else arm();
		});
		inFlight.add(done);
	}

	function wake(): void {
		timer = undefined;
		if (signal.aborted) return;
		const at = now();
		for (const slot of slots) if (!slot.running && slot.due <= at + slackMs) start(slot, at);
		arm();
	}

	/** Keeps one timer armed for the earliest due time (a running check past its due time re-arms when it ends). */
	function arm(): void {
		const at = now();
		let earliest = Number.POSITIVE_INFINITY;
		for (const slot of slots) if (!(slot.running && slot.due <= at)) earliest = Math.min(earliest, slot.due);
		if (timer !== undefined && timer.at <= earliest) return;
		timer?.controller.abort();
		timer = undefined;
		if (earliest === Number.POSITIVE_INFINITY) return;
		const controller = new AbortController();
		timer = { at: earliest, controller };
		sleep(Math.max(0, earliest - at), controller.signal).then(
			() => {
				if (timer?.controller === controller) wake();
			},
			() => {}, // the sleep only rejects when this timer is replaced or polling stops
		);
	}

	await new Promise<void>((resolve) => {
		const stop = (): void => {
			timer?.controller.abort();
			timer = undefined;
			void Promise.allSettled([...inFlight]).then(() => resolve());
		};
		if (signal.aborted) {
			stop();
			return;
		}
		signal.addEventListener('abort', stop, { once: true });
		wake();
	});
}
