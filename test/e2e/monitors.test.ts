/**
 * The IMDS client, the four monitors and the poll loop, in-process, against
 * real AEMM processes (one per scenario and mode), polling for a few seconds
 * at the default interval with the Node runtime's fetch.
 *
 * AEMM quirks handled here:
 * - `spot` without `-t` puts "request time + 2 min" in `time`, so each poll
 *   is a different notice with a new id (NTH sees the same). The spot
 *   scenarios fix the time with `-t`; then every poll repeats one id and the
 *   store's dedupe leaves one event.
 * - `spot` mode also serves a rebalance recommendation from the start, with
 *   `noticeTime` = request time (a new id each second). The spot scenarios
 *   push it away with `--rebalance-delay-sec`; the rebalance scenario fixes
 *   it with `-r`.
 * - AEMM's delays count from its start in whole seconds (a 1 s delay can
 *   fire after a few ms), so the delayed scenarios use 2 s and check the
 *   answers seen before and after rather than wall-clock times.
 * - Without `-I`, AEMM accepts both IMDSv1 and v2, so the client holds a
 *   token in both modes; with `-I`, a GET without a valid token gets 401.
 */
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createImdsClient } from '../../src/imds/client.ts';
import { fetchInstanceMetadata } from '../../src/imds/metadata.ts';
import { recordingMetrics } from '../support/fake-imds.ts';
import type { ImdsClientState } from '../../src/imds/types.ts';
import { memoryLogger } from '../../src/log/logger.ts';
import { createAsgLifecycleMonitor } from '../../src/monitors/asg-lifecycle.ts';
import { monitorIntervals, startPolling } from '../../src/monitors/poll.ts';
import { createRebalanceMonitor } from '../../src/monitors/rebalance.ts';
import { createScheduledEventMonitor } from '../../src/monitors/scheduled-event.ts';
import { createSpotItnMonitor } from '../../src/monitors/spot-itn.ts';
import type { Cancellation, InterruptionEvent } from '../../src/monitors/types.ts';
import { createNodeRuntime } from '../../src/runtime/node.ts';
import type { FetchFn } from '../../src/runtime/types.ts';
import { startAemm } from '../real/aemm.ts';
import { freePort } from '../real/free-port.ts';
import { sleep } from '../../src/clock.ts';

/** POLL_INTERVAL 0.5 s: the fastest rate users set (the default is 0.75), so the bounds below are the tight ones. */
const pollIntervalMs = 500;
const spotTime = '2030-01-02T03:04:05Z';
const rebalanceTime = '2030-01-02T03:00:00Z';
/** AEMM's fixed scheduled-event id. */
const aemmEventId = 'instance-event-1234567890abcdef0';
const asgStatePath = '/latest/meta-data/autoscaling/target-lifecycle-state';
const rebalancePath = '/latest/meta-data/events/recommendations/rebalance';
const modes = [
	{ imdsv2: false, label: 'IMDSv1+v2' },
	{ imdsv2: true, label: 'IMDSv2 only (-I)' },
] as const;

interface Exchange {
	readonly method: string;
	readonly path: string;
	readonly token: boolean;
	readonly status: number;
	/** The body, for the ASG state path only (the others are checked through the events). */
	readonly body: string | undefined;
}

interface Observation {
	/** Every event the poll loop handed over, in order (before any dedupe). */
	readonly events: InterruptionEvent[];
	readonly cancellations: Cancellation[];
	readonly exchanges: Exchange[];
	/** Warning and error log lines. */
	readonly problems: string[];
	readonly monitorErrors: string[];
	readonly state: ImdsClientState;
	/** When polling started, for timing checks (ms since the epoch). */
	readonly startedAt: number;
}

/** A fetch that records each exchange with the status it got. */
function recordingFetch(exchanges: Exchange[]): FetchFn {
	const base = createNodeRuntime().createFetch();
	return async (input, init) => {
		const request = input instanceof Request && init === undefined ? input : new Request(input, init);
		const response = await base(request);
		const path = new URL(request.url).pathname;
		const body = path === asgStatePath ? await response.clone().text() : undefined;
		exchanges.push({ method: request.method, path, token: request.headers.has('x-aws-ec2-metadata-token'), status: response.status, body });
		return response;
	};
}

/** Starts AEMM with `args`, runs the four monitors against it for `durationMs`, and returns what they handed over. */
async function observe(args: readonly string[], imdsv2: boolean, durationMs: number): Promise<Observation> {
	const aemm = await startAemm(args, { imdsv2 });
	try {
		const exchanges: Exchange[] = [];
		const log = memoryLogger('info');
		const { metrics, record } = recordingMetrics();
		const client = createImdsClient({ fetch: recordingFetch(exchanges), baseUrl: aemm.url, ipv6Fallback: false, tries: 3, log, metrics });
		const monitors = [
			createSpotItnMonitor({ client }),
			createScheduledEventMonitor({ client, log }),
			createRebalanceMonitor({ client }),
			createAsgLifecycleMonitor({ client }),
		];
		const events: InterruptionEvent[] = [];
		const cancellations: Cancellation[] = [];
		const controller = new AbortController();
		const startedAt = Date.now();
		const polling = startPolling(monitors, {
			intervalMs: monitorIntervals(pollIntervalMs),
			onResult: (_monitor, result) => {
				events.push(...result.events);
				cancellations.push(...result.cancellations);
			},
			log,
			metrics,
			signal: controller.signal,
		});
		await sleep(durationMs);
		controller.abort();
		await polling;
		return {
			events,
			cancellations,
			exchanges,
			problems: log.lines.filter((line) => / (WRN|ERR) /.test(line)),
			monitorErrors: record.monitorErrors,
			state: client.state(),
			startedAt,
		};
	} finally {
		await aemm.stop();
	}
}

function distinctIds(events: readonly { eventId: string }[]): string[] {
	return [...new Set(events.map((event) => event.eventId))];
}

function sha256(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

/** What every scenario requires of the transport: one token, sent on every GET, never refused, no errors. */
function assertCleanRun(seen: Observation, label: string): void {
	const context = `${label}\n${seen.problems.join('\n')}`;
	assert.equal(seen.problems, [], context);
	assert.equal(seen.monitorErrors, [], context);
	const puts = seen.exchanges.filter((e) => e.method === 'PUT');
	assert.equal(
		puts.map((e) => [e.path, e.status]),
		[['/latest/api/token', 200]],
		`${label}: one token PUT for the whole run`,
	);
	const gets = seen.exchanges.filter((e) => e.method === 'GET');
	assert.ok(gets.length >= 10, `${label}: polled (${gets.length} GETs)`);
	assert.ok(
		gets.every((e) => e.token),
		`${label}: every GET carries the token`,
	);
	assert.ok(
		gets.every((e) => e.status !== 401),
		`${label}: no GET was refused`,
	);
	assert.is(seen.state.tokenMode, 'v2', label);
}

/** Runs a scenario in both modes at once (two AEMMs) and checks each. */
async function inBothModes(args: readonly string[], durationMs: number, check: (seen: Observation, label: string) => void): Promise<void> {
	const observations = await Promise.all(modes.map((mode) => observe(args, mode.imdsv2, durationMs)));
	modes.forEach((mode, index) => {
		const seen = observations[index];
		assert.ok(seen);
		const label = `${args.join(' ')} [${mode.label}]`;
		assertCleanRun(seen, label);
		check(seen, label);
	});
}

const scenarios = suite('monitors against AEMM');

for (const action of ['terminate', 'stop'] as const) {
	scenarios(`spot -a ${action}: one spot ITN with NTH's id, the action kept`, async () => {
		const time = new Date(spotTime);
		await inBothModes(['spot', '-a', action, '-t', spotTime, '--rebalance-delay-sec', '100000'], 3000, (seen, label) => {
			const expected: InterruptionEvent = {
				eventId: `spot-itn-${sha256(`&{${action} ${spotTime}}`)}`,
				kind: 'SPOT_ITN',
				monitor: 'SPOT_ITN_MONITOR',
				description: `Spot ITN received. Instance will be interrupted at ${spotTime}`,
				state: '',
				startTime: time,
				endTime: undefined,
				deadline: time,
				spotAction: action,
			};
			assert.equal(distinctIds(seen.events), [expected.eventId], label);
			assert.ok(seen.events.length >= 3, `${label}: the notice was seen on every poll (${seen.events.length})`);
			for (const event of seen.events) assert.equal(event, expected, label);
			assert.equal(seen.cancellations, [], label);
		});
	});
}

scenarios("events -o system-reboot -t active: one scheduled event with IMDS's id and a stable StartTime", async () => {
	await inBothModes(['events', '-o', 'system-reboot', '-t', 'active'], 4500, (seen, label) => {
		assert.equal(distinctIds(seen.events), [aemmEventId], label);
		assert.ok(seen.events.length >= 2, `${label}: polled more than once (${seen.events.length})`);
		const [first] = seen.events;
		assert.ok(first);
		for (const event of seen.events) assert.equal(event, first, `${label}: later polls repeat the event exactly`);
		assert.is(first.kind, 'SCHEDULED_EVENT');
		assert.is(first.monitor, 'SCHEDULED_EVENT_MONITOR');
		assert.is(first.state, 'active');
		assert.is(first.scheduledCode, 'system-reboot');
		assert.match(
			first.description,
			/^system-reboot will occur between \d{1,2} \w{3} \d{4} [\d:]{8} GMT and \d{1,2} \w{3} \d{4} [\d:]{8} GMT because The instance is scheduled for system-reboot$/,
		);
		// AEMM's NotBefore is its start time; NotAfter a week later.
		assert.ok(first.deadline !== undefined && Math.abs(first.deadline.getTime() - seen.startedAt) < 5_000, label);
		assert.is(first.endTime?.getTime(), (first.deadline?.getTime() ?? 0) + 7 * 86_400_000, label);
		assert.ok(Math.abs(first.startTime.getTime() - seen.startedAt) < 1_000, `${label}: StartTime is when the agent first saw it`);
		assert.equal(seen.cancellations, [], label);
	});
});

scenarios('events -t canceled: a cancellation and no interruption', async () => {
	await inBothModes(['events', '-t', 'canceled'], 4500, (seen, label) => {
		assert.equal(seen.events, [], label);
		assert.equal(distinctIds(seen.cancellations), [aemmEventId], label);
		for (const cancellation of seen.cancellations)
			assert.equal(cancellation, { eventId: aemmEventId, kind: 'SCHEDULED_EVENT', state: 'canceled' }, label);
	});
});

scenarios("spot --rebalance-delay-sec 2 -r T: one rebalance recommendation with NTH's id, after the delay", async () => {
	await inBothModes(['spot', '--mock-delay-sec', '100000', '--rebalance-delay-sec', '2', '-r', rebalanceTime], 6500, (seen, label) => {
		const time = new Date(rebalanceTime);
		const expected: InterruptionEvent = {
			eventId: `rebalance-recommendation-${sha256(`&{${rebalanceTime}}`)}`,
			kind: 'REBALANCE_RECOMMENDATION',
			monitor: 'REBALANCE_RECOMMENDATION_MONITOR',
			description: `Rebalance recommendation received. Instance will be cordoned at ${rebalanceTime}`,
			state: '',
			startTime: time,
			endTime: undefined,
			deadline: undefined,
		};
		assert.equal(distinctIds(seen.events), [expected.eventId], label);
		for (const event of seen.events) assert.equal(event, expected, label);
		const statuses = seen.exchanges.filter((e) => e.path === rebalancePath).map((e) => e.status);
		assert.is(statuses[0], 404, `${label}: nothing before AEMM's delay (${statuses.join(' ')})`);
		assert.is(
			seen.events.length,
			statuses.filter((status) => status === 200).length,
			`${label}: one event per 200 answer, all with one id`,
		);
	});
});

scenarios('asglifecycle --asg-termination-delay-sec 2: one ASG event per transition, not one per poll', async () => {
	await inBothModes(['asglifecycle', '--asg-termination-delay-sec', '2'], 4000, (seen, label) => {
		const ids = distinctIds(seen.events);
		assert.is(ids.length, 1, `${label}: ${ids.join(', ')}`);
		assert.match(ids[0] ?? '', /^target-lifecycle-state-terminated-[0-9a-f]{64}$/);
		assert.ok(seen.events.length >= 2, `${label}: Terminated was polled more than once (${seen.events.length})`);
		const [first] = seen.events;
		for (const event of seen.events) assert.equal(event, first, label);
		assert.is(first?.description, 'AST target lifecycle state received. Instance will be terminated');
		const states = seen.exchanges.filter((e) => e.path === asgStatePath).map((e) => e.body);
		assert.is(states[0], 'InService', `${label}: InService before the delay (${states.join(' ')})`);
		const terminated = states.filter((state) => state === 'Terminated').length;
		assert.ok(terminated >= 2, `${label}: Terminated on several polls (${states.join(' ')})`);
		assert.is(seen.events.length, terminated, `${label}: each Terminated poll repeats the one event`);
	});
});

const metadata = suite('startup metadata against AEMM');

metadata("reads AEMM's identity document and paths, with and without -I", async () => {
	for (const mode of modes) {
		const aemm = await startAemm(['events'], { imdsv2: mode.imdsv2 });
		try {
			const log = memoryLogger('info');
			const { metrics } = recordingMetrics();
			const client = createImdsClient({
				fetch: createNodeRuntime().createFetch(),
				baseUrl: aemm.url,
				ipv6Fallback: false,
				tries: 3,
				log,
				metrics,
			});
			const result = await fetchInstanceMetadata(client, new AbortController().signal, { log, metrics });
			assert.equal(
				result,
				{
					accountId: '0123456789',
					instanceId: 'i-1234567890abcdef0',
					instanceLifeCycle: 'on-demand',
					instanceType: 'm4.xlarge',
					publicHostname: 'ec2-192-0-2-54.compute-1.amazonaws.com',
					publicIp: '192.0.2.54',
					localHostname: 'ip-172-16-34-43.ec2.internal',
					privateIp: '10.0.7.10',
					availabilityZone: 'us-east-1f',
					region: 'us-east-1',
				},
				mode.label,
			);
			assert.ok(
				log.lines.some((line) => line.includes('INF Startup Metadata Retrieved metadata={"accountId":"0123456789"')),
				mode.label,
			);
		} finally {
			await aemm.stop();
		}
	}
});

metadata('falls back to the second endpoint over real sockets when the first refuses connections', async () => {
	// Both endpoints are loopback here (the sandbox allows nothing else): a closed port
	// stands in for an unreachable 169.254.169.254 and AEMM for [fd00:ec2::254].
	const closed = `http://127.0.0.1:${await freePort()}`;
	const aemm = await startAemm(['spot', '-t', spotTime], { imdsv2: true });
	try {
		const log = memoryLogger('info');
		const { metrics } = recordingMetrics();
		const client = createImdsClient({
			fetch: createNodeRuntime().createFetch(),
			baseUrl: closed,
			ipv6BaseUrl: aemm.url,
			ipv6Fallback: true,
			tries: 3,
			log,
			metrics,
		});
		const result = await fetchInstanceMetadata(client, new AbortController().signal, { log, metrics });
		assert.is(result.instanceId, 'i-1234567890abcdef0');
		assert.equal(client.state(), { tokenMode: 'v2', endpoint: aemm.url });
		assert.ok(
			log.lines.some((line) => line.includes('Switched IMDS endpoint') && line.includes('ECONNREFUSED')),
			log.lines.join('\n'),
		);
		assert.not.ok(
			log.lines.some((line) => line.includes('Request failed')),
			'the fallback happens within the first attempt',
		);
	} finally {
		await aemm.stop();
	}
});

scenarios.run();
metadata.run();
