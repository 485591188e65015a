/**
 * @module Where the real control plane lives: the state file that test/real/up.sh
 * writes, and the directory of binaries that test/real/build.sh builds.
 *
 * Test code only (Node): it reads `process.env` and runs bash, which src/ may not.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';

/** This folder (test/real), found from this file so tests may run from any working directory. */
export const realDir: string = dirname(fileURLToPath(import.meta.url));

const PortSchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));

/** The shape of `state.json` written by test/real/up.sh. */
export const RealStateSchema = v.object({
	stateDir: v.string(),
	apiserverUrl: v.string(),
	adminToken: v.string(),
	binDir: v.string(),
	kubeconfig: v.string(),
	caFile: v.string(),
	caData: v.string(),
	ports: v.object({
		etcd: PortSchema,
		etcdPeer: PortSchema,
		apiserver: PortSchema,
		controllerManager: PortSchema,
		scheduler: PortSchema,
		kwok: PortSchema,
	}),
	pids: v.record(v.string(), v.pipe(v.number(), v.integer())),
	kwokConfig: v.string(),
	podDeleteDelayAnnotation: v.string(),
	/** The apiserver's audit log (JSON lines): every request of `auditUser`, Metadata level, accumulated over the stack's life. */
	auditLog: v.string(),
	/** The user the audit policy records: the agent's ServiceAccount of manifests/. */
	auditUser: v.string(),
	/** A file holding the apiserver's command line, shell-quoted, to restart it after a kill. */
	apiserverCommand: v.string(),
});
export type RealState = v.InferOutput<typeof RealStateSchema>;

/** The state dir named by NTH_REAL_STATE, or undefined when no stack is up for this process. */
export function realStateDir(): string | undefined {
	const dir = process.env['NTH_REAL_STATE'];
	return dir === undefined || dir === '' ? undefined : dir;
}

/** Reads and checks `state.json` of the stack named by NTH_REAL_STATE (or `dir`). */
export function readRealState(dir: string | undefined = realStateDir()): RealState {
	if (dir === undefined) {
		throw new Error(
			'Cannot read the real control plane state: NTH_REAL_STATE is not set (run through `npm run test:e2e` or `npm run real:up`)',
		);
	}
	const path = join(dir, 'state.json');
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		throw new Error(`Cannot read the real control plane state "${path}": ${String(error)}`, { cause: error });
	}
	const parsed = v.safeParse(RealStateSchema, JSON.parse(text));
	if (!parsed.success) {
		throw new Error(`Cannot read the real control plane state "${path}": ${v.summarize(parsed.issues)}`);
	}
	return parsed.output;
}

let cachedBinDir: string | undefined;

/**
 * The directory holding etcd, kube-apiserver, kwok, ec2-metadata-mock, helm…:
 * from the state file when a stack is up, else the last line of test/real/build.sh
 * (instant when the build cache is warm, a full cold build otherwise).
 */
export function realBinDir(): string {
	if (cachedBinDir !== undefined) return cachedBinDir;
	const stateDir = realStateDir();
	if (stateDir !== undefined) {
		cachedBinDir = readRealState(stateDir).binDir;
		return cachedBinDir;
	}
	let out: string;
	try {
		out = execFileSync('bash', [join(realDir, 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
	} catch (error) {
		throw new Error(`Cannot find the real control plane binaries: test/real/build.sh failed: ${String(error)}`, { cause: error });
	}
	const last = out.trim().split('\n').at(-1);
	if (last === undefined || last === '') throw new Error('Cannot find the real control plane binaries: test/real/build.sh printed nothing');
	cachedBinDir = last;
	return cachedBinDir;
}
