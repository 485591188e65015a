import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isConfigError } from '../errors.ts';
import { memoryLogger, silentLogger } from '../log/logger.ts';
import { createNodeRuntime } from '../runtime/node.ts';
import type { HttpHandler, Server, ServeOptions } from '../runtime/types.ts';
import { createMetricsHandler } from './metrics-handler.ts';
import { createProbes } from './probes.ts';
import { startHttpServers } from './servers.ts';

const maxPollAgeMs = 30_000;

const servers = suite('startHttpServers()');

const settings = {
	enableProbesServer: true,
	probesServerPort: 0,
	enablePrometheusServer: true,
	prometheusServerPort: 0,
	probesServerHost: '127.0.0.1',
};

servers('serves probes and metrics on separate ports, neither path on the other', async () => {
	const controller = new AbortController();
	const runtime = createNodeRuntime();
	const log = memoryLogger();
	const started = await startHttpServers({
		runtime,
		settings,
		probes: createProbes({ maxPollAgeMs, startedAtMs: 0, now: () => 0, lastSuccessfulPollMs: () => 0 }).handler,
		metrics: createMetricsHandler(() => 'up 1\n'),
		log,
		signal: controller.signal,
	});
	try {
		const probesPort = started.probes?.port ?? 0;
		const metricsPort = started.metrics?.port ?? 0;
		assert.ok(probesPort > 0 && metricsPort > 0 && probesPort !== metricsPort);
		const get = async (port: number, path: string): Promise<number> => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
		assert.is(await get(probesPort, '/healthz'), 200);
		assert.is(await get(metricsPort, '/metrics'), 200);
		assert.is(await get(probesPort, '/metrics'), 404);
		assert.is(await get(metricsPort, '/healthz'), 404);
		assert.is(await get(metricsPort, '/readyz'), 404);
		assert.ok(log.lines.some((line) => line.includes(`Starting to serve handler /metrics, port ${metricsPort}`)));
	} finally {
		controller.abort();
		await started.close();
	}
});

servers('starts only the enabled servers', async () => {
	const bound: number[] = [];
	const fakeServe = async (_handler: HttpHandler, options: ServeOptions): Promise<Server> => {
		bound.push(options.port);
		return { port: options.port, close: async () => {} };
	};
	const started = await startHttpServers({
		runtime: { serve: fakeServe },
		settings: { ...settings, enableProbesServer: false, prometheusServerPort: 9092 },
		probes: () => new Response(),
		metrics: () => new Response(),
		log: silentLogger(),
		signal: new AbortController().signal,
	});
	assert.equal(bound, [9092]);
	assert.is(started.probes, undefined);
});

servers('rejects the same port for both servers with a ConfigError', async () => {
	try {
		await startHttpServers({
			runtime: {
				serve: async () => {
					throw new Error('must not bind');
				},
			},
			settings: { ...settings, probesServerPort: 9092, prometheusServerPort: 9092 },
			probes: () => new Response(),
			metrics: () => new Response(),
			log: silentLogger(),
			signal: new AbortController().signal,
		});
		assert.unreachable('should have thrown');
	} catch (error) {
		assert.ok(isConfigError(error));
		assert.match(String(error), /PROBES_SERVER_PORT and PROMETHEUS_SERVER_PORT are both 9092/);
	}
});

servers('names the setting when a port cannot be bound', async () => {
	try {
		await startHttpServers({
			runtime: {
				serve: async () => {
					throw new Error('listen EADDRINUSE');
				},
			},
			settings: { ...settings, enableProbesServer: false, prometheusServerPort: 9092 },
			probes: () => new Response(),
			metrics: () => new Response(),
			log: silentLogger(),
			signal: new AbortController().signal,
		});
		assert.unreachable('should have thrown');
	} catch (error) {
		assert.ok(isConfigError(error));
		assert.is(
			String(error),
			'ConfigError: Cannot start the metrics server on "127.0.0.1:9092" (PROMETHEUS_SERVER_PORT): listen EADDRINUSE',
		);
	}
});

servers.run();
