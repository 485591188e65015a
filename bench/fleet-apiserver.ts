// bench:fleet's view of the whole control plane in the storm (every client,
// not only the agents): the apiserver's own counters (requests served, 429s
// answered, requests APF rejected) sampled from /metrics, and the CPU each
// control-plane process used (from /proc; test/real/up.sh records their pids).
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { RealState } from '../test/real/state.ts';

export interface ApiserverCounters {
	readonly atMs: number;
	readonly requests: number;
	readonly tooManyRequests: number;
	readonly apfRejected: number;
}

/** Sums of apiserver_request_total (all, and code="429") and apiserver_flowcontrol_rejected_requests_total. */
export async function apiserverCounters(state: RealState): Promise<ApiserverCounters> {
	const text = await new Promise<string>((resolve, reject) => {
		https
			.get(
				new URL('/metrics', state.apiserverUrl),
				{ ca: Buffer.from(state.caData, 'base64'), headers: { authorization: `Bearer ${state.adminToken}` } },
				(response) => {
					let body = '';
					response.setEncoding('utf8');
					response.on('data', (chunk: string) => (body += chunk));
					response.on('end', () => resolve(body));
					response.on('error', reject);
				},
			)
			.on('error', reject);
	});
	let requests = 0;
	let tooManyRequests = 0;
	let apfRejected = 0;
	for (const line of text.split('\n')) {
		const value = Number(line.slice(line.lastIndexOf(' ') + 1));
		if (line.startsWith('apiserver_request_total{')) {
			requests += value;
			if (line.includes('code="429"')) tooManyRequests += value;
		} else if (line.startsWith('apiserver_flowcontrol_rejected_requests_total{')) apfRejected += value;
	}
	return { atMs: Date.now(), requests, tooManyRequests, apfRejected };
}

/** utime+stime in clock ticks (1/100 s) of each control-plane process. */
export function controlPlaneTicks(state: RealState): Record<string, number> {
	const ticks: Record<string, number> = {};
	for (const [name, pid] of Object.entries(state.pids)) {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			ticks[name] = Number(fields[11] ?? '0') + Number(fields[12] ?? '0');
		} catch {
			// A process that is gone used no CPU we can count.
		}
	}
	return ticks;
}

export interface ControlPlaneStorm {
	readonly requests: number;
	readonly meanPerSecond: number;
	/** The busiest sampling interval's rate. */
	readonly peakPerSecond: number;
	readonly tooManyRequests: number;
	readonly apfRejected: number;
	/** CPU seconds per control-plane process over the window. */
	readonly cpuSeconds: Readonly<Record<string, number>>;
}

/** Samples the apiserver's counters every `intervalMs` until `stop()`; then the figures of the window. */
export async function sampleControlPlane(state: RealState, intervalMs: number): Promise<{ stop(): Promise<ControlPlaneStorm> }> {
	const samples = [await apiserverCounters(state)];
	const ticksBefore = controlPlaneTicks(state);
	let running = true;
	const loop = (async () => {
		while (running) {
			await new Promise((resolve) => setTimeout(resolve, intervalMs));
			samples.push(await apiserverCounters(state));
		}
	})();
	return {
		stop: async () => {
			running = false;
			await loop;
			const ticksAfter = controlPlaneTicks(state);
			const first = samples[0];
			const last = samples.at(-1);
			if (first === undefined || last === undefined) throw new Error('Cannot sample the apiserver: no sample');
			let peak = 0;
			for (let index = 1; index < samples.length; index += 1) {
				const a = samples[index - 1];
				const b = samples[index];
				if (a !== undefined && b !== undefined) peak = Math.max(peak, ((b.requests - a.requests) * 1000) / (b.atMs - a.atMs));
			}
			const cpuSeconds: Record<string, number> = {};
			for (const [name, after] of Object.entries(ticksAfter)) cpuSeconds[name] = (after - (ticksBefore[name] ?? after)) / 100;
			return {
				requests: last.requests - first.requests,
				meanPerSecond: ((last.requests - first.requests) * 1000) / Math.max(last.atMs - first.atMs, 1),
				peakPerSecond: peak,
				tooManyRequests: last.tooManyRequests - first.tooManyRequests,
				apfRejected: last.apfRejected - first.apfRejected,
				cpuSeconds,
			};
		},
	};
}
