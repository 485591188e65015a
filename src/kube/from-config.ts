/**
 * @module The Kubernetes API client as the settings describe it (agent and `nth doctor`).
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { Runtime } from '../runtime/types.ts';
import { version } from '../version.ts';
import type { KubeApi } from './api.ts';
import { createKubeApi } from './client.ts';
import { connectKube } from './config.ts';

export interface KubeApiDeps {
	readonly runtime: Runtime;
	readonly log: Logger;
	readonly metrics: Metrics;
}

/** In-cluster, or the kubeconfig of host mode. Throws ConfigError when the configuration is broken. */
export async function kubeApiFor(config: Config, deps: KubeApiDeps): Promise<KubeApi> {
	const { runtime, log, metrics } = deps;
	const connection = await connectKube((options) => runtime.createFetch(options), {
		kubeconfig: config.kubeconfig,
		serviceHost: config.kubernetesServiceHost,
		servicePort: config.kubernetesServicePort,
	});
	log.info('Kubernetes client configured', { server: connection.server, source: connection.source });
	return createKubeApi({
		server: connection.server,
		fetch: connection.fetch,
		authHeaders: () => connection.authHeaders(),
		onUnauthorized: () => connection.invalidate(),
		qps: config.kubeApiQps,
		burst: config.kubeApiBurst,
		log,
		metrics,
		userAgent: `nth/${version} (${runtime.name} ${runtime.version})`,
	});
}
