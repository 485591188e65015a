import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isValidLabelValue } from '../kube/validation.ts';
import { labelValueFor, matchesLabelValue, nodeValueProblems, taintValueFor } from './values.ts';

const spotId = `spot-itn-${'0123456789abcdef'.repeat(4)}`;

const rules = suite('Kubernetes value rules');

rules('nodeValueProblems names every refused value (the rules of kube/validation.ts, which the fake apiserver enforces)', () => {
	assert.equal(
		nodeValueProblems({
			labels: { 'aws-node-termination-handler/event-id': 'instance-event-1' },
			taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }],
		}),
		[],
	);
	const problems = nodeValueProblems({
		labels: { 'aws-node-termination-handler/event-id': spotId },
		taints: [
			{ key: 'k', value: 'v-', effect: 'Never' },
			{ key: 'k', effect: 'Never' },
		],
	});
	assert.ok(
		problems.some((problem) => problem.startsWith('metadata.labels: ') && problem.includes('must be no more than 63 bytes')),
		problems.join('\n'),
	);
	assert.ok(
		problems.some((problem) => problem.includes('metadata.taints[0].value')),
		problems.join('\n'),
	);
	assert.ok(
		problems.some((problem) => problem.includes('metadata.taints[0].effect')),
		problems.join('\n'),
	);
	assert.ok(
		problems.some((problem) => problem.includes('metadata.taints[1]')),
		problems.join('\n'),
	);
});

const ids = suite('event ids as values');

ids('an id that is a valid value is its own label value', () => {
	assert.is(labelValueFor('instance-event-0d59937288b749b32'), 'instance-event-0d59937288b749b32');
	assert.is(labelValueFor('rebalance-recommendation-abc'), 'rebalance-recommendation-abc');
});

ids('a spot id (73 characters) becomes a readable head and a digest of the whole id: valid, stable, distinct', () => {
	const value = labelValueFor(spotId);
	assert.ok(isValidLabelValue(value), value);
	assert.is(value.length, 63);
	assert.match(value, /^spot-itn-[0-9a-f]{37}-[0-9a-f]{16}$/);
	assert.is(labelValueFor(spotId), value, 'stable');
	const other = `${spotId.slice(0, -1)}0`;
	assert.is.not(labelValueFor(other), value, 'ids that share the first 62 characters differ');
	assert.ok(matchesLabelValue(spotId, value));
	assert.not.ok(matchesLabelValue(other, value));
	assert.ok(matchesLabelValue('instance-event-1', 'instance-event-1'));
});

ids('ids with characters a value cannot hold still give valid values', () => {
	for (const id of ['spot-itn:2025/01/01 00:00', '---', '', 'é'.repeat(80), `a${'-'.repeat(70)}`]) {
		assert.ok(isValidLabelValue(labelValueFor(id)), `${id} -> ${labelValueFor(id)}`);
		assert.ok(isValidLabelValue(taintValueFor(id)), `${id} -> ${taintValueFor(id)}`);
	}
});

ids("taint values keep NTH's cut to 63 characters, without a non-alphanumeric end", () => {
	assert.is(taintValueFor(spotId), spotId.slice(0, 63));
	assert.is(taintValueFor(`${'a'.repeat(62)}-b`), 'a'.repeat(62));
});

rules.run();
ids.run();
