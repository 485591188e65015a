import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImdsError } from '../errors.ts';
import { fakeClock, type FakeClock } from '../../test/support/fake-clock.ts';
import { recordingMetrics } from '../../test/support/fake-imds.ts';
import { memoryLogger } from '../log/logger.ts';
import { checkBudgetMs, monitorIntervals, type PollOptions, startPolling } from './poll.ts';
import type { EventKind, MonitorName } from '../vocabulary.ts';
import type { InterruptionEvent, Monitor, MonitorResult } from './types.ts';

const nothing: MonitorResult = { events: [], cancellations: [] };
const event: InterruptionEvent = {
	eventId: 'e-1',
	kind: 'SPOT_ITN',
	monitor: 'SPOT_ITN_MONITOR',
	description: 'Spot ITN received. Instance will be interrupted at 2017-09-18T08:22:00Z \n',
	state: '',
	startTime: new Date('2017-09-18T08:22:00Z'),
	endTime: undefined,
	deadline: new Date('2017-09-18T08:22:00Z'),
	spotAction: 'terminate',
};

type Step = (signal: AbortSignal) => MonitorResult | Promise<MonitorResult>;

/** A monitor that runs `steps` in turn (the last repeats) and records when each check started. */
function scripted(clock: FakeClock, name: MonitorName, kind: EventKind, ...steps: Step[]) {
	const starts: number[] = [];
	let running = 0;
	let maxRunning = 0;
	const monitor: Monitor = {
		name,
		kind,
		path: `/path/of/${name}`,
		async check(signal) {
			starts.push(clock.now());
			running += 1;
			maxRunning = Math.max(maxRunning, running);
			try {
				const step = steps[Math.min(starts.length - 1, steps.length - 1)] ?? (() => nothing);
				return await step(signal);
			} finally {
				running -= 1;
			}
		},
	};
	return { monitor, starts, maxRunning: () => maxRunning };
}

const fail: Step = () => {
	throw new ImdsError('Cannot read IMDS path "/x": status 500', { path: '/x', status: 500 });
};

function setup(overrides: Partial<PollOptions> = {}) {
	const clock = fakeClock(0);
	const log = memoryLogger();
	const { metrics, record } = recordingMetrics();
	const controller = new AbortController();
	const results: [MonitorName, MonitorResult][] = [];
	const options: PollOptions = {
		intervalMs: monitorIntervals(500),
		onResult: (monitor, result) => void results.push([monitor.name, result]),
		log,
		metrics,
		signal: controller.signal,
		now: clock.now,
		sleep: clock.sleep,
		...overrides,
	};
	return { clock, log, record, controller, results, options };
}

const poll = suite('startPolling()');

poll("logs NTH's start line per monitor, with event_type (v1) or monitor_type (v2)", async () => {
	for (const [version, key] of [
		[1, 'event_type'],
		[2, 'monitor_type'],
	] as const) {
		const { clock, log, controller, options } = setup({ logFormatVersion: version });
		const done = startPolling([scripted(clock, 'SPOT_ITN_MONITOR', 'SPOT_ITN').monitor], options);
		await clock.advance(0);
		controller.abort();
		await done;
		assert.ok(log.lines.includes(`1970/01/01 00:00:00 INF Started monitoring for events ${key}=SPOT_ITN_MONITOR`), log.lines.join('\n'));
	}
});

poll('polls spot and ASG every interval, scheduled events and rebalance every 4 intervals', async () => {
	const { clock, controller, options } = setup();
	const spot = scripted(clock, 'SPOT_ITN_MONITOR', 'SPOT_ITN');
	const asg = scripted(clock, 'ASG_LIFECYCLE_MONITOR', 'ASG_LIFECYCLE');
	const scheduled = scripted(clock, 'SCHEDULED_EVENT_MONITOR', 'SCHEDULED_EVENT');
	const rebalance = scripted(clock, 'REBALANCE_RECOMMENDATION_MONITOR', 'REBALANCE_RECOMMENDATION');
	const done = startPolling([spot.monitor, asg.monitor, scheduled.monitor, rebalance.monitor], options);
	await clock.advance(4000);
	controller.abort();
	await done;
	assert.equal(spot.starts, [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]);
	assert.equal(asg.starts, spot.starts);
	assert.equal(scheduled.starts, [0, 2000, 4000]);
	assert.equal(rebalance.starts, [0, 2000, 4000]);
});

poll('wakes once per interval for all monitors due together, and runs their checks concurrently', async () => {
	const { clock, controller, options } = setup();
	const slow: Step = async (signal) => {
		await clock.sleep(100, signal);
		return nothing;
	};
	const spot = scripted(clock, 'SPOT_ITN_MONITOR', 'SPOT_ITN', slow);
	const asg = scripted(clock, 'ASG_LIFECYCLE_MONITOR', 'ASG_LIFECYCLE', slow);
	const scheduled = scripted(clock, 'SCHEDULED_EVENT_MONITOR', 'SCHEDULED_EVENT', slow);
	const done = startPolling([spot.monitor, asg.monitor, scheduled.monitor], options);
	await clock.advance(2000);
	controller.abort();
	await done;
	assert.equal(spot.starts, [0, 500, 1000, 1500, 2000]);
	assert.equal(asg.starts, spot.starts);
	assert.equal(scheduled.starts, [0, 2000]);
	// The schedule's own timers: one per wake-up (4 in 2 s), not one per monitor per check (10).
	const scheduleTimers = clock.sleeps.filter((ms) => ms !== 100).length;
	assert.ok(scheduleTimers <= 5, `armed ${scheduleTimers} schedule timers: ${clock.sleeps.join(', ')}`);
});

poll('starts a monitor due a moment after the others in the same wake-up', async () => {
	const { clock, controller, options } = setup({
		// 510 ms lands 10 ms after the spot checks: within the coalescing window (a twentieth of 500 ms).
		intervalMs: (monitor) => (monitor.kind === 'SPOT_ITN' ? 500 : 1010),
	});
	const spot = scripted(clock, 'SPOT_ITN_MONITOR', 'SPOT_ITN');
	const scheduled = scripted(clock, 'SCHEDULED_EVENT_MONITOR', 'SCHEDULED_EVENT');
	const done = startPolling([spot.monitor, scheduled.monitor], options);
	await clock.advance(1500);
	controller.abort();
	await done;
	assert.equal(spot.starts, [0, 500, 1000, 1500]);
	assert.equal(scheduled.starts, [0, 1000]);
});

poll('keeps the rate when a check takes time, and never overlaps checks of one monitor', async () => {
	const { clock, controller, options } = setup();
	const slowThenSlower = scripted(
		clock,
		'SPOT_ITN_MONITOR',
		'SPOT_ITN',
		async (signal) => {
			await clock.sleep(200, signal);
			return nothing;
		},
		async (signal) => {
			await clock.sleep(700, signal);
			return nothing;
		},
	);
	const done = startPolling([slowThenSlower.monitor], options);
	await clock.advance(3000);
	controller.abort();
	await done;
	// 200 ms check → next start at 500; 700 ms checks (past the interval, within the deadline) → each next one starts at once.
	assert.equal(slowThenSlower.starts, [0, 500, 1200, 1900, 2600]);
	assert.is(slowThenSlower.maxRunning(), 1);
});

poll('abandons a check at its deadline (the interval, at least 1 s), counts it, and starts the next one at once', async () => {
	const { clock, controller, options, record, log } = setup();
	const hangs: Step = (signal) =>
		new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
	const spot = scripted(clock, 'SPOT_ITN_MONITOR', 'SPOT_ITN', hangs, hangs, () => ({ events: [event], cancellations: [] }));
	const scheduled = scripted(clock, 'SCHEDULED_EVENT_MONITOR', 'SCHEDULED_EVENT', hangs, () => nothing);
	const done = startPolling([spot.monitor, scheduled.monitor], options);
	await clock.advance(2500);
	controller.abort();
	await done;
	assert.equal(spot.starts, [0, 1000, 2000, 2500]);
	assert.equal(scheduled.starts, [0, 2000], 'the 2 s interval is its deadline');
	assert.equal(
		record.polls.filter((p) => p.monitor === 'SPOT_ITN_MONITOR').map((p) => [p.ok, p.seconds]),
		[
			[false, 1],
			[false, 1],
			[true, 0],
			[true, 0],
		],
	);
	assert.equal(record.monitorErrors, ['SPOT_ITN_MONITOR', 'SPOT_ITN_MONITOR', 'SCHEDULED_EVENT_MONITOR']);
	const warning = log.lines.find((line) => line.includes('WRN'));
	assert.match(
		warning ?? '',
		/There was a problem monitoring for events event_type=SPOT_ITN_MONITOR error="Cannot read IMDS path \\"\/path\/of\/SPOT_ITN_MONITOR\\": no answer within 1000 ms \(the check's deadline\)/,
	);
	assert.is(checkBudgetMs(500), 1000);
	assert.is(checkBudgetMs(2000), 2000);
	assert.is(checkBudgetMs(100), 1000);
});

poll('hands over results with events or cancellations, and not empty ones', async () => {
	const cancellation = { eventId: 'e-2', kind: 'SCHEDULED_EVENT', state: 'canceled' } as const;
	const { clock, controller, options, results } = setup();
	const spot = scripted(
		clock,
		'SPOT_ITN_MONITOR',
		'SPOT_ITN',
		() => nothing,
		() => ({ events: [event], cancellations: [] }),
		() => ({ events: [], cancellations: [cancellation] }),
		() => nothing,
	);
	const done = startPolling([spot.monitor], options);
	await clock.advance(2000);
	controller.abort();
	await done;
	assert.equal(results, [
		['SPOT_ITN_MONITOR', { events: [event], cancellations: [] }],
		['SPOT_ITN_MONITOR', { events: [], cancellations: [cancellation] }],
	]);
});

poll('logs and counts a failed check, retries it at the next tick (no backoff), and backs off only the log', async () => {
	const { clock, controller, options, log, record } = setup({ maxBackoffMs: 4000 });
	const steps: Step[] = [...Array.from({ length: 12 }, () => fail), () => nothing, fail, () => nothing];
	const spot = scripted(clock, 'SPOT_ITN_MONITOR', 'SPOT_ITN', ...steps);
	const done = startPolling([spot.monitor], options);
	await clock.advance(7500);
	controller.abort();
	await done;
	assert.equal(
		spot.starts,
		Array.from({ length: 16 }, (_, index) => index * 500),
		'one check per interval, failing or not',
	);
	assert.is(record.monitorErrors.filter((name) => name === 'SPOT_ITN_MONITOR').length, 13);
	assert.equal(
		record.polls.slice(11, 15).map((p) => p.ok),
		[false, true, false, true],
	);
	const warnings = log.lines.filter((line) => line.includes('There was a problem monitoring for events'));
	const error = 'error="Cannot read IMDS path \\"/x\\": status 500"';
	// Failures at 0, 500, …, 5500: lines at 0, then gaps of 500, 1000, 2000, 4000 (the cap), 4000.
	assert.equal(warnings, [
		`1970/01/01 00:00:00 WRN There was a problem monitoring for events event_type=SPOT_ITN_MONITOR ${error}`,
		`1970/01/01 00:00:00 WRN There was a problem monitoring for events event_type=SPOT_ITN_MONITOR ${error} consecutive_failures=2`,
		`1970/01/01 00:00:00 WRN There was a problem monitoring for events event_type=SPOT_ITN_MONITOR ${error} consecutive_failures=4 not_logged=1`,
		`1970/01/01 00:00:00 WRN There was a problem monitoring for events event_type=SPOT_ITN_MONITOR ${error} consecutive_failures=8 not_logged=3`,
		// Reset by the success at 6000: the failure at 6500 is logged at once.
		`1970/01/01 00:00:00 WRN There was a problem monitoring for events event_type=SPOT_ITN_MONITOR ${error}`,
	]);
	assert.ok(
		log.lines.includes('1970/01/01 00:00:00 INF Monitoring for events recovered event_type=SPOT_ITN_MONITOR failed_checks=12'),
		log.lines.join('\n'),
	);
});

poll('never gives up on repeated identical errors (NTH panics on the 4th) and recovers', async () => {
	const { clock, controller, options, results } = setup();
	const failures = Array.from({ length: 20 }, () => fail);
	const spot = scripted(clock, 'SPOT_ITN_MONITOR', 'SPOT_ITN', ...failures, () => ({ events: [event], cancellations: [] }));
	const done = startPolling([spot.monitor], options);
	await clock.advance(20 * 30_000);
	controller.abort();
	await done;
	assert.ok(spot.starts.length > 21);
	assert.ok(results.length > 0, 'events are handed over once IMDS recovers');
});

poll('tells onError about a failure when it is logged', async () => {
	const seen: string[] = [];
	const { clock, controller, options } = setup({
		onError: (monitor, error) => void seen.push(`${monitor.name}: ${(error as Error).message}`),
	});
	const done = startPolling([scripted(clock, 'ASG_LIFECYCLE_MONITOR', 'ASG_LIFECYCLE', fail, () => nothing).monitor], options);
	await clock.advance(1000);
	controller.abort();
	await done;
	assert.equal(seen, ['ASG_LIFECYCLE_MONITOR: Cannot read IMDS path "/x": status 500']);
});

poll('a failing consumer is logged and counted, not a monitor error, and polling goes on', async () => {
	const { clock, controller, options, log, record } = setup({
		onResult: () => {
			throw new Error('store full');
		},
	});
	const spot = scripted(clock, 'SPOT_ITN_MONITOR', 'SPOT_ITN', () => ({ events: [event], cancellations: [] }));
	const done = startPolling([spot.monitor], options);
	await clock.advance(1000);
	controller.abort();
	await done;
	assert.equal(spot.starts, [0, 500, 1000]);
	assert.equal(record.monitorErrors, []);
	assert.equal(record.errorCaught, ['monitors', 'monitors', 'monitors']);
	assert.ok(log.lines.some((line) => line.includes('ERR Cannot hand over monitor results event_type=SPOT_ITN_MONITOR error="store full"')));
});

poll('stops when the signal aborts, ending a check in flight without calling it a failure', async () => {
	const { clock, controller, options, log, record } = setup();
	const hanging = scripted(
		clock,
		'SPOT_ITN_MONITOR',
		'SPOT_ITN',
		(signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
	);
	let finished = false;
	const done = startPolling([hanging.monitor], options).then(() => (finished = true));
	await clock.advance(900);
	assert.not.ok(finished);
	controller.abort();
	await done;
	assert.ok(finished);
	assert.equal(hanging.starts, [0]);
	assert.equal(record.monitorErrors, []);
	assert.not.ok(log.lines.some((line) => line.includes('WRN')));
	assert.is(clock.pending(), 0);
});

poll('resolves at once with no monitors, logging nothing and leaving no timer', async () => {
	const { clock, controller, options, log } = setup();
	let finished = false;
	const done = startPolling([], options).then(() => (finished = true));
	// One macrotask flushes every microtask: an early return has resolved by then; a poll loop has not.
	await new Promise((resolve) => setTimeout(resolve, 0));
	const resolvedAtOnce = finished;
	controller.abort();
	await done;
	assert.ok(resolvedAtOnce, 'startPolling([]) must resolve without the clock moving or the signal aborting');
	assert.equal(log.lines, []);
	assert.is(clock.pending(), 0);
});

poll.run();

const intervals = suite('monitorIntervals()');

function monitorOf(kind: EventKind): Monitor {
	return { name: 'SPOT_ITN_MONITOR', kind, path: '/x', check: () => Promise.resolve(nothing) };
}

intervals(
	"polls spot and ASG every interval, scheduled events and rebalance every 2 s in whole intervals (NTH's rate at POLL_INTERVAL=2)",
	() => {
		const cases: [number, number][] = [
			[750, 2250],
			[500, 2000],
			[2000, 2000],
			[300, 2100],
			[100, 2000],
			[5000, 5000],
			[60_000, 60_000],
		];
		for (const [poll, slow] of cases) {
			const of = monitorIntervals(poll);
			assert.is(of(monitorOf('SPOT_ITN')), poll, `spot at ${poll}`);
			assert.is(of(monitorOf('ASG_LIFECYCLE')), poll, `asg at ${poll}`);
			assert.is(of(monitorOf('SCHEDULED_EVENT')), slow, `scheduled at ${poll}`);
			assert.is(of(monitorOf('REBALANCE_RECOMMENDATION')), slow, `rebalance at ${poll}`);
		}
	},
);

intervals.run();
