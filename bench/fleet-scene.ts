// bench:fleet's scene: the kwok nodes, the Deployments under PDBs spread over
// them, a ServiceAccount per agent fleet, and /proc readings of the agents.
import { readFileSync } from 'node:fs';
import * as harness from '../test/real/harness.ts';
import { benchNamespace } from './drain-audit.ts';
import { adminServiceAccount } from './stack.ts';

export const perDeployment = 20;
/** maxUnavailable 10 % of 20 replicas. */
export const maxUnavailable = 2;
const allocatable = { cpu: '64', memory: '256Gi', pods: '250' };

/**
 * RSS and PSS (kB) and utime+stime (ticks of 1/100 s) of a process; zeros once
 * it is gone. PSS splits the executable's shared pages among the agents that
 * map them, so the PSS sum is the fleet's real memory; the RSS sum counts
 * them once per agent (what 50 separate machines would each hold).
 */
export function procOf(pid: number): { rssKb: number; pssKb: number; cpuTicks: number } {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? '0');
		const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? '0');
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return { rssKb: rss, pssKb: pss, cpuTicks: Number(fields[11] ?? '0') + Number(fields[12] ?? '0') };
	} catch {
		return { rssKb: 0, pssKb: 0, cpuTicks: 0 };
	}
}

/** A cluster-admin ServiceAccount of the bench namespace and its in-cluster files (the audit log tells its requests apart). */
export async function identity(cluster: harness.RealCluster, name: string): Promise<string> {
	return (await adminServiceAccount(cluster, benchNamespace, name)).dir;
}

/** `nodeCount` kwok nodes of group `group`, and ⌈podCount/20⌉ Deployments of 20 pods spread over them, each under a PDB; waits until all run. */
export async function createScene(
	cluster: harness.RealCluster,
	group: string,
	namespace: string,
	nodes: readonly string[],
	podCount: number,
): Promise<number> {
	for (const node of nodes) await harness.createNode(cluster, node, { labels: { 'bench.nth.dev/group': group }, allocatable });
	const deployments = Math.ceil(podCount / perDeployment);
	for (let index = 0; index < deployments; index += 1) {
		const app = `app-${index}`;
		await harness.createPdb(cluster, namespace, app, { selector: { app }, maxUnavailable: '10%' });
		await cluster.apps.createNamespacedDeployment({
			namespace,
			body: {
				metadata: { name: app, namespace },
				spec: {
					replicas: perDeployment,
					selector: { matchLabels: { app } },
					template: {
						metadata: { labels: { app } },
						spec: {
							containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }],
							nodeSelector: { 'bench.nth.dev/group': group },
							// At most one pod of a Deployment per node while there are more nodes than replicas.
							topologySpreadConstraints: [
								{
									maxSkew: 1,
									topologyKey: 'kubernetes.io/hostname',
									whenUnsatisfiable: 'ScheduleAnyway',
									labelSelector: { matchLabels: { app } },
								},
							],
						},
					},
				},
			},
		});
	}
	const total = deployments * perDeployment;
	await harness.waitFor(
		async () => {
			const pods = await cluster.core.listNamespacedPod({ namespace });
			return pods.items.filter((pod) => pod.status?.phase === 'Running').length === total;
		},
		{ timeoutMs: 900_000, intervalMs: 5000, what: `${total} pods running` },
	);
	return total;
}
