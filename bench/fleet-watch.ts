// bench:fleet's watches of the storm: the pods and PDBs of the scene's
// namespace, listed then followed from the list's resourceVersion, each event
// handed to the StormBook (fleet-book.ts says what is counted).
import type http from 'node:http';
import https from 'node:https';
import * as v from 'valibot';
import type { RealState } from '../test/real/state.ts';
import { PdbSchema, PodSchema, StormBook, type StormFigures } from './fleet-book.ts';

const ListSchema = v.object({ metadata: v.object({ resourceVersion: v.string() }), items: v.array(v.unknown()) });
const EventSchema = v.object({ type: v.string(), object: v.unknown() });

function get(state: RealState, path: string): https.RequestOptions & { url: URL } {
	return {
		url: new URL(path, state.apiserverUrl),
		ca: Buffer.from(state.caData, 'base64'),
		headers: { authorization: `Bearer ${state.adminToken}` },
	};
}

/** Lists `path`, hands every item to `onObject('ADDED', …)`, then follows the watch from the list's resourceVersion. */
async function listAndWatch(state: RealState, path: string, onObject: (type: string, object: unknown) => void): Promise<() => void> {
	const { url, ...options } = get(state, path);
	const body = await new Promise<string>((resolve, reject) => {
		https
			.get(url, options, (response) => {
				let text = '';
				response.setEncoding('utf8');
				response.on('data', (chunk: string) => (text += chunk));
				response.on('end', () => resolve(text));
				response.on('error', reject);
			})
			.on('error', reject);
	});
	const list = v.parse(ListSchema, JSON.parse(body));
	for (const item of list.items) onObject('ADDED', item);
	const watchUrl = new URL(url);
	watchUrl.searchParams.set('watch', 'true');
	watchUrl.searchParams.set('resourceVersion', list.metadata.resourceVersion);
	let request: http.ClientRequest | undefined;
	request = https.get(watchUrl, options, (response) => {
		let buffer = '';
		response.setEncoding('utf8');
		response.on('data', (chunk: string) => {
			buffer += chunk;
			for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
				const event = v.parse(EventSchema, JSON.parse(buffer.slice(0, newline)));
				buffer = buffer.slice(newline + 1);
				if (event.type === 'ERROR') throw new Error(`Cannot follow ${path}: watch error ${JSON.stringify(event.object)}`);
				onObject(event.type, event.object);
			}
		});
	});
	request.on('error', () => {});
	return () => request?.destroy();
}

export interface StormView {
	/** Resolves when every Deployment has all its pods Ready (so the storm starts from full health). */
	readonly healthy: Promise<void>;
	/** Marks the notice: pods created from now on count as replacements. */
	start(interrupted: readonly string[]): void;
	/** Resolves with the moment (epoch ms) no pod is left on an interrupted node. */
	readonly drained: Promise<number>;
	figures(): StormFigures;
	close(): void;
}

/** Follows the pods and PDBs of `namespace`: Deployments of `replicas` pods labelled `app`, each under a PDB of `maxUnavailable`. */
export async function watchStorm(state: RealState, namespace: string, replicas: number, maxUnavailable: number): Promise<StormView> {
	const book = new StormBook(replicas, maxUnavailable);
	let onHealthy = (): void => {};
	let onDrained = (_at: number): void => {};
	const healthy = new Promise<void>((resolve) => (onHealthy = resolve));
	const drained = new Promise<number>((resolve) => (onDrained = resolve));
	const closePods = await listAndWatch(state, `/api/v1/namespaces/${namespace}/pods`, (type, object) => {
		book.pod(type, v.parse(PodSchema, object));
		if (book.allHealthy()) onHealthy();
		if (book.drained()) onDrained(Date.now());
	});
	const closePdbs = await listAndWatch(state, `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets`, (_type, object) =>
		book.pdb(v.parse(PdbSchema, object)),
	);
	if (book.allHealthy()) onHealthy();
	return {
		healthy,
		drained,
		start: (nodes) => book.start(nodes),
		figures: () => book.figures(),
		close: () => {
			closePods();
			closePdbs();
		},
	};
}
