/**
 * @module Kills and restarts the kube-apiserver of one stack (test/real/up.sh), for
 * fault-injection tests: SIGKILL, a pause, then the same binary with the same
 * command line and environment, logging to the same file, recorded in the stack's
 * `pids` and `state.json` so test/real/down.sh stops the new process.
 *
 * The command line is the one the kernel recorded for the running process
 * (`/proc/<pid>/cmdline`), saved to `<state>/kube-apiserver.cmdline.json` before the
 * first kill, so up.sh needs no change and a second restart reuses it. The
 * environment (`/proc/<pid>/environ`) is read just before each kill and kept in
 * memory only: it is the test runner's, and may hold secrets.
 *
 * Test code only (Node, Linux /proc).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import * as v from 'valibot';
import { sleep } from '../../src/clock.ts';
import { type RealState, readRealState } from './state.ts';

const component = 'kube-apiserver';

const RecordedSchema = v.object({ argv: v.pipe(v.array(v.string()), v.minLength(1)) });
/** How the apiserver was started: argv (argv[0] is the binary) and environment. */
export interface RecordedCommand {
	readonly argv: readonly string[];
	readonly env: Readonly<Record<string, string>>;
}

function recordFile(state: RealState): string {
	return join(state.stateDir, `${component}.cmdline.json`);
}

/** The apiserver's pid: the last `kube-apiserver` line of `<state>/pids` (a restart appends nothing, it rewrites). */
export function apiserverPid(state: RealState = readRealState()): number {
	const lines = readFileSync(join(state.stateDir, 'pids'), 'utf8').split('\n');
	const pid = lines
		.map((line) => line.trim().split(/\s+/))
		.filter(([name]) => name === component)
		.map(([, value]) => Number(value))
		.at(-1);
	if (pid === undefined || !Number.isInteger(pid)) throw new Error(`Cannot find the ${component} pid in "${join(state.stateDir, 'pids')}"`);
	return pid;
}

function nulSeparated(path: string): string[] {
	return readFileSync(path, 'utf8')
		.split('\0')
		.filter((part) => part !== '');
}

/** True while `pid` runs and is not a zombie. */
function running(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Field 3, after the parenthesised command name, is the state.
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		// No /proc entry: the process is gone (and reaped).
		return false;
	}
}

/** Reads the running apiserver's command line (saved in the state dir, once) and its environment (not saved). */
export function recordApiserverCommand(state: RealState = readRealState()): RecordedCommand {
	const file = recordFile(state);
	const pid = apiserverPid(state);
	const env = running(pid)
		? Object.fromEntries(
				nulSeparated(`/proc/${pid}/environ`).map((entry) => {
					const at = entry.indexOf('=');
					return [entry.slice(0, at), entry.slice(at + 1)] as const;
				}),
			)
		: // Gone already (a start after a kill outside this module): up.sh's environment was the test runner's.
			Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
	if (existsSync(file)) return { argv: v.parse(RecordedSchema, JSON.parse(readFileSync(file, 'utf8'))).argv, env };
	const argv = nulSeparated(`/proc/${pid}/cmdline`);
	if (!(argv[0] ?? '').endsWith(`/${component}`))
		throw new Error(`Cannot record the ${component} command line: pid ${pid} runs "${argv[0] ?? ''}"`);
	writeFileSync(file, JSON.stringify({ argv }), { mode: 0o600 });
	return { argv, env };
}

/** SIGKILLs the stack's apiserver (after reading its command line and environment) and waits until it is gone. */
export async function killApiserver(state: RealState = readRealState()): Promise<RecordedCommand> {
	const recorded = recordApiserverCommand(state);
	const pid = apiserverPid(state);
	process.kill(pid, 'SIGKILL');
	const deadline = Date.now() + 10_000;
	while (running(pid)) {
		if (Date.now() > deadline) throw new Error(`Cannot kill the ${component} (pid ${pid}): still running 10 s after SIGKILL`);
		await sleep(50);
	}
	return recorded;
}

function readyz(state: RealState, timeoutMs: number): Promise<boolean> {
	return new Promise((resolveProbe) => {
		const probe = request(
			`${state.apiserverUrl}/readyz`,
			{
				ca: Buffer.from(state.caData, 'base64'),
				headers: { authorization: `Bearer ${state.adminToken}` },
				timeout: timeoutMs,
			},
			(response) => {
				let body = '';
				response.setEncoding('utf8');
				response.on('data', (chunk: string) => {
					body += chunk;
				});
				response.on('end', () => resolveProbe(response.statusCode === 200 && body.trim() === 'ok'));
			},
		);
		probe.on('timeout', () => probe.destroy());
		probe.on('error', () => resolveProbe(false));
		probe.end();
	});
}

/** Replaces the `name pid` line of `<state>/pids` and the pid in state.json, so down.sh stops the new process. */
function recordPid(state: RealState, pid: number): void {
	const pidsFile = join(state.stateDir, 'pids');
	const lines = readFileSync(pidsFile, 'utf8')
		.split('\n')
		.filter((line) => line !== '');
	writeFileSync(pidsFile, `${lines.map((line) => (line.startsWith(`${component} `) ? `${component} ${pid}` : line)).join('\n')}\n`);
	const stateFile = join(state.stateDir, 'state.json');
	const json: unknown = JSON.parse(readFileSync(stateFile, 'utf8'));
	const parsed = v.parse(v.looseObject({ pids: v.record(v.string(), v.number()) }), json);
	writeFileSync(stateFile, `${JSON.stringify({ ...parsed, pids: { ...parsed.pids, [component]: pid } }, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Starts the apiserver again with `recorded` (default: what {@link killApiserver}
 * saved), detached so it outlives the test process like the rest of the stack,
 * and waits for `/readyz`. Returns the new pid and how long it took to be ready.
 */
export async function startApiserver(
	state: RealState = readRealState(),
	recorded: RecordedCommand = recordApiserverCommand(state),
	readyTimeoutMs = 90_000,
): Promise<{ pid: number; readyMs: number }> {
	const [bin, ...args] = recorded.argv;
	if (bin === undefined) throw new Error(`Cannot start the ${component}: no recorded command line`);
	const started = Date.now();
	const log = openSync(join(state.stateDir, 'logs', `${component}.log`), 'a');
	let pid: number | undefined;
	try {
		const child = spawn(bin, args, { env: recorded.env, detached: true, stdio: ['ignore', log, log] });
		child.unref();
		pid = child.pid;
	} finally {
		closeSync(log);
	}
	if (pid === undefined) throw new Error(`Cannot start the ${component} "${bin}": no pid`);
	recordPid(state, pid);
	while (!(await readyz(state, 2000))) {
		if (!running(pid))
			throw new Error(`Cannot start the ${component}: it exited (see ${join(state.stateDir, 'logs', `${component}.log`)})`);
		if (Date.now() - started > readyTimeoutMs) throw new Error(`Cannot start the ${component}: not ready within ${readyTimeoutMs} ms`);
		await sleep(100);
	}
	return { pid, readyMs: Date.now() - started };
}

/** SIGKILL, `downMs` of outage, then the same command line again; resolves once it is ready. */
export async function restartApiserver(
	options: { readonly downMs?: number; readonly state?: RealState } = {},
): Promise<{ pid: number; downMs: number; readyMs: number }> {
	const state = options.state ?? readRealState();
	const recorded = await killApiserver(state);
	const killedAt = Date.now();
	await sleep(options.downMs ?? 3000);
	const { pid, readyMs } = await startApiserver(state, recorded);
	return { pid, readyMs, downMs: Date.now() - killedAt };
}
