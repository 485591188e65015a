/**
 * @module The IMDS client as the settings describe it (agent and `nth doctor`).
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { Runtime } from '../runtime/types.ts';
import { createImdsClient } from './client.ts';
import type { ImdsClient } from './types.ts';

export interface ImdsClientDeps {
	readonly runtime: Runtime;
	readonly log: Logger;
	readonly metrics: Metrics;
}

/** A client for INSTANCE_METADATA_URL (IPv6 fallback, METADATA_TRIES); its fetch hands bodies over undecoded, for the body cap. */
export function imdsClientFor(config: Config, deps: ImdsClientDeps): ImdsClient {
	return createImdsClient({
		fetch: deps.runtime.createFetch({ rawBody: true }),
		baseUrl: config.metadataUrl,
		ipv6BaseUrl: config.metadataIpv6Url,
		ipv6Fallback: config.metadataIpv6Fallback,
		tries: config.metadataTries,
		log: deps.log,
		metrics: deps.metrics,
	});
}
