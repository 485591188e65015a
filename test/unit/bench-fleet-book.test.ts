import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Pod, StormBook } from '../../bench/fleet-book.ts';

const ready = [{ type: 'Ready', status: 'True' }];
const pod = (uid: string, app: string, node: string | undefined, options: { ready?: boolean; deleting?: boolean } = {}): Pod => ({
	metadata: {
		uid,
		labels: { app },
		...(options.deleting === true ? { deletionTimestamp: '2026-12-04T00:00:00Z' } : {}),
	},
	spec: node === undefined ? {} : { nodeName: node },
	status: { conditions: options.ready === false ? [{ type: 'Ready', status: 'False' }] : ready },
});

/** One Deployment "a" of 4 replicas (maxUnavailable 1) on nodes n0..n3, all Ready; n0 and n1 interrupted. */
function scene(): StormBook {
	const book = new StormBook(4, 1);
	for (let index = 0; index < 4; index += 1) book.pod('ADDED', pod(`a${index}`, 'a', `n${index}`));
	assert.ok(book.allHealthy());
	book.start(['n0', 'n1']);
	return book;
}

const test = suite('StormBook');

test('a terminating pod and its Pending replacement are one unavailable pod, not two', () => {
	const book = scene();
	book.pod('MODIFIED', pod('a0', 'a', 'n0', { deleting: true }));
	book.pod('ADDED', pod('r0', 'a', undefined, { ready: false }));
	const figures = book.figures();
	assert.is(figures.maxUnavailableSeen, 1);
	assert.is(figures.pdbViolationInstants, 0);
	assert.is(figures.pdbViolatingDeployments, 0);
});

test('two pods gone at once under maxUnavailable 1 is a violation, counted per instant and per Deployment', () => {
	const book = scene();
	book.pod('MODIFIED', pod('a0', 'a', 'n0', { deleting: true }));
	book.pod('MODIFIED', pod('a1', 'a', 'n1', { deleting: true }));
	book.pod('DELETED', pod('a1', 'a', 'n1', { deleting: true }));
	const figures = book.figures();
	assert.is(figures.maxUnavailableSeen, 2);
	assert.is(figures.pdbViolationInstants, 2);
	assert.is(figures.pdbViolatingDeployments, 1);
});

test('a Deployment whose pods are all gone counts as all unavailable', () => {
	const book = scene();
	for (let index = 0; index < 4; index += 1) book.pod('DELETED', pod(`a${index}`, 'a', `n${index}`));
	assert.is(book.figures().maxUnavailableSeen, 4);
});

test('only replacements bound to an interrupted node count as landed', () => {
	const book = scene();
	book.pod('MODIFIED', pod('a0', 'a', 'n0', { deleting: true }));
	book.pod('ADDED', pod('r0', 'a', undefined, { ready: false }));
	book.pod('MODIFIED', pod('r0', 'a', 'n1', { ready: false }));
	book.pod('ADDED', pod('r1', 'a', 'n2', { ready: false }));
	book.pod('MODIFIED', pod('r0', 'a', 'n1'));
	assert.is(book.figures().landedOnInterrupted, 1);
	assert.is(book.figures().podsOnInterrupted, 2);
});

test('drained once no pod, terminating or not, is left on an interrupted node', () => {
	const book = scene();
	book.pod('DELETED', pod('a0', 'a', 'n0'));
	book.pod('MODIFIED', pod('a1', 'a', 'n1', { deleting: true }));
	assert.not.ok(book.drained());
	book.pod('DELETED', pod('a1', 'a', 'n1', { deleting: true }));
	assert.ok(book.drained());
});

test('PDB status below desired counts after the notice only', () => {
	const book = new StormBook(4, 1);
	book.pdb({ metadata: { name: 'a' }, status: { currentHealthy: 2, desiredHealthy: 3 } });
	book.start(['n0']);
	book.pdb({ metadata: { name: 'a' }, status: { currentHealthy: 3, desiredHealthy: 3 } });
	book.pdb({ metadata: { name: 'a' }, status: { currentHealthy: 2, desiredHealthy: 3 } });
	assert.is(book.figures().pdbStatusBelowDesired, 1);
});

test.run();
