/**
 * Property-based tests of every IMDS payload parser, alone and through the
 * real client and the monitors (issue 10): whatever IMDS sends, nothing but
 * a typed ImdsError escapes, and nothing is unbounded. A few thousand cases
 * by default; NTH_PROPERTY_RUNS (the `--long` run) sets how many.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isImdsError } from '../errors.ts';
import { noopMetrics } from '../metrics/types.ts';
import { createAsgLifecycleMonitor } from '../monitors/asg-lifecycle.ts';
import { createRebalanceMonitor } from '../monitors/rebalance.ts';
import { createScheduledEventMonitor, maxScheduledEvents } from '../monitors/scheduled-event.ts';
import { createSpotItnMonitor } from '../monitors/spot-itn.ts';
import type { Monitor, MonitorResult } from '../monitors/types.ts';
import { silentLogger } from '../log/logger.ts';
import { createImdsClient, defaultMaxBodyBytes } from './client.ts';
import { fetchInstanceMetadata } from './metadata.ts';
import { parseRfc3339, parseScheduledEventTime } from './payloads.ts';
import { propertyRuns } from '../../test/support/property-runs.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { fakeFetch } from '../../test/support/fake-fetch.ts';

const runs = propertyRuns(2000);
/** Cases that go through the client and a monitor cost more than a parser call. */
const clientRuns = Math.max(1, Math.floor(runs / 2));

/** Longest error message any failure may carry (values in it are clipped). */
const maxMessageChars = 2048;

// ---- generators -----------------------------------------------------------

const pad =
	(width: number) =>
	(value: number): string =>
		String(value).padStart(width, '0');

/** RFC 3339-looking times: valid ones, far past and far future, out-of-range fields, offsets. */
const rfc3339ish = fc.oneof(
	fc
		.date({ min: new Date(-62_135_596_800_000), max: new Date(253_402_300_799_000), noInvalidDate: true })
		.map((date) => date.toISOString().replace('.000Z', 'Z')),
	fc
		.tuple(
			fc.integer({ min: 0, max: 99_999 }),
			fc.integer({ min: 0, max: 13 }),
			fc.integer({ min: 0, max: 32 }),
			fc.integer({ min: 0, max: 25 }),
			fc.integer({ min: 0, max: 61 }),
			fc.integer({ min: 0, max: 61 }),
			fc.constantFrom('Z', '+00:00', '-23:59', '+24:00', '+05:30', ''),
			fc.constantFrom('', '.5', '.123456789'),
		)
		.map(
			([y, mo, d, h, mi, s, zone, fraction]) =>
				`${pad(4)(y)}-${pad(2)(mo)}-${pad(2)(d)}T${pad(2)(h)}:${pad(2)(mi)}:${pad(2)(s)}${fraction}${zone}`,
		),
	fc.string(),
);

/** Scheduled-event times in Go's `2 Jan 2006 15:04:05 GMT`, valid or not. */
const scheduledTimeish = fc.oneof(
	fc
		.tuple(
			fc.integer({ min: 0, max: 40 }),
			fc.constantFrom('Jan', 'feb', 'MAR', 'Dec', 'Foo'),
			fc.integer({ min: 0, max: 99_999 }),
			fc.integer({ min: 0, max: 25 }),
			fc.integer({ min: 0, max: 61 }),
			fc.integer({ min: 0, max: 61 }),
		)
		.map(([d, month, y, h, mi, s]) => `${d} ${month} ${y} ${pad(2)(h)}:${pad(2)(mi)}:${pad(2)(s)} GMT`),
	fc.string(),
);

/** A string field of any JSON type, mostly strings. */
const field = (strings: fc.Arbitrary<string>): fc.Arbitrary<unknown> =>
	fc.oneof({ weight: 6, arbitrary: strings }, { weight: 1, arbitrary: fc.jsonValue() });

const spotBody = fc.record(
	{ action: field(fc.oneof(fc.constantFrom('terminate', 'stop', 'hibernate'), fc.string())), time: field(rfc3339ish) },
	{ requiredKeys: [] },
);
const rebalanceBody = fc.record({ noticeTime: field(rfc3339ish) }, { requiredKeys: [] });
const scheduledEntry = fc.record(
	{
		NotBefore: field(scheduledTimeish),
		NotAfter: field(fc.oneof(fc.constant(''), scheduledTimeish)),
		Code: field(fc.constantFrom('system-reboot', 'instance-stop', 'system-maintenance', 'instance-retirement')),
		Description: field(fc.string()),
		EventId: field(fc.string({ maxLength: 40 })),
		State: field(fc.constantFrom('active', 'canceled', 'completed', 'unknown', '')),
	},
	{ requiredKeys: [] },
);

/** A body that is valid JSON of the wrong shape, not JSON at all, or huge. */
const hostileText = fc.oneof(
	fc.json(),
	fc.string(),
	fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
	fc.constantFrom('', 'null', '[]', '{}', '"', '{"time":', '\u0000', '[null]', '[[]]', '{"action":null}'),
	// Huge: over the 64 KiB cap, and a value just under it.
	fc
		.integer({ min: defaultMaxBodyBytes - 64, max: 3 * defaultMaxBodyBytes })
		.map((size) => `{"action":"terminate","time":"${'9'.repeat(size)}"}`),
);

/** An answer: a status and a body; mostly 200. */
const answerOf = (bodies: fc.Arbitrary<string>) =>
	fc.record({
		status: fc.oneof(
			{ weight: 8, arbitrary: fc.constant(200) },
			{ weight: 1, arbitrary: fc.constantFrom(204, 400, 401, 403, 404, 500, 503) },
		),
		body: bodies,
	});

// ---- harness --------------------------------------------------------------

/** The real client (IMDSv1 fake, fake clock) answering every GET with `answer`. */
function clientAnswering(answer: { readonly status: number; readonly body: string }) {
	const clock = fakeClock();
	const fake = fakeFetch((request) => {
		if (request.method === 'PUT') return new Response('', { status: 403 });
		const status = answer.status;
		return new Response(status === 204 ? null : answer.body, { status });
	});
	const client = createImdsClient({
		fetch: fake.fetch,
		baseUrl: 'http://169.254.169.254',
		ipv6Fallback: false,
		tries: 2,
		log: silentLogger(),
		metrics: noopMetrics(),
		now: clock.now,
		sleep: clock.sleep,
		random: () => 0,
	});
	return { client, clock };
}

const signal = new AbortController().signal;

/** Runs one check; the result, or the error after asserting it is a bounded ImdsError. */
async function checkOnce(monitor: Monitor, run: <T>(promise: Promise<T>) => Promise<T>): Promise<MonitorResult | undefined> {
	try {
		return await run(monitor.check(signal));
	} catch (error) {
		if (!isImdsError(error))
			throw new Error(`Cannot accept a non-ImdsError from ${monitor.name}: ${String(error).slice(0, 300)}`, { cause: error });
		if (error.message.length > maxMessageChars)
			throw new Error(`Cannot accept an error message of ${error.message.length} chars from ${monitor.name}`);
		return undefined;
	}
}

function assertBounded(result: MonitorResult | undefined): void {
	if (result === undefined) return;
	assert.ok(result.events.length + result.cancellations.length <= maxScheduledEvents, `${result.events.length} events`);
	for (const event of result.events) {
		assert.ok(!Number.isNaN(event.startTime.getTime()), 'startTime is a valid date');
		if (event.deadline !== undefined) assert.ok(!Number.isNaN(event.deadline.getTime()), 'deadline is a valid date');
		if (event.endTime !== undefined) assert.ok(!Number.isNaN(event.endTime.getTime()), 'endTime is a valid date');
		assert.ok(event.description.length <= 2 * defaultMaxBodyBytes, `description of ${event.description.length} chars`);
	}
}

// ---- properties -----------------------------------------------------------

const parsers = suite('IMDS time parsers (property)');

parsers('parseRfc3339: any string → a valid Date or undefined, never a throw; valid dates round-trip', () => {
	fc.assert(
		fc.property(rfc3339ish, (text) => {
			const date = parseRfc3339(text);
			if (date === undefined) return;
			assert.ok(!Number.isNaN(date.getTime()), text);
			if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text))
				assert.is(date.toISOString().replace('.000Z', 'Z').replace(/^\+0*/, ''), text.replace(/^0*(?=\d{4})/, ''));
		}),
		{ numRuns: runs },
	);
});

parsers('parseScheduledEventTime: any string → a valid Date or undefined, never a throw', () => {
	fc.assert(
		fc.property(scheduledTimeish, (text) => {
			const date = parseScheduledEventTime(text);
			if (date !== undefined) assert.ok(!Number.isNaN(date.getTime()), text);
		}),
		{ numRuns: runs },
	);
});

parsers('the parsers take a 10 MB string in linear time (no catastrophic backtracking)', () => {
	const huge = `${'1'.repeat(10 * 1024 * 1024)}`;
	assert.is(parseRfc3339(huge), undefined);
	assert.is(parseScheduledEventTime(huge), undefined);
	assert.is(parseScheduledEventTime(`1 Jan 2020 00:00:00${' '.repeat(1_000_000)}x`), undefined);
});

const monitors = suite('monitor checks on hostile IMDS answers (property)');

monitors('spot instance-action: only ImdsError escapes, results bounded', async () => {
	await fc.assert(
		fc.asyncProperty(
			answerOf(
				fc.oneof(
					spotBody.map((body) => JSON.stringify(body)),
					hostileText,
				),
			),
			async (answer) => {
				const { client, clock } = clientAnswering(answer);
				assertBounded(await checkOnce(createSpotItnMonitor({ client }), clock.run));
			},
		),
		{ numRuns: clientRuns },
	);
});

monitors('rebalance recommendation: only ImdsError escapes, results bounded', async () => {
	await fc.assert(
		fc.asyncProperty(
			answerOf(
				fc.oneof(
					rebalanceBody.map((body) => JSON.stringify(body)),
					hostileText,
				),
			),
			async (answer) => {
				const { client, clock } = clientAnswering(answer);
				assertBounded(await checkOnce(createRebalanceMonitor({ client }), clock.run));
			},
		),
		{ numRuns: clientRuns },
	);
});

monitors(`scheduled events: only ImdsError escapes, at most ${maxScheduledEvents} entries considered`, async () => {
	const lists = fc.oneof(
		fc.array(scheduledEntry, { maxLength: 20 }).map((entries) => JSON.stringify(entries)),
		// Long lists of valid entries (under the body cap).
		fc.integer({ min: 90, max: 600 }).map((count) =>
			JSON.stringify(
				Array.from({ length: count }, (_, index) => ({
					NotBefore: '21 Jan 2019 09:00:43 GMT',
					EventId: `instance-event-${index}`,
					State: 'active',
					Code: 'system-reboot',
				})),
			),
		),
		hostileText,
	);
	await fc.assert(
		fc.asyncProperty(answerOf(lists), async (answer) => {
			const { client, clock } = clientAnswering(answer);
			assertBounded(await checkOnce(createScheduledEventMonitor({ client, log: silentLogger() }), clock.run));
		}),
		{ numRuns: clientRuns },
	);
});

monitors('ASG target lifecycle state: only ImdsError escapes', async () => {
	const states = fc.oneof(fc.constantFrom('Terminated', 'Terminated\n', 'InService', 'Pending:Wait', ''), hostileText);
	await fc.assert(
		fc.asyncProperty(answerOf(states), async (answer) => {
			const { client, clock } = clientAnswering(answer);
			const result = await checkOnce(createAsgLifecycleMonitor({ client }), clock.run);
			assertBounded(result);
			if (result !== undefined && answer.status === 200) assert.is(result.events.length, answer.body.trim() === 'Terminated' ? 1 : 0);
		}),
		{ numRuns: clientRuns },
	);
});

monitors('start-up metadata: never rejects, every value bounded by the body cap', async () => {
	const document = fc.record(
		{
			accountId: field(fc.string()),
			instanceId: field(fc.string()),
			instanceType: field(fc.string()),
			privateIp: field(fc.string()),
			availabilityZone: field(fc.string()),
			region: field(fc.string()),
		},
		{ requiredKeys: [] },
	);
	await fc.assert(
		fc.asyncProperty(
			answerOf(
				fc.oneof(
					document.map((body) => JSON.stringify(body)),
					hostileText,
				),
			),
			async (answer) => {
				const { client, clock } = clientAnswering(answer);
				const metadata = await clock.run(fetchInstanceMetadata(client, signal, { log: silentLogger(), metrics: noopMetrics() }));
				for (const [key, value] of Object.entries(metadata)) {
					assert.type(value, 'string', key);
					assert.ok(value.length <= defaultMaxBodyBytes, `${key} of ${value.length} chars`);
				}
			},
		),
		{ numRuns: Math.max(1, Math.floor(clientRuns / 4)) },
	);
});

parsers.run();
monitors.run();
