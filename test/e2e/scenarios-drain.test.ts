// End-to-end: the built agent (dist/nth) draining against the real control plane and
// AEMM, with a ServiceAccount token bound to the ClusterRole of manifests/ (plus its
// kustomize components where a scenario needs them):
// - a PodDisruptionBudget that blocks until the deadline, under PDB_DEADLOCK_POLICY
//   wait (the pod stays, EvictionBlocked) and delete (the pod goes, PodDeletedPastBudget);
// - 60 pods in three priority groups, evicted ordinary → cluster-critical → node-critical
//   (order taken from a watch of the apiserver);
// - the agent SIGKILLed mid-drain and restarted resumes from the record on the Node
//   (attempts grows, one start webhook, every pod off the node), for a spot ITN and
//   for a scheduled maintenance event.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- scenarios-drain`).
import { Watch, type V1Pod } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { sleep } from '../../src/clock.ts';
import { startAemm } from '../real/aemm.ts';
import { createDeployment, createNode, createPdb, deleteNode, waitFor } from '../real/harness.ts';
import type { AgentProcess } from './agent-process.ts';
import {
	agentEnv,
	appPods,
	ScenarioKit,
	describeNode,
	inPhase,
	livePodsOnNode,
	podEvents,
	readNodeState,
	type Scenario,
	startWebhookReceiver,
	uidsOf,
	waitForEvicted,
	waitForNode,
	withAgentLog,
} from './scenarios-kit.ts';

const kit = new ScenarioKit();
const { cleanup, scenario, agent: agentFor } = kit;

const drain = suite('scenarios: drains');

kit.attach(drain);

/** RFC 3339 without milliseconds, as AEMM's `spot -t` wants it. */
function rfc3339(ms: number): string {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ------------------------------------------------------------ PDB deadlock

/**
 * A spot ITN whose notice time is fixed `noticeInSeconds` ahead, a node with two
 * ordinary pods and one pod guarded by a minAvailable: 1 PDB (a Deployment of 1: its
 * budget never has room), events on. Returns the deadline the agent works to.
 */
async function pdbDeadlock(
	label: string,
	policy: 'wait' | 'delete',
	kubeconfig: string,
): Promise<{ sc: Scenario; agent: AgentProcess; deadlineMs: number; guarded: V1Pod; web: string[] }> {
	const sc = await scenario(label, { replicas: 2 });
	const web = uidsOf(await appPods(kit.cluster, sc));
	await createDeployment(kit.cluster, sc.namespace, 'guarded', {
		replicas: 1,
		labels: { app: 'guarded' },
		nodeSelector: { 'kubernetes.io/hostname': sc.node },
	});
	const pdb = await createPdb(kit.cluster, sc.namespace, 'guarded', { selector: { app: 'guarded' }, minAvailable: 1 });
	assert.is(pdb.status?.disruptionsAllowed, 0);
	const [guarded] = (await kit.cluster.core.listNamespacedPod({ namespace: sc.namespace, labelSelector: 'app=guarded' })).items;
	assert.ok(guarded);
	const noticeMs = Math.ceil(Date.now() / 1000) * 1000 + 25_000;
	const margin = 2;
	const aemm = await startAemm(['spot', '-a', 'terminate', '-t', rfc3339(noticeMs)]);
	cleanup.add(() => aemm.stop());
	const agent = await agentFor(
		agentEnv(sc, kubeconfig, aemm, {
			ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
			DRAIN_SAFETY_MARGIN: String(margin),
			PDB_DEADLOCK_POLICY: policy,
			EMIT_KUBERNETES_EVENTS: 'true',
		}),
		`PDB ${policy}`,
	);
	const draining = await waitForNode(kit.cluster, sc.node, 'draining', (s) => s.incident !== undefined && s.incident.phase !== 'Pending');
	const deadlineMs = noticeMs - margin * 1000;
	assert.is(draining.incident?.deadline, new Date(deadlineMs).toISOString(), "deadline = AEMM's notice time minus DRAIN_SAFETY_MARGIN");
	return { sc, agent, deadlineMs, guarded, web };
}

drain('PDB deadlock, policy wait: the guarded pod is still there after the deadline; EvictionBlocked names the PDB', async () => {
	const kubeconfig = await kit.kubeconfig(['events']);
	const { sc, agent, deadlineMs, guarded, web } = await pdbDeadlock('pdbwait', 'wait', kubeconfig);
	await waitForEvicted(kit.cluster, sc, web, 20_000);
	await sleep(deadlineMs + 2000 - Date.now());

	const pod = await kit.cluster.core.readNamespacedPod({ namespace: sc.namespace, name: guarded.metadata?.name ?? '' });
	assert.is(pod.metadata?.uid, guarded.metadata?.uid, 'the guarded pod is still there after the deadline');
	assert.is(pod.metadata?.deletionTimestamp, undefined, 'and not terminating');
	const blocked = (await podEvents(kit.cluster, sc.namespace)).filter((event) => event.reason === 'EvictionBlocked');
	assert.is(blocked.length, 1, `one EvictionBlocked event: ${blocked.map((e) => e.message).join(' | ')}`);
	const [event] = blocked;
	assert.is(event?.type, 'Warning');
	assert.is(event?.involvedObject.name, guarded.metadata?.name);
	assert.match(event?.message ?? '', new RegExp(`PodDisruptionBudget "${sc.namespace}/guarded"`));
	assert.match(event?.message ?? '', /PDB_DEADLOCK_POLICY=wait/);
	assert.ok(Date.parse(String(event?.firstTimestamp ?? event?.eventTime)) < deadlineMs, 'warned before the deadline');
	const state = await readNodeState(kit.cluster, sc.node);
	assert.ok(state.unschedulable, describeNode(state));
	assert.ok(state.incident && ['Failed', 'Draining'].includes(state.incident.phase), `not drained: ${describeNode(state)}`);
	assert.ok(agent.matching(/There was a problem while trying to cordon and drain the node/).length >= 1, agent.tail());
	assert.is(agent.matching('PodDeletedPastBudget').length, 0);
});

drain(
	'PDB deadlock, policy delete (manifests/components/pdb-delete RBAC): the guarded pod is deleted before the deadline; PodDeletedPastBudget',
	async () => {
		const kubeconfig = await kit.kubeconfig(['events', 'pdb-delete']);
		const { sc, deadlineMs, guarded } = await pdbDeadlock('pdbdelete', 'delete', kubeconfig);
		const drained = await waitForNode(kit.cluster, sc.node, 'drained', (s) => inPhase(s, 'Drained'), deadlineMs - Date.now() + 5000);
		assert.ok(Date.now() < deadlineMs, 'drained before the deadline');
		assert.match(drained.incident?.message ?? '', /drained/);
		const pods = await kit.cluster.core.listNamespacedPod({ namespace: sc.namespace, labelSelector: 'app=guarded' });
		assert.not.ok(
			pods.items.some((p) => p.metadata?.uid === guarded.metadata?.uid),
			'the guarded pod is gone',
		);
		const deleted = (await podEvents(kit.cluster, sc.namespace)).filter((event) => event.reason === 'PodDeletedPastBudget');
		assert.is(deleted.length, 1, deleted.map((e) => e.message).join(' | '));
		assert.is(deleted[0]?.type, 'Warning');
		assert.is(deleted[0]?.involvedObject.name, guarded.metadata?.name);
		assert.match(deleted[0]?.message ?? '', new RegExp(`PodDisruptionBudget "${sc.namespace}/guarded"`));
		assert.equal((await livePodsOnNode(kit.cluster, sc)).length, 0, 'every pod is off the node');
	},
);

// ------------------------------------------------------------ priorities

const PriorityGroupOrder = ['ordinary', 'cluster-critical', 'node-critical'] as const;
type Group = (typeof PriorityGroupOrder)[number];
/** What the deletion-order watch reads of a pod (client-node hands the object over untyped). */
const WatchedPodSchema = v.looseObject({ metadata: v.looseObject({ name: v.string(), deletionTimestamp: v.optional(v.unknown()) }) });

drain(
	'60 pods in three priority groups are evicted in order: ordinary, then system-cluster-critical, then system-node-critical',
	async () => {
		const kubeconfig = await kit.kubeconfig();
		const sc = await scenario('prio', { replicas: 0 });
		// Names sort the other way round, so evicting in list order would fail the test.
		const groups: { readonly name: string; readonly group: Group; readonly replicas: number; readonly priorityClassName?: string }[] = [
			{ name: 'aaa-node', group: 'node-critical', replicas: 8, priorityClassName: 'system-node-critical' },
			{ name: 'bbb-cluster', group: 'cluster-critical', replicas: 12, priorityClassName: 'system-cluster-critical' },
			{ name: 'zzz-ordinary', group: 'ordinary', replicas: 40 },
		];
		await Promise.all(
			groups.map((g) =>
				kit.cluster.apps.createNamespacedDeployment({
					namespace: sc.namespace,
					body: {
						metadata: { name: g.name },
						spec: {
							replicas: g.replicas,
							selector: { matchLabels: { group: g.group } },
							template: {
								metadata: { labels: { group: g.group }, annotations: { 'realtest.nth.dev/delete-delay': '500ms' } },
								spec: {
									containers: [{ name: 'main', image: 'registry.invalid/nth-e2e/pause:1' }],
									nodeSelector: { 'kubernetes.io/hostname': sc.node },
									...(g.priorityClassName === undefined ? {} : { priorityClassName: g.priorityClassName }),
								},
							},
						},
					},
				}),
			),
		);
		await waitFor(
			async () => {
				const pods = await livePodsOnNode(kit.cluster, sc);
				return pods.filter((pod) => pod.status?.phase === 'Running').length === 60;
			},
			{ timeoutMs: 90_000, what: '60 pods Running on the node' },
		);
		const placed = await livePodsOnNode(kit.cluster, sc);
		const groupOf = new Map(
			placed.map((pod) => [pod.metadata?.name ?? '', v.parse(v.picklist(PriorityGroupOrder), pod.metadata?.labels?.['group'])]),
		);
		assert.is(placed.filter((pod) => pod.spec?.priority === 2_000_001_000).length, 8, 'the apiserver resolved system-node-critical');
		assert.is(placed.filter((pod) => pod.spec?.priority === 2_000_000_000).length, 12, 'and system-cluster-critical');

		// The order evictions took effect in: the watch delivers the apiserver's commit order.
		const order: string[] = [];
		const watch = new Watch(kit.cluster.kubeConfig);
		const request = await watch.watch(
			'/api/v1/pods',
			{ fieldSelector: `spec.nodeName=${sc.node}` },
			(type: string, object: unknown) => {
				const pod = v.safeParse(WatchedPodSchema, object);
				if (!pod.success) return;
				const name = pod.output.metadata.name;
				if (groupOf.has(name) && (type === 'DELETED' || pod.output.metadata.deletionTimestamp !== undefined) && !order.includes(name))
					order.push(name);
			},
			() => {},
		);
		cleanup.add(() => request.abort());

		const aemm = await startAemm(['spot', '-a', 'terminate']);
		cleanup.add(() => aemm.stop());
		const started = Date.now();
		await agentFor(agentEnv(sc, kubeconfig, aemm, { ENABLE_SCHEDULED_EVENT_DRAINING: 'false' }), 'priorities');
		await waitForNode(kit.cluster, sc.node, 'drained', (s) => inPhase(s, 'Drained'), 90_000);
		const elapsed = Date.now() - started;
		await waitFor(() => order.length === 60, { timeoutMs: 10_000, what: `60 deletions seen by the watch (${order.length})` });
		const positions = (group: Group): number[] => order.flatMap((name, index) => (groupOf.get(name) === group ? [index] : []));
		const [ordinary, clusterCritical, nodeCritical] = PriorityGroupOrder.map(positions);
		assert.is(ordinary?.length, 40);
		assert.is(clusterCritical?.length, 12);
		assert.is(nodeCritical?.length, 8);
		const summary = order.map((name) => groupOf.get(name)?.[0]).join('');
		assert.ok(Math.max(...(ordinary ?? [])) < Math.min(...(clusterCritical ?? [])), `ordinary before cluster-critical: ${summary}`);
		assert.ok(
			Math.max(...(clusterCritical ?? [])) < Math.min(...(nodeCritical ?? [])),
			`cluster-critical before node-critical: ${summary}`,
		);
		assert.is((await livePodsOnNode(kit.cluster, sc)).length, 0);
		console.log(`  60 pods drained in ${(elapsed / 1000).toFixed(1)} s after the agent started`);
	},
);

// ------------------------------------------------------------ SIGKILL mid-drain

const WebhookBodySchema = v.object({ kind: v.string(), event: v.string(), outcome: v.string(), details: v.string() });
const webhookTemplate =
	'{"kind":{{ .Kind | toJson }},"event":{{ .EventID | toJson }},"outcome":{{ .Outcome | toJson }},"details":{{ .Details | toJson }}}';

for (const variant of [
	{ label: 'spot ITN', aemm: ['spot', '-a', 'terminate'], kind: 'SPOT_ITN', settings: { ENABLE_SCHEDULED_EVENT_DRAINING: 'false' } },
	{
		label: 'scheduled maintenance',
		aemm: ['events', '-o', 'system-reboot', '-t', 'active'],
		kind: 'SCHEDULED_EVENT',
		settings: { ENABLE_SPOT_INTERRUPTION_DRAINING: 'false', TAINT_NODE: 'true' },
	},
] as const) {
	drain(
		`${variant.label}: the agent SIGKILLed mid-drain and restarted resumes (attempts grows, one start webhook, all pods off the node)`,
		async () => {
			const kubeconfig = await kit.kubeconfig();
			// A drain paced by a PDB (maxUnavailable 1 over 6 replicas): after the first eviction the budget
			// has room again only once the replacement runs Ready elsewhere. There is no elsewhere until the
			// test adds a spare node (same pool label) after the restart, so the kill lands mid-drain for sure.
			const pool = `pool-${Date.now().toString(36)}`;
			const sc = await scenario(variant.kind === 'SPOT_ITN' ? 'killspot' : 'killsched', {
				replicas: 0,
				node: { labels: { 'realtest.nth.dev/pool': pool } },
			});
			await createDeployment(kit.cluster, sc.namespace, sc.app, {
				replicas: 6,
				labels: { app: sc.app },
				nodeSelector: { 'realtest.nth.dev/pool': pool },
				deleteDelay: '2s',
			});
			const pdb = await createPdb(kit.cluster, sc.namespace, 'web', { selector: { app: sc.app }, maxUnavailable: 1 });
			assert.is(pdb.status?.disruptionsAllowed, 1);
			const before = uidsOf(await appPods(kit.cluster, sc));
			assert.is(before.length, 6);
			const receiver = await startWebhookReceiver();
			cleanup.add(() => receiver.close());
			const aemm = await startAemm(variant.aemm);
			cleanup.add(() => aemm.stop());
			const env = agentEnv(sc, kubeconfig, aemm, { ...variant.settings, WEBHOOK_URL: receiver.url, WEBHOOK_TEMPLATE: webhookTemplate });

			const first = await agentFor(env, `${variant.label}, first agent`);
			const draining = await waitForNode(kit.cluster, sc.node, 'draining', (s) => inPhase(s, 'Draining'));
			assert.is(draining.incident?.attempts, 1, 'the attempt is on the record while it runs');
			await withAgentLog(
				first,
				waitFor(async () => (await appPods(kit.cluster, sc)).some((pod) => pod.metadata?.deletionTimestamp !== undefined), {
					timeoutMs: 10_000,
					what: 'a first eviction',
				}),
			);
			// The start message is recorded on the node before it is sent: kill once it has landed.
			await waitFor(() => receiver.messages.length === 1, { timeoutMs: 10_000, what: 'the start webhook' });
			const killed = await first.stop('SIGKILL');
			assert.is(killed.signal, 'SIGKILL');
			const left = (await livePodsOnNode(kit.cluster, sc)).length;
			assert.is(left, 5, 'killed mid-drain: one pod evicted, five held by the budget');

			const second = await agentFor(env, `${variant.label}, restarted agent`);
			await second.waitForLine('Resuming the incident recorded on the node', { timeoutMs: 5_000 });
			const resumed = await waitForNode(kit.cluster, sc.node, 'draining again', (s) => (s.incident?.attempts ?? 0) >= 2);
			assert.is(resumed.incident?.phase, 'Draining', describeNode(resumed));
			assert.is(resumed.incident?.id, draining.incident?.id, 'the same incident');
			// Room for the replacements: the budget opens one pod at a time.
			await createNode(kit.cluster, `spare-${sc.node}`, { labels: { 'realtest.nth.dev/pool': pool } });
			cleanup.add(() => deleteNode(kit.cluster, `spare-${sc.node}`));
			const drained = await withAgentLog(
				second,
				waitForNode(kit.cluster, sc.node, 'drained by the restarted agent', (s) => inPhase(s, 'Drained'), 60_000),
			);
			assert.is(drained.incident?.attempts, 2, describeNode(drained));
			assert.is((await livePodsOnNode(kit.cluster, sc)).length, 0, 'every pod is off the node');
			const pods = await appPods(kit.cluster, sc);
			assert.not.ok(
				pods.some((pod) => before.includes(pod.metadata?.uid ?? '')),
				'none of the original pods is left',
			);

			await waitFor(() => receiver.messages.length >= 2, { timeoutMs: 15_000, what: 'the outcome webhook' });
			await sleep(1500);
			const bodies = receiver.messages.map((message) => v.parse(WebhookBodySchema, JSON.parse(message.body)));
			assert.equal(
				bodies.map((body) => body.outcome),
				['', 'drained'],
				`one start (not re-sent after the restart), one outcome:\n${receiver.messages.map((m) => m.body).join('\n')}`,
			);
			assert.match(bodies[1]?.details ?? '', /pods evicted/);
			assert.ok(
				bodies.every((body) => body.kind === variant.kind),
				receiver.messages.map((m) => m.body).join('\n'),
			);
		},
	);
}

drain.run();
