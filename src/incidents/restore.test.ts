import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { labelValueFor } from '../node/values.ts';
import { restorePlan } from './restore.ts';
import type { IncidentState } from './state.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const spotId = `spot-itn-${'ab'.repeat(32)}`;
const hour = 3_600_000;

function record(phase: IncidentState['phase'], eventIds: string[] = [spotId], updatedAt = t0): IncidentState {
	return {
		id: eventIds[0] ?? 'x',
		kind: 'SPOT_ITN',
		eventIds,
		action: 'cordon-and-drain',
		phase,
		deadline: new Date(t0 + 110_000).toISOString(),
		noticedAt: new Date(t0).toISOString(),
		updatedAt: new Date(updatedAt).toISOString(),
		cordonedByUs: true,
		notified: ['start'],
		attempts: 1,
		headline: {
			eventId: eventIds[0] ?? 'x',
			kind: 'SPOT_ITN',
			monitor: 'SPOT_ITN_MONITOR',
			description: 'd',
			state: '',
			startTime: new Date(t0).toISOString(),
		},
		message: '',
	};
}

const plan = suite('restorePlan()');
const base = { nowMs: t0 + 60_000, absorbWindowMs: 2 * hour };

plan('no record, no reboot labels: nothing to do', () => {
	assert.equal(restorePlan({ ...base, record: undefined, reboot: undefined }), { close: undefined, resume: undefined, ignore: [] });
});

plan('an open record is resumed; its ids are not ignored (a cancellation must still reach it)', () => {
	const state = record('Draining');
	assert.equal(restorePlan({ ...base, record: state, reboot: undefined }), { close: undefined, resume: state, ignore: [] });
});

plan('a recent drained record is resumed to absorb the notices IMDS still lists, and its ids are ignored', () => {
	const state = record('Drained', ['target-lifecycle-state-terminated-1']);
	const result = restorePlan({ ...base, record: state, reboot: undefined });
	assert.is(result.resume, state);
	assert.equal(result.ignore, ['target-lifecycle-state-terminated-1']);
});

plan('a drained record older than the window is not resumed (the node is back in service), its ids still ignored', () => {
	const state = record('Drained');
	const result = restorePlan({ ...base, nowMs: t0 + 3 * hour, record: state, reboot: undefined });
	assert.is(result.resume, undefined);
	assert.equal(result.ignore, [spotId]);
});

plan('a cancelled record: nothing resumed, nothing ignored (its events may come back)', () => {
	assert.equal(restorePlan({ ...base, record: record('Cancelled'), reboot: undefined }), {
		close: undefined,
		resume: undefined,
		ignore: [],
	});
});

plan('rebooted after the incident (label holds the digest of a long id): the record is closed and every id ignored', () => {
	const state = record('Drained');
	const result = restorePlan({ ...base, record: state, reboot: { labelValue: labelValueFor(spotId), rebooted: true } });
	assert.is(result.close, state);
	assert.is(result.resume, undefined);
	assert.equal(result.ignore, [spotId, labelValueFor(spotId)]);
});

plan('not rebooted yet, open incident of the labelled event: resumed, the label not ignored', () => {
	const state = record('Draining');
	assert.equal(restorePlan({ ...base, record: state, reboot: { labelValue: labelValueFor(spotId), rebooted: false } }), {
		close: undefined,
		resume: state,
		ignore: [],
	});
});

plan('reboot labels of an event the record does not know: only the label is ignored (NTH)', () => {
	const result = restorePlan({ ...base, record: undefined, reboot: { labelValue: 'instance-event-9', rebooted: true } });
	assert.equal(result, { close: undefined, resume: undefined, ignore: ['instance-event-9'] });
});

plan.run();
