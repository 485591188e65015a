// The air-gapped release: one tarball with everything needed to install nth
// without network access, checksummed, with an SBOM.
//
//   node scripts/release.mjs [--offline] [--out=DIR]
//
// dist/release/nth-<version>-linux.tar.gz:
//   nth-<version>/
//     INSTALL.md                     air-gapped install using only these files
//     SHA256SUMS                     sha256sum -c SHA256SUMS
//     sbom.cdx.json                  CycloneDX 1.5: npm dependency tree, runtimes, image base packages
//     bin/nth-<flavour>-linux-<arch> both executables (default and other flavour), x64 + arm64
//     bin/DEFAULT_FLAVOUR
//     image/nth-image.oci.tar        OCI index, linux/amd64 + linux/arm64
//     manifests/                     kustomize base + components
//     charts/nth/, charts/nth-<version>.tgz
//     systemd/nth.service, systemd/nth.env, install.sh
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { arches, defaultFlavour, flavours, otherFlavour } from './flavours.mjs';
import { root } from './targets.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const offline = argv.includes('--offline');
const outDir = option('out', join(root, 'dist', 'release'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = pkg.version;
const name = `nth-${version}`;

function run(command, args, options = {}) {
	const result = spawnSync(command, args, { stdio: 'inherit', ...options });
	if (result.status !== 0) throw new Error(`Cannot make the release: "${command} ${args.join(' ')}" exited with ${result.status}`);
	return result;
}

function sha256File(path) {
	return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function walk(dir, out = []) {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) walk(path, out);
		else out.push(path);
	}
	return out;
}

/** Hardlink when possible (same file system): the executables are ~100 MB each. */
function place(src, dest) {
	mkdirSync(join(dest, '..'), { recursive: true });
	try {
		linkSync(src, dest);
	} catch {
		cpSync(src, dest);
	}
}

function purlOf(packageName, packageVersion) {
	const encoded = packageName.startsWith('@') ? `%40${packageName.slice(1)}` : packageName;
	return `pkg:npm/${encoded}@${packageVersion}`;
}

/** npm's sha512 integrity (base64) as CycloneDX wants it (hex). */
function hashesOf(integrity) {
	if (typeof integrity !== 'string' || !integrity.startsWith('sha512-')) return [];
	return [{ alg: 'SHA-512', content: Buffer.from(integrity.slice(7), 'base64').toString('hex') }];
}

/** CycloneDX 1.5 of what ships: production npm tree (marking what the bundle really contains), runtimes, base packages. */
function sbom(build, image) {
	const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
	const meta = JSON.parse(readFileSync(join(root, 'dist', 'nth.meta.json'), 'utf8'));
	const bundled = new Set();
	for (const input of Object.keys(meta.inputs)) {
		const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
		if (match) bundled.add(match[1]);
	}
	const components = [];
	const dependencies = [];
	const refOf = (path, entry) => purlOf(path.replace(/^.*node_modules\//, ''), entry.version);
	const production = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev !== true);
	const byPath = new Map(production);
	for (const [path, entry] of production) {
		const packageName = path.replace(/^.*node_modules\//, '');
		let license;
		try {
			license = JSON.parse(readFileSync(join(root, path, 'package.json'), 'utf8')).license;
		} catch {
			license = entry.license; // not installed (optional for another platform): the lock's own field
		}
		components.push({
			type: 'library',
			'bom-ref': refOf(path, entry),
			name: packageName,
			version: entry.version,
			purl: purlOf(packageName, entry.version),
			...(hashesOf(entry.integrity).length > 0 ? { hashes: hashesOf(entry.integrity) } : {}),
			...(typeof license === 'string' ? { licenses: [{ expression: license }] } : {}),
			properties: [{ name: 'nth:bundled', value: String(bundled.has(packageName)) }],
		});
		const deps = Object.keys(entry.dependencies ?? {})
			.map((dep) => {
				// npm resolves a dependency from the nearest node_modules upwards.
				let dir = path;
				while (true) {
					const candidate = `${dir}/node_modules/${dep}`;
					if (byPath.has(candidate)) return refOf(candidate, byPath.get(candidate));
					const up = dir.lastIndexOf('/node_modules/');
					if (up < 0) break;
					dir = dir.slice(0, up);
				}
				const top = `node_modules/${dep}`;
				return byPath.has(top) ? refOf(top, byPath.get(top)) : undefined;
			})
			.filter(Boolean);
		dependencies.push({ ref: refOf(path, entry), dependsOn: deps });
	}
	const rootRef = `pkg:npm/nth@${version}`;
	dependencies.push({
		ref: rootRef,
		dependsOn: Object.keys(pkg.dependencies).map((dep) => refOf(`node_modules/${dep}`, byPath.get(`node_modules/${dep}`))),
	});
	components.push({
		type: 'platform',
		'bom-ref': `pkg:generic/node@${build.nodeVersion}`,
		name: 'node',
		version: build.nodeVersion,
		description: 'Node.js runtime inside the node-sea executables',
	});
	const bunVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'bun', 'package.json'), 'utf8')).version;
	components.push({
		type: 'platform',
		'bom-ref': `pkg:generic/bun@${bunVersion}`,
		name: 'bun',
		version: bunVersion,
		description: 'Bun runtime inside the bun executables',
	});
	for (const [darch, info] of Object.entries(image.images)) {
		for (const [debName, debVersion] of Object.entries(info.basePackages)) {
			components.push({
				type: 'library',
				'bom-ref': `pkg:deb/debian/${debName}@${debVersion}?arch=${darch}`,
				name: debName,
				version: debVersion,
				purl: `pkg:deb/debian/${debName}@${encodeURIComponent(debVersion)}?arch=${darch}&distro=debian-12`,
				properties: [{ name: 'nth:image-base', value: `linux/${darch}` }],
			});
		}
	}
	return {
		bomFormat: 'CycloneDX',
		specVersion: '1.5',
		serialNumber: `urn:uuid:${createHash('sha256')
			.update(`${version}-${build.commit}`)
			.digest('hex')
			.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5')}`,
		version: 1,
		metadata: {
			timestamp: new Date(Number(image.epoch) * 1000).toISOString(),
			component: {
				type: 'application',
				'bom-ref': rootRef,
				name: 'nth',
				version,
				purl: rootRef,
				licenses: [{ expression: pkg.license }],
				properties: [{ name: 'nth:commit', value: build.commit }],
			},
			tools: { components: [{ type: 'application', name: 'nth scripts/release.mjs', version }] },
		},
		components,
		dependencies,
	};
}

function main() {
	const started = Date.now();
	const wanted = [defaultFlavour, otherFlavour];
	const offlineFlag = offline ? ['--offline'] : [];
	run(process.execPath, [
		join(root, 'scripts', 'build.mjs'),
		`--flavour=${wanted.join(',')}`,
		`--arch=${arches.join(',')}`,
		'--quiet',
		...offlineFlag,
	]);
	run(process.execPath, [join(root, 'scripts', 'image.mjs'), '--quiet', ...offlineFlag]);
	const build = JSON.parse(readFileSync(join(root, 'dist', 'build.json'), 'utf8'));
	const image = JSON.parse(readFileSync(join(root, 'dist', 'nth-image.json'), 'utf8'));

	const stage = join(outDir, name);
	rmSync(stage, { recursive: true, force: true });
	mkdirSync(stage, { recursive: true });
	for (const flavour of wanted) {
		for (const arch of arches) {
			const file = flavours[flavour].file(arch);
			place(join(root, 'dist', file), join(stage, 'bin', file));
		}
	}
	writeFileSync(join(stage, 'bin', 'DEFAULT_FLAVOUR'), `${defaultFlavour}\n`);
	place(join(root, 'dist', 'nth-image.oci.tar'), join(stage, 'image', 'nth-image.oci.tar'));
	cpSync(join(root, 'manifests'), join(stage, 'manifests'), { recursive: true });
	cpSync(join(root, 'charts', 'nth'), join(stage, 'charts', 'nth'), { recursive: true });
	run('tar', [
		'--sort=name',
		'--owner=0',
		'--group=0',
		'--numeric-owner',
		`--mtime=@${image.epoch}`,
		'-czf',
		join(stage, 'charts', `nth-${version}.tgz`),
		'-C',
		join(root, 'charts'),
		'nth',
	]);
	cpSync(join(root, 'packaging', 'systemd'), join(stage, 'systemd'), { recursive: true });
	cpSync(join(root, 'packaging', 'install.sh'), join(stage, 'install.sh'));
	cpSync(join(root, 'packaging', 'air-gapped.md'), join(stage, 'INSTALL.md'));
	writeFileSync(join(stage, 'sbom.cdx.json'), `${JSON.stringify(sbom(build, image), null, 2)}\n`);

	const files = walk(stage)
		.filter((path) => !path.endsWith('SHA256SUMS'))
		.sort();
	const sums = files.map((path) => `${sha256File(path)}  ${relative(stage, path)}`).join('\n');
	writeFileSync(join(stage, 'SHA256SUMS'), `${sums}\n`);

	const tarball = join(outDir, `${name}-linux.tar.gz`);
	run('tar', [
		'--sort=name',
		'--owner=0',
		'--group=0',
		'--numeric-owner',
		`--mtime=@${image.epoch}`,
		'-czf',
		`${tarball}.tmp`,
		'-C',
		outDir,
		name,
	]);
	run('mv', ['-f', `${tarball}.tmp`, tarball]);
	writeFileSync(`${tarball}.sha256`, `${sha256File(tarball)}  ${name}-linux.tar.gz\n`);
	const rawBytes = files.reduce((sum, path) => sum + statSync(path).size, 0);
	console.error(
		`release: ${relative(root, tarball)} ${(statSync(tarball).size / 1e6).toFixed(1)} MB (${(rawBytes / 1e6).toFixed(1)} MB unpacked, ${files.length + 1} files) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
	);
	rmSync(stage, { recursive: true, force: true });
}

try {
	if (!existsSync(join(root, 'packaging', 'air-gapped.md'))) throw new Error('Cannot make the release: packaging/air-gapped.md is missing');
	main();
} catch (error) {
	console.error(error instanceof Error ? error.message : String(error));
	process.exit(1);
}
