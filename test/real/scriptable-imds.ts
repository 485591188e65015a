/**
 * @module A tiny IMDS on 127.0.0.1 whose notices a test sets while it runs: the
 * spot instance-action, the scheduled-events list (with `canceled` entries), the
 * rebalance recommendation and the ASG target-lifecycle state. AEMM serves one
 * fixed scenario per process; a soak needs notices that come, get cancelled and
 * come back with new ids hundreds of times, without restarting the server.
 *
 * IMDSv2 like EC2: `PUT /latest/api/token` issues a token, every GET must carry
 * it (401 otherwise). Each answer counts in `requests`.
 *
 * Test code only (Node).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface ScheduledEntry {
	readonly EventId: string;
	readonly Code: string;
	readonly State: string;
	readonly NotBefore: string;
	readonly NotAfter: string;
	readonly Description: string;
}

/** What the IMDS answers now; a test assigns the fields (undefined: 404). */
export interface ImdsNotices {
	spot: { readonly action: string; readonly time: string } | undefined;
	scheduled: ScheduledEntry[];
	rebalance: { readonly noticeTime: string } | undefined;
	asgTargetLifecycleState: string | undefined;
}

export interface ScriptableImds {
	readonly url: string;
	readonly notices: ImdsNotices;
	/** Answers given, by status. */
	readonly requests: Map<number, number>;
	close(): Promise<void>;
}

export const instanceId = 'i-0123456789abcdef0';

/** Go's `2 Jan 2006 15:04:05 GMT`, the scheduled-events time format. */
export function scheduledTime(ms: number): string {
	const date = new Date(ms);
	const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
	const pad = (n: number): string => String(n).padStart(2, '0');
	return `${date.getUTCDate()} ${month} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} GMT`;
}

const identity = {
	accountId: '123456789012',
	architecture: 'x86_64',
	availabilityZone: 'us-east-1a',
	imageId: 'ami-0123456789abcdef0',
	instanceId,
	instanceType: 'm5.large',
	pendingTime: '2026-01-01T00:00:00Z',
	privateIp: '10.0.0.10',
	region: 'us-east-1',
	version: '2017-09-30',
};

const staticPaths: Readonly<Record<string, string>> = {
	'/latest/dynamic/instance-identity/document': JSON.stringify(identity),
	'/latest/meta-data/instance-id': instanceId,
	'/latest/meta-data/instance-type': identity.instanceType,
	'/latest/meta-data/instance-life-cycle': 'spot',
	'/latest/meta-data/placement/availability-zone': identity.availabilityZone,
	'/latest/meta-data/local-hostname': 'ip-10-0-0-10.ec2.internal',
	'/latest/meta-data/local-ipv4': identity.privateIp,
	'/latest/meta-data/public-hostname': 'ec2-203-0-113-10.compute-1.amazonaws.com',
	'/latest/meta-data/public-ipv4': '203.0.113.10',
};

/** Starts the IMDS on a free 127.0.0.1 port with no notices. */
export async function startScriptableImds(): Promise<ScriptableImds> {
	const notices: ImdsNotices = { spot: undefined, scheduled: [], rebalance: undefined, asgTargetLifecycleState: undefined };
	const requests = new Map<number, number>();
	const tokens = new Set<string>();
	const answer = (
		response: ServerResponse,
		status: number,
		body: string,
		type = 'text/plain',
		headers: Record<string, string> = {},
	): void => {
		requests.set(status, (requests.get(status) ?? 0) + 1);
		response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers }).end(body);
	};
	const json = (response: ServerResponse, value: unknown): void => answer(response, 200, JSON.stringify(value), 'application/json');
	const handle = (request: IncomingMessage, response: ServerResponse): void => {
		const path = (request.url ?? '/').split('?')[0] ?? '/';
		if (request.method === 'PUT' && path === '/latest/api/token') {
			const token = randomBytes(24).toString('base64url');
			// A long-running soak keeps only the recent ones (the agent renews before expiry).
			if (tokens.size > 1000) tokens.clear();
			tokens.add(token);
			const ttl = String(request.headers['x-aws-ec2-metadata-token-ttl-seconds'] ?? '21600');
			answer(response, 200, token, 'text/plain', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl });
			return;
		}
		if (request.method !== 'GET') return answer(response, 405, 'method not allowed');
		const token = request.headers['x-aws-ec2-metadata-token'];
		if (typeof token !== 'string' || !tokens.has(token)) return answer(response, 401, 'unauthorized');
		const fixed = staticPaths[path];
		if (fixed !== undefined) return answer(response, 200, fixed);
		switch (path) {
			case '/latest/meta-data/spot/instance-action':
				return notices.spot === undefined ? answer(response, 404, 'not found') : json(response, notices.spot);
			case '/latest/meta-data/events/maintenance/scheduled':
				return json(response, notices.scheduled);
			case '/latest/meta-data/events/recommendations/rebalance':
				return notices.rebalance === undefined ? answer(response, 404, 'not found') : json(response, notices.rebalance);
			case '/latest/meta-data/autoscaling/target-lifecycle-state':
				return notices.asgTargetLifecycleState === undefined
					? answer(response, 404, 'not found')
					: answer(response, 200, notices.asgTargetLifecycleState);
			default:
				return answer(response, 404, 'not found');
		}
	};
	const server = createServer((request, response) => {
		request.resume();
		request.on('end', () => handle(request, response));
	});
	await new Promise<void>((resolveListen, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolveListen());
	});
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}`,
		notices,
		requests,
		close: () =>
			new Promise<void>((resolveClose) => {
				server.closeAllConnections();
				server.close(() => resolveClose());
			}),
	};
}
