import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { monotonicNow, sleep } from './clock.ts';

// None of these waits: an hour-long sleep is aborted, or the signal is aborted before it starts.
const test = suite('clock');

test('sleep on an aborted signal rejects with its reason at once', async () => {
	const controller = new AbortController();
	controller.abort(new Error('stopping'));
	const error = await sleep(3_600_000, controller.signal).then(() => undefined, (reason: unknown) => reason);
	assert.instance(error, Error);
	assert.is((error as Error).message, 'stopping');
});

test('an abort during a sleep rejects it with the reason and clears its timer', async () => {
	const controller = new AbortController();
	const pending = sleep(3_600_000, controller.signal).then(() => 'resolved', (reason: unknown) => reason);
	controller.abort(new Error('replaced'));
	const outcome = await pending;
	assert.instance(outcome, Error);
	assert.is((outcome as Error).message, 'replaced');
});

test('an abort without a reason still rejects with an AbortError', async () => {
	const signal = { aborted: true, reason: undefined } as unknown as AbortSignal;
	const error = await sleep(10, signal).then(() => undefined, (reason: unknown) => reason);
	assert.instance(error, DOMException);
	assert.is((error as DOMException).name, 'AbortError');
});

test('without a signal, a negative wait resolves (clamped to 0)', async () => {
	assert.is(await sleep(-5).then(() => 'resolved'), 'resolved');
});

test('monotonicNow does not go backwards', () => {
	const first = monotonicNow();
	const second = monotonicNow();
	assert.ok(second >= first);
});

test.run();
