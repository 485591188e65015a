/**
 * @module Every setting of the agent: flag, env var, default, meaning, parser.
 *
 * This one table produces the `Config` type (schema.ts), `--help`, the
 * precedence rules (load.ts) and the redacted config dump. NTH's names, env
 * vars, defaults and deprecated aliases are kept verbatim so an NTH DaemonSet's
 * environment works unchanged; settings NTH does not have are marked "nth".
 */
import type * as v from 'valibot';
import type { SecretKind } from './redact.ts';
import {
	anyString,
	baseUrl,
	goBool,
	goInt,
	headersJson,
	keyValuePairs,
	oneOf,
	optionalUrl,
	proxyUrl,
	secondsAsMs,
	sinksJson,
} from './values.ts';

type StringSchema = v.GenericSchema<string, unknown>;

export interface Setting<S extends StringSchema = StringSchema> {
	/** Long flag name without dashes, e.g. "dry-run". */
	readonly flag: string;
	readonly env: string;
	/** Default as text, parsed by {@link schema} like any other input. */
	readonly defaultText: string;
	readonly doc: string;
	readonly schema: S;
	readonly group: 'imds' | 'actions' | 'drain' | 'webhook' | 'observability' | 'kubernetes' | 'queue-processor';
	/** Deprecated spelling that still works (copied over with a warning). */
	readonly alias?: { readonly flag: string; readonly env: string };
	/**
	 * Holds a secret: config errors, the config dump and logs show the value
	 * only as redact.ts's shownValue allows (never the token, the headers or a
	 * proxy's user:password). Marked here, once, so no call site can forget.
	 */
	readonly secret?: SecretKind;
	/** Takes no value on the command line (`--dry-run` means true). */
	readonly boolean?: boolean;
	/** Accepted for compatibility with NTH's queue-processor mode, which nth does not implement. */
	readonly queueProcessorOnly?: boolean;
	/** Not in upstream NTH. */
	readonly nth?: boolean;
}

function setting<S extends StringSchema>(value: Setting<S>): Setting<S> {
	return value;
}
function flagOf<S extends StringSchema>(value: Omit<Setting<S>, 'boolean'>): Setting<S> {
	return { ...value, boolean: true };
}

export const defaultWebhookTemplate =
	'{"text":"[NTH][Instance Interruption] EventID: {{ .EventID }} - Kind: {{ .Kind }} - Instance: {{ .InstanceID }} - Node: {{ .NodeName }} - Description: {{ .Description }} - Start Time: {{ .StartTime }}"}';

export const settings = {
	// --- identity and Kubernetes access
	nodeName: setting({
		flag: 'node-name',
		env: 'NODE_NAME',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: 'Name of the Node object this agent protects (downward API spec.nodeName). Host mode: taken from IMDS local-hostname when empty',
	}),
	podName: setting({
		flag: 'pod-name',
		env: 'POD_NAME',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: "The agent's own pod name, so a drain never evicts the agent",
	}),
	podNamespace: setting({
		flag: 'pod-namespace',
		env: 'NAMESPACE',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: "The agent's own namespace",
	}),
	kubeconfig: setting({
		flag: 'kubeconfig',
		env: 'KUBECONFIG',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		nth: true,
		doc: "Kubeconfig file for host mode (e.g. the kubelet's); in-cluster service account when empty",
	}),
	kubernetesServiceHost: setting({
		flag: 'kubernetes-service-host',
		env: 'KUBERNETES_SERVICE_HOST',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: 'API server host for in-cluster access (set by Kubernetes)',
	}),
	kubernetesServicePort: setting({
		flag: 'kubernetes-service-port',
		env: 'KUBERNETES_SERVICE_PORT',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: 'API server port for in-cluster access (set by Kubernetes)',
	}),
	kubeApiQps: setting({
		flag: 'kube-api-qps',
		env: 'KUBE_API_QPS',
		defaultText: '20',
		schema: goInt(1, 10_000),
		group: 'kubernetes',
		doc: "Client-side limit of API requests per second (NTH's 5 throttles drains; watches keep our request count low)",
	}),
	kubeApiBurst: setting({
		flag: 'kube-api-burst',
		env: 'KUBE_API_BURST',
		defaultText: '40',
		schema: goInt(1, 10_000),
		group: 'kubernetes',
		doc: 'Client-side burst of API requests above kube-api-qps',
	}),
	useApiserverCache: flagOf({
		flag: 'use-apiserver-cache',
		env: 'USE_APISERVER_CACHE',
		defaultText: 'false',
		schema: goBool,
		group: 'kubernetes',
		doc: 'List pods from the API server cache (resourceVersion=0); filters still apply',
	}),
	useProviderId: flagOf({
		flag: 'use-provider-id',
		env: 'USE_PROVIDER_ID',
		defaultText: 'false',
		schema: goBool,
		group: 'kubernetes',
		doc: 'Find the node by spec.providerID (aws:///<az>/<instance-id>) instead of by name',
	}),

	// --- IMDS
	metadataUrl: setting({
		flag: 'metadata-url',
		env: 'INSTANCE_METADATA_URL',
		defaultText: 'http://169.254.169.254',
		schema: baseUrl,
		group: 'imds',
		doc: 'IMDS base URL',
	}),
	metadataIpv6Url: setting({
		flag: 'metadata-ipv6-url',
		env: 'INSTANCE_METADATA_IPV6_URL',
		defaultText: 'http://[fd00:ec2::254]',
		schema: baseUrl,
		group: 'imds',
		nth: true,
		doc: 'IMDS IPv6 endpoint, tried when metadata-url is unreachable',
	}),
	metadataIpv6Fallback: flagOf({
		flag: 'metadata-ipv6-fallback',
		env: 'INSTANCE_METADATA_IPV6_FALLBACK',
		defaultText: 'true',
		schema: goBool,
		group: 'imds',
		nth: true,
		doc: 'Fall back to metadata-ipv6-url when metadata-url cannot be reached (IPv6-only instances)',
	}),
	metadataTries: setting({
		flag: 'metadata-tries',
		env: 'METADATA_TRIES',
		defaultText: '3',
		schema: goInt(1, 20),
		group: 'imds',
		doc: 'Attempts per start-up IMDS request (instance metadata) on transport errors and 5xx, 2 s doubling sleeps between; the notice paths never sleep',
	}),
	pollIntervalMs: setting({
		flag: 'poll-interval',
		env: 'POLL_INTERVAL',
		defaultText: '0.5',
		schema: secondsAsMs(0.1, 60),
		group: 'imds',
		nth: true,
		doc: 'Seconds between polls of the spot and ASG paths (scheduled events and rebalance every 2 s, or every interval when longer); NTH polls every path every 2 s',
	}),
	enableSpotInterruptionDraining: flagOf({
		flag: 'enable-spot-interruption-draining',
		env: 'ENABLE_SPOT_INTERRUPTION_DRAINING',
		defaultText: 'true',
		schema: goBool,
		group: 'imds',
		doc: 'Drain on a spot interruption notice (terminate, stop or hibernate)',
	}),
	enableScheduledEventDraining: flagOf({
		flag: 'enable-scheduled-event-draining',
		env: 'ENABLE_SCHEDULED_EVENT_DRAINING',
		defaultText: 'true',
		schema: goBool,
		group: 'imds',
		doc: 'Drain on scheduled maintenance events; uncordon after reboot and on cancellation',
	}),
	enableRebalanceMonitoring: flagOf({
		flag: 'enable-rebalance-monitoring',
		env: 'ENABLE_REBALANCE_MONITORING',
		defaultText: 'false',
		schema: goBool,
		group: 'imds',
		doc: 'Cordon (only) on a rebalance recommendation',
	}),
	enableRebalanceDraining: flagOf({
		flag: 'enable-rebalance-draining',
		env: 'ENABLE_REBALANCE_DRAINING',
		defaultText: 'false',
		schema: goBool,
		group: 'imds',
		doc: 'Cordon and drain on a rebalance recommendation',
	}),
	enableAsgLifecycleDraining: flagOf({
		flag: 'enable-asg-lifecycle-draining',
		env: 'ENABLE_ASG_LIFECYCLE_DRAINING',
		defaultText: 'false',
		schema: goBool,
		group: 'imds',
		doc: 'Drain when the ASG target lifecycle state becomes Terminated',
	}),
	uptimeFromFile: setting({
		flag: 'uptime-from-file',
		env: 'UPTIME_FROM_FILE',
		defaultText: '',
		schema: anyString,
		group: 'imds',
		doc: 'File to read the uptime from, for reboot detection (/proc/uptime when empty)',
	}),

	// --- node actions
	dryRun: flagOf({
		flag: 'dry-run',
		env: 'DRY_RUN',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Log what would be done ("would have been cordoned and drained") and change nothing',
	}),
	cordonOnly: flagOf({
		flag: 'cordon-only',
		env: 'CORDON_ONLY',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Cordon but never drain',
	}),
	taintNode: flagOf({
		flag: 'taint-node',
		env: 'TAINT_NODE',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Taint the node with aws-node-termination-handler/<kind> on an interruption',
	}),
	taintEffect: setting({
		flag: 'taint-effect',
		env: 'TAINT_EFFECT',
		defaultText: 'NoSchedule',
		schema: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
		group: 'actions',
		doc: 'Effect of those taints: NoSchedule, PreferNoSchedule or NoExecute',
	}),
	enableOutOfServiceTaint: flagOf({
		flag: 'enable-out-of-service-taint',
		env: 'ENABLE_OUT_OF_SERVICE_TAINT',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Add node.kubernetes.io/out-of-service=nodeshutdown:NoExecute after a successful drain (not with cordon-only)',
	}),
	excludeFromLoadBalancers: flagOf({
		flag: 'exclude-from-load-balancers',
		env: 'EXCLUDE_FROM_LOAD_BALANCERS',
		defaultText: 'false',
		schema: goBool,
		group: 'actions',
		doc: 'Label the node node.kubernetes.io/exclude-from-external-load-balancers before cordoning (removed on uncordon)',
	}),

	// --- drain
	deleteLocalData: flagOf({
		flag: 'delete-local-data',
		env: 'DELETE_LOCAL_DATA',
		defaultText: 'true',
		schema: goBool,
		group: 'drain',
		doc: 'Evict pods with emptyDir volumes (their data is lost); when false such pods fail the drain',
	}),
	ignoreDaemonSets: flagOf({
		flag: 'ignore-daemon-sets',
		env: 'IGNORE_DAEMON_SETS',
		defaultText: 'true',
		schema: goBool,
		group: 'drain',
		doc: 'Skip DaemonSet pods; when false a running DaemonSet pod fails the drain (kubectl semantics)',
	}),
	podTerminationGracePeriod: setting({
		flag: 'pod-termination-grace-period',
		env: 'POD_TERMINATION_GRACE_PERIOD',
		defaultText: '-1',
		schema: goInt(-1, 86_400),
		group: 'drain',
		alias: { flag: 'grace-period', env: 'GRACE_PERIOD' },
		doc: "Seconds each pod gets to stop; negative uses the pod's own terminationGracePeriodSeconds (always capped to fit the deadline)",
	}),
	nodeTerminationGracePeriod: setting({
		flag: 'node-termination-grace-period',
		env: 'NODE_TERMINATION_GRACE_PERIOD',
		defaultText: '120',
		schema: goInt(0, 86_400),
		group: 'drain',
		doc: 'Seconds before an interruption to start draining; also the drain time budget when the notice carries no deadline',
	}),
	drainSafetyMargin: setting({
		flag: 'drain-safety-margin',
		env: 'DRAIN_SAFETY_MARGIN',
		defaultText: '10',
		schema: goInt(0, 3_600),
		group: 'drain',
		nth: true,
		doc: "Seconds kept free before the notice's deadline: pods must be gone by deadline minus this",
	}),
	pdbDeadlockPolicy: setting({
		flag: 'pdb-deadlock-policy',
		env: 'PDB_DEADLOCK_POLICY',
		defaultText: 'wait',
		schema: oneOf(['wait', 'delete'], true),
		group: 'drain',
		nth: true,
		doc: 'Near the deadline, a pod a PodDisruptionBudget still blocks: wait (keep retrying, as NTH) or delete (delete it with its grace period). Either way a Warning event names the pod and the PDB',
	}),
	evictDaemonSetPods: flagOf({
		flag: 'evict-daemon-set-pods',
		env: 'EVICT_DAEMON_SET_PODS',
		defaultText: 'false',
		schema: goBool,
		group: 'drain',
		nth: true,
		doc: 'Evict DaemonSet pods last (after critical pods) instead of skipping them',
	}),

	// --- webhook
	webhookUrl: setting({
		flag: 'webhook-url',
		env: 'WEBHOOK_URL',
		defaultText: '',
		schema: optionalUrl,
		group: 'webhook',
		secret: 'url',
		doc: 'POST a notification here on each interruption',
	}),
	webhookHeaders: setting({
		flag: 'webhook-headers',
		env: 'WEBHOOK_HEADERS',
		defaultText: '{"Content-type":"application/json"}',
		schema: headersJson,
		group: 'webhook',
		secret: 'value',
		doc: 'JSON object of string header values sent with the webhook',
	}),
	webhookTemplate: setting({
		flag: 'webhook-template',
		env: 'WEBHOOK_TEMPLATE',
		defaultText: defaultWebhookTemplate,
		schema: anyString,
		group: 'webhook',
		secret: 'value',
		doc: 'Go text/template (with Sprig functions) for the webhook body',
	}),
	webhookTemplateFile: setting({
		flag: 'webhook-template-file',
		env: 'WEBHOOK_TEMPLATE_FILE',
		defaultText: '',
		schema: anyString,
		group: 'webhook',
		doc: 'File holding the template (wins over webhook-template; re-read when it changes)',
	}),
	webhookProxy: setting({
		flag: 'webhook-proxy',
		env: 'WEBHOOK_PROXY',
		defaultText: '',
		schema: proxyUrl,
		group: 'webhook',
		secret: 'credentials',
		doc: 'HTTP proxy for webhooks (http:// or tcp://; CONNECT for https targets)',
	}),
	webhookSinks: setting({
		flag: 'webhook-sinks',
		env: 'WEBHOOK_SINKS',
		defaultText: '',
		schema: sinksJson,
		group: 'webhook',
		secret: 'value',
		nth: true,
		doc: 'More webhook destinations: JSON array of {"url","headers","template","templateFile","proxy","name"}; unset fields use the webhook-* settings',
	}),
	webhookTimeout: setting({
		flag: 'webhook-timeout',
		env: 'WEBHOOK_TIMEOUT',
		defaultText: '10',
		schema: goInt(1, 300),
		group: 'webhook',
		nth: true,
		doc: 'Seconds per webhook attempt',
	}),
	webhookRetryFor: setting({
		flag: 'webhook-retry-for',
		env: 'WEBHOOK_RETRY_FOR',
		defaultText: '120',
		schema: goInt(0, 3_600),
		group: 'webhook',
		nth: true,
		doc: 'Seconds to keep retrying a webhook on transport errors, 429 and 5xx (0: one attempt, as NTH)',
	}),
	webhookPerIncident: flagOf({
		flag: 'webhook-per-incident',
		env: 'WEBHOOK_PER_INCIDENT',
		defaultText: 'true',
		schema: goBool,
		group: 'webhook',
		nth: true,
		doc: 'One notification when an incident starts and one with its outcome (drained/failed/cancelled), instead of one per event',
	}),

	// --- observability
	jsonLogging: flagOf({
		flag: 'json-logging',
		env: 'JSON_LOGGING',
		defaultText: 'false',
		schema: goBool,
		group: 'observability',
		doc: 'Log JSON lines (to stderr) instead of text',
	}),
	logLevel: setting({
		flag: 'log-level',
		env: 'LOG_LEVEL',
		defaultText: 'info',
		schema: oneOf(['debug', 'info', 'warn', 'error'], true),
		group: 'observability',
		doc: 'debug, info, warn or error',
	}),
	logFormatVersion: setting({
		flag: 'log-format-version',
		env: 'LOG_FORMAT_VERSION',
		defaultText: '1',
		schema: goInt(),
		group: 'observability',
		doc: 'NTH log format version, 1 or 2 (clamped, as NTH)',
	}),
	emitKubernetesEvents: flagOf({
		flag: 'emit-kubernetes-events',
		env: 'EMIT_KUBERNETES_EVENTS',
		defaultText: 'false',
		schema: goBool,
		group: 'observability',
		doc: 'Record Kubernetes events on the Node for every action',
	}),
	kubernetesEventsExtraAnnotations: setting({
		flag: 'kubernetes-events-extra-annotations',
		env: 'KUBERNETES_EVENTS_EXTRA_ANNOTATIONS',
		defaultText: '',
		schema: keyValuePairs,
		group: 'observability',
		doc: 'Extra annotations on those events: k1=v1,k2=v2',
	}),
	enablePrometheusServer: flagOf({
		flag: 'enable-prometheus-server',
		env: 'ENABLE_PROMETHEUS_SERVER',
		defaultText: 'false',
		schema: goBool,
		group: 'observability',
		doc: 'Serve Prometheus metrics at /metrics',
	}),
	prometheusServerPort: setting({
		flag: 'prometheus-server-port',
		env: 'PROMETHEUS_SERVER_PORT',
		defaultText: '9092',
		schema: goInt(0, 65_535),
		group: 'observability',
		doc: 'Port of the metrics server',
	}),
	enableProbesServer: flagOf({
		flag: 'enable-probes-server',
		env: 'ENABLE_PROBES_SERVER',
		defaultText: 'false',
		schema: goBool,
		group: 'observability',
		doc: 'Serve the liveness endpoint and /readyz',
	}),
	probesServerPort: setting({
		flag: 'probes-server-port',
		env: 'PROBES_SERVER_PORT',
		defaultText: '8080',
		schema: goInt(0, 65_535),
		group: 'observability',
		doc: 'Port of the probes server',
	}),
	probesServerEndpoint: setting({
		flag: 'probes-server-endpoint',
		env: 'PROBES_SERVER_ENDPOINT',
		defaultText: '/healthz',
		schema: anyString,
		group: 'observability',
		doc: 'Path of the liveness endpoint',
	}),
	livenessMaxPollAge: setting({
		flag: 'liveness-max-poll-age',
		env: 'LIVENESS_MAX_POLL_AGE',
		defaultText: '30',
		schema: goInt(1, 3_600),
		group: 'observability',
		nth: true,
		doc: 'Seconds without a successful IMDS poll after which the liveness endpoint answers 503',
	}),
	shutdownGracePeriod: setting({
		flag: 'shutdown-grace-period',
		env: 'SHUTDOWN_GRACE_PERIOD',
		defaultText: '20',
		schema: goInt(0, 3_600),
		group: 'observability',
		nth: true,
		doc: 'Seconds a running drain may go on after SIGTERM before it is stopped (the record on the Node lets the next agent resume it)',
	}),
	probesServerHost: setting({
		flag: 'probes-server-host',
		env: 'PROBES_SERVER_HOST',
		defaultText: '0.0.0.0',
		schema: anyString,
		group: 'observability',
		nth: true,
		doc: 'Address the probes and metrics servers bind',
	}),

	// --- queue processor (NTH's SQS mode): accepted so NTH environments parse, not implemented
	enableSqsTerminationDraining: flagOf({
		flag: 'enable-sqs-termination-draining',
		env: 'ENABLE_SQS_TERMINATION_DRAINING',
		defaultText: 'false',
		schema: goBool,
		group: 'queue-processor',
		queueProcessorOnly: true,
		doc: 'NTH queue-processor mode; not implemented by nth (start fails when true)',
	}),
	queueUrl: setting({
		flag: 'queue-url',
		env: 'QUEUE_URL',
		defaultText: '',
		schema: anyString,
		group: 'queue-processor',
		queueProcessorOnly: true,
		doc: 'SQS queue URL (queue-processor mode)',
	}),
	awsRegion: setting({
		flag: 'aws-region',
		env: 'AWS_REGION',
		defaultText: '',
		schema: anyString,
		group: 'queue-processor',
		doc: 'AWS region; from the IMDS identity document when empty',
	}),
	awsEndpoint: setting({
		flag: 'aws-endpoint',
		env: 'AWS_ENDPOINT',
		defaultText: '',
		schema: anyString,
		group: 'queue-processor',
		queueProcessorOnly: true,
		doc: 'AWS endpoint override (queue-processor mode)',
	}),
	checkTagBeforeDraining: flagOf({
		flag: 'check-tag-before-draining',
		env: 'CHECK_TAG_BEFORE_DRAINING',
		defaultText: 'true',
		schema: goBool,
		group: 'queue-processor',
		queueProcessorOnly: true,
		alias: { flag: 'check-asg-tag-before-draining', env: 'CHECK_ASG_TAG_BEFORE_DRAINING' },
		doc: 'Only drain instances with the managed tag (queue-processor mode)',
	}),
	managedTag: setting({
		flag: 'managed-tag',
		env: 'MANAGED_TAG',
		defaultText: 'aws-node-termination-handler/managed',
		schema: anyString,
		group: 'queue-processor',
		queueProcessorOnly: true,
		alias: { flag: 'managed-asg-tag', env: 'MANAGED_ASG_TAG' },
		doc: 'Managed tag key (queue-processor mode)',
	}),
	completeLifecycleActionDelaySeconds: setting({
		flag: 'complete-lifecycle-action-delay-seconds',
		env: 'COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS',
		defaultText: '-1',
		schema: goInt(-1, 86_400),
		group: 'queue-processor',
		queueProcessorOnly: true,
		doc: 'Delay before completing the lifecycle action (queue-processor mode)',
	}),
	deleteSqsMsgIfNodeNotFound: flagOf({
		flag: 'delete-sqs-msg-if-node-not-found',
		env: 'DELETE_SQS_MSG_IF_NODE_NOT_FOUND',
		defaultText: 'false',
		schema: goBool,
		group: 'queue-processor',
		queueProcessorOnly: true,
		doc: 'Delete SQS messages for unknown nodes (queue-processor mode)',
	}),
	heartbeatInterval: setting({
		flag: 'heartbeat-interval',
		env: 'HEARTBEAT_INTERVAL',
		defaultText: '-1',
		schema: goInt(),
		group: 'queue-processor',
		queueProcessorOnly: true,
		doc: 'ASG lifecycle heartbeat interval, 30..3600 s (queue-processor mode only)',
	}),
	heartbeatUntil: setting({
		flag: 'heartbeat-until',
		env: 'HEARTBEAT_UNTIL',
		defaultText: '-1',
		schema: goInt(),
		group: 'queue-processor',
		queueProcessorOnly: true,
		doc: 'Stop heartbeats after this many seconds, 60..172800 (queue-processor mode only)',
	}),
	sqsMsgVisibilityTimeoutSec: setting({
		flag: 'sqs-msg-visibility-timeout-sec',
		env: 'SQS_MSG_VISIBILITY_TIMEOUT_SEC',
		defaultText: '20',
		schema: goInt(),
		group: 'queue-processor',
		queueProcessorOnly: true,
		doc: 'SQS visibility timeout (queue-processor mode)',
	}),
	workers: setting({
		flag: 'workers',
		env: 'WORKERS',
		defaultText: '10',
		schema: goInt(1, 1_000),
		group: 'queue-processor',
		queueProcessorOnly: true,
		doc: 'Parallel event workers (queue-processor mode; one node per agent in IMDS mode)',
	}),
} as const;

export type SettingKey = keyof typeof settings;
export const settingKeys = Object.keys(settings) as SettingKey[];
