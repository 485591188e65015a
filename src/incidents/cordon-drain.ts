/**
 * @module The incident's action: cordon only, or cordon and drain (the drain
 * runs in the background; the handler's loop takes up its result), then the
 * out-of-service taint, the record and the messages.
 */
import { isAbortError } from '../errors.ts';
import { type FlowContext, errorText, scheduleRetry } from './flow-context.ts';
import { wholeDrainCounts } from './incident.ts';
import { sendOutcome, sendStart, setPhase } from './messages.ts';
import type { Incident } from './types.ts';

/** The cordon-only action: cordon, then the start message (and NTH's per-event message). */
export async function cordonOnly(context: FlowContext, incident: Incident, signal: AbortSignal): Promise<void> {
	const ports = context.ports;
	if (context.settings.dryRun) {
		ports.log.info('Node would have been cordoned, but dry-run flag was set.');
	} else {
		try {
			// A rebalance recommendation is not the instance going away: no load-balancer exclusion then.
			const goingAway = context.settings.cordonOnly && incident.state.kind !== 'REBALANCE_RECOMMENDATION';
			await ports.cordon({ excludeFromLoadBalancers: context.settings.excludeFromLoadBalancers && goingAway }, signal);
		} catch (error) {
			if (isAbortError(error) && signal.aborted) throw error;
			ports.metrics.errorCaught('incidents');
			ports.recorder.node('CordonError', 'Warning', `There was a problem while trying to cordon the node: ${errorText(error)}`);
			ports.log.error('There was a problem while trying to cordon the node', { error });
			scheduleRetry(context, incident);
			return;
		}
		ports.log.info('Node successfully cordoned', { node_name: context.settings.nodeName });
	}
	ports.metrics.action('cordon', 'success');
	ports.recorder.node('Cordon', 'Normal', 'Node successfully cordoned');
	measureCordon(context, incident);
	incident.failures = 0;
	await setPhase(context, incident, { phase: 'Cordoned', summary: 'cordoned', signal });
	await sendStart(context, incident, signal);
	if (!context.settings.webhookPerIncident)
		await sendOutcome(context, incident, { outcome: context.settings.dryRun ? 'dry-run' : 'cordoned', details: 'cordoned', signal });
}

/** Cordon, record, start message, then the drain in the background (its result is taken up by {@link finishDrain}). */
export async function cordonAndDrain(context: FlowContext, incident: Incident, signal: AbortSignal): Promise<void> {
	const ports = context.ports;
	if (context.settings.dryRun) {
		ports.log.info('Node would have been cordoned and drained, but dry-run flag was set.');
		ports.metrics.action('cordon-and-drain', 'success');
		ports.recorder.node('CordonAndDrain', 'Normal', 'Node successfully cordoned and drained');
		await setPhase(context, incident, { phase: 'Drained', summary: 'dry run', signal });
		await sendStart(context, incident, signal);
		await sendOutcome(context, incident, { outcome: 'dry-run', details: 'Dry run: nothing was changed', signal });
		context.ports.metrics.incidentsInFlight(0);
		return;
	}
	const resuming = incident.state.phase === 'Draining' && incident.failures === 0;
	// Counted, and recorded by the setPhase below, before the drain runs: an agent restarted mid-drain sees this attempt
	// (and the pods there were at the first attempt, for the whole drain's counts).
	incident.state = {
		...incident.state,
		attempts: incident.state.attempts + 1,
		podsAtStart: incident.state.podsAtStart ?? incident.pods.length,
	};
	if (!resuming) {
		try {
			await ports.cordon({ excludeFromLoadBalancers: context.settings.excludeFromLoadBalancers }, signal);
		} catch (error) {
			if (isAbortError(error) && signal.aborted) throw error;
			await drainFailed(context, incident, `Cannot cordon the node: ${errorText(error)}`, signal);
			return;
		}
		// Notice→cordon is measured once per incident (a rebalance cordon already counted it).
		measureCordon(context, incident);
		await setPhase(context, incident, { phase: 'Draining', summary: 'draining', signal });
		await sendStart(context, incident, signal);
	} else {
		await setPhase(context, incident, { phase: 'Draining', summary: 'draining', signal });
	}
	// Past the deadline (a retry, or a notice seen late) each attempt still gets a real budget.
	const recorded = Date.parse(incident.state.deadline);
	const deadlineMs = recorded > ports.now() ? recorded : ports.now() + context.settings.nodeTerminationGracePeriodSeconds * 1000;
	const controller = new AbortController();
	const stop = (): void => controller.abort(signal.reason);
	signal.addEventListener('abort', stop, { once: true });
	incident.drain = { controller, deadlineMs, podsAtRunStart: incident.pods.length, laterAttempt: incident.state.attempts > 1 };
	ports.log.info('Draining the node', {
		node_name: context.settings.nodeName,
		pods: incident.pods.length,
		deadline: incident.state.deadline,
		seconds_left: Math.round((deadlineMs - ports.now()) / 1000),
	});
	ports
		.drain(deadlineMs, controller.signal)
		.then(
			(result) => {
				if (incident.drain?.controller === controller) incident.drainResult = result;
			},
			(error: unknown) => {
				if (incident.drain?.controller !== controller) return;
				if (!controller.signal.aborted) ports.metrics.errorCaught('drain');
				incident.drainResult = {
					ok: false,
					evicted: 0,
					total: 0,
					remaining: [],
					error: controller.signal.aborted ? 'drain interrupted' : errorText(error),
				};
			},
		)
		.finally(() => {
			signal.removeEventListener('abort', stop);
			context.kick();
		});
}

/** Takes up a finished drain: out-of-service taint, record, outcome; or the failure and its retry. */
export async function finishDrain(context: FlowContext, incident: Incident, signal: AbortSignal): Promise<void> {
	const result = incident.drainResult;
	incident.drainResult = undefined;
	const interrupted = incident.drain?.controller.signal.aborted === true;
	const podsAtRunStart = incident.drain?.podsAtRunStart ?? incident.pods.length;
	const laterAttempt = incident.drain?.laterAttempt ?? false;
	incident.drain = undefined;
	if (!result) return;
	if (interrupted && !result.ok) {
		context.ports.log.info('Drain interrupted: restarting it with the incident as it is now');
		return;
	}
	if (!result.ok) {
		await drainFailed(context, incident, result.error ?? `${result.remaining.length} pods remain`, signal);
		return;
	}
	const ports = context.ports;
	if (context.settings.enableOutOfServiceTaint) {
		try {
			await ports.afterDrain(signal);
		} catch (error) {
			if (isAbortError(error) && signal.aborted) throw error;
			ports.metrics.errorCaught('incidents');
			ports.log.error('Cannot add the out-of-service taint', { error });
		}
	}
	const whole = wholeDrainCounts(result, { atStart: incident.state.podsAtStart, atRunStart: podsAtRunStart, laterAttempt });
	ports.log.info('Node successfully cordoned and drained', {
		node_name: context.settings.nodeName,
		evicted: whole.evicted,
		total: whole.total,
	});
	ports.metrics.action('cordon-and-drain', 'success');
	ports.recorder.node('CordonAndDrain', 'Normal', 'Node successfully cordoned and drained');
	ports.metrics.noticeToDrained((ports.now() - Date.parse(incident.state.noticedAt)) / 1000);
	incident.failures = 0;
	await setPhase(context, incident, { phase: 'Drained', summary: `drained: ${whole.evicted} of ${whole.total} pods evicted`, signal });
	await sendOutcome(context, incident, { outcome: 'drained', details: `${whole.evicted} of ${whole.total} pods evicted`, signal });
	ports.metrics.incidentsInFlight(0);
}

async function drainFailed(context: FlowContext, incident: Incident, reason: string, signal: AbortSignal): Promise<void> {
	const ports = context.ports;
	ports.metrics.action('cordon-and-drain', 'error');
	ports.recorder.node('CordonAndDrainError', 'Warning', `There was a problem while trying to cordon and drain the node: ${reason}`);
	ports.log.error('There was a problem while trying to cordon and drain the node: will retry while the event is live', {
		reason,
		node_name: context.settings.nodeName,
	});
	await setPhase(context, incident, { phase: 'Failed', summary: reason, signal });
	scheduleRetry(context, incident);
	// Per incident, "failed" is final: sent once the deadline has passed (earlier failures are retried).
	if (!context.settings.webhookPerIncident || ports.now() >= Date.parse(incident.state.deadline))
		await sendOutcome(context, incident, { outcome: 'failed', details: reason, signal });
}

/** Notice→cordon, once per incident (an escalation from a rebalance cordon does not count again). */
function measureCordon(context: FlowContext, incident: Incident): void {
	if (incident.cordonMeasured) return;
	incident.cordonMeasured = true;
	context.ports.metrics.noticeToCordon((context.ports.now() - Date.parse(incident.state.noticedAt)) / 1000);
}
