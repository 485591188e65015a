// Debian packages for the image's distroless-style root fs, for amd64 and
// arm64, fetched at install time with apt (a private apt state, so the host's
// own apt configuration and dpkg architectures are left alone) into
// node_modules/.cache/nth-debs/<arch>/. `npm run image` is offline afterwards.
//
//   node scripts/debs.mjs            fetch what is missing
//   node scripts/debs.mjs --check    exit 1 unless every package is already here
//
// The package set mirrors distroless: glibc (base) and, for the Node
// executable, libgcc + libstdc++ ("cc"); tzdata, netbase and the Mozilla CA
// roots for both. Exact versions are whatever the configured Debian mirror
// serves; they are recorded in the image's SBOM (scripts/release.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './targets.mjs';

export const debsDir = join(root, 'node_modules', '.cache', 'nth-debs');

/** Packages per image base. */
export const basePackages = {
	glibc: ['libc6', 'netbase', 'tzdata', 'ca-certificates'],
	cc: ['libc6', 'libgcc-s1', 'gcc-12-base', 'libstdc++6', 'netbase', 'tzdata', 'ca-certificates'],
};

/** Our arch names → Debian's. */
export const debianArch = { x64: 'amd64', arm64: 'arm64' };

const allPackages = [...new Set(Object.values(basePackages).flat())];

/** The .deb file for a package in an arch's folder, or undefined. */
export function debFile(arch, name) {
	const dir = join(debsDir, debianArch[arch]);
	if (!existsSync(dir)) return undefined;
	const file = readdirSync(dir).find((entry) => entry.startsWith(`${name}_`) && entry.endsWith('.deb'));
	return file === undefined ? undefined : join(dir, file);
}

export function debsReady(arches = Object.keys(debianArch)) {
	return arches.every((arch) => allPackages.every((name) => debFile(arch, name) !== undefined));
}

function apt(arch, args, cwd) {
	const state = join(debsDir, `.apt-${debianArch[arch]}`);
	mkdirSync(join(state, 'lists', 'partial'), { recursive: true });
	mkdirSync(join(state, 'cache', 'archives', 'partial'), { recursive: true });
	const status = join(state, 'status');
	if (!existsSync(status)) writeFileSync(status, '');
	const options = [
		`Dir::State=${state}`,
		`Dir::State::Lists=${join(state, 'lists')}`,
		`Dir::State::status=${status}`,
		`Dir::Cache=${join(state, 'cache')}`,
		`APT::Architecture=${debianArch[arch]}`,
		`APT::Architectures=${debianArch[arch]}`,
		'Debug::NoLocking=1',
		// Downloads land in our own folder, which apt's _apt user cannot write.
		'APT::Sandbox::User=root',
	].flatMap((option) => ['-o', option]);
	const result = spawnSync('apt-get', ['-qq', ...options, ...args], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
	if (result.error) throw new Error(`Cannot run apt-get: ${result.error.message}`, { cause: result.error });
	if (result.status !== 0)
		throw new Error(`Cannot fetch Debian packages for ${arch}: "apt-get ${args.join(' ')}" exited with ${result.status}`);
}

export function ensureDebs({ arches = Object.keys(debianArch), log = (line) => process.stderr.write(`${line}\n`) } = {}) {
	for (const arch of arches) {
		const missing = allPackages.filter((name) => debFile(arch, name) === undefined);
		if (missing.length === 0) continue;
		const dir = join(debsDir, debianArch[arch]);
		mkdirSync(dir, { recursive: true });
		log(`debs: apt-get download (${debianArch[arch]}) ${missing.join(' ')}`);
		apt(arch, ['update'], dir);
		apt(arch, ['download', ...missing.map((name) => `${name}:${debianArch[arch]}`)], dir);
	}
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	if (process.argv.includes('--check')) process.exit(debsReady() ? 0 : 1);
	if (process.argv.includes('--clean')) rmSync(debsDir, { recursive: true, force: true });
	try {
		ensureDebs();
	} catch (error) {
		console.error(error instanceof Error ? error.message : String(error));
		process.exit(1);
	}
}
