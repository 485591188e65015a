/**
 * @module One drain's loop (drain.ts's `drainNode` validates the options and
 * runs it): it owns all state. Each turn it opens the priority groups that are
 * due (plan.ts, schedule.ts), applies the PDB-deadlock policy (deadlock.ts) to
 * pods still blocked near the deadline, starts the evictions pacing allows
 * (pacing.ts; a budget at 0 holds its pods until the PDB watch shows room),
 * logs progress (report.ts), and sleeps until the next timer (schedule.ts) or
 * until something happens (wake.ts: a pod gone, a budget changed, an answer
 * came back). Every answer goes through outcome.ts; the pods come from
 * prepare.ts.
 */
import { isAbortError } from '../errors.ts';
import { sleep } from '../clock.ts';
import { Background } from './background.ts';
import { type DeadlockWindow, deadlockStep } from './deadlock.ts';
import { deleteOnce, evictOnce } from './evict.ts';
import { follow, type FollowDeps } from './follow.ts';
import { type Attempt, type OutcomeDeps, settleOutcome } from './outcome.ts';
import { hold, pacedBy, pacingStep } from './pacing.ts';
import { PdbBook, followBudgets, pdbSource } from './pdbs.ts';
import { type GroupPlan, cappedGraceSeconds } from './plan.ts';
import { prepareDrain } from './prepare.ts';
import { deadlineError, drainResult, progressLine } from './report.ts';
import { nextWakeMs, openDueGroups } from './schedule.ts';
import { type PodState, type Tally, podRef } from './state.ts';
import { type PodTracker, nodePodSource } from './wait.ts';
import { Waker } from './wake.ts';
import {
	type DrainDeps,
	type DrainOptions,
	type DrainResult,
	maxConcurrentEvictions,
	pacedProbeMs,
	pdbSyncWaitMs,
	progressIntervalMs,
	minimumWindowMs,
	watchSlackSeconds,
} from './options.ts';

export class DrainRun {
	/** The injected dependencies with the clock defaults filled in; also what follow() and the retries take. */
	readonly #deps: DrainDeps & FollowDeps;
	readonly #options: DrainOptions;
	readonly #outer: AbortSignal;
	readonly #scope = new AbortController();
	readonly #signal: AbortSignal;
	readonly #startMs: number;
	readonly #deadlineMs: number;
	readonly #window: DeadlockWindow;
	readonly #background: Background;
	readonly #states = new Map<string, PodState>();
	readonly #tally: Tally = { evicted: 0, deleted: 0 };
	readonly #waker: Waker;
	#groups: GroupPlan[] = [];
	#openGroups = 0;
	#tracker: PodTracker | undefined;
	#book: PdbBook | undefined;
	#inflight = 0;
	#lastProgressMs = Number.NEGATIVE_INFINITY;

	constructor(deps: DrainDeps, options: DrainOptions, signal: AbortSignal) {
		this.#deps = { ...deps, now: deps.now ?? Date.now, sleep: deps.sleep ?? sleep };
		this.#options = options;
		this.#outer = signal;
		this.#signal = AbortSignal.any([signal, this.#scope.signal]);
		this.#startMs = this.#deps.now();
		this.#deadlineMs = Math.max(options.deadline.getTime(), this.#startMs + minimumWindowMs);
		this.#window = { nodeName: options.nodeName, policy: options.pdbDeadlockPolicy, startMs: this.#startMs, deadlineMs: this.#deadlineMs };
		this.#waker = new Waker(this.#deps.sleep, this.#deps.now, this.#signal);
		this.#background = new Background(deps.log, deps.metrics);
	}

	async run(): Promise<DrainResult> {
		try {
			return await this.#drain();
		} catch (error) {
			if (this.#outer.aborted || isAbortError(error)) return this.#result(false, this.#abortMessage());
			// Whatever went wrong, the agent keeps running: the caller retries while the event is live.
			this.#deps.log.error('Cannot drain node', { error, 'node-name': this.#options.nodeName });
			this.#deps.metrics.errorCaught('drain');
			return this.#result(
				false,
				`Cannot drain node "${this.#options.nodeName}": ${error instanceof Error ? error.message : String(error)}`,
			);
		} finally {
			this.#scope.abort();
			await this.#background.settled();
		}
	}

	async #drain(): Promise<DrainResult> {
		const source = nodePodSource(this.#deps.kube, this.#options.nodeName, this.#options.useApiserverCache, () =>
			this.#watchTimeoutSeconds(),
		);
		const prepared = await prepareDrain(
			{ deps: this.#deps, options: this.#options, source, startMs: this.#startMs, deadlineMs: this.#deadlineMs },
			this.#signal,
		);
		if (prepared.kind === 'unlisted')
			return this.#outer.aborted
				? this.#result(false, this.#abortMessage())
				: this.#result(false, `Cannot drain node "${this.#options.nodeName}": Cannot list ${source.what} before the deadline`);
		if (prepared.kind === 'refused') return this.#result(false, prepared.error);
		if (prepared.kind === 'empty') return this.#result(true, undefined);
		this.#groups = prepared.groups;
		for (const state of prepared.states) this.#states.set(state.key, state);
		const tracker = prepared.tracker;
		this.#tracker = tracker;
		tracker.on({ gone: (tracked) => this.#gone(tracked.key), update: () => this.#waker.wake() });
		const deps = this.#deps;
		this.#background.spawn(
			follow(
				deps,
				source,
				{ sync: (items) => tracker.sync(items), event: (event) => tracker.event(event) },
				{ resourceVersion: prepared.resourceVersion },
				this.#signal,
			),
		);
		if (prepared.guardedNamespaces.size > 0) await this.#startBook(prepared.guardedNamespaces, deps);
		return await this.#loop(tracker);
	}

	/** Follows the budgets of the namespaces whose pods an eviction can hit; waits briefly for the first list. */
	async #startBook(namespaces: ReadonlySet<string>, deps: FollowDeps): Promise<void> {
		const book = new PdbBook(namespaces, this.#deps.now);
		this.#book = book;
		const first = new AbortController();
		book.onChange(() => {
			first.abort();
			this.#waker.wake();
		});
		this.#background.spawn(
			followBudgets(
				deps,
				pdbSource(this.#deps.kube, namespaces, this.#options.useApiserverCache, () => this.#watchTimeoutSeconds()),
				book,
				this.#signal,
			),
		);
		try {
			await this.#deps.sleep(
				Math.min(pdbSyncWaitMs, Math.max(0, this.#deadlineMs - this.#deps.now())),
				AbortSignal.any([this.#signal, first.signal]),
			);
		} catch {
			// The list arrived (or the drain was aborted, which the loop sees).
		}
	}

	async #loop(tracker: PodTracker): Promise<DrainResult> {
		const outcomes: OutcomeDeps = {
			nodeName: this.#options.nodeName,
			log: this.#deps.log,
			metrics: this.#deps.metrics,
			recorder: this.#deps.recorder,
			now: this.#deps.now,
			book: this.#book,
			tracker,
			tally: this.#tally,
		};
		for (;;) {
			if (this.#outer.aborted) return this.#result(false, this.#abortMessage());
			const nowMs = this.#deps.now();
			if (tracker.remaining === 0) {
				this.#progress(nowMs, true);
				this.#deps.log.info('Drained node', {
					'node-name': this.#options.nodeName,
					evicted: this.#tally.evicted,
					deleted: this.#tally.deleted,
					seconds: Math.round((nowMs - this.#startMs) / 100) / 10,
				});
				return this.#result(true, undefined);
			}
			if (nowMs >= this.#deadlineMs) return this.#deadlineReached(nowMs);
			this.#openDueGroups(nowMs);
			this.#applyDeadlockPolicy(nowMs, outcomes);
			this.#startEvictions(nowMs, outcomes);
			this.#progress(nowMs, false);
			const view = {
				groups: this.#groups,
				openGroups: this.#openGroups,
				states: [...this.#states.values()],
				nowMs,
				inflight: this.#inflight,
				lastProgressMs: this.#lastProgressMs,
				window: this.#window,
			};
			await this.#waker.until(nextWakeMs(view));
		}
	}

	#openDueGroups(nowMs: number): void {
		const due = openDueGroups({ groups: this.#groups, openGroups: this.#openGroups, states: [...this.#states.values()], nowMs });
		for (const { plan, reason } of due.opened)
			this.#deps.log.info('Evicting next priority group', { group: plan.group, pods: plan.pods.length, reason });
		this.#openGroups = due.openGroups;
	}

	#startEvictions(nowMs: number, outcomes: OutcomeDeps): void {
		const book = this.#book;
		const context = { nowMs, version: (pdb: string) => book?.version(pdb) };
		for (const state of this.#states.values()) {
			if (this.#inflight >= maxConcurrentEvictions) return;
			if (state.status !== 'pending' || state.groupIndex >= this.#openGroups) continue;
			const step = pacingStep(state, pacedBy(book, state.key, this.#tracker?.get(state.key)?.view), context);
			if (step?.kind === 'hold') {
				hold(state, book, { pdb: step.pdb, probeAtMs: nowMs + pacedProbeMs });
				this.#deps.log.debug('Eviction held by PodDisruptionBudget', { pod: state.key, pdb: step.pdb });
			} else if (step?.kind === 'launch') {
				this.#launch(state, nowMs, { kind: 'evict', state, reserved: step.reserved }, outcomes);
			}
		}
	}

	/** Sends the eviction (or deadlock delete) in the background; its answer goes through outcome.ts and wakes the loop. */
	#launch(state: PodState, nowMs: number, attempt: Attempt, outcomes: OutcomeDeps): void {
		let request: Promise<Awaited<ReturnType<typeof evictOnce>>>;
		if (attempt.kind === 'evict') {
			if (attempt.reserved !== undefined) this.#book?.reserve(attempt.reserved, state.name);
			if (state.attempts === 0) this.#deps.log.info(`evicting pod ${state.key}`);
			state.status = 'requesting';
			state.attempts += 1;
			request = evictOnce(this.#deps.kube, state, cappedGraceSeconds(state.baseGrace, nowMs, this.#deadlineMs), this.#signal);
		} else {
			state.status = 'deleting';
			request = deleteOnce(this.#deps.kube, state, attempt.step.graceSeconds, this.#signal);
		}
		this.#inflight += 1;
		this.#background.spawn(
			request.then((outcome) => {
				this.#inflight -= 1;
				settleOutcome(outcomes, attempt, outcome);
				this.#waker.wake();
			}),
		);
	}

	#applyDeadlockPolicy(nowMs: number, outcomes: OutcomeDeps): void {
		for (const state of this.#states.values()) {
			const step = deadlockStep(state, nowMs, this.#window);
			if (step === undefined) continue;
			if (step.kind === 'delete') {
				this.#launch(state, nowMs, { kind: 'delete', state, step }, outcomes);
				continue;
			}
			state.deadlockDone = true;
			this.#deps.log.warn(step.message, { pod: state.key, pdbs: state.blocked?.pdbs ?? [], reason: state.blocked?.message });
			this.#deps.recorder.pod(podRef(state), 'EvictionBlocked', 'Warning', step.message, step.annotations);
		}
	}

	#progress(nowMs: number, final: boolean): void {
		if (!final && nowMs - this.#lastProgressMs < progressIntervalMs) return;
		this.#lastProgressMs = nowMs;
		const line = progressLine(this.#states.values(), Math.max(0, Math.round((this.#deadlineMs - nowMs) / 1000)));
		this.#deps.log.info(line.message, line.fields);
	}

	#gone(key: string): void {
		const state = this.#states.get(key);
		if (state !== undefined) {
			state.status = 'gone';
			state.blocked = undefined;
		}
		this.#waker.wake();
	}

	#deadlineReached(nowMs: number): DrainResult {
		this.#progress(nowMs, true);
		const states = [...this.#states.values()];
		for (const state of states) if (state.status !== 'gone') this.#deps.metrics.podEvicted('failed');
		const error = deadlineError(this.#options.nodeName, states);
		this.#deps.log.error(error);
		return this.#result(false, error);
	}

	/** Server-side watch timeout: the time left plus a little, so no watch outlives the drain by much. */
	#watchTimeoutSeconds(): number {
		return Math.min(3600, Math.max(watchSlackSeconds, Math.ceil((this.#deadlineMs - this.#deps.now()) / 1000) + watchSlackSeconds));
	}

	#abortMessage(): string {
		const reason: unknown = this.#outer.reason;
		return `Cannot drain node "${this.#options.nodeName}": aborted${reason instanceof Error ? ` (${reason.message})` : ''}`;
	}

	#result(ok: boolean, error: string | undefined): DrainResult {
		return drainResult([...this.#states.values()], this.#tally, { ok, error, durationMs: this.#deps.now() - this.#startMs });
	}
}
