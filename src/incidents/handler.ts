/**
 * @module The incident handler: turns stored events into node actions, once.
 *
 * It owns the one incident of this node. New drainable events join it (the
 * action only escalates, the deadline only moves earlier); a cancelled
 * scheduled event releases the node if nothing else is live; the flow
 * (pre-drain task → cordon → drain → out-of-service taint) is idempotent, so
 * a failed step is retried with backoff while the incident is live and a
 * restarted agent resumes from the record on the Node. All work is serialised
 * through one loop; the drain itself runs in the background so cancellations
 * and escalations are handled while it runs (they abort and restart it).
 */
import { type Sleep, sleep as realSleep, timerDelay } from '../clock.ts';
import { isAbortError } from '../errors.ts';
import type { Cancellation, InterruptionEvent } from '../monitors/types.ts';
import { interruptionReason } from '../notify/kube-events.ts';
import { actionFor, eventDeadlineMs, hasPreDrainTask, mergeEvent, needsWork, openIncident, retryDelayMs, wholeDrainCounts } from './incident.ts';
import { type MessageContext, saveRecord, sendOutcome, sendStart, setPhase } from './messages.ts';
import { type IncidentState, isOpen, fromStoredEvent } from './state.ts';
import type { EventStore } from './store.ts';
import type { HandlerSettings, Incident, IncidentPorts, NodeFacts } from './types.ts';

export type { DrainOutcome, HandlerSettings, IncidentPorts, NodeFacts, NotifyRequest, Outcome } from './types.ts';

/** A kind's pre-drain task is tried this many times, then given up (the drain never waits for it). */
export const maxPreDrainAttempts = 5;
/** Events an incident holds at most (the oldest go first): AEMM's spot notice gets a new id every poll. */
export const maxIncidentEvents = 512;

export class IncidentHandler {
	readonly #settings: HandlerSettings;
	readonly #ports: IncidentPorts;
	readonly #store: EventStore;
	readonly #messages: MessageContext;
	readonly #cancellations: Cancellation[] = [];
	#incident: Incident | undefined;
	#wake: (() => void) | undefined;
	readonly #sleep: Sleep;

	constructor(settings: HandlerSettings, ports: IncidentPorts, store: EventStore) {
		this.#settings = settings;
		this.#ports = ports;
		this.#store = store;
		this.#messages = { settings, ports };
		this.#sleep = ports.sleep ?? realSleep;
	}

	/** True while a drain runs (shutdown waits for it, within a bound). */
	get busy(): boolean {
		return this.#incident?.drain !== undefined;
	}

	/** The current incident record (for probes, tests and the doctor). */
	get state(): IncidentState | undefined {
		return this.#incident?.state;
	}

	/** Feeds one monitor poll's events; wakes the loop when something is new. */
	addEvents(events: readonly InterruptionEvent[]): void {
		let fresh = false;
		for (const event of events) {
			if (this.#store.add(event)) {
				this.#ports.metrics.eventReceived(event.kind);
				// A kind the incident already covers adds nothing new (AEMM re-issues notices with new ids every poll).
				const known = this.#incident !== undefined && [...this.#incident.events.values()].some((other) => other.kind === event.kind);
				(known ? this.#ports.log.debug : this.#ports.log.info)('Adding new event to the event store', { event: { EventID: event.eventId, Kind: event.kind, Description: event.description, StartTime: event.startTime.toISOString() } });
				fresh = true;
			}
		}
		if (fresh) this.#kick();
	}

	/** Feeds cancellations (scheduled events IMDS lists as canceled/completed). */
	addCancellations(cancellations: readonly Cancellation[]): void {
		let fresh = false;
		for (const cancellation of cancellations) {
			if (this.#store.isIgnored(cancellation.eventId)) continue;
			if (this.#store.cancel(cancellation.eventId) || this.#recordHas(cancellation.eventId)) {
				this.#cancellations.push(cancellation);
				fresh = true;
			}
		}
		if (fresh) this.#kick();
	}

	/** Resumes an open incident recorded on the Node by a previous agent. */
	resume(state: IncidentState): void {
		const headline = fromStoredEvent(state.headline);
		this.#incident = this.#newIncident(state, [headline]);
		for (const id of state.eventIds) {
			this.#incident.announced.add(id);
			this.#incident.recorded.add(id);
		}
		// A drained record is resumed only to absorb the notices IMDS still lists: its pre-drain tasks ran before.
		if (!isOpen(state)) for (const event of this.#incident.events.values()) this.#incident.preDrained.add(event.kind);
		this.#ports.log.info('Resuming the incident recorded on the node', { incident: state.id, phase: state.phase, deadline: state.deadline });
		this.#kick();
	}

	/** Runs the loop until the signal aborts; a running drain is aborted with it. */
	async run(signal: AbortSignal): Promise<void> {
		const onAbort = (): void => this.#kick();
		signal.addEventListener('abort', onAbort, { once: true });
		try {
			while (!signal.aborted) {
				await this.tick(signal).catch((error: unknown) => {
					if (signal.aborted && isAbortError(error)) return;
					this.#ports.metrics.errorCaught('incidents');
					this.#ports.log.error('Cannot handle the incident: unexpected error, retrying', { error });
					if (this.#incident) this.#scheduleRetry(this.#incident);
				});
				this.#store.cleanup();
				await this.#sleepUntilKicked(signal);
			}
		} finally {
			signal.removeEventListener('abort', onAbort);
			this.#incident?.drain?.controller.abort(signal.reason);
			this.#kick();
		}
	}

	#recordHas(eventId: string): boolean {
		const incident = this.#incident;
		return incident !== undefined && isOpen(incident.state) && incident.state.eventIds.includes(eventId);
	}

	#kick(): void {
		const wake = this.#wake;
		this.#wake = undefined;
		wake?.();
	}

	async #sleepUntilKicked(signal: AbortSignal): Promise<void> {
		if (signal.aborted) return;
		const wakeAt = this.#nextWakeMs();
		const timer = new AbortController();
		await new Promise<void>((resolve) => {
			this.#wake = () => {
				timer.abort();
				resolve();
			};
			// Clamped (a far-future notice time would overflow the timer and fire at once, spinning the loop): waking early only re-arms.
			if (wakeAt !== undefined) {
				this.#sleep(timerDelay(wakeAt - this.#ports.now()), timer.signal).then(
					() => this.#kick(),
					(error: unknown) => {
						if (timer.signal.aborted) return;
						this.#ports.metrics.errorCaught('incidents');
						this.#ports.log.error('Cannot wait for the next incident step: waking now', { error });
						this.#kick();
					},
				);
			}
		});
	}

	#nextWakeMs(): number | undefined {
		const times: number[] = [];
		const next = this.#store.nextDrainableAtMs();
		if (next !== undefined) times.push(next);
		const incident = this.#incident;
		if (incident && isOpen(incident.state) && !incident.drain) {
			if (incident.retryAtMs > 0) times.push(incident.retryAtMs);
		}
		if (incident && incident.state.phase !== 'Cancelled' && incident.preDrainRetryAtMs > 0 && this.#pendingPreDrain(incident).length > 0) times.push(incident.preDrainRetryAtMs);
		if (incident && isOpen(incident.state) && !incident.drain) {
			if (incident.state.phase === 'Failed' && !incident.state.notified.some((n) => n !== 'start')) times.push(Date.parse(incident.state.deadline));
		}
		if (times.length === 0) return undefined;
		return Math.min(...times);
	}

	/** One pass of the loop: cancellations, new events, the next step of the flow. (run() repeats it; tests call it directly.) */
	async tick(signal: AbortSignal): Promise<void> {
		await this.#handleCancellations(signal);
		const before = this.#incident?.state;
		this.#mergeDrainable();
		const incident = this.#incident;
		if (!incident || signal.aborted) return;
		// An event joined the open incident: record it now, not at the next phase change (a restarted agent must know
		// it, or a cancellation of another event of the incident would release the node under it).
		if (before !== undefined && incident.state !== before && isOpen(incident.state) && incident.state.id === before.id && incident.state.eventIds !== before.eventIds) {
			await saveRecord(this.#messages, incident, 'incident', signal);
		}
		if (incident.drainResult) await this.#finishDrain(incident, signal);
		const now = this.#ports.now();
		if (isOpen(incident.state) && !incident.drain && incident.retryAtMs <= now && needsWork({ phase: incident.state.phase, events: incident.events.values(), recorded: incident.recorded })) {
			await this.#advance(incident, signal);
			return;
		}
		// A pre-drain task that failed while the flow went on (never-miss: the cordon and drain do not wait for it) is retried on its own.
		if (incident.state.phase !== 'Cancelled' && incident.preDrainRetryAtMs <= now && this.#pendingPreDrain(incident).length > 0) {
			const node = await this.#ports.readNode(signal);
			if (node) await this.#preDrain(incident, node.facts, signal);
		}
	}

	/** Events whose kind's pre-drain task is still to run (not done, not given up). */
	#pendingPreDrain(incident: Incident): InterruptionEvent[] {
		const pending: InterruptionEvent[] = [];
		for (const event of incident.events.values()) {
			if (hasPreDrainTask(event) && !incident.preDrained.has(event.kind) && !pending.some((other) => other.kind === event.kind)) pending.push(event);
		}
		return pending;
	}

	/**
	 * Runs each pending kind's pre-drain task once. A failure is reported
	 * (PreDrainError), retried with backoff up to {@link maxPreDrainAttempts}
	 * times, and never stops the flow: NTH aborts the event when tainting fails,
	 * but a node left uncordoned because a taint or label was refused is a missed
	 * notice, which is worse than a missing taint.
	 */
	async #preDrain(incident: Incident, facts: NodeFacts, signal: AbortSignal): Promise<void> {
		const ports = this.#ports;
		// The node as it was before the incident: our own cordon must not read as an admin's (the reboot labels depend on it).
		const before: NodeFacts = incident.state.cordonedByUs ? { ...facts, unschedulable: false } : facts;
		for (const event of this.#pendingPreDrain(incident)) {
			try {
				await ports.preDrain(event, before, signal);
				incident.preDrained.add(event.kind);
				incident.preDrainFailures = 0;
				ports.metrics.action('pre-drain', 'success');
				ports.recorder.node('PreDrain', 'Normal', 'Pre-drain task successfully executed');
			} catch (error) {
				if (isAbortError(error) && signal.aborted) throw error;
				ports.metrics.errorCaught('incidents');
				ports.metrics.action('pre-drain', 'error');
				ports.recorder.node('PreDrainError', 'Warning', `There was a problem executing the pre-drain task: ${message(error)}`);
				const attempts = (incident.preDrainAttempts.get(event.kind) ?? 0) + 1;
				incident.preDrainAttempts.set(event.kind, attempts);
				if (attempts >= maxPreDrainAttempts) {
					incident.preDrained.add(event.kind);
					ports.log.error('Cannot run the pre-drain task: giving up on it (the cordon and drain go on)', { error, 'event-id': event.eventId, attempts });
				} else {
					ports.log.error('Cannot run the pre-drain task: going on with the cordon and drain, will retry it', { error, 'event-id': event.eventId, attempts });
				}
				incident.preDrainFailures += 1;
				incident.preDrainRetryAtMs = ports.now() + retryDelayMs(incident.preDrainFailures, this.#settings.retryInitialMs ?? 2_000, this.#settings.retryMaxMs ?? 30_000);
			}
		}
	}

	#newIncident(state: IncidentState, events: readonly InterruptionEvent[]): Incident {
		return {
			state,
			events: new Map(events.map((event) => [event.eventId, event])),
			preDrained: new Set(),
			preDrainAttempts: new Map(),
			preDrainRetryAtMs: 0,
			preDrainFailures: 0,
			recorded: new Set(),
			announced: new Set(),
			pods: [],
			labels: {},
			retryAtMs: 0,
			failures: 0,
			drain: undefined,
			drainResult: undefined,
			cordonMeasured: state.phase !== 'Pending',
		};
	}

	/** Moves drainable events into the incident, creating or escalating it. */
	#mergeDrainable(): void {
		const now = this.#ports.now();
		for (const event of this.#store.drainable()) {
			const incident = this.#incident;
			// (A released incident's leftover events are news again: a live one opens the next incident.)
			if (incident && incident.state.phase !== 'Cancelled' && incident.events.has(event.eventId)) continue;
			const firstSeenMs = this.#store.get(event.eventId)?.firstSeenMs ?? now;
			const terms = { action: actionFor(event, this.#settings), deadlineMs: eventDeadlineMs(event, firstSeenMs, this.#settings), firstSeenMs, nowMs: now };
			if (incident && incident.state.phase === 'Drained') {
				// The node is drained and going away: later notices (AEMM even changes the spot id on every
				// poll) belong to the same incident and must not start a new drain, pre-drain task or notification.
				if (![...incident.events.values()].some((other) => other.kind === event.kind)) incident.preDrained.add(event.kind);
				this.#addEvent(incident, event);
				continue;
			}
			if (!incident || incident.state.phase === 'Cancelled') {
				this.#incident = this.#newIncident(openIncident(event, terms), [event]);
				this.#ports.metrics.incidentsInFlight(1);
				continue;
			}
			// A further notice of a kind already handled is not announced or acted on again.
			if ([...incident.events.values()].some((other) => other.kind === event.kind && incident.recorded.has(other.eventId))) {
				incident.recorded.add(event.eventId);
				incident.announced.add(event.eventId);
			}
			this.#addEvent(incident, event);
			const merged = mergeEvent(incident.state, event, terms);
			incident.state = merged.state;
			if (merged.escalated || merged.earlier) {
				this.#ports.log.info('Incident updated by a new event', { incident: merged.state.id, event_id: event.eventId, kind: event.kind, action: merged.state.action, deadline: merged.state.deadline });
				incident.retryAtMs = 0;
				// A running drain planned against the old deadline restarts with the new one (it is idempotent).
				if (incident.drain && Date.parse(merged.state.deadline) < incident.drain.deadlineMs) incident.drain.controller.abort(new Error('Deadline moved'));
			}
		}
	}

	/** Adds an event to the incident, dropping the oldest beyond {@link maxIncidentEvents} (and what was kept about them). */
	#addEvent(incident: Incident, event: InterruptionEvent): void {
		incident.events.set(event.eventId, event);
		if (incident.events.size <= maxIncidentEvents) return;
		const oldest = incident.events.keys().next();
		if (oldest.done === true) return;
		incident.events.delete(oldest.value);
		for (const set of [incident.recorded, incident.announced]) {
			for (const id of set) if (!incident.events.has(id) && !incident.state.eventIds.includes(id)) set.delete(id);
		}
	}

	async #handleCancellations(signal: AbortSignal): Promise<void> {
		while (this.#cancellations.length > 0) {
			const cancellation = this.#cancellations.shift();
			if (!cancellation) break;
			const incident = this.#incident;
			// A drained node is released too: a cancelled maintenance event means the instance stays (NTH's
			// maintenance-event-cancellation scenario uncordons after the drain).
			const releasable = incident !== undefined && (isOpen(incident.state) || incident.state.phase === 'Drained');
			if (!incident || !releasable || !incident.state.eventIds.includes(cancellation.eventId)) {
				this.#ports.log.info('Scheduled event cancelled before it was acted on', { event_id: cancellation.eventId, state: cancellation.state });
				continue;
			}
			incident.events.delete(cancellation.eventId);
			// Any other drainable event keeps the node: it is part of this node's one incident even when it joined a drained
			// incident without entering the record (a spot notice after a drained maintenance event must still be honoured).
			const others = this.#store.drainable().filter((event) => event.eventId !== cancellation.eventId);
			if (others.length > 0) {
				this.#ports.log.info('Another interruption event is active, not uncordoning the node', { event_id: cancellation.eventId });
				continue;
			}
			await this.#release(incident, cancellation, signal);
		}
	}

	async #release(incident: Incident, cancellation: Cancellation, signal: AbortSignal): Promise<void> {
		if (incident.drain) {
			incident.drain.controller.abort(new Error('Incident cancelled'));
			incident.drain = undefined;
			incident.drainResult = undefined;
		}
		const uncordon = incident.state.cordonedByUs;
		try {
			await this.#ports.release({ uncordon }, signal);
			if (uncordon) {
				this.#ports.metrics.action('uncordon', 'success');
				this.#ports.recorder.node('Uncordon', 'Normal', 'Node successfully uncordoned');
			} else {
				this.#ports.log.info('Not uncordoning the node: it was cordoned before this incident', { node_name: this.#settings.nodeName });
			}
		} catch (error) {
			if (isAbortError(error) && signal.aborted) throw error;
			this.#ports.metrics.errorCaught('incidents');
			this.#ports.metrics.action('uncordon', 'error');
			this.#ports.recorder.node('UncordonError', 'Warning', `There was a problem while trying to uncordon the node: ${message(error)}`);
			this.#ports.log.error('Cannot release the node after the cancellation: will retry', { error, event_id: cancellation.eventId });
			this.#cancellations.unshift(cancellation);
			incident.events.set(cancellation.eventId, fromStoredEvent(incident.state.headline));
			this.#scheduleRetry(incident);
			return;
		}
		this.#ports.log.info('Interruption event cancelled: node released', { event_id: cancellation.eventId, state: cancellation.state, uncordoned: uncordon });
		await setPhase(this.#messages, incident, 'Cancelled', `cancelled (${cancellation.state})`, signal);
		await sendOutcome(this.#messages, incident, 'cancelled', `The scheduled event was ${cancellation.state}; node released`, signal);
		this.#ports.metrics.incidentsInFlight(0);
	}

	async #advance(incident: Incident, signal: AbortSignal): Promise<void> {
		const ports = this.#ports;
		const node = await ports.readNode(signal);
		if (!node) {
			ports.log.warn(`node '${this.#settings.nodeName}' not found in the cluster`);
			this.#scheduleRetry(incident);
			return;
		}
		incident.labels = node.facts.labels;
		// Announce new events and run each kind's pre-drain task once (a failed one does not hold the cordon back).
		for (const event of incident.events.values()) {
			if (incident.recorded.has(event.eventId)) continue;
			incident.recorded.add(event.eventId);
			ports.recorder.node(interruptionReason(event.kind), 'Normal', event.description);
			ports.log.info('Requesting instance drain', { 'event-id': event.eventId, kind: event.kind, 'node-name': this.#settings.nodeName });
		}
		if (incident.preDrainRetryAtMs <= ports.now()) await this.#preDrain(incident, node.facts, signal);
		incident.pods = await ports.listPods(signal);
		ports.log.info('Pods on node', { node_name: this.#settings.nodeName, pod_names: incident.pods });

		const wasCordoned = node.facts.unschedulable;
		if (!incident.state.cordonedByUs && !wasCordoned && !this.#settings.dryRun) incident.state = { ...incident.state, cordonedByUs: true };
		if (incident.state.action === 'cordon') await this.#cordonOnly(incident, signal);
		else await this.#cordonAndDrain(incident, signal);
	}

	async #cordonOnly(incident: Incident, signal: AbortSignal): Promise<void> {
		const ports = this.#ports;
		if (this.#settings.dryRun) {
			ports.log.info('Node would have been cordoned, but dry-run flag was set.');
		} else {
			try {
				// A rebalance recommendation is not the instance going away: no load-balancer exclusion then.
				const goingAway = this.#settings.cordonOnly && incident.state.kind !== 'REBALANCE_RECOMMENDATION';
				await ports.cordon({ excludeFromLoadBalancers: this.#settings.excludeFromLoadBalancers && goingAway }, signal);
			} catch (error) {
				if (isAbortError(error) && signal.aborted) throw error;
				ports.metrics.errorCaught('incidents');
				ports.recorder.node('CordonError', 'Warning', `There was a problem while trying to cordon the node: ${message(error)}`);
				ports.log.error('There was a problem while trying to cordon the node', { error });
				this.#scheduleRetry(incident);
				return;
			}
			ports.log.info('Node successfully cordoned', { node_name: this.#settings.nodeName });
		}
		ports.metrics.action('cordon', 'success');
		ports.recorder.node('Cordon', 'Normal', 'Node successfully cordoned');
		this.#measureCordon(incident);
		incident.failures = 0;
		await setPhase(this.#messages, incident, 'Cordoned', 'cordoned', signal);
		await sendStart(this.#messages, incident, signal);
		if (!this.#settings.webhookPerIncident) await sendOutcome(this.#messages, incident, this.#settings.dryRun ? 'dry-run' : 'cordoned', 'cordoned', signal);
	}

	async #cordonAndDrain(incident: Incident, signal: AbortSignal): Promise<void> {
		const ports = this.#ports;
		if (this.#settings.dryRun) {
			ports.log.info('Node would have been cordoned and drained, but dry-run flag was set.');
			ports.metrics.action('cordon-and-drain', 'success');
			ports.recorder.node('CordonAndDrain', 'Normal', 'Node successfully cordoned and drained');
			await setPhase(this.#messages, incident, 'Drained', 'dry run', signal);
			await sendStart(this.#messages, incident, signal);
			await sendOutcome(this.#messages, incident, 'dry-run', 'Dry run: nothing was changed', signal);
			this.#ports.metrics.incidentsInFlight(0);
			return;
		}
		const resuming = incident.state.phase === 'Draining' && incident.failures === 0;
		// Counted, and recorded by the setPhase below, before the drain runs: an agent restarted mid-drain sees this attempt
		// (and the pods there were at the first attempt, for the whole drain's counts).
		incident.state = { ...incident.state, attempts: incident.state.attempts + 1, podsAtStart: incident.state.podsAtStart ?? incident.pods.length };
		if (!resuming) {
			try {
				await ports.cordon({ excludeFromLoadBalancers: this.#settings.excludeFromLoadBalancers }, signal);
			} catch (error) {
				if (isAbortError(error) && signal.aborted) throw error;
				await this.#drainFailed(incident, `Cannot cordon the node: ${message(error)}`, signal);
				return;
			}
			// Notice→cordon is measured once per incident (a rebalance cordon already counted it).
			this.#measureCordon(incident);
			await setPhase(this.#messages, incident, 'Draining', 'draining', signal);
			await sendStart(this.#messages, incident, signal);
		} else {
			await setPhase(this.#messages, incident, 'Draining', 'draining', signal);
		}
		// Past the deadline (a retry, or a notice seen late) each attempt still gets a real budget.
		const recorded = Date.parse(incident.state.deadline);
		const deadlineMs = recorded > ports.now() ? recorded : ports.now() + this.#settings.nodeTerminationGracePeriodSeconds * 1000;
		const controller = new AbortController();
		const stop = (): void => controller.abort(signal.reason);
		signal.addEventListener('abort', stop, { once: true });
		incident.drain = { controller, deadlineMs, podsAtRunStart: incident.pods.length };
		ports.log.info('Draining the node', { node_name: this.#settings.nodeName, pods: incident.pods.length, deadline: incident.state.deadline, seconds_left: Math.round((deadlineMs - ports.now()) / 1000) });
		ports.drain(deadlineMs, controller.signal).then(
			(result) => {
				if (incident.drain?.controller === controller) incident.drainResult = result;
			},
			(error: unknown) => {
				if (incident.drain?.controller !== controller) return;
				if (!controller.signal.aborted) ports.metrics.errorCaught('drain');
				incident.drainResult = { ok: false, evicted: 0, total: 0, remaining: [], error: controller.signal.aborted ? 'drain interrupted' : message(error) };
			},
		).finally(() => {
			signal.removeEventListener('abort', stop);
			this.#kick();
		});
	}

	async #finishDrain(incident: Incident, signal: AbortSignal): Promise<void> {
		const result = incident.drainResult;
		incident.drainResult = undefined;
		const interrupted = incident.drain?.controller.signal.aborted === true;
		const podsAtRunStart = incident.drain?.podsAtRunStart ?? incident.pods.length;
		incident.drain = undefined;
		if (!result) return;
		if (interrupted && !result.ok) {
			this.#ports.log.info('Drain interrupted: restarting it with the incident as it is now');
			return;
		}
		if (!result.ok) {
			await this.#drainFailed(incident, result.error ?? `${result.remaining.length} pods remain`, signal);
			return;
		}
		const ports = this.#ports;
		if (this.#settings.enableOutOfServiceTaint) {
			try {
				await ports.afterDrain(signal);
			} catch (error) {
				if (isAbortError(error) && signal.aborted) throw error;
				ports.metrics.errorCaught('incidents');
				ports.log.error('Cannot add the out-of-service taint', { error });
			}
		}
		const whole = wholeDrainCounts(result, incident.state.podsAtStart, podsAtRunStart);
		ports.log.info('Node successfully cordoned and drained', { node_name: this.#settings.nodeName, evicted: whole.evicted, total: whole.total });
		ports.metrics.action('cordon-and-drain', 'success');
		ports.recorder.node('CordonAndDrain', 'Normal', 'Node successfully cordoned and drained');
		ports.metrics.noticeToDrained((ports.now() - Date.parse(incident.state.noticedAt)) / 1000);
		incident.failures = 0;
		await setPhase(this.#messages, incident, 'Drained', `drained: ${whole.evicted} of ${whole.total} pods evicted`, signal);
		await sendOutcome(this.#messages, incident, 'drained', `${whole.evicted} of ${whole.total} pods evicted`, signal);
		ports.metrics.incidentsInFlight(0);
	}

	async #drainFailed(incident: Incident, reason: string, signal: AbortSignal): Promise<void> {
		const ports = this.#ports;
		ports.metrics.action('cordon-and-drain', 'error');
		ports.recorder.node('CordonAndDrainError', 'Warning', `There was a problem while trying to cordon and drain the node: ${reason}`);
		ports.log.error('There was a problem while trying to cordon and drain the node: will retry while the event is live', { reason, node_name: this.#settings.nodeName });
		await setPhase(this.#messages, incident, 'Failed', reason, signal);
		this.#scheduleRetry(incident);
		// Per incident, "failed" is final: sent once the deadline has passed (earlier failures are retried).
		if (!this.#settings.webhookPerIncident || ports.now() >= Date.parse(incident.state.deadline)) await sendOutcome(this.#messages, incident, 'failed', reason, signal);
	}

	/** Notice→cordon, once per incident (an escalation from a rebalance cordon does not count again). */
	#measureCordon(incident: Incident): void {
		if (incident.cordonMeasured) return;
		incident.cordonMeasured = true;
		this.#ports.metrics.noticeToCordon((this.#ports.now() - Date.parse(incident.state.noticedAt)) / 1000);
	}

	#scheduleRetry(incident: Incident): void {
		incident.failures += 1;
		incident.retryAtMs = this.#ports.now() + retryDelayMs(incident.failures, this.#settings.retryInitialMs ?? 2_000, this.#settings.retryMaxMs ?? 30_000);
	}


}

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

