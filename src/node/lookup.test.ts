import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { memoryLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import { awsProviderId, findNode } from './lookup.ts';

const signal = new AbortController().signal;

function setup() {
	const kube = new FakeKubeApi();
	const log = memoryLogger();
	let errors = 0;
	const metrics = { ...noopMetrics(), errorCaught: () => void (errors += 1) };
	return { kube, log, deps: { kube, log, metrics }, errors: () => errors };
}

function node(name: string, hostname: string, providerID?: string) {
	return { metadata: { name, labels: { 'kubernetes.io/hostname': hostname } }, spec: providerID === undefined ? {} : { providerID } };
}

const lookup = suite('findNode()');

lookup('prefers the exact host name over a short-name collision from another domain (NTH §8.30)', async () => {
	const { kube, deps } = setup();
	kube.addNode(node('ip-10-0-0-1.us-west-2.compute.internal', 'ip-10-0-0-1'));
	kube.addNode(node('ip-10-0-0-1.ec2.internal', 'ip-10-0-0-1.ec2.internal'));
	const found = await findNode(deps, { name: 'ip-10-0-0-1.ec2.internal' }, signal);
	assert.is(found?.metadata.name, 'ip-10-0-0-1.ec2.internal');
	assert.equal(kube.callsTo('listNodes')[0]?.args, [
		{ labelSelector: 'kubernetes.io/hostname in (ip-10-0-0-1.ec2.internal, ip-10-0-0-1)' },
	]);
	assert.is(kube.callsTo('getNode').length, 0);
});

lookup('maps a private DNS name onto a node labelled with the short name when it is the only one', async () => {
	const { kube, deps } = setup();
	kube.addNode(node('worker-a', 'ip-10-0-0-2'));
	const found = await findNode(deps, { name: 'ip-10-0-0-2.ec2.internal' }, signal);
	assert.is(found?.metadata.name, 'worker-a');
});

lookup('takes the node of that name before guessing among short-name matches', async () => {
	const { kube, deps, log } = setup();
	kube.addNode(node('worker-a', 'ip-10-0-0-3'));
	kube.addNode(node('worker-b', 'ip-10-0-0-3'));
	assert.is(await findNode(deps, { name: 'ip-10-0-0-3.ec2.internal' }, signal), undefined);
	assert.ok(log.lines.some((line) => line.includes('Several nodes match the short host name')));
	kube.addNode(node('ip-10-0-0-3.ec2.internal', 'something-else'));
	assert.is((await findNode(deps, { name: 'ip-10-0-0-3.ec2.internal' }, signal))?.metadata.name, 'ip-10-0-0-3.ec2.internal');
});

lookup('falls back to GET by name when the list fails, and says so', async () => {
	const { kube, deps, log, errors } = setup();
	kube.addNode(node('n1', 'n1'));
	kube.failNext('listNodes', { status: 403 });
	assert.is((await findNode(deps, { name: 'n1' }, signal))?.metadata.name, 'n1');
	assert.ok(log.lines.some((line) => line.includes('WRN Unable to list Nodes w/ label, falling back to direct Get lookup of node')));
	assert.is(errors(), 1);
});

lookup('returns undefined when no node matches', async () => {
	const { deps } = setup();
	assert.is(await findNode(deps, { name: 'ghost.ec2.internal' }, signal), undefined);
});

lookup('finds the node by providerID: one GET when NODE_NAME already names it', async () => {
	const { kube, deps } = setup();
	const providerId = awsProviderId('us-east-1a', 'i-0abc');
	assert.is(providerId, 'aws:///us-east-1a/i-0abc');
	kube.addNode(node('n1', 'n1', providerId));
	assert.is((await findNode(deps, { name: 'n1', providerId }, signal))?.metadata.name, 'n1');
	assert.is(kube.callsTo('listNodes').length, 0);
});

lookup('finds the node by providerID: pages through the cluster otherwise', async () => {
	const { kube, deps } = setup();
	for (let i = 0; i < 450; i += 1) kube.addNode(node(`n${i}`, `n${i}`, awsProviderId('us-east-1a', `i-${i}`)));
	const found = await findNode(deps, { name: 'ip-10-0-0-9.ec2.internal', providerId: awsProviderId('us-east-1a', 'i-420') }, signal);
	assert.is(found?.metadata.name, 'n420');
	assert.equal(
		kube.callsTo('listNodes').map((call) => call.args[0]),
		[
			{ limit: 200, continue: undefined },
			{ limit: 200, continue: '200' },
			{ limit: 200, continue: '400' },
		],
	);
	assert.is(await findNode(deps, { name: 'x', providerId: awsProviderId('us-east-1a', 'i-none') }, signal), undefined);
});

lookup.run();
