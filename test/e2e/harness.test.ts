// Checks the fixtures of test/real/harness.ts that the smoke suite does not:
// scheduler-placed Deployments, real owners the garbage collector leaves alone,
// manifests applied server-side, token kubeconfigs, node cleanup.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
	type RealCluster,
	apiRequest,
	applyManifests,
	connect,
	createDeployment,
	createNamespace,
	createNode,
	createPod,
	createServiceAccountToken,
	deleteFixtureNodes,
	deleteNamespace,
	kubeconfigForToken,
	statusOf,
} from '../real/harness.ts';
import { sleep } from '../../src/clock.ts';

const NODE = 'harness-node-a';
/** Long enough for the garbage collector to have deleted a pod with a dangling owner. */
const GC_GRACE_MS = 3000;

let cluster: RealCluster;
let namespace: string;

const harness = suite('harness fixtures');

harness.before(async () => {
	cluster = connect();
	namespace = await createNamespace(cluster, 'harness');
	await createNode(cluster, NODE, { labels: { 'node.kubernetes.io/instance-type': 'm4.xlarge' }, providerID: 'aws:///us-east-1a/i-0a' });
});

harness.after(async () => {
	await deleteNamespace(cluster, namespace);
	await deleteFixtureNodes(cluster);
});

harness('createNode gives a Ready, untainted node the scheduler can use', async () => {
	const node = await cluster.core.readNode({ name: NODE });
	assert.is(node.spec?.providerID, 'aws:///us-east-1a/i-0a');
	assert.is(node.metadata?.labels?.['kubernetes.io/hostname'], NODE);
	assert.equal(node.spec?.taints ?? [], []);
	assert.is(node.status?.allocatable?.['pods'], '110');
});

harness('createDeployment waits for replicas the real scheduler placed on the node', async () => {
	const deployment = await createDeployment(cluster, namespace, 'web', {
		replicas: 2,
		labels: { app: 'web' },
		nodeSelector: { 'kubernetes.io/hostname': NODE },
	});
	assert.is(deployment.status?.readyReplicas, 2);
	const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
	assert.is(pods.items.length, 2);
	for (const pod of pods.items) {
		assert.is(pod.spec?.nodeName, NODE);
		assert.is(pod.metadata?.ownerReferences?.[0]?.kind, 'ReplicaSet');
	}
});

harness('createPod with ownerKind gives each pod a real owner that keeps it', async () => {
	for (const kind of ['ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job'] as const) {
		await createPod(cluster, namespace, `owned-${kind.toLowerCase()}`, {
			nodeName: NODE,
			ownerKind: kind,
			emptyDir: true,
			priorityClassName: 'system-node-critical',
		});
	}
	await sleep(GC_GRACE_MS);
	for (const kind of ['ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job'] as const) {
		const pod = await cluster.core.readNamespacedPod({ namespace, name: `owned-${kind.toLowerCase()}` });
		assert.is(pod.metadata?.ownerReferences?.[0]?.kind, kind);
		assert.is(pod.metadata?.deletionTimestamp, undefined, `${kind}-owned pod must not be garbage-collected`);
		assert.is(pod.spec?.priorityClassName, 'system-node-critical');
		assert.ok(pod.spec?.volumes?.some((volume) => volume.emptyDir !== undefined));
		const siblings = await cluster.core.listNamespacedPod({
			namespace,
			labelSelector: `realtest.nth.dev/owner=owned-${kind.toLowerCase()}-owner`,
		});
		assert.is(siblings.items.length, 1, `the ${kind} adopted the pod instead of adding its own`);
	}
});

harness('applyManifests applies RBAC that a token kubeconfig then exercises', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'nth-harness-'));
	const manifest = join(dir, 'rbac.yaml');
	writeFileSync(
		manifest,
		[
			'apiVersion: rbac.authorization.k8s.io/v1',
			'kind: Role',
			`metadata: {name: read-pods, namespace: ${namespace}}`,
			'rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]',
			'---',
			'apiVersion: rbac.authorization.k8s.io/v1',
			'kind: RoleBinding',
			`metadata: {name: read-pods, namespace: ${namespace}}`,
			'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-pods}',
			`subjects: [{kind: ServiceAccount, name: reader, namespace: ${namespace}}]`,
			'',
		].join('\n'),
	);
	const token = await createServiceAccountToken(cluster, namespace, 'reader');
	const before = await apiRequest(cluster, 'GET', `/api/v1/namespaces/${namespace}/pods`, { token });
	assert.is(before.status, 403, 'no access before the manifests are applied');

	const applied = await applyManifests(cluster, [manifest]);
	assert.equal(applied.map((name) => name.replace(/^.*\//, '')).sort(), ['read-pods', 'read-pods']);

	const kubeConfig = new KubeConfig();
	kubeConfig.loadFromFile(kubeconfigForToken(cluster, token));
	const core = kubeConfig.makeApiClient(CoreV1Api);
	const pods = await core.listNamespacedPod({ namespace });
	assert.ok(pods.items.length > 0);
	try {
		await core.listNode();
		assert.unreachable('the reader token must not list nodes');
	} catch (error) {
		assert.is(statusOf(error), 403);
	}
});

harness('deleteFixtureNodes removes the nodes the harness created', async () => {
	await createNode(cluster, 'harness-node-b');
	const deleted = await deleteFixtureNodes(cluster);
	assert.ok(deleted.includes('harness-node-b') && deleted.includes(NODE), deleted.join(','));
	const left = await cluster.core.listNode({ labelSelector: 'realtest.nth.dev/fixture' });
	assert.is(left.items.length, 0);
});

harness.run();
