import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../support/apply-patch.ts';

const node = {
	metadata: { name: 'n1', labels: { a: '1', 'x/y': '2' } },
	spec: { taints: [{ key: 't1', value: 'v', effect: 'NoSchedule' }] },
	status: {
		conditions: [
			{ type: 'Ready', status: 'True' },
			{ type: 'MemoryPressure', status: 'False' },
		],
	},
};

const merge = suite('applyMergePatch()');

merge('merges objects, deletes with null, replaces arrays, leaves the input alone', () => {
	const before = structuredClone(node);
	const out = applyMergePatch(node, { metadata: { labels: { a: null, b: '3' } }, spec: { taints: [{ key: 't2', effect: 'NoExecute' }] } });
	assert.equal(out, {
		metadata: { name: 'n1', labels: { 'x/y': '2', b: '3' } },
		spec: { taints: [{ key: 't2', effect: 'NoExecute' }] },
		status: node.status,
	});
	assert.equal(node, before);
});

merge.run();

const strategic = suite('applyStrategicMergePatch()');

strategic('merges conditions by type, deletes with $patch, replaces lists without a merge key', () => {
	const out = applyStrategicMergePatch(node, {
		spec: { taints: [] },
		status: {
			conditions: [
				{ type: 'Ready', status: 'False', reason: 'X' },
				{ type: 'TerminationHandling', status: 'True' },
				{ type: 'MemoryPressure', $patch: 'delete' },
			],
		},
	});
	assert.equal(out, {
		metadata: node.metadata,
		spec: { taints: [] },
		status: {
			conditions: [
				{ type: 'Ready', status: 'False', reason: 'X' },
				{ type: 'TerminationHandling', status: 'True' },
			],
		},
	});
});

strategic.run();

const json = suite('applyJsonPatch()');

json('adds, replaces and removes with escaped pointers', () => {
	const out = applyJsonPatch(node, [
		{ op: 'remove', path: '/metadata/labels/x~1y' },
		{ op: 'add', path: '/metadata/labels/c', value: '4' },
		{ op: 'replace', path: '/metadata/labels/a', value: '9' },
		{ op: 'add', path: '/spec/taints/-', value: { key: 't3', effect: 'NoSchedule' } },
		{ op: 'test', path: '/metadata/name', value: 'n1' },
	]);
	assert.equal(out, {
		metadata: { name: 'n1', labels: { a: '9', c: '4' } },
		spec: { taints: [...node.spec.taints, { key: 't3', effect: 'NoSchedule' }] },
		status: node.status,
	});
});

json('fails removing a missing path (the NTH label-removal bug) and on a failed test', () => {
	assert.throws(() => applyJsonPatch(node, [{ op: 'remove', path: '/metadata/labels/missing' }]), /doc is missing path/);
	assert.throws(() => applyJsonPatch(node, [{ op: 'test', path: '/metadata/name', value: 'n2' }]), /test at "\/metadata\/name" failed/);
});

json.run();
