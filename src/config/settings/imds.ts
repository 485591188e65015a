/**
 * @module IMDS: where it is, how often each path is polled, and which notices drain.
 *
 * One group of the settings table (../settings.ts); ../setting.ts says what a setting holds. NTH's names,
 * env vars, defaults and aliases are kept verbatim.
 */
import { setting, flagOf } from '../setting.ts';
import { anyString, baseUrl, goBool, goInt, secondsAsMs } from '../values.ts';

export const imdsSettings = {
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
		// 0.75 s, not 0.5: idle CPU 2.43 → 1.66 mc for notice → cordon p50 190 → 352 ms (README "Idle CPU").
		defaultText: '0.75',
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
} as const;
