/**
 * Detection bounds of the whole notice path — the real IMDS client (token,
 * retries, transport), the real monitors and the poll loop — against a fake
 * IMDS that injects faults, on a fake clock (issue 10, item 3).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createImdsClient } from '../imds/client.ts';
import { longRun } from '../../test/support/property-runs.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { fakeFetch, hang, type RecordedRequest, refused } from '../../test/support/fake-fetch.ts';
import { recordingMetrics } from '../../test/support/fake-imds.ts';
import { memoryLogger } from '../log/logger.ts';
import { createAsgLifecycleMonitor } from './asg-lifecycle.ts';
import { checkBudgetMs, monitorIntervals, startPolling } from './poll.ts';
import { createScheduledEventMonitor } from './scheduled-event.ts';
import { createSpotItnMonitor } from './spot-itn.ts';
import { seeded } from '../../test/support/seeded.ts';

const intervalMs = 500;
const spotPath = '/latest/meta-data/spot/instance-action';
const asgPath = '/latest/meta-data/autoscaling/target-lifecycle-state';
const scheduledPath = '/latest/meta-data/events/maintenance/scheduled';
const tokenPath = '/latest/api/token';
const ttlHeader = 'x-aws-ec2-metadata-token-ttl-seconds';

type Outage = 'none' | 'refused' | '503' | 'hang';

interface WorldOptions {
	readonly seed: number;
	/** Share of requests answered 401 / 5xx while IMDS is up. */
	readonly p401?: number;
	readonly p5xx?: number;
	/** IMDS refuses requests without a valid token (IMDSv2 required). */
	readonly v2Only?: boolean;
	/** Token lifetime IMDS grants, in seconds. */
	readonly ttlSeconds?: number;
}

/** A fake IMDS behind the real client, the spot, ASG and scheduled monitors, and the poll loop. */
function world(options: WorldOptions) {
	const clock = fakeClock(0);
	const random = seeded(options.seed);
	const valid = new Map<string, number>();
	let issued = 0;
	let outage: Outage = 'none';
	let notice: string | undefined;
	/** When IMDS answered a request with the notice (the fake clock may move on while the agent handles the answer: the real one does not). */
	const served: { readonly notice: string; readonly at: number }[] = [];
	/** The spot notice times (ISO) handed over by the poll loop. */
	const handed = new Set<string>();
	let noticeTime = '';
	const answer = (request: RecordedRequest, signal: AbortSignal): Response | Promise<Response> => {
		if (outage === 'refused') return refused();
		if (outage === '503') return new Response('', { status: 503 });
		if (outage === 'hang') return hang(signal);
		// 401s on GETs only: IMDS never answers a token PUT with 401 (it says 400, 403 or 405).
		const roll = random();
		const p401 = request.method === 'GET' ? (options.p401 ?? 0) : 0;
		if (roll < p401) return new Response('', { status: 401 });
		if (roll < p401 + (options.p5xx ?? 0)) return new Response('', { status: 503 });
		if (request.method === 'PUT' && request.path === tokenPath) {
			const token = `T${++issued}`;
			const ttl = options.ttlSeconds ?? 21_600;
			valid.set(token, clock.now() + ttl * 1000);
			return new Response(token, { headers: { [ttlHeader]: String(ttl) } });
		}
		const sent = request.headers['x-aws-ec2-metadata-token'];
		const tokenOk = sent !== undefined && (valid.get(sent) ?? 0) > clock.now();
		if ((options.v2Only || sent !== undefined) && !tokenOk) return new Response('', { status: 401 });
		if (request.path === spotPath) {
			if (notice === undefined) return new Response('Not Found', { status: 404 });
			served.push({ notice, at: clock.now() });
			return new Response(notice);
		}
		if (request.path === asgPath) return new Response('InService');
		if (request.path === scheduledPath) return new Response('[]');
		return new Response('Not Found', { status: 404 });
	};
	const answers: string[] = [];
	const fake = fakeFetch(async (request, signal) => {
		const response = await answer(request, signal);
		answers.push(
			`${clock.now()} ${request.method} ${request.path} ${request.headers['x-aws-ec2-metadata-token'] ?? '-'} ${response.status}`,
		);
		return response;
	});
	const log = memoryLogger('info');
	const { metrics, record } = recordingMetrics();
	const client = createImdsClient({
		fetch: fake.fetch,
		baseUrl: 'http://169.254.169.254',
		ipv6Fallback: false,
		tries: 3,
		log,
		metrics,
		now: clock.now,
		sleep: clock.sleep,
		random,
	});
	const controller = new AbortController();
	const polling = startPolling(
		[createSpotItnMonitor({ client }), createAsgLifecycleMonitor({ client }), createScheduledEventMonitor({ client, log })],
		{
			intervalMs: monitorIntervals(intervalMs),
			onResult: (_monitor, result) => {
				for (const event of result.events) if (event.kind === 'SPOT_ITN') handed.add(event.startTime.toISOString());
			},
			log,
			metrics,
			signal: controller.signal,
			now: clock.now,
			sleep: clock.sleep,
		},
	);
	return {
		clock,
		record,
		fake,
		setOutage: (next: Outage) => void (outage = next),
		/** Puts a notice up (a new id per `n`) and returns when it went up. */
		showNotice(n: number): number {
			noticeTime = new Date(Date.UTC(2030, 0, 1) + n * 1000).toISOString();
			notice = JSON.stringify({ action: 'terminate', time: noticeTime.replace('.000Z', 'Z') });
			return clock.now();
		},
		hideNotice: () => void (notice = undefined),
		/**
		 * The delay between `since` and the first answer with the notice showing now, or Infinity when none
		 * reached the poll loop. Measured at the answer: on the fake clock, time may jump to the next timer
		 * while the client is still reading the answer (real time does not), which would inflate the delay.
		 */
		seenAfter(since: number): number {
			if (!handed.has(noticeTime) || notice === undefined) return Number.POSITIVE_INFINITY;
			const current = notice;
			const times = served.filter((entry) => entry.notice === current && entry.at >= since).map((entry) => entry.at);
			return times.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...times) - since;
		},
		/** The answers since `from` (to print when an assertion fails). */
		trace: (from: number) => answers.filter((line) => Number(line.split(' ')[0]) >= from),
		async stop(): Promise<void> {
			controller.abort();
			await polling;
		},
	};
}

const storm = suite('notice detection under a 401/5xx storm');

storm(
	'with 30 % 401s (on GETs) and 10 % 5xx, 99 % of 200 notices (600 in the long run) are seen within 2 intervals, every one within 2 intervals + 1 s',
	async () => {
		const delays: number[] = [];
		const seeds = longRun()
			? ([
					[false, 1],
					[false, 2],
					[false, 3],
					[true, 4],
					[true, 5],
					[true, 7],
				] as const)
			: ([
					[false, 1],
					[true, 4],
				] as const);
		for (const [v2Only, seed] of seeds) {
			const w = world({ seed, p401: 0.3, p5xx: 0.1, v2Only });
			const random = seeded(seed + 100);
			for (let n = 0; n < 100; n++) {
				// Appear at a random moment, not on a tick; stay up 2.5 s, then gone 0.5–1.5 s.
				await w.clock.advance(500 + Math.floor(random() * 1000));
				const shownAt = w.showNotice(n);
				await w.clock.advance(2500);
				delays.push(w.seenAfter(shownAt));
				w.hideNotice();
			}
			assert.ok(w.record.monitorErrors.length > 0, 'the faults did make checks fail');
			await w.stop();
		}
		const sorted = [...delays].sort((a, b) => a - b);
		const at = (share: number): number =>
			sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? Number.POSITIVE_INFINITY;
		const summary = `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
		assert.ok(at(0.99) <= 2 * intervalMs, summary);
		assert.ok(at(1) <= 2 * intervalMs + 1000, summary);
	},
);

const outages = suite('notice detection after an IMDS outage');

for (const kind of ['refused', '503', 'hang'] as const) {
	for (const [lengthMs, label] of [
		[3_000, '3 s'],
		[47_300, '47 s'],
		[300_000, '5 min'],
	] as const) {
		outages(
			`${kind} for ${label}: a notice present at recovery is seen within ${kind === 'hang' ? 'the check deadline' : 'one interval'}`,
			async () => {
				// IMDSv1 allowed; IMDSv2 required with a token that outlives the outage; and one that expires during it.
				const tokens = [
					[false, 21_600],
					[true, 21_600],
					[true, 60],
				] as const;
				// The long outage once per kind (on the fake clock it costs real time too): with the token expiring.
				for (const [v2Only, ttlSeconds] of lengthMs > 60_000 && !longRun() ? tokens.slice(2) : tokens) {
					const w = world({ seed: lengthMs, v2Only, ttlSeconds });
					await w.clock.advance(2_000 + (lengthMs % 317));
					w.setOutage(kind);
					// The notice goes up during the outage; IMDS comes back later, at a moment not on a tick.
					await w.clock.advance(lengthMs / 2);
					w.showNotice(1);
					await w.clock.advance(lengthMs / 2);
					const recoveredAt = w.clock.now();
					w.setOutage('none');
					await w.clock.advance(5_000);
					const delay = w.seenAfter(recoveredAt);
					// A request sent into a hanging IMDS just before recovery stays hung until its check's deadline.
					const bound = kind === 'hang' ? checkBudgetMs(intervalMs) : intervalMs;
					assert.ok(
						delay <= bound,
						`v2Only=${v2Only} ttl=${ttlSeconds}: seen ${delay} ms after recovery (bound ${bound} ms)\n${w.trace(recoveredAt).slice(0, 16).join('\n')}`,
					);
					assert.ok(
						w.record.polls.some((p) => !p.ok),
						'the outage made polls fail (what liveness reads)',
					);
					await w.stop();
				}
			},
		);
	}
}

outages('during an outage no poll succeeds (liveness goes unhealthy), and checks keep going out every interval', async () => {
	const w = world({ seed: 5 });
	await w.clock.advance(1_000);
	w.setOutage('refused');
	const from = w.record.polls.length;
	await w.clock.advance(60_000);
	const during = w.record.polls.slice(from);
	assert.not.ok(
		during.some((p) => p.ok),
		'a poll succeeded during the outage',
	);
	const spotChecks = during.filter((p) => p.monitor === 'SPOT_ITN_MONITOR').length;
	assert.ok(spotChecks >= 119 && spotChecks <= 121, `${spotChecks} spot checks in 60 s`);
	await w.stop();
});

storm.run();
outages.run();
