/**
 * @module An in-memory {@link KubeApi} for unit tests of node/, drain/, incidents/ and notify/.
 *
 * It keeps nodes, pods, PodDisruptionBudgets, DaemonSets and events, applies
 * the three patch types as the apiserver does (resourceVersion preconditions,
 * the `/status` subresource), validates every write with the apiserver's own
 * rules and answers its Status shapes (`validation.ts`: label, annotation and
 * taint syntax and sizes, event names and namespaces; 404, 409, 422 with
 * `details.causes`, and with {@link FakeKubeOptions.disruptionBudgets} the
 * eviction's 429), evaluates label and
 * field selectors, pages lists, and streams watch events from a history (so
 * a watch from an old resourceVersion replays, and one from before
 * {@link FakeKubeApi.compact} fails with 410). Every call is recorded; any
 * call can be made to fail with a given status a given number of times, and
 * a hook can run just before a call (to race another writer).
 *
 * test/support/kube-api.contract.ts runs the same assertions on this fake and
 * on the real apiserver, so the two cannot drift apart.
 */
import * as v from 'valibot';
import { KubeError } from '../../src/errors.ts';
import {
	alreadyExistsStatus,
	conflictStatus,
	disruptionBudgetStatus,
	invalidStatus,
	type KubeStatus,
	notFoundStatus,
} from '../../src/kube/status.ts';
import { validateEventCreate, validateNodeUpdate } from '../../src/kube/validation.ts';
import type {
	AccessCheck,
	CoreEventInput,
	DeleteOptions,
	EvictOptions,
	KubeApi,
	ListOptions,
	ListResult,
	NodePatch,
	WatchEvent,
	WatchEventType,
	WatchOptions,
} from '../../src/kube/api.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './apply-patch.ts';
import { AsyncQueue } from './async-queue.ts';
import { type Node, NodeSchema, type Pod, type PodDisruptionBudget, PodDisruptionBudgetSchema, PodSchema } from '../../src/kube/schemas.ts';
import { matchesFieldSelector, matchesLabelSelector, matchesLabelSelectorObject } from './selectors.ts';

export type FakeMethod = keyof KubeApi;

export interface FakeCall {
	readonly method: FakeMethod;
	/** The call's arguments without the trailing AbortSignal. */
	readonly args: readonly unknown[];
}

export interface FakeFailure {
	readonly status: number;
	/** The Status reason. @default derived from the status (404 NotFound, 409 Conflict, 429 TooManyRequests…) */
	readonly reason?: string | undefined;
	readonly message?: string | undefined;
	/** How many matching calls fail. @default 1 */
	readonly times?: number | undefined;
	/** Only calls whose arguments (without the signal) pass this test fail, e.g. one pod's eviction. */
	readonly when?: ((...args: readonly unknown[]) => boolean) | undefined;
}

/** A stored core/v1 Event as the fake keeps it. */
export interface FakeEvent extends CoreEventInput {
	readonly patches: number;
}

export interface FakeKubeOptions {
	/**
	 * What a successful eviction does: `delete` removes the pod at once;
	 * `terminate` only sets its deletionTimestamp (the test calls
	 * {@link FakeKubeApi.removePod} to finish it). @default "delete"
	 */
	readonly eviction?: 'delete' | 'terminate' | undefined;
	/** Clock for timestamps. @default () => new Date() */
	readonly now?: (() => Date) | undefined;
	/**
	 * `enforce`: an eviction checks the pod's PodDisruptionBudgets as the
	 * eviction subresource does (429 at 0 disruptions allowed or before the
	 * controller observed the budget, 500 for several budgets; else one
	 * allowed disruption is used up). `ignore` leaves budgets to the test (the
	 * drain tests' PdbFake plays the disruption controller itself). @default "ignore"
	 */
	readonly disruptionBudgets?: 'enforce' | 'ignore' | undefined;
}

export type NodeSeed = v.InferInput<typeof NodeSchema>;
export type PodSeed = v.InferInput<typeof PodSchema>;
export type PdbSeed = v.InferInput<typeof PodDisruptionBudgetSchema>;

type HistoryEntry =
	| { readonly rv: number; readonly kind: 'pod'; readonly type: WatchEventType; readonly object: Pod }
	| { readonly rv: number; readonly kind: 'pdb'; readonly type: WatchEventType; readonly object: PodDisruptionBudget };

interface Watcher<T> {
	readonly options: WatchOptions;
	readonly queue: AsyncQueue<WatchEvent<T>>;
}

const defaultReasons: Readonly<Record<number, string>> = {
	400: 'BadRequest',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'NotFound',
	409: 'Conflict',
	410: 'Expired',
	422: 'Invalid',
	429: 'TooManyRequests',
	500: 'InternalError',
	503: 'ServiceUnavailable',
};

function key(namespace: string | undefined, name: string): string {
	return `${namespace ?? ''}/${name}`;
}

function kubeError(action: string, status: number, message: string, reason?: string): KubeError {
	return new KubeError(`Cannot ${action}: ${message}`, { status, reason: reason ?? defaultReasons[status] });
}

/** The KubeError the client makes of this Status (same message, reason and causes). */
function statusError(action: string, status: KubeStatus): KubeError {
	const causes = (status.details?.causes ?? []).map((cause) => ({ reason: cause.reason, message: cause.message, field: cause.field }));
	return new KubeError(`Cannot ${action}: ${status.message.trim().replace(/\.$/, '')}`, {
		status: status.code,
		reason: status.reason,
		causes,
	});
}

function parseOrThrow<TSchema extends v.GenericSchema>(schema: TSchema, value: unknown, action: string): v.InferOutput<TSchema> {
	const parsed = v.safeParse(schema, value);
	if (!parsed.success) throw kubeError(action, 422, v.summarize(parsed.issues));
	return parsed.output;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The in-memory KubeApi. State is private; read it through the accessors, which return copies. */
export class FakeKubeApi implements KubeApi {
	/** Every call in order, without signals. */
	readonly calls: FakeCall[] = [];
	readonly #nodes = new Map<string, Node>();
	readonly #pods = new Map<string, Pod>();
	readonly #pdbs = new Map<string, PodDisruptionBudget>();
	readonly #daemonSets = new Set<string>();
	readonly #events = new Map<string, FakeEvent>();
	readonly #failures = new Map<FakeMethod, (FakeFailure & { left: number })[]>();
	readonly #hooks = new Map<FakeMethod, (() => void | Promise<void>)[]>();
	readonly #history: HistoryEntry[] = [];
	readonly #podWatchers = new Set<Watcher<Pod>>();
	readonly #pdbWatchers = new Set<Watcher<PodDisruptionBudget>>();
	readonly #eviction: 'delete' | 'terminate';
	readonly #budgets: 'enforce' | 'ignore';
	readonly #now: () => Date;
	#rv = 0;
	#compactedRv = 0;
	#uid = 0;

	constructor(options: FakeKubeOptions = {}) {
		this.#eviction = options.eviction ?? 'delete';
		this.#budgets = options.disruptionBudgets ?? 'ignore';
		this.#now = options.now ?? (() => new Date());
	}

	// --- seeding and test-side changes -------------------------------------------------

	/** Adds (or replaces) a node; fills uid, resourceVersion and creationTimestamp. */
	addNode(seed: NodeSeed): Node {
		const node = parseOrThrow(NodeSchema, this.#stamp(seed), 'add node');
		this.#nodes.set(node.metadata.name, node);
		return structuredClone(node);
	}

	/** Changes a node as another writer would (bumps its resourceVersion). */
	mutateNode(name: string, change: (node: Node) => void): Node {
		const node = this.#nodes.get(name);
		if (node === undefined) throw new Error(`Cannot mutate node "${name}": not in the fake`);
		const next = structuredClone(node);
		change(next);
		next.metadata.resourceVersion = String(++this.#rv);
		const parsed = parseOrThrow(NodeSchema, next, `mutate node "${name}"`);
		this.#nodes.set(name, parsed);
		return structuredClone(parsed);
	}

	removeNode(name: string): void {
		this.#nodes.delete(name);
	}

	addPod(seed: PodSeed): Pod {
		const pod = parseOrThrow(PodSchema, this.#stamp(seed), 'add pod');
		const id = key(pod.metadata.namespace, pod.metadata.name);
		const type = this.#pods.has(id) ? 'MODIFIED' : 'ADDED';
		this.#pods.set(id, pod);
		this.#emitPod(type, pod);
		return structuredClone(pod);
	}

	updatePod(namespace: string, name: string, change: (pod: Pod) => void): Pod {
		const pod = this.#pods.get(key(namespace, name));
		if (pod === undefined) throw new Error(`Cannot update pod "${namespace}/${name}": not in the fake`);
		const next = structuredClone(pod);
		change(next);
		next.metadata.resourceVersion = String(++this.#rv);
		const parsed = parseOrThrow(PodSchema, next, `update pod "${namespace}/${name}"`);
		this.#pods.set(key(namespace, name), parsed);
		this.#emitPod('MODIFIED', parsed);
		return structuredClone(parsed);
	}

	/** Removes a pod (the kubelet finished it); emits DELETED. */
	removePod(namespace: string, name: string): void {
		const pod = this.#pods.get(key(namespace, name));
		if (pod === undefined) return;
		this.#pods.delete(key(namespace, name));
		const gone = structuredClone(pod);
		gone.metadata.resourceVersion = String(++this.#rv);
		this.#emitPod('DELETED', gone);
	}

	addPdb(seed: PdbSeed): PodDisruptionBudget {
		const pdb = parseOrThrow(PodDisruptionBudgetSchema, this.#stamp(seed), 'add pdb');
		const id = key(pdb.metadata.namespace, pdb.metadata.name);
		const type = this.#pdbs.has(id) ? 'MODIFIED' : 'ADDED';
		this.#pdbs.set(id, pdb);
		this.#emitPdb(type, pdb);
		return structuredClone(pdb);
	}

	updatePdb(namespace: string, name: string, change: (pdb: PodDisruptionBudget) => void): PodDisruptionBudget {
		const pdb = this.#pdbs.get(key(namespace, name));
		if (pdb === undefined) throw new Error(`Cannot update pdb "${namespace}/${name}": not in the fake`);
		const next = structuredClone(pdb);
		change(next);
		next.metadata.resourceVersion = String(++this.#rv);
		const parsed = parseOrThrow(PodDisruptionBudgetSchema, next, `update pdb "${namespace}/${name}"`);
		this.#pdbs.set(key(namespace, name), parsed);
		this.#emitPdb('MODIFIED', parsed);
		return structuredClone(parsed);
	}

	removePdb(namespace: string, name: string): void {
		const pdb = this.#pdbs.get(key(namespace, name));
		if (pdb === undefined) return;
		this.#pdbs.delete(key(namespace, name));
		const gone = structuredClone(pdb);
		gone.metadata.resourceVersion = String(++this.#rv);
		this.#emitPdb('DELETED', gone);
	}

	addDaemonSet(namespace: string, name: string): void {
		this.#daemonSets.add(key(namespace, name));
	}

	// --- reading state -----------------------------------------------------------------

	node(name: string): Node | undefined {
		const node = this.#nodes.get(name);
		return node === undefined ? undefined : structuredClone(node);
	}

	pod(namespace: string, name: string): Pod | undefined {
		const pod = this.#pods.get(key(namespace, name));
		return pod === undefined ? undefined : structuredClone(pod);
	}

	pods(): Pod[] {
		return [...this.#pods.values()].map((pod) => structuredClone(pod));
	}

	events(): FakeEvent[] {
		return [...this.#events.values()].map((event) => structuredClone(event));
	}

	/** The recorded calls to one method. */
	callsTo(method: FakeMethod): FakeCall[] {
		return this.calls.filter((call) => call.method === method);
	}

	/** The current resourceVersion of the whole fake (the last one handed out). */
	get resourceVersion(): string {
		return String(this.#rv);
	}

	// --- control -----------------------------------------------------------------------

	/** Makes the next matching call(s) to `method` throw a KubeError with this status. */
	failNext(method: FakeMethod, failure: FakeFailure): void {
		const list = this.#failures.get(method) ?? [];
		list.push({ ...failure, left: failure.times ?? 1 });
		this.#failures.set(method, list);
	}

	/** Runs `hook` once, just before the next call to `method` is applied (after it is recorded). */
	beforeNext(method: FakeMethod, hook: () => void | Promise<void>): void {
		const list = this.#hooks.get(method) ?? [];
		list.push(hook);
		this.#hooks.set(method, list);
	}

	/** Forgets the watch history: a watch from any resourceVersion handed out so far gets 410. */
	compact(): void {
		this.#compactedRv = this.#rv;
		this.#history.length = 0;
	}

	/** Sends a BOOKMARK with the current resourceVersion to every watch that asked for bookmarks. */
	bookmark(): void {
		const object = { metadata: { name: '', uid: '', resourceVersion: String(this.#rv) } };
		for (const watcher of this.#podWatchers) {
			if (watcher.options.allowBookmarks !== false)
				watcher.queue.push({ type: 'BOOKMARK', object: parseOrThrow(PodSchema, object, 'bookmark') });
		}
		for (const watcher of this.#pdbWatchers) {
			if (watcher.options.allowBookmarks !== false)
				watcher.queue.push({ type: 'BOOKMARK', object: parseOrThrow(PodDisruptionBudgetSchema, object, 'bookmark') });
		}
	}

	/** Ends every open watch as the server does at its timeout (the stream just closes). */
	endWatches(): void {
		for (const watcher of this.#podWatchers) watcher.queue.close();
		for (const watcher of this.#pdbWatchers) watcher.queue.close();
		this.#podWatchers.clear();
		this.#pdbWatchers.clear();
	}

	/** The number of open watches (to wait until a consumer is listening). */
	get openWatches(): number {
		return this.#podWatchers.size + this.#pdbWatchers.size;
	}

	// --- KubeApi -------------------------------------------------------------------------

	async getNode(name: string, signal: AbortSignal): Promise<Node | undefined> {
		await this.#enter('getNode', [name], signal);
		const node = this.#nodes.get(name);
		return node === undefined ? undefined : structuredClone(node);
	}

	async listNodes(options: ListOptions, signal: AbortSignal): Promise<ListResult<Node>> {
		await this.#enter('listNodes', [options], signal);
		const action = 'list nodes';
		const nodes = [...this.#nodes.values()].filter((node) =>
			this.#selects(options, action, node.metadata.labels, {
				'metadata.name': node.metadata.name,
				'spec.unschedulable': String(node.spec.unschedulable ?? false),
			}),
		);
		return this.#page(nodes, options);
	}

	async patchNode(name: string, patch: NodePatch, signal: AbortSignal): Promise<Node> {
		await this.#enter('patchNode', [name, patch], signal);
		const status = patch.subresource === 'status';
		const action = `patch node ${JSON.stringify(name)}${status ? ' status' : ''}`;
		const node = this.#nodes.get(name);
		if (node === undefined) throw statusError(action, notFoundStatus('nodes', name));
		let patched: unknown;
		try {
			if (patch.type === 'json') patched = applyJsonPatch(node, patch.body);
			else patched = patch.type === 'merge' ? applyMergePatch(node, patch.body) : applyStrategicMergePatch(node, patch.body);
		} catch (error) {
			throw kubeError(action, 422, error instanceof Error ? error.message : String(error));
		}
		// A resourceVersion the patch leaves in the object is a precondition, whatever the patch type.
		const wanted = isRecord(patched) && isRecord(patched['metadata']) ? patched['metadata']['resourceVersion'] : undefined;
		if (wanted !== undefined && wanted !== null && wanted !== '' && wanted !== node.metadata.resourceVersion)
			throw statusError(action, conflictStatus('nodes', name));
		const next = parseOrThrow(NodeSchema, patched, action);
		// The object endpoint ignores status and the status endpoint ignores everything else, as on the server.
		const merged: Node = status ? { ...structuredClone(node), status: next.status } : { ...next, status: structuredClone(node.status) };
		merged.metadata = { ...merged.metadata, name, uid: node.metadata.uid, resourceVersion: String(++this.#rv) };
		const invalid = validateNodeUpdate(merged);
		if (invalid.length > 0) {
			this.#rv -= 1;
			throw statusError(action, invalidStatus({ kind: 'Node' }, name, invalid));
		}
		this.#nodes.set(name, merged);
		return structuredClone(merged);
	}

	async listPods(options: ListOptions, signal: AbortSignal): Promise<ListResult<Pod>> {
		await this.#enter('listPods', [options], signal);
		const pods = [...this.#pods.values()].filter((pod) => this.#podMatches(pod, options, 'list pods'));
		return this.#page(pods, options);
	}

	watchPods(options: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<Pod>> {
		return this.#watch('watchPods', options, signal, {
			watchers: this.#podWatchers,
			current: () => [...this.#pods.values()],
			replay: (watcher, from) => {
				for (const entry of this.#history) if (entry.kind === 'pod' && entry.rv > from) this.#deliverPod(watcher, entry.type, entry.object);
			},
			deliver: (watcher, object) => this.#deliverPod(watcher, 'ADDED', object),
			what: 'pods',
		});
	}

	async evictPod(namespace: string, name: string, options: EvictOptions, signal: AbortSignal): Promise<void> {
		await this.#enter('evictPod', [namespace, name, options], signal);
		const action = `evict pod "${namespace}/${name}"`;
		const pod = this.#pods.get(key(namespace, name));
		if (pod !== undefined && this.#budgets === 'enforce' && (options.uid === undefined || options.uid === pod.metadata.uid))
			this.#useDisruption(action, pod, options.dryRun === true);
		this.#removeOrTerminate(`evict pod "${namespace}/${name}"`, namespace, name, options.uid, options.dryRun === true, this.#eviction);
	}

	async deletePod(namespace: string, name: string, options: DeleteOptions, signal: AbortSignal): Promise<void> {
		await this.#enter('deletePod', [namespace, name, options], signal);
		this.#removeOrTerminate(`delete pod "${namespace}/${name}"`, namespace, name, options.uid, false, this.#eviction);
	}

	async daemonSetExists(namespace: string, name: string, signal: AbortSignal): Promise<boolean> {
		await this.#enter('daemonSetExists', [namespace, name], signal);
		return this.#daemonSets.has(key(namespace, name));
	}

	async listPodDisruptionBudgets(options: ListOptions, signal: AbortSignal): Promise<ListResult<PodDisruptionBudget>> {
		await this.#enter('listPodDisruptionBudgets', [options], signal);
		const pdbs = [...this.#pdbs.values()].filter((pdb) => this.#pdbMatches(pdb, options, 'list poddisruptionbudgets'));
		return this.#page(pdbs, options);
	}

	watchPodDisruptionBudgets(options: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<PodDisruptionBudget>> {
		return this.#watch('watchPodDisruptionBudgets', options, signal, {
			watchers: this.#pdbWatchers,
			current: () => [...this.#pdbs.values()],
			replay: (watcher, from) => {
				for (const entry of this.#history) if (entry.kind === 'pdb' && entry.rv > from) this.#deliverPdb(watcher, entry.type, entry.object);
			},
			deliver: (watcher, object) => this.#deliverPdb(watcher, 'ADDED', object),
			what: 'poddisruptionbudgets',
		});
	}

	/** Permissions the fake grants; everything unless a test narrows it with {@link deny}. */
	readonly #denied = new Set<string>();

	/** Makes canI() answer false for `verb resource[/subresource]` (group ignored). */
	deny(verb: string, resource: string): void {
		this.#denied.add(`${verb} ${resource}`);
	}

	async canI(check: AccessCheck, signal: AbortSignal): Promise<boolean> {
		await this.#enter('canI', [check], signal);
		return !this.#denied.has(`${check.verb} ${check.resource}${check.subresource ? `/${check.subresource}` : ''}`);
	}

	async createEvent(event: CoreEventInput, signal: AbortSignal): Promise<void> {
		await this.#enter('createEvent', [event], signal);
		const id = key(event.namespace, event.name);
		const invalid = validateEventCreate(event);
		if (invalid.length > 0) throw statusError(`create event "${id}"`, invalidStatus({ kind: 'Event' }, event.name, invalid));
		if (this.#events.has(id)) throw statusError(`create event "${id}"`, alreadyExistsStatus('events', event.name));
		this.#events.set(id, { ...structuredClone(event), patches: 0 });
	}

	async patchEvent(
		namespace: string,
		name: string,
		patch: { count: number; lastTimestamp: string; message: string },
		signal: AbortSignal,
	): Promise<void> {
		await this.#enter('patchEvent', [namespace, name, patch], signal);
		const id = key(namespace, name);
		const event = this.#events.get(id);
		if (event === undefined) throw statusError(`patch event "${id}"`, notFoundStatus('events', name));
		this.#events.set(id, { ...event, ...patch, patches: event.patches + 1 });
	}

	// --- internals -----------------------------------------------------------------------

	#stamp<
		T extends {
			metadata?:
				| { uid?: string | undefined; resourceVersion?: string | undefined; creationTimestamp?: string | null | undefined }
				| undefined;
		},
	>(seed: T): T {
		const copy = structuredClone(seed);
		const metadata = { ...copy.metadata };
		metadata.uid = metadata.uid || `uid-${++this.#uid}`;
		metadata.resourceVersion = String(++this.#rv);
		metadata.creationTimestamp ??= this.#now().toISOString();
		return { ...copy, metadata };
	}

	/** Records the call, honours the signal, runs hooks and injected failures. */
	async #enter(method: FakeMethod, args: readonly unknown[], signal: AbortSignal): Promise<void> {
		this.calls.push({ method, args: structuredClone(args) });
		if (signal.aborted) throw signal.reason;
		const hooks = this.#hooks.get(method);
		const hook = hooks?.shift();
		if (hook !== undefined) await hook();
		const failure = this.#failures.get(method)?.find((candidate) => candidate.left > 0 && (candidate.when?.(...args) ?? true));
		if (failure !== undefined) {
			failure.left -= 1;
			throw kubeError(
				`${method} (injected)`,
				failure.status,
				failure.message ?? `injected failure with status ${failure.status}`,
				failure.reason,
			);
		}
	}

	#selects(
		options: ListOptions,
		action: string,
		labels: Readonly<Record<string, string>> | null | undefined,
		fields: Readonly<Record<string, string | undefined>>,
	): boolean {
		try {
			return matchesLabelSelector(options.labelSelector, labels) && matchesFieldSelector(options.fieldSelector, fields);
		} catch (error) {
			throw kubeError(action, 400, error instanceof Error ? error.message : String(error));
		}
	}

	#podMatches(pod: Pod, options: ListOptions, action: string): boolean {
		if (options.namespace !== undefined && options.namespace !== '' && pod.metadata.namespace !== options.namespace) return false;
		return this.#selects(options, action, pod.metadata.labels, {
			'spec.nodeName': pod.spec.nodeName,
			'metadata.name': pod.metadata.name,
			'metadata.namespace': pod.metadata.namespace,
			'status.phase': pod.status.phase,
		});
	}

	#pdbMatches(pdb: PodDisruptionBudget, options: ListOptions, action: string): boolean {
		if (options.namespace !== undefined && options.namespace !== '' && pdb.metadata.namespace !== options.namespace) return false;
		return this.#selects(options, action, pdb.metadata.labels, {
			'metadata.name': pdb.metadata.name,
			'metadata.namespace': pdb.metadata.namespace,
		});
	}

	#page<T>(all: readonly T[], options: ListOptions): ListResult<T> {
		const start = options.continue === undefined ? 0 : Number(options.continue);
		if (options.limit === undefined) return { items: all.map((item) => structuredClone(item)), resourceVersion: String(this.#rv) };
		const end = start + options.limit;
		return {
			items: all.slice(start, end).map((item) => structuredClone(item)),
			resourceVersion: String(this.#rv),
			continue: end < all.length ? String(end) : undefined,
		};
	}

	#removeOrTerminate(
		action: string,
		namespace: string,
		name: string,
		uid: string | undefined,
		dryRun: boolean,
		mode: 'delete' | 'terminate',
	): void {
		const pod = this.#pods.get(key(namespace, name));
		if (pod === undefined) throw statusError(action, notFoundStatus('pods', name));
		if (uid !== undefined && pod.metadata.uid !== uid) {
			throw kubeError(action, 409, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`);
		}
		if (dryRun) return;
		if (mode === 'delete') this.removePod(namespace, name);
		else if (!pod.metadata.deletionTimestamp)
			this.updatePod(namespace, name, (next) => {
				next.metadata.deletionTimestamp = this.#now().toISOString();
			});
	}

	/** The eviction subresource's budget check (pkg/registry/core/pod/storage/eviction.go). */
	#useDisruption(action: string, pod: Pod, dryRun: boolean): void {
		const phase = pod.status.phase;
		// Terminal, pending and terminating pods are let through whatever the budget says.
		if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) return;
		const budgets = [...this.#pdbs.values()].filter(
			(pdb) => pdb.metadata.namespace === pod.metadata.namespace && matchesLabelSelectorObject(pdb.spec.selector, pod.metadata.labels),
		);
		if (budgets.length > 1) {
			throw statusError(action, {
				kind: 'Status',
				apiVersion: 'v1',
				metadata: {},
				status: 'Failure',
				message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
				reason: 'InternalError',
				code: 500,
			});
		}
		const [budget] = budgets;
		if (budget === undefined) return;
		const generation = budget.metadata['generation'];
		if (typeof generation === 'number' && (budget.status.observedGeneration ?? 0) < generation) {
			const status = disruptionBudgetStatus(budget.metadata.name, 0, 0);
			throw statusError(action, {
				...status,
				details: {
					causes: [
						{
							reason: 'DisruptionBudget',
							message: `The disruption budget ${budget.metadata.name} is still being processed by the server.`,
						},
					],
				},
			});
		}
		if (budget.status.disruptionsAllowed <= 0) {
			throw statusError(
				action,
				disruptionBudgetStatus(budget.metadata.name, budget.status.desiredHealthy ?? 0, budget.status.currentHealthy ?? 0),
			);
		}
		if (!dryRun)
			this.updatePdb(budget.metadata.namespace ?? '', budget.metadata.name, (next) => {
				next.status.disruptionsAllowed -= 1;
			});
	}

	#emitPod(type: WatchEventType, pod: Pod): void {
		this.#history.push({ rv: Number(pod.metadata.resourceVersion), kind: 'pod', type, object: structuredClone(pod) });
		for (const watcher of this.#podWatchers) this.#deliverPod(watcher, type, pod);
	}

	#emitPdb(type: WatchEventType, pdb: PodDisruptionBudget): void {
		this.#history.push({ rv: Number(pdb.metadata.resourceVersion), kind: 'pdb', type, object: structuredClone(pdb) });
		for (const watcher of this.#pdbWatchers) this.#deliverPdb(watcher, type, pdb);
	}

	#deliverPod(watcher: Watcher<Pod>, type: WatchEventType, pod: Pod): void {
		if (this.#podMatches(pod, watcher.options, 'watch pods')) watcher.queue.push({ type, object: structuredClone(pod) });
	}

	#deliverPdb(watcher: Watcher<PodDisruptionBudget>, type: WatchEventType, pdb: PodDisruptionBudget): void {
		if (this.#pdbMatches(pdb, watcher.options, 'watch poddisruptionbudgets')) watcher.queue.push({ type, object: structuredClone(pdb) });
	}

	async *#watch<T>(
		method: FakeMethod,
		options: WatchOptions,
		signal: AbortSignal,
		kind: {
			readonly watchers: Set<Watcher<T>>;
			readonly current: () => T[];
			readonly replay: (watcher: Watcher<T>, from: number) => void;
			readonly deliver: (watcher: Watcher<T>, object: T) => void;
			readonly what: string;
		},
	): AsyncGenerator<WatchEvent<T>> {
		await this.#enter(method, [options], signal);
		const watcher: Watcher<T> = { options, queue: new AsyncQueue() };
		const from = options.resourceVersion === '' || options.resourceVersion === '0' ? undefined : Number(options.resourceVersion);
		if (from !== undefined && from < this.#compactedRv) {
			throw kubeError(`watch ${kind.what}`, 410, `too old resource version: ${from} (${this.#compactedRv})`, 'Expired');
		}
		// "Any" resourceVersion: the current state as ADDED events, then changes; otherwise replay what came after it.
		if (from === undefined) for (const object of kind.current()) kind.deliver(watcher, object);
		else kind.replay(watcher, from);
		kind.watchers.add(watcher);
		const onAbort = (): void => watcher.queue.close();
		signal.addEventListener('abort', onAbort, { once: true });
		try {
			yield* watcher.queue;
		} finally {
			signal.removeEventListener('abort', onAbort);
			kind.watchers.delete(watcher);
		}
	}
}
