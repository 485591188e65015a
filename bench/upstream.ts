// Upstream NTH for side-by-side benchmarks (bench:detect, bench:floor, bench/pages.ts):
// built once from the Go module proxy into ~/.cache/nth-bench/upstream, never
// into the repository.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';

export const upstreamVersion = 'v1.25.6';
const upstreamModule = 'github.com/aws/aws-node-termination-handler';
const upstreamCache = join(homedir(), '.cache', 'nth-bench', 'upstream');
const upstreamBinary = join(upstreamCache, 'bin', `node-termination-handler-${upstreamVersion}`);

function go(args: readonly string[], cwd: string): string {
	const result = spawnSync('go', args, {
		cwd,
		encoding: 'utf8',
		env: {
			...process.env,
			GOMODCACHE: join(upstreamCache, 'gomod'),
			GOCACHE: join(upstreamCache, 'gobuild'),
			CGO_ENABLED: '0',
			GOTOOLCHAIN: 'local',
			GOFLAGS: '-mod=mod',
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	if (result.status !== 0) throw new Error(`Cannot run "go ${args.join(' ')}": ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
	return result.stdout;
}

/**
 * Upstream NTH's executable, built on first use; `undefined` without a Go
 * toolchain. (`go install module/cmd@version` fails here: it asks the proxy
 * for the module's version list, which the proxy refuses; a download of the
 * one version does not.)
 */
export function upstreamExecutable(): string | undefined {
	if (existsSync(upstreamBinary)) return upstreamBinary;
	if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return undefined;
	console.error(`bench: building upstream NTH ${upstreamVersion} from the Go module proxy into ${upstreamCache} (once)`);
	mkdirSync(join(upstreamCache, 'bin'), { recursive: true });
	const DownloadSchema = v.object({ Dir: v.string() });
	const download = v.parse(
		DownloadSchema,
		JSON.parse(go(['mod', 'download', '-json', `${upstreamModule}@${upstreamVersion}`], upstreamCache)),
	);
	const source = join(upstreamCache, `src-${upstreamVersion}`);
	rmSync(source, { recursive: true, force: true });
	// The module cache is read-only; go build writes go.sum entries.
	spawnSync('cp', ['-r', download.Dir, source]);
	spawnSync('chmod', ['-R', 'u+w', source]);
	go(['build', '-trimpath', '-ldflags', '-s -w', '-o', upstreamBinary, './cmd'], source);
	return upstreamBinary;
}
