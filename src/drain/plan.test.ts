import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { PodSchema } from '../kube/schemas.ts';
import { runningPod } from '../../test/support/drain-fakes.ts';
import { baseGraceSeconds, cappedGraceSeconds, deadlockLeadSeconds, planGroups, priorityGroupOf } from './plan.ts';
import type { PodSelection } from './select.ts';

const t0 = 1_700_000_000_000;

function selection(options: Parameters<typeof runningPod>[1], reason: PodSelection['reason'] = 'ok'): PodSelection {
	return { pod: v.parse(PodSchema, runningPod('p', options)), action: 'evict', reason };
}

const grace = suite('cappedGraceSeconds()');

grace('keeps the grace period when it fits before the deadline', () => {
	assert.is(cappedGraceSeconds(30, t0, t0 + 120_000), 30);
});

grace('cuts it so the pod finishes 2 s before the deadline', () => {
	assert.is(cappedGraceSeconds(300, t0, t0 + 60_000), 58);
	assert.is(cappedGraceSeconds(30, t0, t0 + 20_500), 18);
});

grace('never goes below 1 s for a running pod, even past the deadline', () => {
	assert.is(cappedGraceSeconds(30, t0, t0 + 2_000), 1);
	assert.is(cappedGraceSeconds(30, t0, t0 - 10_000), 1);
});

grace('keeps an explicit 0', () => {
	assert.is(cappedGraceSeconds(0, t0, t0 + 60_000), 0);
});

const base = suite('baseGraceSeconds()');

base("uses POD_TERMINATION_GRACE_PERIOD when ≥ 0, else the pod's own, else 30 s", () => {
	const pod = v.parse(PodSchema, runningPod('p', { grace: 90 }));
	assert.is(baseGraceSeconds(pod, 10), 10);
	assert.is(baseGraceSeconds(pod, 0), 0);
	assert.is(baseGraceSeconds(pod, -1), 90);
	assert.is(baseGraceSeconds(v.parse(PodSchema, runningPod('q')), -1), 30);
});

const groups = suite('priorityGroupOf()');

groups('orders ordinary < cluster-critical < node-critical < DaemonSet', () => {
	assert.is(priorityGroupOf(selection({})), 'ordinary');
	assert.is(priorityGroupOf(selection({ priority: 1000 })), 'ordinary');
	assert.is(priorityGroupOf(selection({ priorityClassName: 'system-cluster-critical' })), 'cluster-critical');
	assert.is(priorityGroupOf(selection({ priority: 2_000_000_000 })), 'cluster-critical');
	assert.is(priorityGroupOf(selection({ priorityClassName: 'system-node-critical' })), 'node-critical');
	assert.is(priorityGroupOf(selection({ priority: 2_000_001_000, priorityClassName: 'system-node-critical' })), 'node-critical');
	assert.is(priorityGroupOf(selection({ priorityClassName: 'system-node-critical' }, 'daemonset')), 'daemonset');
	assert.is(priorityGroupOf(selection({}, 'daemonset-orphaned')), 'daemonset');
});

groups('trusts the resolved priority over the class name', () => {
	assert.is(priorityGroupOf(selection({ priority: 0, priorityClassName: 'system-node-critical' })), 'ordinary');
});

const plan = suite('planGroups()');

plan('lets later groups reserve their slowest grace plus slack, counting back from the deadline', () => {
	const plans = planGroups(
		[
			{ key: 'a/1', group: 'ordinary', graceSeconds: 30 },
			{ key: 'a/2', group: 'cluster-critical', graceSeconds: 10 },
			{ key: 'a/3', group: 'node-critical', graceSeconds: 20 },
			{ key: 'a/4', group: 'node-critical', graceSeconds: 5 },
		],
		t0,
		t0 + 110_000,
	);
	assert.equal(
		plans.map((p) => p.group),
		['ordinary', 'cluster-critical', 'node-critical'],
	);
	assert.equal(
		plans.map((p) => p.pods),
		[['a/1'], ['a/2'], ['a/3', 'a/4']],
	);
	assert.is(plans[0]?.latestStartMs, t0);
	// node-critical reserves 20 + 3 s, cluster-critical 10 + 3 s before that.
	assert.is(plans[2]?.latestStartMs, t0 + 110_000 - 23_000);
	assert.is(plans[1]?.latestStartMs, t0 + 110_000 - 36_000);
});

plan('scales the reservations down together when they exceed the window', () => {
	const plans = planGroups(
		[
			{ key: 'a/1', group: 'ordinary', graceSeconds: 60 },
			{ key: 'a/2', group: 'node-critical', graceSeconds: 60 },
		],
		t0,
		t0 + 60_000,
	);
	// Needs 63 + 63 s in a 60 s window: each gets half.
	assert.is(Math.round(plans[1]?.reservedSeconds ?? 0), 30);
	assert.is(plans[1]?.latestStartMs, t0 + 30_000);
	assert.ok((plans[1]?.latestStartMs ?? 0) > t0);
});

plan('skips empty groups and starts no group before the drain', () => {
	const plans = planGroups([{ key: 'a/1', group: 'daemonset', graceSeconds: 30 }], t0, t0 + 10_000);
	assert.equal(
		plans.map((p) => p.group),
		['daemonset'],
	);
	assert.is(plans[0]?.latestStartMs, t0);
});

const lead = suite('deadlockLeadSeconds()');

lead('is the grace period plus margins, the grace capped at half the window', () => {
	assert.is(deadlockLeadSeconds(30, 110), 35);
	assert.is(deadlockLeadSeconds(300, 110), 60);
	assert.is(deadlockLeadSeconds(0, 110), 5);
});

grace.run();
base.run();
groups.run();
plan.run();
lead.run();
