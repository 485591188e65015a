// bench:fleet's reading of the apiserver's audit log for one ServiceAccount in
// the storm window: requests by kind, requests/s (mean over the window and the
// busiest whole second), and the HTTP 429s split by who refused:
// - `pdb`: an eviction the Eviction API refused for a disruption budget (its
//   Status says "…would violate the pod's disruption budget"; at Metadata level
//   the audit event keeps the response's Status, message included);
// - `apf`: any other 429, i.e. the apiserver's priority and fairness (or
//   max-in-flight) turning the request away before any handler ran: such a
//   response carries no Status message, only the code.
import { auditEvents, kindOf } from './drain-audit.ts';

export interface StormAudit {
	readonly total: number;
	readonly byKind: Readonly<Record<string, number>>;
	readonly meanPerSecond: number;
	readonly peakPerSecond: number;
	/** 429s of `create pods/eviction` whose Status names the disruption budget. */
	readonly tooManyRequestsPdb: number;
	/** Every other 429 (APF / max-in-flight), by kind. */
	readonly tooManyRequestsApf: Readonly<Record<string, number>>;
	/** Other responses ≥ 400, by code. */
	readonly errors: Readonly<Record<string, number>>;
	/** Distinct pods whose eviction was accepted (each should be accepted once: on an interrupted node at the notice, or landed there). */
	readonly evictedPods: number;
	/** The most accepted evictions of one pod name. */
	readonly maxEvictionsPerPod: number;
}

/** `user`'s requests received in [fromMs, toMs] (epoch ms) in the audit log `text` (JSON lines). */
export function stormAudit(text: string, user: string, fromMs: number, toMs: number): StormAudit {
	const byKind: Record<string, number> = {};
	const apf: Record<string, number> = {};
	const errors: Record<string, number> = {};
	const perSecond = new Map<number, number>();
	const evicted = new Map<string, number>();
	let total = 0;
	let pdb = 0;
	for (const event of auditEvents(text, user, fromMs, toMs)) {
		const received = Date.parse(event.requestReceivedTimestamp);
		total += 1;
		const second = Math.floor((received - fromMs) / 1000);
		perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
		const subresource = event.objectRef?.subresource;
		const kind = kindOf(event);
		byKind[kind] = (byKind[kind] ?? 0) + 1;
		const code = event.responseStatus?.code ?? 0;
		if (code === 429) {
			if (subresource === 'eviction' && /disruption budget/i.test(event.responseStatus?.message ?? '')) pdb += 1;
			else apf[kind] = (apf[kind] ?? 0) + 1;
		} else if (code >= 400) errors[String(code)] = (errors[String(code)] ?? 0) + 1;
		else if (subresource === 'eviction') {
			const name = event.objectRef?.name ?? '';
			evicted.set(name, (evicted.get(name) ?? 0) + 1);
		}
	}
	const seconds = Math.max((toMs - fromMs) / 1000, 0.001);
	return {
		total,
		byKind,
		meanPerSecond: total / seconds,
		peakPerSecond: Math.max(0, ...perSecond.values()),
		tooManyRequestsPdb: pdb,
		tooManyRequestsApf: apf,
		errors,
		evictedPods: evicted.size,
		maxEvictionsPerPod: Math.max(0, ...evicted.values()),
	};
}
