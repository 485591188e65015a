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
import { cordonAndDrain, cordonOnly, finishDrain } from './cordon-drain.ts';
import { type FlowContext, scheduleRetry } from './flow-context.ts';
import { actionFor, eventDeadlineMs, mergeEvent, needsWork, openIncident } from './incident.ts';
import { saveRecord } from './messages.ts';
import { pendingPreDrain, runPreDrain } from './pre-drain.ts';
import { releaseNode } from './release.ts';
import { type IncidentState, isOpen, fromStoredEvent } from './state.ts';
import type { EventStore } from './store.ts';
import type { HandlerSettings, Incident, IncidentPorts } from './types.ts';

export type { DrainOutcome, HandlerSettings, IncidentPorts, NodeFacts, NotifyRequest, Outcome } from './types.ts';

export { maxPreDrainAttempts } from './pre-drain.ts';
/** Events an incident holds at most (the oldest go first): AEMM's spot notice gets a new id every poll. */
export const maxIncidentEvents = 512;

export class IncidentHandler {
	readonly #settings: HandlerSettings;
	readonly #ports: IncidentPorts;
	readonly #store: EventStore;
	readonly #context: FlowContext;
	readonly #cancellations: Cancellation[] = [];
	#incident: Incident | undefined;
	#wake: (() => void) | undefined;
	/** When a failed release is tried again. */
	#releaseRetryAtMs = 0;
	/** The last merge changed the incident in a way the record must show at once. */
	#recordStale = false;
	readonly #sleep: Sleep;

	constructor(settings: HandlerSettings, ports: IncidentPorts, store: EventStore) {
		this.#settings = settings;
		this.#ports = ports;
		this.#store = store;
		this.#context = { settings, ports, kick: () => this.#kick() };
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
					if (this.#incident) scheduleRetry(this.#context, this.#incident);
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
		if (this.#cancellations.length > 0 && this.#releaseRetryAtMs > 0) times.push(this.#releaseRetryAtMs);
		if (incident && isOpen(incident.state) && !incident.drain) {
			if (incident.retryAtMs > 0) times.push(incident.retryAtMs);
		}
		if (incident && incident.state.phase !== 'Cancelled' && incident.preDrainRetryAtMs > 0 && pendingPreDrain(incident).length > 0) times.push(incident.preDrainRetryAtMs);
		if (incident && isOpen(incident.state) && !incident.drain) {
			if (incident.state.phase === 'Failed' && !incident.state.notified.some((n) => n !== 'start')) times.push(Date.parse(incident.state.deadline));
		}
		// Only times still ahead: a retry time left in the past would wake the loop at once, again and again.
		const now = this.#ports.now();
		const ahead = times.filter((at) => at > now);
		return ahead.length === 0 ? undefined : Math.min(...ahead);
	}

	/** One pass of the loop: cancellations, new events, the next step of the flow. (run() repeats it; tests call it directly.) */
	async tick(signal: AbortSignal): Promise<void> {
		await this.#handleCancellations(signal);
		this.#recordStale = false;
		this.#mergeDrainable();
		const incident = this.#incident;
		if (!incident || signal.aborted) return;
		// An event of a new kind joined the open incident, or changed its action or deadline: record it now, not at the
		// next phase change (a restarted agent must know it, or a cancellation of another event of the incident would
		// release the node under it). AEMM's re-issued ids of a known kind are not worth a write each poll.
		if (this.#recordStale && isOpen(incident.state)) await saveRecord(this.#context, incident, { what: 'incident', signal });
		if (incident.drainResult) await finishDrain(this.#context, incident, signal);
		const now = this.#ports.now();
		if (isOpen(incident.state) && !incident.drain && incident.retryAtMs <= now && needsWork({ phase: incident.state.phase, events: incident.events.values(), recorded: incident.recorded })) {
			await this.#advance(incident, signal);
			return;
		}
		// A pre-drain task that failed while the flow went on (never-miss: the cordon and drain do not wait for it) is retried on its own.
		if (incident.state.phase !== 'Cancelled' && incident.preDrainRetryAtMs <= now && pendingPreDrain(incident).length > 0) {
			const node = await this.#ports.readNode(signal);
			if (node) await runPreDrain(this.#context, incident, { facts: node.facts, signal });
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
			const knownKind = [...incident.events.values()].some((other) => other.kind === event.kind);
			// A further notice of a kind already handled is not announced or acted on again.
			if ([...incident.events.values()].some((other) => other.kind === event.kind && incident.recorded.has(other.eventId))) {
				incident.recorded.add(event.eventId);
				incident.announced.add(event.eventId);
			}
			this.#addEvent(incident, event);
			const merged = mergeEvent(incident.state, event, terms);
			incident.state = merged.state;
			if (!knownKind || merged.escalated || merged.earlier) this.#recordStale = true;
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
		if (this.#releaseRetryAtMs > this.#ports.now()) return;
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
			if (!(await releaseNode(this.#context, incident, { cancellation, signal }))) {
				// Retried when the backoff ends (not at once: a refused release must not spin the loop).
				this.#cancellations.unshift(cancellation);
				this.#releaseRetryAtMs = incident.retryAtMs;
				return;
			}
		}
	}

	async #advance(incident: Incident, signal: AbortSignal): Promise<void> {
		const ports = this.#ports;
		const node = await ports.readNode(signal);
		if (!node) {
			ports.log.warn(`node '${this.#settings.nodeName}' not found in the cluster`);
			scheduleRetry(this.#context, incident);
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
		if (incident.preDrainRetryAtMs <= ports.now()) await runPreDrain(this.#context, incident, { facts: node.facts, signal });
		incident.pods = await ports.listPods(signal);
		ports.log.info('Pods on node', { node_name: this.#settings.nodeName, pod_names: incident.pods });

		const wasCordoned = node.facts.unschedulable;
		if (!incident.state.cordonedByUs && !wasCordoned && !this.#settings.dryRun) incident.state = { ...incident.state, cordonedByUs: true };
		if (incident.state.action === 'cordon') await cordonOnly(this.#context, incident, signal);
		else await cordonAndDrain(this.#context, incident, signal);
	}
}
