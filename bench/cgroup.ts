// A memory cgroup per measured agent, as a container's `limits.memory`
// enforces it (bench:floor). Whichever hierarchy the machine mounts with a
// memory controller: cgroup v1 (/sys/fs/cgroup/memory: memory.limit_in_bytes,
// failcnt, oom_control) or v2 (memory.max, memory.events). Either charges the
// cgroup for the page cache its processes fault in, their own executable
// included.
//
// "Working set" is the kubelet's: usage − inactive file pages.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupVersion = 'v1' | 'v2';

export interface CgroupHierarchy {
	readonly version: CgroupVersion;
	/** Where the memory controller is mounted, e.g. /sys/fs/cgroup/memory. */
	readonly root: string;
}

export interface MemorySample {
	readonly atMs: number;
	readonly usageBytes: number;
	readonly inactiveFileBytes: number;
	readonly workingSetBytes: number;
	/** Anonymous memory (v1 total_rss, v2 anon). */
	readonly anonBytes: number;
	/** Page cache (v1 total_cache, v2 file). */
	readonly fileBytes: number;
}

export interface MemoryCounters {
	/** Times the limit was hit (v1 memory.failcnt, v2 memory.events "max"). */
	readonly limitHits: number;
	/** Processes the OOM killer ended in this cgroup. */
	readonly oomKills: number;
	/** Highest usage the kernel saw (v1 max_usage_in_bytes, v2 memory.peak), page cache included. */
	readonly maxUsageBytes: number | undefined;
}

export interface MemoryCgroup {
	readonly path: string;
	/** The file a process writes its pid to in order to join. */
	readonly procsFile: string;
	sample(): MemorySample | undefined;
	counters(): MemoryCounters;
	/** Removes the cgroup (its processes must be gone); charges left behind move to the parent. */
	remove(): void;
}

/** Finds the hierarchy with a writable memory controller: v1 first (this machine), then the v2 unified mount. */
export function detectCgroup(): CgroupHierarchy {
	const v1 = '/sys/fs/cgroup/memory';
	if (existsSync(join(v1, 'memory.limit_in_bytes'))) return { version: 'v1', root: v1 };
	for (const candidate of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
		const controllers = join(candidate, 'cgroup.controllers');
		if (existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('memory')) {
			// Children get the memory controller only when the parent delegates it.
			writeFileSync(join(candidate, 'cgroup.subtree_control'), '+memory');
			return { version: 'v2', root: candidate };
		}
	}
	throw new Error(
		'Cannot find a memory cgroup controller: neither /sys/fs/cgroup/memory (v1) nor a v2 mount with "memory" in cgroup.controllers',
	);
}

function swapInUse(): boolean {
	return Number(/^SwapTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) > 0;
}

function statOf(text: string): Map<string, number> {
	const map = new Map<string, number>();
	for (const line of text.split('\n')) {
		const [key, value] = line.split(' ');
		if (key !== undefined && value !== undefined) map.set(key, Number(value));
	}
	return map;
}

function readNumber(path: string): number | undefined {
	try {
		const text = readFileSync(path, 'utf8').trim();
		return text === 'max' ? undefined : Number(text);
	} catch {
		return undefined; // a file this kernel lacks (v2 memory.peak before 5.19)
	}
}

/**
 * Creates `parent/name` (parents made as needed) with `limitBytes` as its
 * hard limit (`undefined`: no limit). For v1 the memory+swap limit is set
 * too when the machine has swap, so swap cannot hide a tight limit.
 */
export function createCgroup(hierarchy: CgroupHierarchy, name: string, limitBytes: number | undefined): MemoryCgroup {
	const path = join(hierarchy.root, name);
	mkdirSync(path, { recursive: true });
	if (hierarchy.version === 'v1') {
		if (limitBytes !== undefined) {
			writeFileSync(join(path, 'memory.limit_in_bytes'), String(limitBytes));
			// Only with swap to hide: with memory+swap limited too, this kernel (6.18) counts no failcnt at all.
			if (swapInUse() && existsSync(join(path, 'memory.memsw.limit_in_bytes')))
				writeFileSync(join(path, 'memory.memsw.limit_in_bytes'), String(limitBytes));
		}
	} else {
		if (limitBytes !== undefined) writeFileSync(join(path, 'memory.max'), String(limitBytes));
		if (existsSync(join(path, 'memory.swap.max'))) writeFileSync(join(path, 'memory.swap.max'), '0');
	}
	const v1 = hierarchy.version === 'v1';
	return {
		path,
		procsFile: join(path, 'cgroup.procs'),
		sample: () => {
			try {
				const stat = statOf(readFileSync(join(path, 'memory.stat'), 'utf8'));
				const usage = Number(readFileSync(join(path, v1 ? 'memory.usage_in_bytes' : 'memory.current'), 'utf8').trim());
				const inactive = (v1 ? stat.get('total_inactive_file') : stat.get('inactive_file')) ?? 0;
				return {
					atMs: performance.now(),
					usageBytes: usage,
					inactiveFileBytes: inactive,
					workingSetBytes: Math.max(0, usage - inactive),
					anonBytes: (v1 ? stat.get('total_rss') : stat.get('anon')) ?? 0,
					fileBytes: (v1 ? stat.get('total_cache') : stat.get('file')) ?? 0,
				};
			} catch {
				return undefined; // removed under us (end of a rung)
			}
		},
		counters: () => {
			if (v1) {
				const oom = statOf(readFileSync(join(path, 'memory.oom_control'), 'utf8'));
				return {
					limitHits: readNumber(join(path, 'memory.failcnt')) ?? 0,
					oomKills: oom.get('oom_kill') ?? 0,
					maxUsageBytes: readNumber(join(path, 'memory.max_usage_in_bytes')),
				};
			}
			const events = statOf(readFileSync(join(path, 'memory.events'), 'utf8'));
			return {
				limitHits: events.get('max') ?? 0,
				oomKills: events.get('oom_kill') ?? 0,
				maxUsageBytes: readNumber(join(path, 'memory.peak')),
			};
		},
		remove: () => {
			try {
				rmdirSync(path);
			} catch (error) {
				console.error(`bench: cannot remove cgroup ${path}: ${error instanceof Error ? error.message : String(error)}`);
			}
		},
	};
}

/** Removes an empty cgroup directory (the bench's parent of its per-rung cgroups); errors are reported, not thrown. */
export function removeCgroupTree(path: string): void {
	if (!existsSync(path)) return;
	try {
		rmdirSync(path);
	} catch (error) {
		console.error(`bench: cannot remove cgroup ${path}: ${error instanceof Error ? error.message : String(error)}`);
	}
}

/**
 * Wraps `command` so the process joins the cgroup before it execs: every
 * page the agent faults in, its executable's included, is charged there.
 */
export function inCgroup(cgroup: MemoryCgroup, command: readonly string[]): string[] {
	return ['sh', '-c', 'echo $$ > "$0" && exec "$@"', cgroup.procsFile, ...command];
}
