/**
 * @module One agent drains one node for bench:drain: a shipped executable (nth
 * or upstream NTH) runs in-cluster style as its own ServiceAccount on the
 * node that holds the pods, idles, gets a spot interruption notice from AEMM
 * (through the recording proxy), and is timed notice → last pod gone from the
 * node. Its RSS is read from /proc (idle before the notice, VmHWM at the end);
 * its requests are counted afterwards from the audit log (bench/drain-audit.ts).
 */
import { sleep } from '../src/clock.ts';
import { type Aemm, startAemm } from '../test/real/aemm.ts';
import { freePort } from '../test/real/free-port.ts';
import type * as harness from '../test/real/harness.ts';
import { type Agent, agentEnv, startAgent } from './agent-process.ts';
import { memoryOf } from './drain-protocol.ts';
import { type RecordingProxy, spotPath, startRecordingProxy } from './imds-proxy.ts';
import { type NodeWatch, watchNode } from './node-watch.ts';
import type { Subject } from './subjects.ts';

export interface AgentDrain {
	readonly ok: boolean;
	readonly error?: string | undefined;
	readonly pods: number;
	readonly podsLeft: number;
	/** Notice (the spot path answers with it) → the node lists no pod. */
	readonly drainMs: number | undefined;
	readonly noticeToCordonMs: number | undefined;
	readonly idleKb: number;
	readonly peakKb: number;
	/** Wall clock (epoch ms) of the agent's spawn, the notice and the end of the drain: the audit windows. */
	readonly spawnedAtEpochMs: number;
	readonly noticeAtEpochMs: number;
	readonly endAtEpochMs: number;
	/** The agent's last log lines when it failed. */
	readonly lastLines?: string | undefined;
}

export interface AgentDrainOptions {
	readonly cluster: harness.RealCluster;
	readonly subject: Subject;
	/** The DaemonSet's literal env (manifests/base/daemonset.yaml): both agents read NTH's variable names. */
	readonly shipped: Readonly<Record<string, string>>;
	readonly node: string;
	readonly namespace: string;
	readonly pods: number;
	readonly idleMs: number;
	readonly timeoutMs: number;
}

const now = (): number => performance.now();

async function podsOn(cluster: harness.RealCluster, namespace: string, node: string): Promise<number> {
	const pods = await cluster.core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${node}` });
	return pods.items.length;
}

/** VmHWM of a live process, 0 once it is gone. */
function peakOf(pid: number): number {
	try {
		return memoryOf(pid).hwmKb;
	} catch {
		return 0;
	}
}

export async function agentDrain(options: AgentDrainOptions): Promise<AgentDrain> {
	const { cluster, subject, node, namespace } = options;
	let quiet: Aemm | undefined;
	let notice: Aemm | undefined;
	let proxy: RecordingProxy | undefined;
	let watch: NodeWatch | undefined;
	let agent: Agent | undefined;
	let raised = false;
	let peakKb = 0;
	let sampler: ReturnType<typeof setInterval> | undefined;
	const result = {
		idleKb: 0,
		drainMs: undefined as number | undefined,
		cordonMs: undefined as number | undefined,
		left: options.pods,
		spawnedAt: Date.now(),
		noticeAt: 0,
		endAt: 0,
	};
	let error: string | undefined;
	try {
		quiet = await startAemm(['spot', '-a', 'terminate', '-d', '86400']);
		notice = await startAemm(['spot', '-a', 'terminate', '-d', '0']);
		const noticeUrl = notice.url;
		proxy = await startRecordingProxy(quiet.url, { route: (path) => (raised && path === spotPath ? noticeUrl : undefined) });
		watch = await watchNode(cluster.state, node);
		result.spawnedAt = Date.now();
		const running = startAgent(subject, agentEnv(subject, cluster.state, options.shipped, node, proxy.url, await freePort()));
		agent = running;
		await running.waitForLine(/has started successfully/, 60_000);
		await Promise.race([sleep(options.idleMs), running.exited]);
		if (running.hasExited()) throw new Error('it exited while idle');
		result.idleKb = memoryOf(running.pid).rssKb;
		sampler = setInterval(() => {
			peakKb = Math.max(peakKb, peakOf(running.pid));
		}, 100);

		raised = true;
		const noticeAt = now();
		result.noticeAt = Date.now();
		// The watch's promise rejects when it is closed: nothing to report then.
		watch.cordoned.then(
			(at) => {
				result.cordonMs = at - noticeAt;
			},
			() => {},
		);
		while (now() - noticeAt < options.timeoutMs && !running.hasExited()) {
			result.left = await podsOn(cluster, namespace, node);
			if (result.left === 0) {
				result.drainMs = now() - noticeAt;
				break;
			}
			await sleep(200);
		}
		result.endAt = Date.now();
		if (result.drainMs === undefined)
			error = running.hasExited() ? 'it exited during the drain' : `${result.left} pods left after ${options.timeoutMs / 1000} s`;
		// Requests the agent makes just after the last pod went (its last status GETs) belong to the drain.
		await sleep(2_000);
		peakKb = Math.max(peakKb, peakOf(running.pid));
	} catch (caught) {
		error = caught instanceof Error ? caught.message.split('\n')[0] : String(caught);
		result.endAt ||= Date.now();
	} finally {
		if (sampler !== undefined) clearInterval(sampler);
		await agent?.stop(5_000);
		watch?.close();
		await proxy?.close();
		await quiet?.stop();
		await notice?.stop();
	}
	return {
		ok: error === undefined,
		...(error === undefined
			? {}
			: {
					error,
					lastLines: agent?.lines
						.slice(-6)
						.map((line) => line.text.slice(0, 300))
						.join('\n'),
				}),
		pods: options.pods,
		podsLeft: result.left,
		drainMs: result.drainMs,
		noticeToCordonMs: result.cordonMs,
		idleKb: result.idleKb,
		peakKb,
		spawnedAtEpochMs: result.spawnedAt,
		noticeAtEpochMs: result.noticeAt,
		endAtEpochMs: result.endAt + 2_000,
	};
}
