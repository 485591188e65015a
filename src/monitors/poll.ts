/**
 * @module The poll loops: one per monitor, until the signal aborts.
 *
 * Each loop runs one check at a time, so at most one request per IMDS path
 * is in flight. The notice paths are polled every interval whatever happens:
 * a failed check is counted and simply retried at the next tick, with no
 * backoff (a backoff after an outage delays the first notice after it; NTH's
 * client sleeps 2 s doubling on the spot path). A check that has not ended
 * by its deadline ({@link checkBudgetMs}) is abandoned and counted as failed,
 * so a hung request cannot hold a notice path either. Only the log backs off:
 * the failure line (`There was a problem monitoring for events`, as NTH) and
 * `onError` come at most once per gap, doubling from the interval up to a cap,
 * with the number of failures not reported in between; a success logs the
 * recovery and resets the gap. The loop never gives up: NTH panics on the 4th
 * identical error (§8.16), which turns an IMDS outage into a crash loop; here
 * the outage shows in logs, metrics and the liveness probe (fed by
 * `pollCompleted`), and polling resumes by itself.
 */
import { ImdsError } from '../errors.ts';
import { monotonicNow, type Now, type Sleep, sleep as realSleep } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { Monitor, MonitorResult } from './types.ts';

export interface PollOptions {
	/** Time between the starts of two checks of `monitor` (see {@link monitorIntervals}). */
	readonly intervalMs: (monitor: Monitor) => number;
	/** Receives every check that found events or cancellations (empty results are not passed on). */
	readonly onResult: (monitor: Monitor, result: MonitorResult) => void | Promise<void>;
	/** Told about a failed check when it is logged (rate-limited like the log line; e.g. to emit NTH's MonitorError event). */
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
	/** The backoff of the log (never of the checks): longest gap between two failure lines of one monitor while it keeps failing. @default 30000 */
	readonly maxBackoffMs?: number | undefined;
}

/** No check is abandoned sooner than this, however short the interval: IMDS on a throttled node may take a few hundred ms. */
export const minCheckBudgetMs = 1000;

/**
 * How long one check of a monitor polled every `intervalMs` may run before
 * it is abandoned (and the next one starts at once): the interval, and at
 * least {@link minCheckBudgetMs}. It is never shorter than the interval, so
 * the deadline never needs a wake-up of its own while checks end in time.
 */
export function checkBudgetMs(intervalMs: number): number {
	return Math.max(intervalMs, minCheckBudgetMs);
}

/** The slow paths (scheduled events, rebalance) are polled at least this far apart: NTH's fixed rate for every path. */
export const slowPathMinIntervalMs = 2000;

/**
 * The interval per monitor for a POLL_INTERVAL of `pollIntervalMs` (default
 * 750 ms; NTH polls everything every 2 s). Spot ITN and the ASG state are
 * polled at that interval: a spot notice gives 2 minutes and `Terminated`
 * means termination has begun, so every second of detection matters.
 * Scheduled events (announced days ahead) and rebalance recommendations
 * (advisory, ahead of any notice) are polled every 2 s (NTH's rate), or every
 * interval when that is longer: detection within 2 s is plenty for them, and
 * it cuts the request rate. Their interval is a whole number of intervals
 * (750 ms: every 3rd, 2.25 s; 500 ms: every 4th; 300 ms: every 7th, 2.1 s), so their polls share the
 * fast paths' wake-ups instead of adding wake-ups of their own. So at
 * POLL_INTERVAL=2 every path is polled every 2 s, the same requests as NTH
 * (it was every 8 s for the slow paths when they were a fixed 4 intervals).
 */
export function monitorIntervals(pollIntervalMs: number): (monitor: Monitor) => number {
	const slowMs = pollIntervalMs * Math.max(1, Math.ceil(slowPathMinIntervalMs / pollIntervalMs));
	return (monitor) => (monitor.kind === 'SPOT_ITN' || monitor.kind === 'ASG_LIFECYCLE' ? pollIntervalMs : slowMs);
}

/** One monitor's place in the schedule. */
interface Slot {
	readonly monitor: Monitor;
	/** When its next check may start (while a check runs: when the next one would start if this one succeeds). */
	due: number;
	running: boolean;
	/** While running: when the check is abandoned. */
	deadline: number;
	/** While running: aborts the check (at the deadline, or when polling stops). */
	abort: AbortController | undefined;
	/** Consecutive failed checks. */
	failures: number;
	/** Failures since the last failure line. */
	unreported: number;
	/** No failure line before this time. */
	quietUntil: number;
	/** The gap after the last failure line (0 before the first). */
	logGapMs: number;
}

/**
 * Starts the checks; resolves when `options.signal` has aborted and every
 * check in flight has ended.
 *
 * One timer drives every monitor: each wake-up starts every monitor that is
 * due (or due within a twentieth of the shortest interval), concurrently, and
 * arms one timer for the next due time. Monitors whose intervals line up (spot
 * and ASG every interval, scheduled events every 2 s) therefore share one
 * wake-up and send their requests together, instead of each loop waking the
 * process on its own timer: an idle agent's CPU is mostly the cost of waking
 * up (measured: packaging/README.md). Per monitor the rules are those of a
 * loop of its own: one check at a time, the next one `intervalMs` after the
 * start of the last (at once when a check overran or was abandoned at its
 * deadline), failed or not. A deadline is enforced by the same timer.
 */
export async function startPolling(monitors: readonly Monitor[], options: PollOptions): Promise<void> {
	const now = options.now ?? monotonicNow;
	const sleep = options.sleep ?? realSleep;
	const { log, metrics, signal } = options;
	const monitorKey = options.logFormatVersion === 2 ? 'monitor_type' : 'event_type';
	const maxLogGapMs = options.maxBackoffMs ?? 30_000;
	if (monitors.length === 0) return;
	const startedAt = now();
	const slots: Slot[] = monitors.map((monitor) => ({
		monitor,
		due: startedAt,
		running: false,
		deadline: Number.POSITIVE_INFINITY,
		abort: undefined,
		failures: 0,
		unreported: 0,
		quietUntil: 0,
		logGapMs: 0,
	}));
	for (const slot of slots) log.info('Started monitoring for events', { [monitorKey]: slot.monitor.name });
	const slackMs = Math.min(...slots.map((slot) => options.intervalMs(slot.monitor))) / 20;
	const inFlight = new Set<Promise<void>>();
	let timer: { readonly at: number; readonly controller: AbortController } | undefined;

	/** Counts a failed check; logs it and tells onError unless a line went out less than a gap ago. */
	function failed(slot: Slot, started: number, error: unknown): void {
		const { monitor } = slot;
		slot.failures += 1;
		metrics.monitorError(monitor.name);
		metrics.pollCompleted(monitor.name, false, (now() - started) / 1000);
		const at = now();
		if (at < slot.quietUntil) {
			slot.unreported += 1;
			return;
		}
		const counts = {
			...(slot.failures > 1 ? { consecutive_failures: slot.failures } : {}),
			...(slot.unreported > 0 ? { not_logged: slot.unreported } : {}),
		};
		log.warn('There was a problem monitoring for events', { [monitorKey]: monitor.name, error, ...counts });
		slot.unreported = 0;
		slot.logGapMs = slot.logGapMs === 0 ? options.intervalMs(monitor) : Math.min(maxLogGapMs, slot.logGapMs * 2);
		slot.quietUntil = at + slot.logGapMs;
		try {
			options.onError?.(monitor, error);
		} catch (hookError) {
			metrics.errorCaught('monitors');
			log.error('Cannot report a monitor failure', { [monitorKey]: monitor.name, error: hookError });
		}
	}

	async function check(slot: Slot, started: number, abort: AbortController): Promise<void> {
		const { monitor } = slot;
		let result: MonitorResult | undefined;
		try {
			result = await monitor.check(abort.signal);
		} catch (error) {
			if (signal.aborted) return; // stopping: the aborted request is not a monitor failure
			const reason: unknown = abort.signal.reason;
			// Abandoned at the deadline: report the deadline, with whatever the request said as the cause.
			failed(
				slot,
				started,
				abort.signal.aborted && reason instanceof ImdsError ? new ImdsError(reason.message, { path: reason.path, cause: error }) : error,
			);
			return;
		}
		if (slot.failures > 0) {
			log.info('Monitoring for events recovered', { [monitorKey]: monitor.name, failed_checks: slot.failures });
		}
		slot.failures = 0;
		slot.unreported = 0;
		slot.quietUntil = 0;
		slot.logGapMs = 0;
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
		const intervalMs = options.intervalMs(slot.monitor);
		const abort = new AbortController();
		const stop = (): void => abort.abort(signal.reason);
		signal.addEventListener('abort', stop, { once: true });
		slot.running = true;
		slot.due = at + intervalMs;
		slot.deadline = at + checkBudgetMs(intervalMs);
		slot.abort = abort;
		const done: Promise<void> = check(slot, at, abort).finally(() => {
			signal.removeEventListener('abort', stop);
			inFlight.delete(done);
			slot.running = false;
			slot.abort = undefined;
			slot.deadline = Number.POSITIVE_INFINITY;
			if (signal.aborted) return;
			// A check that overran its interval (or was abandoned) starts the next one at once.
			if (slot.due <= now()) start(slot, now());
			arm();
		});
		inFlight.add(done);
	}

	/** Abandons the checks past their deadline; each one's end starts the next. */
	function expire(at: number): void {
		for (const slot of slots) {
			if (!slot.running || slot.deadline > at || slot.abort === undefined || slot.abort.signal.aborted) continue;
			const budget = checkBudgetMs(options.intervalMs(slot.monitor));
			slot.abort.abort(
				new ImdsError(`Cannot read IMDS path "${slot.monitor.path}": no answer within ${budget} ms (the check's deadline)`, {
					path: slot.monitor.path,
				}),
			);
		}
	}

	function wake(): void {
		timer = undefined;
		if (signal.aborted) return;
		const at = now();
		expire(at);
		for (const slot of slots) if (!slot.running && slot.due <= at + slackMs) start(slot, at);
		arm();
	}

	/** Keeps one timer armed for the earliest due time or deadline (a running check's next start is armed when it ends). */
	function arm(): void {
		const at = now();
		let earliest = Number.POSITIVE_INFINITY;
		for (const slot of slots) {
			// A running check: wake at its next start as if it ends in time (it usually has by then), past that at its deadline.
			const running = slot.abort?.signal.aborted ? Number.POSITIVE_INFINITY : slot.due > at ? slot.due : slot.deadline;
			earliest = Math.min(earliest, slot.running ? running : slot.due);
		}
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
