/**
 * @module One agent behind the IMDS fault proxy, for the fault tier
 * (test/e2e/faults-imds-*.test.ts): a kwok Node of its own, the built agent
 * (as shipped) with INSTANCE_METADATA_URL on the proxy, probes and metrics on
 * free ports, and its output kept with long lines cut (a hostile payload can
 * make it print megabytes per line; the byte count stays exact).
 *
 * Test code only (Node). Needs NTH_REAL_STATE.
 */
import { randomBytes } from 'node:crypto';
import { type AgentProcess, startAgent } from '../e2e/agent-process.ts';
import { agentEnv, type Cleanup } from '../e2e/scenarios-kit.ts';
import { freePort } from '../real/free-port.ts';
import { createNode, deleteNode, type RealCluster } from '../real/harness.ts';
import type { ImdsFaultProxy } from '../real/imds-fault-proxy.ts';
import { statusOfUrl } from './fault-kit.ts';

export interface FaultAgent {
	readonly agent: AgentProcess;
	readonly node: string;
	readonly metricsPort: number;
	readonly probesPort: number;
	/** GET /healthz: its status, 0 when nothing answered. */
	healthz(): Promise<number>;
	/** The agent is running and /healthz answers 200. */
	alive(): Promise<boolean>;
}

export interface FaultAgentOptions {
	/** POLL_INTERVAL in seconds. @default '0.5' */
	readonly pollInterval?: string;
	/** Extra settings (override the defaults). */
	readonly settings?: Readonly<Record<string, string>>;
	/** Longest line kept in memory. @default 4096 */
	readonly maxLineChars?: number;
}

/** A node name like an EC2 host's, unique per call. */
export function faultNodeName(label: string): string {
	const id = randomBytes(3);
	return `ip-10-${id[0] ?? 0}-${id[1] ?? 0}-${id[2] ?? 0}.${label}.ec2.internal`;
}

/**
 * Creates a Node and starts an agent for it behind `proxy`, with all four
 * monitors on (every notice path is polled), and registers both for cleanup.
 * Resolves once the agent logged its start-up line.
 */
export async function startFaultAgent(
	cluster: RealCluster,
	cleanup: Cleanup,
	kubeconfig: string,
	proxy: ImdsFaultProxy,
	label: string,
	options: FaultAgentOptions = {},
): Promise<FaultAgent> {
	const node = faultNodeName(label);
	cleanup.add(() => deleteNode(cluster, node));
	await createNode(cluster, node);
	const [metricsPort, probesPort] = [await freePort(), await freePort()];
	const env = agentEnv({ namespace: 'default', node, app: 'web' }, kubeconfig, proxy.url, {
		POLL_INTERVAL: options.pollInterval ?? '0.5',
		ENABLE_REBALANCE_MONITORING: 'true',
		ENABLE_ASG_LIFECYCLE_DRAINING: 'true',
		ENABLE_PROMETHEUS_SERVER: 'true',
		PROMETHEUS_SERVER_PORT: String(metricsPort),
		ENABLE_PROBES_SERVER: 'true',
		PROBES_SERVER_PORT: String(probesPort),
		PROBES_SERVER_HOST: '127.0.0.1',
		...options.settings,
	});
	const agent = startAgent(env, { label, maxLineChars: options.maxLineChars ?? 4096 });
	cleanup.add(() => agent.stop());
	await agent.waitForLine('has started successfully', { timeoutMs: 30_000 });
	const healthz = (): Promise<number> => statusOfUrl(`http://127.0.0.1:${probesPort}/healthz`);
	return {
		agent,
		node,
		metricsPort,
		probesPort,
		healthz,
		alive: async () => agent.exit() === undefined && (await healthz()) === 200,
	};
}
