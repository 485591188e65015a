// `npm run bench`: every benchmark, one after the other, each printing its own
// numbers and ratios (none of them is a test; nothing here passes or fails on
// a number). Arguments after `--` go to every benchmark; BENCH_IDLE_MINUTES
// shortens bench:detect's idle window (default 10 minutes).
//
//   bench:drain   100 pods under PDBs: wall time, apiserver requests per pod, peak RSS
//   bench:detect  notice → event → cordon, start → first poll, idle CPU and RSS
//   bench:template  parse + execute of the default webhook template
//   bench:floor   each agent under a ladder of memory limits at two read-aheads: its floor
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const benches = [
	['bench:drain', join(root, 'bench', 'drain.ts')],
	['bench:detect', join(root, 'bench', 'detect.ts')],
	['bench:template', join(root, 'bench', 'template.ts')],
	['bench:floor', join(root, 'bench', 'floor.ts')],
];
let failed = 0;
for (const [name, file] of benches) {
	console.log(`\n==== ${name}`);
	const started = Date.now();
	const result = spawnSync(process.execPath, [file, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
	console.log(`==== ${name}: exit ${result.status ?? result.signal} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
	if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
