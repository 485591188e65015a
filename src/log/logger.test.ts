import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { clip } from './clip.ts';
import { createLogger, memoryLogger } from './logger.ts';

const bounds = suite('logger bounds on external values');

const huge = 't'.repeat(10 * 1024 * 1024);

bounds('clips a 10 MB string field to 256 chars with its length (text)', () => {
	const log = memoryLogger();
	log.warn('Cannot parse', { time: huge });
	const line = log.lines[0] ?? '';
	assert.ok(line.length < 400, `line of ${line.length} chars`);
	assert.ok(line.includes(`time="${'t'.repeat(256)}… (10485760 chars)"`), line.slice(0, 400));
});

bounds('clips error messages and each cause, and nested strings, in JSON lines', () => {
	const lines: string[] = [];
	const log = createLogger({ json: true, stdout: (text) => lines.push(text), stderr: (text) => lines.push(text), now: () => new Date(0) });
	const error = new Error(`Cannot parse the spot interruption notice time "${huge}"`, { cause: new Error(huge) });
	log.error('Failed', { error, metadata: { instanceId: huge, list: Array.from({ length: 5000 }, (_, index) => index) } });
	const line = lines[0] ?? '';
	assert.ok(line.length < 2000, `line of ${line.length} chars`);
	const parsed = v.parse(
		v.object({ error: v.string(), metadata: v.object({ instanceId: v.string(), list: v.array(v.unknown()) }) }),
		JSON.parse(line),
	);
	assert.match(parsed.error, /^Cannot parse the spot interruption notice time "t+… \(10485\d+ chars\): t{256}… \(10485760 chars\)$/);
	assert.is(parsed.metadata.instanceId, clip(huge));
	assert.is(parsed.metadata.list.length, 101);
	assert.is(parsed.metadata.list.at(-1), '… (5000 items)');
});

bounds('clips a message quoting a value, more loosely than a field', () => {
	const log = memoryLogger();
	log.info(`Saw ${huge}`);
	const line = log.lines[0] ?? '';
	assert.ok(line.endsWith('… (10485764 chars)'), line.slice(-40));
	assert.ok(line.length < 1100);
});

bounds('leaves short values as they were', () => {
	const log = memoryLogger();
	log.info('Startup Metadata Retrieved', { instance_id: 'i-0123', n: 3 });
	assert.equal(log.lines, ['1970/01/01 00:00:00 INF Startup Metadata Retrieved instance_id=i-0123 n=3']);
});

bounds('clip() never splits a surrogate pair and keeps short text', () => {
	assert.is(clip('abc', 3), 'abc');
	assert.is(clip('abcd', 3), 'abc… (4 chars)');
	assert.is(clip('ab😀d', 3), 'ab… (5 chars)');
});

bounds.run();
