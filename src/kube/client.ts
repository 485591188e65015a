/**
 * @module {@link KubeApi} over a fetch: the agent's lean Kubernetes client.
 *
 * No generated client at run time (client-node's models cost tens of MB of
 * RSS): each method is one request built here on the shared request path
 * (transport.ts: ky with the credentials hook, `KubeError` mapping, valibot
 * parsing, the token bucket) or one watch stream (watch-stream.ts).
 * The RBAC permission each method needs is declared in `permissions.ts`
 * (`methodPermissions`), the one list manifests/, the chart and `nth doctor`
 * are held to.
 */
import { KubeError } from '../errors.ts';
import type { CoreEventInput, DeleteOptions, EvictOptions, KubeApi, NodePatch, PatchType, WatchEvent } from './api.ts';
import { AccessReviewSchema, NodeSchema, type Pod, type PodDisruptionBudget, PodDisruptionBudgetSchema, PodSchema } from './schemas.ts';
import { type KubeApiOptions, createTransport, listPath, quoted, segment } from './transport.ts';
import { watchStream } from './watch-stream.ts';

export type { KubeApiOptions } from './transport.ts';

const fieldManager = 'nth';

const patchContentType: Record<PatchType, string> = {
	merge: 'application/merge-patch+json',
	strategic: 'application/strategic-merge-patch+json',
	json: 'application/json-patch+json',
};

/** Creates the real KubeApi. */
export function createKubeApi(options: KubeApiOptions): KubeApi {
	const transport = createTransport(options);
	return {
		async getNode(name, signal) {
			try {
				return await transport.requestJson(
					{ method: 'GET', path: `/api/v1/nodes/${segment(name)}`, action: `get node ${quoted(name)}` },
					NodeSchema,
					signal,
				);
			} catch (error) {
				if (error instanceof KubeError && error.status === 404) return undefined;
				throw error;
			}
		},
		listNodes(listOptions, signal) {
			return transport.list({ path: '/api/v1/nodes', what: 'nodes' }, NodeSchema, listOptions, signal);
		},
		patchNode(name, patch: NodePatch, signal) {
			const status = patch.subresource === 'status';
			return transport.requestJson(
				{
					method: 'PATCH',
					path: `/api/v1/nodes/${segment(name)}${status ? '/status' : ''}`,
					action: `patch node ${quoted(name)}${status ? ' status' : ''}`,
					query: { fieldManager },
					body: patch.body,
					contentType: patchContentType[patch.type],
				},
				NodeSchema,
				signal,
			);
		},
		listPods(listOptions, signal) {
			return transport.list({ path: listPath('/api/v1', 'pods', listOptions.namespace), what: 'pods' }, PodSchema, listOptions, signal);
		},
		watchPods(watchOptions, signal): AsyncIterable<WatchEvent<Pod>> {
			return watchStream(
				transport,
				{ path: listPath('/api/v1', 'pods', watchOptions.namespace), what: 'pods', item: PodSchema, options: watchOptions },
				signal,
			);
		},
		async evictPod(namespace, name, evict: EvictOptions, signal) {
			const deleteOptions: Record<string, unknown> = {};
			if (evict.gracePeriodSeconds !== undefined) deleteOptions['gracePeriodSeconds'] = evict.gracePeriodSeconds;
			if (evict.uid !== undefined) deleteOptions['preconditions'] = { uid: evict.uid };
			if (evict.dryRun === true) deleteOptions['dryRun'] = ['All'];
			await transport.requestOk(
				{
					method: 'POST',
					path: `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}/eviction`,
					action: `evict pod ${quoted(`${namespace}/${name}`)}`,
					body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions },
				},
				signal,
			);
		},
		async deletePod(namespace, name, del: DeleteOptions, signal) {
			const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
			if (del.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = del.gracePeriodSeconds;
			if (del.uid !== undefined) body['preconditions'] = { uid: del.uid };
			await transport.requestOk(
				{
					method: 'DELETE',
					path: `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}`,
					action: `delete pod ${quoted(`${namespace}/${name}`)}`,
					body,
				},
				signal,
			);
		},
		async daemonSetExists(namespace, name, signal) {
			try {
				await transport.requestOk(
					{
						method: 'GET',
						path: `/apis/apps/v1/namespaces/${segment(namespace)}/daemonsets/${segment(name)}`,
						action: `get daemonset ${quoted(`${namespace}/${name}`)}`,
					},
					signal,
				);
				return true;
			} catch (error) {
				if (error instanceof KubeError && error.status === 404) return false;
				throw error;
			}
		},
		listPodDisruptionBudgets(listOptions, signal) {
			return transport.list(
				{ path: listPath('/apis/policy/v1', 'poddisruptionbudgets', listOptions.namespace), what: 'poddisruptionbudgets' },
				PodDisruptionBudgetSchema,
				listOptions,
				signal,
			);
		},
		watchPodDisruptionBudgets(watchOptions, signal): AsyncIterable<WatchEvent<PodDisruptionBudget>> {
			return watchStream(
				transport,
				{
					path: listPath('/apis/policy/v1', 'poddisruptionbudgets', watchOptions.namespace),
					what: 'poddisruptionbudgets',
					item: PodDisruptionBudgetSchema,
					options: watchOptions,
				},
				signal,
			);
		},
		async canI(check, signal) {
			const review = await transport.requestJson(
				{
					method: 'POST',
					path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
					action: `review access to ${check.verb} ${check.group ? `${check.group}/` : ''}${check.resource}${check.subresource ? `/${check.subresource}` : ''}`,
					body: {
						apiVersion: 'authorization.k8s.io/v1',
						kind: 'SelfSubjectAccessReview',
						spec: {
							resourceAttributes: {
								verb: check.verb,
								group: check.group,
								resource: check.resource,
								...(check.subresource ? { subresource: check.subresource } : {}),
							},
						},
					},
				},
				AccessReviewSchema,
				signal,
			);
			return review.status.allowed;
		},
		async createEvent(event: CoreEventInput, signal) {
			await transport.requestOk(
				{
					method: 'POST',
					path: `/api/v1/namespaces/${segment(event.namespace)}/events`,
					action: `create event ${quoted(`${event.namespace}/${event.name}`)}`,
					query: { fieldManager },
					body: {
						apiVersion: 'v1',
						kind: 'Event',
						metadata: { name: event.name, namespace: event.namespace, annotations: event.annotations },
						involvedObject: event.involvedObject,
						reason: event.reason,
						message: event.message,
						type: event.type,
						source: event.source,
						firstTimestamp: event.firstTimestamp,
						lastTimestamp: event.lastTimestamp,
						count: event.count,
					},
				},
				signal,
			);
		},
		async patchEvent(namespace, name, patch, signal) {
			await transport.requestOk(
				{
					method: 'PATCH',
					path: `/api/v1/namespaces/${segment(namespace)}/events/${segment(name)}`,
					action: `patch event ${quoted(`${namespace}/${name}`)}`,
					query: { fieldManager },
					body: patch,
					contentType: patchContentType.merge,
				},
				signal,
			);
		},
	};
}
