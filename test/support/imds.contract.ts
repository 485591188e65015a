/**
 * @module The fake-IMDS contract: one set of cases, run against the fake
 * (`imdsModel` of test/support/fake-imds.ts, unit tier: test/unit/imds-contract.test.ts)
 * and against a real AEMM v1.13.0 process (e2e tier:
 * test/e2e/imds-contract.test.ts), so the fake the unit tests rely on cannot
 * drift from the IMDS the e2e tier runs. The cases check what nth relies on:
 * the token PUT (TTL header → token, TTL echoed, 400 outside 1–21600 s), GETs
 * with and without a token (IMDSv2-only → 401, expiry), 404 for absent
 * notices, the spot / rebalance / scheduled / ASG payloads with their content
 * types, and that the real client and monitors read both alike.
 *
 * Test code only.
 */
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { createImdsClient } from '../../src/imds/client.ts';
import { fetchInstanceMetadata } from '../../src/imds/metadata.ts';
import { aemmBodies, aemmContentTypes, type ImdsModelState, recordingMetrics } from './fake-imds.ts';
import type { ImdsClient } from '../../src/imds/types.ts';
import { memoryLogger } from '../../src/log/logger.ts';
import { createAsgLifecycleMonitor } from '../../src/monitors/asg-lifecycle.ts';
import { createRebalanceMonitor } from '../../src/monitors/rebalance.ts';
import { createScheduledEventMonitor } from '../../src/monitors/scheduled-event.ts';
import { createSpotItnMonitor } from '../../src/monitors/spot-itn.ts';
import type { Monitor, MonitorResult } from '../../src/monitors/types.ts';
import type { FetchFn } from '../../src/runtime/types.ts';

export const paths = {
	token: '/latest/api/token',
	spot: '/latest/meta-data/spot/instance-action',
	rebalance: '/latest/meta-data/events/recommendations/rebalance',
	scheduled: '/latest/meta-data/events/maintenance/scheduled',
	asg: '/latest/meta-data/autoscaling/target-lifecycle-state',
	instanceId: '/latest/meta-data/instance-id',
	identity: '/latest/dynamic/instance-identity/document',
} as const;

const ttlHeader = 'x-aws-ec2-metadata-token-ttl-seconds';
const tokenHeader = 'x-aws-ec2-metadata-token';
const spotTime = '2030-01-02T03:04:05Z';
const rebalanceTime = '2030-01-02T03:00:00Z';
const aemmEventId = 'instance-event-1234567890abcdef0';
const instanceId = 'i-1234567890abcdef0';

/** One IMDS scenario, as AEMM's command line and as the fake's state. */
export interface ContractScenario {
	readonly name: string;
	/** The AEMM subcommand part (test/real/aemm.ts adds `-n -p -x -1 [-I]`). */
	readonly aemmArgs: readonly string[];
	/** What the fake serves for the same scenario; `startedAt` stands for AEMM's start time. */
	readonly model: (startedAt: Date) => ImdsModelState;
}

/** An IMDS under test: a fetch on its base URL, and a way to let token lifetime pass. */
export interface ImdsUnderTest {
	readonly baseUrl: string;
	readonly fetch: FetchFn;
	/** Lets `ms` of wall time pass for token expiry (the fake advances its clock; AEMM is waited for). */
	elapse(ms: number): Promise<void>;
	close(): Promise<void>;
}

export interface ImdsTarget {
	/** `fake` or `aemm`, for messages. */
	readonly name: string;
	start(scenario: ContractScenario, options: { readonly tokensRequired: boolean }): Promise<ImdsUnderTest>;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** AEMM's scheduled-event time format, Go's `2 Jan 2006 15:04:05 GMT`. */
export function scheduledTime(date: Date): string {
	const pad = (n: number): string => String(n).padStart(2, '0');
	return `${date.getUTCDate()} ${months[date.getUTCMonth()] ?? ''} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} GMT`;
}

function aemmScheduledEvent(code: string, state: string, startedAt: Date): NonNullable<ImdsModelState['scheduled']>[number] {
	const day = 86_400_000;
	return {
		Code: code,
		Description: `The instance is scheduled for ${code}`,
		State: state,
		EventId: aemmEventId,
		NotBefore: scheduledTime(startedAt),
		NotAfter: scheduledTime(new Date(startedAt.getTime() + 7 * day)),
		NotBeforeDeadline: scheduledTime(new Date(startedAt.getTime() + 9 * day)),
	};
}

export const scenarios = {
	quiet: { name: 'no notice', aemmArgs: ['spot', '--mock-delay-sec', '86400', '--rebalance-delay-sec', '86400'], model: () => ({}) },
	spotTerminate: {
		name: 'spot terminate',
		aemmArgs: ['spot', '-a', 'terminate', '-t', spotTime, '--rebalance-delay-sec', '86400'],
		model: () => ({ spot: { action: 'terminate', time: spotTime } }),
	},
	spotStop: {
		name: 'spot stop',
		aemmArgs: ['spot', '-a', 'stop', '-t', spotTime, '--rebalance-delay-sec', '86400'],
		model: () => ({ spot: { action: 'stop', time: spotTime } }),
	},
	rebalance: {
		name: 'rebalance',
		aemmArgs: ['spot', '--mock-delay-sec', '86400', '-r', rebalanceTime],
		model: () => ({ rebalance: { noticeTime: rebalanceTime } }),
	},
	scheduledActive: {
		name: 'scheduled system-reboot active',
		aemmArgs: ['events', '-o', 'system-reboot', '-t', 'active'],
		model: (startedAt) => ({ scheduled: [aemmScheduledEvent('system-reboot', 'active', startedAt)] }),
	},
	scheduledCanceled: {
		name: 'scheduled canceled',
		aemmArgs: ['events', '-o', 'instance-stop', '-t', 'canceled'],
		model: (startedAt) => ({ scheduled: [aemmScheduledEvent('instance-stop', 'canceled', startedAt)] }),
	},
	asgInService: {
		name: 'ASG InService',
		aemmArgs: ['asglifecycle', '--asg-termination-delay-sec', '86400'],
		model: () => ({ asgTargetLifecycleState: 'InService' }),
	},
	asgTerminated: { name: 'ASG Terminated', aemmArgs: ['asglifecycle'], model: () => ({ asgTargetLifecycleState: 'Terminated' }) },
} as const satisfies Record<string, ContractScenario>;

interface Answer {
	readonly status: number;
	readonly contentType: string | null;
	readonly ttl: string | null;
	readonly body: string;
}

async function call(
	imds: ImdsUnderTest,
	method: 'GET' | 'PUT',
	path: string,
	headers: Readonly<Record<string, string>> = {},
): Promise<Answer> {
	const response = await imds.fetch(`${imds.baseUrl}${path}`, { method, headers });
	return {
		status: response.status,
		contentType: response.headers.get('content-type'),
		ttl: response.headers.get(ttlHeader),
		body: await response.text(),
	};
}

async function token(imds: ImdsUnderTest, ttlSeconds = 21_600): Promise<string> {
	const answer = await call(imds, 'PUT', paths.token, { [ttlHeader]: String(ttlSeconds) });
	assert.is(answer.status, 200, `token PUT: ${answer.body}`);
	return answer.body;
}

function assertError(answer: Answer, status: 400 | 401 | 404, what: string): void {
	assert.is(answer.status, status, `${what}: status`);
	assert.is(answer.contentType, aemmContentTypes.error, `${what}: content type`);
	assert.is(
		answer.body,
		status === 400 ? aemmBodies.badRequest : status === 401 ? aemmBodies.unauthorized : aemmBodies.notFound,
		`${what}: body`,
	);
}

const noSignal = new AbortController().signal;

function clientOn(imds: ImdsUnderTest): { readonly client: ImdsClient; readonly lines: readonly string[] } {
	const log = memoryLogger('debug');
	const { metrics } = recordingMetrics();
	return {
		client: createImdsClient({ fetch: imds.fetch, baseUrl: imds.baseUrl, ipv6Fallback: false, tries: 1, log, metrics }),
		lines: log.lines,
	};
}

async function checkOnce(imds: ImdsUnderTest, make: (client: ImdsClient) => Monitor): Promise<MonitorResult> {
	const { client } = clientOn(imds);
	return make(client).check(noSignal);
}

const JsonSchema = v.unknown();
const parseJson = (text: string): unknown => v.parse(JsonSchema, JSON.parse(text));
const scheduledTimePattern = /^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Registers every contract case on `test`, each starting its own IMDS from
 * `target` (and closing it). Both tiers register the same cases.
 */
export function registerImdsContract(test: Test, target: ImdsTarget): void {
	const withImds = (scenario: ContractScenario, tokensRequired: boolean, body: (imds: ImdsUnderTest) => Promise<void>) => async () => {
		const imds = await target.start(scenario, { tokensRequired });
		try {
			await body(imds);
		} finally {
			await imds.close();
		}
	};
	const label = (text: string): string => `[${target.name}] ${text}`;

	test(
		label('token PUT with a TTL of 1–21600 s: 200 text/plain, a 44-character base64 token, the TTL echoed'),
		withImds(scenarios.quiet, false, async (imds) => {
			for (const ttl of ['21600', '1', '60']) {
				const answer = await call(imds, 'PUT', paths.token, { [ttlHeader]: ttl });
				assert.is(answer.status, 200, `TTL ${ttl}`);
				assert.is(answer.contentType, aemmContentTypes.text, `TTL ${ttl}: content type`);
				assert.match(answer.body, /^[A-Za-z0-9+/]{43}=$/, `TTL ${ttl}: token`);
				assert.is(answer.ttl, ttl, `TTL ${ttl}: echoed`);
			}
			assert.is.not(await token(imds), await token(imds), 'a new token per PUT');
		}),
	);

	test(
		label('token PUT without a TTL, or with 0, 21601, -5, 60.5, abc: 400'),
		withImds(scenarios.quiet, false, async (imds) => {
			assertError(await call(imds, 'PUT', paths.token), 400, 'no TTL header');
			for (const ttl of ['0', '21601', '-5', '60.5', 'abc'])
				assertError(await call(imds, 'PUT', paths.token, { [ttlHeader]: ttl }), 400, `TTL ${ttl}`);
		}),
	);

	test(
		label(
			'IMDSv2 only (-I): 401 without a token, with an unknown one and with an expired one; 200 with a valid one; no TTL header on GETs',
		),
		withImds(scenarios.spotTerminate, true, async (imds) => {
			assertError(await call(imds, 'GET', paths.instanceId), 401, 'instance-id, no token');
			assertError(await call(imds, 'GET', paths.spot), 401, 'spot, no token');
			assertError(await call(imds, 'GET', paths.identity), 401, 'identity document, no token');
			assertError(await call(imds, 'GET', paths.spot, { [tokenHeader]: 'bm90LWEtdG9rZW4=' }), 401, 'spot, unknown token');
			const valid = await token(imds);
			const answer = await call(imds, 'GET', paths.instanceId, { [tokenHeader]: valid });
			assert.equal([answer.status, answer.contentType, answer.body], [200, aemmContentTypes.text, instanceId]);
			assert.is(answer.ttl, null, 'AEMM sends no TTL header on a GET (EC2 does): the client must not need it');
			const short = await token(imds, 1);
			assert.is((await call(imds, 'GET', paths.instanceId, { [tokenHeader]: short })).status, 200, 'fresh 1 s token');
			await imds.elapse(1100);
			assertError(await call(imds, 'GET', paths.instanceId, { [tokenHeader]: short }), 401, 'expired token');
			assert.is((await call(imds, 'GET', paths.instanceId, { [tokenHeader]: valid })).status, 200, 'the 6 h token still works');
		}),
	);

	test(
		label('IMDSv1 allowed (no -I): served without a token and whatever token is sent'),
		withImds(scenarios.spotTerminate, false, async (imds) => {
			for (const headers of [{}, { [tokenHeader]: 'bm90LWEtdG9rZW4=' }, { [tokenHeader]: await token(imds) }]) {
				const answer = await call(imds, 'GET', paths.instanceId, headers);
				assert.equal([answer.status, answer.body], [200, instanceId], JSON.stringify(Object.keys(headers)));
			}
		}),
	);

	test(
		label("absent notices: 404 with AEMM's body on the spot, rebalance, scheduled and ASG paths"),
		withImds(scenarios.quiet, true, async (imds) => {
			const valid = await token(imds);
			for (const path of [paths.spot, paths.rebalance, paths.scheduled, paths.asg])
				assertError(await call(imds, 'GET', path, { [tokenHeader]: valid }), 404, path);
			assertError(await call(imds, 'GET', '/latest/meta-data/no-such-path', { [tokenHeader]: valid }), 404, 'unknown path');
		}),
	);

	for (const scenario of [scenarios.spotTerminate, scenarios.spotStop]) {
		test(
			label(`${scenario.name}: application/json {"action","time"}; the monitor reads one SPOT_ITN event`),
			withImds(scenario, false, async (imds) => {
				const answer = await call(imds, 'GET', paths.spot);
				assert.equal([answer.status, answer.contentType], [200, aemmContentTypes.json]);
				const expected = scenario.model().spot;
				assert.equal(parseJson(answer.body), { action: expected.action, time: expected.time });
				assert.is(answer.body, `{\n\t"action": "${expected.action}",\n\t"time": "${expected.time}"\n}`, "Go's MarshalIndent layout");
				const result = await checkOnce(imds, (client) => createSpotItnMonitor({ client }));
				assert.is(result.events.length, 1);
				assert.is(result.events[0]?.spotAction, expected.action);
				assert.is(result.events[0]?.deadline?.toISOString(), '2030-01-02T03:04:05.000Z');
				assert.match(result.events[0]?.eventId ?? '', /^spot-itn-[0-9a-f]{64}$/);
			}),
		);
	}

	test(
		label('rebalance: application/json {"noticeTime"}; the monitor reads one REBALANCE_RECOMMENDATION'),
		withImds(scenarios.rebalance, false, async (imds) => {
			const answer = await call(imds, 'GET', paths.rebalance);
			assert.equal([answer.status, answer.contentType], [200, aemmContentTypes.json]);
			assert.equal(parseJson(answer.body), { noticeTime: rebalanceTime });
			const result = await checkOnce(imds, (client) => createRebalanceMonitor({ client }));
			assert.equal(
				result.events.map((event) => [event.kind, event.startTime.toISOString()]),
				[['REBALANCE_RECOMMENDATION', '2030-01-02T03:00:00.000Z']],
			);
		}),
	);

	for (const scenario of [scenarios.scheduledActive, scenarios.scheduledCanceled]) {
		test(
			label(`${scenario.name}: an application/json list in AEMM's field order and time format; the monitor reads it`),
			withImds(scenario, false, async (imds) => {
				const answer = await call(imds, 'GET', paths.scheduled);
				assert.equal([answer.status, answer.contentType], [200, aemmContentTypes.json]);
				const list = v.parse(v.array(v.record(v.string(), v.string())), parseJson(answer.body));
				assert.is(list.length, 1);
				const [event] = list;
				assert.ok(event);
				assert.equal(Object.keys(event), ['Code', 'Description', 'State', 'EventId', 'NotBefore', 'NotAfter', 'NotBeforeDeadline']);
				const expected = scenario.model(new Date()).scheduled[0];
				assert.equal(
					[event['Code'], event['Description'], event['State'], event['EventId']],
					[expected?.Code, expected?.Description, expected?.State, expected?.EventId],
				);
				for (const field of ['NotBefore', 'NotAfter', 'NotBeforeDeadline']) assert.match(event[field] ?? '', scheduledTimePattern, field);
				const notBefore = Date.parse(event['NotBefore'] ?? '');
				assert.ok(Math.abs(notBefore - Date.now()) < 120_000, `NotBefore is the start time (${event['NotBefore']})`);
				assert.is(Date.parse(event['NotAfter'] ?? '') - notBefore, 7 * 86_400_000, 'NotAfter a week later');
				const { client, lines } = clientOn(imds);
				const result = await createScheduledEventMonitor({ client, log: memoryLogger('info') }).check(noSignal);
				if (event['State'] === 'canceled') {
					assert.equal(result.events, []);
					assert.equal(result.cancellations, [{ eventId: aemmEventId, kind: 'SCHEDULED_EVENT', state: 'canceled' }]);
				} else {
					assert.equal(
						result.events.map((e) => [e.eventId, e.state, e.scheduledCode]),
						[[aemmEventId, 'active', 'system-reboot']],
						lines.join('\n'),
					);
				}
			}),
		);
	}

	for (const scenario of [scenarios.asgInService, scenarios.asgTerminated]) {
		test(
			label(`${scenario.name}: text/plain state; the monitor acts on Terminated only`),
			withImds(scenario, false, async (imds) => {
				const answer = await call(imds, 'GET', paths.asg);
				const state = scenario.model().asgTargetLifecycleState;
				assert.equal([answer.status, answer.contentType, answer.body], [200, aemmContentTypes.text, state]);
				const result = await checkOnce(imds, (client) => createAsgLifecycleMonitor({ client }));
				assert.is(result.events.length, state === 'Terminated' ? 1 : 0);
			}),
		);
	}

	test(
		label('the start-up metadata reads alike with -I (the client takes a token)'),
		withImds(scenarios.quiet, true, async (imds) => {
			const log = memoryLogger('info');
			const { metrics } = recordingMetrics();
			const client = createImdsClient({ fetch: imds.fetch, baseUrl: imds.baseUrl, ipv6Fallback: false, tries: 1, log, metrics });
			const metadata = await fetchInstanceMetadata(client, noSignal, { log, metrics });
			assert.equal(metadata, {
				accountId: '0123456789',
				instanceId,
				instanceLifeCycle: 'on-demand',
				instanceType: 'm4.xlarge',
				publicHostname: 'ec2-192-0-2-54.compute-1.amazonaws.com',
				publicIp: '192.0.2.54',
				localHostname: 'ip-172-16-34-43.ec2.internal',
				privateIp: '10.0.7.10',
				availabilityZone: 'us-east-1f',
				region: 'us-east-1',
			});
			assert.is(client.state().tokenMode, 'v2');
		}),
	);
}
