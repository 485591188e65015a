/**
 * @module The LLRT implementation of {@link Runtime}: AWS's QuickJS-based Low
 * Latency Runtime, for the `llrt` flavour (scripts/build.mjs), whose whole
 * executable is a fraction of Bun's and idles in a few MiB.
 *
 * LLRT is not Node: its `process` has env, argv, exit and hrtime but no
 * stdout/stderr streams, no signal events, no memoryUsage or resourceUsage;
 * there is no `node:http`. So output goes through `console` (which prints a
 * string as it is, plus a newline), resource figures come from /proc/self, the
 * HTTP server is llrt-serve.ts and fetch is llrt-fetch.ts.
 *
 * Signals: LLRT installs no handler and offers none to JavaScript, so SIGTERM
 * and SIGINT end the process at once (the kernel's default), without the
 * agent's graceful stop. The agent keeps its state on the Node object (the
 * incident annotation), so a restarted agent resumes an open incident; what is
 * lost is the last log line and an in-flight webhook.
 */
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { flavour } from '../version.ts';
import { createLlrtFetch } from './llrt-fetch.ts';
import { serveLlrt } from './llrt-serve.ts';
import type { ResourceUsage, Runtime } from './types.ts';

/** True when this process runs on LLRT. */
export function isLlrt(): boolean {
	const versions: Record<string, string | undefined> = process.versions;
	return versions['llrt'] !== undefined;
}

/**
 * Arguments after the executable. The compiled executable (`llrt compile
 * --executable`, flavour "llrt") has argv `[exe, ...args]`; `llrt bundle.mjs
 * ...args` has the script in between.
 */
function userArgs(): string[] {
	return process.argv.slice(flavour === 'llrt' ? 1 : 2);
}

const pageBytes = 4096;
const clockTicks = 100;

/** RSS and CPU from /proc/self (LLRT has no process.memoryUsage or resourceUsage). */
export function procResourceUsage(readText: (path: string) => string = (path) => readFileSync(path).toString()): ResourceUsage {
	let rssBytes = 0;
	let cpuSeconds = 0;
	try {
		const statm = readText('/proc/self/statm').trim().split(/\s+/);
		rssBytes = Number(statm[1] ?? 0) * pageBytes;
		// Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
		const stat = readText('/proc/self/stat');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		cpuSeconds = (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / clockTicks;
	} catch {
		// No /proc (not Linux): the metrics show zeros rather than failing a scrape.
	}
	return { rssBytes, heapUsedBytes: 0, cpuSeconds };
}

/** Console prints its argument and a newline: drop one trailing newline so lines are not doubled. */
function withoutNewline(text: string): string {
	return text.endsWith('\n') ? text.slice(0, -1) : text;
}

export function createLlrtRuntime(): Runtime {
	const versions: Record<string, string | undefined> = process.versions;
	return {
		name: 'llrt',
		version: versions['llrt'] ?? 'unknown',
		env: () => ({ ...process.env }),
		args: userArgs,
		readTextFile: async (path) => (await readFile(path)).toString(),
		modifiedTimeMs: async (path) => {
			try {
				return (await stat(path)).mtimeMs;
			} catch {
				return undefined; // "cannot be read" is the answer the caller asked for
			}
		},
		writeStdout: (text) => console.log(withoutNewline(text)),
		writeStderr: (text) => console.error(withoutNewline(text)),
		onSignal: () => () => {
			// LLRT cannot deliver signals to JavaScript (see the module comment).
		},
		exit: (code) => process.exit(code),
		serve: serveLlrt,
		createFetch: (options) => createLlrtFetch(options),
		hostname: () => os.hostname(),
		resourceUsage: () => procResourceUsage(),
	};
}
