/**
 * @module The agent's metrics: implements {@link Metrics} and renders /metrics.
 *
 * NTH compatibility: `actions_total{node_action,node_status}` and
 * `events_error_total{event_error_where}` keep NTH's names, HELP texts and the
 * `otel_scope_name`/`otel_scope_version` labels its OpenTelemetry exporter adds,
 * so existing dashboards and alerts keep matching. As in NTH a label-less
 * series of each sits at 0 from the start; beyond NTH every label combination
 * is also initialised to 0, so `increase()` sees the first increment. NTH's
 * deprecated `actions_node_total` (node name × event id labels) is not served:
 * its cardinality grows with every event.
 *
 * Everything else is nth's own, prefixed `nth_`, plus the standard `process_*`
 * trio. No label ever holds a node name, pod name or event id.
 */
import type { EventKind, MonitorName } from '../vocabulary.ts';
import type { ResourceUsage } from '../runtime/types.ts';
import { Family, HistogramFamily, type Labels } from './exposition.ts';
import type { ActionStatus, Metrics, NodeAction } from './types.ts';

export interface BuildInfo {
	readonly version: string;
	readonly commit: string;
	readonly flavour: string;
	readonly runtime: string;
	readonly runtimeVersion: string;
}

export interface MetricsRegistryOptions {
	/** Wall clock in epoch milliseconds. */
	readonly now: () => number;
	/** When the process started (epoch ms), for `process_start_time_seconds`. */
	readonly startTimeMs: number;
	readonly resourceUsage: () => ResourceUsage;
	readonly build: BuildInfo;
}

export interface MetricsRegistry extends Metrics {
	/** The exposition text of every series. */
	render(): string;
	/** Epoch ms of the newest successful monitor poll, or undefined before the first (liveness reads it). */
	lastSuccessfulPollMs(): number | undefined;
}

const otelScope: Labels = { otel_scope_name: 'aws.node.termination.handler', otel_scope_version: '' };
const nodeActions: readonly NodeAction[] = ['cordon', 'cordon-and-drain', 'pre-drain', 'post-drain', 'uncordon'];
const actionStatuses: readonly ActionStatus[] = ['success', 'error'];
const monitorNames: readonly MonitorName[] = [
	'SPOT_ITN_MONITOR',
	'SCHEDULED_EVENT_MONITOR',
	'REBALANCE_RECOMMENDATION_MONITOR',
	'ASG_LIFECYCLE_MONITOR',
];
const eventKinds: readonly EventKind[] = ['SPOT_ITN', 'SCHEDULED_EVENT', 'REBALANCE_RECOMMENDATION', 'ASG_LIFECYCLE'];

/** A spot notice gives 120 s; cordoning should take well under a few seconds after the notice is seen. */
export const noticeToCordonBuckets: readonly number[] = [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120];
/** Drains are budgeted in minutes (120 s spot notice, NODE_TERMINATION_GRACE_PERIOD, hours for scheduled events). */
export const noticeToDrainedBuckets: readonly number[] = [5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800, 3600];
/** An IMDS poll is a loopback-latency HTTP call; seconds mean trouble. */
export const pollDurationBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** More distinct `component` values than this are folded into "other", to keep the family bounded. */
const maxErrorComponents = 32;

/** Creates the registry with every NTH series at 0. */
export function createMetricsRegistry(options: MetricsRegistryOptions): MetricsRegistry {
	const actions = new Family('actions_total', 'Number of actions', 'counter');
	const eventsError = new Family('events_error_total', 'Number of errors in events processing', 'counter');
	const eventsReceived = new Family('nth_events_received_total', 'Interruption events that entered the incident store, by kind', 'counter');
	const polls = new Family('nth_monitor_polls_total', 'IMDS monitor polls, by monitor and result', 'counter');
	const lastSuccess = new Family(
		'nth_monitor_last_success_timestamp_seconds',
		'Unix time of the last successful poll, by monitor',
		'gauge',
	);
	const pollDuration = new HistogramFamily('nth_monitor_poll_duration_seconds', 'Duration of IMDS monitor polls', pollDurationBuckets);
	const inFlight = new Family('nth_incidents_in_flight', 'Interruption incidents currently being handled', 'gauge');
	const noticeToCordon = new HistogramFamily(
		'nth_notice_to_cordon_seconds',
		'Seconds from the interruption notice to the node being cordoned',
		noticeToCordonBuckets,
	);
	const noticeToDrained = new HistogramFamily(
		'nth_notice_to_drained_seconds',
		'Seconds from the interruption notice to the last pod gone',
		noticeToDrainedBuckets,
	);
	const evictionBlocked = new Family(
		'nth_evictions_blocked_total',
		'Eviction attempts refused by a PodDisruptionBudget (pdb: 429) or by several (multiple-pdbs: 500)',
		'counter',
	);
	const podsEvicted = new Family('nth_pods_evicted_total', 'Pods that left the node during a drain, by outcome', 'counter');
	const webhooks = new Family('nth_webhook_sends_total', 'Webhook notifications, by final outcome (after retries)', 'counter');
	const errors = new Family('nth_errors_caught_total', 'Errors caught and handled, by component', 'counter');
	const buildInfo = new Family('nth_build_info', 'Build and runtime of this agent (always 1)', 'gauge');
	const rss = new Family('process_resident_memory_bytes', 'Resident memory size in bytes', 'gauge');
	const heap = new Family('nth_heap_used_bytes', 'JavaScript heap in use, in bytes', 'gauge');
	const cpu = new Family('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds', 'counter');
	const startTime = new Family('process_start_time_seconds', 'Start time of the process since unix epoch in seconds', 'gauge');

	actions.add(otelScope, 0);
	for (const action of nodeActions)
		for (const status of actionStatuses) actions.add({ node_action: action, node_status: status, ...otelScope }, 0);
	eventsError.add(otelScope, 0);
	for (const monitor of monitorNames) eventsError.add({ event_error_where: monitor, ...otelScope }, 0);
	for (const kind of eventKinds) eventsReceived.add({ kind }, 0);
	inFlight.set({}, 0);
	noticeToCordon.touch({});
	noticeToDrained.touch({});
	for (const block of ['pdb', 'multiple-pdbs']) evictionBlocked.add({ reason: block }, 0);
	for (const outcome of ['evicted', 'gone', 'deleted', 'failed']) podsEvicted.add({ outcome }, 0);
	for (const outcome of ['success', 'error']) webhooks.add({ outcome }, 0);
	const { build } = options;
	buildInfo.set(
		{ version: build.version, commit: build.commit, flavour: build.flavour, runtime: build.runtime, runtime_version: build.runtimeVersion },
		1,
	);
	startTime.set({}, Math.floor(options.startTimeMs / 1000));

	const lastSuccessMs = new Map<MonitorName, number>();
	const components = new Set<string>();

	return {
		action: (action, status) => actions.add({ node_action: action, node_status: status, ...otelScope }, 1),
		monitorError: (monitor) => eventsError.add({ event_error_where: monitor, ...otelScope }, 1),
		pollCompleted: (monitor, ok, seconds) => {
			polls.add({ monitor, result: ok ? 'ok' : 'error' }, 1);
			pollDuration.observe({ monitor }, seconds);
			if (ok) {
				const at = options.now();
				lastSuccessMs.set(monitor, at);
				lastSuccess.set({ monitor }, at / 1000);
			}
		},
		eventReceived: (kind) => eventsReceived.add({ kind }, 1),
		evictionBlocked: (block) => evictionBlocked.add({ reason: block }, 1),
		podEvicted: (outcome) => podsEvicted.add({ outcome }, 1),
		incidentsInFlight: (count) => inFlight.set({}, count),
		noticeToCordon: (seconds) => noticeToCordon.observe({}, seconds),
		noticeToDrained: (seconds) => noticeToDrained.observe({}, seconds),
		webhookSent: (outcome) => webhooks.add({ outcome }, 1),
		errorCaught: (component) => {
			const label = components.has(component) || components.size < maxErrorComponents ? component : 'other';
			components.add(label);
			errors.add({ component: label }, 1);
		},
		lastSuccessfulPollMs: () => (lastSuccessMs.size === 0 ? undefined : Math.max(...lastSuccessMs.values())),
		render: () => {
			const usage = options.resourceUsage();
			rss.set({}, usage.rssBytes);
			heap.set({}, usage.heapUsedBytes);
			cpu.set({}, usage.cpuSeconds);
			return [
				actions,
				eventsError,
				eventsReceived,
				polls,
				lastSuccess,
				pollDuration,
				inFlight,
				noticeToCordon,
				noticeToDrained,
				evictionBlocked,
				podsEvicted,
				webhooks,
				errors,
				buildInfo,
				rss,
				heap,
				cpu,
				startTime,
			]
				.map((family) => family.render())
				.join('');
		},
	};
}
