/**
 * @module Whether any webhook destination is configured.
 *
 * True when WEBHOOK_URL or WEBHOOK_SINKS names a destination (what
 * notify/sinks.ts resolveSinks turns into sinks). Without one the webhook
 * module tree (the Go-template engine, Sprig, the sinks) is never evaluated:
 * it is imported only then (measured: packaging/README.md). Kept apart from
 * webhook.ts so that asking does not load that tree.
 */
import type { Config } from '../config/schema.ts';

export function webhooksConfigured(config: Config): boolean {
	return config.webhookUrl !== '' || config.webhookSinks.length > 0;
}
