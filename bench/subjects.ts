// The agents the benchmarks run (bench:detect, bench:floor, bench/pages.ts):
// nth's shipped executables with their shipped settings, upstream NTH, and
// any `file:` executable, each run in-cluster style (service-account files
// bind-mounted in a private mount namespace).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllYaml } from '@kubernetes/client-node';
import * as v from 'valibot';
import { upstreamVersion } from './upstream.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..');

const EnvEntrySchema = v.object({ name: v.string(), value: v.optional(v.string()) });
const DaemonSetSchema = v.object({
	kind: v.literal('DaemonSet'),
	spec: v.object({ template: v.object({ spec: v.object({ containers: v.array(v.object({ env: v.array(EnvEntrySchema) })) }) }) }),
});

/** The literal env values of the shipped DaemonSet (the downward-API ones are set per run). */
export function daemonSetEnv(): Record<string, string> {
	const documents: unknown[] = loadAllYaml(readFileSync(join(root, 'manifests', 'base', 'daemonset.yaml'), 'utf8'));
	for (const document of documents) {
		const parsed = v.safeParse(DaemonSetSchema, document);
		if (!parsed.success) continue;
		const env: Record<string, string> = {};
		for (const entry of parsed.output.spec.template.spec.containers[0]?.env ?? []) {
			if (entry.value !== undefined) env[entry.name] = entry.value;
		}
		return env;
	}
	throw new Error('Cannot read the shipped settings: no DaemonSet in manifests/base/daemonset.yaml');
}

/** `ENV K=V` lines of Dockerfile.distroless: what the image sets for the executable. */
export function imageEnv(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const match of readFileSync(join(root, 'Dockerfile.distroless'), 'utf8').matchAll(/^ENV\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)\s*$/gm)) {
		env[match[1] ?? ''] = match[2] ?? '';
	}
	return env;
}

/** NTH_BENCH_EXTRA_ENV="K=V ...": environment added to every nth subject. */
export function extraEnv(): Record<string, string> {
	const words = (process.env['NTH_BENCH_EXTRA_ENV'] ?? '').split(' ').filter((word) => word.includes('='));
	return Object.fromEntries(words.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

const BuildManifestSchema = v.object({
	defaultFlavour: v.string(),
	otherFlavour: v.string(),
	executables: v.record(v.string(), v.object({ flavour: v.string(), arch: v.string(), env: v.optional(v.record(v.string(), v.string())) })),
});

/** dist/build.json: what `node scripts/build.mjs` built, with the env each executable ships with. */
export function buildManifest(): v.InferOutput<typeof BuildManifestSchema> {
	const manifestPath = join(root, 'dist', 'build.json');
	if (!existsSync(manifestPath)) throw new Error('Cannot bench: dist/build.json is missing; run "npm run build" first');
	return v.parse(BuildManifestSchema, JSON.parse(readFileSync(manifestPath, 'utf8')));
}

/** The x64 executable of `flavour` under dist/ and the environment it ships with (build.json, = scripts/flavours.mjs). */
export function shippedExecutable(flavour: string): { readonly path: string; readonly env: Readonly<Record<string, string>> } {
	const entry = Object.entries(buildManifest().executables).find(([, info]) => info.flavour === flavour && info.arch === 'x64');
	if (entry === undefined) throw new Error(`Cannot bench the "${flavour}" executable: it is not in dist/build.json`);
	return { path: join(root, 'dist', entry[0]), env: entry[1].env ?? {} };
}

export interface Subject {
	readonly key: string;
	readonly label: string;
	readonly kind: 'nth' | 'upstream';
	readonly command: readonly string[];
	/** The executable file itself (its cached pages are dropped before each start; see evictFromPageCache). */
	readonly executable: string;
	/** Environment beyond the shipped settings and the per-run ones. */
	readonly env: Readonly<Record<string, string>>;
}

export function nthSubjects(saDir: string): Subject[] {
	const manifest = buildManifest();
	const fileOf = (flavour: string): string => shippedExecutable(flavour).path;
	const image = { ...imageEnv(), ...extraEnv() };
	const list: Subject[] = [];
	for (const flavour of [manifest.defaultFlavour, manifest.otherFlavour]) {
		const role = flavour === manifest.defaultFlavour ? 'default' : 'other';
		list.push({
			key: flavour,
			label: `nth ${flavour} (${role}, as shipped)`,
			kind: 'nth',
			command: inClusterCommand(saDir, fileOf(flavour)),
			executable: fileOf(flavour),
			env: image,
		});
	}
	if (manifest.defaultFlavour === 'bun' || manifest.otherFlavour === 'bun') {
		const { BUN_JSC_useJIT: _jit, ...withJit } = image;
		list.push({
			key: 'bun-jit',
			label: 'nth bun, JIT on',
			kind: 'nth',
			command: inClusterCommand(saDir, fileOf('bun')),
			executable: fileOf('bun'),
			env: withJit,
		});
	}
	return list;
}

/**
 * Runs `binary` as a pod would: the service-account files on
 * /var/run/secrets/kubernetes.io/serviceaccount, in a private mount namespace
 * (a tmpfs on /run, = /var/run, holds the mount point; the host's /run is
 * untouched). `unshare` and `sh` exec, so the pid is the agent's.
 */
export function inClusterCommand(saDir: string, binary: string): string[] {
	const script =
		'mount -t tmpfs nth-bench /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && mount --bind "$0" /run/secrets/kubernetes.io/serviceaccount && exec "$1"';
	return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, saDir, binary];
}

export function upstreamSubject(saDir: string, binary: string): Subject {
	return {
		key: 'upstream',
		label: `upstream NTH ${upstreamVersion} (Go)`,
		kind: 'upstream',
		command: inClusterCommand(saDir, binary),
		executable: binary,
		env: { ENABLE_PROBES_SERVER: 'false' },
	};
}

/**
 * `file:/path[;K=V;-K]`: any nth executable (an experiment, e.g. an LLRT
 * build) with `base` environment plus K=V, minus -K.
 */
export function fileSubject(saDir: string, spec: string, base: Readonly<Record<string, string>>): Subject {
	const [path = '', ...pairs] = spec.slice('file:'.length).split(';');
	const env: Record<string, string> = { ...base };
	for (const pair of pairs) {
		if (pair.startsWith('-')) delete env[pair.slice(1)];
		else env[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
	}
	const name = `${path.split('/').at(-1) ?? path}${pairs.length > 0 ? ` ${pairs.join(' ')}` : ''}`;
	return { key: name, label: `nth ${name}`, kind: 'nth', command: inClusterCommand(saDir, path), executable: path, env };
}
