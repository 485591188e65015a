// drainNode() against the real control plane: the real apiserver's eviction
// subresource (429 from PDBs, 500 for two PDBs), the real disruption controller
// keeping disruptionsAllowed, the real ReplicaSet controller and scheduler
// placing replacements, kwok removing evicted pods. The drain runs in-process
// through the real KubeApi client with the admin token; every assertion reads
// the cluster back through the API.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- drain`).
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type DrainOptions, type DrainResult, drainNode } from '../../src/drain/drain.ts';
import type { KubeApi } from '../../src/kube/api.ts';
import type { Pod } from '../../src/kube/schemas.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { type Metrics, noopMetrics } from '../../src/metrics/types.ts';
import type { EventRecorder } from '../../src/notify/types.ts';
import {
	type RealCluster,
	connect,
	createDeployment,
	createNamespace,
	createNode,
	createPdb,
	createPod,
	deleteNamespace,
	deleteNode,
	waitFor,
	waitForPodGone,
	waitForPodRunning,
} from '../real/harness.ts';
import { adminKubeApi, apiRecorder } from '../support/admin-kube-api.ts';

let cluster: RealCluster;
let kube: KubeApi;
const nodes: string[] = [];
const namespaces: string[] = [];
const lines: string[] = [];

function log(): Logger {
	// Kept in memory and printed only when a test fails (uvu shows the assertion; the lines explain it).
	return createLogger({
		level: 'debug',
		stdout: (text) => void lines.push(text.trimEnd()),
		stderr: (text) => void lines.push(text.trimEnd()),
	});
}

function counting(): Metrics & { readonly counts: Record<string, number> } {
	const counts: Record<string, number> = {};
	const bump = (key: string): void => {
		counts[key] = (counts[key] ?? 0) + 1;
	};
	return {
		...noopMetrics(),
		evictionBlocked: (block) => bump(`blocked:${block}`),
		podEvicted: (outcome) => bump(`pod:${outcome}`),
		errorCaught: (component) => bump(`error:${component}`),
		counts,
	};
}

async function newNode(suffix: string, options: { readonly unschedulable?: boolean; readonly group?: string } = {}): Promise<string> {
	const name = `drain-${randomBytes(3).toString('hex')}-${suffix}`;
	await createNode(cluster, name, {
		labels: { 'e2e.nth.dev/drain-group': options.group ?? name },
		...(options.unschedulable === undefined ? {} : { unschedulable: options.unschedulable }),
	});
	nodes.push(name);
	return name;
}

async function newNamespace(): Promise<string> {
	const name = await createNamespace(cluster, 'drain');
	namespaces.push(name);
	return name;
}

async function setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
	await kube.patchNode(name, { type: 'merge', body: { spec: { unschedulable } } }, new AbortController().signal);
}

async function drain(
	node: string,
	overrides: Partial<DrainOptions> & { readonly deadlineInMs: number },
	recorder: EventRecorder,
	metrics: Metrics = noopMetrics(),
): Promise<DrainResult> {
	const { deadlineInMs, ...rest } = overrides;
	const options: DrainOptions = {
		nodeName: node,
		deadline: new Date(Date.now() + deadlineInMs),
		podGracePeriodSeconds: -1,
		deleteLocalData: true,
		ignoreDaemonSets: true,
		evictDaemonSetPods: false,
		pdbDeadlockPolicy: 'wait',
		useApiserverCache: false,
		...rest,
	};
	const result = await drainNode({ kube, log: log(), metrics, recorder }, options, AbortSignal.timeout(deadlineInMs + 60_000));
	await recorder.flush(AbortSignal.timeout(10_000));
	return result;
}

async function podEvents(namespace: string, pod: string): Promise<{ reason: string; type: string; message: string }[]> {
	const list = await cluster.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pod}` });
	return list.items.map((event) => ({ reason: event.reason ?? '', type: event.type ?? '', message: event.message ?? '' }));
}

const e2e = suite('drainNode() on the real control plane');

e2e.before(() => {
	cluster = connect();
	kube = adminKubeApi(cluster.state, { userAgent: 'nth-e2e-drain', log: log() });
});

e2e.after.each((context) => {
	if (context.__test__ !== '' && lines.length > 0 && process.exitCode === 1) console.error(lines.slice(-60).join('\n'));
	lines.length = 0;
});

e2e.after(async () => {
	for (const namespace of namespaces) await deleteNamespace(cluster, namespace, { wait: true });
	for (const node of nodes) await deleteNode(cluster, node);
});

e2e('policy wait: a minAvailable 1 PDB over the only pod blocks it until the deadline, with a Warning event naming the PDB', async () => {
	const namespace = await newNamespace();
	const node = await newNode('wait');
	await createPod(cluster, namespace, 'guarded', {
		nodeName: node,
		labels: { app: 'guarded' },
		ownerKind: 'ReplicaSet',
		terminationGracePeriodSeconds: 5,
	});
	await createPdb(cluster, namespace, 'guarded', { selector: { app: 'guarded' }, minAvailable: 1 });
	const started = Date.now();
	const result = await drain(node, { deadlineInMs: 12_000, pdbDeadlockPolicy: 'wait' }, apiRecorder(kube));
	const elapsed = Date.now() - started;
	assert.is(result.ok, false);
	assert.equal(result.remaining, [`${namespace}/guarded`]);
	assert.equal(result.blocked, [{ pod: `${namespace}/guarded`, pdbs: [`${namespace}/guarded`] }]);
	assert.match(result.error ?? '', `"${namespace}/guarded" blocked by PodDisruptionBudget "${namespace}/guarded"`);
	assert.ok(elapsed >= 11_000 && elapsed < 20_000, `returned after ${elapsed} ms for a 12 s deadline`);
	const pod = await cluster.core.readNamespacedPod({ namespace, name: 'guarded' });
	assert.is(pod.metadata?.deletionTimestamp, undefined, 'the pod is untouched');
	const events = (await podEvents(namespace, 'guarded')).filter((event) => event.reason === 'EvictionBlocked');
	assert.is(events.length, 1);
	assert.is(events[0]?.type, 'Warning');
	assert.match(events[0]?.message ?? '', `blocked by PodDisruptionBudget "${namespace}/guarded"`);
	assert.match(events[0]?.message ?? '', 'PDB_DEADLOCK_POLICY=wait');
});

e2e('policy delete: the blocked pod is deleted near the deadline, with a Warning event naming the PDB', async () => {
	const namespace = await newNamespace();
	const node = await newNode('delete');
	await createPod(cluster, namespace, 'guarded', {
		nodeName: node,
		labels: { app: 'guarded' },
		ownerKind: 'ReplicaSet',
		terminationGracePeriodSeconds: 5,
	});
	await createPdb(cluster, namespace, 'guarded', { selector: { app: 'guarded' }, minAvailable: 1 });
	const metrics = counting();
	const result = await drain(node, { deadlineInMs: 12_000, pdbDeadlockPolicy: 'delete' }, apiRecorder(kube), metrics);
	assert.equal({ ok: result.ok, deleted: result.deleted, remaining: result.remaining }, { ok: true, deleted: 1, remaining: [] });
	await waitForPodGone(cluster, namespace, 'guarded', { timeoutMs: 5_000 });
	// The budget watch showed 0 disruptions allowed, so no eviction was even sent: straight to the deadlock policy.
	assert.is(result.evicted, 0);
	assert.is(metrics.counts['pod:deleted'], 1);
	const events = (await podEvents(namespace, 'guarded')).filter((event) => event.reason === 'PodDeletedPastBudget');
	assert.is(events.length, 1);
	assert.is(events[0]?.type, 'Warning');
	assert.match(events[0]?.message ?? '', `PodDisruptionBudget "${namespace}/guarded"`);
});

e2e('two PDBs over one pod: the 500 is reported naming both PDBs', async () => {
	const namespace = await newNamespace();
	const node = await newNode('double');
	await createPod(cluster, namespace, 'double', { nodeName: node, labels: { app: 'double' }, ownerKind: 'ReplicaSet' });
	await createPdb(cluster, namespace, 'double-a', { selector: { app: 'double' }, minAvailable: 0 });
	await createPdb(cluster, namespace, 'double-b', { selector: { app: 'double' }, minAvailable: 0 });
	const metrics = counting();
	const result = await drain(node, { deadlineInMs: 8_000 }, apiRecorder(kube), metrics);
	assert.is(result.ok, false);
	assert.equal(result.blocked, [{ pod: `${namespace}/double`, pdbs: [`${namespace}/double-a`, `${namespace}/double-b`] }]);
	assert.match(
		result.error ?? '',
		`Cannot evict pod "${namespace}/double": it matches more than one PodDisruptionBudget ("${namespace}/double-a", "${namespace}/double-b")`,
	);
	assert.ok((metrics.counts['blocked:multiple-pdbs'] ?? 0) >= 1);
	const pod = await cluster.core.readNamespacedPod({ namespace, name: 'double' });
	assert.is(pod.metadata?.deletionTimestamp, undefined);
});

e2e('60 pods go in priority order: ordinary, then system-cluster-critical, then system-node-critical', async () => {
	const namespace = await newNamespace();
	const node = await newNode('order');
	const classes: Record<string, string | undefined> = {
		ordinary: undefined,
		cluster: 'system-cluster-critical',
		node: 'system-node-critical',
	};
	const names: string[] = [];
	for (const [group, priorityClassName] of Object.entries(classes)) {
		for (let index = 0; index < 20; index += 1) {
			const name = `${group}-${index}`;
			names.push(name);
			await createPod(cluster, namespace, name, {
				nodeName: node,
				labels: { group },
				deleteDelay: '500ms',
				waitRunning: false,
				...(priorityClassName === undefined ? {} : { priorityClassName }),
			});
		}
	}
	for (const name of names) await waitForPodRunning(cluster, namespace, name);
	const created = await cluster.core.readNamespacedPod({ namespace, name: 'node-0' });
	assert.is(created.spec?.priority, 2_000_001_000, 'the Priority admission plugin resolved the class');

	// Record when each pod starts terminating, from a watch of our own.
	const deletions = new Map<string, number>();
	const watching = new AbortController();
	const listed = await kube.listPods({ namespace }, watching.signal);
	const watcher = (async () => {
		try {
			for await (const event of kube.watchPods({ namespace, resourceVersion: listed.resourceVersion }, watching.signal)) {
				const pod: Pod = event.object;
				if ((event.type === 'DELETED' || pod.metadata.deletionTimestamp) && !deletions.has(pod.metadata.name))
					deletions.set(pod.metadata.name, deletions.size);
				if (deletions.size === names.length) break;
			}
		} catch (error) {
			if (!watching.signal.aborted) throw error;
		}
	})();
	const result = await drain(node, { deadlineInMs: 60_000 }, apiRecorder(kube));
	watching.abort();
	await watcher;
	assert.is(result.ok, true, result.error);
	assert.is(result.evicted, 60);
	assert.is(deletions.size, 60);
	const rank = (group: string): number[] => names.filter((name) => name.startsWith(`${group}-`)).map((name) => deletions.get(name) ?? -1);
	const [ordinary, clusterCritical, nodeCritical] = [rank('ordinary'), rank('cluster'), rank('node')];
	assert.ok(Math.max(...ordinary) < Math.min(...clusterCritical), `ordinary ${ordinary} before cluster-critical ${clusterCritical}`);
	assert.ok(
		Math.max(...clusterCritical) < Math.min(...nodeCritical),
		`cluster-critical ${clusterCritical} before node-critical ${nodeCritical}`,
	);
});

e2e('Deployments under maxUnavailable PDBs drain fully, paced by the budgets, replacements on spare nodes', async () => {
	const namespace = await newNamespace();
	const group = `g-${randomBytes(3).toString('hex')}`;
	const node = await newNode('busy', { group });
	const spares = [await newNode('spare1', { group, unschedulable: true }), await newNode('spare2', { group, unschedulable: true })];
	const apps = ['alpha', 'beta'];
	for (const app of apps) {
		await createDeployment(cluster, namespace, app, {
			replicas: 10,
			labels: { app },
			nodeSelector: { 'e2e.nth.dev/drain-group': group },
			timeoutMs: 90_000,
		});
		await createPdb(cluster, namespace, app, { selector: { app }, maxUnavailable: '10%' });
	}
	const before = await kube.listPods({ namespace }, new AbortController().signal);
	assert.is(before.items.filter((pod) => pod.spec.nodeName === node).length, 20, 'all 20 replicas start on the busy node');
	await setUnschedulable(node, true);
	for (const spare of spares) await setUnschedulable(spare, false);

	const metrics = counting();
	const started = Date.now();
	const result = await drain(node, { deadlineInMs: 120_000 }, apiRecorder(kube), metrics);
	const seconds = (Date.now() - started) / 1000;
	assert.is(result.ok, true, result.error);
	assert.is(result.evicted, 20);
	console.log(
		`  20 pods under 2 PDBs (maxUnavailable 10 %) drained in ${seconds.toFixed(1)} s; 429 answers: ${metrics.counts['blocked:pdb'] ?? 0}`,
	);
	// Pacing: the drain asked only when a budget had room, so refusals stay rare.
	assert.ok((metrics.counts['blocked:pdb'] ?? 0) <= 4, `429 answers: ${metrics.counts['blocked:pdb'] ?? 0}`);
	await waitFor(
		async () => {
			const pods = await kube.listPods({ namespace }, new AbortController().signal);
			const ready = pods.items.filter((pod) => spares.includes(pod.spec.nodeName ?? '') && !pod.metadata.deletionTimestamp);
			return pods.items.every((pod) => pod.spec.nodeName !== node) && ready.length === 20;
		},
		{ timeoutMs: 30_000, what: '20 replacements on the spare nodes and none on the drained node' },
	);
	for (const app of apps) {
		await waitFor(async () => (await cluster.apps.readNamespacedDeployment({ namespace, name: app })).status?.readyReplicas === 10, {
			timeoutMs: 30_000,
			what: `deployment "${app}" back to 10 ready replicas`,
		});
	}
});

e2e.run();
