/**
 * @module The agent's whole view of the Kubernetes API.
 *
 * node/, drain/, incidents/ and notify/ take a {@link KubeApi}; `kube/client.ts`
 * implements it over a fetch (lean request path: no generated client; the
 * request path is `transport.ts`, watches `watch-stream.ts`), unit
 * tests pass in-memory fakes. Every method takes an AbortSignal. Failures are
 * thrown as `KubeError` carrying the HTTP status and the Status `reason`, so
 * callers branch on 404 / 409 / 429 / 500 without parsing text, and the
 * Status `details.causes` (which field a 422 is about). A new method must
 * declare its permission in `permissions.ts` (`methodPermissions`) to compile.
 */
import type { Node, Pod, PodDisruptionBudget } from './schemas.ts';

export type PatchType = 'merge' | 'strategic' | 'json';

export interface NodePatch {
	readonly type: PatchType;
	/** The patch document: an object (merge/strategic) or an array of operations (json). */
	readonly body: unknown;
	/** Patch `/status` instead of the object (node conditions). */
	readonly subresource?: 'status' | undefined;
}

export interface ListOptions {
	readonly labelSelector?: string | undefined;
	readonly fieldSelector?: string | undefined;
	/** Limit to one namespace; all namespaces when absent. */
	readonly namespace?: string | undefined;
	/** "0" reads from the apiserver cache; absent is a quorum read. */
	readonly resourceVersion?: string | undefined;
	/**
	 * Page size. When set, one page is returned with its `continue` token (the
	 * caller pages); when absent, the client follows every page itself.
	 */
	readonly limit?: number | undefined;
	/** The `continue` token of the previous page (with `limit`). */
	readonly continue?: string | undefined;
}

export interface WatchOptions extends ListOptions {
	/** Start after this list's resourceVersion. */
	readonly resourceVersion: string;
	/** Ask for BOOKMARK events. @default true */
	readonly allowBookmarks?: boolean | undefined;
	/** Server-side timeout of the watch. */
	readonly timeoutSeconds?: number | undefined;
}

export interface ListResult<T> {
	readonly items: readonly T[];
	/** The list's resourceVersion, to start a watch from. */
	readonly resourceVersion: string;
	/** With `limit`: the token of the next page, undefined on the last page. */
	readonly continue?: string | undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T> {
	readonly type: WatchEventType;
	readonly object: T;
}

export interface EvictOptions {
	/** Overrides the pod's own terminationGracePeriodSeconds. */
	readonly gracePeriodSeconds?: number | undefined;
	/** Evict only if the pod still has this UID (precondition). */
	readonly uid?: string | undefined;
	/** Server-side dry run. */
	readonly dryRun?: boolean | undefined;
}

export interface DeleteOptions {
	readonly gracePeriodSeconds?: number | undefined;
	readonly uid?: string | undefined;
}

/** A core/v1 Event as the agent writes it (series aggregation is the recorder's job). */
export interface CoreEventInput {
	readonly name: string;
	/**
	 * The event's namespace: the pod's for a Pod, `default` for the Node (a
	 * cluster-scoped object; the apiserver rejects any other namespace then).
	 */
	readonly namespace: string;
	readonly involvedObject: {
		readonly kind: 'Node' | 'Pod';
		readonly name: string;
		readonly namespace?: string | undefined;
		readonly uid?: string | undefined;
		readonly apiVersion: 'v1';
	};
	readonly reason: string;
	readonly message: string;
	readonly type: 'Normal' | 'Warning';
	readonly annotations: Readonly<Record<string, string>>;
	readonly source: { readonly component: string; readonly host?: string | undefined };
	readonly firstTimestamp: string;
	readonly lastTimestamp: string;
	readonly count: number;
}

/** One permission to check with a SelfSubjectAccessReview. */
export interface AccessCheck {
	readonly verb: string;
	readonly resource: string;
	/** API group; "" for the core group. */
	readonly group: string;
	readonly subresource?: string | undefined;
}

export interface KubeApi {
	/** The node, or undefined on 404. */
	getNode(name: string, signal: AbortSignal): Promise<Node | undefined>;
	listNodes(options: ListOptions, signal: AbortSignal): Promise<ListResult<Node>>;
	patchNode(name: string, patch: NodePatch, signal: AbortSignal): Promise<Node>;

	listPods(options: ListOptions, signal: AbortSignal): Promise<ListResult<Pod>>;
	/** Streams watch events until the signal aborts or the server ends the watch. Throws KubeError(410) when the resourceVersion is too old. */
	watchPods(options: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<Pod>>;
	/** POST pods/{name}/eviction (policy/v1). Resolves on 201; throws KubeError (404 gone, 429 PDB, 500 several PDBs…). */
	evictPod(namespace: string, name: string, options: EvictOptions, signal: AbortSignal): Promise<void>;
	/** DELETE the pod. Throws KubeError; 404 means already gone. */
	deletePod(namespace: string, name: string, options: DeleteOptions, signal: AbortSignal): Promise<void>;

	/** True when the DaemonSet exists (kubectl's check for orphaned DaemonSet pods). */
	daemonSetExists(namespace: string, name: string, signal: AbortSignal): Promise<boolean>;

	listPodDisruptionBudgets(options: ListOptions, signal: AbortSignal): Promise<ListResult<PodDisruptionBudget>>;
	watchPodDisruptionBudgets(options: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<PodDisruptionBudget>>;

	/** Whether the caller's own credentials allow this (SelfSubjectAccessReview, cluster-wide). */
	canI(check: AccessCheck, signal: AbortSignal): Promise<boolean>;

	/** Creates the event; on 409 (already exists) the caller patches instead. */
	createEvent(event: CoreEventInput, signal: AbortSignal): Promise<void>;
	/** Merge-patches `count`, `lastTimestamp` and `message` of an existing event. */
	patchEvent(
		namespace: string,
		name: string,
		patch: { count: number; lastTimestamp: string; message: string },
		signal: AbortSignal,
	): Promise<void>;
}
