import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeError } from '../errors.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { memoryLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import { cordonNode, uncordonNode } from './cordon.ts';

const signal = new AbortController().signal;

function setup(dryRun = false) {
	const kube = new FakeKubeApi();
	const log = memoryLogger();
	const clock = fakeClock();
	return { kube, log, clock, deps: { kube, log, metrics: noopMetrics(), dryRun, sleep: clock.sleep } };
}

const cordon = suite('cordonNode()');

cordon('cordons a schedulable node with a patch guarded by its resourceVersion', async () => {
	const { kube, deps } = setup();
	const seeded = kube.addNode({ metadata: { name: 'n1' } });
	assert.equal(await cordonNode(deps, 'n1', signal), { wasUnschedulable: false, changed: true });
	assert.is(kube.node('n1')?.spec.unschedulable, true);
	assert.equal(kube.callsTo('patchNode')[0]?.args[1], {
		type: 'merge',
		body: { spec: { unschedulable: true }, metadata: { resourceVersion: seeded.metadata.resourceVersion } },
	});
});

cordon("reports an admin's cordon and leaves the node alone", async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1' }, spec: { unschedulable: true } });
	assert.equal(await cordonNode(deps, 'n1', signal), { wasUnschedulable: true, changed: false });
	assert.is(kube.callsTo('patchNode').length, 0);
});

cordon('judges "already cordoned" on fresh data when an admin cordons while we write', async () => {
	const { kube, deps, clock } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	kube.beforeNext('patchNode', () => {
		kube.mutateNode('n1', (node) => {
			node.spec.unschedulable = true;
		});
	});
	assert.equal(await clock.run(cordonNode(deps, 'n1', signal)), { wasUnschedulable: true, changed: false });
	assert.is(kube.callsTo('patchNode').length, 1, 'the conflicting patch, then nothing');
	assert.is(clock.sleeps.length, 1, 'one backoff before reading the node again');
});

cordon('throws KubeError 404 for a missing node', async () => {
	const { deps } = setup();
	try {
		await cordonNode(deps, 'gone', signal);
		assert.unreachable('must throw');
	} catch (error) {
		assert.instance(error, KubeError);
		assert.is(error instanceof KubeError ? error.status : undefined, 404);
		assert.is(error instanceof Error ? error.message : '', 'Cannot cordon node "gone": node "gone" not found');
	}
});

cordon("in dry run logs NTH's line and changes nothing, even for a missing node", async () => {
	const { kube, deps, log } = setup(true);
	kube.addNode({ metadata: { name: 'n1' } });
	assert.equal(await cordonNode(deps, 'n1', signal), { wasUnschedulable: false, changed: false });
	await cordonNode(deps, 'missing', signal);
	assert.is(kube.callsTo('patchNode').length, 0);
	assert.is(kube.node('n1')?.spec.unschedulable, undefined);
	assert.equal(
		log.lines.filter((line) => line.includes('INF')),
		[
			'1970/01/01 00:00:00 INF Node would have been cordoned, but dry-run flag was set node_name=n1',
			'1970/01/01 00:00:00 INF Node would have been cordoned, but dry-run flag was set node_name=missing',
		],
	);
});

cordon.run();

const uncordon = suite('uncordonNode()');

uncordon('uncordons a cordoned node', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1' }, spec: { unschedulable: true } });
	assert.equal(await uncordonNode(deps, 'n1', signal), { wasUnschedulable: true, changed: true });
	assert.is(kube.node('n1')?.spec.unschedulable, undefined);
});

uncordon('does not patch a schedulable node', async () => {
	const { kube, deps } = setup();
	kube.addNode({ metadata: { name: 'n1' } });
	assert.equal(await uncordonNode(deps, 'n1', signal), { wasUnschedulable: false, changed: false });
	assert.is(kube.callsTo('patchNode').length, 0);
});

uncordon("in dry run logs NTH's line and changes nothing", async () => {
	const { kube, deps, log } = setup(true);
	kube.addNode({ metadata: { name: 'n1' }, spec: { unschedulable: true } });
	await uncordonNode(deps, 'n1', signal);
	assert.is(kube.node('n1')?.spec.unschedulable, true);
	assert.ok(log.lines.includes('1970/01/01 00:00:00 INF Node would have been uncordoned, but dry-run flag was set node_name=n1'));
});

uncordon.run();
