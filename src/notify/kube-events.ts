/**
 * @module Kubernetes events (EMIT_KUBERNETES_EVENTS), written the way client-go's
 * recorder writes them, without client-go.
 *
 * - Node events go on the **real** Node: involvedObject kind Node, its name and
 *   uid, no namespace (NTH's IMDS mode uses a synthetic Node in namespace
 *   `default`, which `kubectl describe node` never shows). As client-go does
 *   for cluster-scoped objects, the Event itself lives in namespace `default`.
 * - Source component `aws-node-termination-handler`, host = the node name.
 * - Node events carry NTH's IMDS-mode annotations (account-id, availability-zone,
 *   instance-id, instance-life-cycle, instance-type, local-hostname, local-ipv4,
 *   public-hostname, public-ipv4, region) plus KUBERNETES_EVENTS_EXTRA_ANNOTATIONS
 *   (the user's keys win). Pod events carry `node` plus the caller's.
 * - Repeats aggregate like client-go's event logger: the same object, type,
 *   reason and message within the aggregation window patch `count` and
 *   `lastTimestamp` of the first Event instead of creating another (a patch
 *   that finds it gone creates a fresh one). A per-object token bucket (burst
 *   25, one more every 5 minutes: client-go's spam filter) drops floods.
 * - Calls never block: records go to a bounded queue drained by one worker;
 *   failures are logged and counted (`errorCaught('events')`), never thrown.
 */
import type { InstanceMetadata } from '../imds/types.ts';
import type { KubeApi } from '../kube/api.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import { isKubeError } from '../errors.ts';
import type { EventKind } from '../vocabulary.ts';
import { type EventReason, type EventRecorder, type EventType, noopRecorder, type PodRef } from './types.ts';

export const eventSourceComponent = 'aws-node-termination-handler';
/** Events about cluster-scoped objects (Nodes) live here, as client-go puts them. */
export const nodeEventNamespace = 'default';

export interface EventRecorderOptions {
	readonly kube: Pick<KubeApi, 'getNode' | 'createEvent' | 'patchEvent'>;
	readonly nodeName: string;
	readonly metadata: InstanceMetadata;
	/** KUBERNETES_EVENTS_EXTRA_ANNOTATIONS; these override the default annotations. */
	readonly extraAnnotations: Readonly<Record<string, string>>;
	readonly log: Logger;
	readonly metrics: Metrics;
	/** Wall clock, epoch ms. */
	readonly now: () => number;
	/** EMIT_KUBERNETES_EVENTS: when false the recorder does nothing. */
	readonly enabled: boolean;
	/** The agent's lifetime: aborting it stops writing. */
	readonly signal?: AbortSignal | undefined;
	/** Same event within this span: count++ instead of a new Event. @default 600000 (10 min, client-go's aggregation interval) */
	readonly aggregationWindowMs?: number | undefined;
	/** Records waiting beyond this are dropped (and counted). @default 1000 */
	readonly maxQueue?: number | undefined;
	/** Per-call timeout of the API requests. @default 10000 */
	readonly requestTimeoutMs?: number | undefined;
}

const interruptionReasons: Readonly<Record<EventKind, EventReason>> = {
	SPOT_ITN: 'SpotInterruption',
	SCHEDULED_EVENT: 'ScheduledEvent',
	REBALANCE_RECOMMENDATION: 'RebalanceRecommendation',
	ASG_LIFECYCLE: 'ASGLifecycle',
};

/** NTH's interruption reason for an event kind (upstream-nth.md §5b); anything else is UnknownInterruption. */
export function interruptionReason(kind: string): EventReason {
	return Object.hasOwn(interruptionReasons, kind) ? interruptionReasons[kind as EventKind] : 'UnknownInterruption';
}

/** NTH's IMDS-mode annotations on node events, from the start-up metadata. */
export function nodeEventAnnotations(metadata: InstanceMetadata): Record<string, string> {
	return {
		'account-id': metadata.accountId,
		'availability-zone': metadata.availabilityZone,
		'instance-id': metadata.instanceId,
		'instance-life-cycle': metadata.instanceLifeCycle,
		'instance-type': metadata.instanceType,
		'local-hostname': metadata.localHostname,
		'local-ipv4': metadata.privateIp,
		'public-hostname': metadata.publicHostname,
		'public-ipv4': metadata.publicIp,
		region: metadata.region,
	};
}

interface Pending {
	readonly object: {
		readonly kind: 'Node' | 'Pod';
		readonly name: string;
		readonly namespace?: string | undefined;
		readonly uid?: string | undefined;
	};
	readonly reason: EventReason;
	readonly type: EventType;
	readonly message: string;
	readonly annotations: Readonly<Record<string, string>>;
	readonly atMs: number;
}

interface Written {
	readonly namespace: string;
	readonly name: string;
	readonly firstMs: number;
	count: number;
	lastMs: number;
}

interface Bucket {
	tokens: number;
	refilledMs: number;
}

const spamBurst = 25;
const spamRefillMs = 300_000;
/** core/v1 messages are free text, but a bounded size keeps one long error from bloating etcd. */
const maxMessageChars = 1024;

function timestamp(ms: number): string {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Creates the recorder; a disabled one does nothing. */
export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
	if (!options.enabled) return noopRecorder();
	const { kube, log, metrics } = options;
	const windowMs = options.aggregationWindowMs ?? 600_000;
	const maxQueue = options.maxQueue ?? 1000;
	const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
	const lifetime = options.signal ?? new AbortController().signal;
	const nodeAnnotations = { ...nodeEventAnnotations(options.metadata), ...options.extraAnnotations };
	const queue: Pending[] = [];
	const written = new Map<string, Written>();
	const buckets = new Map<string, Bucket>();
	let nodeUid: string | undefined;
	let worker: Promise<void> | undefined;
	let dropped = 0;
	let sequence = 0;

	const requestSignal = (): AbortSignal => AbortSignal.any([lifetime, AbortSignal.timeout(requestTimeoutMs)]);

	const failed = (action: string, error: unknown, pending: Pending): void => {
		metrics.errorCaught('events');
		log.warn(`Cannot ${action} the Kubernetes event`, {
			reason: pending.reason,
			object: `${pending.object.kind}/${pending.object.name}`,
			error,
		});
	};

	/** client-go's spam filter: a token bucket per involved object. */
	const allowed = (objectKey: string, nowMs: number): boolean => {
		const bucket = buckets.get(objectKey) ?? { tokens: spamBurst, refilledMs: nowMs };
		const refills = Math.floor((nowMs - bucket.refilledMs) / spamRefillMs);
		if (refills > 0) {
			bucket.tokens = Math.min(spamBurst, bucket.tokens + refills);
			bucket.refilledMs += refills * spamRefillMs;
		}
		buckets.set(objectKey, bucket);
		if (bucket.tokens < 1) return false;
		bucket.tokens -= 1;
		return true;
	};

	const resolveNodeUid = async (): Promise<string | undefined> => {
		if (nodeUid !== undefined) return nodeUid;
		try {
			const node = await kube.getNode(options.nodeName, requestSignal());
			// An empty uid means "not found" for our purpose: the event then goes out without one, as NTH's do.
			nodeUid = node?.metadata.uid === '' ? undefined : node?.metadata.uid;
		} catch (error) {
			metrics.errorCaught('events');
			log.warn('Cannot read the Node for its uid: recording the event without it', { node_name: options.nodeName, error });
		}
		return nodeUid;
	};

	const create = async (pending: Pending, key: string): Promise<void> => {
		const object = pending.object.kind === 'Node' ? { ...pending.object, uid: await resolveNodeUid() } : pending.object;
		const namespace = object.namespace ?? nodeEventNamespace;
		// client-go names events "<object>.<unix nanos in hex>"; the sequence keeps two in the same millisecond apart.
		const name = `${object.name}.${(BigInt(pending.atMs) * 1_000_000n + BigInt(sequence++ % 1_000_000)).toString(16)}`;
		await kube.createEvent(
			{
				name,
				namespace,
				involvedObject: { kind: object.kind, name: object.name, namespace: object.namespace, uid: object.uid, apiVersion: 'v1' },
				reason: pending.reason,
				message: pending.message,
				type: pending.type,
				annotations: pending.annotations,
				source: { component: eventSourceComponent, host: options.nodeName },
				firstTimestamp: timestamp(pending.atMs),
				lastTimestamp: timestamp(pending.atMs),
				count: 1,
			},
			requestSignal(),
		);
		written.set(key, { namespace, name, firstMs: pending.atMs, count: 1, lastMs: pending.atMs });
	};

	const write = async (pending: Pending): Promise<void> => {
		const objectKey = `${pending.object.kind}/${pending.object.namespace ?? ''}/${pending.object.name}`;
		const key = JSON.stringify([objectKey, pending.type, pending.reason, pending.message]);
		const previous = written.get(key);
		if (previous && pending.atMs - previous.firstMs < windowMs) {
			try {
				await kube.patchEvent(
					previous.namespace,
					previous.name,
					{ count: previous.count + 1, lastTimestamp: timestamp(pending.atMs), message: pending.message },
					requestSignal(),
				);
				previous.count += 1;
				previous.lastMs = pending.atMs;
				return;
			} catch (error) {
				// The Event expired (events live about an hour) or was deleted: start a new one, as client-go does.
				if (!(isKubeError(error) && error.status === 404)) {
					failed('update', error, pending);
					return;
				}
				written.delete(key);
			}
		}
		if (!allowed(objectKey, pending.atMs)) {
			log.debug('Kubernetes event dropped by the spam filter', { reason: pending.reason, object: objectKey });
			return;
		}
		try {
			await create(pending, key);
		} catch (error) {
			failed('create', error, pending);
		}
	};

	const drain = async (): Promise<void> => {
		for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
			if (lifetime.aborted) {
				queue.length = 0;
				return;
			}
			await write(next);
		}
	};

	const startWorker = (): void => {
		if (worker !== undefined || queue.length === 0 || lifetime.aborted) return;
		worker = drain().finally(() => {
			worker = undefined;
			// A record queued while the finished worker was winding down starts the next one.
			startWorker();
		});
	};

	const enqueue = (pending: Pending): void => {
		if (queue.length >= maxQueue) {
			dropped += 1;
			metrics.errorCaught('events');
			// One line per power of two keeps a stuck API from flooding the log.
			if ((dropped & (dropped - 1)) === 0) log.warn('Kubernetes event queue is full: dropping events', { dropped, queue: queue.length });
			return;
		}
		queue.push(pending);
		startWorker();
	};

	const message = (text: string): string => (text.length > maxMessageChars ? `${text.slice(0, maxMessageChars - 3)}...` : text);

	return {
		node: (reason, type, text) => {
			enqueue({
				object: { kind: 'Node', name: options.nodeName },
				reason,
				type,
				message: message(text),
				annotations: nodeAnnotations,
				atMs: options.now(),
			});
		},
		pod: (pod: PodRef, reason, type, text, annotations = {}) => {
			enqueue({
				object: { kind: 'Pod', name: pod.name, namespace: pod.namespace, uid: pod.uid },
				reason,
				type,
				message: message(text),
				annotations: { node: options.nodeName, ...annotations },
				atMs: options.now(),
			});
		},
		flush: async (signal) => {
			const aborted = new Promise<void>((resolve) => {
				if (signal.aborted) resolve();
				else signal.addEventListener('abort', () => resolve(), { once: true });
			});
			while (worker !== undefined && !signal.aborted) await Promise.race([worker, aborted]);
		},
	};
}
