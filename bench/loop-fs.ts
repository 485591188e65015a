// A private ext4 file system on a loop device for bench:floor: the agents'
// executables are copied there, so the bench can set the read-ahead a page
// fault triggers (the loop device's queue/read_ahead_kb) without touching the
// host's disk. EC2's EBS/NVMe volumes read ahead 128 KB; this machine's disk
// 8192 KB: how much a refault pulls in decides how hard a tight limit thrashes.
//
// The backing file lives on the real disk (under the system temp dir), never
// on tmpfs (/dev/shm): a refault would then be a memory copy, not a disk read.
// The loop device runs with direct I/O, so the backing file's own pages never
// enter the page cache: the only cache is the loop file system's, charged to
// the cgroup of the process that faults it in, as on a node.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface LoopFs {
	/** e.g. /dev/loop3 */
	readonly device: string;
	readonly mountPoint: string;
	readonly backingFile: string;
	/** Sets the device's read-ahead (KB) and returns what the kernel reports back. */
	setReadAhead(kb: number): number;
	/** Copies `source` onto the file system as `name` (synced to disk, then evicted) and returns its path. */
	copy(source: string, name: string): string;
	/** Unmounts, detaches and deletes; safe to call twice, and from an exit handler (synchronous). */
	destroy(): void;
}

function run(command: string, args: readonly string[]): string {
	const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	if (result.error !== undefined) throw new Error(`Cannot run "${command}": ${result.error.message}`, { cause: result.error });
	if (result.status !== 0) throw new Error(`Cannot run "${command} ${args.join(' ')}": ${result.stderr.trim()}`);
	return result.stdout.trim();
}

/**
 * Drops `path`'s pages from the page cache (GNU dd: `iflag=nocache count=0`
 * discards the whole file's cache; clean pages only, so copies are synced
 * first). Pages another process maps stay: the previous agent must be gone.
 */
export function evictFile(path: string): void {
	spawnSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' });
}

/** Bytes of `path` in the page cache now (util-linux fincore), or undefined without fincore. */
export function cachedBytes(path: string): number | undefined {
	const result = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' });
	if (result.status !== 0) return undefined;
	const value = Number(result.stdout.trim());
	return Number.isFinite(value) ? value : undefined;
}

/** Creates, formats and mounts a `sizeBytes` ext4 file system on a fresh loop device. */
export function createLoopFs(sizeBytes: number): LoopFs {
	const dir = mkdtempSync(join(tmpdir(), 'nth-floor-'));
	const backingFile = join(dir, 'backing.ext4');
	const mountPoint = join(dir, 'mnt');
	mkdirSync(mountPoint);
	let device: string | undefined;
	let mounted = false;
	let destroyed = false;
	const destroy = (): void => {
		if (destroyed) return;
		destroyed = true;
		if (mounted) {
			const unmount = spawnSync('umount', [mountPoint], { encoding: 'utf8' });
			// A process still holding a file (an agent being killed): detach lazily rather than leak the mount.
			if (unmount.status !== 0) spawnSync('umount', ['-l', mountPoint]);
		}
		if (device !== undefined) spawnSync('losetup', ['-d', device]);
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		writeFileSync(backingFile, '');
		run('truncate', ['-s', String(sizeBytes), backingFile]);
		run('mkfs.ext4', ['-q', '-F', '-m', '0', backingFile]);
		evictFile(backingFile);
		device = run('losetup', ['--find', '--show', '--direct-io=on', backingFile]);
		run('mount', [device, mountPoint]);
		mounted = true;
	} catch (error) {
		destroy();
		throw new Error(`Cannot set up the loop file system for the executables: ${error instanceof Error ? error.message : String(error)}`, {
			cause: error,
		});
	}
	const loop = device;
	const readAheadFile = `/sys/block/${basename(loop)}/queue/read_ahead_kb`;
	return {
		device: loop,
		mountPoint,
		backingFile,
		setReadAhead: (kb) => {
			writeFileSync(readAheadFile, String(kb));
			return Number(run('cat', [readAheadFile]));
		},
		copy: (source, name) => {
			const target = join(mountPoint, name);
			copyFileSync(source, target);
			spawnSync('chmod', ['755', target]);
			run('sync', [target]);
			evictFile(target);
			if (statSync(target).size !== statSync(source).size) throw new Error(`Cannot copy "${source}" to the loop file system: sizes differ`);
			return target;
		},
		destroy,
	};
}
