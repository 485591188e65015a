import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeError } from '../errors.ts';
import type { ListResult, WatchEvent } from '../kube/api.ts';
import { memoryLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { type FollowSource, follow, followBackoffMs } from './follow.ts';

interface Item {
	readonly metadata: { readonly name: string; readonly resourceVersion?: string };
}

type Step = { readonly events: readonly WatchEvent<Item>[]; readonly then?: 'end' | 'hang' | Error } | Error;

/** A source whose watches play `steps` in order (the last one hangs until aborted). */
function scripted(lists: readonly (ListResult<Item> | Error)[], steps: readonly Step[]) {
	const calls: string[] = [];
	let listIndex = 0;
	let stepIndex = 0;
	const source: FollowSource<Item> = {
		what: 'items',
		list: async () => {
			const answer = lists[Math.min(listIndex, lists.length - 1)];
			listIndex += 1;
			calls.push('list');
			if (answer instanceof Error || answer === undefined) throw answer ?? new Error('no list');
			return answer;
		},
		watch: (resourceVersion, signal) => {
			calls.push(`watch@${resourceVersion}`);
			const step = steps[stepIndex];
			stepIndex += 1;
			return (async function* () {
				if (step === undefined) {
					await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
					return;
				}
				if (step instanceof Error) throw step;
				for (const event of step.events) yield event;
				if (step.then instanceof Error) throw step.then;
				if (step.then === 'hang') await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
			})();
		},
	};
	return { source, calls };
}

const item = (name: string, resourceVersion: string): Item => ({ metadata: { name, resourceVersion } });

function run(
	source: FollowSource<Item>,
	untilMs: number,
	options: { resourceVersion?: string; stopOn?: (error: unknown) => boolean } = {},
) {
	const clock = fakeClock(0);
	const log = memoryLogger();
	const seen: string[] = [];
	const controller = new AbortController();
	let stopped: unknown;
	clock.at(untilMs, () => controller.abort());
	const done = clock.run(
		follow(
			{ log, metrics: noopMetrics(), now: clock.now, sleep: clock.sleep },
			source,
			{
				sync: (items, rv) => seen.push(`sync:${items.map((entry) => entry.metadata.name).join(',')}@${rv}`),
				event: (event) => seen.push(`${event.type}:${event.object.metadata.name}`),
				stopped: (error) => (stopped = error),
			},
			options,
			controller.signal,
		),
	);
	return { done, seen, log, stopped: () => stopped };
}

const loop = suite('follow()');

loop('lists, then watches from the list resourceVersion', async () => {
	const { source, calls } = scripted(
		[{ items: [item('a', '3')], resourceVersion: '5' }],
		[{ events: [{ type: 'ADDED', object: item('b', '6') }], then: 'hang' }],
	);
	const { done, seen } = run(source, 1_000);
	await done;
	assert.equal(calls, ['list', 'watch@5']);
	assert.equal(seen, ['sync:a@5', 'ADDED:b']);
});

loop('starts from a given resourceVersion without listing', async () => {
	const { source, calls } = scripted([], []);
	await run(source, 1_000, { resourceVersion: '9' }).done;
	assert.equal(calls, ['watch@9']);
});

loop('resumes from the last resourceVersion (bookmarks included) when the server ends the watch', async () => {
	const { source, calls } = scripted(
		[],
		[
			{
				events: [
					{ type: 'MODIFIED', object: item('a', '11') },
					{ type: 'BOOKMARK', object: item('', '15') },
				],
				then: 'end',
			},
		],
	);
	const { done, seen } = run(source, 1_000, { resourceVersion: '9' });
	await done;
	assert.equal(calls, ['watch@9', 'watch@15']);
	assert.equal(seen, ['MODIFIED:a']);
});

loop('relists at once on 410 Gone', async () => {
	const { source, calls } = scripted(
		[{ items: [item('a', '1')], resourceVersion: '20' }],
		[new KubeError('Cannot watch items: too old', { status: 410, reason: 'Expired' })],
	);
	const { done, seen } = run(source, 1_000, { resourceVersion: '9' });
	await done;
	assert.equal(calls, ['watch@9', 'list', 'watch@20']);
	assert.equal(seen, ['sync:a@20']);
});

loop('backs off after other errors, logging them', async () => {
	const failure = new KubeError('Cannot list items: boom', { status: 500 });
	const { source, calls } = scripted([failure, failure, { items: [], resourceVersion: '3' }], []);
	const { done, log } = run(source, 10_000);
	await done;
	assert.equal(calls, ['list', 'list', 'list', 'watch@3']);
	assert.is(log.lines.filter((line) => line.includes('WRN Cannot watch items: will retry')).length, 2);
});

loop('does not spin on a server that ends every watch at once', async () => {
	const { source, calls } = scripted(
		[],
		[
			{ events: [], then: 'end' },
			{ events: [], then: 'end' },
			{ events: [], then: 'end' },
		],
	);
	await run(source, 1_600, { resourceVersion: '1' }).done;
	// Ends at 0 s, pause 0.5 s, ends, pause 1 s: the third watch starts at 1.5 s, and that is all by 1.6 s.
	assert.equal(calls, ['watch@1', 'watch@1', 'watch@1']);
});

loop('stops for good on an error stopOn accepts', async () => {
	const forbidden = new KubeError('Cannot list items: forbidden', { status: 403 });
	const { source, calls } = scripted([forbidden], []);
	const { done, stopped } = run(source, 10_000, { stopOn: (error) => error instanceof KubeError && error.status === 403 });
	await done;
	assert.equal(calls, ['list']);
	assert.is(stopped(), forbidden);
});

loop('returns on abort even when the watch stream ignores the abort', async () => {
	let returned = false;
	const source: FollowSource<Item> = {
		what: 'items',
		list: async () => ({ items: [], resourceVersion: '1' }),
		watch: () => ({
			[Symbol.asyncIterator]: () => ({
				// A read that never settles, as when the transport loses the abort.
				next: () => new Promise<IteratorResult<WatchEvent<Item>>>(() => {}),
				return: async () => {
					returned = true;
					return { done: true, value: undefined };
				},
			}),
		}),
	};
	await run(source, 2_000).done;
	assert.ok(returned, 'the abandoned watch was asked to return');
});

loop('followBackoffMs() doubles from 0.5 s up to 4 s', () => {
	assert.equal([1, 2, 3, 4, 5, 9].map(followBackoffMs), [500, 1000, 2000, 4000, 4000, 4000]);
});

loop.run();
