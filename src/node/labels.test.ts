import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { memoryLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import {
	actionLabel,
	actionTimeLabel,
	addNodeLabels,
	eventIdLabel,
	excludeFromLoadBalancers,
	excludeFromLoadBalancersLabel,
	labelForReboot,
	removeNodeLabels,
	removeNthLabels,
} from './labels.ts';
import { isValidLabelValue } from '../kube/validation.ts';
import { labelValueFor, matchesLabelValue } from './values.ts';

const signal = new AbortController().signal;
const nowMs = Date.parse('2025-06-01T12:00:00Z');

function setup(dryRun = false) {
	const kube = new FakeKubeApi();
	const log = memoryLogger();
	const clock = fakeClock(nowMs);
	return { kube, log, clock, deps: { kube, log, metrics: noopMetrics(), dryRun, now: () => new Date(clock.now()), sleep: clock.sleep } };
}

const reboot = suite('labelForReboot()');

reboot('writes event-id, action=UncordonAfterReboot and action-time in one patch', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1', labels: { keep: 'me' } } });
	await labelForReboot(deps, 'n1', { mark: { eventId: 'instance-event-0abc', uncordonAfterReboot: true }, signal });
	assert.equal(kube.node('n1')?.metadata.labels, {
		keep: 'me',
		[eventIdLabel]: 'instance-event-0abc',
		[actionLabel]: 'UncordonAfterReboot',
		[actionTimeLabel]: String(nowMs / 1000),
	});
	assert.is(kube.callsTo('patchNode').length, 1);
});

reboot('writes only the event id when the node was already cordoned by someone else', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	await labelForReboot(deps, 'n1', { mark: { eventId: 'instance-event-0abc', uncordonAfterReboot: false }, signal });
	assert.equal(kube.node('n1')?.metadata.labels, { [eventIdLabel]: 'instance-event-0abc' });
});

reboot('a spot id (73 characters, too long for a label value) is written as its digest, which the apiserver accepts', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	const spotId = `spot-itn-${'5f'.repeat(32)}`;
	await labelForReboot(deps, 'n1', { mark: { eventId: spotId, uncordonAfterReboot: true }, signal });
	const value = kube.node('n1')?.metadata.labels?.[eventIdLabel] ?? '';
	assert.ok(isValidLabelValue(value), value);
	assert.is(value, labelValueFor(spotId));
	assert.ok(matchesLabelValue(spotId, value));
});

reboot("in dry run logs NTH's lines and changes nothing", async () => {
	const { kube, deps, log } = setup(true);
	kube.addNode({ metadata: { name: 'n1' } });
	await labelForReboot(deps, 'n1', { mark: { eventId: 'e1', uncordonAfterReboot: true }, signal });
	assert.is(kube.callsTo('patchNode').length, 0);
	assert.equal(log.lines, [
		'1970/01/01 00:00:00 INF Would have added label (aws-node-termination-handler/event-id=e1) to node n1, but dry-run flag was set',
		'1970/01/01 00:00:00 INF Would have added label (aws-node-termination-handler/action=UncordonAfterReboot) to node n1, but dry-run flag was set',
		`1970/01/01 00:00:00 INF Would have added label (aws-node-termination-handler/action-time=${nowMs / 1000}) to node n1, but dry-run flag was set`,
	]);
});

reboot.run();

const generic = suite('addNodeLabels() / removeNodeLabels()');

generic('adds and removes with merge patches; removing an absent label is fine (NTH §8.8)', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1', labels: { a: '1' } } });
	await addNodeLabels(deps, 'n1', { labels: { b: '2' }, signal });
	await removeNodeLabels(deps, 'n1', { keys: ['a', 'never-there'], signal });
	assert.equal(kube.node('n1')?.metadata.labels, { b: '2' });
	assert.equal(
		kube.callsTo('patchNode').map((call) => call.args[1]),
		[
			{ type: 'merge', body: { metadata: { labels: { b: '2' } } } },
			{ type: 'merge', body: { metadata: { labels: { a: null, 'never-there': null } } } },
		],
	);
});

generic.run();

const exclude = suite('excludeFromLoadBalancers()');

exclude('adds the label with our value when the key is absent', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	assert.is(await excludeFromLoadBalancers(deps, 'n1', signal), true);
	assert.equal(kube.node('n1')?.metadata.labels, { [excludeFromLoadBalancersLabel]: 'aws-node-termination-handler' });
});

exclude('leaves a label someone else set, whatever its value', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1', labels: { [excludeFromLoadBalancersLabel]: 'ops' } } });
	assert.is(await excludeFromLoadBalancers(deps, 'n1', signal), false);
	assert.equal(kube.node('n1')?.metadata.labels, { [excludeFromLoadBalancersLabel]: 'ops' });
	assert.is(kube.callsTo('patchNode').length, 0);
});

exclude('does not overwrite a label someone sets while we write', async () => {
	const { kube, deps, clock } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	kube.beforeNext('patchNode', () => {
		kube.mutateNode('n1', (node) => {
			node.metadata.labels = { [excludeFromLoadBalancersLabel]: 'ops' };
		});
	});
	assert.is(await clock.run(excludeFromLoadBalancers(deps, 'n1', signal)), false);
	assert.equal(kube.node('n1')?.metadata.labels, { [excludeFromLoadBalancersLabel]: 'ops' });
	assert.is(clock.sleeps.length, 1, 'one backoff before reading the node again');
});

exclude.run();

const removal = suite('removeNthLabels()');

removal('removes the reboot labels and our exclude-LB label in one patch (NTH §8.1 fixed)', async () => {
	const { kube, deps } = setup();
	kube.addNode({
		metadata: {
			name: 'n1',
			labels: {
				keep: 'me',
				[eventIdLabel]: 'e',
				[actionLabel]: 'UncordonAfterReboot',
				[actionTimeLabel]: '1',
				[excludeFromLoadBalancersLabel]: 'aws-node-termination-handler',
			},
		},
	});
	assert.equal(await removeNthLabels(deps, 'n1', signal), [eventIdLabel, actionLabel, actionTimeLabel, excludeFromLoadBalancersLabel]);
	assert.equal(kube.node('n1')?.metadata.labels, { keep: 'me' });
	assert.is(kube.callsTo('patchNode').length, 1);
});

removal("keeps an exclude-LB label with someone else's value", async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1', labels: { [excludeFromLoadBalancersLabel]: 'ops' } } });
	assert.equal(await removeNthLabels(deps, 'n1', signal), []);
	assert.equal(kube.node('n1')?.metadata.labels, { [excludeFromLoadBalancersLabel]: 'ops' });
});

removal('removes whichever of the reboot labels exist (NTH stopped at the first missing one)', async () => {
	const { kube, deps } = setup();
	kube.addNode({
		metadata: { name: 'n1', labels: { [actionTimeLabel]: '1', [excludeFromLoadBalancersLabel]: 'aws-node-termination-handler' } },
	});
	assert.equal(await removeNthLabels(deps, 'n1', signal), [actionTimeLabel, excludeFromLoadBalancersLabel]);
	assert.equal(kube.node('n1')?.metadata.labels, {});
});

removal("in dry run logs NTH's lines and changes nothing", async () => {
	const { kube, deps, log } = setup(true);
	kube.addNode({ metadata: { name: 'n1', labels: { [eventIdLabel]: 'e' } } });
	await removeNthLabels(deps, 'n1', signal);
	assert.equal(kube.node('n1')?.metadata.labels, { [eventIdLabel]: 'e' });
	assert.ok(
		log.lines.includes(
			'1970/01/01 00:00:00 INF Would have removed label with key aws-node-termination-handler/event-id from node n1, but dry-run flag was set',
		),
	);
});

removal.run();
