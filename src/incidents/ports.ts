/**
 * @module The real {@link IncidentPorts}: node actions, the drain engine and
 * the notifier behind the handler's narrow interface.
 */
import type { Config } from '../config/schema.ts';
import { drainNode, listPodNames } from '../drain/drain.ts';
import type { KubeApi } from '../kube/api.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { InterruptionEvent } from '../monitors/types.ts';
import { setTerminationCondition, writeNodeAnnotation } from '../node/conditions.ts';
import { cordonNode, uncordonNode } from '../node/cordon.ts';
import type { NodeDeps } from '../node/deps.ts';
import { excludeFromLoadBalancers, labelForReboot, removeNthLabels } from '../node/labels.ts';
import { addInterruptionTaint, addOutOfServiceTaint, removeNthTaints } from '../node/taints.ts';
import type { EventRecorder, Notifier } from '../notify/types.ts';
import type { IncidentPorts, NodeFacts } from './types.ts';
import { isRestartEvent } from './incident.ts';
import { type IncidentState, incidentAnnotation, readIncidentState } from './state.ts';

export interface PortsDeps {
	readonly config: Config;
	readonly kube: KubeApi;
	readonly nodeDeps: NodeDeps;
	/** The Node object's name. */
	readonly nodeName: string;
	readonly recorder: EventRecorder;
	readonly notifier: Notifier;
	readonly log: Logger;
	readonly metrics: Metrics;
	readonly providerId: string | undefined;
	readonly now?: (() => number) | undefined;
}

export interface AgentPorts extends IncidentPorts {
	/** Marks a recorded incident finished by a reboot: record closed, condition cleared to False. */
	closeRecord(state: IncidentState, message: string, signal: AbortSignal): Promise<void>;
}

/**
 * Instances that come back after the event get the reboot labels, so the agent
 * starting on the rebooted instance uncordons the node: NTH's restart codes of
 * scheduled events, and (nth) a spot interruption whose action is stop or
 * hibernate — the instance resumes later and should rejoin.
 */
function comesBack(event: InterruptionEvent): boolean {
	return isRestartEvent(event) || (event.kind === 'SPOT_ITN' && (event.spotAction === 'stop' || event.spotAction === 'hibernate'));
}

export function createIncidentPorts(deps: PortsDeps): AgentPorts {
	const { config, kube, nodeDeps, nodeName } = deps;
	const now = deps.now ?? Date.now;
	const persist = async (state: IncidentState, signal: AbortSignal): Promise<void> => {
		await writeNodeAnnotation(nodeDeps, { nodeName, key: incidentAnnotation, value: state }, signal);
		const active =
			state.phase === 'Pending' ||
			state.phase === 'Cordoned' ||
			state.phase === 'Draining' ||
			state.phase === 'Failed' ||
			state.phase === 'Drained';
		await setTerminationCondition(nodeDeps, nodeName, {
			condition: { status: active ? 'True' : 'False', reason: state.phase, message: state.message || state.phase },
			signal,
		});
	};
	return {
		log: deps.log,
		metrics: deps.metrics,
		recorder: deps.recorder,
		now,
		readNode: async (signal) => {
			const node = await kube.getNode(nodeName, signal);
			if (!node) return undefined;
			const facts: NodeFacts = { labels: node.metadata.labels ?? {}, unschedulable: node.spec.unschedulable === true };
			return { facts, record: readIncidentState(node) };
		},
		preDrain: async (event, facts, signal) => {
			if (config.taintNode)
				await addInterruptionTaint(nodeDeps, nodeName, {
					taint: { kind: event.kind, eventId: event.eventId, effect: config.taintEffect },
					signal,
				});
			if (comesBack(event))
				await labelForReboot(nodeDeps, nodeName, { mark: { eventId: event.eventId, uncordonAfterReboot: !facts.unschedulable }, signal });
		},
		listPods: (signal) => listPodNames(kube, nodeName, signal),
		cordon: async (options, signal) => {
			if (options.excludeFromLoadBalancers) await excludeFromLoadBalancers(nodeDeps, nodeName, signal);
			await cordonNode(nodeDeps, nodeName, signal);
		},
		drain: async (deadlineMs, signal) => {
			const self = config.podName !== '' ? { name: config.podName, namespace: config.podNamespace } : undefined;
			return await drainNode(
				{ kube, log: deps.log, metrics: deps.metrics, recorder: deps.recorder },
				{
					nodeName,
					deadline: new Date(deadlineMs),
					podGracePeriodSeconds: config.podTerminationGracePeriod,
					deleteLocalData: config.deleteLocalData,
					ignoreDaemonSets: config.ignoreDaemonSets,
					evictDaemonSetPods: config.evictDaemonSetPods,
					pdbDeadlockPolicy: config.pdbDeadlockPolicy,
					self,
					useApiserverCache: config.useApiserverCache,
				},
				signal,
			);
		},
		afterDrain: async (signal) => {
			await addOutOfServiceTaint(nodeDeps, nodeName, signal);
		},
		release: async (options, signal) => {
			if (options.uncordon) await uncordonNode(nodeDeps, nodeName, signal);
			await removeNthLabels(nodeDeps, nodeName, signal);
			await removeNthTaints(nodeDeps, nodeName, signal);
		},
		persist,
		notify: async (request, signal) => {
			await deps.notifier.send(
				{
					event: request.event,
					nodeName,
					nodeLabels: request.nodeLabels,
					pods: request.pods,
					providerId: deps.providerId,
					outcome: request.outcome,
					details: request.details,
				},
				signal,
			);
		},
		closeRecord: async (state, message, signal) => {
			await persist({ ...state, phase: 'Cancelled', message, updatedAt: new Date(now()).toISOString() }, signal);
		},
	};
}
