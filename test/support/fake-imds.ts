/**
 * @module Test doubles for the IMDS client and the monitors: recording
 * metrics, and a fake IMDS that answers as AEMM v1.13.0 does (tokens, 401s,
 * 404s, payload shapes and content types), on the shared fake fetch and fake
 * clock (fake-fetch.ts, fake-clock.ts). Test code only
 * (nothing in the agent imports it). The contract suite
 * (test/support/imds.contract.ts) runs the same assertions against
 * {@link imdsModel} in the unit tier and against a real AEMM in the e2e tier,
 * so this fake cannot drift from it.
 */
import { type Logger, memoryLogger } from '../../src/log/logger.ts';
import { type Metrics, noopMetrics } from '../../src/metrics/types.ts';
import { createImdsClient } from '../../src/imds/client.ts';
import { tokenPath } from '../../src/imds/paths.ts';
import type { ImdsClient } from '../../src/imds/types.ts';
import { type FakeClock, fakeClock } from './fake-clock.ts';
import { type FakeFetch, fakeFetch, type RecordedRequest } from './fake-fetch.ts';

export interface MetricsRecord {
	readonly errorCaught: string[];
	readonly monitorErrors: string[];
	readonly polls: { readonly monitor: string; readonly ok: boolean; readonly seconds: number }[];
}

/** Metrics that remember the calls the IMDS client and the poll loop make. */
export function recordingMetrics(): { readonly metrics: Metrics; readonly record: MetricsRecord } {
	const record: MetricsRecord = { errorCaught: [], monitorErrors: [], polls: [] };
	const metrics: Metrics = {
		...noopMetrics(),
		errorCaught: (component) => void record.errorCaught.push(component),
		monitorError: (monitor) => void record.monitorErrors.push(monitor),
		pollCompleted: (monitor, ok, seconds) => void record.polls.push({ monitor, ok, seconds }),
	};
	return { metrics, record };
}

export interface FakeImds {
	readonly client: ImdsClient;
	readonly fake: FakeFetch;
	readonly clock: FakeClock;
	readonly log: Logger & { readonly lines: string[] };
	/** Runs one client call (or monitor check) on the fake clock. */
	run<T>(promise: Promise<T>): Promise<T>;
}

/**
 * A fake IMDS behind a real client: the token PUT is answered as AEMM answers
 * it (a token, the TTL echoed), and `answer` maps each GET path to a response
 * (throw for a transport error). IMDS never refuses a well-formed token PUT, so
 * the client runs in IMDSv2 mode here as it does against AEMM and EC2.
 */
export function fakeImds(answer: (path: string) => Response): FakeImds {
	const clock = fakeClock();
	const tokens = aemmTokens(clock.now);
	const fake = fakeFetch((request) => (request.path === tokenPath ? tokens.answer(request) : answer(request.path)));
	const log = memoryLogger();
	const client = createImdsClient({
		fetch: fake.fetch,
		baseUrl: 'http://169.254.169.254',
		ipv6Fallback: false,
		tries: 3,
		log,
		metrics: noopMetrics(),
		now: clock.now,
		sleep: clock.sleep,
		random: () => 0,
	});
	return { client, fake, clock, log, run: (promise) => clock.run(promise) };
}

/** AEMM's error bodies: Go's `http.Error` sends them as text/plain; charset=utf-8 with nosniff and a trailing newline. */
const xhtml = '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">';
const page = (title: string): string =>
	`<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n   <head>\n      <title>${title}</title>\n   </head>\n   <body>\n      <h1>${title}</h1>\n   </body>\n</html>\n`;
export const aemmBodies = {
	notFound: `<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n <head>\n  <title>404 - Not Found</title>\n </head>\n <body>\n  <h1>404 - Not Found</h1>\n </body>\n</html>\n`,
	badRequest: `<?xml version="1.0" encoding="UTF-8"?>\n${xhtml}\n${page('400 - Bad Request')}`,
	unauthorized: `<?xml version="1.0" encoding="UTF-8"?>\n${xhtml}\n${page('401 - Unauthorized')}`,
} as const;

/** The content types AEMM answers with. */
export const aemmContentTypes = {
	/** Payloads it renders with Go's json.MarshalIndent: spot/instance-action, rebalance, scheduled events, the identity document. */
	json: 'application/json',
	/** Tokens, plain metadata values and the ASG target lifecycle state. */
	text: 'text/plain',
	/** 400, 401 and 404 (Go's http.Error). */
	error: 'text/plain; charset=utf-8',
} as const;

/** The longest token life IMDS grants, in seconds. */
export const maxTokenTtlSeconds = 21_600;

function errorResponse(status: 400 | 401 | 404): Response {
	const body = status === 400 ? aemmBodies.badRequest : status === 401 ? aemmBodies.unauthorized : aemmBodies.notFound;
	return new Response(body, { status, headers: { 'content-type': aemmContentTypes.error, 'x-content-type-options': 'nosniff' } });
}

/** Go's `json.MarshalIndent(value, "", "\t")`, which AEMM renders its JSON payloads with (key order is the object's). */
function jsonResponse(value: unknown): Response {
	return new Response(JSON.stringify(value, null, '\t'), { status: 200, headers: { 'content-type': aemmContentTypes.json } });
}

function textResponse(text: string): Response {
	return new Response(text, { status: 200, headers: { 'content-type': aemmContentTypes.text } });
}

/** 32 random bytes in base64, as AEMM's tokens are. */
function newToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return btoa(String.fromCharCode(...bytes));
}

interface AemmTokens {
	/** Answers any request to the token path. */
	answer(request: RecordedRequest): Response;
	/** Whether `token` was issued here and has not expired (AEMM: whole seconds since issue < TTL). */
	valid(token: string | undefined): boolean;
	issued(): number;
}

/** AEMM's token endpoint: PUT with a TTL of 1–21600 s gets a token and the TTL echoed; anything else 400; other methods an empty 200. */
function aemmTokens(now: () => number): AemmTokens {
	const tokens = new Map<string, { readonly issuedAt: number; readonly ttlSeconds: number }>();
	return {
		answer(request) {
			if (request.method !== 'PUT') return new Response('', { status: 200 });
			const requested = (request.headers['x-aws-ec2-metadata-token-ttl-seconds'] ?? '').trim();
			const ttlSeconds = /^[+-]?\d+$/.test(requested) ? Number(requested) : Number.NaN;
			if (!(ttlSeconds >= 1 && ttlSeconds <= maxTokenTtlSeconds)) return errorResponse(400);
			const token = newToken();
			tokens.set(token, { issuedAt: now(), ttlSeconds });
			return new Response(token, {
				status: 200,
				headers: { 'content-type': aemmContentTypes.text, 'x-aws-ec2-metadata-token-ttl-seconds': String(ttlSeconds) },
			});
		},
		valid(token) {
			const held = token === undefined ? undefined : tokens.get(token);
			if (token === undefined || held === undefined) return false;
			if (Math.floor((now() - held.issuedAt) / 1000) >= held.ttlSeconds) {
				tokens.delete(token);
				return false;
			}
			return true;
		},
		issued: () => tokens.size,
	};
}

/** AEMM's static metadata for the paths the agent reads at start-up (its defaults, quirks included: the AZ differs from the identity document's). */
export const aemmMetadata: Readonly<Record<string, string>> = {
	'/latest/meta-data/instance-id': 'i-1234567890abcdef0',
	'/latest/meta-data/instance-life-cycle': 'on-demand',
	'/latest/meta-data/instance-type': 'm4.xlarge',
	'/latest/meta-data/public-hostname': 'ec2-192-0-2-54.compute-1.amazonaws.com',
	'/latest/meta-data/public-ipv4': '192.0.2.54',
	'/latest/meta-data/local-hostname': 'ip-172-16-34-43.ec2.internal',
	'/latest/meta-data/local-ipv4': '172.16.34.43',
	'/latest/meta-data/placement/availability-zone': 'us-east-1a',
};

/** AEMM's identity document, field order as it renders it. */
export const aemmIdentityDocument = {
	accountId: '0123456789',
	imageId: 'ami-0b69ea66ff7391e80',
	availabilityZone: 'us-east-1f',
	ramdiskId: null,
	kernelId: null,
	devpayProductCodes: null,
	marketplaceProductCodes: null,
	version: '2017-09-30',
	privateIp: '10.0.7.10',
	billingProducts: null,
	instanceId: 'i-1234567890abcdef0',
	pendingTime: '2019-10-31T07:02:24Z',
	architecture: 'x86_64',
	instanceType: 'm4.xlarge',
	region: 'us-east-1',
} as const;

/** One scheduled event as AEMM renders it (its field order; `NotBeforeDeadline` is AEMM's extra field). */
export interface ModelScheduledEvent {
	readonly Code: string;
	readonly Description: string;
	readonly State: string;
	readonly EventId: string;
	readonly NotBefore: string;
	readonly NotAfter: string;
	readonly NotBeforeDeadline?: string;
}

/** The notices the model serves; an absent one answers 404. */
export interface ImdsModelState {
	readonly spot?: { readonly action: string; readonly time: string } | undefined;
	readonly rebalance?: { readonly noticeTime: string } | undefined;
	readonly scheduled?: readonly ModelScheduledEvent[] | undefined;
	/** `InService`, `Terminated`… */
	readonly asgTargetLifecycleState?: string | undefined;
}

export interface ImdsModelOptions extends ImdsModelState {
	/** AEMM's `-I`: every request to a served path needs a valid session token, else 401. @default false */
	readonly tokensRequired?: boolean;
	/** Wall clock for token expiry, ms. @default Date.now */
	readonly now?: () => number;
}

export interface ImdsModel {
	/** A recording fetch on the model (any host: it answers by path). */
	readonly fake: FakeFetch;
	/** Replaces the notices served from now on. */
	set(state: ImdsModelState): void;
	/** Tokens issued and not yet found expired. */
	tokensIssued(): number;
}

/**
 * A fake IMDS that answers as AEMM v1.13.0 does, for the paths the agent
 * reads: the token PUT (TTL 1–21600 s, echoed; else 400), 401 without a valid
 * token when `tokensRequired`, the notices in `state` (404 when absent) and
 * AEMM's static metadata, each with AEMM's status, content type and body
 * format. Like AEMM, without `tokensRequired` a request is served whatever
 * token it carries, GET responses carry no TTL header (EC2's IMDS echoes the
 * remaining TTL there; the client must not rely on it), a trailing slash is
 * ignored, and any other path answers 404 with or without a token.
 */
export function imdsModel(options: ImdsModelOptions = {}): ImdsModel {
	const tokens = aemmTokens(options.now ?? Date.now);
	let state: ImdsModelState = options;
	const served = (path: string): (() => Response) | undefined => {
		const metadata = aemmMetadata[path];
		if (metadata !== undefined) return () => textResponse(metadata);
		switch (path) {
			case '/latest/dynamic/instance-identity/document':
				return () => jsonResponse(aemmIdentityDocument);
			case '/latest/meta-data/spot/instance-action':
				return () => (state.spot === undefined ? errorResponse(404) : jsonResponse({ action: state.spot.action, time: state.spot.time }));
			case '/latest/meta-data/events/recommendations/rebalance':
				return () => (state.rebalance === undefined ? errorResponse(404) : jsonResponse({ noticeTime: state.rebalance.noticeTime }));
			case '/latest/meta-data/events/maintenance/scheduled':
				return () => (state.scheduled === undefined ? errorResponse(404) : jsonResponse(state.scheduled));
			case '/latest/meta-data/autoscaling/target-lifecycle-state':
				return () => (state.asgTargetLifecycleState === undefined ? errorResponse(404) : textResponse(state.asgTargetLifecycleState));
			default:
				return undefined;
		}
	};
	const fake = fakeFetch((request) => {
		const pathname = new URL(request.url).pathname;
		const path = pathname !== '/' && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
		if (path === tokenPath) return tokens.answer(request);
		const answer = served(path);
		if (answer === undefined) return errorResponse(404);
		if (options.tokensRequired === true && !tokens.valid(request.headers['x-aws-ec2-metadata-token'])) return errorResponse(401);
		return answer();
	});
	return {
		fake,
		set: (next) => {
			state = next;
		},
		tokensIssued: () => tokens.issued(),
	};
}
