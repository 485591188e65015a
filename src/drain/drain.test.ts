import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../log/logger.ts';
import { type Metrics, noopMetrics } from '../metrics/types.ts';
import { type DrainOptions, type DrainResult, drainNode, evictBackoffMs, listPodNames } from './drain.ts';
import { isPodReady } from './select.ts';
import { type PdbFakeOptions, PdbFake, budget, recordingRecorder, runningPod } from '../../test/support/drain-fakes.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';
import * as v from 'valibot';
import { PodSchema } from '../kube/schemas.ts';

const t0 = 1_700_000_000_000;

function countingMetrics(): Metrics & { readonly counts: Record<string, number> } {
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

function setup(fake: Omit<PdbFakeOptions, 'clock'> = {}) {
	const clock = fakeClock(t0);
	const kube = new PdbFake({ clock, ...fake });
	const log = memoryLogger('debug');
	const recorder = recordingRecorder();
	const metrics = countingMetrics();
	const controller = new AbortController();
	const options = (overrides: Partial<DrainOptions> = {}): DrainOptions => ({
		nodeName: 'node-a',
		deadline: new Date(t0 + 110_000),
		podGracePeriodSeconds: -1,
		deleteLocalData: true,
		ignoreDaemonSets: true,
		evictDaemonSetPods: false,
		pdbDeadlockPolicy: 'wait',
		self: { name: 'nth-abc', namespace: 'kube-system' },
		useApiserverCache: false,
		...overrides,
	});
	const drain = (overrides: Partial<DrainOptions> = {}): Promise<DrainResult> =>
		clock.run(drainNode({ kube, log, metrics, recorder, now: clock.now, sleep: clock.sleep }, options(overrides), controller.signal));
	return { clock, kube, log, recorder, metrics, controller, drain };
}

const basics = suite('drainNode()');

basics('evicts every pod of the node and waits for them with one watch, no GET per pod', async () => {
	const { kube, drain, log } = setup();
	for (let index = 0; index < 5; index += 1) kube.addPod(runningPod(`web-${index}`));
	kube.addPod(runningPod('elsewhere', { node: 'node-b' }));
	const result = await drain();
	assert.is(result.ok, true);
	assert.is(result.evicted, 5);
	assert.is(result.total, 5);
	assert.equal(result.remaining, []);
	assert.is(result.error, undefined);
	assert.is(kube.callsTo('evictPod').length, 5);
	assert.is(kube.callsTo('listPods').length, 1);
	assert.equal(
		kube.callsTo('watchPods').map((call) => (call.args[0] as { fieldSelector: string }).fieldSelector),
		['spec.nodeName=node-a'],
	);
	// Bounded on the server side: the time left (110 s) plus 10 s, so no stream outlives the drain by much.
	assert.is((kube.callsTo('watchPods')[0]?.args[0] as { timeoutSeconds: number }).timeoutSeconds, 120);
	assert.is((kube.callsTo('watchPodDisruptionBudgets')[0]?.args[0] as { timeoutSeconds: number }).timeoutSeconds, 120);
	// Only lists, watches and evictions: nothing per pod but the eviction itself.
	assert.equal([...new Set(kube.calls.map((call) => call.method))].sort(), [
		'evictPod',
		'listPodDisruptionBudgets',
		'listPods',
		'watchPodDisruptionBudgets',
		'watchPods',
	]);
	assert.ok(kube.pod('default', 'elsewhere'));
	assert.ok(log.lines.some((line) => line.includes('INF evicting pod default/web-0')));
	assert.ok(log.lines.some((line) => line.includes('INF evicted 0 of 5 pods, 110 s to deadline')));
	assert.ok(log.lines.some((line) => line.includes('INF evicted 5 of 5 pods, 110 s to deadline')));
	assert.is(kube.openWatches, 0);
});

basics('sends each eviction with a UID precondition and records a PodEviction event', async () => {
	const { kube, drain, recorder } = setup();
	const pod = kube.addPod(runningPod('web-1', { labels: { app: 'web', team: 'a' } }));
	await drain();
	const [call] = kube.callsTo('evictPod');
	assert.equal(call?.args, ['default', 'web-1', { gracePeriodSeconds: 30, uid: pod.metadata.uid }]);
	assert.equal(
		recorder.podEvents.map((event) => [event.reason, event.type, event.message, event.annotations]),
		[['PodEviction', 'Normal', 'Pod evicted due to node drain (node node-a)', { node: 'node-a', app: 'web', team: 'a' }]],
	);
});

basics('succeeds at once on an empty node', async () => {
	const { kube, drain } = setup();
	const result = await drain();
	assert.equal({ ok: result.ok, total: result.total, durationMs: result.durationMs }, { ok: true, total: 0, durationMs: 0 });
	assert.is(kube.callsTo('watchPods').length, 0);
});

basics('fails before evicting anything when a DaemonSet pod is not ignored (kubectl semantics)', async () => {
	const { kube, drain } = setup();
	kube.addDaemonSet('kube-system', 'agent');
	kube.addPod(runningPod('web-1'));
	kube.addPod(runningPod('agent-x', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'agent' } }));
	const result = await drain({ ignoreDaemonSets: false });
	assert.is(result.ok, false);
	assert.match(
		result.error ?? '',
		'Cannot drain node "node-a": cannot delete DaemonSet-managed Pods (set IGNORE_DAEMON_SETS=true to ignore them): kube-system/agent-x',
	);
	assert.is(kube.callsTo('evictPod').length, 0);
});

basics('fails before evicting anything on emptyDir pods without DELETE_LOCAL_DATA', async () => {
	const { kube, drain } = setup();
	kube.addPod(runningPod('cache', { emptyDir: true }));
	const result = await drain({ deleteLocalData: false });
	assert.is(result.ok, false);
	assert.match(result.error ?? '', 'Pods with local storage');
	assert.is(kube.callsTo('evictPod').length, 0);
});

basics("never evicts the agent's own pod, skips ignored DaemonSet and mirror pods, logs kubectl's warning", async () => {
	const { kube, drain, log } = setup();
	kube.addDaemonSet('kube-system', 'nth');
	kube.addPod(runningPod('nth-abc', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'nth' } }));
	kube.addPod(runningPod('proxy', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'nth' } }));
	kube.addPod(
		runningPod('static', {
			owner: { kind: 'Node', name: 'node-a', apiVersion: 'v1' },
			annotations: { 'kubernetes.io/config.mirror': 'x' },
		}),
	);
	kube.addPod(runningPod('bare', { owner: null }));
	const result = await drain();
	assert.is(result.ok, true);
	assert.equal(
		kube.callsTo('evictPod').map((call) => call.args[1]),
		['bare'],
	);
	assert.ok(kube.pod('kube-system', 'nth-abc'));
	assert.ok(
		log.lines.some((line) =>
			line.includes(
				'WRN WARNING: ignoring DaemonSet-managed Pods: kube-system/proxy; deleting Pods that declare no controller: default/bare',
			),
		),
	);
});

basics('caps each grace period so the pod can finish before the deadline', async () => {
	const { kube, drain } = setup();
	kube.addPod(runningPod('slow', { grace: 300 }));
	kube.addPod(runningPod('quick', { grace: 5 }));
	await drain({ deadline: new Date(t0 + 60_000) });
	const graces = Object.fromEntries(
		kube.callsTo('evictPod').map((call) => [call.args[1], (call.args[2] as { gracePeriodSeconds: number }).gracePeriodSeconds]),
	);
	assert.equal(graces, { slow: 58, quick: 5 });
});

basics('uses POD_TERMINATION_GRACE_PERIOD when set, still capped', async () => {
	const { kube, drain } = setup();
	kube.addPod(runningPod('a', { grace: 300 }));
	await drain({ podGracePeriodSeconds: 10 });
	assert.is((kube.callsTo('evictPod')[0]?.args[2] as { gracePeriodSeconds: number }).gracePeriodSeconds, 10);
	const second = setup();
	second.kube.addPod(runningPod('a'));
	await second.drain({ podGracePeriodSeconds: 100, deadline: new Date(t0 + 20_000) });
	assert.is((second.kube.callsTo('evictPod')[0]?.args[2] as { gracePeriodSeconds: number }).gracePeriodSeconds, 18);
});

basics('gives a drain whose deadline has passed one short round instead of giving up', async () => {
	const { kube, drain } = setup();
	kube.addPod(runningPod('a'));
	const result = await drain({ deadline: new Date(t0 - 30_000) });
	assert.is(result.ok, true);
	// The window is stretched to minimumWindowMs (5 s), less the 2 s margin.
	assert.is((kube.callsTo('evictPod')[0]?.args[2] as { gracePeriodSeconds: number }).gracePeriodSeconds, 3);
});

basics('lists the node a page at a time (never every full pod at once)', async () => {
	const { kube, drain } = setup();
	for (let index = 0; index < 120; index += 1) kube.addPod(runningPod(`web-${index}`));
	const result = await drain();
	assert.equal({ ok: result.ok, evicted: result.evicted }, { ok: true, evicted: 120 });
	assert.equal(
		kube.callsTo('listPods').map((call) => (call.args[0] as { limit?: number; continue?: string }).continue),
		[undefined, '50', '100'],
	);
	// The watch starts from the list's resourceVersion: nothing is missed and nothing relisted.
	assert.is(kube.callsTo('watchPods').length, 1);
});

basics('retries a failed DaemonSet lookup instead of failing the drain', async () => {
	const { kube, drain } = setup();
	kube.addDaemonSet('kube-system', 'agent');
	kube.addPod(runningPod('agent-x', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'agent' } }));
	kube.addPod(runningPod('web-1'));
	kube.failNext('daemonSetExists', { status: 500 });
	const result = await drain();
	assert.is(result.ok, true);
	assert.is(kube.callsTo('daemonSetExists').length, 2);
	assert.equal(
		kube.callsTo('evictPod').map((call) => call.args[1]),
		['web-1'],
	);
});

basics('retries a failing pod list until it works', async () => {
	const { kube, drain, metrics } = setup();
	kube.addPod(runningPod('a'));
	kube.failNext('listPods', { status: 500, times: 2 });
	const result = await drain();
	assert.is(result.ok, true);
	assert.is(kube.callsTo('listPods').length, 3);
	assert.is(metrics.counts['error:drain'], 2);
});

const order = suite('drainNode() priority order');

order(
	'evicts ordinary pods, then cluster-critical, then node-critical, then DaemonSet pods, each after the previous group is gone',
	async () => {
		const { kube, drain } = setup({ eviction: 'terminate', kubeletDelayMs: 3_000 });
		kube.addDaemonSet('kube-system', 'logs');
		kube.addPod(
			runningPod('logs-x', {
				namespace: 'kube-system',
				owner: { kind: 'DaemonSet', name: 'logs' },
				priorityClassName: 'system-node-critical',
			}),
		);
		kube.addPod(runningPod('proxy', { namespace: 'kube-system', priorityClassName: 'system-node-critical' }));
		kube.addPod(runningPod('dns', { namespace: 'kube-system', priorityClassName: 'system-cluster-critical' }));
		kube.addPod(runningPod('web-1'));
		kube.addPod(runningPod('web-2', { priority: 100 }));
		const result = await drain({ evictDaemonSetPods: true });
		assert.is(result.ok, true);
		assert.equal(
			kube.accepted.map((entry) => [entry.name, entry.at - t0]),
			[
				['web-1', 0],
				['web-2', 0],
				['dns', 3_000],
				['proxy', 6_000],
				['logs-x', 9_000],
			],
		);
	},
);

order('starts a later group at its latest start when an earlier pod does not leave', async () => {
	const { kube, drain, recorder } = setup({ eviction: 'terminate', kubeletDelayMs: 1_000 });
	kube.addPdb(budget('web', 'web', 0));
	kube.addPod(runningPod('web-1'));
	kube.addPod(
		runningPod('dns', { namespace: 'kube-system', labels: { app: 'dns' }, priorityClassName: 'system-cluster-critical', grace: 10 }),
	);
	const result = await drain();
	assert.is(result.ok, false);
	// dns reserves its 10 s grace + 3 s before the 110 s deadline.
	assert.equal(
		kube.accepted.map((entry) => [entry.name, entry.at - t0, entry.grace]),
		[['dns', 97_000, 10]],
	);
	assert.equal(result.remaining, ['default/web-1']);
	assert.ok(recorder.podEvents.some((event) => event.reason === 'EvictionBlocked' && event.pod.name === 'web-1'));
});

const answers = suite('drainNode() eviction answers');

answers('retries 429 with backoff until the deadline when budgets cannot be read, logging NTH lines', async () => {
	const { kube, drain, log, metrics } = setup();
	kube.addPdb(budget('web', 'web', 0));
	kube.failNext('listPodDisruptionBudgets', { status: 403, times: 1 });
	kube.addPod(runningPod('web-1'));
	const result = await drain({ deadline: new Date(t0 + 30_000) });
	assert.is(result.ok, false);
	assert.equal(result.remaining, ['default/web-1']);
	assert.equal(result.blocked, [{ pod: 'default/web-1', pdbs: [] }]);
	// Attempts at 0, 1, 3, 7, 12, 17, 22, 27 s: 1 s, 2 s, 4 s, then kubectl's 5 s.
	assert.is(kube.callsTo('evictPod').length, 8);
	assert.is(metrics.counts['blocked:pdb'], 8);
	assert.ok(log.lines.some((line) => line.includes('ERR error when evicting pods/"web-1" -n "default" (will retry after 1s): ')));
	assert.ok(log.lines.some((line) => line.includes('(will retry after 5s)')));
	assert.ok(log.lines.some((line) => line.includes('WRN Cannot pace evictions by PodDisruptionBudgets')));
	assert.match(result.error ?? '', 'Cannot drain node "node-a": 1 of 1 pods still on the node at the deadline: "default/web-1"');
});

answers('counts 404 as gone', async () => {
	const { kube, drain, metrics } = setup({ eviction: 'terminate' });
	kube.addPod(runningPod('web-1'));
	kube.failNext('evictPod', { status: 404 });
	const result = await drain();
	assert.equal({ ok: result.ok, evicted: result.evicted }, { ok: true, evicted: 1 });
	assert.is(metrics.counts['pod:gone'], 1);
	assert.is(kube.callsTo('evictPod').length, 1);
});

answers('counts 409 (the UID precondition failed: the name is a new pod now) as gone', async () => {
	const { kube, drain } = setup({ eviction: 'terminate' });
	kube.addPod(runningPod('web-1'));
	kube.failNext('evictPod', { status: 409 });
	const result = await drain();
	assert.is(result.ok, true);
});

answers('reports 500 for several budgets clearly, naming both', async () => {
	const { kube, drain, log, metrics } = setup();
	kube.addPdb(budget('web-a', 'web', 1));
	kube.addPdb(budget('web-b', 'web', 1));
	kube.addPod(runningPod('web-1'));
	const result = await drain({ deadline: new Date(t0 + 30_000) });
	assert.is(result.ok, false);
	assert.equal(result.blocked, [{ pod: 'default/web-1', pdbs: ['default/web-a', 'default/web-b'] }]);
	assert.match(
		result.error ?? '',
		'Cannot evict pod "default/web-1": it matches more than one PodDisruptionBudget ("default/web-a", "default/web-b"), which the eviction API does not support',
	);
	assert.ok((metrics.counts['blocked:multiple-pdbs'] ?? 0) >= 1);
	// Retried slowly (an admin has to fix the budgets), logged once.
	assert.ok(kube.callsTo('evictPod').length <= 4);
	assert.is(log.lines.filter((line) => line.includes('ERR Cannot evict pod "default/web-1": it matches more than one')).length, 1);
});

answers('retries other errors with backoff', async () => {
	const { kube, drain, log } = setup();
	kube.addPod(runningPod('web-1'));
	kube.failNext('evictPod', { status: 503, times: 2 });
	const result = await drain();
	assert.is(result.ok, true);
	assert.is(kube.callsTo('evictPod').length, 3);
	assert.ok(log.lines.some((line) => line.includes('WRN error when evicting pods/"web-1" -n "default" (will retry after 2s)')));
});

const waiting = suite('drainNode() waiting');

waiting('treats the pod coming back under the same name with a new UID as gone', async () => {
	const { kube, drain, clock } = setup({ eviction: 'terminate' });
	kube.addPod(runningPod('db-0'));
	// The watch is down while the StatefulSet replaces db-0, so the relist is all the drain sees: same name, new UID.
	clock.at(t0 + 2_000, () => {
		kube.endWatches();
		kube.removePod('default', 'db-0');
		kube.addPod(runningPod('db-0'));
		kube.compact();
	});
	const result = await drain();
	assert.is(result.ok, true);
	assert.is(result.durationMs, 2_000);
	assert.ok(kube.pod('default', 'db-0'));
});

waiting('relists after 410 and sees what it missed', async () => {
	const { kube, drain, clock } = setup({ eviction: 'terminate' });
	kube.addPod(runningPod('web-1'));
	kube.addPod(runningPod('web-2'));
	clock.at(t0 + 2_000, () => {
		kube.endWatches();
		kube.removePod('default', 'web-1');
		kube.compact();
	});
	clock.at(t0 + 4_000, () => kube.removePod('default', 'web-2'));
	const result = await drain();
	assert.is(result.ok, true);
	assert.is(result.durationMs, 4_000);
	assert.is(kube.callsTo('listPods').length, 2);
	assert.is(kube.callsTo('watchPods').length, 3);
});

waiting('resumes a half-drained node: terminating pods are waited for, not evicted again', async () => {
	const { kube, drain, clock } = setup({ eviction: 'terminate', kubeletDelayMs: 1_000 });
	kube.addPod(runningPod('web-1', { deletionTimestamp: new Date(t0 + 20_000).toISOString() }));
	kube.addPod(runningPod('web-2'));
	clock.at(t0 + 5_000, () => kube.removePod('default', 'web-1'));
	const result = await drain();
	assert.equal(
		{ ok: result.ok, total: result.total, evicted: result.evicted, durationMs: result.durationMs },
		{ ok: true, total: 2, evicted: 1, durationMs: 5_000 },
	);
	assert.equal(
		kube.callsTo('evictPod').map((call) => call.args[1]),
		['web-2'],
	);
});

waiting('evicts a terminating pod again when it would outlive the deadline (a shorter grace)', async () => {
	const { kube, drain } = setup({ eviction: 'terminate', kubeletDelayMs: 1_000 });
	kube.addPod(runningPod('web-1', { deletionTimestamp: new Date(t0 + 600_000).toISOString() }));
	const result = await drain();
	assert.is(result.ok, true);
	assert.equal(
		kube.callsTo('evictPod').map((call) => call.args[1]),
		['web-1'],
	);
});

waiting('stops at once when aborted, closing its watches', async () => {
	const { kube, clock, controller, drain } = setup();
	kube.addPdb(budget('web', 'web', 0));
	kube.addPod(runningPod('web-1'));
	clock.at(t0 + 5_000, () => controller.abort(new Error('incident cancelled')));
	const result = await drain();
	assert.is(result.ok, false);
	assert.is(result.error, 'Cannot drain node "node-a": aborted (incident cancelled)');
	assert.is(result.durationMs, 5_000);
	assert.is(kube.openWatches, 0);
});

const pacing = suite('drainNode() pacing');

pacing('paces evictions by the watched disruptionsAllowed: about one eviction per pod, no 429 storm', async () => {
	const { kube, drain } = setup({ recoverAfterMs: 1_000 });
	kube.addPdb(budget('web', 'web', 2));
	for (let index = 0; index < 20; index += 1) kube.addPod(runningPod(`web-${index}`));
	const result = await drain();
	assert.is(result.ok, true);
	assert.is(result.evicted, 20);
	assert.is(kube.callsTo('evictPod').length, 20);
	assert.is(kube.refused, 0);
	// Two at a time, a second per round.
	assert.is(result.durationMs, 9_000);
});

pacing('without the budget watch the same drain needs a storm of 429s (the contrast pacing removes)', async () => {
	const { kube, drain } = setup({ recoverAfterMs: 1_000 });
	kube.failNext('listPodDisruptionBudgets', { status: 403 });
	kube.addPdb(budget('web', 'web', 2));
	for (let index = 0; index < 20; index += 1) kube.addPod(runningPod(`web-${index}`));
	const result = await drain();
	assert.is(result.ok, true);
	assert.ok(kube.refused > 40, `refused ${kube.refused}`);
});

pacing('does not hold unready pods (the eviction API lets them through a healthy budget)', async () => {
	const { kube, drain } = setup();
	kube.addPdb(budget('web', 'web', 0));
	const seed = runningPod('web-1');
	kube.addPod({ ...seed, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } });
	await drain({ deadline: new Date(t0 + 20_000) });
	assert.ok(kube.callsTo('evictPod').length >= 1);
});

pacing('retries a held pod as soon as the budget has room', async () => {
	const { kube, drain, clock } = setup();
	kube.addPdb(budget('web', 'web', 0));
	kube.addPod(runningPod('web-1'));
	clock.at(t0 + 7_000, () => kube.updatePdb('default', 'web', (pdb) => void (pdb.status.disruptionsAllowed = 1)));
	const result = await drain();
	assert.is(result.ok, true);
	assert.is(result.durationMs, 7_000);
	assert.is(kube.callsTo('evictPod').length, 1);
});

const deadlock = suite('drainNode() PDB deadlock');

deadlock('policy wait: keeps waiting to the deadline, with a Warning event and a log line naming the pod and the budget', async () => {
	const { kube, drain, recorder, log } = setup();
	kube.addPdb(budget('web', 'web', 0));
	kube.addPod(runningPod('web-1'));
	const result = await drain({ deadline: new Date(t0 + 60_000) });
	assert.is(result.ok, false);
	assert.equal(result.remaining, ['default/web-1']);
	assert.equal(result.blocked, [{ pod: 'default/web-1', pdbs: ['default/web'] }]);
	assert.is(kube.callsTo('deletePod').length, 0);
	const events = recorder.podEvents.filter((event) => event.reason === 'EvictionBlocked');
	assert.is(events.length, 1);
	assert.is(events[0]?.type, 'Warning');
	assert.is(
		events[0]?.message,
		'Eviction of pod "default/web-1" is blocked by PodDisruptionBudget "default/web" with 35 s to the deadline; waiting (PDB_DEADLOCK_POLICY=wait)',
	);
	assert.equal(events[0]?.annotations, { node: 'node-a', pdbs: 'default/web' });
	assert.ok(
		log.lines.some((line) =>
			line.startsWith('1970/01/01 00:00:00 WRN Eviction of pod "default/web-1" is blocked by PodDisruptionBudget "default/web"'),
		),
	);
	assert.match(result.error ?? '', '"default/web-1" blocked by PodDisruptionBudget "default/web"');
});

deadlock('policy delete: deletes the blocked pod with its capped grace period, with a Warning event', async () => {
	const { kube, drain, recorder, metrics } = setup();
	kube.addPdb(budget('web', 'web', 0));
	const pod = kube.addPod(runningPod('web-1', { grace: 45 }));
	const result = await drain({ deadline: new Date(t0 + 60_000), pdbDeadlockPolicy: 'delete' });
	assert.equal({ ok: result.ok, deleted: result.deleted }, { ok: true, deleted: 1 });
	// Lead: grace 45 capped to half the window (30 s) + 5 s margins: at 25 s, 35 s left, 33 s usable.
	assert.equal(
		kube.callsTo('deletePod').map((call) => call.args),
		[['default', 'web-1', { gracePeriodSeconds: 33, uid: pod.metadata.uid }]],
	);
	assert.equal(
		kube.accepted.map((entry) => [entry.via, entry.at - t0]),
		[['delete', 25_000]],
	);
	const events = recorder.podEvents.filter((event) => event.reason === 'PodDeletedPastBudget');
	assert.is(events.length, 1);
	assert.match(events[0]?.message ?? '', 'PodDisruptionBudget "default/web"');
	assert.is(metrics.counts['pod:deleted'], 1);
});

const helpers = suite('drain helpers');

helpers('listPodNames() lists every pod of the node, unfiltered', async () => {
	const clock = fakeClock(t0);
	const kube = new PdbFake({ clock });
	kube.addPod(runningPod('a'));
	kube.addPod(runningPod('b', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'x' } }));
	kube.addPod(runningPod('c', { node: 'node-b' }));
	assert.equal(await listPodNames(kube, 'node-a', new AbortController().signal), ['a', 'b']);
});

helpers('evictBackoffMs() grows 1, 2, 4 s then stays at 5 s', () => {
	assert.equal([1, 2, 3, 4, 5].map(evictBackoffMs), [1000, 2000, 4000, 5000, 5000]);
});

helpers('isPodReady() reads the Ready condition', () => {
	assert.ok(isPodReady(v.parse(PodSchema, runningPod('a'))));
	assert.not.ok(isPodReady(v.parse(PodSchema, { metadata: { name: 'a' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } })));
	assert.not.ok(isPodReady(v.parse(PodSchema, { metadata: { name: 'a' } })));
});

basics.run();
order.run();
answers.run();
waiting.run();
pacing.run();
deadlock.run();
helpers.run();
