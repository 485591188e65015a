/**
 * @module What the monitors produce: interruption events and cancellations.
 *
 * Monitors know nothing of Kubernetes. Each one polls one IMDS path and turns
 * its payload into these plain values; the incident store decides what to do.
 */

import type { EventKind, MonitorName } from '../vocabulary.ts';

export type SpotAction = 'terminate' | 'stop' | 'hibernate';

export interface InterruptionEvent {
	/** Stable id: the same notice polled twice gives the same id (see each monitor for how). */
	readonly eventId: string;
	readonly kind: EventKind;
	readonly monitor: MonitorName;
	/** NTH's description text, without NTH's trailing " \n": that newline made the default template's JSON body invalid (a raw newline inside a JSON string). */
	readonly description: string;
	/** Scheduled-event `State` (`active`, `canceled`, `completed`, …); "" for other kinds. */
	readonly state: string;
	/** NTH's StartTime: spot `time`, rebalance `noticeTime`, first sight for scheduled and ASG. */
	readonly startTime: Date;
	/** Scheduled-event `NotAfter` (NotBefore when empty or invalid); undefined otherwise. */
	readonly endTime: Date | undefined;
	/**
	 * When the instance is expected to go away, if IMDS says: spot `time`,
	 * scheduled `NotBefore`. Undefined for rebalance and ASG (no deadline in
	 * IMDS); the incident then falls back to NODE_TERMINATION_GRACE_PERIOD.
	 */
	readonly deadline: Date | undefined;
	/** Spot ITN `action`. */
	readonly spotAction?: SpotAction | undefined;
	/** Scheduled-event `Code` (`system-reboot`, `instance-stop`, …). */
	readonly scheduledCode?: string | undefined;
}

/** A scheduled event IMDS now lists as canceled or completed. */
export interface Cancellation {
	readonly eventId: string;
	readonly kind: EventKind;
	readonly state: string;
}

/** One poll's findings. Empty arrays mean "nothing happening". */
export interface MonitorResult {
	readonly events: readonly InterruptionEvent[];
	readonly cancellations: readonly Cancellation[];
}

export interface Monitor {
	readonly name: MonitorName;
	readonly kind: EventKind;
	/** The IMDS path this monitor polls (for logs and the allow-list documentation). */
	readonly path: string;
	/** Polls once. Throws (ImdsError) on a failure the loop should log, count and back off from. */
	check(signal: AbortSignal): Promise<MonitorResult>;
}
