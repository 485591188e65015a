/**
 * @module Observability: logging, Kubernetes events, the metrics and probes servers, shutdown.
 *
 * One group of the settings table (../settings.ts); ../setting.ts says what a setting holds. NTH's names,
 * env vars, defaults and aliases are kept verbatim.
 */
import { setting, flagOf } from '../setting.ts';
import { anyString, goBool, goInt, keyValuePairs, oneOf } from '../values.ts';

export const observabilitySettings = {
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
} as const;
