/**
 * @module Watches over the apiserver's streaming answer: one JSON event per
 * line, each checked against its valibot shape; an ERROR event (410 Gone
 * above all) becomes a `KubeError` the caller's list-then-watch loop acts on.
 * Watches skip the rate limiter: they are long-lived streams, not requests.
 */
import * as v from 'valibot';
import { KubeError } from '../errors.ts';
import type { WatchEvent, WatchOptions } from './api.ts';
import { readLines } from './read-lines.ts';
import { StatusSchema, WatchLineSchema } from './schemas.ts';
import { type Transport, describeTransportError, detailOf, dropManagedFields } from './transport.ts';

export function parseWatchLine<TSchema extends v.GenericSchema>(
	line: string,
	item: TSchema,
	action: string,
): WatchEvent<v.InferOutput<TSchema>> {
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

/** What to watch: the collection's path, its name for messages, the item's shape and the caller's options. */
export interface WatchTarget<TSchema extends v.GenericSchema> {
	readonly path: string;
	readonly what: string;
	readonly item: TSchema;
	readonly options: WatchOptions;
}

/** Yields the watch's events until the server ends it or the signal aborts (then it returns quietly). */
export async function* watchStream<TSchema extends v.GenericSchema>(
	transport: Transport,
	target: WatchTarget<TSchema>,
	signal: AbortSignal,
): AsyncGenerator<WatchEvent<v.InferOutput<TSchema>>> {
	const { item, options: watchOptions } = target;
	const action = `watch ${target.what}`;
	// Our own controller tears the stream down when the consumer stops early (break/return).
	const stop = new AbortController();
	const linked = AbortSignal.any([signal, stop.signal]);
	try {
		let response: Response;
		try {
			response = await transport.send(
				{
					method: 'GET',
					path: target.path,
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
				},
				linked,
			);
		} catch (error) {
			if (signal.aborted) return;
			throw error;
		}
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
