/**
 * @module Counts one agent's apiserver requests from the audit log
 * (test/real/up.sh records every ServiceAccount of the `nth-bench` namespace
 * at Metadata level): by verb and resource, and the HTTP 429s, within a time
 * window. The apiserver's own count, not the client's: a request the client
 * retried or a watch it re-opened counts as the apiserver saw it.
 */
import * as v from 'valibot';

/** The namespace whose ServiceAccounts the audit policy of test/real/up.sh records (besides the agent's own). */
export const benchNamespace = 'nth-bench';

const AuditEventSchema = v.object({
	stage: v.string(),
	verb: v.string(),
	requestURI: v.string(),
	user: v.object({ username: v.string() }),
	objectRef: v.optional(v.object({ resource: v.optional(v.string()), subresource: v.optional(v.string()), name: v.optional(v.string()) })),
	responseStatus: v.optional(v.object({ code: v.optional(v.number()), message: v.optional(v.string()) })),
	requestReceivedTimestamp: v.string(),
});

export interface AuditCount {
	/** Requests in the window, once each (a watch's ResponseStarted stage is not counted). */
	readonly total: number;
	/** `create pods/eviction`, `get pods`, `watch pods`, `list poddisruptionbudgets`… */
	readonly byKind: Readonly<Record<string, number>>;
	/** Responses with HTTP 429 (an eviction the PDB refused, or the apiserver's priority and fairness). */
	readonly tooManyRequests: number;
	/** Responses with any other status ≥ 400, by code. */
	readonly errors: Readonly<Record<string, number>>;
}

/** One audit event, as far as the benches read it. */
export type AuditEvent = v.InferOutput<typeof AuditEventSchema>;

/** `create pods/eviction`, `get pods`, `list nodes`, `watch poddisruptionbudgets`; non-resource requests by path. */
export function kindOf(event: AuditEvent): string {
	const resource = event.objectRef?.resource;
	if (resource === undefined) return `${event.verb} ${event.requestURI.split('?')[0] ?? event.requestURI}`;
	return `${event.verb} ${resource}${event.objectRef?.subresource === undefined ? '' : `/${event.objectRef.subresource}`}`;
}

/**
 * The requests of `user` received in [fromMs, toMs] (epoch ms) in `text`, the
 * audit log's JSON lines. Lines that are not audit events are skipped, as is
 * a last line cut mid-write.
 */
export function countAudit(text: string, user: string, fromMs: number, toMs: number): AuditCount {
	const byKind: Record<string, number> = {};
	const errors: Record<string, number> = {};
	let total = 0;
	let tooManyRequests = 0;
	for (const event of auditEvents(text, user, fromMs, toMs)) {
		total += 1;
		const kind = kindOf(event);
		byKind[kind] = (byKind[kind] ?? 0) + 1;
		const code = event.responseStatus?.code ?? 0;
		if (code === 429) tooManyRequests += 1;
		else if (code >= 400) errors[String(code)] = (errors[String(code)] ?? 0) + 1;
	}
	return { total, byKind, tooManyRequests, errors };
}

/** The audit user of a ServiceAccount of the bench namespace. */
export function serviceAccountUser(name: string): string {
	return `system:serviceaccount:${benchNamespace}:${name}`;
}

/**
 * The requests of `user` received in [fromMs, toMs] (epoch ms) in the audit log `text` (JSON lines),
 * each once: a watch (and any long-running request) logs ResponseStarted and ResponseComplete, and
 * only the second counts. Lines that are not audit events are skipped, as is a last line the
 * apiserver is still writing (it belongs to a later window).
 */
export function* auditEvents(text: string, user: string, fromMs: number, toMs: number): Generator<AuditEvent> {
	for (const line of text.split('\n')) {
		// Cheap filter first: the log holds every bench ServiceAccount's requests.
		if (!line.includes(user)) continue;
		let json: unknown;
		try {
			json = JSON.parse(line);
		} catch {
			continue;
		}
		const parsed = v.safeParse(AuditEventSchema, json);
		if (!parsed.success) continue;
		const event = parsed.output;
		if (event.user.username !== user || event.stage === 'ResponseStarted') continue;
		const received = Date.parse(event.requestReceivedTimestamp);
		if (received >= fromMs && received <= toMs) yield event;
	}
}
