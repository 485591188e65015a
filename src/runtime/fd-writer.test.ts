import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fdWriter } from './fd-writer.ts';

const text = (chunks: readonly (Uint8Array | string)[]): string =>
	chunks.map((chunk) => (typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk))).join('');

test('writes every byte to the fd, a short write continuing where it stopped, without the stream', () => {
	const written: number[] = [];
	const writes: number[] = [];
	let streamUsed = false;
	const write = fdWriter(
		1,
		(fd, bytes, offset) => {
			writes.push(fd);
			const end = Math.min(bytes.length, offset + 3); // a pipe that takes 3 bytes at a time
			written.push(...bytes.subarray(offset, end));
			return end - offset;
		},
		() => {
			streamUsed = true;
			return () => {};
		},
	);
	write('config: é\n');
	write('');
	write('line 2\n');
	assert.is(new TextDecoder().decode(new Uint8Array(written)), 'config: é\nline 2\n');
	assert.ok(writes.every((fd) => fd === 1));
	assert.not.ok(streamUsed, 'the stream is not even created');
});

test('when the fd cannot take more (EAGAIN), the rest and every later write go to the stream, in order', () => {
	const direct: string[] = [];
	const streamed: (Uint8Array | string)[] = [];
	let calls = 0;
	const write = fdWriter(
		2,
		(_fd, bytes, offset) => {
			calls += 1;
			if (calls === 2) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable'), { code: 'EAGAIN' });
			const end = Math.min(bytes.length, offset + 4);
			direct.push(new TextDecoder().decode(bytes.subarray(offset, end)));
			return end - offset;
		},
		() => (chunk) => void streamed.push(chunk),
	);
	write('first line\n');
	write('second\n');
	assert.is(direct.join(''), 'firs');
	assert.is(text(streamed), 't line\nsecond\n');
	assert.is(calls, 2, 'no write on the fd after the stream took over');
});

test.run();
