import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../log/logger.ts';
import { noopMetrics, type Metrics, type NodeAction } from '../metrics/types.ts';
import type { InterruptionEvent } from '../monitors/types.ts';
import type { EventReason, EventRecorder } from '../notify/types.ts';
import { type DrainOutcome, type HandlerSettings, IncidentHandler, type IncidentPorts, type NotifyRequest } from './handler.ts';
import type { IncidentState } from './state.ts';
import { EventStore } from './store.ts';
import { type FakeClock, fakeClock } from '../../test/support/fake-clock.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');

function spot(offsetMs = 0, id = 'spot-itn-1'): InterruptionEvent {
	return {
		eventId: id,
		kind: 'SPOT_ITN',
		monitor: 'SPOT_ITN_MONITOR',
		description: 'Spot ITN received. Instance will be interrupted at x \n',
		state: '',
		startTime: new Date(t0 + offsetMs + 120_000),
		endTime: undefined,
		deadline: new Date(t0 + offsetMs + 120_000),
		spotAction: 'terminate',
	};
}
const rebalance: InterruptionEvent = {
	eventId: 'rebalance-recommendation-1',
	kind: 'REBALANCE_RECOMMENDATION',
	monitor: 'REBALANCE_RECOMMENDATION_MONITOR',
	description: 'Rebalance recommendation received. Instance will be cordoned at x \n',
	state: '',
	startTime: new Date(t0),
	endTime: undefined,
	deadline: undefined,
};
const scheduled: InterruptionEvent = {
	eventId: 'instance-event-1',
	kind: 'SCHEDULED_EVENT',
	monitor: 'SCHEDULED_EVENT_MONITOR',
	description: 'system-reboot will occur between a and b because c\n',
	state: 'active',
	startTime: new Date(t0),
	endTime: new Date(t0 + 3_600_000),
	deadline: new Date(t0 + 3_600_000),
	scheduledCode: 'system-reboot',
};

const settings: HandlerSettings = {
	nodeName: 'node-a',
	dryRun: false,
	cordonOnly: false,
	enableRebalanceDraining: false,
	nodeTerminationGracePeriodSeconds: 120,
	drainSafetyMarginSeconds: 10,
	webhookPerIncident: true,
	excludeFromLoadBalancers: false,
	enableOutOfServiceTaint: true,
	retryInitialMs: 1_000,
	retryMaxMs: 8_000,
};

interface World {
	handler: IncidentHandler;
	store: EventStore;
	clock: FakeClock;
	calls: string[];
	notifications: NotifyRequest[];
	persisted: IncidentState[];
	reasons: EventReason[];
	actions: string[];
	timings: string[];
	drains: { deadlineMs: number; signal: AbortSignal; finish: (outcome: DrainOutcome) => void }[];
	node: { unschedulable: boolean; found: boolean };
	failPreDrain: number;
	failCordon: number;
	pods: string[];
	log: ReturnType<typeof memoryLogger>;
	signal: AbortSignal;
	/** Runs ticks until the handler has nothing left to do right now. */
	settle(): Promise<void>;
}

function world(overrides: Partial<HandlerSettings> = {}): World {
	const clock = fakeClock(t0);
	const w: Omit<World, 'handler' | 'store' | 'settle'> & Partial<World> = {
		clock,
		calls: [],
		notifications: [],
		persisted: [],
		reasons: [],
		actions: [],
		timings: [],
		drains: [],
		node: { unschedulable: false, found: true },
		failPreDrain: 0,
		failCordon: 0,
		pods: ['ns/a', 'ns/b'],
		log: memoryLogger(),
		signal: new AbortController().signal,
	};
	const metrics: Metrics = {
		...noopMetrics(),
		action: (action: NodeAction, status) => void w.actions.push(`${action}:${status}`),
		noticeToCordon: () => void w.timings.push('cordon'),
		noticeToDrained: () => void w.timings.push('drained'),
	};
	const recorder: EventRecorder = { node: (reason) => void w.reasons.push(reason), pod: () => {}, flush: async () => {} };
	const ports: IncidentPorts = {
		log: w.log,
		metrics,
		recorder,
		now: clock.now,
		sleep: clock.sleep,
		readNode: async () =>
			w.node.found ? { facts: { labels: { zone: 'a' }, unschedulable: w.node.unschedulable }, record: { state: undefined } } : undefined,
		preDrain: async (event) => {
			w.calls.push(`preDrain:${event.kind}`);
			if (w.failPreDrain > 0) {
				w.failPreDrain -= 1;
				throw new Error('taint refused');
			}
		},
		listPods: async () => w.pods,
		cordon: async (options) => {
			w.calls.push(`cordon:${options.excludeFromLoadBalancers}`);
			if (w.failCordon > 0) {
				w.failCordon -= 1;
				throw new Error('cordon refused');
			}
			w.node.unschedulable = true;
		},
		drain: (deadlineMs, signal) => {
			w.calls.push('drain');
			return new Promise<DrainOutcome>((resolve, reject) => {
				w.drains.push({ deadlineMs, signal, finish: resolve });
				signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
			});
		},
		afterDrain: async () => void w.calls.push('afterDrain'),
		release: async (options) => {
			w.calls.push(`release:${options.uncordon}`);
			if (options.uncordon) w.node.unschedulable = false;
		},
		persist: async (state) => void w.persisted.push(state),
		notify: async (request) => void w.notifications.push(request),
	};
	const store = new EventStore({ nodeTerminationGracePeriodSeconds: 120, now: clock.now });
	const handler = new IncidentHandler({ ...settings, ...overrides }, ports, store);
	const full = w as World;
	full.handler = handler;
	full.store = store;
	full.settle = async () => {
		for (let i = 0; i < 5; i += 1) {
			await handler.tick(full.signal);
			await Promise.resolve();
		}
	};
	return full;
}

const ok: DrainOutcome = { ok: true, evicted: 2, total: 2, remaining: [] };

const flow = suite('IncidentHandler');

flow('cordons, drains to the notice deadline minus the margin, taints out-of-service, notifies start and outcome once', async () => {
	const w = world();
	w.handler.addEvents([spot()]);
	await w.settle();
	assert.equal(w.calls, ['preDrain:SPOT_ITN', 'cordon:false', 'drain']);
	assert.is(w.drains[0]?.deadlineMs, t0 + 120_000 - 10_000);
	assert.is(w.handler.state?.phase, 'Draining');
	assert.equal(
		w.notifications.map((n) => n.outcome),
		[undefined],
	);
	assert.equal(w.notifications[0]?.pods, ['ns/a', 'ns/b']);
	w.drains[0]?.finish(ok);
	await w.settle();
	assert.equal(w.calls.slice(3), ['afterDrain']);
	assert.is(w.handler.state?.phase, 'Drained');
	assert.equal(
		w.notifications.map((n) => n.outcome),
		[undefined, 'drained'],
	);
	assert.equal(w.reasons, ['SpotInterruption', 'PreDrain', 'CordonAndDrain']);
	assert.equal(w.actions, ['pre-drain:success', 'cordon-and-drain:success']);
	assert.ok(w.persisted.some((s) => s.phase === 'Draining' && s.cordonedByUs));
	assert.ok(
		w.persisted.filter((s) => s.phase === 'Draining').every((s) => s.attempts === 1),
		'the record counts the attempt before the drain runs (a restarted agent must see it)',
	);
	assert.is(w.persisted.at(-1)?.phase, 'Drained');
	assert.ok(w.log.lines.some((line) => line.includes('Node successfully cordoned and drained')));
});

flow('does not repeat anything when IMDS keeps reporting the same notice', async () => {
	const w = world();
	w.handler.addEvents([spot()]);
	await w.settle();
	w.handler.addEvents([spot(), spot()]);
	await w.settle();
	assert.is(w.drains.length, 1);
	assert.is(w.notifications.length, 1);
});

flow('makes rebalance then spot ITN one incident: cordon only, then drain; two messages in all', async () => {
	const w = world({ taintEffect: 'NoSchedule' } as Partial<HandlerSettings>);
	w.handler.addEvents([rebalance]);
	await w.settle();
	assert.equal(w.calls, ['preDrain:REBALANCE_RECOMMENDATION', 'cordon:false']);
	assert.is(w.handler.state?.phase, 'Cordoned');
	assert.is(w.notifications.length, 1);
	await w.clock.advance(30_000);
	w.handler.addEvents([spot(30_000)]);
	await w.settle();
	assert.equal(w.calls.slice(2), ['preDrain:SPOT_ITN', 'cordon:false', 'drain']);
	assert.is(w.handler.state?.kind, 'SPOT_ITN');
	assert.is(w.handler.state?.action, 'cordon-and-drain');
	w.drains[0]?.finish(ok);
	await w.settle();
	assert.equal(
		w.notifications.map((n) => [n.event.kind, n.outcome]),
		[
			['REBALANCE_RECOMMENDATION', undefined],
			['SPOT_ITN', 'drained'],
		],
	);
	assert.equal(w.timings, ['cordon', 'drained'], 'notice→cordon measured once per incident');
});

flow('absorbs later notices once drained (AEMM changes the spot id on every poll)', async () => {
	const w = world();
	w.handler.addEvents([spot()]);
	await w.settle();
	w.drains[0]?.finish(ok);
	await w.settle();
	for (let i = 1; i <= 3; i += 1) {
		await w.clock.advance(1_000);
		w.handler.addEvents([spot(i * 1_000, `spot-itn-${i + 1}`)]);
		await w.settle();
	}
	assert.is(w.drains.length, 1);
	assert.is(w.notifications.length, 2);
});

flow('releases the node once when the scheduled event is cancelled mid-drain', async () => {
	const w = world();
	w.handler.addEvents([scheduled]);
	await w.settle();
	assert.is(w.drains.length, 1);
	const drainSignal = w.drains[0]?.signal;
	w.handler.addCancellations([{ eventId: scheduled.eventId, kind: 'SCHEDULED_EVENT', state: 'canceled' }]);
	await w.settle();
	assert.ok(drainSignal?.aborted, 'the running drain is aborted');
	assert.ok(w.calls.includes('release:true'));
	assert.is(w.handler.state?.phase, 'Cancelled');
	assert.equal(
		w.notifications.map((n) => n.outcome),
		[undefined, 'cancelled'],
	);
	assert.equal(
		w.actions.filter((a) => a.startsWith('uncordon')),
		['uncordon:success'],
	);
	w.handler.addCancellations([{ eventId: scheduled.eventId, kind: 'SCHEDULED_EVENT', state: 'canceled' }]);
	await w.settle();
	assert.is(w.calls.filter((c) => c.startsWith('release')).length, 1, 'cancellation handled once, not every poll');
});

flow('releases a drained node when its scheduled event is cancelled afterwards (NTH maintenance-event-cancellation)', async () => {
	const w = world();
	w.handler.addEvents([scheduled]);
	await w.settle();
	w.drains[0]?.finish({ ok: true, evicted: 2, total: 2, remaining: [] });
	await w.settle();
	assert.is(w.handler.state?.phase, 'Drained');
	w.handler.addCancellations([{ eventId: scheduled.eventId, kind: 'SCHEDULED_EVENT', state: 'canceled' }]);
	await w.settle();
	assert.ok(w.calls.includes('release:true'), w.calls.join(' '));
	assert.is(w.handler.state?.phase, 'Cancelled');
	assert.equal(
		w.actions.filter((a) => a.startsWith('uncordon')),
		['uncordon:success'],
	);
	assert.equal(
		w.notifications.map((n) => n.outcome),
		[undefined, 'drained', 'cancelled'],
		'the release after the drain is reported once',
	);
	w.handler.addCancellations([{ eventId: scheduled.eventId, kind: 'SCHEDULED_EVENT', state: 'canceled' }]);
	await w.settle();
	assert.is(w.notifications.length, 3);
});

flow('keeps a drained node cordoned when a spot ITN of the same incident is still live', async () => {
	const w = world();
	w.handler.addEvents([scheduled]);
	await w.settle();
	w.handler.addEvents([spot()]);
	await w.settle();
	for (const drain of w.drains) drain.finish({ ok: true, evicted: 2, total: 2, remaining: [] });
	await w.settle();
	assert.is(w.handler.state?.phase, 'Drained');
	w.handler.addCancellations([{ eventId: scheduled.eventId, kind: 'SCHEDULED_EVENT', state: 'canceled' }]);
	await w.settle();
	assert.not.ok(
		w.calls.some((c) => c.startsWith('release')),
		w.calls.join(' '),
	);
	assert.is(w.handler.state?.phase, 'Drained');
});

flow('never uncordons a node an admin had cordoned before the incident', async () => {
	const w = world();
	w.node.unschedulable = true;
	w.handler.addEvents([scheduled]);
	await w.settle();
	w.handler.addCancellations([{ eventId: scheduled.eventId, kind: 'SCHEDULED_EVENT', state: 'canceled' }]);
	await w.settle();
	assert.ok(w.calls.includes('release:false'));
	assert.not.ok(w.calls.includes('release:true'));
	assert.is(w.node.unschedulable, true);
});

flow('ignores a cancellation for an event it never acted on', async () => {
	const w = world();
	w.handler.addCancellations([{ eventId: 'instance-event-9', kind: 'SCHEDULED_EVENT', state: 'completed' }]);
	await w.settle();
	assert.equal(w.calls, []);
});

flow('retries a failed drain with backoff and sends "failed" only once the deadline passed', async () => {
	const w = world();
	w.handler.addEvents([spot()]);
	await w.settle();
	w.drains[0]?.finish({ ok: false, evicted: 1, total: 2, remaining: ['ns/b'], error: 'blocked by PDB' });
	await w.settle();
	assert.is(w.handler.state?.phase, 'Failed');
	assert.equal(
		w.notifications.map((n) => n.outcome),
		[undefined],
	);
	assert.is(w.drains.length, 1, 'no retry before the backoff');
	await w.clock.advance(1_000);
	await w.settle();
	assert.is(w.drains.length, 2, 'retried after the backoff');
	await w.clock.advance(t0 + 200_000 - w.clock.now());
	w.drains[1]?.finish({ ok: false, evicted: 1, total: 2, remaining: ['ns/b'], error: 'blocked by PDB' });
	await w.settle();
	assert.equal(
		w.notifications.map((n) => n.outcome),
		[undefined, 'failed'],
	);
	assert.equal(
		w.actions.filter((a) => a.startsWith('cordon-and-drain')),
		['cordon-and-drain:error', 'cordon-and-drain:error'],
	);
	await w.clock.advance(8_000);
	await w.settle();
	assert.ok((w.drains[2]?.deadlineMs ?? 0) >= w.clock.now() + 120_000, 'a retry past the deadline gets a fresh budget');
});

flow('a failed pre-drain task does not hold back the cordon and drain; it is retried on its own with backoff', async () => {
	const w = world();
	w.failPreDrain = 1;
	w.handler.addEvents([spot()]);
	await w.settle();
	assert.equal(w.calls, ['preDrain:SPOT_ITN', 'cordon:false', 'drain'], 'never-miss: cordoned and draining although the taint was refused');
	assert.equal(w.reasons, ['SpotInterruption', 'PreDrainError']);
	await w.clock.advance(999);
	await w.settle();
	assert.equal(w.calls, ['preDrain:SPOT_ITN', 'cordon:false', 'drain'], 'no retry before the backoff');
	await w.clock.advance(1);
	await w.settle();
	assert.equal(
		w.calls,
		['preDrain:SPOT_ITN', 'cordon:false', 'drain', 'preDrain:SPOT_ITN'],
		'retried while the drain runs, without a second cordon or drain',
	);
	assert.equal(w.reasons, ['SpotInterruption', 'PreDrainError', 'PreDrain']);
	w.drains[0]?.finish(ok);
	await w.settle();
	assert.is(w.handler.state?.phase, 'Drained');
	assert.is(w.calls.filter((c) => c.startsWith('preDrain')).length, 2);
});

flow('a pre-drain task that keeps failing is given up after a few attempts; the drain completes', async () => {
	const w = world();
	w.failPreDrain = 100;
	w.handler.addEvents([spot()]);
	await w.settle();
	for (let i = 0; i < 20; i += 1) {
		await w.clock.advance(8_000);
		await w.settle();
	}
	assert.is(w.calls.filter((c) => c.startsWith('preDrain')).length, 5);
	w.drains[0]?.finish(ok);
	await w.settle();
	assert.is(w.handler.state?.phase, 'Drained');
	assert.ok(w.log.lines.some((line) => line.includes('giving up on it')));
});

flow('resumes a recorded drain without re-cordoning or re-sending the start message', async () => {
	const w = world();
	w.handler.resume({
		id: 'spot-itn-1',
		kind: 'SPOT_ITN',
		eventIds: ['spot-itn-1'],
		action: 'cordon-and-drain',
		phase: 'Draining',
		deadline: new Date(t0 + 110_000).toISOString(),
		noticedAt: new Date(t0 - 5_000).toISOString(),
		updatedAt: new Date(t0).toISOString(),
		cordonedByUs: true,
		notified: ['start'],
		attempts: 1,
		headline: {
			eventId: 'spot-itn-1',
			kind: 'SPOT_ITN',
			monitor: 'SPOT_ITN_MONITOR',
			description: 'd',
			state: '',
			startTime: new Date(t0 + 115_000).toISOString(),
		},
		message: 'draining',
	});
	w.node.unschedulable = true;
	await w.settle();
	assert.equal(w.calls, ['preDrain:SPOT_ITN', 'drain']);
	assert.is(w.drains[0]?.deadlineMs, t0 + 110_000);
	assert.is(w.persisted.at(-1)?.attempts, 2, 'the resumed attempt is recorded before it runs');
	w.handler.addEvents([spot()]);
	w.drains[0]?.finish(ok);
	await w.settle();
	assert.equal(
		w.notifications.map((n) => n.outcome),
		['drained'],
	);
	assert.ok(w.persisted.at(-1)?.cordonedByUs);
});

flow('in NTH per-event mode sends one message per event after its action', async () => {
	const w = world({ webhookPerIncident: false });
	w.handler.addEvents([rebalance]);
	await w.settle();
	assert.equal(
		w.notifications.map((n) => [n.event.kind, n.outcome]),
		[['REBALANCE_RECOMMENDATION', 'cordoned']],
	);
	w.handler.addEvents([spot()]);
	await w.settle();
	assert.is(w.notifications.length, 1, 'nothing before the drain finished');
	w.drains[0]?.finish(ok);
	await w.settle();
	assert.equal(
		w.notifications.map((n) => [n.event.kind, n.outcome]),
		[
			['REBALANCE_RECOMMENDATION', 'cordoned'],
			['SPOT_ITN', 'drained'],
		],
	);
});

flow('in dry run changes and records nothing, and says what it would have done', async () => {
	const w = world({ dryRun: true });
	w.handler.addEvents([spot()]);
	await w.settle();
	assert.equal(w.calls, ['preDrain:SPOT_ITN']);
	assert.equal(w.persisted, []);
	assert.ok(w.log.lines.some((line) => line.includes('Node would have been cordoned and drained, but dry-run flag was set.')));
	assert.equal(
		w.notifications.map((n) => n.outcome),
		[undefined, 'dry-run'],
	);
});

flow('with CORDON_ONLY cordons (excluding from load balancers) and never drains', async () => {
	const w = world({ cordonOnly: true, excludeFromLoadBalancers: true });
	w.handler.addEvents([spot()]);
	await w.settle();
	assert.equal(w.calls, ['preDrain:SPOT_ITN', 'cordon:true']);
	assert.equal(w.actions, ['pre-drain:success', 'cordon:success']);
	assert.is(w.handler.state?.phase, 'Cordoned');
});

flow('waits and retries while the node is not found', async () => {
	const w = world();
	w.node.found = false;
	w.handler.addEvents([spot()]);
	await w.settle();
	assert.equal(w.calls, []);
	assert.ok(w.log.lines.some((line) => line.includes("node 'node-a' not found in the cluster")));
	w.node.found = true;
	await w.clock.advance(1_000);
	await w.settle();
	assert.equal(w.calls, ['preDrain:SPOT_ITN', 'cordon:false', 'drain']);
});

flow('waits for StartTime minus NODE_TERMINATION_GRACE_PERIOD before acting', async () => {
	const w = world();
	w.handler.addEvents([spot(600_000)]);
	await w.settle();
	assert.equal(w.calls, []);
	await w.clock.advance(600_000);
	await w.settle();
	assert.equal(w.calls, ['preDrain:SPOT_ITN', 'cordon:false', 'drain']);
});

flow('acts once per kind while the incident is open, however many new notice ids IMDS reports', async () => {
	const w = world();
	w.handler.addEvents([rebalance]);
	await w.settle();
	for (let i = 1; i <= 3; i += 1) {
		await w.clock.advance(1_000);
		w.handler.addEvents([{ ...rebalance, eventId: `rebalance-recommendation-${i + 1}` }]);
		await w.settle();
	}
	assert.equal(w.calls, ['preDrain:REBALANCE_RECOMMENDATION', 'cordon:false']);
	assert.equal(w.reasons, ['RebalanceRecommendation', 'PreDrain', 'Cordon']);
	w.handler.addEvents([spot(3_000)]);
	await w.settle();
	w.handler.addEvents([spot(4_000, 'spot-itn-2')]);
	await w.settle();
	assert.equal(w.calls.slice(2), ['preDrain:SPOT_ITN', 'cordon:false', 'drain']);
	assert.equal(
		w.reasons.filter((r) => r === 'SpotInterruption'),
		['SpotInterruption'],
	);
});

flow('after a resume the outcome reports the whole drain, not only the resumed share', async () => {
	const w = world();
	w.node.unschedulable = true;
	w.handler.resume({
		id: 'spot-itn-1',
		kind: 'SPOT_ITN',
		eventIds: ['spot-itn-1'],
		action: 'cordon-and-drain',
		phase: 'Draining',
		deadline: new Date(t0 + 110_000).toISOString(),
		noticedAt: new Date(t0 - 5_000).toISOString(),
		updatedAt: new Date(t0).toISOString(),
		cordonedByUs: true,
		notified: ['start'],
		attempts: 1,
		headline: {
			eventId: 'spot-itn-1',
			kind: 'SPOT_ITN',
			monitor: 'SPOT_ITN_MONITOR',
			description: 'd',
			state: '',
			startTime: new Date(t0 + 115_000).toISOString(),
		},
		message: 'draining',
		podsAtStart: 5,
	});
	await w.settle();
	// This agent's share: 2 pods, both already terminating (evicted by the previous agent).
	w.drains[0]?.finish({ ok: true, evicted: 0, total: 2, remaining: [] });
	await w.settle();
	assert.equal(
		w.notifications.map((n) => [n.outcome, n.details]),
		[['drained', '5 of 5 pods evicted']],
	);
	assert.ok(
		w.log.lines.some(
			(line) => line.includes('Node successfully cordoned and drained') && line.includes('evicted=5') && line.includes('total=5'),
		),
		w.log.lines.join('\n'),
	);
});

flow("the first drain records the pods on the node before it runs (for a resumed agent's counts)", async () => {
	const w = world();
	w.pods = ['ns/a', 'ns/b', 'ns/c'];
	w.handler.addEvents([spot()]);
	await w.settle();
	assert.is(w.persisted.find((s) => s.phase === 'Draining')?.podsAtStart, 3);
});

flow('a resumed drained record absorbs a new notice of the same node (ASG Terminated after a restart): no drain, no message', async () => {
	const w = world();
	w.node.unschedulable = true;
	w.handler.resume({
		id: 'target-lifecycle-state-terminated-1',
		kind: 'ASG_LIFECYCLE',
		eventIds: ['target-lifecycle-state-terminated-1'],
		action: 'cordon-and-drain',
		phase: 'Drained',
		deadline: new Date(t0 + 110_000).toISOString(),
		noticedAt: new Date(t0 - 60_000).toISOString(),
		updatedAt: new Date(t0 - 30_000).toISOString(),
		cordonedByUs: true,
		notified: ['start', 'drained'],
		attempts: 1,
		headline: {
			eventId: 'target-lifecycle-state-terminated-1',
			kind: 'ASG_LIFECYCLE',
			monitor: 'ASG_LIFECYCLE_MONITOR',
			description: 'd',
			state: '',
			startTime: new Date(t0 - 60_000).toISOString(),
		},
		message: 'drained',
	});
	w.handler.addEvents([
		{ ...rebalance, eventId: 'target-lifecycle-state-terminated-2', kind: 'ASG_LIFECYCLE', monitor: 'ASG_LIFECYCLE_MONITOR' },
		spot(),
	]);
	await w.settle();
	assert.equal(w.calls, []);
	assert.equal(w.notifications, []);
	assert.is(w.handler.state?.phase, 'Drained');
});

const loop = suite('IncidentHandler.run() on a fake clock');

loop('a notice time far in the future: one clamped wait (re-armed), not a timer that overflows and spins', async () => {
	const w = world();
	const controller = new AbortController();
	const running = w.handler.run(controller.signal);
	const farFuture: InterruptionEvent = {
		...spot(),
		startTime: new Date('2100-01-01T00:00:00Z'),
		deadline: new Date('2100-01-01T00:00:00Z'),
	};
	w.handler.addEvents([farFuture]);
	await w.clock.settle();
	assert.is(w.clock.pending(), 1, `one pending wait, got ${w.clock.sleeps.join(',')}`);
	assert.is(w.clock.sleeps.at(-1), 2 ** 31 - 1, 'clamped to the timer maximum');
	// The clamped wait ends: the loop re-arms, still without acting.
	await w.clock.advance(2 ** 31 - 1);
	assert.equal(w.calls, []);
	assert.ok(w.clock.pending() <= 1, `no pile of timers: ${w.clock.pending()}`);
	assert.ok(w.clock.sleeps.length <= 4, `woke ${w.clock.sleeps.length} times`);
	controller.abort(new Error('stop'));
	await running;
	assert.is(w.clock.pending(), 0, 'the abort drops the wait');
});

loop('runs the flow by itself: acts on a notice, wakes for the retry after a failed drain, stops on abort', async () => {
	const w = world();
	const controller = new AbortController();
	const running = w.handler.run(controller.signal);
	w.handler.addEvents([spot()]);
	await w.clock.settle();
	assert.equal(w.calls, ['preDrain:SPOT_ITN', 'cordon:false', 'drain']);
	w.drains[0]?.finish({ ok: false, evicted: 1, total: 2, remaining: ['ns/b'], error: 'blocked by PDB' });
	await w.clock.settle();
	assert.is(w.handler.state?.phase, 'Failed');
	assert.is(w.clock.pending(), 1);
	assert.is(w.clock.sleeps.at(-1), 1_000, 'sleeps exactly until the retry');
	await w.clock.advance(999);
	assert.is(w.drains.length, 1, 'not retried before the timer fires');
	await w.clock.advance(1);
	assert.is(w.drains.length, 2, 'retried when the timer fired');
	w.drains[1]?.finish(ok);
	await w.clock.settle();
	assert.is(w.handler.state?.phase, 'Drained');
	controller.abort(new Error('stop'));
	await running;
	assert.ok(w.clock.sleeps.every((ms) => ms <= 2 ** 31 - 1));
});

loop('a retry time left in the past does not wake the loop again and again (a cordon that failed once, then worked)', async () => {
	const w = world();
	w.failCordon = 1;
	const controller = new AbortController();
	const running = w.handler.run(controller.signal);
	w.handler.addEvents([rebalance]);
	await w.clock.settle();
	assert.is(w.handler.state?.phase, 'Pending', 'the cordon failed');
	await w.clock.advance(1_000);
	assert.is(w.handler.state?.phase, 'Cordoned');
	const before = w.clock.sleeps.length;
	await w.clock.settle();
	await w.clock.settle();
	assert.ok(
		w.clock.sleeps.length - before <= 1,
		`the loop woke ${w.clock.sleeps.length - before} more times with nothing to do: ${w.clock.sleeps.slice(before, before + 5).join(',')}`,
	);
	// A wait of 0 ms for a time already past would end at once and spin the loop.
	assert.ok(
		w.clock.sleeps.slice(before).every((ms) => ms > 0),
		w.clock.sleeps.slice(before).join(','),
	);
	controller.abort(new Error('stop'));
	await running;
});

loop('stops when aborted while waiting: run() resolves and leaves no timer behind', async () => {
	const w = world();
	const controller = new AbortController();
	const running = w.handler.run(controller.signal);
	w.handler.addEvents([spot(600_000)]);
	await w.clock.settle();
	assert.equal(w.calls, [], 'waiting for StartTime minus the grace period');
	assert.is(w.clock.pending(), 1);
	let stopped = false;
	void running.then(() => {
		stopped = true;
	});
	controller.abort(new Error('stop'));
	await w.clock.settle();
	assert.ok(stopped, 'run() returned at once, without the clock moving');
	assert.is(w.clock.pending(), 0);
	assert.equal(w.calls, []);
});

loop('wakes by itself at StartTime minus NODE_TERMINATION_GRACE_PERIOD, not before', async () => {
	const w = world();
	const controller = new AbortController();
	const running = w.handler.run(controller.signal);
	w.handler.addEvents([spot(600_000)]);
	await w.clock.advance(600_000 - 1);
	assert.equal(w.calls, []);
	await w.clock.advance(1);
	assert.equal(w.calls, ['preDrain:SPOT_ITN', 'cordon:false', 'drain']);
	controller.abort(new Error('stop'));
	await running;
	assert.ok(w.drains[0]?.signal.aborted, 'the running drain is aborted with the loop');
});

flow.run();
loop.run();
