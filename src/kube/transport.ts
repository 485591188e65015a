/**
 * @module The apiserver request path under {@link createKubeApi}: one ky
 * instance per client, the credentials added by a `beforeRequest` hook, non-2xx
 * answers turned from ky's `HTTPError` into `KubeError` (HTTP status, the
 * Status `reason` and message), bodies parsed by the valibot shapes in
 * `schemas.ts`, lists paged, and a client-side token bucket (QPS and burst,
 * as client-go does) in front of every request but watches.
 *
 * Where ky is bypassed, and why: `retry: 0`, because retrying is the callers'
 * policy (the drain's kubectl backoff, the watch loop's relist on 410, the
 * node actions' conflict retries) and a second layer would multiply attempts
 * past the notice deadline; the rate limiter is our own (ky has none).
 */
import ky, { isHTTPError } from 'ky';
import * as v from 'valibot';
import { KubeError, type KubeErrorCause } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { FetchFn } from '../runtime/types.ts';
import type { ListOptions, ListResult } from './api.ts';
import { createTokenBucket } from './rate-limiter.ts';
import { AnyObjectSchema, listSchema, StatusSchema } from './schemas.ts';
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

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestSpec {
	readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
	readonly path: string;
	/** What failed, for the error message: `get node "a"`. */
	readonly action: string;
	readonly query?: Query | undefined;
	readonly body?: unknown;
	readonly contentType?: string | undefined;
	readonly watch?: boolean | undefined;
}

export function quoted(value: string): string {
	return JSON.stringify(value);
}

export function segment(value: string): string {
	return encodeURIComponent(value);
}

/** The Status message reads as a detail after our own "Cannot …:" prefix. */
export function detailOf(text: string): string {
	return text.trim().replace(/\.$/, '');
}

/**
 * managedFields is often half of an object and the agent never reads it;
 * dropping it before validation keeps listed and watched objects small.
 */
export function dropManagedFields(value: unknown): void {
	if (typeof value === 'object' && value !== null && 'metadata' in value) {
		const metadata: unknown = value.metadata;
		if (typeof metadata === 'object' && metadata !== null && 'managedFields' in metadata) delete metadata.managedFields;
	}
}

/** The error and its causes in one line (ky's NetworkError → fetch's TypeError → ECONNREFUSED). */
export function describeTransportError(error: unknown): string {
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

export function listPath(group: string, resource: string, namespace: string | undefined): string {
	return namespace === undefined || namespace === '' ? `${group}/${resource}` : `${group}/namespaces/${segment(namespace)}/${resource}`;
}

/** What {@link createKubeApi}'s methods build on. */
export interface Transport {
	/** Sends the request; resolves with a 2xx response, rejects with `KubeError` (or the caller's abort reason). */
	send(spec: RequestSpec, signal: AbortSignal): Promise<Response>;
	requestJson<TSchema extends v.GenericSchema>(spec: RequestSpec, schema: TSchema, signal: AbortSignal): Promise<v.InferOutput<TSchema>>;
	/** Sends a request whose body we do not need; resolves on 2xx. */
	requestOk(spec: RequestSpec, signal: AbortSignal): Promise<void>;
	/** All pages of a list (or the one page the caller asked for with `limit`). */
	list<TSchema extends v.GenericSchema>(
		path: { readonly path: string; readonly what: string },
		item: TSchema,
		listOptions: ListOptions,
		signal: AbortSignal,
	): Promise<ListResult<v.InferOutput<TSchema>>>;
}

/** The Status fields of an error body ky has read: parsed JSON, or text that may still be JSON (no content type). */
function statusOf(data: unknown): { readonly reason?: string | undefined; readonly message: string; readonly causes: KubeErrorCause[] } {
	let value = data;
	if (typeof data === 'string') {
		try {
			value = JSON.parse(data);
		} catch {
			// Not JSON (a proxy's HTML page, plain text): the raw text is the message.
			return { message: data.trim().slice(0, 300), causes: [] };
		}
	}
	const parsed = v.safeParse(StatusSchema, value);
	if (!parsed.success) return { message: typeof data === 'string' ? data.trim().slice(0, 300) : '', causes: [] };
	const causes = (parsed.output.details?.causes ?? []).map((cause) => ({
		reason: cause.reason,
		message: cause.message,
		field: cause.field,
	}));
	return { reason: parsed.output.reason, message: parsed.output.message ?? '', causes };
}

export function createTransport(options: KubeApiOptions): Transport {
	const { log } = options;
	const limiter = createTokenBucket({ qps: options.qps, burst: options.burst, now: options.now, sleep: options.sleep });
	const requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
	const api = ky.create({
		prefix: options.server,
		fetch: options.fetch,
		// Retries are the callers' policy (see the module comment).
		retry: 0,
		// Error bodies stay text (HTTPError.data): statusOf reads a Status from it and falls back to the raw text,
		// which ky's own JSON parse would lose for a proxy's HTML page labelled application/json.
		parseJson: (text) => text,
		headers: { 'user-agent': options.userAgent, accept: 'application/json' },
		hooks: {
			beforeRequest: [
				async ({ request, options: requestOptions }) => {
					let auth: Readonly<Record<string, string>>;
					try {
						auth = await options.authHeaders();
					} catch (error) {
						const action =
							typeof requestOptions.context['action'] === 'string' ? requestOptions.context['action'] : `${request.method} ${request.url}`;
						throw new KubeError(`Cannot ${action}: cannot load credentials: ${describeTransportError(error)}`, { cause: error });
					}
					for (const [name, value] of Object.entries(auth)) request.headers.set(name, value);
				},
			],
		},
	});

	function statusError(error: { readonly response: Response; readonly data: unknown }, action: string): KubeError {
		const status = error.response.status;
		const body = statusOf(error.data);
		if (status === 401) options.onUnauthorized?.();
		return new KubeError(`Cannot ${action}: ${detailOf(body.message || `status ${status}`)}`, {
			status,
			reason: body.reason,
			causes: body.causes,
		});
	}

	async function send(spec: RequestSpec, signal: AbortSignal): Promise<Response> {
		if (spec.watch !== true) await limiter.acquire(signal);
		try {
			const response = await api(spec.path.replace(/^\//, ''), {
				method: spec.method,
				searchParams: spec.query ?? {},
				...(spec.body === undefined
					? {}
					: { body: JSON.stringify(spec.body), headers: { 'content-type': spec.contentType ?? 'application/json' } }),
				context: { action: spec.action },
				signal,
				// A watch lives as long as the server keeps it (timeoutSeconds); other requests get ky's timer.
				timeout: spec.watch === true ? false : requestTimeoutMs,
			});
			log.debug('Kubernetes API request', { method: spec.method, path: spec.path, status: response.status });
			return response;
		} catch (error) {
			// An abort by the caller surfaces as the caller's reason, as fetch does, never as a KubeError.
			if (signal.aborted) throw signal.reason ?? error;
			if (error instanceof KubeError) throw error;
			if (isHTTPError(error)) {
				log.debug('Kubernetes API request', { method: spec.method, path: spec.path, status: error.response.status });
				throw statusError(error, spec.action);
			}
			throw new KubeError(`Cannot ${spec.action}: ${describeTransportError(error)}`, { cause: error });
		}
	}

	async function requestJson<TSchema extends v.GenericSchema>(
		spec: RequestSpec,
		schema: TSchema,
		signal: AbortSignal,
	): Promise<v.InferOutput<TSchema>> {
		const response = await send(spec, signal);
		let value: unknown;
		try {
			value = JSON.parse(await response.text());
		} catch (error) {
			if (signal.aborted) throw error;
			throw new KubeError(`Cannot ${spec.action}: the response is not JSON: ${describeTransportError(error)}`, {
				status: response.status,
				cause: error,
			});
		}
		dropManagedFields(value);
		if (typeof value === 'object' && value !== null && 'items' in value && Array.isArray(value.items))
			value.items.forEach(dropManagedFields);
		const parsed = v.safeParse(schema, value);
		if (!parsed.success) {
			throw new KubeError(`Cannot ${spec.action}: unexpected response: ${v.summarize(parsed.issues)}`, { status: response.status });
		}
		return parsed.output;
	}

	async function requestOk(spec: RequestSpec, signal: AbortSignal): Promise<void> {
		await requestJson(spec, AnyObjectSchema, signal);
	}

	async function list<TSchema extends v.GenericSchema>(
		target: { readonly path: string; readonly what: string },
		item: TSchema,
		listOptions: ListOptions,
		signal: AbortSignal,
	): Promise<ListResult<v.InferOutput<TSchema>>> {
		const schema = listSchema(item);
		const items: v.InferOutput<TSchema>[] = [];
		const selfPaged = listOptions.limit !== undefined;
		let token = listOptions.continue;
		for (;;) {
			const query = {
				labelSelector: listOptions.labelSelector,
				fieldSelector: listOptions.fieldSelector,
				resourceVersion: listOptions.resourceVersion,
				limit: listOptions.limit ?? pageSize,
				continue: token,
			};
			const page = await requestJson({ method: 'GET', path: target.path, action: `list ${target.what}`, query }, schema, signal);
			items.push(...(page.items ?? []));
			token = page.metadata?.continue || undefined;
			if (selfPaged || token === undefined) {
				return { items, resourceVersion: page.metadata?.resourceVersion ?? '', continue: selfPaged ? token : undefined };
			}
		}
	}

	return { send, requestJson, requestOk, list };
}
