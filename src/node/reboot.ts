/**
 * @module The startup "uncordon after reboot" check (NTH's UncordonIfRebooted, §3f).
 *
 * Before a restart-type scheduled event NTH labels the node with the event
 * id and, when the node was schedulable, `action=UncordonAfterReboot` and the
 * time. At startup: if the node has the action and event-id labels and the
 * machine has been up for less time than has passed since that label was
 * written, it rebooted in between, so we uncordon and remove our labels and
 * taints. Either way the label's value is returned: the caller ignores that
 * event, which IMDS may still list, so it cannot drain the node again. The
 * value is the event id, or a digest of it when the id is not a valid label
 * value (node/values.ts labelValueFor; match with matchesLabelValue).
 */
import { AgentError } from '../errors.ts';
import { uncordonNode } from './cordon.ts';
import type { NodeDeps } from './deps.ts';
import { actionLabel, actionTimeLabel, eventIdLabel, removeNthLabels, uncordonAfterReboot } from './labels.ts';
import { removeNthTaints } from './taints.ts';
import { nowOf } from './update-node.ts';

export const defaultUptimeFile = '/proc/uptime';

export interface RebootDeps extends NodeDeps {
	/** The Runtime's readTextFile. */
	readonly readTextFile: (path: string) => Promise<string>;
}

export interface RebootCheck {
	/** The Node object's name. */
	readonly nodeName: string;
	/** UPTIME_FROM_FILE; `/proc/uptime` when empty. */
	readonly uptimeFile?: string | undefined;
}

/** Whole seconds since boot: the first field of `/proc/uptime` (or UPTIME_FROM_FILE). */
export async function readUptimeSeconds(
	readTextFile: (path: string) => Promise<string>,
	path: string = defaultUptimeFile,
): Promise<number> {
	let text: string;
	try {
		text = await readTextFile(path);
	} catch (error) {
		throw new AgentError(`Cannot read uptime from "${path}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
	}
	const first = text.trim().split(/\s+/)[0] ?? '';
	const seconds = Number(first);
	if (first === '' || !Number.isFinite(seconds) || seconds < 0)
		throw new AgentError(`Cannot read uptime from "${path}": "${first}" is not a number of seconds`);
	return Math.floor(seconds);
}

/**
 * Runs the check; returns the event id to ignore (from the event-id label),
 * or undefined when the node carries no reboot labels or is not found.
 * Throws on API errors so the caller can retry (NTH: every 2 s for 8 s).
 */
export async function uncordonAfterRebootCheck(deps: RebootDeps, check: RebootCheck, signal: AbortSignal): Promise<string | undefined> {
	return (await rebootCheckOutcome(deps, check, signal)).eventId;
}

export interface RebootOutcome {
	/** The event to ignore: the event-id label's value (the id or its digest, see values.ts), if the node has the reboot labels. */
	readonly eventId: string | undefined;
	/** The machine rebooted after the labels were written, and the node was released. */
	readonly rebooted: boolean;
}

/**
 * {@link uncordonAfterRebootCheck}, also telling whether the reboot happened:
 * the agent then closes the incident record, and otherwise (an agent restart
 * before the reboot) resumes it.
 */
export async function rebootCheckOutcome(deps: RebootDeps, check: RebootCheck, signal: AbortSignal): Promise<RebootOutcome> {
	const node = await deps.kube.getNode(check.nodeName, signal);
	if (node === undefined) {
		deps.log.warn(`node '${check.nodeName}' not found in the cluster`);
		return { eventId: undefined, rebooted: false };
	}
	const labels = node.metadata.labels ?? {};
	const eventId = labels[eventIdLabel];
	if (labels[actionLabel] === undefined || eventId === undefined) {
		deps.log.debug('There are no label actions to handle.');
		return { eventId: undefined, rebooted: false };
	}
	const timeText = labels[actionTimeLabel];
	if (timeText === undefined) {
		deps.log.debug(`There was no ${actionTimeLabel} label found requiring action label handling`);
		return { eventId, rebooted: false };
	}
	if (labels[actionLabel] !== uncordonAfterReboot) {
		deps.log.debug('There are no label actions to handle.');
		return { eventId, rebooted: false };
	}
	const actionTime = Number(timeText);
	if (!/^\d+$/.test(timeText) || !Number.isSafeInteger(actionTime)) {
		throw new AgentError(`Cannot read label "${actionTimeLabel}" of node "${check.nodeName}": "${timeText}" is not a unix time`);
	}
	const uptime = await readUptimeSeconds(deps.readTextFile, check.uptimeFile || defaultUptimeFile);
	const secondsSinceLabel = Math.floor(nowOf(deps).getTime() / 1000) - actionTime;
	if (secondsSinceLabel < uptime) {
		deps.log.debug('The system has not restarted yet.');
		return { eventId, rebooted: false };
	}
	await uncordonNode(deps, check.nodeName, signal);
	await removeNthLabels(deps, check.nodeName, signal);
	await removeNthTaints(deps, check.nodeName, signal);
	deps.log.info(`Successfully completed action ${uncordonAfterReboot}.`);
	return { eventId, rebooted: true };
}
