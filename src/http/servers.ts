/**
 * @module Starts the probes server and the metrics server on their own ports.
 *
 * NTH registers both on Go's default mux, so each path answers on both ports
 * (upstream-nth.md §8.29). Here each server gets only its own handler: the
 * metrics port serves /metrics alone and the probes port serves the liveness
 * endpoint and /readyz alone.
 */
import { ConfigError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { HttpHandler, Runtime, Server } from '../runtime/types.ts';

export interface HttpServersOptions {
	readonly runtime: Pick<Runtime, 'serve'>;
	readonly settings: {
		readonly enableProbesServer: boolean;
		readonly probesServerPort: number;
		readonly enablePrometheusServer: boolean;
		readonly prometheusServerPort: number;
		/** PROBES_SERVER_HOST: the address both servers bind. */
		readonly probesServerHost: string;
	};
	readonly probes: HttpHandler;
	readonly metrics: HttpHandler;
	readonly log: Logger;
	/** Aborting it closes both servers. */
	readonly signal: AbortSignal;
}

export interface HttpServers {
	/** The probes server, when ENABLE_PROBES_SERVER. */
	readonly probes: Server | undefined;
	/** The metrics server, when ENABLE_PROMETHEUS_SERVER. */
	readonly metrics: Server | undefined;
	close(): Promise<void>;
}

/** Binds the enabled servers. Throws ConfigError when both want the same port or a port cannot be bound. */
export async function startHttpServers(options: HttpServersOptions): Promise<HttpServers> {
	const { settings, runtime, log, signal } = options;
	if (
		settings.enableProbesServer &&
		settings.enablePrometheusServer &&
		settings.probesServerPort !== 0 &&
		settings.probesServerPort === settings.prometheusServerPort
	) {
		throw new ConfigError(
			`Cannot start the probes and metrics servers: PROBES_SERVER_PORT and PROMETHEUS_SERVER_PORT are both ${settings.probesServerPort}; they must differ`,
		);
	}
	const bind = async (what: string, setting: string, handler: HttpHandler, port: number): Promise<Server> => {
		try {
			return await runtime.serve(handler, { port, hostname: settings.probesServerHost, signal });
		} catch (error) {
			throw new ConfigError(
				`Cannot start the ${what} server on "${settings.probesServerHost}:${port}" (${setting}): ${error instanceof Error ? error.message : String(error)}`,
				{ cause: error },
			);
		}
	};
	let metrics: Server | undefined;
	let probes: Server | undefined;
	if (settings.enablePrometheusServer) {
		metrics = await bind('metrics', 'PROMETHEUS_SERVER_PORT', options.metrics, settings.prometheusServerPort);
		log.info(`Starting to serve handler /metrics, port ${metrics.port}`);
	}
	if (settings.enableProbesServer) {
		try {
			probes = await bind('probes', 'PROBES_SERVER_PORT', options.probes, settings.probesServerPort);
		} catch (error) {
			await metrics?.close();
			throw error;
		}
		log.info(`Starting to serve handler probes, port ${probes.port}`);
	}
	return {
		probes,
		metrics,
		close: async () => {
			await Promise.all([probes?.close(), metrics?.close()]);
		},
	};
}
