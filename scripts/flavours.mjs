// The executables we build, and which one ships by default. Shared by
// build.mjs, measure-rss.mjs, image.mjs and release.mjs.
//
// Every flavour is made from the same esbuild bundle (dist/nth.mjs). The
// default is chosen by measurement (scripts/measure-rss.mjs; figures in
// README.md "Executables"), not by assumption: it must pass the whole e2e tier
// and use the least memory.

/** V8/Node flags baked into the Node SEA executable (each one measured; see README). */
export const nodeExecArgv = [
	'--max-old-space-size=32',
	'--max-semi-space-size=1',
	'--optimize-for-size',
	'--v8-pool-size=0',
	'--lite-mode',
];

/** Arguments baked into the Bun executable. */
export const bunExecArgv = ['--smol'];

/**
 * Environment the Bun executable runs with wherever it ships: the image
 * (Dockerfile.distroless ENV), the systemd unit, the e2e tier (recorded in
 * dist/build.json) and the benchmarks. JavaScriptCore reads these before any
 * JavaScript runs, so they cannot be set from inside the agent. Each one
 * measured (packaging/README.md); test/unit/packaging.test.ts checks that the
 * image and the unit carry every one.
 * - BUN_JSC_useJIT=0: JIT off, −10 MiB idle RSS (−5 anon), 2 threads fewer.
 * - BUN_GC_TIMER_DISABLE=1: no full collection from Bun's GC timer about once
 *   a second while idle (it collects whenever the heap changed, and every IMDS
 *   poll allocates); JavaScriptCore's allocation-driven collections remain.
 *   Idle 4.67 → 3.11 mc at the defaults, 2.22 → 1.33 mc at NTH's request mix,
 *   idle RSS +0.9 MiB (npm run bench:idle, 2026-12-04; README "Idle CPU").
 * - MIMALLOC_PURGE_DELAY=0: Bun's allocator (mimalloc 3) purges freed pages at
 *   once instead of 100 ms later. With the delay its `mi-scavenger` thread woke
 *   every 50 ms after each poll and took as much CPU as the main thread
 *   (1.8 of 4.4 mc, per-thread schedstat). Idle 3.89 -> 2.68 mc at the defaults,
 *   RSS 41.3 -> 41.1 MiB (`-1`, never purge: 2.79 mc but +1.4 MiB; 10000:
 *   3.56 mc) (npm run bench:idle, 2026-12-04; README "Idle CPU").
 */
export const bunRuntimeEnv = { BUN_JSC_useJIT: '0', BUN_GC_TIMER_DISABLE: '1', MIMALLOC_PURGE_DELAY: '0' };

/**
 * Environment the LLRT executable runs with (none needed so far; LLRT reads
 * LLRT_GC_THRESHOLD_MB, LLRT_NET_POOL_IDLE_TIMEOUT and friends at start-up).
 */
export const llrtRuntimeEnv = {};

/**
 * name → how it is made, what `nth --version` calls it, and the environment
 * it runs with as shipped. `file(arch)` is the file name under dist/.
 */
export const flavours = {
	bun: { stamp: 'bun', file: (arch) => `nth-bun-linux-${arch}`, runtime: 'bun', base: 'glibc', env: bunRuntimeEnv },
	node: { stamp: 'node-sea', file: (arch) => `nth-node-linux-${arch}`, runtime: 'node', base: 'cc', env: {} },
	pkg: { stamp: 'pkg-sea', file: (arch) => `nth-pkg-linux-${arch}`, runtime: 'node', base: 'cc', env: {} },
	// Opt-in (built only when asked: --flavour=llrt): LLRT is built from crates.io
	// by scripts/llrt.mjs (minutes, needs cargo) and only for the build machine's
	// architecture. Its gaps (no client certificates, no proxy, watches in short
	// windows, no signal handling): src/runtime/llrt.ts and packaging/README.md "LLRT".
	llrt: {
		stamp: 'llrt',
		file: (arch) => `nth-llrt-linux-${arch}`,
		runtime: 'llrt',
		base: 'glibc',
		env: llrtRuntimeEnv,
		optIn: true,
		arches: ['x64'],
	},
};

/**
 * The flavour `dist/nth` (and the image, the chart and the release) ship.
 * Measured (npm run measure:rss, wired agent, 60 s idle + one drain): bun
 * 49.6 MiB idle RSS / 57.1 drain peak (40.7 / 43.2 with bunRuntimeEnv, as
 * shipped); node (SEA, flags) 63.0 / 64.0; pkg 81.2 / 83.5.
 * See packaging/README.md.
 */
export const defaultFlavour = 'bun';

/** The other flavour the e2e tier smoke-tests. */
export const otherFlavour = 'node';

export const arches = ['x64', 'arm64'];
