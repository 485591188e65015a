import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeError } from '../errors.ts';
import { classifyEvictError, evictRetryLine } from './evict.ts';

const classify = suite('classifyEvictError()');

classify('reads 404 and 409 as gone, 429 as a budget block, 500 naming several budgets as such', () => {
	assert.equal(classifyEvictError(new KubeError('Cannot evict pod: not found', { status: 404 })), { kind: 'gone' });
	assert.equal(classifyEvictError(new KubeError('Cannot evict pod: precondition', { status: 409 })), { kind: 'gone' });
	assert.equal(classifyEvictError(new KubeError('Cannot evict pod: budget', { status: 429 })), {
		kind: 'blocked',
		block: 'pdb',
		message: 'Cannot evict pod: budget',
	});
	const several = new KubeError(
		'Cannot evict pod: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
		{ status: 500 },
	);
	assert.is(classifyEvictError(several).kind, 'blocked');
	assert.equal((classifyEvictError(several) as { block: string }).block, 'multiple-pdbs');
});

classify('reads any other 500, other statuses and non-Kube errors as failures; aborts as aborted', () => {
	assert.is(classifyEvictError(new KubeError('Cannot evict pod: etcd', { status: 500 })).kind, 'failed');
	assert.is(classifyEvictError(new KubeError('Cannot evict pod: forbidden', { status: 403 })).kind, 'failed');
	assert.is(classifyEvictError(new TypeError('fetch failed')).kind, 'failed');
	assert.equal(classifyEvictError(new DOMException('stop', 'AbortError')), { kind: 'aborted' });
});

const texts = suite('NTH log texts');

texts("evictRetryLine() is kubectl's line", () => {
	assert.is(
		evictRetryLine(
			{ namespace: 'default', name: 'web-1', uid: 'u' },
			5000,
			"Cannot evict pod as it would violate the pod's disruption budget.",
		),
		`error when evicting pods/"web-1" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`,
	);
});

classify.run();
texts.run();
