// Builds the nth image offline, without a Docker engine or registry: an OCI
// archive holding a linux/amd64 + linux/arm64 index.
//
// The same image as Dockerfile.distroless: that file is built by buildah with
// BASE pointing at a distroless-equivalent base assembled here from the same
// Debian packages distroless uses (scripts/debs.mjs: glibc; + libgcc/libstdc++
// for the Node executable; tzdata, netbase, Mozilla CA roots, a nonroot user).
//
//   node scripts/image.mjs [--flavour=bun|node|pkg] [--arch=x64,arm64] [--out=FILE] [--offline]
//
// Default flavour: scripts/flavours.mjs. Output: dist/nth-image.oci.tar
// (tag nth:<version>) and dist/nth-image.json (digests, base packages).
// Needs buildah (apt: buildah; storage: vfs, isolation: chroot, run as root).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	chownSync,
	chmodSync,
	existsSync,
	linkSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basePackages, debFile, debianArch, ensureDebs, debsReady } from './debs.mjs';
import { arches as allArches, defaultFlavour, flavours } from './flavours.mjs';
import { root } from './targets.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const flavour = option('flavour', defaultFlavour);
const arches = option('arch', allArches.join(',')).split(',');
const offline = argv.includes('--offline');
const out = option('out', join(root, 'dist', 'nth-image.oci.tar'));
const quiet = argv.includes('--quiet');
const log = (line) => {
	if (!quiet) process.stderr.write(`${line}\n`);
};

if (!(flavour in flavours))
	throw new Error(`Cannot build an image of flavour "${flavour}": known flavours are ${Object.keys(flavours).join(', ')}`);

function run(command, args, options = {}) {
	const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
	if (result.error) throw new Error(`Cannot run "${command}": ${result.error.message}`, { cause: result.error });
	if (result.status !== 0) {
		throw new Error(
			`Cannot build the image: "${command} ${args.join(' ')}" exited with ${result.status}: ${(result.stderr ?? '').trim().split('\n').slice(-6).join(' | ')}`,
		);
	}
	return (result.stdout ?? '').trim();
}

const manifest = () => JSON.parse(readFileSync(join(root, 'dist', 'build.json'), 'utf8'));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const gitEpoch = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' }).stdout.trim();
/** Fixed timestamps make the layers reproducible for a given commit. */
const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? (gitEpoch || 0));

/** Extracts the Debian packages into a distroless-shaped root fs. */
function assembleRootfs(arch, dir) {
	const packages = basePackages[flavours[flavour].base];
	const versions = {};
	for (const name of packages) {
		const file = debFile(arch, name);
		if (file === undefined)
			throw new Error(`Cannot assemble the ${arch} root fs: package "${name}" is missing (run "node scripts/debs.mjs")`);
		run('dpkg-deb', ['-x', file, dir]);
		versions[name] = run('dpkg-deb', ['-f', file, 'Version']);
	}
	// Docs, manuals and locales are dead weight in an image that runs one file.
	for (const path of [
		'usr/share/doc',
		'usr/share/man',
		'usr/share/info',
		'usr/share/lintian',
		'usr/share/locale',
		'usr/share/bug',
		'usr/sbin',
		'usr/bin',
		'sbin',
		'bin',
	]) {
		rmSync(join(dir, path), { recursive: true, force: true });
	}
	// What update-ca-certificates would write: every Mozilla root in one bundle.
	const mozilla = join(dir, 'usr', 'share', 'ca-certificates', 'mozilla');
	const bundle = readdirSync(mozilla)
		.sort()
		.map((name) => readFileSync(join(mozilla, name), 'utf8').trimEnd())
		.join('\n');
	mkdirSync(join(dir, 'etc', 'ssl', 'certs'), { recursive: true });
	writeFileSync(join(dir, 'etc', 'ssl', 'certs', 'ca-certificates.crt'), `${bundle}\n`);
	writeFileSync(
		join(dir, 'etc', 'passwd'),
		'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
	);
	writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n');
	writeFileSync(join(dir, 'etc', 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
	mkdirSync(join(dir, 'tmp'), { recursive: true });
	chmodSync(join(dir, 'tmp'), 0o1777);
	mkdirSync(join(dir, 'home', 'nonroot'), { recursive: true });
	chownSync(join(dir, 'home', 'nonroot'), 65532, 65532);
	mkdirSync(join(dir, 'root'), { recursive: true });
	chmodSync(join(dir, 'root'), 0o700);
	return versions;
}

function main() {
	const started = Date.now();
	// The executables (idempotent; offline once the targets are fetched).
	const build = spawnSync(
		process.execPath,
		[
			join(root, 'scripts', 'build.mjs'),
			`--flavour=${flavour}`,
			`--arch=${arches.join(',')}`,
			'--quiet',
			...(offline ? ['--offline'] : []),
		],
		{ stdio: 'inherit' },
	);
	if (build.status !== 0) throw new Error('Cannot build the image: the executables did not build');
	if (!debsReady(arches)) {
		if (offline) throw new Error('Cannot build the image offline: Debian packages are missing; run "node scripts/debs.mjs" while online');
		ensureDebs({ arches, log });
	}
	const built = manifest();
	// Same executables, packages, Dockerfile and script as the archive on disk: nothing to do.
	const key = createHash('sha256')
		.update(
			JSON.stringify({
				flavour,
				arches,
				epoch,
				version,
				commit: built.commit,
				executables: arches.map((arch) => built.executables[flavours[flavour].file(arch)]?.sha256),
				debs: arches.flatMap((arch) => basePackages[flavours[flavour].base].map((name) => debFile(arch, name))),
				dockerfile: readFileSync(join(root, 'Dockerfile.distroless'), 'utf8'),
				script: readFileSync(new URL(import.meta.url), 'utf8'),
			}),
		)
		.digest('hex');
	const infoPath = join(root, 'dist', 'nth-image.json');
	if (existsSync(out) && existsSync(infoPath) && JSON.parse(readFileSync(infoPath, 'utf8')).key === key) {
		log(`image: ${out.replace(`${root}/`, '')} is up to date`);
		return;
	}
	const work = mkdtempSync(join(tmpdir(), 'nth-image-'));
	const storage = ['--root', join(work, 'storage'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs'];
	const buildah = (args) => run('buildah', [...storage, ...args]);
	const tag = `localhost/nth:${version}`;
	const images = {};
	try {
		// A minimal build context: the executables only, under the paths Dockerfile.distroless copies from.
		const context = join(work, 'context');
		mkdirSync(join(context, 'dist', 'docker'), { recursive: true });
		for (const arch of arches) {
			const file = flavours[flavour].file(arch);
			const linkName = `nth-${flavour}-linux-${debianArch[arch]}`;
			linkSync(join(root, 'dist', file), join(context, 'dist', 'docker', linkName));
		}
		buildah(['manifest', 'create', tag]);
		for (const arch of arches) {
			const t0 = Date.now();
			const darch = debianArch[arch];
			const rootfs = join(work, `rootfs-${darch}`);
			mkdirSync(rootfs);
			const packages = assembleRootfs(arch, rootfs);
			const baseTar = join(work, `base-${darch}.tar`);
			run('tar', ['--sort=name', '--numeric-owner', `--mtime=@${epoch}`, '--clamp-mtime', '-C', rootfs, '-cf', baseTar, '.']);
			const baseTag = `localhost/nth-base:${darch}`;
			const container = buildah(['from', '--arch', darch, '--os', 'linux', 'scratch']);
			buildah(['add', container, baseTar, '/']);
			buildah([
				'config',
				'--arch',
				darch,
				'--os',
				'linux',
				'--user',
				'65532:65532',
				'--workingdir',
				'/',
				'--env',
				'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
				container,
			]);
			buildah(['commit', '--timestamp', String(epoch), '--rm', container, baseTag]);
			const imageTag = `${tag}-${darch}`;
			buildah([
				'bud',
				'--isolation',
				'chroot',
				'--pull-never',
				'--arch',
				darch,
				'--os',
				'linux',
				'--timestamp',
				String(epoch),
				'--build-arg',
				`BASE=${baseTag}`,
				'--build-arg',
				`FLAVOUR=${flavour}`,
				'--build-arg',
				`TARGETARCH=${darch}`,
				'--label',
				`org.opencontainers.image.title=nth`,
				'--label',
				`org.opencontainers.image.version=${version}`,
				'--label',
				`org.opencontainers.image.revision=${built.commit}`,
				'--label',
				`org.opencontainers.image.licenses=Apache-2.0`,
				'--label',
				`dev.nth.flavour=${flavour}`,
				'-f',
				join(root, 'Dockerfile.distroless'),
				'-t',
				imageTag,
				context,
			]);
			buildah(['manifest', 'add', '--arch', darch, '--os', 'linux', tag, imageTag]);
			const inspect = JSON.parse(buildah(['inspect', '--type', 'image', imageTag]));
			images[darch] = { tag: imageTag, id: inspect.FromImageID, basePackages: packages, executable: flavours[flavour].file(arch) };
			log(`image: linux/${darch} built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
		}
		const tmpOut = `${out}.tmp-${process.pid}`;
		rmSync(tmpOut, { force: true });
		buildah(['manifest', 'push', '--all', '--format', 'oci', tag, `oci-archive:${tmpOut}:nth:${version}`]);
		renameSync(tmpOut, out);
	} finally {
		// vfs layers are plain directories; buildah's own rm keeps nothing mounted.
		spawnSync('buildah', [...storage, 'rm', '--all'], { stdio: 'ignore' });
		rmSync(work, { recursive: true, force: true });
	}
	const size = statSync(out).size;
	const sha256 = createHash('sha256').update(readFileSync(out)).digest('hex');
	const info = { file: out.replace(`${root}/`, ''), tag: `nth:${version}`, flavour, size, sha256, epoch, key, images };
	writeFileSync(infoPath, `${JSON.stringify(info, null, 2)}\n`);
	log(
		`image: ${info.file} ${(size / 1e6).toFixed(1)} MB (${arches.map((arch) => `linux/${debianArch[arch]}`).join(' + ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
	);
}

try {
	if (!existsSync(join(root, 'Dockerfile.distroless'))) throw new Error('Cannot build the image: Dockerfile.distroless is missing');
	main();
} catch (error) {
	console.error(error instanceof Error ? error.message : String(error));
	process.exit(1);
}
