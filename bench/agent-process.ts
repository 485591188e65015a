// Starts an agent for the benchmarks and follows it: its log lines with
// arrival times, its exit, and a stop that cannot leave it behind.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { RealState } from '../test/real/state.ts';
import type { Subject } from './subjects.ts';

const now = (): number => performance.now();

export interface Line {
	readonly atMs: number;
	readonly text: string;
}

export interface Agent {
	readonly pid: number;
	readonly spawnedAtMs: number;
	readonly lines: Line[];
	waitForLine(pattern: RegExp, timeoutMs: number): Promise<Line>;
	/** Settles when the process has exited: its exit code or the signal that ended it. */
	readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
	hasExited(): boolean;
	/** SIGTERM, then SIGKILL after `graceMs` (default 10 s). */
	stop(graceMs?: number): Promise<void>;
}

const passThrough = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];

/** Agents still running, so a failing bench does not leave them behind. */
const liveAgents = new Set<ChildProcess>();
process.once('exit', () => {
	// Only this script's own children, each by its own handle.
	for (const child of liveAgents) child.kill('SIGKILL');
});

/**
 * Drops the executable's pages from the page cache (GNU dd: `iflag=nocache
 * count=0` discards the whole file's cache), so every start reads it as a
 * first start does. Why: how the file's pages entered the cache changes the
 * RSS the same program shows by several MiB (this kernel maps large folios of
 * a freshly written file whole: +4.5 MiB file-backed RSS measured on a fresh
 * copy of the Bun executable), which would make a just-built file look worse
 * than an old one. Pages another process has mapped stay.
 */
export function evictFromPageCache(path: string): void {
	if (process.env['NTH_BENCH_WARM'] === '1') return;
	spawnSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' });
}

export function startAgent(subject: Subject, env: Readonly<Record<string, string>>): Agent {
	const childEnv: Record<string, string> = {};
	for (const key of passThrough) {
		const value = process.env[key];
		if (value !== undefined) childEnv[key] = value;
	}
	Object.assign(childEnv, env);
	const [command, ...args] = subject.command;
	if (command === undefined) throw new Error(`Cannot start "${subject.label}": no command`);
	evictFromPageCache(subject.executable);
	const spawnedAtMs = now();
	const child: ChildProcess = spawn(command, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
	const pid = child.pid;
	if (pid === undefined) throw new Error(`Cannot start "${subject.label}": no pid`);
	liveAgents.add(child);
	const lines: Line[] = [];
	const waiters = new Set<() => void>();
	let exited = false;
	const collect = (chunk: Buffer, state: { partial: string }): void => {
		const at = now();
		const parts = (state.partial + chunk.toString('utf8')).split('\n');
		state.partial = parts.pop() ?? '';
		for (const text of parts) lines.push({ atMs: at, text });
		for (const waiter of [...waiters]) waiter();
	};
	const out = { partial: '' };
	const err = { partial: '' };
	child.stdout?.on('data', (chunk: Buffer) => collect(chunk, out));
	child.stderr?.on('data', (chunk: Buffer) => collect(chunk, err));
	const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
		child.once('exit', (code, signal) => {
			liveAgents.delete(child);
			exited = true;
			for (const waiter of [...waiters]) waiter();
			resolve({ code, signal });
		}),
	);
	return {
		pid,
		spawnedAtMs,
		lines,
		exited: exit,
		hasExited: () => exited,
		waitForLine: (pattern, timeoutMs) =>
			new Promise<Line>((resolve, reject) => {
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(
						new Error(
							`Cannot see "${subject.label}" log ${String(pattern)} within ${timeoutMs} ms; last lines:\n${lines
								.slice(-8)
								.map((line) => line.text)
								.join('\n')}`,
						),
					);
				}, timeoutMs);
				const check = (): void => {
					const line = lines.find((candidate) => pattern.test(candidate.text));
					if (line === undefined && !exited) return;
					clearTimeout(timer);
					waiters.delete(check);
					if (line !== undefined) resolve(line);
					else
						reject(
							new Error(
								`Cannot see "${subject.label}" log ${String(pattern)}: it exited; last lines:\n${lines
									.slice(-8)
									.map((entry) => entry.text)
									.join('\n')}`,
							),
						);
				};
				waiters.add(check);
				check();
			}),
		stop: async (graceMs = 10_000) => {
			if (exited) return;
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
			await exit;
			clearTimeout(timer);
		},
	};
}

export function agentEnv(
	subject: Subject,
	state: RealState,
	shipped: Readonly<Record<string, string>>,
	node: string,
	imdsUrl: string,
	probesPort: number,
): Record<string, string> {
	const server = new URL(state.apiserverUrl);
	const env: Record<string, string> = {
		...shipped,
		...subject.env,
		NODE_NAME: node,
		INSTANCE_METADATA_URL: imdsUrl,
		KUBERNETES_SERVICE_HOST: server.hostname,
		KUBERNETES_SERVICE_PORT: server.port,
	};
	if (subject.kind === 'nth') {
		env['PROBES_SERVER_PORT'] = String(probesPort);
		env['PROBES_SERVER_HOST'] = '127.0.0.1';
	}
	return env;
}
