import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { InterruptionEvent } from '../monitors/types.ts';
import {
	actionFor,
	eventDeadlineMs,
	hasPreDrainTask,
	maxRecordedEventIds,
	mergeEvent,
	needsWork,
	openIncident,
	retryDelayMs,
	wholeDrainCounts,
} from './incident.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const settings = {
	cordonOnly: false,
	enableRebalanceDraining: false,
	nodeTerminationGracePeriodSeconds: 120,
	drainSafetyMarginSeconds: 10,
};

function event(kind: InterruptionEvent['kind'], id: string, extra: Partial<InterruptionEvent> = {}): InterruptionEvent {
	const monitor = (
		{
			SPOT_ITN: 'SPOT_ITN_MONITOR',
			SCHEDULED_EVENT: 'SCHEDULED_EVENT_MONITOR',
			REBALANCE_RECOMMENDATION: 'REBALANCE_RECOMMENDATION_MONITOR',
			ASG_LIFECYCLE: 'ASG_LIFECYCLE_MONITOR',
		} as const
	)[kind];
	return {
		eventId: id,
		kind,
		monitor,
		description: 'd',
		state: '',
		startTime: new Date(t0),
		endTime: undefined,
		deadline: undefined,
		...extra,
	};
}
const terms = (action: 'cordon' | 'cordon-and-drain', deadlineMs: number) => ({ action, deadlineMs, firstSeenMs: t0, nowMs: t0 });

const model = suite('incident model (pure)');

model('open: a Pending record of the first event, its deadline and first sight', () => {
	const state = openIncident(event('REBALANCE_RECOMMENDATION', 'r1'), terms('cordon', t0 + 120_000));
	assert.equal(
		[state.id, state.phase, state.action, state.eventIds, state.deadline, state.noticedAt, state.notified],
		['r1', 'Pending', 'cordon', ['r1'], new Date(t0 + 120_000).toISOString(), new Date(t0).toISOString(), []],
	);
});

model('merge: the action escalates, a cordoned incident goes back to Pending, the headline is the most final kind', () => {
	const cordoned = { ...openIncident(event('REBALANCE_RECOMMENDATION', 'r1'), terms('cordon', t0 + 120_000)), phase: 'Cordoned' as const };
	const merged = mergeEvent(cordoned, event('SPOT_ITN', 's1', { spotAction: 'stop' }), terms('cordon-and-drain', t0 + 110_000));
	assert.equal(
		[merged.escalated, merged.earlier, merged.state.action, merged.state.phase, merged.state.kind, merged.state.headline.eventId],
		[true, true, 'cordon-and-drain', 'Pending', 'SPOT_ITN', 's1'],
	);
	assert.equal(merged.state.eventIds, ['r1', 's1']);
});

model('merge: the deadline only moves earlier and the action never weakens', () => {
	const draining = { ...openIncident(event('SPOT_ITN', 's1'), terms('cordon-and-drain', t0 + 60_000)), phase: 'Draining' as const };
	const merged = mergeEvent(draining, event('REBALANCE_RECOMMENDATION', 'r1'), terms('cordon', t0 + 600_000));
	assert.equal(
		[merged.escalated, merged.earlier, merged.state.action, merged.state.deadline, merged.state.phase, merged.state.kind],
		[false, false, 'cordon-and-drain', draining.deadline, 'Draining', 'SPOT_ITN'],
	);
});

model('merge: the record keeps the newest ids only (AEMM issues a new id every poll)', () => {
	let state = openIncident(event('SPOT_ITN', 's0'), terms('cordon-and-drain', t0 + 60_000));
	for (let i = 1; i <= 100; i += 1) state = mergeEvent(state, event('SPOT_ITN', `s${i}`), terms('cordon-and-drain', t0 + 60_000 + i)).state;
	assert.is(state.eventIds.length, maxRecordedEventIds);
	assert.is(state.eventIds.at(-1), 's100');
	assert.is(
		mergeEvent(state, event('SPOT_ITN', 's100'), terms('cordon-and-drain', t0)).state.eventIds.length,
		maxRecordedEventIds,
		'a known id is not added twice',
	);
});

model('next step: open phases have work; a cordoned incident only when a new event joined; closed ones never', () => {
	const events = [event('REBALANCE_RECOMMENDATION', 'r1')];
	assert.ok(needsWork({ phase: 'Pending', events, recorded: new Set(['r1']) }));
	assert.ok(needsWork({ phase: 'Failed', events, recorded: new Set(['r1']) }));
	assert.not.ok(needsWork({ phase: 'Cordoned', events, recorded: new Set(['r1']) }));
	assert.ok(needsWork({ phase: 'Cordoned', events, recorded: new Set() }));
	assert.not.ok(needsWork({ phase: 'Drained', events, recorded: new Set() }));
	assert.not.ok(needsWork({ phase: 'Cancelled', events, recorded: new Set() }));
});

model('pre-drain tasks: every kind but a non-restart scheduled event', () => {
	assert.ok(hasPreDrainTask(event('SPOT_ITN', 's')));
	assert.ok(hasPreDrainTask(event('SCHEDULED_EVENT', 'e', { scheduledCode: 'system-reboot' })));
	assert.not.ok(hasPreDrainTask(event('SCHEDULED_EVENT', 'e', { scheduledCode: 'system-maintenance' })));
});

model('actions and deadlines (NTH §3c step 5; the notice time minus the margin, at least 15 s away)', () => {
	assert.is(actionFor(event('REBALANCE_RECOMMENDATION', 'r'), settings), 'cordon');
	assert.is(actionFor(event('REBALANCE_RECOMMENDATION', 'r'), { ...settings, enableRebalanceDraining: true }), 'cordon-and-drain');
	assert.is(actionFor(event('SPOT_ITN', 's'), { ...settings, cordonOnly: true }), 'cordon');
	assert.is(eventDeadlineMs(event('SPOT_ITN', 's', { deadline: new Date(t0 + 120_000) }), t0, settings), t0 + 110_000);
	assert.is(eventDeadlineMs(event('SPOT_ITN', 's', { deadline: new Date(t0 + 5_000) }), t0, settings), t0 + 120_000);
	assert.is(eventDeadlineMs(event('ASG_LIFECYCLE', 'a'), t0, settings), t0 + 120_000);
});

model('retry backoff doubles up to the maximum', () => {
	assert.equal(
		[1, 2, 3, 4, 5, 50].map((n) => retryDelayMs(n, 1_000, 8_000)),
		[1_000, 2_000, 4_000, 8_000, 8_000, 8_000],
	);
});

model('whole-drain counts: a resumed drain adds the pods the previous agent saw go and those it left terminating', () => {
	// The case: 8 pods, the first agent evicted them all and was killed; 5 were still terminating.
	assert.equal(wholeDrainCounts({ evicted: 0, total: 5, remaining: [] }, { atStart: 8, atRunStart: 5, laterAttempt: true }), {
		evicted: 8,
		total: 8,
	});
	assert.equal(wholeDrainCounts({ evicted: 2, total: 2, remaining: [] }, { atStart: undefined, atRunStart: 2, laterAttempt: false }), {
		evicted: 2,
		total: 2,
	});
	assert.equal(
		wholeDrainCounts({ evicted: 1, total: 3, deleted: 1, remaining: [] }, { atStart: 3, atRunStart: 3, laterAttempt: false }),
		{ evicted: 1, total: 3 },
		'a first attempt counts only its own evictions',
	);
	assert.equal(
		wholeDrainCounts({ evicted: 0, total: 4, deleted: 1, remaining: ['a'] }, { atStart: 4, atRunStart: 4, laterAttempt: true }),
		{ evicted: 2, total: 4 },
		'deleted and remaining pods are not evicted',
	);
	assert.equal(
		wholeDrainCounts({ evicted: 2, total: 2, remaining: [] }, { atStart: 1, atRunStart: 3, laterAttempt: true }),
		{ evicted: 2, total: 2 },
		'more pods now than at the start: nothing added',
	);
});

model.run();
