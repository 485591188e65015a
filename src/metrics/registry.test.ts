import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatLabels, formatValue } from './exposition.ts';
import { createMetricsRegistry, type MetricsRegistryOptions } from './registry.ts';

const startMs = Date.UTC(2026, 0, 2, 3, 4, 5);
const scope = 'otel_scope_name="aws.node.termination.handler",otel_scope_version=""';

function options(overrides: Partial<MetricsRegistryOptions> = {}): MetricsRegistryOptions {
	return {
		now: () => startMs + 60_000,
		startTimeMs: startMs,
		resourceUsage: () => ({ rssBytes: 41_000_000, heapUsedBytes: 9_000_000, cpuSeconds: 1.25 }),
		build: { version: '1.2.3', commit: 'abc123', flavour: 'bundle', runtime: 'node', runtimeVersion: '24.21.0' },
		...overrides,
	};
}

function lines(text: string): string[] {
	return text.split('\n');
}

const exposition = suite('exposition helpers');

exposition('escapes label values and formats special floats', () => {
	assert.is(formatLabels({ a: 'x"y', b: 'back\\slash', c: 'new\nline' }), '{a="x\\"y",b="back\\\\slash",c="new\\nline"}');
	assert.is(formatLabels({}), '');
	assert.is(formatValue(Number.POSITIVE_INFINITY), '+Inf');
	assert.is(formatValue(Number.NaN), 'NaN');
	assert.is(formatValue(0.25), '0.25');
	assert.is(formatValue(3), '3');
});

const registry = suite('createMetricsRegistry()');

registry('serves NTH series at 0 from the start, with the OTel scope labels', () => {
	const text = createMetricsRegistry(options()).render();
	const all = lines(text);
	for (const expected of [
		'# HELP actions_total Number of actions',
		'# TYPE actions_total counter',
		`actions_total{${scope}} 0`,
		`actions_total{node_action="cordon-and-drain",node_status="success",${scope}} 0`,
		`actions_total{node_action="uncordon",node_status="error",${scope}} 0`,
		'# HELP events_error_total Number of errors in events processing',
		'# TYPE events_error_total counter',
		`events_error_total{${scope}} 0`,
		`events_error_total{event_error_where="SPOT_ITN_MONITOR",${scope}} 0`,
		'nth_incidents_in_flight 0',
		'nth_notice_to_cordon_seconds_bucket{le="+Inf"} 0',
		'nth_notice_to_cordon_seconds_count 0',
		'nth_build_info{version="1.2.3",commit="abc123",flavour="bundle",runtime="node",runtime_version="24.21.0"} 1',
		'process_resident_memory_bytes 41000000',
		'process_cpu_seconds_total 1.25',
		`process_start_time_seconds ${Math.floor(startMs / 1000)}`,
		'nth_webhook_sends_total{outcome="error"} 0',
	]) {
		assert.ok(all.includes(expected), `missing line: ${expected}\n${text}`);
	}
	assert.not.match(text, /node_name|event_id|actions_node/);
});

registry('counts actions and monitor errors on the NTH series', () => {
	const metrics = createMetricsRegistry(options());
	metrics.action('cordon-and-drain', 'success');
	metrics.action('cordon-and-drain', 'success');
	metrics.action('pre-drain', 'error');
	metrics.monitorError('SCHEDULED_EVENT_MONITOR');
	const all = lines(metrics.render());
	assert.ok(all.includes(`actions_total{node_action="cordon-and-drain",node_status="success",${scope}} 2`));
	assert.ok(all.includes(`actions_total{node_action="pre-drain",node_status="error",${scope}} 1`));
	assert.ok(all.includes(`actions_total{${scope}} 0`));
	assert.ok(all.includes(`events_error_total{event_error_where="SCHEDULED_EVENT_MONITOR",${scope}} 1`));
});

registry('renders cumulative histogram buckets with sum and count', () => {
	const metrics = createMetricsRegistry(options());
	metrics.noticeToCordon(0.4);
	metrics.noticeToCordon(2.5);
	metrics.noticeToCordon(500);
	const block = lines(metrics.render()).filter((line) => line.startsWith('nth_notice_to_cordon_seconds'));
	assert.equal(block, [
		'nth_notice_to_cordon_seconds_bucket{le="0.25"} 0',
		'nth_notice_to_cordon_seconds_bucket{le="0.5"} 1',
		'nth_notice_to_cordon_seconds_bucket{le="1"} 1',
		'nth_notice_to_cordon_seconds_bucket{le="2"} 1',
		'nth_notice_to_cordon_seconds_bucket{le="3"} 2',
		'nth_notice_to_cordon_seconds_bucket{le="5"} 2',
		'nth_notice_to_cordon_seconds_bucket{le="10"} 2',
		'nth_notice_to_cordon_seconds_bucket{le="30"} 2',
		'nth_notice_to_cordon_seconds_bucket{le="60"} 2',
		'nth_notice_to_cordon_seconds_bucket{le="120"} 2',
		'nth_notice_to_cordon_seconds_bucket{le="+Inf"} 3',
		'nth_notice_to_cordon_seconds_sum 502.9',
		'nth_notice_to_cordon_seconds_count 3',
	]);
});

registry('records polls per monitor and remembers the newest success', () => {
	let now = startMs;
	const metrics = createMetricsRegistry(options({ now: () => now }));
	assert.is(metrics.lastSuccessfulPollMs(), undefined);
	metrics.pollCompleted('SPOT_ITN_MONITOR', true, 0.003);
	now += 5_000;
	metrics.pollCompleted('SPOT_ITN_MONITOR', false, 0.2);
	assert.is(metrics.lastSuccessfulPollMs(), startMs);
	now += 5_000;
	metrics.pollCompleted('ASG_LIFECYCLE_MONITOR', true, 0.002);
	assert.is(metrics.lastSuccessfulPollMs(), startMs + 10_000);
	const all = lines(metrics.render());
	assert.ok(all.includes('nth_monitor_polls_total{monitor="SPOT_ITN_MONITOR",result="ok"} 1'));
	assert.ok(all.includes('nth_monitor_polls_total{monitor="SPOT_ITN_MONITOR",result="error"} 1'));
	assert.ok(all.includes(`nth_monitor_last_success_timestamp_seconds{monitor="SPOT_ITN_MONITOR"} ${startMs / 1000}`));
	assert.ok(all.includes('nth_monitor_poll_duration_seconds_bucket{monitor="SPOT_ITN_MONITOR",le="0.005"} 1'));
	assert.ok(all.includes('nth_monitor_poll_duration_seconds_count{monitor="SPOT_ITN_MONITOR"} 2'));
});

registry('folds error components beyond the bound into "other"', () => {
	const metrics = createMetricsRegistry(options());
	for (let i = 0; i < 40; i += 1) metrics.errorCaught(`component-${i}`);
	metrics.errorCaught('component-0');
	const errorLines = lines(metrics.render()).filter((line) => line.startsWith('nth_errors_caught_total{'));
	assert.is(errorLines.length, 33);
	assert.ok(errorLines.includes('nth_errors_caught_total{component="component-0"} 2'));
	assert.ok(errorLines.includes('nth_errors_caught_total{component="other"} 8'));
});

registry('keeps gauges, eviction and webhook counters', () => {
	const metrics = createMetricsRegistry(options());
	metrics.incidentsInFlight(1);
	metrics.evictionBlocked('pdb');
	metrics.evictionBlocked('pdb');
	metrics.podEvicted('evicted');
	metrics.webhookSent('success');
	metrics.eventReceived('SPOT_ITN');
	const all = lines(metrics.render());
	assert.ok(all.includes('nth_incidents_in_flight 1'));
	assert.ok(all.includes('nth_evictions_blocked_total{reason="pdb"} 2'));
	assert.ok(all.includes('nth_pods_evicted_total{outcome="evicted"} 1'));
	assert.ok(all.includes('nth_webhook_sends_total{outcome="success"} 1'));
	assert.ok(all.includes('nth_events_received_total{kind="SPOT_ITN"} 1'));
	// Every family has exactly one HELP and one TYPE line.
	const types = all.filter((line) => line.startsWith('# TYPE '));
	assert.is(new Set(types).size, types.length);
});

exposition.run();
registry.run();
