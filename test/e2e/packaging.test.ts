// Packaging end to end, with the real tools and the real control plane: the
// executables (from an empty directory and environment, and rebuilt from a
// fresh clone with no network), Deno, the OCI image run as uid 65532 on a
// read-only root, the manifests and the Helm chart applied to the real
// apiserver with the ServiceAccount's real permissions checked, the systemd unit
// verified, and the air-gapped release unpacked and checked against its sums.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- packaging`)
// and the apt packages in scripts/apt-packages.txt.
//
// The image itself, read-only as uid 65532 with the DaemonSet ServiceAccount's
// token, drains a node on an AEMM spot notice (last suite).
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
	chmodSync,
	copyFileSync,
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	readFileSync,
	readSync,
	closeSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import {
	type RealCluster,
	connect,
	createNode,
	createServiceAccountToken,
	deleteNode,
	kubeconfigForToken,
	waitFor,
} from '../real/harness.ts';
import { realBinDir } from '../real/state.ts';
import { featurePermissions, type Permission } from '../../src/kube/permissions.ts';
import { startAemm } from '../real/aemm.ts';
import { shippedEnv, startAgent } from './agent-process.ts';
import { agentKubeconfig, createScenario, deleteScenario, livePodsOnNode, type Scenario, waitForNode } from './scenarios-kit.ts';
// @ts-expect-error: plain ESM script without type declarations
import { defaultFlavour, flavours, otherFlavour } from '../../scripts/flavours.mjs';

const root = join(import.meta.dirname, '..', '..');
const node24 = process.execPath;
const version = v.parse(v.object({ version: v.string() }), JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))).version;
const FlavourSchema = v.object({ stamp: v.string(), runtime: v.string(), file: v.function(), env: v.record(v.string(), v.string()) });
const shipped = v.parse(FlavourSchema, flavours[defaultFlavour]);
const other = v.parse(FlavourSchema, flavours[otherFlavour]);
const fileOf = (flavour: v.InferOutput<typeof FlavourSchema>, arch: string): string => String(flavour.file(arch));
const defaultBin = process.env['NTH_BIN'] ?? join(root, 'dist', 'nth');
const scratch = mkdtempSync(join(tmpdir(), 'nth-packaging-'));

function run(
	command: string,
	args: readonly string[],
	options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
	return spawnSync(command, args, {
		cwd: options.cwd ?? root,
		env: options.env ?? process.env,
		input: options.input,
		encoding: 'utf8',
		timeout: options.timeoutMs ?? 120_000,
		maxBuffer: 64 * 1024 * 1024,
	});
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
	assert.is(
		result.status,
		0,
		`${what} exited with ${result.status}${result.error ? ` (${result.error.message})` : ''}:\n${result.stderr.slice(-2000)}${result.stdout.slice(-1000)}`,
	);
	return result.stdout;
}

function gitHead(dir: string): string {
	return ok(run('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir }), 'git rev-parse').trim();
}

/** ELF e_machine: 62 = x86-64, 183 = AArch64. */
function elfMachine(path: string): number {
	const fd = openSync(path, 'r');
	try {
		const header = Buffer.alloc(20);
		readSync(fd, header, 0, 20, 0);
		assert.equal([...header.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${path} is not ELF`);
		return header.readUInt16LE(18);
	} finally {
		closeSync(fd);
	}
}

function versionLine(flavour: v.InferOutput<typeof FlavourSchema>, commit = '[0-9a-f]{7,}'): RegExp {
	return new RegExp(
		`^nth ${version.replaceAll('.', '\\.')} \\(commit ${commit}, ${flavour.stamp}, ${flavour.runtime} \\d+\\.\\d+\\.\\d+\\)\\n$`,
	);
}

/**
 * The version line of `bin`, checked against `flavour`, with a commit that exists
 * in this repository (others commit while the tier runs, so HEAD may have moved
 * on since the build).
 */
function checkVersion(
	bin: string,
	flavour: v.InferOutput<typeof FlavourSchema>,
	options: { cwd?: string; prefix?: readonly string[] } = {},
): void {
	const command = options.prefix?.[0] ?? bin;
	const args = options.prefix ? [...options.prefix.slice(1), bin, '--version'] : ['--version'];
	const out = ok(run(command, args, { env: {}, ...(options.cwd ? { cwd: options.cwd } : {}) }), `${bin} --version`);
	assert.match(out, versionLine(flavour));
	const commit = /\(commit ([0-9a-f]+),/.exec(out)?.[1] ?? '';
	ok(run('git', ['cat-file', '-e', `${commit}^{commit}`]), `commit ${commit} of ${bin} exists`);
}

// ---------------------------------------------------------------- executables

const executables = suite('executables');

executables('the default executable runs from an empty directory with an empty environment', () => {
	const empty = mkdtempSync(join(scratch, 'empty-'));
	checkVersion(defaultBin, shipped, { cwd: empty });
	const help = ok(run(defaultBin, ['--help'], { cwd: empty, env: {} }), 'nth --help');
	for (const flag of ['--node-name', '--enable-spot-interruption-draining', '--node-termination-grace-period', '--webhook-url'])
		assert.ok(help.includes(flag), `--help lacks ${flag}`);
	const usage = run(defaultBin, ['--no-such-setting'], { cwd: empty, env: {} });
	assert.is(usage.status, 2, 'an unknown option is a usage error');
});

executables('the other flavour runs the same CLI (smoke)', () => {
	const bin = join(root, 'dist', fileOf(other, 'x64'));
	const empty = mkdtempSync(join(scratch, 'empty-'));
	checkVersion(bin, other, { cwd: empty });
	assert.ok(ok(run(bin, ['--help'], { cwd: empty, env: {} }), 'other --help').includes('--node-name'));
});

executables('a fresh clone builds both executables for x64 and arm64 with no network', () => {
	const clone = join(scratch, 'clone');
	ok(run('git', ['clone', '--quiet', root, clone]), 'git clone');
	symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
	// A new network namespace has no interface but a down loopback: nothing can be fetched.
	const build = run(
		'unshare',
		['--net', '--', node24, 'scripts/build.mjs', '--offline', '--quiet', `--flavour=${defaultFlavour},${otherFlavour}`, '--arch=x64,arm64'],
		{ cwd: clone, timeoutMs: 300_000 },
	);
	ok(build, 'offline build in a fresh clone');
	const head = gitHead(clone);
	for (const flavour of [shipped, other]) {
		const x64 = join(clone, 'dist', fileOf(flavour, 'x64'));
		const arm64 = join(clone, 'dist', fileOf(flavour, 'arm64'));
		assert.is(elfMachine(x64), 62);
		assert.is(elfMachine(arm64), 183);
		assert.match(ok(run(x64, ['--version'], { env: {} }), `${x64} --version`), versionLine(flavour, head));
		// What the e2e tier, the demo and the benchmarks run each executable with (agent-process.ts shippedEnv).
		assert.equal(shippedEnv(x64), flavour.env, `${x64}: its shipped env in dist/build.json`);
	}
	assert.equal(
		shippedEnv(join(clone, 'dist', 'nth')),
		shippedEnv(join(clone, 'dist', fileOf(shipped, 'x64'))),
		'dist/nth runs as the default flavour',
	);
	assert.ok(existsSync(join(clone, 'dist', 'nth.mjs')));
});

executables('every runtime verifies the apiserver certificate: right CA works, no CA or a wrong CA fails', () => {
	const cluster = connect();
	const wrong = join(scratch, 'wrong-ca');
	mkdirSync(wrong);
	ok(
		run('openssl', [
			'req',
			'-x509',
			'-newkey',
			'ec',
			'-pkeyopt',
			'ec_paramgen_curve:prime256v1',
			'-nodes',
			'-days',
			'1',
			'-subj',
			'/CN=wrong',
			'-keyout',
			join(wrong, 'ca.key'),
			'-out',
			join(wrong, 'ca.crt'),
		]),
		'openssl',
	);
	const probe = join(root, 'test', 'e2e', 'fixtures', 'tls-probe.ts');
	const args = [probe, cluster.state.apiserverUrl, cluster.state.caFile, join(wrong, 'ca.crt'), cluster.state.adminToken];
	const ProbeSchema = v.object({ runtime: v.string(), results: v.record(v.string(), v.union([v.number(), v.string()])) });
	for (const [name, command] of [
		['node', [node24]],
		['bun', [join(root, 'node_modules', 'bun', 'bin', 'bun.exe')]],
		['deno', [join(root, 'node_modules', '.bin', 'deno'), 'run', '-A']],
	] as const) {
		const out = v.parse(ProbeSchema, JSON.parse(ok(run(command[0], [...command.slice(1), ...args]), `${name} tls-probe`)));
		assert.is(out.runtime, name);
		assert.is(out.results['rightCa'], 200, `${name}: the cluster CA is trusted`);
		assert.match(String(out.results['noCa']), /^error/, `${name}: system roots must not trust the cluster`);
		assert.match(String(out.results['wrongCa']), /^error/, `${name}: a wrong CA must fail`);
		assert.is(out.results['insecure'], 200, `${name}: insecure-skip-tls-verify`);
	}
});

executables('the bundle loads at start only the built-ins every start needs', () => {
	// Every other built-in goes through scripts/build.mjs's lazy shim (a `require` at first use): an
	// eager `import … from "vm"` (jsonpath-plus) cost Bun's start ~50 ms, node:http & co. 3.5 MiB;
	// node:child_process (client-node's exec auth) brought Bun's node:stream stack in before the first poll.
	const bundle = readFileSync(join(root, 'dist', 'nth.mjs'), 'utf8');
	const eager = [
		...new Set(
			[...bundle.matchAll(/\bimport\s*(?:[\w$]+\s*,?\s*)?(?:\*\s*as\s*[\w$]+|\{[^}]*\})?\s*from\s*"([^"]+)"/g)].map((match) => match[1]),
		),
	].sort();
	assert.ok(eager.includes('node:fs'), `the scan found the bundle's imports: ${eager.join(', ')}`);
	assert.equal(eager, ['node:fs', 'node:fs/promises', 'node:path']);
});

executables('deno type-checks the source and runs the bundle', () => {
	const deno = join(root, 'node_modules', '.bin', 'deno');
	ok(run(deno, ['check', 'src/main.ts'], { timeoutMs: 180_000 }), 'deno check src/main.ts');
	const out = ok(
		run(deno, ['run', '-A', join(root, 'dist', 'nth.mjs'), '--version'], { env: { PATH: process.env['PATH'] ?? '', HOME: scratch } }),
		'deno run',
	);
	assert.match(out, /^nth .* \(commit \w+, bundle, deno \d+\.\d+\.\d+\)\n$/);
});

// ---------------------------------------------------------------- image

const image = suite('image');
const podmanRoot = join(scratch, 'podman');
const podman = [
	'--root',
	join(podmanRoot, 'root'),
	'--runroot',
	join(podmanRoot, 'run'),
	'--storage-driver',
	'vfs',
	'--cgroup-manager',
	'cgroupfs',
	'--events-backend',
	'file',
	'--runtime',
	'runc',
];
const archive = join(root, 'dist', 'nth-image.oci.tar');

image.before(() => {
	ok(run(node24, ['scripts/image.mjs', '--offline', '--quiet'], { timeoutMs: 600_000 }), 'npm run image');
});

image('the archive is an OCI index for linux/amd64 and linux/arm64', () => {
	const IndexSchema = v.object({
		mediaType: v.literal('application/vnd.oci.image.index.v1+json'),
		manifests: v.array(v.object({ platform: v.object({ architecture: v.string(), os: v.string() }) })),
	});
	const index = v.parse(IndexSchema, JSON.parse(ok(run('skopeo', ['inspect', '--raw', `oci-archive:${archive}`]), 'skopeo inspect')));
	assert.equal(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort(), ['linux/amd64', 'linux/arm64']);
});

image('it runs as uid 65532 on a read-only root file system', () => {
	ok(run('podman', [...podman, 'pull', '-q', `oci-archive:${archive}`], { timeoutMs: 300_000 }), 'podman pull');
	const ConfigSchema = v.array(v.object({ Config: v.object({ User: v.string(), Entrypoint: v.array(v.string()) }) }));
	const [config] = v.parse(
		ConfigSchema,
		JSON.parse(ok(run('podman', [...podman, 'image', 'inspect', `localhost/nth:${version}`]), 'podman inspect')),
	);
	assert.is(config?.Config.User, '65532:65532');
	assert.equal(config?.Config.Entrypoint, ['/nth']);
	const runArgs = [
		...podman,
		'run',
		'--rm',
		'--read-only',
		'--user',
		'65532:65532',
		'--network',
		'host',
		'--ulimit',
		'nofile=1024:1024',
		'--ulimit',
		'nproc=4096:4096',
		`localhost/nth:${version}`,
	];
	assert.match(ok(run('podman', [...runArgs, '--version'], { timeoutMs: 120_000 }), 'podman run --version'), versionLine(shipped));
});

image('the arm64 image runs its executable (under qemu when available)', () => {
	const layout = join(scratch, 'oci-arm64');
	ok(run('skopeo', ['copy', '-q', '--override-arch', 'arm64', `oci-archive:${archive}`, `oci:${layout}:arm64`]), 'skopeo copy arm64');
	ok(run('umoci', ['unpack', '--image', `${layout}:arm64`, join(scratch, 'bundle-arm64')]), 'umoci unpack');
	const rootfs = join(scratch, 'bundle-arm64', 'rootfs');
	assert.is(elfMachine(join(rootfs, 'nth')), 183);
	for (const path of ['lib/ld-linux-aarch64.so.1', 'etc/ssl/certs/ca-certificates.crt', 'etc/passwd', 'usr/share/zoneinfo/UTC'])
		assert.ok(existsSync(join(rootfs, path)), `${path} missing`);
	assert.match(readFileSync(join(rootfs, 'etc', 'passwd'), 'utf8'), /^nonroot:x:65532:65532:/m);
	if (run('sh', ['-c', 'command -v qemu-aarch64']).status === 0) {
		checkVersion(join(rootfs, 'nth'), shipped, { prefix: ['qemu-aarch64', '-L', rootfs] });
	}
});

// ---------------------------------------------------------------- cluster

let cluster: RealCluster;
const kubectl = (args: readonly string[], input?: string, kubeconfig?: string): SpawnSyncReturns<string> =>
	run('kubectl', ['--kubeconfig', kubeconfig ?? cluster.state.kubeconfig, ...args], input === undefined ? {} : { input });

const manifests = suite('manifests on the real apiserver');

/** A kwok node for the DaemonSets to land on (the stack starts with none). */
const fixtureNode = `nth-packaging-${process.pid}`;

manifests.before(async () => {
	cluster = connect();
	await createNode(cluster, fixtureNode);
});

manifests.after(() => {
	kubectl(['delete', '-k', 'manifests', '--ignore-not-found', '--wait=false']);
});

manifests('server-side dry run, then apply for real', async () => {
	const dry = ok(kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-k', 'manifests']), 'dry run');
	for (const object of [
		'serviceaccount/nth',
		'clusterrole.rbac.authorization.k8s.io/nth',
		'clusterrolebinding.rbac.authorization.k8s.io/nth',
		'daemonset.apps/nth',
	]) {
		assert.ok(dry.includes(object), `dry run lacks ${object}:\n${dry}`);
	}
	ok(kubectl(['apply', '--server-side', '--force-conflicts', '-k', 'manifests']), 'apply');
	const StatusSchema = v.object({ status: v.object({ desiredNumberScheduled: v.number(), numberReady: v.optional(v.number(), 0) }) });
	const status = await waitFor(
		() => {
			const ds = v.parse(StatusSchema, JSON.parse(ok(kubectl(['get', 'daemonset', 'nth', '-n', 'kube-system', '-o', 'json']), 'get ds')));
			return ds.status.desiredNumberScheduled > 0 && ds.status.numberReady === ds.status.desiredNumberScheduled ? ds.status : undefined;
		},
		{ timeoutMs: 60_000, what: 'DaemonSet nth ready on every node' },
	);
	assert.ok(status.desiredNumberScheduled > 0);
});

manifests("the ServiceAccount's token can do exactly what the agent needs", async () => {
	const token = await createServiceAccountToken(cluster, 'kube-system', 'nth');
	const config = kubeconfigForToken(cluster, token, 'nth-packaging');
	// "pods/eviction" would read as the pod named "eviction": subresources go in --subresource.
	const can = (verb: string, resource: string): string => {
		const [type = '', subresource] = resource.split('/');
		return kubectl(
			['auth', 'can-i', verb, type, ...(subresource ? [`--subresource=${subresource}`] : []), '--all-namespaces'],
			undefined,
			config,
		).stdout.trim();
	};
	// The one list (src/kube/permissions.ts): the base granted, the optional features and everything else denied.
	const kubectlForm = (permission: Permission): [string, string] => [
		permission.verb,
		`${permission.resource}${permission.group ? `.${permission.group}` : ''}${permission.subresource ? `/${permission.subresource}` : ''}`,
	];
	for (const [verb, resource] of featurePermissions('always').map(kubectlForm)) {
		assert.is(can(verb, resource), 'yes', `${verb} ${resource}`);
	}
	const optional = [...featurePermissions('events'), ...featurePermissions('pdb-delete')].map(kubectlForm);
	for (const [verb, resource] of [
		...optional,
		['watch', 'nodes'],
		['get', 'pods'],
		['get', 'secrets'],
		['update', 'nodes'],
		['delete', 'nodes'],
		['create', 'pods'],
		['update', 'nodes/status'],
		['create', 'pods/exec'],
	]) {
		assert.is(can(verb ?? '', resource ?? ''), 'no', `${verb} ${resource} must be denied`);
	}
	ok(kubectl(['apply', '--server-side', '--force-conflicts', '-k', 'manifests/with-events']), 'apply with-events');
	await waitFor(() => can('create', 'events') === 'yes', { timeoutMs: 10_000, what: 'events allowed with the events component' });
	ok(kubectl(['apply', '--server-side', '--force-conflicts', '-k', 'manifests']), 're-apply base');
	await waitFor(() => can('create', 'events') === 'no', { timeoutMs: 10_000, what: 'events denied again without the component' });
});

const chart = suite('helm chart');
const helm = (): string => join(realBinDir(), 'helm');
let helmNamespace = '';

chart.before(async () => {
	cluster = connect();
	if (!(await cluster.core.listNode()).items.some((node) => node.metadata?.name === fixtureNode)) await createNode(cluster, fixtureNode);
	helmNamespace = `nth-helm-${process.pid}`;
});

chart.after(async () => {
	run(helm(), ['--kubeconfig', cluster.state.kubeconfig, 'uninstall', 'nth-e2e', '-n', helmNamespace, '--wait']);
	kubectl(['delete', 'namespace', helmNamespace, '--ignore-not-found', '--wait=false']);
	await deleteNode(cluster, fixtureNode);
});

chart('helm lint --strict and helm template with NTH-style values', () => {
	ok(run(helm(), ['lint', '--strict', 'charts/nth']), 'helm lint');
	const rendered = ok(
		run(helm(), [
			'template',
			'nth-e2e',
			'charts/nth',
			'-n',
			'kube-system',
			'--set',
			'webhookURLSecretName=webhooksecret',
			'--set',
			'webhookTemplateConfigMapName=tmpl',
			'--set',
			'webhookTemplateConfigMapKey=t.tmpl',
			'--set',
			'emitKubernetesEvents=true',
			'--set',
			'nodeSelector.pool=spot',
			'--set',
			'enablePrometheusServer=true',
		]),
		'helm template',
	);
	assert.match(rendered, /secretKeyRef: \{ name: "webhooksecret", key: webhookurl \}/);
	assert.match(rendered, /name: WEBHOOK_TEMPLATE_FILE, value: "\/config\/t\.tmpl"/);
	assert.match(rendered, /resources: \[events\]/);
	assert.match(rendered, /pool: spot/);
	ok(kubectl(['apply', '--dry-run=server', '-f', '-'], rendered), 'server dry run of the rendered chart');
});

chart('helm install onto the real apiserver brings the DaemonSet up', async () => {
	ok(
		run(
			helm(),
			[
				'--kubeconfig',
				cluster.state.kubeconfig,
				'install',
				'nth-e2e',
				'charts/nth',
				'-n',
				helmNamespace,
				'--create-namespace',
				'--wait',
				'--timeout',
				'120s',
			],
			{ timeoutMs: 180_000 },
		),
		'helm install',
	);
	const ds = JSON.parse(ok(kubectl(['get', 'daemonset', 'nth-e2e', '-n', helmNamespace, '-o', 'json']), 'get ds'));
	const parsed = v.parse(v.object({ status: v.object({ desiredNumberScheduled: v.number(), numberReady: v.number() }) }), ds);
	assert.ok(parsed.status.desiredNumberScheduled > 0);
	assert.is(parsed.status.numberReady, parsed.status.desiredNumberScheduled);
	const role = ok(kubectl(['get', 'clusterrole', 'nth-e2e', '-o', 'jsonpath={.rules[*].resources}']), 'get clusterrole');
	assert.not.match(role, /events/, 'no events permission unless emitKubernetesEvents');
});

// ---------------------------------------------------------------- systemd

const systemd = suite('systemd unit');

systemd('install.sh installs the unit and systemd-analyze verify accepts it', () => {
	const target = join(scratch, 'host-root');
	mkdirSync(join(target, 'usr', 'lib', 'systemd'), { recursive: true });
	// verify resolves the unit's dependencies (sysinit.target…) inside the root.
	cpSync('/usr/lib/systemd/system', join(target, 'usr', 'lib', 'systemd', 'system'), { recursive: true });
	ok(run('sh', ['packaging/install.sh', '--root', target, '--binary', defaultBin]), 'install.sh');
	assert.ok(existsSync(join(target, 'usr', 'local', 'bin', 'nth')));
	assert.ok(existsSync(join(target, 'etc', 'nth', 'nth.env')));
	const verify = run('systemd-analyze', ['verify', `--root=${target}`, '/etc/systemd/system/nth.service']);
	assert.is(verify.status, 0, verify.stderr);
	assert.is(verify.stderr.trim(), '', 'no warnings either');
	const security = ok(
		run('systemd-analyze', ['security', '--offline=true', `--root=${target}`, '/etc/systemd/system/nth.service']),
		'security',
	);
	const exposure = Number(/Overall exposure level for nth\.service: ([\d.]+)/.exec(security)?.[1]);
	assert.ok(exposure <= 2, `exposure ${exposure} (systemd's scale: 0 safest, 10 unsafe)`);
	// The check can fail: a broken copy of the unit is reported.
	const broken = readFileSync(join(target, 'etc', 'systemd', 'system', 'nth.service'), 'utf8').replace(
		'ProtectSystem=strict',
		'ProtectSystem=sometimes',
	);
	writeFileSync(join(target, 'etc', 'systemd', 'system', 'nth-broken.service'), broken);
	const rejected = run('systemd-analyze', ['verify', `--root=${target}`, '/etc/systemd/system/nth-broken.service']);
	assert.match(rejected.stderr, /ProtectSystem|protect system/i);
});

// ---------------------------------------------------------------- release

const release = suite('air-gapped release');

release('the tarball unpacks, its sums check, and it holds everything the install doc uses', () => {
	ok(run(node24, ['scripts/release.mjs', '--offline'], { timeoutMs: 900_000 }), 'npm run release');
	const tarball = join(root, 'dist', 'release', `nth-${version}-linux.tar.gz`);
	ok(run('sha256sum', ['-c', `${tarball}.sha256`], { cwd: join(root, 'dist', 'release') }), 'tarball sum');
	const unpack = join(scratch, 'release');
	mkdirSync(unpack);
	ok(run('tar', ['-xzf', tarball, '-C', unpack], { timeoutMs: 300_000 }), 'tar -x');
	const dir = join(unpack, `nth-${version}`);
	ok(run('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: dir, timeoutMs: 300_000 }), 'sha256sum -c SHA256SUMS');
	const listed = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
	for (const file of [
		`bin/${fileOf(shipped, 'x64')}`,
		`bin/${fileOf(shipped, 'arm64')}`,
		`bin/${fileOf(other, 'x64')}`,
		`bin/${fileOf(other, 'arm64')}`,
		'bin/DEFAULT_FLAVOUR',
		'image/nth-image.oci.tar',
		'manifests/kustomization.yaml',
		'manifests/base/daemonset.yaml',
		`charts/nth-${version}.tgz`,
		'charts/nth/values.yaml',
		'systemd/nth.service',
		'install.sh',
		'INSTALL.md',
		'sbom.cdx.json',
	]) {
		assert.ok(listed.includes(`  ${file}\n`), `SHA256SUMS lacks ${file}`);
	}
	assert.is(readFileSync(join(dir, 'bin', 'DEFAULT_FLAVOUR'), 'utf8').trim(), defaultFlavour);
	// Every file the install doc names is in the release.
	const doc = readFileSync(join(dir, 'INSTALL.md'), 'utf8');
	for (const path of [
		'SHA256SUMS',
		'image/nth-image.oci.tar',
		'bin/DEFAULT_FLAVOUR',
		'manifests/base/clusterrole.yaml',
		'sbom.cdx.json',
		'./install.sh',
	]) {
		assert.ok(doc.includes(path), `INSTALL.md does not mention ${path}`);
		assert.ok(existsSync(join(dir, path)), `INSTALL.md names ${path}, which is not in the release`);
	}
	// The sums catch a changed file.
	const victim = join(dir, 'systemd', 'nth.env');
	writeFileSync(victim, `${readFileSync(victim, 'utf8')}# tampered\n`);
	assert.is.not(run('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: dir }).status, 0);
});

release('the SBOM describes the bundled npm tree, the runtimes and the image base', () => {
	const dir = join(scratch, 'release', `nth-${version}`);
	const ComponentSchema = v.object({
		name: v.string(),
		version: v.string(),
		purl: v.optional(v.string()),
		properties: v.optional(v.array(v.object({ name: v.string(), value: v.string() }))),
	});
	const bom = v.parse(
		v.object({
			bomFormat: v.literal('CycloneDX'),
			specVersion: v.string(),
			components: v.array(ComponentSchema),
			dependencies: v.array(v.object({ ref: v.string(), dependsOn: v.array(v.string()) })),
		}),
		JSON.parse(readFileSync(join(dir, 'sbom.cdx.json'), 'utf8')),
	);
	const byName = new Map(bom.components.map((c) => [c.name, c]));
	const bundled = (name: string): string | undefined => byName.get(name)?.properties?.find((p) => p.name === 'nth:bundled')?.value;
	assert.is(byName.get('@kubernetes/client-node')?.version, '1.4.0');
	assert.is(byName.get('@kubernetes/client-node')?.purl, 'pkg:npm/%40kubernetes/client-node@1.4.0');
	for (const name of ['cac', 'valibot']) assert.is(bundled(name), 'true', `${name} is in the bundle`);
	assert.ok(byName.has('node') && byName.has('bun'), 'runtimes listed');
	assert.ok(byName.has('libc6'), 'image base packages listed');
	const rootDeps = bom.dependencies.find((d) => d.ref === `pkg:npm/nth@${version}`);
	assert.ok(rootDeps?.dependsOn.includes('pkg:npm/%40kubernetes/client-node@1.4.0'));
});

release('install.sh from the release installs the default flavour for this host', () => {
	const dir = join(scratch, 'release', `nth-${version}`);
	const target = join(scratch, 'release-host-root');
	ok(run('sh', [join(dir, 'install.sh'), '--root', target], { cwd: dir }), 'release install.sh');
	const installed = join(target, 'usr', 'local', 'bin', 'nth');
	checkVersion(installed, shipped);
	copyFileSync(join(dir, 'systemd', 'nth.service'), join(scratch, 'release-unit.service'));
	assert.is(
		readFileSync(join(target, 'etc', 'systemd', 'system', 'nth.service'), 'utf8'),
		readFileSync(join(scratch, 'release-unit.service'), 'utf8'),
	);
});

// ---------------------------------------------------------------- the image draining a node

const imageDrain = suite('the image drains a node with the ServiceAccount token');
let scenario: Scenario | undefined;
const containerName = `nth-e2e-${process.pid}`;

imageDrain.after(async () => {
	run('podman', [...podman, 'rm', '-f', '-t', '2', containerName]);
	await deleteScenario(cluster, scenario);
});

imageDrain('read-only, uid 65532, host network: AEMM spot notice → node cordoned and drained', async () => {
	cluster = connect();
	scenario = await createScenario(cluster, 'image', { replicas: 2 });
	const kubeconfig = join(scratch, 'image-kubeconfig');
	// The token file is root-only; the container user 65532 reads a copy.
	copyFileSync(await agentKubeconfig(cluster), kubeconfig);
	chmodSync(kubeconfig, 0o644);
	const aemm = await startAemm(['spot', '-a', 'terminate']);
	try {
		ok(
			run('podman', [
				...podman,
				'run',
				'-d',
				'--name',
				containerName,
				'--read-only',
				'--user',
				'65532:65532',
				'--network',
				'host',
				'--ulimit',
				'nofile=1024:1024',
				'--ulimit',
				'nproc=4096:4096',
				'-v',
				`${kubeconfig}:/etc/nth/kubeconfig:ro`,
				'-e',
				'KUBECONFIG=/etc/nth/kubeconfig',
				'-e',
				`NODE_NAME=${scenario.node}`,
				'-e',
				`INSTANCE_METADATA_URL=${aemm.url}`,
				'-e',
				'INSTANCE_METADATA_IPV6_FALLBACK=false',
				'-e',
				'JSON_LOGGING=true',
				`localhost/nth:${version}`,
			]),
			'podman run -d',
		);
		const current = scenario;
		try {
			await waitForNode(cluster, current.node, 'cordoned', (state) => state.unschedulable, 45_000);
			await waitFor(async () => (await livePodsOnNode(cluster, current)).length === 0, {
				timeoutMs: 60_000,
				what: `pods gone from ${current.node}`,
			});
		} catch (error) {
			const logs = run('podman', [...podman, 'logs', containerName]);
			throw new Error(`${String(error)}\nagent log:\n${(logs.stdout + logs.stderr).slice(-3000)}\nAEMM:\n${aemm.output().slice(-1000)}`, {
				cause: error,
			});
		}
		// AEMM logs static metadata requests (not spot polls, which the drain itself proves).
		assert.match(aemm.output(), /instance-identity\/document/, 'the agent read its startup metadata from AEMM');
		const inspect = JSON.parse(ok(run('podman', [...podman, 'inspect', containerName]), 'podman inspect'));
		const StateSchema = v.array(
			v.object({
				State: v.object({ Running: v.boolean() }),
				HostConfig: v.object({ ReadonlyRootfs: v.boolean() }),
				Config: v.object({ User: v.string() }),
			}),
		);
		const [container] = v.parse(StateSchema, inspect);
		assert.ok(container?.State.Running, 'still running after the drain');
		assert.ok(container?.HostConfig.ReadonlyRootfs);
		assert.is(container?.Config.User, '65532:65532');
	} finally {
		await aemm.stop();
	}
});

// ---------------------------------------------------------------- the other runtimes run the agent

const otherRuns = suite('the other executable and deno run the agent against AEMM');
const otherScenarios: Scenario[] = [];

otherRuns.after(async () => {
	for (const each of otherScenarios) await deleteScenario(cluster, each);
});

/** Runs `bin args` as the agent on a fresh scenario node: spot notice → cordoned and drained. */
async function drainWith(label: string, bin: string, args: readonly string[], runtimeName: string): Promise<void> {
	cluster = connect();
	const current = await createScenario(cluster, label, { replicas: 2 });
	otherScenarios.push(current);
	const kubeconfig = await agentKubeconfig(cluster);
	const aemm = await startAemm(['spot', '-a', 'terminate']);
	const agent = startAgent(
		{
			NODE_NAME: current.node,
			KUBECONFIG: kubeconfig,
			INSTANCE_METADATA_URL: aemm.url,
			INSTANCE_METADATA_IPV6_FALLBACK: 'false',
			DENO_DIR: join(scratch, 'deno-dir'),
			HOME: scratch,
			NO_COLOR: '1',
		},
		{ bin, args, label },
	);
	try {
		await agent.waitForLine(new RegExp(`has started successfully.*${runtimeName} \\d`), { timeoutMs: 30_000 });
		await waitForNode(cluster, current.node, 'cordoned', (state) => state.unschedulable, 45_000);
		await waitFor(async () => (await livePodsOnNode(cluster, current)).length === 0, {
			timeoutMs: 60_000,
			what: `pods gone from ${current.node}`,
		});
	} catch (error) {
		throw new Error(`${String(error)}\nagent log:\n${agent.tail(40)}`, { cause: error });
	} finally {
		await agent.stop();
		await aemm.stop();
	}
}

otherRuns(`the ${otherFlavour} executable: spot notice → node cordoned and drained`, async () => {
	await drainWith('other', join(root, 'dist', fileOf(other, 'x64')), [], other.runtime);
});

otherRuns('deno run of the bundle: spot notice → node cordoned and drained', async () => {
	await drainWith('deno', join(root, 'node_modules', '.bin', 'deno'), ['run', '-A', join(root, 'dist', 'nth.mjs')], 'deno');
});

executables.run();
image.run();
manifests.run();
chart.run();
systemd.run();
release.run();
imageDrain.run();
otherRuns.run();

process.once('exit', () => {
	// vfs storage is plain files; podman keeps nothing mounted after `run --rm`.
	rmSync(scratch, { recursive: true, force: true });
});
