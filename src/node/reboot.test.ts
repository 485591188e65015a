import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentError } from '../errors.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { memoryLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import { actionLabel, actionTimeLabel, eventIdLabel, excludeFromLoadBalancersLabel } from './labels.ts';
import { readUptimeSeconds, rebootCheckOutcome, uncordonAfterRebootCheck } from './reboot.ts';

const signal = new AbortController().signal;
const nowSeconds = 1_750_000_000;
const adminTaint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

function setup(uptime: string, options: { dryRun?: boolean } = {}) {
	const kube = new FakeKubeApi();
	const log = memoryLogger();
	const files: string[] = [];
	const clock = fakeClock(nowSeconds * 1000);
	const deps = {
		kube,
		log,
		metrics: noopMetrics(),
		dryRun: options.dryRun ?? false,
		now: () => new Date(clock.now()),
		sleep: clock.sleep,
		readTextFile: async (path: string) => {
			files.push(path);
			return uptime;
		},
	};
	return { kube, log, files, clock, deps };
}

/** A node labelled by the pre-drain task `secondsAgo` seconds ago, cordoned and tainted by us. */
function labelledNode(kube: FakeKubeApi, secondsAgo: number): void {
	kube.addNode({
		metadata: {
			name: 'n1',
			labels: {
				[eventIdLabel]: 'instance-event-0abc',
				[actionLabel]: 'UncordonAfterReboot',
				[actionTimeLabel]: String(nowSeconds - secondsAgo),
				[excludeFromLoadBalancersLabel]: 'aws-node-termination-handler',
				keep: 'me',
			},
		},
		spec: {
			unschedulable: true,
			taints: [
				adminTaint,
				{ key: 'aws-node-termination-handler/scheduled-maintenance', value: 'instance-event-0abc', effect: 'NoSchedule' },
			],
		},
	});
}

const check = suite('uncordonAfterRebootCheck()');

check('after a reboot: uncordons, removes labels and taints, returns the event id to ignore', async () => {
	const { kube, log, files, deps } = setup('120.55 400.10\n');
	labelledNode(kube, 600);
	assert.is(await uncordonAfterRebootCheck(deps, { nodeName: 'n1' }, signal), 'instance-event-0abc');
	const node = kube.node('n1');
	assert.is(node?.spec.unschedulable, undefined);
	assert.equal(node?.metadata.labels, { keep: 'me' });
	assert.equal(node?.spec.taints, [adminTaint]);
	assert.equal(files, ['/proc/uptime']);
	assert.ok(log.lines.includes('1970/01/01 00:00:00 INF Successfully completed action UncordonAfterReboot.'));
});

check('exactly at the boundary (now − action-time = uptime) counts as rebooted', async () => {
	const { kube, deps } = setup('600');
	labelledNode(kube, 600);
	await uncordonAfterRebootCheck(deps, { nodeName: 'n1' }, signal);
	assert.is(kube.node('n1')?.spec.unschedulable, undefined);
});

check('before the reboot: changes nothing but still returns the event id', async () => {
	const { kube, log, deps } = setup('86400.00 1.00');
	labelledNode(kube, 600);
	assert.is(await uncordonAfterRebootCheck(deps, { nodeName: 'n1', uptimeFile: '/host/proc/uptime' }, signal), 'instance-event-0abc');
	assert.is(kube.node('n1')?.spec.unschedulable, true);
	assert.is(kube.callsTo('patchNode').length, 0);
	assert.ok(log.lines.includes('1970/01/01 00:00:00 DBG The system has not restarted yet.'));
});

check('reads UPTIME_FROM_FILE when given', async () => {
	const { kube, files, deps } = setup('5');
	labelledNode(kube, 600);
	await uncordonAfterRebootCheck(deps, { nodeName: 'n1', uptimeFile: '/host/proc/uptime' }, signal);
	assert.equal(files, ['/host/proc/uptime']);
});

check('an admin-cordoned node (event id only, no action label) is left alone', async () => {
	const { kube, deps } = setup('5');
	kube.addNode({ metadata: { name: 'n1', labels: { [eventIdLabel]: 'instance-event-0abc' } }, spec: { unschedulable: true } });
	assert.is(await uncordonAfterRebootCheck(deps, { nodeName: 'n1' }, signal), undefined);
	assert.is(kube.node('n1')?.spec.unschedulable, true);
});

check('no labels: nothing to do; missing node: warns and returns undefined', async () => {
	const { kube, log, deps } = setup('5');
	kube.addNode({ metadata: { name: 'n1' } });
	assert.is(await uncordonAfterRebootCheck(deps, { nodeName: 'n1' }, signal), undefined);
	assert.is(await uncordonAfterRebootCheck(deps, { nodeName: 'ghost' }, signal), undefined);
	assert.ok(log.lines.includes("1970/01/01 00:00:00 WRN node 'ghost' not found in the cluster"));
});

check('a bad action-time is an AgentError (the caller retries and warns)', async () => {
	const { kube, deps } = setup('5');
	kube.addNode({
		metadata: { name: 'n1', labels: { [eventIdLabel]: 'e', [actionLabel]: 'UncordonAfterReboot', [actionTimeLabel]: 'soon' } },
	});
	try {
		await uncordonAfterRebootCheck(deps, { nodeName: 'n1' }, signal);
		assert.unreachable('must throw');
	} catch (error) {
		assert.instance(error, AgentError);
		assert.is(
			error instanceof Error ? error.message : '',
			'Cannot read label "aws-node-termination-handler/action-time" of node "n1": "soon" is not a unix time',
		);
	}
});

check('in dry run: logs what it would have done and changes nothing', async () => {
	const { kube, log, deps } = setup('5', { dryRun: true });
	labelledNode(kube, 600);
	assert.is(await uncordonAfterRebootCheck(deps, { nodeName: 'n1' }, signal), 'instance-event-0abc');
	assert.is(kube.callsTo('patchNode').length, 0);
	assert.ok(log.lines.some((line) => line.includes('Node would have been uncordoned, but dry-run flag was set')));
	assert.ok(log.lines.some((line) => line.includes('Would have removed label with key aws-node-termination-handler/action from node n1')));
	assert.ok(
		log.lines.some((line) =>
			line.includes('Would have removed taint (aws-node-termination-handler/scheduled-maintenance=instance-event-0abc:NoSchedule)'),
		),
	);
});

check('rebootCheckOutcome() tells a reboot (released) from an agent restart before it (left alone)', async () => {
	const before = setup('86400.00 1.00');
	labelledNode(before.kube, 600);
	assert.equal(await rebootCheckOutcome(before.deps, { nodeName: 'n1' }, signal), { eventId: 'instance-event-0abc', rebooted: false });
	const after = setup('120.55 400.10');
	labelledNode(after.kube, 600);
	assert.equal(await rebootCheckOutcome(after.deps, { nodeName: 'n1' }, signal), { eventId: 'instance-event-0abc', rebooted: true });
	assert.is(after.kube.node('n1')?.spec.unschedulable, undefined);
	const none = setup('5');
	none.kube.addNode({ metadata: { name: 'n1' } });
	assert.equal(await rebootCheckOutcome(none.deps, { nodeName: 'n1' }, signal), { eventId: undefined, rebooted: false });
});

check.run();

const uptime = suite('readUptimeSeconds()');

uptime('takes the first field, whole seconds', async () => {
	assert.is(await readUptimeSeconds(async () => '350735.47 234388.90\n'), 350735);
});

uptime('rejects unreadable or malformed files with AgentError', async () => {
	for (const reader of [async () => 'abc 1', async () => '', async () => Promise.reject(new Error('ENOENT'))]) {
		try {
			await readUptimeSeconds(reader, '/x');
			assert.unreachable('must throw');
		} catch (error) {
			assert.instance(error, AgentError);
			assert.match(error instanceof Error ? error.message : '', /^Cannot read uptime from "\/x": /);
		}
	}
});

uptime.run();
