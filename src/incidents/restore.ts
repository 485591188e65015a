/**
 * @module What a starting agent does with the incident record it finds on the Node.
 *
 * The record outlives the process (a restart, a SIGKILL, a replacement pod),
 * and IMDS keeps listing the notices it was about, so without this policy a
 * restart would act on them again (a second drain, two more messages). The
 * decision is pure: the caller reads the record and the reboot labels, then
 * applies the plan (ignore ids, close or resume the record).
 */
import { matchesLabelValue } from '../node/values.ts';
import { type IncidentState, isOpen } from './state.ts';

export interface RestoreInput {
	/** The record on the Node (undefined: none, or unreadable). */
	readonly record: IncidentState | undefined;
	/** The startup reboot check (node/reboot.ts): the event-id label's value and whether the machine rebooted since. */
	readonly reboot: { readonly labelValue: string | undefined; readonly rebooted: boolean } | undefined;
	readonly nowMs: number;
	/**
	 * A drained record younger than this is resumed to absorb the notices IMDS
	 * still lists (ASG `Terminated` for the hook timeout, AEMM's spot id that
	 * changes every poll); older, the node is treated as back in service.
	 */
	readonly absorbWindowMs: number;
}

export interface RestorePlan {
	/** The machine rebooted after this incident: close the record (condition False). */
	readonly close: IncidentState | undefined;
	/** Hand this record to the handler: an open one is finished, a drained one absorbs later notices. */
	readonly resume: IncidentState | undefined;
	/** Event ids (or event-id label values) never to act on again. */
	readonly ignore: readonly string[];
}

/** The restart-restore policy. */
export function restorePlan(input: RestoreInput): RestorePlan {
	const { record, reboot } = input;
	const labelValue = reboot?.labelValue;
	const rebooted = reboot?.rebooted === true;
	const labelled = record !== undefined && labelValue !== undefined && record.eventIds.some((id) => matchesLabelValue(id, labelValue));
	const ignore: string[] = [];
	let close: IncidentState | undefined;
	let resume: IncidentState | undefined;
	if (record && labelled && rebooted && record.phase !== 'Cancelled') {
		// The machine rebooted after the incident (drained, or still open): it is over, and the condition must say so.
		ignore.push(...record.eventIds);
		close = record;
	} else if (record && isOpen(record)) {
		// Not rebooted yet (an agent restart mid-incident): finish it, and keep hearing about its events (a cancellation).
		resume = record;
	} else if (record && record.phase !== 'Cancelled') {
		// A closed incident's events are done: IMDS may still list them after a restart.
		ignore.push(...record.eventIds);
		if (record.phase === 'Drained' && input.nowMs - Date.parse(record.updatedAt) < input.absorbWindowMs) resume = record;
	}
	// NTH ignores the labelled event so the still-listed notice cannot drain the node again; not while an open incident
	// is resumed before the reboot: the label may name an event that joined it after the record was last written.
	if (labelValue !== undefined && !(record && isOpen(record) && !rebooted)) ignore.push(labelValue);
	return { close, resume, ignore };
}
