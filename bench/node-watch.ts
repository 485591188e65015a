// Watches one Node for the benchmarks: the moment a watch event first shows
// it cordoned (spec.unschedulable), as the apiserver announces it.
import type http from 'node:http';
import https from 'node:https';
import * as v from 'valibot';
import type { RealState } from '../test/real/state.ts';
import { sleep } from '../src/clock.ts';

const now = (): number => performance.now();

const WatchEventSchema = v.object({
	type: v.string(),
	object: v.object({ spec: v.optional(v.object({ unschedulable: v.optional(v.boolean()) })) }),
});

export interface NodeWatch {
	/** Resolves with the moment the watch saw spec.unschedulable=true. */
	readonly cordoned: Promise<number>;
	close(): void;
}

/** A watch on one Node, established (its first event seen) when this resolves. */
export async function watchNode(state: RealState, name: string): Promise<NodeWatch> {
	const url = new URL(`/api/v1/nodes?watch=true&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`, state.apiserverUrl);
	let request: http.ClientRequest | undefined;
	let established = (): void => {};
	const ready = new Promise<void>((resolve) => {
		established = resolve;
	});
	const cordoned = new Promise<number>((resolve, reject) => {
		request = https.get(
			url,
			{ ca: Buffer.from(state.caData, 'base64'), headers: { authorization: `Bearer ${state.adminToken}` } },
			(response) => {
				let buffer = '';
				response.setEncoding('utf8');
				response.on('data', (chunk: string) => {
					const at = now();
					buffer += chunk;
					let newline = buffer.indexOf('\n');
					while (newline >= 0) {
						const line = buffer.slice(0, newline);
						buffer = buffer.slice(newline + 1);
						newline = buffer.indexOf('\n');
						const event = v.safeParse(WatchEventSchema, JSON.parse(line));
						if (!event.success) continue;
						established();
						if (event.output.object.spec?.unschedulable === true) resolve(at);
					}
				});
				response.on('error', reject);
			},
		);
		request.on('error', reject);
	});
	// The promise may reject when closed; the run that awaits it reports that.
	cordoned.catch(() => {});
	await Promise.race([
		ready,
		sleep(10_000).then(() => {
			throw new Error(`Cannot watch node "${name}": no event within 10 s`);
		}),
	]);
	return { cordoned, close: () => request?.destroy() };
}
