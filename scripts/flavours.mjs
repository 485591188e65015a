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
 * name → how it is made and what `nth --version` calls it.
 * `file(arch)` is the file name under dist/.
 */
export const flavours = {
	bun: { stamp: 'bun', file: (arch) => `nth-bun-linux-${arch}`, runtime: 'bun', base: 'glibc' },
	node: { stamp: 'node-sea', file: (arch) => `nth-node-linux-${arch}`, runtime: 'node', base: 'cc' },
	pkg: { stamp: 'pkg-sea', file: (arch) => `nth-pkg-linux-${arch}`, runtime: 'node', base: 'cc' },
};

/**
 * The flavour `dist/nth` (and the image, the chart and the release) ship.
 * Measured (npm run measure:rss, wired agent, 60 s idle + one drain): bun
 * 63.5 MiB idle RSS / 67.8 drain peak (53.5 / 55.6 with BUN_JSC_useJIT=0, as
 * the image and unit run it); node (SEA, flags) 88.1 / 87.8; pkg 103.3 / 105.7.
 * See packaging/README.md.
 */
export const defaultFlavour = 'bun';

/** The other flavour the e2e tier smoke-tests. */
export const otherFlavour = 'node';

export const arches = ['x64', 'arm64'];
