import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../config/load.ts';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { silentLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import type { InterruptionEvent } from '../monitors/types.ts';
import { noopRecorder } from '../notify/types.ts';
import { matchesLabelValue, nodeValueProblems } from '../node/values.ts';
import { createIncidentPorts } from './ports.ts';

const nodeName = 'node-a';

function portsFor(env: Record<string, string>) {
	const kube = new FakeKubeApi();
	kube.addNode({ metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } } });
	const { config } = loadConfig({ env, flags: {} });
	const log = silentLogger();
	const metrics = noopMetrics();
	const ports = createIncidentPorts({
		config,
		kube,
		nodeDeps: { kube, log, metrics, dryRun: config.dryRun },
		nodeName,
		recorder: noopRecorder(),
		notifier: { enabled: false, send: async () => {}, flush: async () => {} },
		log,
		metrics,
		providerId: undefined,
	});
	return { kube, ports };
}

function spot(action: 'terminate' | 'stop' | 'hibernate'): InterruptionEvent {
	return {
		eventId: `spot-itn-${action}`,
		kind: 'SPOT_ITN',
		monitor: 'SPOT_ITN_MONITOR',
		description: 'd',
		state: '',
		startTime: new Date(),
		endTime: undefined,
		deadline: new Date(),
		spotAction: action,
	};
}

const ports = suite('createIncidentPorts().preDrain');
const signal = new AbortController().signal;

ports('marks a stopped or hibernated spot instance for an uncordon once it resumes', async () => {
	for (const action of ['stop', 'hibernate'] as const) {
		const { kube, ports } = portsFor({});
		await ports.preDrain(spot(action), { labels: {}, unschedulable: false }, signal);
		const labels = kube.node(nodeName)?.metadata.labels ?? {};
		assert.is(labels['aws-node-termination-handler/action'], 'UncordonAfterReboot', action);
		assert.is(labels['aws-node-termination-handler/event-id'], `spot-itn-${action}`);
	}
});

ports('does not mark a terminated spot instance (it never comes back)', async () => {
	const { kube, ports } = portsFor({});
	await ports.preDrain(spot('terminate'), { labels: {}, unschedulable: false }, signal);
	assert.is(kube.node(nodeName)?.metadata.labels?.['aws-node-termination-handler/action'], undefined);
});

ports('taints with the kind key and TAINT_EFFECT only when TAINT_NODE', async () => {
	const untainted = portsFor({});
	await untainted.ports.preDrain(spot('terminate'), { labels: {}, unschedulable: false }, signal);
	assert.equal(untainted.kube.node(nodeName)?.spec.taints ?? [], []);
	const tainted = portsFor({ TAINT_NODE: 'true', TAINT_EFFECT: 'NoExecute' });
	await tainted.ports.preDrain(spot('terminate'), { labels: {}, unschedulable: false }, signal);
	const taint = tainted.kube.node(nodeName)?.spec.taints?.[0];
	assert.is(taint?.key, 'aws-node-termination-handler/spot-itn');
	assert.is(taint?.effect, 'NoExecute');
	assert.is(taint?.value, 'spot-itn-terminate');
});

ports('never asks for an uncordon after reboot on a node an admin had cordoned', async () => {
	const { kube, ports } = portsFor({});
	await ports.preDrain(spot('stop'), { labels: {}, unschedulable: true }, signal);
	const labels = kube.node(nodeName)?.metadata.labels ?? {};
	assert.is(labels['aws-node-termination-handler/event-id'], 'spot-itn-stop');
	assert.is(labels['aws-node-termination-handler/action'], undefined);
});

ports('a real spot id (73 characters) gives reboot labels and a taint the apiserver accepts, naming the event', async () => {
	const { kube, ports } = portsFor({ TAINT_NODE: 'true' });
	const id = `spot-itn-${'9e'.repeat(32)}`;
	await ports.preDrain({ ...spot('stop'), eventId: id }, { labels: {}, unschedulable: false }, signal);
	const node = kube.node(nodeName);
	const labels = node?.metadata.labels ?? {};
	assert.ok(matchesLabelValue(id, labels['aws-node-termination-handler/event-id'] ?? ''), JSON.stringify(labels));
	assert.is(labels['aws-node-termination-handler/action'], 'UncordonAfterReboot');
	assert.is(node?.spec.taints?.[0]?.value, id.slice(0, 63), "NTH's cut to 63 characters");
	assert.equal(nodeValueProblems({ labels, taints: node?.spec.taints }), []);
});

ports.run();
