/**
 * @module Wiring: config → clients → monitors → incidents → actions → notifiers.
 *
 * Start-up follows NTH's order (config, webhook validation, Kubernetes client,
 * servers, IMDS metadata, events, reboot check, monitors) and fails fast on
 * bad configuration; after that, nothing ends the process but a signal.
 */
import type { KubeApi } from './kube/api.ts';
import { kubeApiFor } from './kube/from-config.ts';
import type { LoadedConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { configFields, configText } from './config/dump.ts';
import { ConfigError, isAbortError } from './errors.ts';
import { fetchInstanceMetadata } from './imds/metadata.ts';
import { imdsClientFor } from './imds/from-config.ts';
import { sleep } from './clock.ts';
import type { InstanceMetadata } from './imds/types.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { createMetricsRegistry } from './metrics/registry.ts';
import type { Metrics } from './metrics/types.ts';
import { enabledMonitors } from './monitors/enabled.ts';
import { monitorIntervals, startPolling } from './monitors/poll.ts';
import type { Monitor, MonitorResult } from './monitors/types.ts';
import { createEventRecorder } from './notify/kube-events.ts';
import { webhooksConfigured } from './notify/configured.ts';
import type { Notifier } from './notify/types.ts';
import { createProbes } from './http/probes.ts';
import { createReadiness, nodeReadinessCheck } from './http/readiness.ts';
import { createMetricsHandler } from './http/metrics-handler.ts';
import { startHttpServers } from './http/servers.ts';
import { EventStore, eventRetentionMs } from './incidents/store.ts';
import { IncidentHandler } from './incidents/handler.ts';
import { readIncidentState } from './incidents/state.ts';
import { restorePlan } from './incidents/restore.ts';
import { createIncidentPorts } from './incidents/ports.ts';
import { type RebootOutcome, rebootCheckOutcome } from './node/reboot.ts';
import { awsProviderId, findNode } from './node/lookup.ts';
import type { NodeDeps } from './node/deps.ts';
import type { Runtime } from './runtime/types.ts';
import { commit, flavour, version } from './version.ts';

const rebootCheckAttempts = 5;
const rebootCheckIntervalMs = 2_000;

/** What createNotifier returns when no sink is configured. */
const disabledNotifier: Notifier = { enabled: false, send: async () => {}, flush: async () => {} };

/** NODE_NAME, or in host mode (a kubeconfig, no downward API) the instance's local hostname. */
function resolveNodeName(config: Config, metadata: InstanceMetadata): string {
	if (config.nodeName !== '') return config.nodeName;
	if (config.kubeconfig !== '' && metadata.localHostname !== '') return metadata.localHostname;
	throw new ConfigError(
		'Cannot start: NODE_NAME (--node-name) is required (in host mode it defaults to the IMDS local-hostname, which was not available)',
	);
}

/** The Node object's name: by NODE_NAME (hostname label, then name) or by providerID. */
async function nodeObjectName(
	kube: KubeApi,
	log: Logger,
	metrics: Metrics,
	config: Config,
	nodeName: string,
	metadata: InstanceMetadata,
	signal: AbortSignal,
): Promise<string> {
	const providerId =
		config.useProviderId && metadata.instanceId !== '' ? awsProviderId(metadata.availabilityZone, metadata.instanceId) : undefined;
	try {
		const node = await findNode({ kube, log, metrics }, { name: nodeName, providerId }, signal);
		if (node?.metadata.name && node.metadata.name !== nodeName)
			log.info('Resolved the node object', { node_name: nodeName, object: node.metadata.name });
		return node?.metadata.name || nodeName;
	} catch (error) {
		if (isAbortError(error) && signal.aborted) throw error;
		metrics.errorCaught('kube');
		log.warn('Cannot look the node up yet: using NODE_NAME as its name', { node_name: nodeName, error });
		return nodeName;
	}
}

/** NTH's reboot check: every 2 s until it succeeds, a few times; failure only warns. */
async function rebootCheck(
	deps: NodeDeps & { readTextFile: Runtime['readTextFile'] },
	nodeName: string,
	uptimeFile: string,
	signal: AbortSignal,
): Promise<RebootOutcome | undefined> {
	for (let attempt = 1; attempt <= rebootCheckAttempts; attempt += 1) {
		try {
			return await rebootCheckOutcome(deps, { nodeName, uptimeFile }, signal);
		} catch (error) {
			if (isAbortError(error) && signal.aborted) throw error;
			deps.metrics.errorCaught('reboot');
			deps.log.warn('Cannot check for a completed reboot', { attempt, error });
			if (attempt < rebootCheckAttempts) await sleep(rebootCheckIntervalMs, signal);
		}
	}
	return undefined;
}

export async function runAgent(runtime: Runtime, loaded: LoadedConfig): Promise<number> {
	const { config, sources } = loaded;
	const startedAtMs = Date.now();
	const log = createLogger({ level: config.logLevel, json: config.jsonLogging, stdout: runtime.writeStdout, stderr: runtime.writeStderr });
	for (const warning of loaded.warnings) log.warn(warning);

	const root = new AbortController();
	const stopSignals = (['SIGTERM', 'SIGINT'] as const).map((name) =>
		runtime.onSignal(name, () => {
			log.info(`Received ${name}: stopping`);
			// An AbortError, as every abortable call expects: the start-up steps then end quietly instead of failing.
			root.abort(new DOMException(`Received ${name}`, 'AbortError'));
		}),
	);
	const work = new AbortController();
	// Polling stops with the agent (root) and when the start-up fails (finally below).
	const pollingStop = new AbortController();
	const stopPolling = (): void => pollingStop.abort(root.signal.reason);
	root.signal.addEventListener('abort', stopPolling, { once: true });
	let polling: Promise<void> | undefined;
	let started = false;
	try {
		if (config.jsonLogging) log.info('Configuration', { config: configFields(config, sources) });
		else runtime.writeStdout(configText(config, sources));
		// Bad webhook settings fail the start at once, before IMDS (up to ~9 s of retries when it does not answer) or the apiserver is asked anything.
		const webhook = webhooksConfigured(config) ? await import('./notify/webhook.ts') : undefined;
		await webhook?.validateWebhookConfig({ config, runtime });

		const registry = createMetricsRegistry({
			now: Date.now,
			startTimeMs: startedAtMs,
			resourceUsage: () => runtime.resourceUsage(),
			build: { version, commit, flavour, runtime: runtime.name, runtimeVersion: runtime.version },
		});
		const metrics: Metrics = registry;

		const imds = imdsClientFor(config, { runtime, log, metrics });
		// Polling starts before anything else is read (instance facts, the apiserver): a notice that is already
		// there at start is seen in the first tick, and the start's round trips are not between the spawn and the
		// first spot poll. Results wait in `early` until the handler (which needs the node and its record) exists.
		const early: MonitorResult[] = [];
		let deliver = (result: MonitorResult): void => void early.push(result);
		let reportMonitorError: ((monitor: Monitor) => void) | undefined;
		polling = startPolling(enabledMonitors(config, { client: imds, log }), {
			intervalMs: monitorIntervals(config.pollIntervalMs),
			onResult: (_monitor, result) => deliver(result),
			onError: (monitor) => reportMonitorError?.(monitor),
			log,
			metrics,
			signal: pollingStop.signal,
			logFormatVersion: config.logFormatVersion,
		});
		const metadata = await fetchInstanceMetadata(imds, root.signal, { log, metrics });
		const nodeName = resolveNodeName(config, metadata);

		const kube = await kubeApiFor(config, { runtime, log, metrics });

		const probes = createProbes({
			livenessPath: config.probesServerEndpoint,
			maxPollAgeMs: config.livenessMaxPollAge * 1000,
			lastSuccessfulPollMs: () => registry.lastSuccessfulPollMs(),
			now: Date.now,
			startedAtMs,
		});
		const servers = await startHttpServers({
			runtime,
			settings: config,
			probes: probes.handler,
			metrics: createMetricsHandler(() => registry.render()),
			log,
			signal: root.signal,
		});

		const objectName = await nodeObjectName(kube, log, metrics, config, nodeName, metadata, root.signal);
		const recorder = createEventRecorder({
			kube,
			nodeName: objectName,
			metadata,
			extraAnnotations: config.kubernetesEventsExtraAnnotations,
			log,
			metrics,
			now: Date.now,
			enabled: config.emitKubernetesEvents,
			signal: work.signal,
		});
		const notifier =
			webhook?.createNotifier({ config, runtime, log, metrics, metadata, now: Date.now, sleep, random: Math.random }) ?? disabledNotifier;
		const nodeDeps: NodeDeps = { kube, log, metrics, dryRun: config.dryRun };

		const store = new EventStore({ nodeTerminationGracePeriodSeconds: config.nodeTerminationGracePeriod, now: Date.now });
		let reboot: RebootOutcome | undefined;
		if (config.enableScheduledEventDraining || config.enableSpotInterruptionDraining) {
			reboot = await rebootCheck(
				{ ...nodeDeps, readTextFile: (path) => runtime.readTextFile(path) },
				objectName,
				config.uptimeFromFile,
				root.signal,
			);
		}

		const ports = createIncidentPorts({
			config,
			kube,
			nodeDeps,
			nodeName: objectName,
			recorder,
			notifier,
			log,
			metrics,
			providerId: undefined,
		});
		const handler = new IncidentHandler(
			{
				nodeName: objectName,
				dryRun: config.dryRun,
				cordonOnly: config.cordonOnly,
				enableRebalanceDraining: config.enableRebalanceDraining,
				nodeTerminationGracePeriodSeconds: config.nodeTerminationGracePeriod,
				drainSafetyMarginSeconds: config.drainSafetyMargin,
				webhookPerIncident: config.webhookPerIncident,
				excludeFromLoadBalancers: config.excludeFromLoadBalancers,
				enableOutOfServiceTaint: config.enableOutOfServiceTaint,
			},
			ports,
			store,
		);
		const recordResult = await ports.readNode(root.signal).catch((error: unknown) => {
			if (isAbortError(error) && root.signal.aborted) throw error;
			metrics.errorCaught('incidents');
			log.warn('Cannot read the incident record from the node', { error });
			return undefined;
		});
		const record = recordResult?.record ?? readIncidentState(undefined);
		if ('problem' in record && record.problem) log.warn('Ignoring the incident record on the node', { problem: record.problem });
		const plan = restorePlan({
			record: record.state,
			reboot: reboot && { labelValue: reboot.eventId, rebooted: reboot.rebooted },
			nowMs: Date.now(),
			absorbWindowMs: eventRetentionMs,
		});
		for (const id of plan.ignore) store.ignore(id);
		if (plan.close) await ports.closeRecord(plan.close, 'Rebooted: uncordoned after the reboot', root.signal);
		if (plan.resume) handler.resume(plan.resume);

		const handling = handler.run(work.signal);
		// The polls since the start (nothing is lost while the handler was being set up), then each as it comes.
		deliver = (result) => {
			handler.addEvents(result.events);
			handler.addCancellations(result.cancellations);
		};
		for (const result of early.splice(0)) deliver(result);
		reportMonitorError = (monitor) =>
			recorder.node('MonitorError', 'Warning', `There was a problem monitoring for events in monitor '${monitor.kind}'`);
		started = true;
		probes.markReady(createReadiness({ check: nodeReadinessCheck(kube, objectName), now: () => performance.now(), log, metrics }));
		log.info('Kubernetes AWS Node Termination Handler has started successfully!', {
			node_name: objectName,
			version,
			runtime: `${runtime.name} ${runtime.version}`,
		});

		await polling;
		// Stopping: polling is over; a running drain may finish within the shutdown grace period.
		const graceEnds = Date.now() + config.shutdownGracePeriod * 1000;
		while (handler.busy && Date.now() < graceEnds) await sleep(200, AbortSignal.timeout(1_000)).catch(() => {});
		if (handler.busy) log.warn('Stopping a running drain at shutdown: the next agent resumes it from the record on the node');
		work.abort(new Error('Shutting down'));
		await handling;
		const flushBound = AbortSignal.timeout(5_000);
		await Promise.all([notifier.flush(flushBound), recorder.flush(flushBound)]);
		await servers.close();
		log.info('Stopped');
		return 0;
	} catch (error) {
		// A signal during start-up ends whatever step was waiting (IMDS, the apiserver), however that step reports it: a clean stop, not a crash.
		if (root.signal.aborted && !started) {
			if (!isAbortError(error)) log.debug('Start-up step ended by the stop', { error });
			log.info('Stopped during start-up');
			return 0;
		}
		throw error;
	} finally {
		pollingStop.abort();
		root.signal.removeEventListener('abort', stopPolling);
		await polling;
		work.abort();
		for (const remove of stopSignals) remove();
	}
}
