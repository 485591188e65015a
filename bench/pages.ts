// Where the pages go (issue 11): for each executable, /proc/PID/smaps summed
// by mapping kind (the executable file, anonymous memory, shared libraries,
// other files) after start and after a drain, and how much of the executable
// a start touches (Rss of its mappings against its size; its pages in the
// page cache, read-ahead included, which the container's cgroup is charged
// for). Runs bench:floor's rung with no limit and --smaps: same stack, same
// private evicted copies on a loop device with a set read-ahead.
//
//   node bench/pages.ts [--only=bun,node,upstream,file:/path] [--read-ahead=128,8192] [--pods=100]
//
// Other bench:floor options pass through (--limits=none,32 adds limited rungs).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const argv = process.argv.slice(2);
const args = [
	join(root, 'bench', 'floor.ts'),
	'--smaps',
	...(argv.some((arg) => arg.startsWith('--limits=')) ? [] : ['--limits=none']),
	...argv,
];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
