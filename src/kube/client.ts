/**
 * @module {@link KubeApi} over a fetch: the agent's lean Kubernetes request path.
 *
 * No generated client at run time (client-node's models cost tens of MB of
 * RSS): each call is one ky request built here, its body parsed by the valibot
 * shapes in `schemas.ts`, failures mapped to `KubeError` with the HTTP status
 * and the Status `reason`. Requests pass a client-side token bucket (QPS and
 * burst, as client-go does); watches are long-lived streams and do not.
 * The RBAC permission each method needs is declared in `permissions.ts`
 * (`methodPermissions`), the one list manifests/, the chart and `nth doctor`
 * are held to.
 */
import ky from 'ky';
import * as v from 'valibot';
import { KubeError, type KubeErrorCause } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { FetchFn } from '../runtime/types.ts';
import type {
	CoreEventInput,
	DeleteOptions,
	EvictOptions,
	KubeApi,
	ListOptions,
	ListResult,
	NodePatch,
	PatchType,
	WatchEvent,
	WatchOptions,
} from './api.ts';
import { createTokenBucket } from './rate-limiter.ts';
import { readLines } from './read-lines.ts';
import {
	AnyObjectSchema,
	listSchema,
	NodeSchema,
	type Pod,
	type PodDisruptionBudget,
	PodDisruptionBudgetSchema,
	PodSchema,
	StatusSchema,
	WatchLineSchema,
	AccessReviewSchema,
} from './schemas.ts';
import type { Sleep } from '../clock.ts';

export interface KubeApiOptions {
	/** API server URL, e.g. `https://10.96.0.1:443` (a path prefix is kept). */
	readonly server: string;
	/** The transport: `runtime.createFetch({ ca, cert, key, … })`, or a fake in tests. */
	readonly fetch: FetchFn;
	/** Authorization (and impersonation) headers; called per request, so it should cache. */
	readonly authHeaders: () => Promise<Readonly<Record<string, string>>>;
	/** Client-side requests per second (KUBE_API_QPS). */
	readonly qps: number;
	/** Client-side burst (KUBE_API_BURST). */
	readonly burst: number;
	readonly log: Logger;
	readonly metrics: Metrics;
	readonly userAgent: string;
	/** Per-request timeout (not for watches). @default 30000 */
	readonly requestTimeoutMs?: number | undefined;
	/** Told when the server answers 401, so cached credentials can be dropped. */
	readonly onUnauthorized?: (() => void) | undefined;
	/** Monotonic clock of the rate limiter, ms. @default performance.now */
	readonly now?: (() => number) | undefined;
	/** Sleep of the rate limiter. @default an abortable setTimeout sleep */
	readonly sleep?: Sleep | undefined;
}

/** Page size when the caller does not page itself. */
const pageSize = 500;
const defaultRequestTimeoutMs = 30_000;
const fieldManager = 'nth';

const patchContentType: Record<PatchType, string> = {
	merge: 'application/merge-patch+json',
	strategic: 'application/strategic-merge-patch+json',
	json: 'application/json-patch+json',
};

type Query = Record<string, string | number | boolean | undefined>;

interface RequestSpec {
	readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
	readonly path: string;
	/** What failed, for the error message: `get node "a"`. */
	readonly action: string;
	readonly query?: Query | undefined;
	readonly body?: unknown;
	readonly contentType?: string | undefined;
	readonly watch?: boolean | undefined;
}

function quoted(value: string): string {
	return JSON.stringify(value);
}

function segment(value: string): string {
	return encodeURIComponent(value);
}

/** The Status message reads as a detail after our own "Cannot …:" prefix. */
function detailOf(text: string): string {
	return text.trim().replace(/\.$/, '');
}

/**
 * managedFields is often half of an object and the agent never reads it;
 * dropping it before validation keeps listed and watched objects small.
 */
function dropManagedFields(value: unknown): void {
	if (typeof value === 'object' && value !== null && 'metadata' in value) {
		const metadata: unknown = value.metadata;
		if (typeof metadata === 'object' && metadata !== null && 'managedFields' in metadata) delete metadata.managedFields;
	}
}

/** The error and its causes in one line (ky's NetworkError → fetch's TypeError → ECONNREFUSED). */
function describeTransportError(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	if (error.name === 'TimeoutError') return 'request timed out';
	const parts = [error.message];
	let cause: unknown = error.cause;
	for (let depth = 0; cause instanceof Error && depth < 4; depth += 1) {
		parts.push(cause.message);
		cause = cause.cause;
	}
	return parts.join(': ');
}

function listPath(group: string, resource: string, namespace: string | undefined): string {
	return namespace === undefined || namespace === '' ? `${group}/${resource}` : `${group}/namespaces/${segment(namespace)}/${resource}`;
}

/** Creates the real KubeApi. */
export function createKubeApi(options: KubeApiOptions): KubeApi {
	const { log } = options;
	const limiter = createTokenBucket({ qps: options.qps, burst: options.burst, now: options.now, sleep: options.sleep });
	const api = ky.create({
		prefix: options.server,
		fetch: options.fetch,
		retry: 0,
		throwHttpErrors: false,
	});
	const requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;

	async function statusError(response: Response, action: string): Promise<KubeError> {
		let text = '';
		try {
			text = await response.text();
		} catch (error) {
			// The status alone still makes a useful error; the body is best effort.
			log.debug('Cannot read the body of a failed Kubernetes API response', { action, error });
			options.metrics.errorCaught('kube');
		}
		let reason: string | undefined;
		let message = '';
		let causes: KubeErrorCause[] = [];
		try {
			const parsed = v.safeParse(StatusSchema, JSON.parse(text));
			if (parsed.success) {
				reason = parsed.output.reason;
				message = parsed.output.message ?? '';
				causes = (parsed.output.details?.causes ?? []).map((cause) => ({ reason: cause.reason, message: cause.message, field: cause.field }));
			}
		} catch {
			// Not JSON (a proxy's HTML page, plain text): fall back to the raw text below.
		}
		if (message === '') message = text.trim().slice(0, 300) || `status ${response.status}`;
		if (response.status === 401) options.onUnauthorized?.();
		return new KubeError(`Cannot ${action}: ${detailOf(message)}`, { status: response.status, reason, causes });
	}

	async function send(spec: RequestSpec, signal: AbortSignal): Promise<Response> {
		if (spec.watch !== true) await limiter.acquire(signal);
		let auth: Readonly<Record<string, string>>;
		try {
			auth = await options.authHeaders();
		} catch (error) {
			throw new KubeError(`Cannot ${spec.action}: cannot load credentials: ${describeTransportError(error)}`, { cause: error });
		}
		const headers: Record<string, string> = { ...auth, 'user-agent': options.userAgent, accept: 'application/json' };
		let body: string | undefined;
		if (spec.body !== undefined) {
			headers['content-type'] = spec.contentType ?? 'application/json';
			body = JSON.stringify(spec.body);
		}
		try {
			const response = await api(spec.path.replace(/^\//, ''), {
				method: spec.method,
				headers,
				searchParams: spec.query ?? {},
				...(body === undefined ? {} : { body }),
				signal,
				timeout: spec.watch === true ? false : requestTimeoutMs,
			});
			log.debug('Kubernetes API request', { method: spec.method, path: spec.path, status: response.status });
			return response;
		} catch (error) {
			// An abort by the caller surfaces as the caller's reason, as fetch does, never as a KubeError.
			if (signal.aborted) throw signal.reason ?? error;
			throw new KubeError(`Cannot ${spec.action}: ${describeTransportError(error)}`, { cause: error });
		}
	}

	async function requestJson<TSchema extends v.GenericSchema>(spec: RequestSpec, schema: TSchema, signal: AbortSignal): Promise<v.InferOutput<TSchema>> {
		const response = await send(spec, signal);
		if (!response.ok) throw await statusError(response, spec.action);
		let value: unknown;
		try {
			value = JSON.parse(await response.text());
		} catch (error) {
			if (signal.aborted) throw error;
			throw new KubeError(`Cannot ${spec.action}: the response is not JSON: ${describeTransportError(error)}`, { status: response.status, cause: error });
		}
		dropManagedFields(value);
		if (typeof value === 'object' && value !== null && 'items' in value && Array.isArray(value.items)) value.items.forEach(dropManagedFields);
		const parsed = v.safeParse(schema, value);
		if (!parsed.success) {
			throw new KubeError(`Cannot ${spec.action}: unexpected response: ${v.summarize(parsed.issues)}`, { status: response.status });
		}
		return parsed.output;
	}

	/** Sends a request whose body we do not need; resolves on 2xx. */
	async function requestOk(spec: RequestSpec, signal: AbortSignal): Promise<void> {
		await requestJson(spec, AnyObjectSchema, signal);
	}

	async function list<TSchema extends v.GenericSchema>(
		path: string,
		what: string,
		item: TSchema,
		listOptions: ListOptions,
		signal: AbortSignal,
	): Promise<ListResult<v.InferOutput<TSchema>>> {
		const schema = listSchema(item);
		const items: v.InferOutput<TSchema>[] = [];
		const selfPaged = listOptions.limit !== undefined;
		let token = listOptions.continue;
		for (;;) {
			const page = await requestJson({
				method: 'GET',
				path,
				action: `list ${what}`,
				query: {
					labelSelector: listOptions.labelSelector,
					fieldSelector: listOptions.fieldSelector,
					resourceVersion: listOptions.resourceVersion,
					limit: listOptions.limit ?? pageSize,
					continue: token,
				},
			}, schema, signal);
			items.push(...(page.items ?? []));
			token = page.metadata?.continue || undefined;
			if (selfPaged || token === undefined) {
				return { items, resourceVersion: page.metadata?.resourceVersion ?? '', continue: selfPaged ? token : undefined };
			}
		}
	}

	function parseWatchLine<TSchema extends v.GenericSchema>(line: string, item: TSchema, action: string): WatchEvent<v.InferOutput<TSchema>> {
		let raw: unknown;
		try {
			raw = JSON.parse(line);
		} catch (error) {
			throw new KubeError(`Cannot ${action}: a watch event is not JSON: ${describeTransportError(error)}`, { cause: error });
		}
		const event = v.safeParse(WatchLineSchema, raw);
		if (!event.success) throw new KubeError(`Cannot ${action}: unexpected watch event: ${v.summarize(event.issues)}`, {});
		if (event.output.type === 'ERROR') {
			const status = v.safeParse(StatusSchema, event.output.object);
			const code = status.success ? status.output.code : undefined;
			const reason = status.success ? status.output.reason : undefined;
			const message = status.success ? status.output.message : undefined;
			throw new KubeError(`Cannot ${action}: ${detailOf(message ?? `watch error ${code ?? 'without a code'}`)}`, {
				status: code,
				reason: reason ?? (code === 410 ? 'Gone' : undefined),
			});
		}
		dropManagedFields(event.output.object);
		const object = v.safeParse(item, event.output.object);
		if (!object.success) throw new KubeError(`Cannot ${action}: unexpected object in a watch event: ${v.summarize(object.issues)}`, {});
		return { type: event.output.type, object: object.output };
	}

	async function* watch<TSchema extends v.GenericSchema>(
		path: string,
		what: string,
		item: TSchema,
		watchOptions: WatchOptions,
		signal: AbortSignal,
	): AsyncGenerator<WatchEvent<v.InferOutput<TSchema>>> {
		const action = `watch ${what}`;
		// Our own controller tears the stream down when the consumer stops early (break/return).
		const stop = new AbortController();
		const linked = AbortSignal.any([signal, stop.signal]);
		try {
			let response: Response;
			try {
				response = await send({
					method: 'GET',
					path,
					action,
					watch: true,
					query: {
						watch: 1,
						resourceVersion: watchOptions.resourceVersion,
						allowWatchBookmarks: watchOptions.allowBookmarks ?? true,
						labelSelector: watchOptions.labelSelector,
						fieldSelector: watchOptions.fieldSelector,
						timeoutSeconds: watchOptions.timeoutSeconds,
					},
				}, linked);
			} catch (error) {
				if (signal.aborted) return;
				throw error;
			}
			if (!response.ok) throw await statusError(response, action);
			if (response.body === null) return;
			try {
				for await (const line of readLines(response.body)) yield parseWatchLine(line, item, action);
			} catch (error) {
				if (signal.aborted) return;
				if (error instanceof KubeError) throw error;
				throw new KubeError(`Cannot ${action}: the stream broke: ${describeTransportError(error)}`, { cause: error });
			}
		} finally {
			stop.abort();
		}
	}

	function patchQuery(): Query {
		return { fieldManager };
	}

	return {
		async getNode(name, signal) {
			try {
				return await requestJson({ method: 'GET', path: `/api/v1/nodes/${segment(name)}`, action: `get node ${quoted(name)}` }, NodeSchema, signal);
			} catch (error) {
				if (error instanceof KubeError && error.status === 404) return undefined;
				throw error;
			}
		},
		listNodes(listOptions, signal) {
			return list('/api/v1/nodes', 'nodes', NodeSchema, listOptions, signal);
		},
		patchNode(name, patch: NodePatch, signal) {
			const status = patch.subresource === 'status';
			return requestJson({
				method: 'PATCH',
				path: `/api/v1/nodes/${segment(name)}${status ? '/status' : ''}`,
				action: `patch node ${quoted(name)}${status ? ' status' : ''}`,
				query: patchQuery(),
				body: patch.body,
				contentType: patchContentType[patch.type],
			}, NodeSchema, signal);
		},
		listPods(listOptions, signal) {
			return list(listPath('/api/v1', 'pods', listOptions.namespace), 'pods', PodSchema, listOptions, signal);
		},
		watchPods(watchOptions, signal): AsyncIterable<WatchEvent<Pod>> {
			return watch(listPath('/api/v1', 'pods', watchOptions.namespace), 'pods', PodSchema, watchOptions, signal);
		},
		async evictPod(namespace, name, evict: EvictOptions, signal) {
			const deleteOptions: Record<string, unknown> = {};
			if (evict.gracePeriodSeconds !== undefined) deleteOptions['gracePeriodSeconds'] = evict.gracePeriodSeconds;
			if (evict.uid !== undefined) deleteOptions['preconditions'] = { uid: evict.uid };
			if (evict.dryRun === true) deleteOptions['dryRun'] = ['All'];
			await requestOk({
				method: 'POST',
				path: `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}/eviction`,
				action: `evict pod ${quoted(`${namespace}/${name}`)}`,
				body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions },
			}, signal);
		},
		async deletePod(namespace, name, del: DeleteOptions, signal) {
			const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
			if (del.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = del.gracePeriodSeconds;
			if (del.uid !== undefined) body['preconditions'] = { uid: del.uid };
			await requestOk({
				method: 'DELETE',
				path: `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}`,
				action: `delete pod ${quoted(`${namespace}/${name}`)}`,
				body,
			}, signal);
		},
		async daemonSetExists(namespace, name, signal) {
			try {
				await requestOk({
					method: 'GET',
					path: `/apis/apps/v1/namespaces/${segment(namespace)}/daemonsets/${segment(name)}`,
					action: `get daemonset ${quoted(`${namespace}/${name}`)}`,
				}, signal);
				return true;
			} catch (error) {
				if (error instanceof KubeError && error.status === 404) return false;
				throw error;
			}
		},
		listPodDisruptionBudgets(listOptions, signal) {
			return list(listPath('/apis/policy/v1', 'poddisruptionbudgets', listOptions.namespace), 'poddisruptionbudgets', PodDisruptionBudgetSchema, listOptions, signal);
		},
		watchPodDisruptionBudgets(watchOptions, signal): AsyncIterable<WatchEvent<PodDisruptionBudget>> {
			return watch(listPath('/apis/policy/v1', 'poddisruptionbudgets', watchOptions.namespace), 'poddisruptionbudgets', PodDisruptionBudgetSchema, watchOptions, signal);
		},
		async canI(check, signal) {
			const review = await requestJson({
				method: 'POST',
				path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
				action: `review access to ${check.verb} ${check.group ? `${check.group}/` : ''}${check.resource}${check.subresource ? `/${check.subresource}` : ''}`,
				body: {
					apiVersion: 'authorization.k8s.io/v1',
					kind: 'SelfSubjectAccessReview',
					spec: { resourceAttributes: { verb: check.verb, group: check.group, resource: check.resource, ...(check.subresource ? { subresource: check.subresource } : {}) } },
				},
			}, AccessReviewSchema, signal);
			return review.status.allowed;
		},
		async createEvent(event: CoreEventInput, signal) {
			await requestOk({
				method: 'POST',
				path: `/api/v1/namespaces/${segment(event.namespace)}/events`,
				action: `create event ${quoted(`${event.namespace}/${event.name}`)}`,
				query: patchQuery(),
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
			}, signal);
		},
		async patchEvent(namespace, name, patch, signal) {
			await requestOk({
				method: 'PATCH',
				path: `/api/v1/namespaces/${segment(namespace)}/events/${segment(name)}`,
				action: `patch event ${quoted(`${namespace}/${name}`)}`,
				query: patchQuery(),
				body: patch,
				contentType: patchContentType.merge,
			}, signal);
		},
	};
}

