import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { procResourceUsage } from './llrt.ts';

const usage = suite('procResourceUsage()');

usage('reads RSS pages from statm and utime + stime ticks from stat (a command name with spaces and parentheses)', () => {
	const files: Record<string, string> = {
		'/proc/self/statm': '4567 3000 1200 100 0 800 0\n',
		'/proc/self/stat': '42 (nth (a b)) S 1 42 42 0 -1 4194560 900 0 0 0 150 25 0 0 20 0 3 0 100 18000000 3000 18446744073709551615\n',
	};
	const result = procResourceUsage((path) => files[path] ?? '');
	assert.is(result.rssBytes, 3000 * 4096);
	assert.is(result.cpuSeconds, 1.75);
});

usage('gives zeros instead of failing when /proc cannot be read', () => {
	const result = procResourceUsage(() => {
		throw new Error('ENOENT');
	});
	assert.equal(result, { rssBytes: 0, heapUsedBytes: 0, cpuSeconds: 0 });
});

usage.run();
