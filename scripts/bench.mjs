// `npm run bench`: every benchmark, one after the other, nth and upstream NTH
// v1.25.6 side by side in each (none of them is a test; nothing here passes or
// fails on a number). Each prints its tables — defaults (each as shipped) and
// equal settings — with nth/NTH ratios, and writes its JSON under bench/results/.
//
//   bench:drain     100 pods under PDBs, both agents as shipped executables, each as
//                   its own ServiceAccount: drain time, apiserver requests and 429s
//                   from the audit log, peak RSS; fast and slow replacements
//   bench:detect    notice → event → cordon, start → first poll, idle CPU and RSS
//   bench:idle      idle CPU per IMDS request (when bench/idle.ts exists)
//   bench:template  parse + execute of the default webhook template
//   bench:floor     each agent under a ladder of memory limits (needs root)
//   bench:fleet     a fifth of a kwok fleet interrupted at once (when bench/fleet.ts exists)
//
// From a fresh clone (after `npm ci`): the agent is built (scripts/build.mjs
// --for-tests) when dist/ is missing or from another commit; the real control
// plane's binaries by test/real/build.sh (each bench's up.sh runs it); upstream
// NTH from the Go module proxy by bench/upstream.ts (needs `go`).
//
//   node scripts/bench.mjs [--only=drain,detect,…] [--skip=floor,…] [--quick]
//
// --quick: small sizes for a smoke run (drain 20 pods, fast scenario; fleet 5 nodes / 100 pods; detect 5
// runs and a 1-minute idle window; floor --quick). BENCH_IDLE_MINUTES sets
// bench:detect's idle window (default 10 minutes).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const argv = process.argv.slice(2);
const option = (name) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const list = (text) =>
	(text ?? '')
		.split(',')
		.map((word) => word.trim())
		.filter((word) => word !== '');
const quick = argv.includes('--quick');
// The benchmarks are TypeScript run by Node 24's type stripping: use the project's Node (the npm
// package `node`, installed by `npm ci`) even when this script was started by an older system node.
const localNode = join(root, 'node_modules', '.bin', 'node');
const nodeBin = existsSync(localNode) ? localNode : process.execPath;
const only = list(option('only'));
const skip = list(option('skip'));

/** name, file, arguments (normal, --quick), why it cannot run here (or undefined). */
const benches = [
	['drain', 'drain.ts', [], ['--pods=20', '--scenarios=fast']],
	['detect', 'detect.ts', [], ['--runs=5', '--idle-minutes=1', '--warmup-seconds=5']],
	['idle', 'idle.ts', [], []],
	['template', 'template.ts', [], ['--runs=2000']],
	['floor', 'floor.ts', [], ['--quick']],
	['fleet', 'fleet.ts', [], ['--nodes=5', '--pods=100', '--fraction=0.4']],
];

function unavailable(name, file) {
	if (!existsSync(join(root, 'bench', file))) return `bench/${file} does not exist in this checkout`;
	if (name === 'floor' && process.getuid?.() !== 0)
		return 'it needs root (memory cgroups, losetup, mount); run `sudo npm run bench:floor` or pass --skip=floor';
	return undefined;
}

/** Builds the agent when dist/ is missing or was built from another commit. */
function ensureBuilt() {
	const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
	const manifest = join(root, 'dist', 'build.json');
	let builtFrom;
	try {
		builtFrom = JSON.parse(readFileSync(manifest, 'utf8')).commit;
	} catch {
		builtFrom = undefined;
	}
	if (builtFrom !== undefined && head !== '' && head.startsWith(builtFrom)) return;
	console.log(`bench: building the agent (dist/ ${builtFrom === undefined ? 'is missing' : `is from ${builtFrom}, HEAD is ${head}`})`);
	const result = spawnSync(nodeBin, [join(root, 'scripts', 'build.mjs'), '--for-tests'], { cwd: root, stdio: 'inherit' });
	if (result.status !== 0) {
		console.error('Cannot run the benchmarks: the agent build failed');
		process.exit(1);
	}
}

if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0)
	console.log('bench: no Go toolchain: upstream NTH cannot be built, the benchmarks run nth alone');
const selected = benches.filter(([name]) => (only.length === 0 || only.includes(name)) && !skip.includes(name));
if (selected.some(([name]) => name !== 'template')) ensureBuilt();

const started = Date.now();
const summary = [];
for (const [name, file, normal, small] of selected) {
	const why = unavailable(name, file);
	if (why !== undefined) {
		console.log(`\n==== bench:${name}: skipped: ${why}`);
		summary.push([name, `skipped (${why})`]);
		continue;
	}
	console.log(`\n==== bench:${name}`);
	const benchStarted = Date.now();
	const result = spawnSync(nodeBin, [join(root, 'bench', file), ...(quick ? small : normal)], { stdio: 'inherit', cwd: root });
	const seconds = ((Date.now() - benchStarted) / 1000).toFixed(0);
	console.log(`==== bench:${name}: exit ${result.status ?? result.signal} after ${seconds} s`);
	summary.push([name, result.status === 0 ? `ok, ${seconds} s` : `FAILED (exit ${result.status ?? result.signal}), ${seconds} s`]);
}

const resultsDir = join(root, 'bench', 'results');
const written = existsSync(resultsDir)
	? readdirSync(resultsDir)
			.filter((file) => file.endsWith('.json') && statSync(join(resultsDir, file)).mtimeMs >= started)
			.sort()
	: [];
console.log('\n==== summary');
for (const [name, outcome] of summary) console.log(`bench:${name.padEnd(9)} ${outcome}`);
console.log(written.length === 0 ? 'no JSON written under bench/results/' : `JSON under bench/results/: ${written.join(', ')}`);
process.exit(summary.some(([, outcome]) => outcome.startsWith('FAILED')) ? 1 : 0);
