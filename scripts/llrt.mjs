// LLRT (AWS's QuickJS-based Low Latency Runtime), built once per machine from
// crates.io into a cache, for the `llrt` flavour of scripts/build.mjs.
//
//   node scripts/llrt.mjs            builds it unless cached; prints the binary's path last
//   node scripts/llrt.mjs --check    prints the path if cached, exits 1 otherwise (no build)
//
// `cargo install --locked` (without --locked a dependency drift breaks
// llrt_crypto's build) into ~/.cache/nth-llrt/<version>/ (or $NTH_LLRT_ROOT/<version>/):
// about 3.5 min on 2 idle cores, longer on a shared machine. Idempotent and
// flock-ed: concurrent callers wait for one build and then reuse it. Needs
// cargo and the crates.io registry (CI calls it at install time, like
// scripts/targets.mjs); the build itself never does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The LLRT release the flavour is built and measured with. */
export const llrtVersion = '0.8.1-beta';

const cacheRoot = process.env.NTH_LLRT_ROOT || join(homedir(), '.cache', 'nth-llrt');

/** Where the cached binary lives (whether or not it is there yet). */
export function llrtBinary() {
	return join(cacheRoot, llrtVersion, 'bin', 'llrt');
}

/** True when the cached binary exists and runs. */
export function llrtReady() {
	const binary = llrtBinary();
	if (!existsSync(binary)) return false;
	const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
	return result.status === 0;
}

/** Builds LLRT into the cache unless it is there; returns the binary's path. */
export function ensureLlrt({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
	if (llrtReady()) return llrtBinary();
	mkdirSync(cacheRoot, { recursive: true });
	const lock = join(cacheRoot, '.lock');
	log(`llrt: building llrt ${llrtVersion} from crates.io into ${join(cacheRoot, llrtVersion)} (minutes)`);
	// flock serialises builders; the one that waited finds the binary and cargo says it is installed.
	const result = spawnSync(
		'flock',
		[lock, 'cargo', 'install', '--locked', 'llrt', '--version', llrtVersion, '--root', join(cacheRoot, llrtVersion)],
		{ stdio: ['ignore', 'inherit', 'inherit'] },
	);
	if (result.error)
		throw new Error(`Cannot build llrt ${llrtVersion}: ${result.error.message} (are flock and cargo installed?)`, { cause: result.error });
	if (result.status !== 0 || !llrtReady()) throw new Error(`Cannot build llrt ${llrtVersion}: cargo install exited with ${result.status}`);
	return llrtBinary();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	if (process.argv.includes('--check')) {
		if (!llrtReady()) {
			console.error(`llrt ${llrtVersion} is not built yet: run "node scripts/llrt.mjs"`);
			process.exit(1);
		}
		console.log(llrtBinary());
	} else {
		try {
			console.log(ensureLlrt());
		} catch (error) {
			console.error(error instanceof Error ? error.message : String(error));
			process.exit(1);
		}
	}
}
