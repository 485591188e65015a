// The KubeApi contract (test/support/kube-api.contract.ts) on the real
// kube-apiserver, through the agent's own lean client (connectKube +
// createKubeApi) with the ServiceAccount token of manifests/' RBAC plus the
// events and pdb-delete components; fixtures are made as admin, and the real
// disruption controller computes the budgets. test/unit/kube-api-contract.test.ts
// runs the same cases on the fake.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `node scripts/test.mjs --e2e kube-api-contract`).
import { suite } from 'uvu';
import type { KubeApi } from '../../src/kube/api.ts';
import { createKubeApi } from '../../src/kube/client.ts';
import { connectKube } from '../../src/kube/config.ts';
import { createLogger } from '../../src/log/logger.ts';
import { noopMetrics } from '../../src/metrics/types.ts';
import { createNodeRuntime } from '../../src/runtime/node.ts';
import { createNamespace, createNode, createPdb, createPod, deleteNamespace, deleteNode } from '../real/harness.ts';
import { type ContractWorld, registerKubeApiContract } from '../support/kube-api.contract.ts';
import { ScenarioKit } from './scenarios-kit.ts';

const kit = new ScenarioKit();
const contract = suite('KubeApi contract on the real apiserver (agent RBAC)');
let api: KubeApi;

kit.attach(contract, async () => {
	const kubeconfig = await kit.kubeconfig(['events', 'pdb-delete']);
	const connection = await connectKube(createNodeRuntime().createFetch, { kubeconfig });
	api = createKubeApi({
		server: connection.server,
		fetch: connection.fetch,
		authHeaders: connection.authHeaders,
		onUnauthorized: connection.invalidate,
		qps: 50,
		burst: 100,
		log: createLogger({ level: 'error', stdout: () => {}, stderr: (text) => void console.error(text.trimEnd()) }),
		metrics: noopMetrics(),
		userAgent: 'nth-e2e/kube-api-contract',
	});
});

function realWorld(): ContractWorld {
	const cluster = kit.cluster;
	const nodes: string[] = [];
	const namespaces: string[] = [];
	return {
		api,
		node: async (name) => {
			nodes.push(name);
			await createNode(cluster, name);
		},
		namespace: async () => {
			const name = await createNamespace(cluster, 'contract');
			namespaces.push(name);
			return name;
		},
		pod: async (namespace, name, node, labels) =>
			(await createPod(cluster, namespace, name, { nodeName: node, labels })).metadata?.uid ?? '',
		pdb: async (namespace, name, labels, minAvailable) => {
			await createPdb(cluster, namespace, name, { selector: labels, minAvailable });
		},
		cleanup: async () => {
			await Promise.all([...namespaces.map((name) => deleteNamespace(cluster, name)), ...nodes.map((name) => deleteNode(cluster, name))]);
		},
	};
}

registerKubeApiContract(contract, async () => realWorld());
contract.run();
