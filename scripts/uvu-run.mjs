// Runs uvu test files in this process and ends with the line "N passed, N failed",
// which uvu itself does not print. Usage: node scripts/uvu-run.mjs FILE...
// Files are TypeScript, loaded through Node 24's built-in type stripping.
import { resolve } from 'node:path';

const files = process.argv.slice(2).map((file) => resolve(file));
if (files.length === 0) {
	console.log('0 passed, 0 failed');
	console.error('Cannot run tests: no test files given');
	process.exit(1);
}

// uvu reports only through its summary text, so read the numbers back from it.
let summary = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
	summary = (summary + String(chunk)).slice(-2000);
	return write(chunk, ...rest);
};

const { run } = await import('uvu/run');
await run(files.map((file) => ({ file, name: file.slice(process.cwd().length + 1) })));

process.stdout.write = write;
const plain = summary.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
// uvu's "Total" counts the tests it ran; skipped ones are counted apart.
const failed = Math.max(0, total - passed);
if (failed > 0 || total === 0) process.exitCode = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
// Every suite has run and its hooks are done. Something still holding the event loop (a sampler a
// failed test never stopped) must not keep this process, and with it CI, waiting: leave after 5 s.
setTimeout(() => {
	console.error(`uvu-run: the event loop was still busy 5 s after the summary (a timer or socket a test left open); exiting`);
	process.exit();
}, 5000).unref();
