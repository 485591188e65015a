/**
 * @module The drain engine: evicts a node's pods before a deadline, in
 * priority order, paced by their PodDisruptionBudgets, and waits for them to
 * be gone with one watch.
 *
 * One loop owns all state. Each turn it opens the priority groups that are due
 * (see plan.ts), applies the PDB-deadlock policy to pods still blocked near the
 * deadline, starts the evictions that are allowed (a budget at 0 holds its
 * pods until the PDB watch shows room), logs progress, and sleeps until the
 * next timer or until something happens (a pod gone, a budget changed, an
 * answer came back). It never throws for drain failures: the result says what
 * is left and why. It is idempotent: run again on a half-drained node it just
 * continues (terminating pods are waited for, not evicted again).
 */
import { isAbortError, isKubeError } from '../errors.ts';
import type { KubeApi } from '../kube/api.ts';
import { type Sleep, sleep } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { EventRecorder, PodRef } from '../notify/types.ts';
import { type EvictOutcome, deleteOnce, evictOnce, evictRetryLine, goDuration } from './evict.ts';
import { follow, type FollowDeps } from './follow.ts';
import { PdbBook, pdbSource } from './pdbs.ts';
import { type GroupPlan, type PriorityGroup, baseGraceSeconds, cappedGraceSeconds, deadlockLeadSeconds, planGroups, priorityGroupOf } from './plan.ts';
import { type PodSelection, type SelectOptions, type SelectionNote, cachedDaemonSetLookup, podKey, selectPod, summarizeSelections } from './select.ts';
import { PodTracker, type PodView, nodeFieldSelector, nodePodSource, podView } from './wait.ts';
import { type DrainDeps, type DrainOptions, type DrainResult, maxConcurrentEvictions, pacedProbeMs, pdbSyncWaitMs, listPageSize, progressIntervalMs, minimumWindowMs, watchSlackSeconds, multiplePdbsRetryMs, evictBackoffMs } from './options.ts';

// Callers (incidents/ports.ts, the tests) import the drain's contract from here, as before the split.
export { type BlockedPod, type DrainDeps, type DrainOptions, type DrainResult, maxConcurrentEvictions, pacedProbeMs, pdbSyncWaitMs, listPageSize, progressIntervalMs, minimumWindowMs, watchSlackSeconds, multiplePdbsRetryMs, evictBackoffMs } from './options.ts';

/** Names of the pods on the node (NTH's `Pods on node` line and the webhook's `.Pods`), unfiltered. */
export async function listPodNames(kube: KubeApi, nodeName: string, signal: AbortSignal): Promise<string[]> {
	const listed = await kube.listPods({ fieldSelector: nodeFieldSelector(nodeName) }, signal);
	return listed.items.map((pod) => pod.metadata.name);
}

function quoted(values: readonly string[]): string {
	return values.map((value) => `"${value}"`).join(', ');
}

/** What the drain keeps of a pod it evicts or waits for (never the full Pod). */
interface Chosen {
	readonly key: string;
	readonly namespace: string;
	readonly name: string;
	readonly uid: string;
	readonly action: 'evict' | 'wait';
	readonly group: PriorityGroup;
	readonly baseGrace: number;
	/** deletionTimestamp in epoch ms, NaN when not terminating. */
	readonly deletionMs: number;
	readonly view: PodView;
}

type Status = 'pending' | 'requesting' | 'evicted' | 'deleting' | 'deleted' | 'gone';

interface Blocked {
	readonly kind: 'pdb' | 'multiple-pdbs' | 'paced';
	readonly pdbs: readonly string[];
	readonly message: string;
}

interface PodState {
	readonly key: string;
	readonly namespace: string;
	readonly name: string;
	readonly uid: string;
	readonly groupIndex: number;
	readonly baseGrace: number;
	readonly labels: Readonly<Record<string, string>>;
	status: Status;
	nextAttemptMs: number;
	failures: number;
	attempts: number;
	blocked: Blocked | undefined;
	/** The budget's resourceVersion at the last refusal: a new one allows an early retry. */
	blockedVersion: string;
	deadlockDone: boolean;
	deadlockRetryMs: number;
}

/** Validates options (programmer errors) and runs the drain. */
export async function drainNode(deps: DrainDeps, options: DrainOptions, signal: AbortSignal): Promise<DrainResult> {
	if (options.nodeName === '') throw new RangeError('Cannot drain node: the node name is empty');
	if (Number.isNaN(options.deadline.getTime())) throw new RangeError(`Cannot drain node "${options.nodeName}": the deadline is not a valid date`);
	const run = new DrainRun(deps, options, signal);
	return run.run();
}

class DrainRun {
	readonly #kube: KubeApi;
	readonly #log: Logger;
	readonly #metrics: Metrics;
	readonly #recorder: EventRecorder;
	readonly #now: () => number;
	readonly #sleep: Sleep;
	readonly #options: DrainOptions;
	readonly #outer: AbortSignal;
	readonly #scope = new AbortController();
	readonly #signal: AbortSignal;
	readonly #startMs: number;
	readonly #deadlineMs: number;
	readonly #background = new Set<Promise<unknown>>();
	readonly #states = new Map<string, PodState>();
	#groups: GroupPlan[] = [];
	#openGroups = 0;
	#tracker: PodTracker | undefined;
	#book: PdbBook | undefined;
	#inflight = 0;
	#evicted = 0;
	#deleted = 0;
	#lastProgressMs = Number.NEGATIVE_INFINITY;
	#dirty = false;
	#wakeSleep: (() => void) | undefined;

	constructor(deps: DrainDeps, options: DrainOptions, signal: AbortSignal) {
		this.#kube = deps.kube;
		this.#log = deps.log;
		this.#metrics = deps.metrics;
		this.#recorder = deps.recorder;
		this.#now = deps.now ?? Date.now;
		this.#sleep = deps.sleep ?? sleep;
		this.#options = options;
		this.#outer = signal;
		this.#signal = AbortSignal.any([signal, this.#scope.signal]);
		this.#startMs = this.#now();
		this.#deadlineMs = Math.max(options.deadline.getTime(), this.#startMs + minimumWindowMs);
	}

	async run(): Promise<DrainResult> {
		try {
			return await this.#drain();
		} catch (error) {
			if (this.#outer.aborted || isAbortError(error)) return this.#result(false, this.#abortMessage());
			// Whatever went wrong, the agent keeps running: the caller retries while the event is live.
			this.#log.error('Cannot drain node', { error, 'node-name': this.#options.nodeName });
			this.#metrics.errorCaught('drain');
			return this.#result(false, `Cannot drain node "${this.#options.nodeName}": ${error instanceof Error ? error.message : String(error)}`);
		} finally {
			this.#scope.abort();
			await Promise.allSettled([...this.#background]);
		}
	}

	async #drain(): Promise<DrainResult> {
		const source = nodePodSource(this.#kube, this.#options.nodeName, this.#options.useApiserverCache, () => this.#watchTimeoutSeconds());
		// The pod list and the selections live only in #prepare: the loop keeps slim state, not 100 full pods.
		const prepared = await this.#prepare(source);
		if ('durationMs' in prepared) return prepared;
		const tracker = prepared.tracker;
		this.#tracker = tracker;
		tracker.on({ gone: (tracked) => this.#gone(tracked.key), update: () => this.#wake() });
		const deps = this.#followDeps();
		this.#spawn(follow(deps, source, { sync: (items) => tracker.sync(items), event: (event) => tracker.event(event) }, { resourceVersion: prepared.resourceVersion }, this.#signal));
		if (prepared.guardedNamespaces.size > 0) await this.#startBook(prepared.guardedNamespaces, deps);
		return await this.#loop();
	}

	/** Lists and selects the pods, plans the groups; a result when there is nothing (or no way) to drain. */
	async #prepare(source: ReturnType<typeof nodePodSource>): Promise<DrainResult | { readonly tracker: PodTracker; readonly resourceVersion: string; readonly guardedNamespaces: ReadonlySet<string> }> {
		const options = this.#options;
		// Transient failures (a page, a DaemonSet lookup, an expired continue token) start the listing over.
		const listed = await this.#retryUntilDeadline(`list ${source.what}`, (signal) => this.#selectAll(source, signal));
		if (listed === undefined) return this.#stopped(`Cannot list ${source.what}`);
		const summary = summarizeSelections(listed.notes);
		if (summary.errors.length > 0) {
			const error = `Cannot drain node "${options.nodeName}": ${summary.errors.join('; ')}`;
			this.#log.error(error);
			return this.#result(false, error);
		}
		if (summary.warnings !== '') this.#log.warn(`WARNING: ${summary.warnings}`);
		this.#setUp(listed.chosen);
		if (this.#states.size === 0) return this.#result(true, undefined);
		return {
			tracker: new PodTracker(listed.chosen),
			resourceVersion: listed.resourceVersion,
			// Budgets matter only where an eviction can hit one: running pods we evict.
			guardedNamespaces: new Set(listed.chosen.filter((pod) => pod.action === 'evict' && !pod.view.ignoresBudgets).map((pod) => pod.namespace)),
		};
	}

	/**
	 * Lists the node's pods a page at a time and runs each through the filters,
	 * keeping only what the drain needs of the pods it keeps: a 100-pod list
	 * parsed whole is megabytes the garbage collector sees late.
	 */
	async #selectAll(source: ReturnType<typeof nodePodSource>, signal: AbortSignal): Promise<{ readonly chosen: readonly Chosen[]; readonly notes: readonly SelectionNote[]; readonly resourceVersion: string }> {
		const options = this.#options;
		const selectOptions: SelectOptions = {
			deleteLocalData: options.deleteLocalData,
			ignoreDaemonSets: options.ignoreDaemonSets,
			evictDaemonSetPods: options.evictDaemonSetPods,
			self: options.self,
			daemonSetExists: cachedDaemonSetLookup((namespace, name, inner) => this.#kube.daemonSetExists(namespace, name, inner)),
		};
		const chosen: Chosen[] = [];
		const notes: SelectionNote[] = [];
		let token: string | undefined;
		let resourceVersion = '';
		do {
			const page = await source.listPage(listPageSize, token, signal);
			for (const pod of page.items) {
				const selection = await selectPod(pod, selectOptions, signal);
				notes.push({ key: podKey(pod), warning: selection.warning, fatal: selection.fatal });
				if (selection.action !== 'skip') chosen.push(this.#chosen(selection));
			}
			token = page.continue;
			resourceVersion = page.resourceVersion;
		} while (token !== undefined && token !== '');
		return { chosen, notes, resourceVersion };
	}

	#chosen(selection: PodSelection): Chosen {
		const pod = selection.pod;
		return {
			key: podKey(pod),
			namespace: pod.metadata.namespace ?? '',
			name: pod.metadata.name,
			uid: pod.metadata.uid,
			action: selection.action === 'wait' ? 'wait' : 'evict',
			group: priorityGroupOf(selection),
			baseGrace: baseGraceSeconds(pod, this.#options.podGracePeriodSeconds),
			deletionMs: Date.parse(pod.metadata.deletionTimestamp ?? ''),
			view: podView(pod),
		};
	}

	#setUp(chosen: readonly Chosen[]): void {
		const nowMs = this.#now();
		this.#groups = planGroups(chosen.map((pod) => ({ key: pod.key, group: pod.group, graceSeconds: pod.baseGrace })), this.#startMs, this.#deadlineMs);
		const groupIndex = new Map<PriorityGroup, number>(this.#groups.map((plan, index) => [plan.group, index]));
		for (const pod of chosen) {
			// A terminating pod is only waited for, unless it would outlive the deadline: evicting it again shortens its grace.
			const waitOnly = pod.action === 'wait' && !(pod.deletionMs > this.#deadlineMs - 1000);
			this.#states.set(pod.key, {
				key: pod.key,
				namespace: pod.namespace,
				name: pod.name,
				uid: pod.uid,
				groupIndex: groupIndex.get(pod.group) ?? 0,
				baseGrace: pod.baseGrace,
				labels: pod.view.labels,
				status: waitOnly ? 'evicted' : 'pending',
				nextAttemptMs: nowMs,
				failures: 0,
				attempts: 0,
				blocked: undefined,
				blockedVersion: '',
				deadlockDone: false,
				deadlockRetryMs: nowMs,
			});
		}
		for (const plan of this.#groups) {
			this.#log.debug('Drain group planned', { group: plan.group, pods: plan.pods.length, 'latest-start': new Date(plan.latestStartMs).toISOString(), 'reserved-seconds': Math.round(plan.reservedSeconds) });
		}
	}

	/** Follows the budgets of the namespaces whose pods an eviction can hit; waits briefly for the first list. */
	async #startBook(namespaces: ReadonlySet<string>, deps: FollowDeps): Promise<void> {
		const book = new PdbBook(namespaces, this.#now);
		this.#book = book;
		const first = new AbortController();
		book.onChange(() => {
			first.abort();
			this.#wake();
		});
		this.#spawn(
			follow(
				deps,
				pdbSource(this.#kube, namespaces, this.#options.useApiserverCache, () => this.#watchTimeoutSeconds()),
				{
					sync: (items) => book.sync(items),
					event: (event) => {
						if (event.type !== 'BOOKMARK') book.apply(event.type, event.object);
					},
					stopped: (error) => {
						this.#log.warn('Cannot pace evictions by PodDisruptionBudgets: evicting without them, 429 answers are retried', { error });
						this.#metrics.errorCaught('drain');
						book.turnOff();
					},
				},
				// No RBAC for PDBs (NTH's ClusterRole has none): pace nothing rather than retry for ever.
				{ stopOn: (error) => isKubeError(error) && (error.status === 403 || error.status === 401 || error.status === 404) },
				this.#signal,
			),
		);
		try {
			await this.#sleep(Math.min(pdbSyncWaitMs, Math.max(0, this.#deadlineMs - this.#now())), AbortSignal.any([this.#signal, first.signal]));
		} catch {
			// The list arrived (or the drain was aborted, which the loop sees).
		}
	}

	async #loop(): Promise<DrainResult> {
		const tracker = this.#tracker;
		if (tracker === undefined) throw new TypeError('Cannot run the drain loop: no pod tracker');
		for (;;) {
			if (this.#outer.aborted) return this.#result(false, this.#abortMessage());
			const nowMs = this.#now();
			if (tracker.remaining === 0) {
				this.#progress(nowMs, true);
				this.#log.info('Drained node', { 'node-name': this.#options.nodeName, evicted: this.#evicted, deleted: this.#deleted, seconds: Math.round((nowMs - this.#startMs) / 100) / 10 });
				return this.#result(true, undefined);
			}
			if (nowMs >= this.#deadlineMs) return this.#deadlineReached(nowMs);
			this.#openDueGroups(nowMs);
			this.#applyDeadlockPolicy(nowMs);
			this.#startEvictions(nowMs);
			this.#progress(nowMs, false);
			await this.#waitUntil(this.#nextWakeMs(nowMs));
		}
	}

	#openDueGroups(nowMs: number): void {
		while (this.#openGroups < this.#groups.length) {
			const plan = this.#groups[this.#openGroups];
			if (plan === undefined) break;
			const earlierGone = [...this.#states.values()].every((state) => state.groupIndex >= this.#openGroups || state.status === 'gone');
			if (!earlierGone && nowMs < plan.latestStartMs) break;
			if (this.#openGroups > 0) {
				this.#log.info('Evicting next priority group', { group: plan.group, pods: plan.pods.length, reason: earlierGone ? 'earlier groups gone' : 'its share of the time' });
			}
			this.#openGroups += 1;
		}
	}

	/** Whether the pod's eviction is held by pacing: a single ready, budget-guarded pod whose budget has no room left. */
	#paced(state: PodState): { readonly pdb: string; readonly room: number } | undefined {
		const book = this.#book;
		if (book === undefined || book.state !== 'live') return undefined;
		const pod = this.#tracker?.get(state.key)?.view;
		if (pod === undefined || pod.ignoresBudgets || !pod.ready) return undefined;
		const pdbs = book.matchingCached(state.key, pod);
		const [pdb] = pdbs;
		// Several budgets: the apiserver answers 500, which the caller reports; none: nothing to pace.
		if (pdbs.length !== 1 || pdb === undefined) return undefined;
		return { pdb, room: book.available(pdb) };
	}

	#startEvictions(nowMs: number): void {
		for (const state of this.#states.values()) {
			if (this.#inflight >= maxConcurrentEvictions) return;
			if (state.status !== 'pending' || state.groupIndex >= this.#openGroups) continue;
			const paced = this.#paced(state);
			const due = nowMs >= state.nextAttemptMs;
			if (paced === undefined) {
				// A pod held by pacing that is no longer paced (the book went off, the pod became unready) goes at once.
				if (due || state.blocked?.kind === 'paced') this.#launch(state, nowMs, undefined);
			} else if (paced.room > 0) {
				// Room in the budget: go when due, or at once when the budget moved since this pod was held or refused.
				const moved = state.blocked !== undefined && this.#book?.version(paced.pdb) !== state.blockedVersion;
				if (due || moved) this.#launch(state, nowMs, paced.pdb);
			} else if (state.blocked === undefined) {
				// No room: hold. The PDB watch wakes the loop when the budget changes.
				this.#hold(state, paced.pdb, nowMs);
			} else if (due) {
				// Held for pacedProbeMs without news: ask the apiserver anyway, in case the watched view is wrong.
				this.#launch(state, nowMs, undefined);
			}
		}
	}

	#hold(state: PodState, pdb: string, nowMs: number): void {
		const book = this.#book;
		const status = book?.get(pdb)?.status;
		state.blocked = { kind: 'paced', pdbs: [pdb], message: `The disruption budget ${pdb} allows ${status?.disruptionsAllowed ?? 0} more disruptions (${status?.currentHealthy ?? '?'} healthy, ${status?.desiredHealthy ?? '?'} needed)` };
		state.blockedVersion = book?.version(pdb) ?? '';
		state.nextAttemptMs = nowMs + pacedProbeMs;
		this.#log.debug('Eviction held by PodDisruptionBudget', { pod: state.key, pdb });
	}

	#launch(state: PodState, nowMs: number, reserved: string | undefined): void {
		const grace = cappedGraceSeconds(state.baseGrace, nowMs, this.#deadlineMs);
		if (reserved !== undefined) this.#book?.reserve(reserved, state.name);
		if (state.attempts === 0) this.#log.info(`evicting pod ${state.key}`);
		state.status = 'requesting';
		state.attempts += 1;
		this.#inflight += 1;
		this.#spawn(
			evictOnce(this.#kube, state, grace, this.#signal).then((outcome) => {
				this.#inflight -= 1;
				this.#afterEviction(state, outcome, reserved);
				this.#wake();
			}),
		);
	}

	#afterEviction(state: PodState, outcome: EvictOutcome, reserved: string | undefined): void {
		const nowMs = this.#now();
		if (outcome.kind !== 'evicted' && reserved !== undefined) this.#book?.release(reserved, state.name);
		switch (outcome.kind) {
			case 'evicted':
				this.#evicted += 1;
				state.blocked = undefined;
				this.#metrics.podEvicted('evicted');
				this.#recorder.pod(this.#ref(state), 'PodEviction', 'Normal', `Pod evicted due to node drain (node ${this.#options.nodeName})`, { node: this.#options.nodeName, ...state.labels });
				if (state.status === 'requesting') state.status = 'evicted';
				return;
			case 'gone':
				this.#evicted += 1;
				this.#metrics.podEvicted('gone');
				this.#tracker?.markGone(state.key);
				return;
			case 'aborted':
				if (state.status === 'requesting') state.status = 'pending';
				return;
			case 'blocked':
				this.#refused(state, outcome, nowMs);
				return;
			case 'failed': {
				if (state.status === 'requesting') state.status = 'pending';
				state.failures += 1;
				const retryMs = evictBackoffMs(state.failures);
				state.nextAttemptMs = nowMs + retryMs;
				this.#log.warn(evictRetryLine(state, retryMs, outcome.message));
				this.#metrics.errorCaught('drain');
			}
		}
	}

	#refused(state: PodState, outcome: { readonly block: 'pdb' | 'multiple-pdbs'; readonly message: string }, nowMs: number): void {
		if (state.status === 'requesting') state.status = 'pending';
		state.failures += 1;
		this.#metrics.evictionBlocked(outcome.block);
		const pod = this.#tracker?.get(state.key)?.view;
		const pdbs = pod === undefined || this.#book === undefined ? [] : this.#book.matching(pod);
		const [single] = pdbs;
		state.blockedVersion = single === undefined ? '' : (this.#book?.version(single) ?? '');
		if (outcome.block === 'multiple-pdbs') {
			const message = `Cannot evict pod "${state.key}": it matches more than one PodDisruptionBudget${pdbs.length > 0 ? ` (${quoted(pdbs)})` : ''}, which the eviction API does not support`;
			if (state.blocked?.kind !== 'multiple-pdbs') this.#log.error(message);
			state.blocked = { kind: 'multiple-pdbs', pdbs, message };
			state.nextAttemptMs = nowMs + multiplePdbsRetryMs;
			return;
		}
		// With a live budget the watch says when to retry; without one, back off as kubectl does (but shorter first).
		const retryMs = this.#book?.state === 'live' && pdbs.length === 1 ? pacedProbeMs : evictBackoffMs(state.failures);
		state.blocked = { kind: 'pdb', pdbs, message: outcome.message };
		state.nextAttemptMs = nowMs + retryMs;
		this.#log.error(evictRetryLine(state, retryMs, outcome.message));
	}

	#applyDeadlockPolicy(nowMs: number): void {
		const windowSeconds = (this.#deadlineMs - this.#startMs) / 1000;
		for (const state of this.#states.values()) {
			if (state.status !== 'pending' || state.blocked === undefined || state.deadlockDone || nowMs < state.deadlockRetryMs) continue;
			const leadMs = deadlockLeadSeconds(state.baseGrace, windowSeconds) * 1000;
			if (nowMs < this.#deadlineMs - leadMs) continue;
			const blocked = state.blocked;
			const secondsLeft = Math.max(0, Math.round((this.#deadlineMs - nowMs) / 1000));
			const budget = blocked.pdbs.length === 0 ? 'a PodDisruptionBudget' : `PodDisruptionBudget${blocked.pdbs.length > 1 ? 's' : ''} ${quoted(blocked.pdbs)}`;
			const annotations = { node: this.#options.nodeName, pdbs: blocked.pdbs.join(',') };
			if (this.#options.pdbDeadlockPolicy === 'wait') {
				state.deadlockDone = true;
				const message = `Eviction of pod "${state.key}" is blocked by ${budget} with ${secondsLeft} s to the deadline; waiting (PDB_DEADLOCK_POLICY=wait)`;
				this.#log.warn(message, { pod: state.key, pdbs: blocked.pdbs, reason: blocked.message });
				this.#recorder.pod(this.#ref(state), 'EvictionBlocked', 'Warning', message, annotations);
				continue;
			}
			const grace = cappedGraceSeconds(state.baseGrace, nowMs, this.#deadlineMs);
			state.status = 'deleting';
			this.#inflight += 1;
			this.#spawn(
				deleteOnce(this.#kube, state, grace, this.#signal).then((outcome) => {
					this.#inflight -= 1;
					const afterMs = this.#now();
					if (outcome.kind === 'evicted' || outcome.kind === 'gone') {
						state.deadlockDone = true;
						this.#deleted += 1;
						this.#metrics.podEvicted('deleted');
						const message = `Deleted pod "${state.key}" with a ${grace} s grace period although ${budget} blocks its eviction, ${secondsLeft} s before the deadline (PDB_DEADLOCK_POLICY=delete)`;
						this.#log.warn(message, { pod: state.key, pdbs: blocked.pdbs });
						this.#recorder.pod(this.#ref(state), 'PodDeletedPastBudget', 'Warning', message, annotations);
						if (outcome.kind === 'gone') this.#tracker?.markGone(state.key);
						else if (state.status === 'deleting') state.status = 'deleted';
					} else {
						if (state.status === 'deleting') state.status = 'pending';
						if (outcome.kind === 'failed') {
							state.deadlockRetryMs = afterMs + evictBackoffMs(state.failures + 1);
							this.#log.warn(`Cannot delete pod "${state.key}" past its PodDisruptionBudget: will retry`, { error: outcome.error });
							this.#metrics.errorCaught('drain');
						}
					}
					this.#wake();
				}),
			);
		}
	}

	#progress(nowMs: number, final: boolean): void {
		if (!final && nowMs - this.#lastProgressMs < progressIntervalMs) return;
		this.#lastProgressMs = nowMs;
		let done = 0;
		let gone = 0;
		let blocked = 0;
		for (const state of this.#states.values()) {
			if (state.status === 'evicted' || state.status === 'deleted' || state.status === 'gone') done += 1;
			if (state.status === 'gone') gone += 1;
			if (state.status === 'pending' && state.blocked !== undefined) blocked += 1;
		}
		const seconds = Math.max(0, Math.round((this.#deadlineMs - nowMs) / 1000));
		this.#log.info(`evicted ${done} of ${this.#states.size} pods, ${seconds} s to deadline`, { gone, blocked });
	}

	#nextWakeMs(nowMs: number): number {
		let next = Math.min(this.#deadlineMs, this.#lastProgressMs + progressIntervalMs);
		const nextGroup = this.#groups[this.#openGroups];
		if (nextGroup !== undefined) next = Math.min(next, nextGroup.latestStartMs);
		const windowSeconds = (this.#deadlineMs - this.#startMs) / 1000;
		for (const state of this.#states.values()) {
			if (state.status !== 'pending') continue;
			if (state.groupIndex < this.#openGroups && this.#inflight < maxConcurrentEvictions) next = Math.min(next, state.nextAttemptMs);
			if (state.blocked !== undefined && !state.deadlockDone) {
				next = Math.min(next, Math.max(state.deadlockRetryMs, this.#deadlineMs - deadlockLeadSeconds(state.baseGrace, windowSeconds) * 1000));
			}
		}
		return Math.max(next, nowMs);
	}

	/** Sleeps until `untilMs` or until {@link #wake}, whichever comes first. */
	async #waitUntil(untilMs: number): Promise<void> {
		if (this.#dirty) {
			this.#dirty = false;
			// One turn per batch of news, not per event: a watch chunk often carries several.
			try {
				await this.#sleep(0, this.#signal);
			} catch {
				// Aborted: the loop sees it.
			}
			return;
		}
		const woken = new AbortController();
		this.#wakeSleep = () => woken.abort();
		try {
			await this.#sleep(Math.max(0, untilMs - this.#now()), AbortSignal.any([this.#signal, woken.signal]));
		} catch {
			// Woken early or aborted: the loop looks at the state again either way.
		} finally {
			this.#wakeSleep = undefined;
			this.#dirty = false;
		}
	}

	#wake(): void {
		this.#dirty = true;
		this.#wakeSleep?.();
	}

	#gone(key: string): void {
		const state = this.#states.get(key);
		if (state !== undefined) {
			state.status = 'gone';
			state.blocked = undefined;
		}
		this.#wake();
	}

	#deadlineReached(nowMs: number): DrainResult {
		this.#progress(nowMs, true);
		const remaining = [...this.#states.values()].filter((state) => state.status !== 'gone');
		for (let index = 0; index < remaining.length; index += 1) this.#metrics.podEvicted('failed');
		const blocked = remaining.filter((state) => state.blocked !== undefined);
		const details = blocked.map((state) => (state.blocked?.kind === 'multiple-pdbs' ? state.blocked.message : `"${state.key}" blocked by PodDisruptionBudget ${quoted(state.blocked?.pdbs ?? [])}`));
		const error = `Cannot drain node "${this.#options.nodeName}": ${remaining.length} of ${this.#states.size} pods still on the node at the deadline: ${quoted(remaining.map((state) => state.key))}${details.length > 0 ? `; ${details.join('; ')}` : ''}`;
		this.#log.error(error);
		return this.#result(false, error);
	}

	#stopped(action: string): DrainResult {
		if (this.#outer.aborted) return this.#result(false, this.#abortMessage());
		return this.#result(false, `Cannot drain node "${this.#options.nodeName}": ${action} before the deadline`);
	}

	/** Runs `attempt` until it succeeds, backing off, until the deadline; undefined when it never did. */
	async #retryUntilDeadline<T>(what: string, attempt: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
		for (let failures = 1; ; failures += 1) {
			try {
				return await attempt(this.#signal);
			} catch (error) {
				if (this.#outer.aborted || isAbortError(error)) throw error;
				this.#log.warn(`Cannot ${what}: will retry`, { error });
				this.#metrics.errorCaught('drain');
				const waitMs = Math.min(evictBackoffMs(failures), this.#deadlineMs - this.#now());
				if (waitMs <= 0) return undefined;
				await this.#sleep(waitMs, this.#signal);
			}
		}
	}

	/** Server-side watch timeout: the time left plus a little, so no watch outlives the drain by much. */
	#watchTimeoutSeconds(): number {
		return Math.min(3600, Math.max(watchSlackSeconds, Math.ceil((this.#deadlineMs - this.#now()) / 1000) + watchSlackSeconds));
	}

	#followDeps(): FollowDeps {
		return { log: this.#log, metrics: this.#metrics, now: this.#now, sleep: this.#sleep };
	}

	#spawn(task: Promise<unknown>): void {
		const tracked = task.catch((error: unknown) => {
			// Background tasks handle their own errors; reaching here is a bug, kept from crashing the agent.
			if (!isAbortError(error)) {
				this.#log.error('Drain task failed', { error });
				this.#metrics.errorCaught('drain');
			}
		});
		this.#background.add(tracked);
		void tracked.finally(() => this.#background.delete(tracked));
	}

	#ref(state: PodState): PodRef {
		return { namespace: state.namespace, name: state.name, uid: state.uid };
	}

	#abortMessage(): string {
		const reason: unknown = this.#outer.reason;
		return `Cannot drain node "${this.#options.nodeName}": aborted${reason instanceof Error ? ` (${reason.message})` : ''}`;
	}

	#result(ok: boolean, error: string | undefined): DrainResult {
		const remaining = [...this.#states.values()].filter((state) => state.status !== 'gone');
		return {
			ok,
			evicted: this.#evicted,
			deleted: this.#deleted,
			total: this.#states.size,
			remaining: ok ? [] : remaining.map((state) => state.key),
			blocked: remaining.filter((state) => state.blocked !== undefined).map((state) => ({ pod: state.key, pdbs: [...(state.blocked?.pdbs ?? [])] })),
			...(error === undefined ? {} : { error }),
			durationMs: this.#now() - this.#startMs,
		};
	}
}
