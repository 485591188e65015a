/**
 * @module Identity and Kubernetes access: the Node, the agent's own pod, the apiserver and the client-side rate limit.
 *
 * One group of the settings table (../settings.ts); ../setting.ts says what a setting holds. NTH's names,
 * env vars, defaults and aliases are kept verbatim.
 */
import { setting, flagOf } from '../setting.ts';
import { anyString, goBool, goInt } from '../values.ts';

export const kubernetesSettings = {
	nodeName: setting({
		flag: 'node-name',
		env: 'NODE_NAME',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: 'Name of the Node object this agent protects (downward API spec.nodeName). Host mode: taken from IMDS local-hostname when empty',
	}),
	podName: setting({
		flag: 'pod-name',
		env: 'POD_NAME',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: "The agent's own pod name, so a drain never evicts the agent",
	}),
	podNamespace: setting({
		flag: 'pod-namespace',
		env: 'NAMESPACE',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: "The agent's own namespace",
	}),
	kubeconfig: setting({
		flag: 'kubeconfig',
		env: 'KUBECONFIG',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		nth: true,
		doc: "Kubeconfig file for host mode (e.g. the kubelet's); in-cluster service account when empty",
	}),
	kubernetesServiceHost: setting({
		flag: 'kubernetes-service-host',
		env: 'KUBERNETES_SERVICE_HOST',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: 'API server host for in-cluster access (set by Kubernetes)',
	}),
	kubernetesServicePort: setting({
		flag: 'kubernetes-service-port',
		env: 'KUBERNETES_SERVICE_PORT',
		defaultText: '',
		schema: anyString,
		group: 'kubernetes',
		doc: 'API server port for in-cluster access (set by Kubernetes)',
	}),
	kubeApiQps: setting({
		flag: 'kube-api-qps',
		env: 'KUBE_API_QPS',
		defaultText: '20',
		schema: goInt(1, 10_000),
		group: 'kubernetes',
		doc: "Client-side limit of API requests per second (NTH's 5 throttles drains; watches keep our request count low)",
	}),
	kubeApiBurst: setting({
		flag: 'kube-api-burst',
		env: 'KUBE_API_BURST',
		defaultText: '40',
		schema: goInt(1, 10_000),
		group: 'kubernetes',
		doc: 'Client-side burst of API requests above kube-api-qps',
	}),
	useApiserverCache: flagOf({
		flag: 'use-apiserver-cache',
		env: 'USE_APISERVER_CACHE',
		defaultText: 'false',
		schema: goBool,
		group: 'kubernetes',
		doc: 'List pods from the API server cache (resourceVersion=0); filters still apply',
	}),
	useProviderId: flagOf({
		flag: 'use-provider-id',
		env: 'USE_PROVIDER_ID',
		defaultText: 'false',
		schema: goBool,
		group: 'kubernetes',
		doc: 'Find the node by spec.providerID (aws:///<az>/<instance-id>) instead of by name',
	}),
} as const;
