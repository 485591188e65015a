import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { matchesFieldSelector, matchesLabelSelector, matchesLabelSelectorObject, parseLabelSelector } from '../support/selectors.ts';

const labels = { 'kubernetes.io/hostname': 'ip-10-0-0-1', app: 'web', tier: 'front' };

const text = suite('matchesLabelSelector()');

text('parses every requirement form, commas inside sets included', () => {
	assert.equal(parseLabelSelector('a=b, c==d,e!=f,g in (h, i),j notin (k),l,!m'), [
		{ key: 'a', operator: 'in', values: ['b'] },
		{ key: 'c', operator: 'in', values: ['d'] },
		{ key: 'e', operator: 'notin', values: ['f'] },
		{ key: 'g', operator: 'in', values: ['h', 'i'] },
		{ key: 'j', operator: 'notin', values: ['k'] },
		{ key: 'l', operator: 'exists', values: [] },
		{ key: 'm', operator: '!exists', values: [] },
	]);
});

text('evaluates requirements against labels', () => {
	assert.ok(matchesLabelSelector('kubernetes.io/hostname in (ip-10-0-0-1.ec2.internal, ip-10-0-0-1)', labels));
	assert.not.ok(matchesLabelSelector('kubernetes.io/hostname in (other)', labels));
	assert.ok(matchesLabelSelector('app=web,tier!=back,!missing,app', labels));
	assert.not.ok(matchesLabelSelector('app=web,missing', labels));
	assert.ok(matchesLabelSelector('missing notin (x)', labels));
	assert.ok(matchesLabelSelector(undefined, labels));
	assert.ok(matchesLabelSelector('', undefined));
	assert.not.ok(matchesLabelSelector('app', null));
});

text('throws SyntaxError on a malformed selector', () => {
	assert.throws(
		() => parseLabelSelector('a in b'),
		(error: unknown) => error instanceof SyntaxError,
	);
});

text.run();

const object = suite('matchesLabelSelectorObject()');

object('follows policy/v1: {} matches all, null matches nothing', () => {
	assert.ok(matchesLabelSelectorObject({}, labels));
	assert.not.ok(matchesLabelSelectorObject(null, labels));
	assert.not.ok(matchesLabelSelectorObject(undefined, labels));
});

object('needs every matchLabels pair and every expression', () => {
	assert.ok(
		matchesLabelSelectorObject(
			{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'x'] }] },
			labels,
		),
	);
	assert.not.ok(matchesLabelSelectorObject({ matchLabels: { app: 'api' } }, labels));
	assert.not.ok(matchesLabelSelectorObject({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels));
	assert.ok(
		matchesLabelSelectorObject(
			{
				matchExpressions: [
					{ key: 'app', operator: 'Exists' },
					{ key: 'gone', operator: 'DoesNotExist' },
				],
			},
			labels,
		),
	);
	assert.not.ok(
		matchesLabelSelectorObject({ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, labels),
		'an unknown operator matches nothing',
	);
});

object.run();

const fields = suite('matchesFieldSelector()');

fields('compares supported fields and rejects unknown ones', () => {
	const pod = { 'spec.nodeName': 'n1', 'metadata.namespace': 'ns' };
	assert.ok(matchesFieldSelector('spec.nodeName=n1', pod));
	assert.ok(matchesFieldSelector('spec.nodeName==n1,metadata.namespace!=kube-system', pod));
	assert.not.ok(matchesFieldSelector('spec.nodeName=n2', pod));
	assert.throws(
		() => matchesFieldSelector('spec.other=x', pod),
		(error: unknown) => error instanceof SyntaxError,
	);
});

fields.run();
