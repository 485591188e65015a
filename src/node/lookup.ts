/**
 * @module Finding this agent's Node object (NTH's fetchKubernetesNode, §3b).
 *
 * NODE_NAME may be an EC2 private DNS name while the Node object is named
 * otherwise, so NTH lists nodes whose `kubernetes.io/hostname` label is the
 * full or the short name and took the first. We prefer an exact match (label
 * or object name equal to the full name), then the object of that name, and
 * take a short-name match only when it is the only one (NTH §8.30: short
 * names collide across domains). With USE_PROVIDER_ID the node is the one
 * whose `spec.providerID` is `aws:///<az>/<instance-id>`.
 *
 * Callers act on the returned object's `metadata.name`, which may differ from NODE_NAME.
 */
import type { Node } from '../kube/schemas.ts';
import type { NodeDeps } from './deps.ts';

export const hostnameLabel = 'kubernetes.io/hostname';

/** Page size when scanning all nodes for a providerID. */
const providerScanPageSize = 200;

export interface NodeQuery {
	/** NODE_NAME. */
	readonly name: string;
	/** With USE_PROVIDER_ID: match `spec.providerID` (see {@link awsProviderId}). */
	readonly providerId?: string | undefined;
}

/** `aws:///<availability-zone>/<instance-id>`, the providerID the AWS cloud provider sets. */
export function awsProviderId(availabilityZone: string, instanceId: string): string {
	return `aws:///${availabilityZone}/${instanceId}`;
}

type LookupDeps = Pick<NodeDeps, 'kube' | 'log' | 'metrics'>;

/** Label values cannot hold every character a name can; such names simply never match by label. */
function isLabelValue(value: string): boolean {
	return value.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value);
}

async function byHostname(deps: LookupDeps, name: string, signal: AbortSignal): Promise<Node | undefined> {
	const short = name.split('.')[0] ?? name;
	const values = [...new Set([name, short])].filter(isLabelValue);
	let candidates: readonly Node[] = [];
	if (values.length > 0) {
		try {
			candidates = (await deps.kube.listNodes({ labelSelector: `${hostnameLabel} in (${values.join(', ')})` }, signal)).items;
		} catch (error) {
			if (signal.aborted) throw error;
			// NTH falls back to a direct GET on a failed list; so do we, but we say so.
			deps.log.warn('Unable to list Nodes w/ label, falling back to direct Get lookup of node', { node_name: name, error });
			deps.metrics.errorCaught('kube');
		}
	}
	const exact = candidates.find((node) => node.metadata.labels?.[hostnameLabel] === name || node.metadata.name === name);
	if (exact !== undefined) return exact;
	const named = await deps.kube.getNode(name, signal);
	if (named !== undefined) return named;
	if (candidates.length === 1) return candidates[0];
	if (candidates.length > 1) {
		deps.log.warn('Several nodes match the short host name; not guessing', {
			node_name: name,
			candidates: candidates.map((node) => node.metadata.name),
		});
	}
	return undefined;
}

async function byProviderId(deps: LookupDeps, query: NodeQuery, providerId: string, signal: AbortSignal): Promise<Node | undefined> {
	// Usually NODE_NAME already names it: one GET instead of listing the cluster.
	const named = await deps.kube.getNode(query.name, signal);
	if (named?.spec.providerID === providerId) return named;
	let token: string | undefined;
	do {
		const page = await deps.kube.listNodes({ limit: providerScanPageSize, continue: token }, signal);
		const found = page.items.find((node) => node.spec.providerID === providerId);
		if (found !== undefined) return found;
		token = page.continue;
	} while (token !== undefined);
	return undefined;
}

/** This agent's Node, or undefined when it is not in the cluster (callers log `node '<n>' not found in the cluster`). */
export function findNode(deps: LookupDeps, query: NodeQuery, signal: AbortSignal): Promise<Node | undefined> {
	if (query.providerId !== undefined && query.providerId !== '') return byProviderId(deps, query, query.providerId, signal);
	return byHostname(deps, query.name, signal);
}
