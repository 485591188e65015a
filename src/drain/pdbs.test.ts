import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { PodDisruptionBudgetSchema } from '../kube/schemas.ts';
import { budget } from '../../test/support/drain-fakes.ts';
import { PdbBook, disruptionsAllowed, inflightTtlMs, selectorMatches } from './pdbs.ts';

const pdb = (seed: Parameters<typeof v.parse<typeof PodDisruptionBudgetSchema>>[1]) => v.parse(PodDisruptionBudgetSchema, seed);

const selector = suite('selectorMatches()');

selector('matches matchLabels exactly', () => {
	assert.ok(selectorMatches({ matchLabels: { app: 'web' } }, { app: 'web', tier: 'x' }));
	assert.not.ok(selectorMatches({ matchLabels: { app: 'web' } }, { app: 'db' }));
	assert.not.ok(selectorMatches({ matchLabels: { app: 'web' } }, {}));
});

selector('evaluates In, NotIn, Exists and DoesNotExist', () => {
	const labels = { app: 'web', tier: 'front' };
	assert.ok(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, labels));
	assert.not.ok(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] }, labels));
	assert.ok(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['api'] }] }, labels));
	assert.ok(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels));
	assert.not.ok(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, labels));
	assert.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels));
	assert.not.ok(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels));
	assert.ok(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels));
	assert.not.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels));
});

selector('matches nothing with a null selector or an unknown operator, everything with {} (policy/v1)', () => {
	assert.not.ok(selectorMatches(null, { app: 'web' }));
	assert.not.ok(selectorMatches(undefined, { app: 'web' }));
	assert.not.ok(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, { app: '2' }));
	assert.ok(selectorMatches({}, { app: 'web' }));
});

const allowed = suite('disruptionsAllowed()');

allowed('is 0 while the controller has not observed the latest generation (the apiserver answers 429)', () => {
	assert.is(
		disruptionsAllowed(pdb({ metadata: { name: 'p', generation: 2 }, status: { observedGeneration: 1, disruptionsAllowed: 3 } })),
		0,
	);
	assert.is(disruptionsAllowed(pdb({ metadata: { name: 'p', generation: 2 }, status: { disruptionsAllowed: 3 } })), 0);
	assert.is(
		disruptionsAllowed(pdb({ metadata: { name: 'p', generation: 2 }, status: { observedGeneration: 2, disruptionsAllowed: 3 } })),
		3,
	);
});

const book = suite('PdbBook');

function bookAt(clock: { now: number }) {
	return new PdbBook(['default'], () => clock.now);
}

book('matches pods to budgets of their own namespace only, sorted', () => {
	const b = bookAt({ now: 0 });
	b.sync([
		pdb(budget('web-b', 'web', 1)),
		pdb(budget('web-a', 'web', 1)),
		pdb(budget('db', 'db', 1)),
		pdb(budget('elsewhere', 'web', 1, 'other')),
	]);
	assert.equal(b.matching({ namespace: 'default', labels: { app: 'web', tier: 'x' } }), ['default/web-a', 'default/web-b']);
	assert.equal(b.matching({ namespace: 'other', labels: { app: 'web' } }), []);
	assert.is(b.state, 'live');
});

book('charges reservations until the watched status lists the pod in disruptedPods', () => {
	const b = bookAt({ now: 0 });
	b.sync([pdb(budget('web', 'web', 2))]);
	assert.is(b.available('default/web'), 2);
	b.reserve('default/web', 'w1');
	b.reserve('default/web', 'w2');
	assert.is(b.available('default/web'), 0);
	// The apiserver's write for w1 arrives: allowed 1, w1 disrupted; w2 still only ours.
	b.apply(
		'MODIFIED',
		pdb({ ...budget('web', 'web', 1), status: { observedGeneration: 1, disruptionsAllowed: 1, disruptedPods: { w1: 'now' } } }),
	);
	assert.is(b.available('default/web'), 0);
	b.apply(
		'MODIFIED',
		pdb({ ...budget('web', 'web', 0), status: { observedGeneration: 1, disruptionsAllowed: 0, disruptedPods: { w1: 'now', w2: 'now' } } }),
	);
	assert.is(b.available('default/web'), 0);
	// The controller saw both replacements ready.
	b.apply('MODIFIED', pdb(budget('web', 'web', 2)));
	assert.is(b.available('default/web'), 2);
});

book('gives a refused reservation back, and forgets stale ones', () => {
	const clock = { now: 0 };
	const b = bookAt(clock);
	b.sync([pdb(budget('web', 'web', 1))]);
	b.reserve('default/web', 'w1');
	b.release('default/web', 'w1');
	assert.is(b.available('default/web'), 1);
	b.reserve('default/web', 'w2');
	assert.is(b.available('default/web'), 0);
	clock.now = inflightTtlMs + 1;
	assert.is(b.available('default/web'), 1);
});

book('clears reservations on a relist, drops deleted budgets, ignores other namespaces', () => {
	const b = bookAt({ now: 0 });
	let changes = 0;
	b.onChange(() => (changes += 1));
	b.sync([pdb(budget('web', 'web', 1))]);
	b.reserve('default/web', 'w1');
	b.sync([pdb(budget('web', 'web', 1))]);
	assert.is(b.available('default/web'), 1);
	b.apply('ADDED', pdb(budget('other', 'web', 0, 'elsewhere')));
	assert.is(b.get('elsewhere/other'), undefined);
	b.apply('DELETED', pdb(budget('web', 'web', 1)));
	assert.is(b.available('default/web'), Number.POSITIVE_INFINITY);
	assert.is(changes, 3);
});

book('matchingCached() keeps a match through status updates and recomputes it when budgets change', () => {
	const b = bookAt({ now: 0 });
	const pod = { namespace: 'default', labels: { app: 'web' } };
	b.sync([pdb(budget('web', 'web', 1))]);
	const first = b.matchingCached('default/w1', pod);
	assert.equal(first, ['default/web']);
	b.apply('MODIFIED', pdb(budget('web', 'web', 0)));
	assert.is(b.matchingCached('default/w1', pod), first, 'a status update reuses the cached match');
	b.apply('ADDED', pdb(budget('web-2', 'web', 1)));
	assert.equal(b.matchingCached('default/w1', pod), ['default/web', 'default/web-2']);
	b.apply('MODIFIED', pdb({ ...budget('web-2', 'db', 1), metadata: { name: 'web-2', namespace: 'default', generation: 2 } }));
	assert.equal(b.matchingCached('default/w1', pod), ['default/web']);
	b.apply('DELETED', pdb(budget('web', 'web', 1)));
	assert.equal(b.matchingCached('default/w1', pod), []);
});

book('version() changes with the budget', () => {
	const b = bookAt({ now: 0 });
	b.sync([pdb({ ...budget('web', 'web', 0), metadata: { name: 'web', namespace: 'default', generation: 1, resourceVersion: '5' } })]);
	assert.is(b.version('default/web'), '5');
	b.apply(
		'MODIFIED',
		pdb({ ...budget('web', 'web', 1), metadata: { name: 'web', namespace: 'default', generation: 1, resourceVersion: '9' } }),
	);
	assert.is(b.version('default/web'), '9');
});

selector.run();
allowed.run();
book.run();
