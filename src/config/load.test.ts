import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isConfigError } from '../errors.ts';
import { loadConfig } from './load.ts';

const load = suite('loadConfig()');

load('uses NTH defaults when nothing is set', () => {
	const { config, sources } = loadConfig({ env: {}, flags: {} });
	assert.is(config.nodeTerminationGracePeriod, 120);
	assert.is(config.podTerminationGracePeriod, -1);
	assert.is(config.metadataUrl, 'http://169.254.169.254');
	assert.is(config.enableSpotInterruptionDraining, true);
	assert.is(config.enableAsgLifecycleDraining, false);
	assert.equal(config.webhookHeaders, { 'Content-type': 'application/json' });
	assert.is(config.taintEffect, 'NoSchedule');
	assert.is(sources.dryRun, 'default');
});

load('prefers a flag over the env var over the default', () => {
	const { config, sources } = loadConfig({
		env: { NODE_TERMINATION_GRACE_PERIOD: '60', DRY_RUN: 'true' },
		flags: { 'node-termination-grace-period': 30 },
	});
	assert.is(config.nodeTerminationGracePeriod, 30);
	assert.is(sources.nodeTerminationGracePeriod, 'flag');
	assert.is(config.dryRun, true);
	assert.is(sources.dryRun, 'env');
});

load('treats an empty env var as unset', () => {
	const { config } = loadConfig({ env: { NODE_TERMINATION_GRACE_PERIOD: '', TAINT_EFFECT: '' }, flags: {} });
	assert.is(config.nodeTerminationGracePeriod, 120);
	assert.is(config.taintEffect, 'NoSchedule');
});

load('accepts every Go boolean spelling', () => {
	for (const text of ['1', 't', 'T', 'TRUE', 'true', 'True'])
		assert.is(loadConfig({ env: { TAINT_NODE: text }, flags: {} }).config.taintNode, true, text);
	for (const text of ['0', 'f', 'F', 'FALSE', 'false', 'False'])
		assert.is(loadConfig({ env: { DRY_RUN: text }, flags: {} }).config.dryRun, false, text);
});

load('rejects a bad boolean naming the env var and the value', () => {
	try {
		loadConfig({ env: { DRY_RUN: 'yes' }, flags: {} });
		assert.unreachable('should have thrown');
	} catch (error) {
		assert.ok(isConfigError(error));
		assert.match(String(error), /DRY_RUN \(--dry-run\) must be a boolean/);
		assert.match(String(error), /from DRY_RUN: "yes"/);
	}
});

load('rejects a non-integer naming the flag', () => {
	assert.throws(
		() => loadConfig({ env: {}, flags: { 'node-termination-grace-period': '2m' } }),
		/NODE_TERMINATION_GRACE_PERIOD \(--node-termination-grace-period\) must be an integer, got "2m"/,
	);
});

load('copies the deprecated GRACE_PERIOD over with a warning', () => {
	const { config, warnings } = loadConfig({ env: { GRACE_PERIOD: '15' }, flags: {} });
	assert.is(config.podTerminationGracePeriod, 15);
	assert.match(warnings.join('\n'), /GRACE_PERIOD is deprecated/);
});

load('lets the new name win over its deprecated alias', () => {
	const { config, warnings } = loadConfig({ env: { GRACE_PERIOD: '15', POD_TERMINATION_GRACE_PERIOD: '20' }, flags: {} });
	assert.is(config.podTerminationGracePeriod, 20);
	assert.match(warnings.join('\n'), /Both GRACE_PERIOD \(deprecated\) and POD_TERMINATION_GRACE_PERIOD are set/);
});

load('rejects webhook headers with a non-string value without printing them', () => {
	try {
		loadConfig({ env: { WEBHOOK_HEADERS: '{"X-Count": 3}' }, flags: {} });
		assert.unreachable('should have thrown');
	} catch (error) {
		assert.match(String(error), /WEBHOOK_HEADERS/);
		assert.match(String(error), /string values/);
		assert.not.match(String(error), /X-Count/);
	}
});

load('rejects malformed extra event annotations', () => {
	assert.throws(() => loadConfig({ env: { KUBERNETES_EVENTS_EXTRA_ANNOTATIONS: 'a=b,c' }, flags: {} }), /malformed pair "c"/);
	assert.equal(
		loadConfig({ env: { KUBERNETES_EVENTS_EXTRA_ANNOTATIONS: 'a=b, c=d' }, flags: {} }).config.kubernetesEventsExtraAnnotations,
		{ a: 'b', c: 'd' },
	);
});

load('accepts LOG_LEVEL warn and any case', () => {
	assert.is(loadConfig({ env: { LOG_LEVEL: 'WARN' }, flags: {} }).config.logLevel, 'warn');
	assert.throws(() => loadConfig({ env: { LOG_LEVEL: 'verbose' }, flags: {} }), /LOG_LEVEL/);
});

load('clamps LOG_FORMAT_VERSION with a warning', () => {
	const { config, warnings } = loadConfig({ env: { LOG_FORMAT_VERSION: '7' }, flags: {} });
	assert.is(config.logFormatVersion, 2);
	assert.match(warnings.join('\n'), /clamped/);
});

load('refuses queue-processor mode clearly', () => {
	assert.throws(
		() => loadConfig({ env: { ENABLE_SQS_TERMINATION_DRAINING: 'true' }, flags: {} }),
		/queue-processor \(SQS\) mode is not implemented/,
	);
});

load('reports every invalid setting at once', () => {
	assert.throws(() => loadConfig({ env: { DRY_RUN: 'x', METADATA_TRIES: 'y' }, flags: {} }), /2 settings are invalid/);
});

load('polls every 0.75 s by default: idle CPU within 2 millicores, notice → cordon p50 within 0.5 s (README "Idle CPU")', () => {
	const { config } = loadConfig({ env: {}, flags: {} });
	assert.is(config.pollIntervalMs, 750);
});

load('parses the poll interval in seconds', () => {
	assert.is(loadConfig({ env: { POLL_INTERVAL: '0.25' }, flags: {} }).config.pollIntervalMs, 250);
	assert.throws(() => loadConfig({ env: { POLL_INTERVAL: '0.01' }, flags: {} }), /POLL_INTERVAL/);
});

load.run();
