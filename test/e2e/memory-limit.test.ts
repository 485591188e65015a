// End-to-end: the agent runs under the memory limit the DaemonSet ships
// (manifests/base/daemonset.yaml `limits.memory`, = the chart's and the
// systemd unit's; test/unit/packaging.test.ts keeps them equal), enforced as
// Kubernetes enforces it: a memory cgroup charged for the page cache the agent
// faults in, its own executable included. The executable is a copy on a loop
// file system whose read-ahead the test sets — EC2's EBS/NVMe default (128 KB)
// and a large one (8 MB, this machine's disk), which pulls in far more page
// cache per fault — evicted from the page cache before the start, so a start
// touches the disk as on a fresh node.
// Under that limit it must start, act on a spot ITN, drain every pod and not be
// OOM-killed. The floor it sits above is bench:floor's (packaging/memory.json).
//
// Needs root (cgroups, losetup, mount), NTH_REAL_STATE (scripts/test.mjs).
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllYaml } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { createCgroup, detectCgroup, inCgroup, type MemoryCgroup, type MemorySample } from '../../bench/cgroup.ts';
import { createLoopFs, type LoopFs } from '../../bench/loop-fs.ts';
import {
	agentEnv,
	agentKubeconfig,
	appPods,
	inPhase,
	ScenarioKit,
	uidsOf,
	waitForEvicted,
	waitForNode,
	withAgentLog,
} from './scenarios-kit.ts';
import { startAgent } from './agent-process.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const pods = 30;

const DaemonSetSchema = v.object({
	kind: v.literal('DaemonSet'),
	spec: v.object({
		template: v.object({
			spec: v.object({
				containers: v.array(
					v.object({ resources: v.object({ requests: v.object({ memory: v.string() }), limits: v.object({ memory: v.string() }) }) }),
				),
			}),
		}),
	}),
});

/** `limits.memory` of the shipped DaemonSet, in bytes (Mi only: what it ships with). */
function shippedLimitBytes(): number {
	for (const document of loadAllYaml(readFileSync(join(root, 'manifests', 'base', 'daemonset.yaml'), 'utf8'))) {
		const parsed = v.safeParse(DaemonSetSchema, document);
		if (!parsed.success) continue;
		const limit = parsed.output.spec.template.spec.containers[0]?.resources.limits.memory ?? '';
		const match = /^(\d+)Mi$/.exec(limit);
		if (match === null) throw new Error(`Cannot read the DaemonSet's memory limit: "${limit}" is not in Mi`);
		return Number(match[1]) * 1024 * 1024;
	}
	throw new Error("Cannot read the DaemonSet's memory limit: no DaemonSet in manifests/base/daemonset.yaml");
}

const kit = new ScenarioKit();
const { cleanup } = kit;
const limited = suite("memory: the agent under the DaemonSet's limit");

let kubeconfig: string;
kit.attach(limited, async (cluster) => {
	kubeconfig = await agentKubeconfig(cluster);
});

for (const readAheadKb of [128, 8192])
	limited(
		`spot ITN and a ${pods}-pod drain inside limits.memory, executable at ${readAheadKb} KB read-ahead, page cache cold`,
		async () => {
			const limitBytes = shippedLimitBytes();
			const bin = resolve(process.env['NTH_BIN'] ?? join(root, 'dist', 'nth'));
			let fs: LoopFs | undefined;
			let cgroup: MemoryCgroup | undefined;
			cleanup.add(() => {
				cgroup?.remove();
				fs?.destroy();
			});
			fs = createLoopFs(statSync(bin).size + 64 * 1024 * 1024);
			assert.is(fs.setReadAhead(readAheadKb), readAheadKb, 'the loop device takes the read-ahead');
			const copy = fs.copy(bin, 'nth');
			cgroup = createCgroup(detectCgroup(), `nth-e2e-limit-${process.pid}`, limitBytes);
			const inLimit = cgroup;

			const sc = await kit.scenario('limit', { replicas: pods });
			const before = uidsOf(await appPods(kit.cluster, sc));
			assert.is(before.length, pods);
			const aemm = await kit.aemm(['spot', '-a', 'terminate']);
			const samples: MemorySample[] = [];
			const sampler = setInterval(() => {
				const sample = inLimit.sample();
				if (sample !== undefined) samples.push(sample);
			}, 250);
			cleanup.add(() => clearInterval(sampler));

			const agent = startAgent(agentEnv(sc, kubeconfig, aemm, { ENABLE_SCHEDULED_EVENT_DRAINING: 'false' }), {
				bin: copy,
				label: 'memory limit',
				wrap: (command) => inCgroup(inLimit, command),
			});
			cleanup.add(() => agent.stop());
			await withAgentLog(agent, agent.waitForLine('has started successfully', { timeoutMs: 30_000 }));
			await withAgentLog(
				agent,
				waitForNode(kit.cluster, sc.node, 'drained', (state) => state.unschedulable && inPhase(state, 'Drained'), 60_000),
			);
			// Every original pod is gone (the ReplicaSet recreates them in batches, Pending: the node is cordoned).
			const after = await waitForEvicted(kit.cluster, sc, before);
			assert.is(after.filter((pod) => before.includes(pod.metadata?.uid ?? '')).length, 0, 'no original pod is left');
			assert.is(agent.exit(), undefined, 'the agent is still running');

			const counters = inLimit.counters();
			const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
			const peak = Math.max(...samples.map((sample) => sample.workingSetBytes));
			console.log(
				`  memory limit ${mib(limitBytes)} MiB, read-ahead ${readAheadKb} KB: working set peak ${mib(peak)} MiB, max usage ${mib(counters.maxUsageBytes ?? 0)} MiB, limit hits ${counters.limitHits}, OOM kills ${counters.oomKills}`,
			);
			assert.is(counters.oomKills, 0, 'no OOM kill under the shipped limit');
			assert.ok(samples.length > 0, 'the cgroup was sampled');
		},
	);

limited.run();
