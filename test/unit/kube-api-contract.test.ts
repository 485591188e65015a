// The KubeApi contract (test/support/kube-api.contract.ts) on the in-memory
// fake of test/support/fake-kube-api.ts. test/e2e/kube-api-contract.test.ts runs the same
// cases on the real apiserver, so the fake answers as the apiserver does.
import { suite } from 'uvu';
import { FakeKubeApi } from '../support/fake-kube-api.ts';
import { type ContractWorld, registerKubeApiContract } from '../support/kube-api.contract.ts';

/** A fake with budgets enforced; the world plays the disruption controller when it adds a budget. */
function fakeWorld(): ContractWorld {
	const api = new FakeKubeApi({ disruptionBudgets: 'enforce' });
	let namespaces = 0;
	return {
		api,
		node: async (name) => {
			api.addNode({
				metadata: { name, labels: { 'kubernetes.io/hostname': name } },
				status: { conditions: [{ type: 'Ready', status: 'True' }] },
			});
		},
		namespace: async () => `contract-${(namespaces += 1)}`,
		pod: async (namespace, name, node, labels) =>
			api.addPod({
				metadata: { name, namespace, labels: { ...labels } },
				spec: { nodeName: node },
				status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
			}).metadata.uid,
		pdb: async (namespace, name, labels, minAvailable) => {
			const healthy = api
				.pods()
				.filter(
					(pod) =>
						pod.metadata.namespace === namespace && Object.entries(labels).every(([key, value]) => pod.metadata.labels?.[key] === value),
				).length;
			api.addPdb({
				metadata: { name, namespace, generation: 1 },
				spec: { selector: { matchLabels: { ...labels } } },
				status: {
					observedGeneration: 1,
					disruptionsAllowed: Math.max(0, healthy - minAvailable),
					currentHealthy: healthy,
					desiredHealthy: minAvailable,
					expectedPods: healthy,
				},
			});
		},
		cleanup: async () => {},
	};
}

const contract = suite('KubeApi contract on the fake');
registerKubeApiContract(contract, async () => fakeWorld());
contract.run();
