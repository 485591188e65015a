/**
 * @module `nth doctor`: runs the preflight with the agent's own settings and
 * clients, prints the report, exits 1 when something must be fixed.
 */
import { imdsClientFor } from '../imds/from-config.ts';
import { kubeApiFor } from '../kube/from-config.ts';
import { enabledMonitors } from '../monitors/enabled.ts';
import { webhooksConfigured } from '../notify/configured.ts';
import type { LoadedConfig } from '../config/load.ts';
import { fetchInstanceMetadata } from '../imds/metadata.ts';
import { emptyInstanceMetadata } from '../imds/types.ts';
import { requiredPermissions } from '../kube/permissions.ts';
import { createLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import { awsProviderId, findNode } from '../node/lookup.ts';
import type { Runtime } from '../runtime/types.ts';
import { commit, version } from '../version.ts';
import { formatReport, runDoctor } from './doctor.ts';

/** Whole-run bound: a hanging dependency is a finding, not a hang. */
const doctorTimeoutMs = 60_000;

export async function doctorCommand(runtime: Runtime, loaded: LoadedConfig): Promise<number> {
	const { config } = loaded;
	// The report is the output: the clients' own log lines would only repeat it, so only errors pass.
	const log = createLogger({ level: 'error', stdout: runtime.writeStderr, stderr: runtime.writeStderr });
	const metrics = noopMetrics();
	const imds = imdsClientFor(config, { runtime, log, metrics });
	const signal = AbortSignal.timeout(doctorTimeoutMs);
	let providerId: string | undefined;
	const webhook = webhooksConfigured(config) ? await import('../notify/webhook.ts') : undefined;
	runtime.writeStdout(`nth doctor (nth ${version}, commit ${commit}, ${runtime.name} ${runtime.version})\n`);
	const results = await runDoctor(
		{
			metadataUrl: config.metadataUrl,
			imds,
			metadata: async (abort) => {
				const metadata = await fetchInstanceMetadata(imds, abort, { log, metrics });
				if (config.useProviderId && metadata.instanceId) providerId = awsProviderId(metadata.availabilityZone, metadata.instanceId);
				return metadata;
			},
			monitors: enabledMonitors(config, { client: imds, log }),
			nodeName: config.nodeName || (config.kubeconfig ? undefined : ''),
			kube: () => kubeApiFor(config, { runtime, log, metrics }),
			findNode: async (kube, name, abort) => (await findNode({ kube, log, metrics }, { name, providerId }, abort))?.metadata.name,
			permissions: requiredPermissions(config),
			validateWebhook: webhook ? () => webhook.validateWebhookConfig({ config, runtime, metadata: emptyInstanceMetadata }) : undefined,
			now: () => performance.now(),
		},
		signal,
	);
	const report = formatReport(results);
	runtime.writeStdout(report.text);
	return report.exitCode;
}
