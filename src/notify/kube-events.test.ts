import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { InstanceMetadata } from '../imds/types.ts';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { memoryLogger } from '../log/logger.ts';
import { type Metrics, noopMetrics } from '../metrics/types.ts';
import { createEventRecorder, type EventRecorderOptions, interruptionReason, nodeEventAnnotations } from './kube-events.ts';

const nodeName = 'ip-10-0-1-2.ec2.internal';
const startMs = Date.UTC(2026, 0, 2, 3, 4, 5);

const metadata: InstanceMetadata = {
	accountId: '123456789012',
	instanceId: 'i-0abc',
	instanceLifeCycle: 'spot',
	instanceType: 'm5.large',
	publicHostname: 'ec2-54-1-2-3.compute-1.amazonaws.com',
	publicIp: '54.1.2.3',
	localHostname: 'ip-10-0-1-2.ec2.internal',
	privateIp: '10.0.1.2',
	availabilityZone: 'us-east-1a',
	region: 'us-east-1',
};

function setup(overrides: Partial<EventRecorderOptions> = {}) {
	const kube = new FakeKubeApi();
	kube.addNode({ metadata: { name: nodeName } });
	const clock = { now: startMs };
	const errors: string[] = [];
	const metrics: Metrics = { ...noopMetrics(), errorCaught: (component) => errors.push(component) };
	const log = memoryLogger();
	const recorder = createEventRecorder({
		kube,
		nodeName,
		metadata,
		extraAnnotations: { team: 'ops', region: 'override' },
		log,
		metrics,
		now: () => clock.now,
		enabled: true,
		...overrides,
	});
	const flush = (): Promise<void> => recorder.flush(new AbortController().signal);
	return { kube, clock, errors, log, recorder, flush };
}

const recorder = suite('createEventRecorder()');

recorder("records a node event on the real Node with NTH's annotations, source and namespace", async () => {
	const { kube, recorder: events, flush } = setup();
	events.node('SpotInterruption', 'Normal', 'Spot ITN received. Instance will be terminated at 2026-01-02T03:06:05Z \n');
	await flush();
	const [event] = kube.events();
	const uid = kube.node(nodeName)?.metadata.uid;
	assert.ok(uid);
	assert.is(event?.namespace, 'default');
	assert.equal(event?.involvedObject, { kind: 'Node', name: nodeName, namespace: undefined, uid, apiVersion: 'v1' });
	assert.is(event?.reason, 'SpotInterruption');
	assert.is(event?.type, 'Normal');
	assert.equal(event?.source, { component: 'aws-node-termination-handler', host: nodeName });
	assert.is(event?.count, 1);
	assert.is(event?.firstTimestamp, '2026-01-02T03:04:05Z');
	assert.equal(event?.annotations, {
		'account-id': '123456789012',
		'availability-zone': 'us-east-1a',
		'instance-id': 'i-0abc',
		'instance-life-cycle': 'spot',
		'instance-type': 'm5.large',
		'local-hostname': 'ip-10-0-1-2.ec2.internal',
		'local-ipv4': '10.0.1.2',
		'public-hostname': 'ec2-54-1-2-3.compute-1.amazonaws.com',
		'public-ipv4': '54.1.2.3',
		region: 'override',
		team: 'ops',
	});
	assert.match(event?.name ?? '', new RegExp(`^${nodeName.replace(/\./g, '\\.')}\\.[0-9a-f]+$`));
});

recorder('aggregates repeats into one Event with a count, like client-go', async () => {
	const { kube, clock, recorder: events, flush } = setup();
	events.node('CordonError', 'Warning', 'There was a problem while trying to cordon the node: timeout');
	clock.now += 2000;
	events.node('CordonError', 'Warning', 'There was a problem while trying to cordon the node: timeout');
	clock.now += 2000;
	events.node('CordonError', 'Warning', 'There was a problem while trying to cordon the node: timeout');
	events.node('CordonError', 'Warning', 'There was a problem while trying to cordon the node: conflict');
	await flush();
	const all = kube.events().sort((a, b) => a.message.localeCompare(b.message));
	assert.is(all.length, 2);
	assert.is(all[1]?.count, 3);
	assert.is(all[1]?.patches, 2);
	assert.is(all[1]?.firstTimestamp, '2026-01-02T03:04:05Z');
	assert.is(all[1]?.lastTimestamp, '2026-01-02T03:04:09Z');
	assert.is(all[0]?.count, 1);
	assert.is(kube.callsTo('getNode').length, 1);
});

recorder('starts a new Event after the aggregation window, or when the old one is gone', async () => {
	const { kube, clock, recorder: events, flush } = setup({ aggregationWindowMs: 60_000 });
	events.node('Cordon', 'Normal', 'Node successfully cordoned');
	await flush();
	clock.now += 61_000;
	events.node('Cordon', 'Normal', 'Node successfully cordoned');
	await flush();
	assert.is(kube.events().length, 2);
	kube.failNext('patchEvent', { status: 404 });
	clock.now += 1000;
	events.node('Cordon', 'Normal', 'Node successfully cordoned');
	await flush();
	assert.is(kube.events().length, 3);
});

recorder("records pod events in the pod's namespace with node and caller annotations", async () => {
	const { kube, recorder: events, flush } = setup();
	events.pod(
		{ namespace: 'shop', name: 'web-1', uid: 'pod-uid-1' },
		'PodEviction',
		'Normal',
		`Pod evicted due to node drain (node ${nodeName})`,
		{ app: 'web' },
	);
	await flush();
	const [event] = kube.events();
	assert.is(event?.namespace, 'shop');
	assert.equal(event?.involvedObject, { kind: 'Pod', name: 'web-1', namespace: 'shop', uid: 'pod-uid-1', apiVersion: 'v1' });
	assert.equal(event?.annotations, { node: nodeName, app: 'web' });
});

recorder('never blocks or throws: failures are logged and counted', async () => {
	const { kube, errors, log, recorder: events, flush } = setup();
	kube.failNext('createEvent', { status: 403, message: 'events is forbidden' });
	const returned = events.node('MonitorError', 'Warning', "There was a problem monitoring for events in monitor 'SPOT_ITN_MONITOR'");
	assert.is(returned, undefined);
	await flush();
	assert.equal(errors, ['events']);
	assert.ok(
		log.lines.some((line) => line.includes('WRN Cannot create the Kubernetes event') && line.includes('reason=MonitorError')),
		log.lines.join('\n'),
	);
	events.node('Cordon', 'Normal', 'Node successfully cordoned');
	await flush();
	assert.is(kube.events().length, 1);
});

recorder('returns before the API answers, and flush is bounded by its signal', async () => {
	const { kube, recorder: events } = setup();
	let release: () => void = () => {};
	kube.beforeNext('getNode', () => new Promise<void>((resolve) => (release = resolve)));
	events.node('Cordon', 'Normal', 'Node successfully cordoned');
	assert.is(kube.events().length, 0);
	const controller = new AbortController();
	const flushing = events.flush(controller.signal);
	controller.abort();
	await flushing;
	assert.is(kube.events().length, 0);
	release();
	await events.flush(new AbortController().signal);
	assert.is(kube.events().length, 1);
});

recorder("drops a flood on one object beyond client-go's burst of 25, refilling over time", async () => {
	const { kube, clock, recorder: events, flush } = setup();
	for (let i = 0; i < 30; i += 1) events.node('PreDrainError', 'Warning', `There was a problem executing the pre-drain task: attempt ${i}`);
	await flush();
	assert.is(kube.events().length, 25);
	clock.now += 600_000;
	events.node('PreDrainError', 'Warning', 'There was a problem executing the pre-drain task: later');
	await flush();
	assert.is(kube.events().length, 26);
});

recorder('bounds its queue', async () => {
	const { kube, errors, recorder: events, flush } = setup({ maxQueue: 3 });
	for (let i = 0; i < 5; i += 1) events.pod({ namespace: 'shop', name: `web-${i}` }, 'PodEviction', 'Normal', 'evicted');
	await flush();
	// The first record is taken by the worker at once, so four fit; the fifth is dropped.
	assert.is(kube.events().length, 4);
	assert.equal(errors, ['events']);
});

recorder('does nothing when disabled', async () => {
	const { kube, recorder: events, flush } = setup({ enabled: false });
	events.node('Cordon', 'Normal', 'Node successfully cordoned');
	await flush();
	assert.is(kube.calls.length, 0);
});

const helpers = suite('interruptionReason() and nodeEventAnnotations()');

helpers("maps each kind to NTH's reason", () => {
	assert.is(interruptionReason('SPOT_ITN'), 'SpotInterruption');
	assert.is(interruptionReason('SCHEDULED_EVENT'), 'ScheduledEvent');
	assert.is(interruptionReason('REBALANCE_RECOMMENDATION'), 'RebalanceRecommendation');
	assert.is(interruptionReason('ASG_LIFECYCLE'), 'ASGLifecycle');
	assert.is(interruptionReason('ASG_LAUNCH_LIFECYCLE'), 'UnknownInterruption');
	assert.is(interruptionReason('toString'), 'UnknownInterruption');
});

helpers("lists NTH's ten IMDS annotations", () => {
	assert.equal(Object.keys(nodeEventAnnotations(metadata)).sort(), [
		'account-id',
		'availability-zone',
		'instance-id',
		'instance-life-cycle',
		'instance-type',
		'local-hostname',
		'local-ipv4',
		'public-hostname',
		'public-ipv4',
		'region',
	]);
});

recorder.run();
helpers.run();
