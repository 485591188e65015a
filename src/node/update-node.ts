/**
 * @module Reading a node for an action, and read-modify-write patches that survive concurrent writers.
 *
 * Taints are a list without a merge key, and "only if absent" label rules
 * depend on the current value, so these patches are computed from the node
 * as read and carry its `metadata.resourceVersion`: the apiserver rejects
 * the patch with 409 if anyone wrote in between, and we read again and
 * recompute, with a short growing backoff, until a deadline or the signal.
 */
import { KubeError } from '../errors.ts';
import type { Node } from '../kube/schemas.ts';
import { sleep as realSleep } from '../clock.ts';
import type { NodeDeps } from './deps.ts';

/** How long conflicting writes are retried (NTH: 5 s). */
export const conflictDeadlineMs = 5_000;
const firstBackoffMs = 100;
const maxBackoffMs = 750;

export function nowOf(deps: NodeDeps): Date {
	return deps.now?.() ?? new Date();
}

/** An empty node standing in for a missing one in dry run (NTH's synthetic node). */
function syntheticNode(name: string): Node {
	return { metadata: { name, uid: '' }, spec: {}, status: {} };
}

/**
 * The node, or: in dry run an empty stand-in (so "would have" lines still
 * print), otherwise KubeError 404 `Cannot <action>: node "<name>" not found`.
 */
export async function readNode(
	deps: NodeDeps,
	nodeName: string,
	options: { readonly action: string; readonly signal: AbortSignal },
): Promise<Node> {
	const { action, signal } = options;
	const node = await deps.kube.getNode(nodeName, signal);
	if (node !== undefined) return node;
	if (deps.dryRun) {
		deps.log.debug('Node not found; dry run continues with an empty node', { node_name: nodeName });
		return syntheticNode(nodeName);
	}
	throw new KubeError(`Cannot ${action}: node "${nodeName}" not found`, { status: 404, reason: 'NotFound' });
}

/** A merge patch computed from the current node, or undefined when the node already is as wanted. */
export type NodeChange = (node: Node) => Record<string, unknown> | undefined;

export interface GuardedResult {
	/** The node after the patch, or as read when nothing was needed. */
	readonly node: Node;
	/** The patch the node needed (undefined when none); in dry run it was not sent. */
	readonly patch: Record<string, unknown> | undefined;
	/** The node before the write that succeeded. */
	readonly before: Node;
}

function withResourceVersion(patch: Record<string, unknown>, resourceVersion: string | undefined): Record<string, unknown> {
	const metadata = typeof patch['metadata'] === 'object' && patch['metadata'] !== null ? patch['metadata'] : {};
	return { ...patch, metadata: { ...metadata, resourceVersion } };
}

/**
 * Reads the node, computes the merge patch, and sends it guarded by the
 * resourceVersion; on 409 reads again and recomputes until
 * {@link conflictDeadlineMs}. In dry run nothing is sent: the caller logs
 * its "would have" line from `patch`.
 */
export async function patchNodeGuarded(
	deps: NodeDeps,
	nodeName: string,
	options: { readonly action: string; readonly change: NodeChange; readonly signal: AbortSignal },
): Promise<GuardedResult> {
	const { action, change, signal } = options;
	const sleep = deps.sleep ?? realSleep;
	const deadline = nowOf(deps).getTime() + conflictDeadlineMs;
	let backoffMs = firstBackoffMs;
	for (let attempt = 1; ; attempt += 1) {
		const node = await readNode(deps, nodeName, { action, signal });
		const patch = change(node);
		if (patch === undefined || deps.dryRun) return { node, patch, before: node };
		try {
			const patched = await deps.kube.patchNode(
				nodeName,
				{ type: 'merge', body: withResourceVersion(patch, node.metadata.resourceVersion) },
				signal,
			);
			return { node: patched, patch, before: node };
		} catch (error) {
			if (!(error instanceof KubeError) || error.status !== 409 || nowOf(deps).getTime() + backoffMs > deadline) throw error;
			deps.log.debug('Node changed while we wrote it; reading it again', { node_name: nodeName, action, attempt });
			deps.metrics.errorCaught('kube');
			await sleep(backoffMs, signal);
			backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
		}
	}
}
