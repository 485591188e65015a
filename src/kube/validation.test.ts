import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { invalidStatus } from './status.ts';
import {
	isValidLabelKey,
	isValidLabelValue,
	labelKeyErrors,
	labelValueErrors,
	totalAnnotationSizeLimitBytes,
	validateAnnotations,
	validateEventCreate,
	validateLabels,
	validateNodeUpdate,
	validateObjectName,
	validateTaints,
} from './validation.ts';

const labels = suite('label keys and values');

labels('a value of up to 63 bytes, alphanumeric at both ends, is valid; empty too', () => {
	for (const value of ['', 'a', 'spot-itn-1', 'My_value.1', 'x'.repeat(63), '12345']) assert.ok(isValidLabelValue(value), value);
});

labels("a 64-byte value (and the 73-char spot event id) is rejected with the apiserver's message", () => {
	assert.equal(labelValueErrors('x'.repeat(64)), ['must be no more than 63 bytes']);
	assert.not.ok(isValidLabelValue(`spot-itn-${'a'.repeat(64)}`));
	// Bytes, not characters: 32 two-byte characters are 64 bytes (and not alphanumeric).
	assert.equal(labelValueErrors('é'.repeat(32)).length, 2);
});

labels('a value with a bad first/last character or a space fails the pattern', () => {
	for (const value of ['-a', 'a-', '.a', 'a b', 'a/b', 'a:b']) {
		assert.equal(
			labelValueErrors(value),
			[
				"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
			],
			value,
		);
	}
});

labels('keys: an optional DNS-subdomain prefix of ≤ 253 bytes and a name of ≤ 63', () => {
	for (const key of ['app', 'aws-node-termination-handler/spot-itn', 'kubernetes.io/hostname', `${'a'.repeat(253)}/x`, 'x'.repeat(63)])
		assert.ok(isValidLabelKey(key), key);
	assert.equal(labelKeyErrors('x'.repeat(64)), ['name part must be no more than 63 bytes']);
	assert.equal(labelKeyErrors(`${'a'.repeat(254)}/x`), ['prefix part must be no more than 253 bytes']);
	assert.equal(labelKeyErrors('/x'), ['prefix part must be non-empty']);
	assert.equal(labelKeyErrors('Example.com/x')[0]?.startsWith('prefix part a lowercase RFC 1123 subdomain'), true);
	assert.equal(labelKeyErrors('a/b/c').length, 1);
	assert.equal(labelKeyErrors('a/')[0], 'name part must be non-empty');
	assert.ok(labelKeyErrors('bad key').length > 0);
});

labels('validateLabels reports each problem at metadata.labels with the bad value', () => {
	const errors = validateLabels({ ok: 'fine', 'bad key': 'v', long: 'x'.repeat(64) });
	assert.equal(
		errors.map((error) => [error.type, error.field]),
		[
			['FieldValueInvalid', 'metadata.labels'],
			['FieldValueInvalid', 'metadata.labels'],
		],
	);
	assert.ok(errors[0]?.message.startsWith('Invalid value: "bad key": name part must consist of'));
	assert.is(errors[1]?.message, `Invalid value: "${'x'.repeat(64)}": must be no more than 63 bytes`);
});

const annotations = suite('annotations');

annotations('keys are qualified names, checked case-insensitively; the total size is capped at 256 KiB', () => {
	assert.equal(validateAnnotations({ 'Example.COM/Key': 'v' }), []);
	assert.equal(
		validateAnnotations({ 'a b': 'v' }).map((error) => error.field),
		['metadata.annotations'],
	);
	const big = 'x'.repeat(totalAnnotationSizeLimitBytes - 1);
	assert.equal(validateAnnotations({ k: big }), []);
	assert.equal(validateAnnotations({ k: `${big}x` }), [
		{ type: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes' },
	]);
});

const taints = suite('taints');

taints('value follows the label-value rules, effect is one of three, key+effect unique', () => {
	assert.equal(validateTaints([{ key: 'aws-node-termination-handler/spot-itn', value: 'spot-itn-1', effect: 'NoSchedule' }]), []);
	const errors = validateTaints([
		{ key: 'a', value: 'x'.repeat(64), effect: 'NoSchedule' },
		{ key: 'b', effect: 'Sometimes' },
		{ key: 'a', value: 'other', effect: 'NoSchedule' },
		{ key: 'bad key', effect: 'NoExecute' },
		{ key: 'c', effect: '' },
	]);
	assert.equal(
		errors.map((error) => [error.type, error.field]),
		[
			['FieldValueInvalid', 'metadata.taints[0].value'],
			['FieldValueNotSupported', 'metadata.taints[1].effect'],
			['FieldValueDuplicate', 'metadata.taints[2]'],
			['FieldValueInvalid', 'metadata.taints[3].key'],
			['FieldValueRequired', 'metadata.taints[4].effect'],
		],
	);
	assert.is(errors[1]?.message, 'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"');
});

const objects = suite('names, nodes, events and Status');

objects('names are DNS-1123 subdomains', () => {
	assert.equal(validateObjectName('ip-10-0-0-1.ec2.internal'), []);
	assert.is(validateObjectName('Bad_Name').length, 1);
	assert.is(validateObjectName('').length, 1);
});

objects('a node update is checked for labels, annotations and taints', () => {
	const errors = validateNodeUpdate({
		metadata: { labels: { a: 'x'.repeat(64) }, annotations: { 'b c': '' } },
		spec: { taints: [{ key: 'k', value: '-', effect: 'NoSchedule' }] },
	});
	assert.equal(
		errors.map((error) => error.field),
		['metadata.labels', 'metadata.annotations', 'metadata.taints[0].value'],
	);
});

objects('an event of a cluster-scoped object lives in "default" (or no namespace); a pod\'s in the pod\'s', () => {
	assert.equal(validateEventCreate({ name: 'n.1', namespace: 'default', involvedObject: {} }), []);
	assert.equal(
		validateEventCreate({ name: 'n.1', namespace: 'kube-system', involvedObject: {} }).map((error) => error.field),
		['involvedObject.namespace'],
	);
	assert.equal(validateEventCreate({ name: 'n.1', namespace: 'web', involvedObject: { namespace: 'web' } }), []);
	assert.equal(
		validateEventCreate({ name: 'n.1', namespace: 'default', involvedObject: { namespace: 'web' } }).map((error) => error.field),
		['involvedObject.namespace'],
	);
});

objects("invalidStatus has the apiserver's 422 shape: one error inline, several in brackets, a cause each", () => {
	const one = invalidStatus({ kind: 'Node' }, 'a', validateLabels({ k: '-' }));
	assert.is(one.code, 422);
	assert.is(one.reason, 'Invalid');
	assert.match(one.message, /^Node "a" is invalid: metadata\.labels: Invalid value: "-": a valid label must be/);
	assert.equal(
		one.details?.causes?.map((cause) => [cause.reason, cause.field]),
		[['FieldValueInvalid', 'metadata.labels']],
	);
	const two = invalidStatus({ kind: 'Node' }, 'a', validateLabels({ k: '-', j: '.' }));
	assert.match(two.message, /^Node "a" is invalid: \[metadata\.labels: .*, metadata\.labels: .*\]$/);
	assert.is(two.details?.kind, 'Node');
});

labels.run();
annotations.run();
taints.run();
objects.run();
