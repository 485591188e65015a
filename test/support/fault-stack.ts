/**
 * @module What every IMDS fault test file (test/e2e/faults-imds-*.test.ts)
 * sets up the same way: the stack's kubeconfig for the agent, one quiet AEMM
 * (no notice of its own: spot and rebalance pushed a day away, so the proxy
 * serves the notices), the IMDS fault proxy in front of it, per-test cleanup,
 * and a fresh agent per test behind the proxy with its faults reset.
 *
 * Test code only (Node). Needs NTH_REAL_STATE.
 */
import { startAemm, type Aemm } from '../real/aemm.ts';
import type { RealCluster } from '../real/harness.ts';
import { type ImdsFaultProxy, startImdsFaultProxy } from '../real/imds-fault-proxy.ts';
import { type Cleanup, ScenarioKit, agentKubeconfig } from '../e2e/scenarios-kit.ts';
import { type FaultAgent, type FaultAgentOptions, startFaultAgent } from './fault-agent.ts';
import { type CordonWatch, watchCordon } from './fault-kit.ts';

/** AEMM with no notice of its own: spot and rebalance pushed a day away. */
export const quietAemm = ['spot', '--mock-delay-sec', '86400', '--rebalance-delay-sec', '86400'];

type SuiteHooks = Parameters<ScenarioKit['attach']>[0];

export interface FaultStackOptions {
	/** AEMM answers IMDSv2 only (every GET needs a token, so a proxy's 401s are the real kind). */
	readonly imdsv2?: boolean;
}

export class FaultStack {
	readonly kit = new ScenarioKit();
	#kubeconfig: string | undefined;
	#aemm: Aemm | undefined;
	#proxy: ImdsFaultProxy | undefined;

	/** Connects, starts AEMM and the proxy before the suite; cleans up after each test; stops both after the suite. */
	attach(suite: SuiteHooks, options: FaultStackOptions = {}): void {
		this.kit.attach(suite, async (cluster) => {
			this.#kubeconfig = await agentKubeconfig(cluster);
			this.#aemm = await startAemm(quietAemm, options.imdsv2 === true ? { imdsv2: true } : undefined);
			this.#proxy = await startImdsFaultProxy(this.#aemm.url);
		});
		suite.after(async () => {
			await this.#proxy?.close();
			await this.#aemm?.stop();
		});
	}

	get cluster(): RealCluster {
		return this.kit.cluster;
	}

	/** Runs after each test. */
	get cleanup(): Cleanup {
		return this.kit.cleanup;
	}

	get proxy(): ImdsFaultProxy {
		if (this.#proxy === undefined) throw new Error('Cannot use the IMDS fault proxy before the suite starts');
		return this.#proxy;
	}

	/** A fresh agent (and Node) behind the proxy with no faults; stopped by `steps` (the test's cleanup by default). */
	async agent(label: string, options: FaultAgentOptions & { readonly steps?: Cleanup } = {}): Promise<FaultAgent> {
		const kubeconfig = this.#kubeconfig;
		if (kubeconfig === undefined) throw new Error('Cannot start a fault agent before the suite starts');
		await this.proxy.reset();
		return startFaultAgent(this.cluster, options.steps ?? this.cleanup, kubeconfig, this.proxy, label, options);
	}

	/** A watch for the node's cordon, stopped by `steps` (the test's cleanup by default). */
	async watchCordon(node: string, steps: Cleanup = this.cleanup): Promise<CordonWatch> {
		const watch = await watchCordon(this.cluster, node);
		steps.add(() => watch.stop());
		return watch;
	}
}
