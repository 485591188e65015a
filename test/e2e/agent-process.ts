/**
 * @module Runs the built agent executable (`dist/nth`, or NTH_BIN) as a child
 * process for e2e scenarios: a clean environment plus the scenario's settings,
 * every stdout/stderr line with its arrival time, waits for a log line, stops
 * it with SIGTERM or SIGKILL and reports how it exited.
 *
 * Test code only (Node).
 *
 * @example
 * const agent = startAgent({ NODE_NAME: node, KUBECONFIG: kubeconfig, INSTANCE_METADATA_URL: aemm.url });
 * try {
 *   await agent.waitForLine(/has started successfully/);
 * } finally {
 *   await agent.stop();
 * }
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as v from 'valibot';

export interface AgentLine {
	/** When the line arrived (ms since the epoch). */
	readonly atMs: number;
	readonly stream: 'stdout' | 'stderr';
	readonly text: string;
}

export interface AgentExit {
	/** The exit code, or null when a signal ended it. */
	readonly code: number | null;
	readonly signal: NodeJS.Signals | null;
}

export interface StartAgentOptions {
	/** Executable. @default process.env.NTH_BIN ?? 'dist/nth' */
	readonly bin?: string;
	/** Command-line arguments after the executable. @default [] */
	readonly args?: readonly string[];
	/** A label for failure messages, e.g. the scenario. */
	readonly label?: string;
	/**
	 * Keep at most this many characters of each line (a hostile payload can make
	 * the agent print megabytes per line; {@link AgentProcess.outputBytes} still counts them all).
	 * @default unlimited
	 */
	readonly maxLineChars?: number;
	/**
	 * Wraps the command line (executable first) before it is spawned, e.g. to
	 * start the agent inside a memory cgroup (test/e2e/memory-limit.test.ts).
	 * The wrapper must exec the agent so the pid stays the agent's.
	 */
	readonly wrap?: (command: readonly string[]) => readonly string[];
}

export interface WaitForLineOptions {
	/** @default 30000 */
	readonly timeoutMs?: number;
	/** Only lines at this index or later (see {@link AgentProcess.mark}). @default 0 */
	readonly from?: number;
}

export interface AgentProcess {
	readonly pid: number;
	/** Every line so far, in arrival order. */
	lines(): readonly AgentLine[];
	/** The number of lines so far: pass it as `from` to wait only for lines after this point. */
	mark(): number;
	/** Bytes the agent wrote so far, per stream (whole lines, also where {@link StartAgentOptions.maxLineChars} cut them). */
	outputBytes(): { readonly stdout: number; readonly stderr: number };
	/** The last `count` lines as text, for failure messages. */
	tail(count?: number): string;
	/** Lines matching `pattern` (a string matches case-insensitively as a substring). */
	matching(pattern: RegExp | string): AgentLine[];
	/** Resolves with the first matching line; rejects on timeout or when the agent exits first. */
	waitForLine(pattern: RegExp | string, options?: WaitForLineOptions): Promise<AgentLine>;
	/** The exit, once it happened. */
	readonly exited: Promise<AgentExit>;
	/** The exit if it already happened. */
	exit(): AgentExit | undefined;
	/**
	 * Sends `signal` (default SIGTERM) and waits for the exit; after `timeoutMs`
	 * (default 10000) sends SIGKILL. Safe to call after the agent exited.
	 */
	stop(signal?: 'SIGTERM' | 'SIGKILL', options?: { readonly timeoutMs?: number }): Promise<AgentExit>;
}

/** Environment variables passed through from the test process; everything else comes from the scenario. */
const passThrough = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];

/** Agents still running, so a crashing test process does not leave them behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
	// Only this module's own children, each by its own handle.
	for (const child of live) child.kill('SIGKILL');
});

function matches(pattern: RegExp | string, text: string): boolean {
	return typeof pattern === 'string' ? text.toLowerCase().includes(pattern.toLowerCase()) : pattern.test(text);
}

const BuildManifestSchema = v.object({
	defaultFlavour: v.string(),
	executables: v.record(v.string(), v.object({ flavour: v.string(), env: v.optional(v.record(v.string(), v.string()), {}) })),
});

/**
 * The environment `bin` ships with (the image's ENV, the unit's Environment=),
 * from the dist/build.json beside it: the e2e tier runs executables as they
 * ship (Bun with its JIT off), not bare. Empty for a file build.json does not know.
 */
export function shippedEnv(bin: string): Record<string, string> {
	const manifestPath = join(dirname(bin), 'build.json');
	if (!existsSync(manifestPath)) return {};
	const manifest = v.parse(BuildManifestSchema, JSON.parse(readFileSync(manifestPath, 'utf8')));
	const name = basename(bin);
	const entry =
		name === 'nth'
			? Object.values(manifest.executables).find((info) => info.flavour === manifest.defaultFlavour)
			: manifest.executables[name];
	return { ...entry?.env };
}

/** Starts the agent with only its shipped environment and `env` (plus PATH/HOME/TMPDIR/LANG/TZ) in its environment. */
export function startAgent(env: Readonly<Record<string, string>>, options: StartAgentOptions = {}): AgentProcess {
	const bin = resolve(options.bin ?? process.env['NTH_BIN'] ?? 'dist/nth');
	const childEnv: Record<string, string> = shippedEnv(bin);
	for (const key of passThrough) {
		const value = process.env[key];
		if (value !== undefined) childEnv[key] = value;
	}
	Object.assign(childEnv, env);
	const [command = bin, ...args] = (options.wrap ?? ((line) => line))([bin, ...(options.args ?? [])]);
	const child = spawn(command, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
	live.add(child);
	const pid = child.pid;
	if (pid === undefined) throw new Error(`Cannot start the agent "${bin}": no pid (is it built? npm run test:e2e builds it)`);

	const lines: AgentLine[] = [];
	const bytes = { stdout: 0, stderr: 0 };
	const maxLineChars = options.maxLineChars ?? Number.POSITIVE_INFINITY;
	const waiters = new Set<() => void>();
	const notify = (): void => {
		for (const waiter of [...waiters]) waiter();
	};
	const collect = (stream: 'stdout' | 'stderr'): ((chunk: Buffer) => void) => {
		let partial = '';
		return (chunk) => {
			bytes[stream] += chunk.length;
			const parts = (partial + chunk.toString('utf8')).split('\n');
			partial = parts.pop() ?? '';
			// An unfinished line is kept only up to the cap (plus one, so it is known to be cut).
			if (partial.length > maxLineChars) partial = partial.slice(0, maxLineChars + 1);
			const atMs = Date.now();
			for (const text of parts) {
				lines.push({ atMs, stream, text: text.length > maxLineChars ? `${text.slice(0, maxLineChars)}…[${text.length} chars]` : text });
			}
			if (parts.length > 0) notify();
		};
	};
	child.stdout?.on('data', collect('stdout'));
	child.stderr?.on('data', collect('stderr'));

	let exit: AgentExit | undefined;
	const exited = new Promise<AgentExit>((resolveExit) => {
		child.once('exit', (code, signal) => {
			live.delete(child);
			exit = { code, signal };
			resolveExit(exit);
			notify();
		});
		child.once('error', (error) => {
			live.delete(child);
			lines.push({ atMs: Date.now(), stream: 'stderr', text: `spawn error: ${error.message}` });
			exit = { code: -1, signal: null };
			resolveExit(exit);
			notify();
		});
	});

	const label = options.label === undefined ? 'the agent' : `the agent (${options.label})`;
	const tail = (count = 40): string =>
		lines
			.slice(-count)
			.map((line) => `${line.stream === 'stderr' ? '!' : ' '} ${line.text}`)
			.join('\n');

	return {
		pid,
		lines: () => lines,
		mark: () => lines.length,
		outputBytes: () => ({ ...bytes }),
		tail,
		matching: (pattern) => lines.filter((line) => matches(pattern, line.text)),
		exited,
		exit: () => exit,
		waitForLine: (pattern, waitOptions = {}) => {
			const timeoutMs = waitOptions.timeoutMs ?? 30_000;
			const from = waitOptions.from ?? 0;
			return new Promise<AgentLine>((resolveLine, reject) => {
				let checked = from;
				const check = (): void => {
					for (; checked < lines.length; checked += 1) {
						const line = lines[checked];
						if (line !== undefined && matches(pattern, line.text)) {
							done();
							resolveLine(line);
							return;
						}
					}
					if (exit !== undefined) {
						done();
						reject(
							new Error(
								`Cannot see ${label} log ${String(pattern)}: it exited (code ${String(exit.code)}, signal ${String(exit.signal)}) first; last lines:\n${tail()}`,
							),
						);
					}
				};
				const timer = setTimeout(() => {
					done();
					reject(new Error(`Cannot see ${label} log ${String(pattern)}: not logged within ${timeoutMs} ms; last lines:\n${tail()}`));
				}, timeoutMs);
				const done = (): void => {
					clearTimeout(timer);
					waiters.delete(check);
				};
				waiters.add(check);
				check();
			});
		},
		stop: async (signal = 'SIGTERM', stopOptions = {}) => {
			if (exit !== undefined) return exit;
			child.kill(signal);
			const timer = setTimeout(() => child.kill('SIGKILL'), stopOptions.timeoutMs ?? 10_000);
			const result = await exited;
			clearTimeout(timer);
			return result;
		},
	};
}
