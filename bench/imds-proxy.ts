// A recording HTTP proxy in front of AEMM for the benchmarks: it stamps every
// IMDS request's arrival (start → first IMDS request) and answers `[]` for the
// scheduled-events path where AEMM's spot mode answers 404 (real IMDS answers
// `[]` when nothing is scheduled; upstream stops after four identical 404s).
// `route` can send a path to another AEMM: bench:floor serves the spot path
// from a quiet AEMM until it raises the notice, then from one that has it.
import http from 'node:http';

export interface ImdsRequest {
	readonly atMs: number;
	readonly method: string;
	readonly path: string;
}

export interface RecordingProxy {
	readonly url: string;
	readonly requests: ImdsRequest[];
	close(): Promise<void>;
}

export const scheduledPath = '/latest/meta-data/events/maintenance/scheduled';
export const spotPath = '/latest/meta-data/spot/instance-action';

export interface ProxyOptions {
	/** Another base URL for this path, or `undefined` for `target`. Requests routed away lose their IMDSv2 token header (it was issued by `target`). */
	readonly route?: (path: string) => string | undefined;
}

const now = (): number => performance.now();

/** Forwards to AEMM at `target` and stamps each request's arrival; `[]` for a 404 on the scheduled-events path. */
export async function startRecordingProxy(target: string, options: ProxyOptions = {}): Promise<RecordingProxy> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
	const requests: ImdsRequest[] = [];
	const server = http.createServer((request, response) => {
		const path = request.url ?? '';
		requests.push({ atMs: now(), method: request.method ?? '', path });
		const routed = options.route?.(path);
		const upstream = new URL(routed ?? target);
		const headers = { ...request.headers };
		if (routed !== undefined) delete headers['x-aws-ec2-metadata-token'];
		const forward = http.request(
			{ host: upstream.hostname, port: Number(upstream.port), method: request.method, path, headers, agent },
			(answer) => {
				if (answer.statusCode === 404 && path === scheduledPath) {
					answer.resume();
					response.writeHead(200, { 'content-type': 'text/plain' }).end('[]');
					return;
				}
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(response);
			},
		);
		forward.on('error', (error) => {
			// AEMM stopped under a request (end of a run): the agent sees a transport error, as from IMDS.
			response.destroy(error);
		});
		request.pipe(forward);
	});
	server.keepAliveTimeout = 60_000;
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			agent.destroy();
		},
	};
}
