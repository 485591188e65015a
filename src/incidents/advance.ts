/**
 * @module The next step of an open incident's flow: announce its new events
 * (a Kubernetes event and NTH's log line each), run each kind's pre-drain task
 * once, list the node's pods for the notifications, then cordon only or
 * cordon and drain (cordon-drain.ts). Idempotent: a failed step is retried by
 * the handler while the incident is live.
 */
import { interruptionReason } from '../notify/kube-events.ts';
import { cordonAndDrain, cordonOnly } from './cordon-drain.ts';
import { type FlowContext, scheduleRetry } from './flow-context.ts';
import { runPreDrain } from './pre-drain.ts';
import type { Incident } from './types.ts';

/** The next step of an open incident's flow: announce, pre-drain, list the pods, then cordon (and drain). */
export async function advanceIncident(context: FlowContext, incident: Incident, signal: AbortSignal): Promise<void> {
	const { ports, settings } = context;
	const node = await ports.readNode(signal);
	if (!node) {
		ports.log.warn(`node '${settings.nodeName}' not found in the cluster`);
		scheduleRetry(context, incident);
		return;
	}
	incident.labels = node.facts.labels;
	// Announce new events and run each kind's pre-drain task once (a failed one does not hold the cordon back).
	for (const event of incident.events.values()) {
		if (incident.recorded.has(event.eventId)) continue;
		incident.recorded.add(event.eventId);
		ports.recorder.node(interruptionReason(event.kind), 'Normal', event.description);
		ports.log.info('Requesting instance drain', { 'event-id': event.eventId, kind: event.kind, 'node-name': settings.nodeName });
	}
	if (incident.preDrainRetryAtMs <= ports.now()) await runPreDrain(context, incident, { facts: node.facts, signal });
	incident.pods = await ports.listPods(signal);
	ports.log.info('Pods on node', { node_name: settings.nodeName, pod_names: incident.pods });

	const wasCordoned = node.facts.unschedulable;
	if (!incident.state.cordonedByUs && !wasCordoned && !settings.dryRun) incident.state = { ...incident.state, cordonedByUs: true };
	if (incident.state.action === 'cordon') await cordonOnly(context, incident, signal);
	else await cordonAndDrain(context, incident, signal);
}
