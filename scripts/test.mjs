// The project's test command. Runs the unit tier (every src/**/*.test.ts and
// test/unit/**/*.test.ts in one uvu process) and/or the e2e tier (each
// test/e2e/*.test.ts in its own process against the real control plane that
// test/real/up.sh brings up), then prints one line "N passed, N failed" summing
// every suite. Exits non-zero on any failure, or when no test ran at all.
//
//   node scripts/test.mjs --all | --unit | --e2e   [--long]   [substring filters...]
//
// --long runs the long variants: 100,000 cases per property test
// (NTH_PROPERTY_RUNS, unless set), and NTH_LONG=1 for the e2e files that then
// run their long forms (5-minute IMDS outage, 30-minute soak); each e2e file
// may then take up to an hour.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const argv = process.argv.slice(2);
const tiers = argv.includes('--unit') ? ['unit'] : argv.includes('--e2e') ? ['e2e'] : ['unit', 'e2e'];
const filters = argv.filter((arg) => !arg.startsWith('--'));
const long = argv.includes('--long');
if (long) {
	process.env.NTH_PROPERTY_RUNS ??= '100000';
	process.env.NTH_LONG = '1';
}
const root = process.cwd();
const e2eFileTimeoutMs = Number(process.env.NTH_E2E_FILE_TIMEOUT_MS ?? (long ? 60 : 15) * 60_000);

function walk(dir, out = []) {
	for (const name of readdirSync(dir)) {
		if (name === 'node_modules' || name.startsWith('.')) continue;
		const path = join(dir, name);
		if (statSync(path).isDirectory()) walk(path, out);
		else if (name.endsWith('.test.ts')) out.push(relative(root, path));
	}
	return out;
}
function pick(files) {
	return files.sort().filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
}
function exists(dir) {
	try {
		return statSync(dir).isDirectory();
	} catch {
		return false;
	}
}

/** Runs a child, streams its output, and reads its closing "N passed, N failed" line. */
function runCounted(label, command, args, options = {}) {
	return new Promise((resolve) => {
		const started = Date.now();
		const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
		let tail = '';
		child.stdout.on('data', (chunk) => {
			process.stdout.write(chunk);
			tail = (tail + chunk.toString()).slice(-4000);
		});
		const timer = options.timeoutMs
			? setTimeout(() => {
					console.error(`\n${label}: timed out after ${options.timeoutMs} ms, killing it`);
					child.kill('SIGKILL');
				}, options.timeoutMs)
			: undefined;
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			const match = [...tail.matchAll(/^(\d+) passed, (\d+) failed/gm)].at(-1);
			const passed = match ? Number(match[1]) : 0;
			let failed = match ? Number(match[2]) : 0;
			// A crash or a non-zero exit with no failure counted still counts as one failure.
			if (code !== 0 && failed === 0) failed = 1;
			if (!match && code === 0) failed = 1;
			console.error(
				`${label}: ${passed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s${signal ? ` (${signal})` : ''}`,
			);
			resolve({ passed, failed });
		});
	});
}

let passed = 0;
let failed = 0;
const add = (result) => {
	passed += result.passed;
	failed += result.failed;
};

if (tiers.includes('unit')) {
	// The static checks gate like tests: each counts as one passed or failed test.
	// `npm run lint` is Biome (lint, and the format check once biome.json enables the formatter) plus scripts/lint.mjs.
	const checks = [
		['typecheck (tsc)', process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json']],
		['lint (npm run lint: biome check + house rules)', 'npm', ['run', '--silent', 'lint']],
	];
	for (const [label, command, args] of checks) {
		const started = Date.now();
		const check = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
		const ok = check.status === 0;
		if (!ok) process.stdout.write(`${check.stdout}${check.stderr}`);
		console.error(`${label}: ${ok ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		add({ passed: ok ? 1 : 0, failed: ok ? 0 : 1 });
	}

	const files = pick([...walk('src'), ...(exists('test/unit') ? walk('test/unit') : [])]);
	add(await runCounted('unit tier', process.execPath, ['scripts/uvu-run.mjs', ...files]));
}

if (tiers.includes('e2e')) {
	const files = pick(walk('test/e2e'));
	const started = Date.now();
	const build = spawnSync('bash', ['test/real/build.sh'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
	if (build.status !== 0) {
		console.error('Cannot run the e2e tier: test/real/build.sh failed');
		add({ passed: 0, failed: 1 });
	} else {
		console.error(`real control plane binaries ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		// e2e files find kubectl, helm and AEMM of the tested versions first on PATH, not whatever the machine has.
		const binDir = build.stdout.trim().split('\n').at(-1) ?? '';
		process.env.PATH = `${binDir}:${process.env.PATH ?? ''}`;
		const agent = spawnSync(process.execPath, ['scripts/build.mjs', '--for-tests'], { stdio: 'inherit' });
		if (agent.status !== 0) {
			console.error('Cannot run the e2e tier: the agent build failed');
			add({ passed: 0, failed: 1 });
		} else {
			const upStarted = Date.now();
			// NTH_REAL_WATCH_PID: the stack stops itself when this runner dies, even when killed without cleanup.
			const up = spawnSync('bash', ['test/real/up.sh'], {
				stdio: ['ignore', 'pipe', 'inherit'],
				encoding: 'utf8',
				env: { ...process.env, NTH_REAL_WATCH_PID: process.env.NTH_REAL_WATCH_PID ?? String(process.pid) },
			});
			const state = up.stdout.trim().split('\n').at(-1) ?? '';
			if (up.status !== 0 || !state) {
				console.error('Cannot run the e2e tier: test/real/up.sh failed');
				add({ passed: 0, failed: 1 });
			} else {
				console.error(`real control plane up in ${((Date.now() - upStarted) / 1000).toFixed(1)} s (state ${state})`);
				try {
					for (const file of files) {
						add(
							await runCounted(file, process.execPath, ['scripts/uvu-run.mjs', file], {
								env: { ...process.env, NTH_REAL_STATE: state },
								timeoutMs: e2eFileTimeoutMs,
							}),
						);
					}
				} finally {
					spawnSync('bash', ['test/real/down.sh', state], { stdio: 'inherit' });
				}
			}
		}
	}
}

if (passed + failed === 0) {
	console.error('Cannot pass the test run: no tests were found');
	failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
