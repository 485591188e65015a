/**
 * @module Starts amazon-ec2-metadata-mock (AEMM) v1.13.0, the fake IMDS, for one
 * e2e scenario.
 *
 * AEMM's scenario clocks (`--mock-delay-sec`, `--rebalance-delay-sec`,
 * `--asg-termination-delay-sec`) count from process start, so each scenario
 * starts its own instance, and `restart()` resets them.
 *
 * @example
 * const imds = await startAemm(['spot', '-a', 'terminate'], { imdsv2: true });
 * try { ...point the agent at imds.url... } finally { await imds.stop(); }
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { realBinDir } from './state.ts';
import { sleep } from '../../src/clock.ts';

export interface AemmOptions {
	/** Pass `-I`: every request then needs an IMDSv2 session token (401 without one). @default false */
	readonly imdsv2?: boolean;
	/** Extra environment, e.g. `AEMM_*` overrides of static metadata. Inherited `AEMM_*` variables are dropped. */
	readonly env?: Readonly<Record<string, string>>;
	/** Listen on this port instead of a free one (restart() uses it to keep the URL). */
	readonly port?: number;
	/** How long to wait for the first HTTP answer. @default 10000 */
	readonly startTimeoutMs?: number;
}

export interface Aemm {
	/** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`; IMDS paths go after it (`/latest/...`). */
	readonly url: string;
	readonly port: number;
	readonly pid: number;
	/** The subcommand part this instance runs with. */
	readonly args: readonly string[];
	/** AEMM's recent stdout and stderr (it logs every request), for failure messages. */
	output(): string;
	/** Stops this process (SIGTERM, then SIGKILL after 3 s). Safe to call twice. */
	stop(): Promise<void>;
	/** Stops this instance and starts a fresh one on the same port: new scenario clock, empty token map. */
	restart(args?: readonly string[], options?: Omit<AemmOptions, 'port'>): Promise<Aemm>;
}

const OUTPUT_LIMIT = 64_000;
const POLL_MS = 25;
const STOP_GRACE_MS = 3000;
const START_ATTEMPTS = 4;

/** Children still running, so a crashing test process does not leave them behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
	// Only this module's own children, each by its own handle.
	for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `ec2-metadata-mock -n 127.0.0.1 -p <port> -x -1 [-I] <args>` and resolves
 * once it answers HTTP. Global flags go before the subcommand (cobra persistent
 * flags; checked against `--help`). `args` is the subcommand part, e.g.
 * `['spot', '-a', 'terminate']`, `['events', '-o', 'system-reboot', '-t', 'active']`,
 * `['asglifecycle', '--asg-termination-delay-sec', '3']`. With no subcommand
 * AEMM serves every scenario at once, each firing immediately.
 */
export async function startAemm(args: readonly string[], options: AemmOptions = {}): Promise<Aemm> {
	const binary = join(realBinDir(), 'ec2-metadata-mock');
	let lastError: unknown;
	// A free port can be taken between the probe and AEMM's bind; a fixed port is tried once.
	const attempts = options.port === undefined ? START_ATTEMPTS : 1;
	for (let attempt = 0; attempt < attempts; attempt++) {
		const port = options.port ?? (await freePort());
		try {
			return await startOnce(binary, port, args, options);
		} catch (error) {
			lastError = error;
		}
	}
	throw lastError;
}

async function startOnce(binary: string, port: number, args: readonly string[], options: AemmOptions): Promise<Aemm> {
	// AEMM reads $HOME/aemm-config.json when present: a private HOME keeps a developer's file out.
	const home = mkdtempSync(join(tmpdir(), 'nth-aemm-'));
	const env: Record<string, string> = { HOME: home };
	for (const [key, value] of Object.entries(process.env)) {
		if (value !== undefined && !key.startsWith('AEMM_') && key !== 'HOME') env[key] = value;
	}
	Object.assign(env, options.env);
	const argv = ['-n', '127.0.0.1', '-p', String(port), '-x', '-1', ...(options.imdsv2 === true ? ['-I'] : []), ...args];
	const child = spawn(binary, argv, { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
	live.add(child);
	let output = '';
	const collect = (chunk: Buffer): void => {
		output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
	};
	child.stdout?.on('data', collect);
	child.stderr?.on('data', collect);
	const exited = new Promise<void>((resolve) => {
		child.once('exit', () => {
			live.delete(child);
			rmSync(home, { recursive: true, force: true });
			resolve();
		});
	});
	let hasExited = false;
	void exited.then(() => {
		hasExited = true;
	});
	const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

	const url = `http://127.0.0.1:${port}`;
	const stop = async (): Promise<void> => {
		if (hasExited) return;
		child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
		await exited;
		clearTimeout(timer);
	};
	const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
	for (;;) {
		const failure = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
		if (failure !== undefined) {
			throw new Error(`Cannot start AEMM "${binary}": ${failure.message}`, { cause: failure });
		}
		if (hasExited) {
			throw new Error(`Cannot start AEMM on port ${port}: it exited with code ${String(child.exitCode)}: ${output.slice(-2000)}`);
		}
		if (await answers(url)) break;
		if (Date.now() > deadline) {
			await stop();
			throw new Error(
				`Cannot start AEMM on port ${port}: no HTTP answer within ${options.startTimeoutMs ?? 10_000} ms: ${output.slice(-2000)}`,
			);
		}
		await sleep(POLL_MS);
	}
	const pid = child.pid;
	if (pid === undefined) throw new Error('Cannot start AEMM: the process has no pid');
	return {
		url,
		port,
		pid,
		args: [...args],
		output: () => output,
		stop,
		restart: async (nextArgs = args, nextOptions = options) => {
			await stop();
			return startAemm(nextArgs, { ...nextOptions, port });
		},
	};
}

/** Any HTTP status means AEMM is listening (with -I even `/` answers 401). */
async function answers(url: string): Promise<boolean> {
	try {
		const response = await fetch(`${url}/latest/api/token`, { signal: AbortSignal.timeout(1000) });
		await response.body?.cancel();
		return true;
	} catch {
		return false; // not listening yet: the caller polls again until its deadline
	}
}
