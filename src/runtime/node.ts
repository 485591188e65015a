/**
 * @module The Node (and Node-compatible) implementation of {@link Runtime}.
 */
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { createNodeFetch } from './node-fetch.ts';
import { serveNode } from './node-serve.ts';
import type { Runtime, RuntimeName } from './types.ts';

/**
 * Arguments after the executable. Every way nth runs has two leading entries:
 * `node script`, `deno script`, a Node SEA (`execPath invokedPath`, measured)
 * and a Bun executable (`bun /$bunfs/root/nth`).
 */
function userArgs(): string[] {
	return process.argv.slice(2);
}

/** Deno and Bun report a Node compatibility version in versions.node; show their own. */
function runtimeVersion(name: RuntimeName): string {
	const versions: Record<string, string | undefined> = process.versions;
	return (name === 'node' ? undefined : versions[name]) ?? process.versions.node;
}

export function createNodeRuntime(name: RuntimeName = 'node'): Runtime {
	return {
		name,
		version: runtimeVersion(name),
		env: () => process.env,
		args: userArgs,
		readTextFile: (path) => readFile(path, 'utf8'),
		modifiedTimeMs: async (path) => {
			try {
				return (await stat(path)).mtimeMs;
			} catch {
				return undefined; // "cannot be read" is the answer the caller asked for
			}
		},
		writeStdout: (text) => void process.stdout.write(text),
		writeStderr: (text) => void process.stderr.write(text),
		onSignal: (signal, handler) => {
			process.on(signal, handler);
			return () => void process.off(signal, handler);
		},
		exit: (code) => process.exit(code),
		serve: serveNode,
		createFetch: createNodeFetch,
		hostname: () => os.hostname(),
		resourceUsage: () => {
			const usage = process.resourceUsage();
			return {
				rssBytes: process.memoryUsage.rss(),
				heapUsedBytes: process.memoryUsage().heapUsed,
				cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
			};
		},
	};
}
