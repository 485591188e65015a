/**
 * @module Reads the settings off a Go-style command line, as Go's flag package does.
 *
 * NTH is a Go program: its users write `-dry-run`, `--grace-period -1`,
 * `-node-name=x` and `--taint-node` (no value). cac (mri) reads `-dry-run` as
 * short flags, `--grace-period -1` as two options, and turns every value that
 * looks like a number into one (`--node-name=0123` became "123", `0x10` "16").
 * So the settings never go through cac: {@link parseGoArgs} takes every known
 * setting (and the given extra value flags) off the command line as raw text,
 * and leaves the rest (the command, --help, --version, unknown options, stray
 * words) for cac, which rejects what it does not know.
 *
 * The rules (argv.test.ts; test/e2e/go-truth.test.ts runs Go's flag package itself on the same
 * command lines and holds this parser to it):
 * - `-name` and `--name` are the same flag; names are case-sensitive.
 * - `-name=value` and `-name value` for a flag that takes a value; the value
 *   is the next argument whatever it looks like (`--grace-period -1`,
 *   `--webhook-url --dry-run` sets the URL to "--dry-run"), and may be empty
 *   (`-node-name=`).
 * - A boolean flag takes no separate value: `-dry-run` is true, `-dry-run=false`
 *   false; in `-dry-run false` the "false" is not its value (Go stops reading
 *   flags there; here cac rejects the stray word, so a later flag is never
 *   silently ignored).
 * - `--` ends the flags: nothing after it is read.
 * - A repeated flag: the last one wins.
 * - A flag needing a value at the very end (`-node-name`) is an error.
 * - `---name`, an unknown name: an error (cac: unknown option).
 */
import { settings } from './settings.ts';

const byFlag = new Map<string, { boolean: boolean }>();
for (const setting of Object.values(settings)) {
	byFlag.set(setting.flag, { boolean: setting.boolean === true });
	if (setting.alias) byFlag.set(setting.alias.flag, { boolean: setting.boolean === true });
}

export interface GoArgs {
	/** Long flag name (without dashes) → its raw text; the last occurrence wins. */
	readonly flags: Readonly<Record<string, string>>;
	/** Everything else, for cac (a flag missing its value is left here as `--name` for cac to report). */
	readonly rest: readonly string[];
}

/** Takes the known settings (and `extraValueFlags`) off `args` as raw text; the rest passes through. */
export function parseGoArgs(args: readonly string[], extraValueFlags: readonly string[] = []): GoArgs {
	const flags: Record<string, string> = {};
	const rest: string[] = [];
	for (let i = 0; i < args.length; i += 1) {
		const arg = args[i] ?? '';
		if (arg === '--') {
			// Go stops reading flags here; cac keeps what follows aside too (NTH ignores it).
			rest.push(...args.slice(i));
			break;
		}
		const match = /^--?([a-z0-9][a-z0-9-]*)(=(.*))?$/s.exec(arg);
		const name = match?.[1];
		const known = name === undefined ? undefined : (byFlag.get(name) ?? (extraValueFlags.includes(name) ? { boolean: false } : undefined));
		if (!match || name === undefined || known === undefined) {
			rest.push(arg);
			continue;
		}
		if (match[2] !== undefined) flags[name] = match[3] ?? '';
		else if (known.boolean) flags[name] = 'true';
		else if (i + 1 < args.length) {
			flags[name] = args[i + 1] ?? '';
			i += 1;
		} else rest.push(`--${name}`); // cac reports the missing value
	}
	return { flags, rest };
}
