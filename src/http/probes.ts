/**
 * @module Liveness and readiness: `(Request) => Response` handlers.
 *
 * NTH's liveness endpoint always answers 200 (upstream-nth.md §8.17). Ours
 * answers NTH's 200 `{"health":"OK"}` only while a monitor poll has succeeded
 * within LIVENESS_MAX_POLL_AGE seconds, so a stuck or failing IMDS loop gets
 * the pod restarted; before the first poll the same span counts as startup
 * grace. `/readyz` (NTH has none) answers 503 until the agent calls
 * {@link Probes.markReady} after its startup checks; after that it is 200
 * only while the live check given there passes (`readiness.ts`: our Node
 * exists and the apiserver answers our credentials, checked at most every
 * 10 s).
 */
import type { HttpHandler } from '../runtime/types.ts';
import type { Readiness } from './readiness.ts';

export interface ProbesOptions {
	/** PROBES_SERVER_ENDPOINT. @default "/healthz" */
	readonly livenessPath?: string | undefined;
	/** LIVENESS_MAX_POLL_AGE in milliseconds. */
	readonly maxPollAgeMs: number;
	/** Epoch ms of the newest successful monitor poll (the metrics registry keeps it). */
	readonly lastSuccessfulPollMs: () => number | undefined;
	/** Wall clock, epoch ms. */
	readonly now: () => number;
	/** When the agent started (epoch ms): the startup grace counts from here. */
	readonly startedAtMs: number;
	/** How long before the first successful poll the agent still counts as alive. @default maxPollAgeMs */
	readonly startupGraceMs?: number | undefined;
}

export interface Probes {
	readonly handler: HttpHandler;
	/** Startup checks passed: /readyz turns 200 while `live` (when given) says ready. */
	markReady(live?: Readiness): void;
}

export const readinessPath = '/readyz';

function json(status: number, body: unknown): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function seconds(ms: number): number {
	return Math.round(ms / 100) / 10;
}

/** Creates the probes handler; any path but the two endpoints answers 404. */
export function createProbes(options: ProbesOptions): Probes {
	const raw = options.livenessPath ?? '/healthz';
	const livenessPath = raw.startsWith('/') ? raw : `/${raw}`;
	const graceMs = options.startupGraceMs ?? options.maxPollAgeMs;
	let ready = false;
	let live: Readiness | undefined;

	const readiness = async (): Promise<Response> => {
		if (!ready) return json(503, { ready: 'not-ready', reason: 'startup checks have not passed yet' });
		const state = live === undefined ? undefined : await live.state();
		if (state !== undefined && !state.ready) return json(503, { ready: 'not-ready', reason: state.reason });
		return json(200, { ready: 'OK' });
	};

	const liveness = (): Response => {
		const now = options.now();
		const last = options.lastSuccessfulPollMs();
		if (last === undefined) {
			const sinceStart = now - options.startedAtMs;
			if (sinceStart <= graceMs) return json(200, { health: 'OK' });
			return json(503, {
				health: 'unhealthy',
				reason: `no successful IMDS poll in the ${seconds(sinceStart)} s since start (limit ${seconds(graceMs)} s)`,
			});
		}
		const age = now - last;
		if (age <= options.maxPollAgeMs) return json(200, { health: 'OK' });
		return json(503, {
			health: 'unhealthy',
			reason: `last successful IMDS poll was ${seconds(age)} s ago (limit ${seconds(options.maxPollAgeMs)} s)`,
		});
	};

	return {
		handler: (request) => {
			const path = new URL(request.url).pathname;
			if (path === livenessPath) return liveness();
			if (path === readinessPath) return readiness();
			return new Response('404 page not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
		},
		markReady: (check) => {
			live = check;
			ready = true;
		},
	};
}
