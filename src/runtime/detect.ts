/**
 * @module Picks the {@link Runtime} implementation for the runtime we are on.
 */
import { createBunRuntime } from './bun.ts';
import { createDenoRuntime } from './deno.ts';
import { createLlrtRuntime, isLlrt } from './llrt.ts';
import { createNodeRuntime } from './node.ts';
import type { Runtime } from './types.ts';

/** Reports which runtime is executing, from the globals each one defines. */
export function runtimeKey(): 'node' | 'deno' | 'bun' | 'llrt' {
	const global: Record<string, unknown> = globalThis;
	if (global['Deno'] !== undefined) return 'deno';
	if (global['Bun'] !== undefined) return 'bun';
	// LLRT defines `process` with versions.llrt (and a placeholder versions.node).
	if (global['process'] !== undefined && isLlrt()) return 'llrt';
	return 'node';
}

/**
 * The Runtime for this process. Deno and Bun run the Node implementation
 * through their node: compatibility, with their own native fetch (measured
 * lighter; see bun.ts and deno.ts).
 */
export function detectRuntime(): Runtime {
	const key = runtimeKey();
	if (key === 'bun') return createBunRuntime();
	if (key === 'deno') return createDenoRuntime();
	if (key === 'llrt') return createLlrtRuntime();
	return createNodeRuntime();
}
