// The node actions (src/node/) and the lean client (src/kube/) against the real
// control plane: a real kube-apiserver applies our patches (resourceVersion
// preconditions, /status, taint and label validation, RBAC), kwok keeps the
// nodes Ready. The agent's calls go through connectKube + createKubeApi with a
// ServiceAccount token bound to the least-privilege ClusterRole below; every
// assertion reads the result back through the API as admin, never from logs.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- node-actions`).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1Node } from '@kubernetes/client-node';
import { KubeError } from '../../src/errors.ts';
import type { KubeApi } from '../../src/kube/api.ts';
import { createKubeApi } from '../../src/kube/client.ts';
import { allPermissions } from '../../src/kube/permissions.ts';
import { connectKube } from '../../src/kube/config.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { type Metrics, noopMetrics } from '../../src/metrics/types.ts';
import { clearTerminationCondition, setTerminationCondition, writeNodeAnnotation } from '../../src/node/conditions.ts';
import { cordonNode, uncordonNode } from '../../src/node/cordon.ts';
import type { NodeDeps } from '../../src/node/deps.ts';
import {
	actionLabel,
	actionTimeLabel,
	eventIdLabel,
	excludeFromLoadBalancers,
	excludeFromLoadBalancersLabel,
	labelForReboot,
	removeNodeLabels,
	removeNthLabels,
} from '../../src/node/labels.ts';
import { awsProviderId, findNode } from '../../src/node/lookup.ts';
import { uncordonAfterRebootCheck } from '../../src/node/reboot.ts';
import { addInterruptionTaint, addOutOfServiceTaint, addTaint, removeNthTaints } from '../../src/node/taints.ts';
import { createNodeRuntime } from '../../src/runtime/node.ts';
import {
	type RealCluster,
	apiRequest,
	connect,
	createNamespace,
	createNode,
	createPdb,
	createPod,
	createServiceAccountToken,
	deleteNamespace,
	deleteNode,
	kubeconfigForToken,
	waitFor,
} from '../real/harness.ts';

/**
 * The agent's ClusterRole (IMDS mode, events on, PDB_DEADLOCK_POLICY=delete):
 * exactly the verbs it uses, from the one list in src/kube/permissions.ts. No
 * `update` on nodes: every node write is a patch.
 */
const agentRules = allPermissions.map((permission) => ({
	apiGroups: [permission.group],
	resources: [permission.subresource ? `${permission.resource}/${permission.subresource}` : permission.resource],
	verbs: [permission.verb],
}));

/** A self-signed CA unrelated to the stack's (its key was thrown away): TLS must reject the apiserver with it. */
const selfSignedOtherCa = [
	'-----BEGIN CERTIFICATE-----',
	'MIIBjzCCATWgAwIBAgIUW0KLWKNSjHve5eV7SWHy9kYHXOgwCgYIKoZIzj0EAwIw',
	'HTEbMBkGA1UEAwwSbm90LXRoZS1jbHVzdGVyLWNhMB4XDTI2MTEyNTIzMTQ0NloX',
	'DTM2MTEyMjIzMTQ0NlowHTEbMBkGA1UEAwwSbm90LXRoZS1jbHVzdGVyLWNhMFkw',
	'EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUx8eaqn6HC6ZULC00YTnK/Ui19m30Ctk',
	'7oozT0Gxaf15QxErBo9roU5/IZVGq/iYRFhFMueXLZ0SR8eG5D+bLqNTMFEwHQYD',
	'VR0OBBYEFEzInogC1BXFP0x4sd/ARf8XVTYlMB8GA1UdIwQYMBaAFEzInogC1BXF',
	'P0x4sd/ARf8XVTYlMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIg',
	'QaBXa5YQhkNP0cD5pvh+5TsmOV39ykvls3Q0FvFk8PECIQDHxBpNgv57CEA5sfAJ',
	'3xm0KZrTMPvTdZSu8MPrb5E30w==',
	'-----END CERTIFICATE-----',
	'',
].join('\n');

const suffix = randomBytes(3).toString('hex');
const signal = new AbortController().signal;
const lines: string[] = [];

let cluster: RealCluster;
let namespace: string;
let roleName: string;
let kube: KubeApi;
let deniedKube: KubeApi;
const createdNodes: string[] = [];

function memoryLog(): Logger {
	return createLogger({
		level: 'debug',
		stdout: (text) => void lines.push(text.trimEnd()),
		stderr: (text) => void lines.push(text.trimEnd()),
	});
}

function counting(): Metrics & { readonly errors: () => number } {
	let errors = 0;
	return { ...noopMetrics(), errorCaught: () => void (errors += 1), errors: () => errors };
}

function deps(overrides: Partial<NodeDeps> = {}): NodeDeps {
	return { kube, log: memoryLog(), metrics: noopMetrics(), dryRun: false, ...overrides };
}

/** A real client authenticated with `token`, exactly as the agent builds it on a host with a kubeconfig. */
async function agentClient(token: string): Promise<KubeApi> {
	const runtime = createNodeRuntime();
	const connection = await connectKube(runtime.createFetch, { kubeconfig: kubeconfigForToken(cluster, token) });
	return createKubeApi({
		server: connection.server,
		fetch: connection.fetch,
		authHeaders: connection.authHeaders,
		onUnauthorized: connection.invalidate,
		qps: 50,
		burst: 100,
		log: memoryLog(),
		metrics: noopMetrics(),
		userAgent: 'nth-e2e/node-actions',
	});
}

async function node(name: string, options: Parameters<typeof createNode>[2] = {}): Promise<string> {
	createdNodes.push(name);
	await createNode(cluster, name, options);
	return name;
}

/** The node as the apiserver has it, read as admin. */
function read(name: string): Promise<V1Node> {
	return cluster.core.readNode({ name });
}

async function rejection(promise: Promise<unknown>): Promise<KubeError> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof KubeError) return error;
		throw error;
	}
	assert.unreachable('expected a KubeError');
	throw new Error('unreachable');
}

const setup = suite('node actions: setup');

setup('a token bound to the agent ClusterRole can read nodes; one without it cannot', async () => {
	cluster = connect();
	namespace = await createNamespace(cluster, 'node-actions');
	roleName = `nth-e2e-node-actions-${suffix}`;
	await cluster.rbac.createClusterRole({ body: { metadata: { name: roleName }, rules: agentRules } });
	const token = await createServiceAccountToken(cluster, namespace, 'nth');
	await cluster.rbac.createClusterRoleBinding({
		body: {
			metadata: { name: roleName },
			roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
			subjects: [{ kind: 'ServiceAccount', name: 'nth', namespace }],
		},
	});
	kube = await agentClient(token);
	deniedKube = await agentClient(await createServiceAccountToken(cluster, namespace, 'no-rights'));
	// RBAC reaches the authorizer's cache within a moment.
	await waitFor(async () => (await kube.listNodes({ limit: 1 }, signal)).items !== undefined, { what: 'agent RBAC effective' });
	const denied = await rejection(deniedKube.listNodes({ limit: 1 }, signal));
	assert.is(denied.status, 403);
});

setup('in cluster: the service-account files and KUBERNETES_SERVICE_HOST/PORT reach the apiserver, verifying its CA', async () => {
	const root = mkdtempSync(join(tmpdir(), 'nth-sa-'));
	try {
		const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'token'), await createServiceAccountToken(cluster, namespace, 'nth'));
		writeFileSync(join(dir, 'ca.crt'), Buffer.from(cluster.state.caData, 'base64'));
		const url = new URL(cluster.state.apiserverUrl);
		const inCluster = async () => {
			const connection = await connectKube(createNodeRuntime().createFetch, {
				serviceHost: url.hostname,
				servicePort: url.port,
				serviceAccountRoot: root,
			});
			return createKubeApi({ ...connection, qps: 5, burst: 10, log: memoryLog(), metrics: noopMetrics(), userAgent: 'nth-e2e/in-cluster' });
		};
		const listed = await (await inCluster()).listNodes({ limit: 1 }, signal);
		assert.ok(listed.resourceVersion !== '');

		// A CA that did not sign the apiserver's certificate: the TLS handshake fails, as KubeError without a status.
		writeFileSync(join(dir, 'ca.crt'), selfSignedOtherCa);
		const error = await rejection((await inCluster()).listNodes({ limit: 1 }, signal));
		assert.is(error.status, undefined);
		assert.match(error.message, /^Cannot list nodes: .*(certificate|self.signed|verify)/i);
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});

setup.run();

// ------------------------------------------------------------------------------------------------

const lookup = suite('findNode() on the real apiserver');

lookup(
	'prefers the exact host name over a short-name collision, maps a DNS name to a short-name label, and finds by providerID',
	async () => {
		const short = `ip-10-7-0-${suffix}`;
		await node(`${short}.us-west-2.compute.internal`, { labels: { 'kubernetes.io/hostname': short } });
		await node(`${short}.ec2.internal`, { providerID: awsProviderId('us-east-1a', `i-${suffix}1`) });
		const worker = await node(`worker-${suffix}`, {
			labels: { 'kubernetes.io/hostname': `ip-10-8-0-${suffix}` },
			providerID: awsProviderId('us-east-1b', `i-${suffix}2`),
		});
		const lookupDeps = { kube, log: memoryLog(), metrics: noopMetrics() };

		assert.is((await findNode(lookupDeps, { name: `${short}.ec2.internal` }, signal))?.metadata.name, `${short}.ec2.internal`);
		assert.is((await findNode(lookupDeps, { name: `ip-10-8-0-${suffix}.ec2.internal` }, signal))?.metadata.name, worker);
		assert.is(
			(await findNode(lookupDeps, { name: 'not-a-node', providerId: awsProviderId('us-east-1b', `i-${suffix}2`) }, signal))?.metadata.name,
			worker,
		);
		assert.is(await findNode(lookupDeps, { name: `ghost-${suffix}.ec2.internal` }, signal), undefined);
	},
);

lookup.run();

// ------------------------------------------------------------------------------------------------

const cordon = suite('cordon and uncordon on the real apiserver');

cordon('cordons, reports it was schedulable, and uncordons', async () => {
	const name = await node(`cordon-${suffix}`);
	assert.equal(await cordonNode(deps(), name, signal), { wasUnschedulable: false, changed: true });
	assert.is((await read(name)).spec?.unschedulable, true);
	assert.equal(await uncordonNode(deps(), name, signal), { wasUnschedulable: true, changed: true });
	assert.not.ok((await read(name)).spec?.unschedulable);
});

cordon('an admin-cordoned node is reported as such and never uncordoned after the reboot', async () => {
	const name = await node(`admin-${suffix}`, { unschedulable: true });
	const result = await cordonNode(deps(), name, signal);
	assert.equal(result, { wasUnschedulable: true, changed: false });
	// The pre-drain task asks for the post-reboot uncordon only when we cordoned.
	await labelForReboot(deps(), name, {
		mark: { eventId: `instance-event-${suffix}`, uncordonAfterReboot: !result.wasUnschedulable },
		signal,
	});
	const rebooted = { ...deps(), readTextFile: async () => '5.00 1.00\n' };
	assert.is(await uncordonAfterRebootCheck(rebooted, { nodeName: name }, signal), undefined);
	const after = await read(name);
	assert.is(after.spec?.unschedulable, true, "the admin's cordon stays");
	assert.is(after.metadata?.labels?.[actionLabel], undefined);
});

cordon('a missing node is KubeError 404', async () => {
	const error = await rejection(cordonNode(deps(), `ghost-${suffix}`, signal));
	assert.is(error.status, 404);
});

cordon.run();

// ------------------------------------------------------------------------------------------------

const taints = suite('taints on the real apiserver');

taints(
	'adds the interruption taint with the event id and effect, updates a stale value, adds out-of-service, removes only ours',
	async () => {
		const admin = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
		const name = await node(`taint-${suffix}`, { taints: [admin] });
		const longId = `asg-lifecycle-term-${'0123456789abcdef'.repeat(5)}`;
		await addInterruptionTaint(deps(), name, { taint: { kind: 'ASG_LIFECYCLE', eventId: longId, effect: 'NoSchedule' }, signal });
		await addInterruptionTaint(deps(), name, {
			taint: { kind: 'REBALANCE_RECOMMENDATION', eventId: 'rebalance-old', effect: 'PreferNoSchedule' },
			signal,
		});
		await addInterruptionTaint(deps(), name, {
			taint: { kind: 'REBALANCE_RECOMMENDATION', eventId: 'rebalance-new', effect: 'PreferNoSchedule' },
			signal,
		});
		await addOutOfServiceTaint(deps(), name, signal);
		const taintsOf = async () => ((await read(name)).spec?.taints ?? []).map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`);
		assert.equal(await taintsOf(), [
			'dedicated=gpu:NoSchedule',
			`aws-node-termination-handler/asg-lifecycle-termination=${longId.slice(0, 63)}:NoSchedule`,
			'aws-node-termination-handler/rebalance-recommendation=rebalance-new:PreferNoSchedule',
			'node.kubernetes.io/out-of-service=nodeshutdown:NoExecute',
		]);
		assert.is(longId.slice(0, 63).length, 63);
		const removed = await removeNthTaints(deps(), name, signal);
		assert.is(removed.length, 3);
		assert.equal(await taintsOf(), ['dedicated=gpu:NoSchedule']);
	},
);

taints("a write that loses a race gets a real 409, reads again and keeps the other writer's taint", async () => {
	const name = await node(`race-${suffix}`);
	const metrics = counting();
	let raced = false;
	let reads = 0;
	// Writer A reads the node, then writer B (another client, as admin) taints it before A's patch lands.
	const racing: KubeApi = {
		...kube,
		getNode: async (nodeName, s) => {
			reads += 1;
			return kube.getNode(nodeName, s);
		},
		patchNode: async (nodeName, patch, s) => {
			if (!raced) {
				raced = true;
				const current = await read(nodeName);
				await cluster.core.replaceNode({
					name: nodeName,
					body: {
						...current,
						spec: { ...current.spec, taints: [...(current.spec?.taints ?? []), { key: 'writer-b', value: 'x', effect: 'NoSchedule' }] },
					},
				});
			}
			return kube.patchNode(nodeName, patch, s);
		},
	};
	await addTaint(deps({ kube: racing, metrics }), name, { taint: { key: 'writer-a', value: 'y', effect: 'NoSchedule' }, signal });
	const keys = ((await read(name)).spec?.taints ?? []).map((t) => t.key).sort();
	assert.equal(keys, ['writer-a', 'writer-b']);
	assert.is(metrics.errors(), 1, 'exactly one conflict was retried');
	assert.is(reads, 2);
});

taints('eight concurrent writers each add their taint; none is lost', async () => {
	const name = await node(`crowd-${suffix}`);
	const writers = Array.from({ length: 8 }, (_, index) =>
		addTaint(deps(), name, { taint: { key: `crowd/w${index}`, value: 'v', effect: 'NoSchedule' }, signal }),
	);
	await Promise.all(writers);
	const keys = ((await read(name)).spec?.taints ?? []).map((t) => t.key).sort();
	assert.equal(
		keys,
		Array.from({ length: 8 }, (_, index) => `crowd/w${index}`),
	);
});

taints.run();

// ------------------------------------------------------------------------------------------------

const labels = suite('labels on the real apiserver');

labels('reboot labels, our exclude-LB label, and their removal; absent labels are no error', async () => {
	const name = await node(`label-${suffix}`);
	await labelForReboot(deps(), name, { mark: { eventId: `instance-event-${suffix}`, uncordonAfterReboot: true }, signal });
	assert.is(await excludeFromLoadBalancers(deps(), name, signal), true);
	const labelled = (await read(name)).metadata?.labels ?? {};
	assert.is(labelled[eventIdLabel], `instance-event-${suffix}`);
	assert.is(labelled[actionLabel], 'UncordonAfterReboot');
	assert.match(labelled[actionTimeLabel] ?? '', /^\d{10}$/);
	assert.is(labelled[excludeFromLoadBalancersLabel], 'aws-node-termination-handler');
	await removeNodeLabels(deps(), name, { keys: ['never-there', 'also/absent'], signal });
	assert.equal(await removeNthLabels(deps(), name, signal), [eventIdLabel, actionLabel, actionTimeLabel, excludeFromLoadBalancersLabel]);
	const after = (await read(name)).metadata?.labels ?? {};
	for (const key of [eventIdLabel, actionLabel, actionTimeLabel, excludeFromLoadBalancersLabel]) assert.is(after[key], undefined, key);
	assert.is(after['kubernetes.io/hostname'], name);
});

labels('an exclude-LB label someone else set is neither overwritten nor removed (NTH §8.1)', async () => {
	const name = await node(`exclude-${suffix}`, { labels: { [excludeFromLoadBalancersLabel]: 'ops-team' } });
	assert.is(await excludeFromLoadBalancers(deps(), name, signal), false);
	assert.equal(await removeNthLabels(deps(), name, signal), []);
	assert.is((await read(name)).metadata?.labels?.[excludeFromLoadBalancersLabel], 'ops-team');
});

labels('after a reboot the check uncordons and removes our labels and taints', async () => {
	const name = await node(`reboot-${suffix}`);
	await cordonNode(deps(), name, signal);
	await labelForReboot(deps({ now: () => new Date(Date.now() - 600_000) }), name, {
		mark: { eventId: `instance-event-${suffix}`, uncordonAfterReboot: true },
		signal,
	});
	await addInterruptionTaint(deps(), name, {
		taint: { kind: 'SCHEDULED_EVENT', eventId: `instance-event-${suffix}`, effect: 'NoSchedule' },
		signal,
	});
	const rebooted = { ...deps(), readTextFile: async () => '120.00 50.00\n' };
	assert.is(await uncordonAfterRebootCheck(rebooted, { nodeName: name }, signal), `instance-event-${suffix}`);
	const after = await read(name);
	assert.not.ok(after.spec?.unschedulable);
	assert.is(after.metadata?.labels?.[eventIdLabel], undefined);
	assert.equal(after.spec?.taints ?? [], []);
});

labels.run();

// ------------------------------------------------------------------------------------------------

const status = suite('condition and annotation on the real apiserver');

status('sets TerminationHandling through /status beside Ready, moves it, clears it', async () => {
	const name = await node(`condition-${suffix}`);
	await setTerminationCondition(deps(), name, { condition: { status: 'True', reason: 'Draining', message: 'Draining 0 pods' }, signal });
	const condition = async () => (await read(name)).status?.conditions?.find((c) => c.type === 'TerminationHandling');
	assert.equal(
		[(await condition())?.status, (await condition())?.reason, (await condition())?.message],
		['True', 'Draining', 'Draining 0 pods'],
	);
	const firstTransition = (await condition())?.lastTransitionTime;
	assert.ok(firstTransition);
	await setTerminationCondition(deps({ now: () => new Date(Date.now() + 5_000) }), name, {
		condition: { status: 'True', reason: 'Drained', message: 'done' },
		signal,
	});
	assert.is((await condition())?.reason, 'Drained');
	assert.equal((await condition())?.lastTransitionTime, firstTransition, 'same status: the transition time stays');
	assert.ok(
		(await read(name)).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
		"kwok's Ready condition is untouched",
	);
	await clearTerminationCondition(deps(), name, signal);
	assert.is(await condition(), undefined);
	assert.ok((await read(name)).status?.conditions?.some((c) => c.type === 'Ready'));
});

status('writes a JSON annotation, refuses a stale compare-and-swap with 409, removes it with null', async () => {
	const name = await node(`annotation-${suffix}`);
	const key = 'aws-node-termination-handler/incident';
	const written = await writeNodeAnnotation(deps(), { nodeName: name, key, value: { id: 'e1', phase: 'Draining' } }, signal);
	assert.equal(JSON.parse((await read(name)).metadata?.annotations?.[key] ?? ''), { id: 'e1', phase: 'Draining' });
	const staleVersion = written?.metadata.resourceVersion;
	await cluster.core.patchNode({ name, body: [{ op: 'add', path: '/metadata/labels/touched', value: 'yes' }] });
	const conflict = await rejection(
		writeNodeAnnotation(deps(), { nodeName: name, key, value: { id: 'e2' }, resourceVersion: staleVersion }, signal),
	);
	assert.is(conflict.status, 409);
	assert.is(conflict.reason, 'Conflict');
	assert.equal(JSON.parse((await read(name)).metadata?.annotations?.[key] ?? ''), { id: 'e1', phase: 'Draining' });
	await writeNodeAnnotation(deps(), { nodeName: name, key, value: null }, signal);
	assert.is((await read(name)).metadata?.annotations?.[key], undefined);
});

status.run();

// ------------------------------------------------------------------------------------------------

const dryRun = suite('dry run on the real apiserver');

dryRun('every action reads but changes nothing', async () => {
	const name = await node(`dry-${suffix}`, {
		labels: { [eventIdLabel]: 'e-old' },
		taints: [{ key: 'aws-node-termination-handler/spot-itn', value: 'e-old', effect: 'NoSchedule' }],
	});
	const before = await read(name);
	const dry = deps({ dryRun: true });
	await cordonNode(dry, name, signal);
	await addInterruptionTaint(dry, name, { taint: { kind: 'SPOT_ITN', eventId: 'e-new', effect: 'NoExecute' }, signal });
	await addOutOfServiceTaint(dry, name, signal);
	await labelForReboot(dry, name, { mark: { eventId: 'e-new', uncordonAfterReboot: true }, signal });
	await excludeFromLoadBalancers(dry, name, signal);
	await removeNthLabels(dry, name, signal);
	await removeNthTaints(dry, name, signal);
	await uncordonNode(dry, name, signal);
	await setTerminationCondition(dry, name, { condition: { status: 'True', reason: 'Draining', message: 'm' }, signal });
	await writeNodeAnnotation(dry, { nodeName: name, key: 'k', value: { a: 1 } }, signal);
	const after = await read(name);
	// kwok's heartbeats move status and the resourceVersion, so compare what the actions would have written.
	assert.equal(after.spec, before.spec);
	assert.equal(after.metadata?.labels, before.metadata?.labels);
	assert.equal(after.metadata?.annotations, before.metadata?.annotations);
	assert.is(
		after.status?.conditions?.find((c) => c.type === 'TerminationHandling'),
		undefined,
	);
});

dryRun.run();

// ------------------------------------------------------------------------------------------------

const client = suite('the lean client on the real apiserver');

client('a token without the role gets KubeError 403 Forbidden for reads and writes', async () => {
	const name = await node(`forbidden-${suffix}`);
	const read403 = await rejection(deniedKube.getNode(name, signal));
	assert.is(read403.status, 403);
	assert.is(read403.reason, 'Forbidden');
	assert.match(
		read403.message,
		new RegExp(
			`^Cannot get node "${name}": nodes "${name}" is forbidden: User "system:serviceaccount:${namespace}:no-rights" cannot get resource "nodes"`,
		),
	);
	const write403 = await rejection(cordonNode({ ...deps(), kube: deniedKube }, name, signal));
	assert.is(write403.status, 403);
	assert.not.ok((await read(name)).spec?.unschedulable);
});

client("lists pods by node with paging and streams a watch from the list's resourceVersion", async () => {
	const name = await node(`watch-${suffix}`);
	for (const pod of ['a', 'b', 'c']) await createPod(cluster, namespace, `${pod}-${suffix}`, { nodeName: name, waitRunning: false });
	const page = await kube.listPods({ fieldSelector: `spec.nodeName=${name}`, limit: 2 }, signal);
	assert.is(page.items.length, 2);
	assert.ok(page.continue);
	const all = await kube.listPods({ fieldSelector: `spec.nodeName=${name}` }, signal);
	assert.equal(all.items.map((pod) => pod.metadata.name).sort(), [`a-${suffix}`, `b-${suffix}`, `c-${suffix}`]);
	assert.is(all.items[0]?.metadata['managedFields'], undefined);

	const controller = new AbortController();
	const seen: string[] = [];
	const watching = (async () => {
		for await (const event of kube.watchPods(
			{ resourceVersion: all.resourceVersion, fieldSelector: `spec.nodeName=${name}` },
			controller.signal,
		)) {
			if (event.type === 'ADDED') seen.push(event.object.metadata.name);
			if (seen.includes(`d-${suffix}`)) controller.abort();
		}
	})();
	await createPod(cluster, namespace, `d-${suffix}`, { nodeName: name, waitRunning: false });
	await waitFor(() => controller.signal.aborted, { what: 'the ADDED event of the new pod', timeoutMs: 20_000 });
	await watching;
	assert.equal(seen, [`d-${suffix}`]);
});

client('an eviction a PDB blocks is KubeError 429 TooManyRequests; events are created and patched', async () => {
	const name = await node(`evict-${suffix}`);
	await createPod(cluster, namespace, `guarded-${suffix}`, { nodeName: name, labels: { app: `guarded-${suffix}` } });
	await createPdb(cluster, namespace, `guarded-${suffix}`, { selector: { app: `guarded-${suffix}` }, minAvailable: 1 });
	const blocked = await rejection(kube.evictPod(namespace, `guarded-${suffix}`, {}, signal));
	assert.is(blocked.status, 429);
	assert.is(blocked.reason, 'TooManyRequests');
	assert.match(
		blocked.message,
		new RegExp(`^Cannot evict pod "${namespace}/guarded-${suffix}": Cannot evict pod as it would violate the pod's disruption budget`),
	);
	const pdbs = await kube.listPodDisruptionBudgets({ namespace }, signal);
	assert.is(pdbs.items.find((pdb) => pdb.metadata.name === `guarded-${suffix}`)?.status.disruptionsAllowed, 0);

	// A Node is cluster-scoped: its events must live in "default" (the apiserver rejects any other namespace).
	const event = {
		name: `${name}.${suffix}`,
		namespace: 'default',
		involvedObject: { kind: 'Node' as const, name, apiVersion: 'v1' as const },
		reason: 'Cordon',
		message: 'Node successfully cordoned',
		type: 'Normal' as const,
		annotations: { 'instance-id': `i-${suffix}` },
		source: { component: 'aws-node-termination-handler', host: name },
		firstTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
		lastTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
		count: 1,
	};
	await kube.createEvent(event, signal);
	const duplicate = await rejection(kube.createEvent(event, signal));
	assert.is(duplicate.status, 409);
	await kube.patchEvent(
		'default',
		event.name,
		{ count: 2, lastTimestamp: event.lastTimestamp, message: 'Node successfully cordoned (again)' },
		signal,
	);
	const stored = await apiRequest(cluster, 'GET', `/api/v1/namespaces/default/events/${event.name}`);
	await cluster.core.deleteNamespacedEvent({ namespace: 'default', name: event.name });
	assert.is(stored.status, 200, stored.text);
	const body: unknown = stored.body;
	assert.ok(typeof body === 'object' && body !== null);
	assert.is(Reflect.get(body, 'count'), 2);
	assert.is(Reflect.get(body, 'message'), 'Node successfully cordoned (again)');
	assert.equal(Reflect.get(body, 'involvedObject'), { kind: 'Node', name, apiVersion: 'v1' });
});

client.after(async () => {
	await Promise.all(createdNodes.map((name) => deleteNode(cluster, name)));
	await deleteNamespace(cluster, namespace, { wait: false });
	await cluster.rbac.deleteClusterRoleBinding({ name: roleName });
	await cluster.rbac.deleteClusterRole({ name: roleName });
});

client.run();
