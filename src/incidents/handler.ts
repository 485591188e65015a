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
 * The pieces: intake.ts (events join the incident), advance.ts (the flow's
 * next step), release.ts (a cancellation), wake-time.ts (when to wake).
 */
import { type Sleep, sleep as realSleep, timerDelay } from '../clock.ts';
import { isAbortError } from '../errors.ts';
import type { Cancellation, InterruptionEvent } from '../monitors/types.ts';
import { advanceIncident } from './advance.ts';
import { finishDrain } from './cordon-drain.ts';
import { type FlowContext, scheduleRetry } from './flow-context.ts';
import { needsWork } from './incident.ts';
import { type Intake, mergeDrainable, newIncident } from './intake.ts';
import { saveRecord } from './messages.ts';
import { pendingPreDrain, runPreDrain } from './pre-drain.ts';
import { nextWakeMs } from './wake-time.ts';
import { releaseNode } from './release.ts';
import { type IncidentState, isOpen, fromStoredEvent } from './state.ts';
import type { EventStore } from './store.ts';
import type { HandlerSettings, Incident, IncidentPorts } from './types.ts';

export type { DrainOutcome, HandlerSettings, IncidentPorts, NodeFacts, NotifyRequest, Outcome } from './types.ts';

export { maxPreDrainAttempts } from './pre-drain.ts';
export { maxIncidentEvents } from './intake.ts';

export class IncidentHandler {
	readonly #ports: IncidentPorts;
	readonly #store: EventStore;
	readonly #context: FlowContext;
	readonly #intake: Intake;
	readonly #cancellations: Cancellation[] = [];
	#incident: Incident | undefined;
	#wake: (() => void) | undefined;
	/** When a failed release is tried again. */
	#releaseRetryAtMs = 0;
	/** The last merge changed the incident in a way the record must show at once. */
	#recordStale = false;
	readonly #sleep: Sleep;

	constructor(settings: HandlerSettings, ports: IncidentPorts, store: EventStore) {
		this.#ports = ports;
		this.#store = store;
		this.#context = { settings, ports, kick: () => this.#kick() };
		this.#intake = { settings, ports, store };
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
				(known ? this.#ports.log.debug : this.#ports.log.info)('Adding new event to the event store', {
					event: { EventID: event.eventId, Kind: event.kind, Description: event.description, StartTime: event.startTime.toISOString() },
				});
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
		this.#incident = newIncident(state, [headline]);
		for (const id of state.eventIds) {
			this.#incident.announced.add(id);
			this.#incident.recorded.add(id);
		}
		// A drained record is resumed only to absorb the notices IMDS still lists: its pre-drain tasks ran before.
		if (!isOpen(state)) for (const event of this.#incident.events.values()) this.#incident.preDrained.add(event.kind);
		this.#ports.log.info('Resuming the incident recorded on the node', {
			incident: state.id,
			phase: state.phase,
			deadline: state.deadline,
		});
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
		const wakeAt = nextWakeMs({
			store: this.#store,
			incident: this.#incident,
			cancellationsPending: this.#cancellations.length > 0,
			releaseRetryAtMs: this.#releaseRetryAtMs,
			nowMs: this.#ports.now(),
		});
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

	/** One pass of the loop: cancellations, new events, the next step of the flow. (run() repeats it; tests call it directly.) */
	async tick(signal: AbortSignal): Promise<void> {
		await this.#handleCancellations(signal);
		const merged = mergeDrainable(this.#intake, this.#incident);
		this.#incident = merged.incident;
		this.#recordStale = merged.recordStale;
		const incident = this.#incident;
		if (!incident || signal.aborted) return;
		// An event of a new kind joined the open incident, or changed its action or deadline: record it now, not at the
		// next phase change (a restarted agent must know it, or a cancellation of another event of the incident would
		// release the node under it). AEMM's re-issued ids of a known kind are not worth a write each poll.
		if (this.#recordStale && isOpen(incident.state)) await saveRecord(this.#context, incident, { what: 'incident', signal });
		if (incident.drainResult) await finishDrain(this.#context, incident, signal);
		const now = this.#ports.now();
		if (
			isOpen(incident.state) &&
			!incident.drain &&
			incident.retryAtMs <= now &&
			needsWork({ phase: incident.state.phase, events: incident.events.values(), recorded: incident.recorded })
		) {
			await advanceIncident(this.#context, incident, signal);
			return;
		}
		// A pre-drain task that failed while the flow went on (never-miss: the cordon and drain do not wait for it) is retried on its own.
		if (incident.state.phase !== 'Cancelled' && incident.preDrainRetryAtMs <= now && pendingPreDrain(incident).length > 0) {
			const node = await this.#ports.readNode(signal);
			if (node) await runPreDrain(this.#context, incident, { facts: node.facts, signal });
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
				this.#ports.log.info('Scheduled event cancelled before it was acted on', {
					event_id: cancellation.eventId,
					state: cancellation.state,
				});
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
}
