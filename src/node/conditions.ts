/**
 * @module The `TerminationHandling` node condition, and a node annotation holding a JSON document.
 *
 * The condition shows other automation (and `kubectl describe node`) what
 * the agent is doing; it is written through the `/status` subresource with a
 * strategic merge patch, which merges conditions by `type`, so the kubelet's
 * own conditions are untouched. `lastTransitionTime` moves only when the
 * status changes. The annotation is the durable incident record; its format
 * belongs to incidents/, this only reads and writes the JSON.
 */
import * as v from 'valibot';
import { AgentError } from '../errors.ts';
import type { Node } from '../kube/schemas.ts';
import type { NodeDeps } from './deps.ts';
import { nowOf, readNode } from './update-node.ts';

export const terminationConditionType = 'TerminationHandling';

export type TerminationReason = 'Pending' | 'Cordoned' | 'Draining' | 'Drained' | 'Failed' | 'Cancelled';

export interface TerminationCondition {
	readonly status: 'True' | 'False';
	readonly reason: TerminationReason;
	readonly message: string;
}

/** Sets the condition; a no-op when status, reason and message are already those. */
export async function setTerminationCondition(
	deps: NodeDeps,
	nodeName: string,
	options: { readonly condition: TerminationCondition; readonly signal: AbortSignal },
): Promise<void> {
	const { condition, signal } = options;
	const node = await readNode(deps, nodeName, { action: `set condition of node "${nodeName}"`, signal });
	const current = node.status.conditions?.find((existing) => existing.type === terminationConditionType);
	if (current?.status === condition.status && current.reason === condition.reason && current.message === condition.message) return;
	if (deps.dryRun) {
		deps.log.info(
			`Would have set condition (${terminationConditionType}=${condition.status}, reason ${condition.reason}) on node ${nodeName}, but dry-run flag was set`,
		);
		return;
	}
	const now = nowOf(deps)
		.toISOString()
		.replace(/\.\d{3}Z$/, 'Z');
	const lastTransitionTime = current?.status === condition.status && current.lastTransitionTime ? current.lastTransitionTime : now;
	await deps.kube.patchNode(
		nodeName,
		{
			type: 'strategic',
			subresource: 'status',
			body: { status: { conditions: [{ type: terminationConditionType, ...condition, lastTransitionTime, lastHeartbeatTime: now }] } },
		},
		signal,
	);
	deps.log.debug('Set node condition', {
		node_name: nodeName,
		condition: terminationConditionType,
		status: condition.status,
		reason: condition.reason,
	});
}

/** Removes the condition (a no-op when absent). */
export async function clearTerminationCondition(deps: NodeDeps, nodeName: string, signal: AbortSignal): Promise<void> {
	const node = await readNode(deps, nodeName, { action: `clear condition of node "${nodeName}"`, signal });
	if (!node.status.conditions?.some((existing) => existing.type === terminationConditionType)) return;
	if (deps.dryRun) {
		deps.log.info(`Would have removed condition ${terminationConditionType} from node ${nodeName}, but dry-run flag was set`);
		return;
	}
	await deps.kube.patchNode(
		nodeName,
		{
			type: 'strategic',
			subresource: 'status',
			body: { status: { conditions: [{ type: terminationConditionType, $patch: 'delete' }] } },
		},
		signal,
	);
}

export interface AnnotationWrite {
	readonly nodeName: string;
	readonly key: string;
	/** Written as JSON; null removes the annotation. */
	readonly value: unknown;
	/** Write only if the node still has this resourceVersion (409 otherwise): compare-and-swap. */
	readonly resourceVersion?: string | undefined;
}

/** Writes (or with `value: null` removes) an annotation holding a JSON document. Returns the node after the write (undefined in dry run). */
export async function writeNodeAnnotation(deps: NodeDeps, write: AnnotationWrite, signal: AbortSignal): Promise<Node | undefined> {
	const text = write.value === null ? null : JSON.stringify(write.value);
	if (deps.dryRun) {
		deps.log.info(
			text === null
				? `Would have removed annotation ${write.key} from node ${write.nodeName}, but dry-run flag was set`
				: `Would have written annotation ${write.key} on node ${write.nodeName}, but dry-run flag was set`,
		);
		return undefined;
	}
	const metadata: Record<string, unknown> = { annotations: { [write.key]: text } };
	if (write.resourceVersion !== undefined) metadata['resourceVersion'] = write.resourceVersion;
	return deps.kube.patchNode(write.nodeName, { type: 'merge', body: { metadata } }, signal);
}

/**
 * Reads an annotation written by {@link writeNodeAnnotation}: undefined when
 * absent; throws AgentError when it is not JSON or does not match the schema.
 */
export function readNodeAnnotation<TSchema extends v.GenericSchema>(
	node: Node,
	key: string,
	schema: TSchema,
): v.InferOutput<TSchema> | undefined {
	const text = node.metadata.annotations?.[key];
	if (text === undefined) return undefined;
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw new AgentError(
			`Cannot read annotation "${key}" of node "${node.metadata.name}": ${error instanceof Error ? error.message : String(error)}`,
			{ cause: error },
		);
	}
	const parsed = v.safeParse(schema, json);
	if (!parsed.success)
		throw new AgentError(`Cannot read annotation "${key}" of node "${node.metadata.name}": ${v.summarize(parsed.issues)}`);
	return parsed.output;
}
