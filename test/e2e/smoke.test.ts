// Proves the e2e ground is real: the statuses below come from a real
// kube-apiserver's eviction subresource, the real disruption controller's PDB
// status, real RBAC, kwok deleting evicted pods, and AEMM's IMDSv2 token check.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- smoke`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { startAemm } from '../real/aemm.ts';
import {
	type ApiResponse,
	type RealCluster,
	connect,
	createNamespace,
	createNode,
	createPdb,
	createPod,
	createServiceAccountToken,
	deleteNamespace,
	deleteNode,
	evictPod,
	waitFor,
	waitForPodGone,
} from '../real/harness.ts';

const NODE = 'ip-172-16-34-43.ec2.internal'; // AEMM's local-hostname
const DELETE_DELAY_MS = 3000;

const StatusSchema = v.object({
	kind: v.literal('Status'),
	code: v.number(),
	reason: v.optional(v.string()),
	message: v.optional(v.string()),
	details: v.optional(
		v.object({ causes: v.optional(v.array(v.object({ reason: v.optional(v.string()), message: v.optional(v.string()) }))) }),
	),
});

function status(response: ApiResponse): v.InferOutput<typeof StatusSchema> {
	return v.parse(StatusSchema, response.body);
}

let cluster: RealCluster;
let namespace: string;

const eviction = suite('eviction against the real apiserver');

eviction.before(async () => {
	cluster = connect();
	namespace = await createNamespace(cluster, 'smoke');
	await createNode(cluster, NODE, { providerID: 'aws:///us-east-1a/i-1234567890abcdef0' });
});

eviction.after(async () => {
	await deleteNamespace(cluster, namespace);
	await deleteNode(cluster, NODE);
});

eviction('answers 429 DisruptionBudget when a minAvailable: 1 PDB guards the only pod', async () => {
	await createPod(cluster, namespace, 'guarded', { nodeName: NODE, labels: { app: 'guarded' } });
	const pdb = await createPdb(cluster, namespace, 'guarded', { selector: { app: 'guarded' }, minAvailable: 1 });
	assert.is(pdb.status?.disruptionsAllowed, 0);
	assert.is(pdb.status?.currentHealthy, 1);

	const response = await evictPod(cluster, namespace, 'guarded');
	assert.is(response.status, 429, response.text);
	const body = status(response);
	assert.is(body.reason, 'TooManyRequests');
	assert.is(body.details?.causes?.[0]?.reason, 'DisruptionBudget');
	assert.match(body.details?.causes?.[0]?.message ?? '', /needs 1 healthy pods and has 1 currently/);
	const pod = await cluster.core.readNamespacedPod({ namespace, name: 'guarded' });
	assert.is(pod.metadata?.deletionTimestamp, undefined, 'a refused eviction must not start deletion');
});

eviction('answers 500 when two PDBs cover one pod', async () => {
	await createPod(cluster, namespace, 'double', { nodeName: NODE, labels: { app: 'double' } });
	await createPdb(cluster, namespace, 'double-a', { selector: { app: 'double' }, minAvailable: 0 });
	await createPdb(cluster, namespace, 'double-b', { selector: { app: 'double' }, minAvailable: 0 });

	const response = await evictPod(cluster, namespace, 'double');
	assert.is(response.status, 500, response.text);
	assert.match(status(response).message ?? '', /more than one PodDisruptionBudget/);
	const pod = await cluster.core.readNamespacedPod({ namespace, name: 'double' });
	assert.is(pod.metadata?.deletionTimestamp, undefined);
});

eviction('evicts a pod its PDB allows, and kwok removes it', async () => {
	await createPod(cluster, namespace, 'free', { nodeName: NODE, labels: { app: 'free' } });
	await createPdb(cluster, namespace, 'free', { selector: { app: 'free' }, minAvailable: 0 });
	await waitFor(
		async () => {
			const pdb = await cluster.policy.readNamespacedPodDisruptionBudget({ namespace, name: 'free' });
			return pdb.status?.disruptionsAllowed === 1;
		},
		{ what: 'PDB "free" to allow one disruption' },
	);

	const response = await evictPod(cluster, namespace, 'free');
	assert.is(response.status, 201, response.text);
	await waitForPodGone(cluster, namespace, 'free', { timeoutMs: 10_000 });
	const pdb = await cluster.policy.readNamespacedPodDisruptionBudget({ namespace, name: 'free' });
	assert.is(pdb.status?.disruptionsAllowed, 0, 'the budget is spent (the pod is gone and nothing replaces it)');
});

eviction('keeps an evicted pod terminating for its delete-delay annotation', async () => {
	await createPod(cluster, namespace, 'slow', { nodeName: NODE, labels: { app: 'slow' }, deleteDelay: `${DELETE_DELAY_MS}ms` });
	const evictedAt = Date.now();
	const response = await evictPod(cluster, namespace, 'slow');
	assert.is(response.status, 201, response.text);

	const terminating = await cluster.core.readNamespacedPod({ namespace, name: 'slow' });
	assert.ok(terminating.metadata?.deletionTimestamp, 'the pod is terminating, not gone');
	await waitForPodGone(cluster, namespace, 'slow', { timeoutMs: DELETE_DELAY_MS + 10_000 });
	const elapsed = Date.now() - evictedAt;
	assert.ok(elapsed >= DELETE_DELAY_MS - 250, `pod went after ${elapsed} ms, before its ${DELETE_DELAY_MS} ms delay`);
});

eviction('answers 403 to a token without pods/eviction, 201 once RBAC grants it', async () => {
	await createPod(cluster, namespace, 'rbac', { nodeName: NODE, labels: { app: 'rbac' } });
	const token = await createServiceAccountToken(cluster, namespace, 'no-rights');

	const denied = await evictPod(cluster, namespace, 'rbac', { token });
	assert.is(denied.status, 403, denied.text);
	assert.is(status(denied).reason, 'Forbidden');
	assert.match(status(denied).message ?? '', /system:serviceaccount:.*:no-rights.*cannot create resource "pods\/eviction"/);

	// The same token, once granted the one verb, succeeds: the 403 was RBAC, not a broken token.
	await cluster.rbac.createNamespacedRole({
		namespace,
		body: { metadata: { name: 'evict' }, rules: [{ apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] }] },
	});
	await cluster.rbac.createNamespacedRoleBinding({
		namespace,
		body: {
			metadata: { name: 'evict' },
			roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'evict' },
			subjects: [{ kind: 'ServiceAccount', name: 'no-rights', namespace }],
		},
	});
	const allowed = await waitFor(
		async () => {
			const response = await evictPod(cluster, namespace, 'rbac', { token });
			return response.status === 403 ? undefined : response;
		},
		{ what: 'the RoleBinding to take effect' },
	);
	assert.is(allowed.status, 201, allowed.text);
});

eviction.run();

const imds = suite('AEMM with IMDSv2 only (-I)');

imds('answers 401 without a session token and 200 with one', async () => {
	const aemm = await startAemm(['spot', '-a', 'terminate'], { imdsv2: true });
	try {
		const path = `${aemm.url}/latest/meta-data/spot/instance-action`;
		const anonymous = await fetch(path);
		assert.is(anonymous.status, 401);
		await anonymous.body?.cancel();

		const tokenResponse = await fetch(`${aemm.url}/latest/api/token`, {
			method: 'PUT',
			headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' },
		});
		assert.is(tokenResponse.status, 200);
		const token = await tokenResponse.text();
		assert.ok(token.length > 0);

		const withToken = await fetch(path, { headers: { 'X-aws-ec2-metadata-token': token } });
		assert.is(withToken.status, 200);
		const notice = v.parse(v.object({ action: v.string(), time: v.string() }), await withToken.json());
		assert.is(notice.action, 'terminate');
	} finally {
		await aemm.stop();
	}
});

imds.run();
