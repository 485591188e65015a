/**
 * @module Brings Go-style command lines into the one shape cac parses losslessly.
 *
 * NTH is a Go program: its users write `-dry-run`, `--grace-period -1` and
 * `--taint-node` (no value). cac (mri) reads `-dry-run` as short flags and
 * `--grace-period -1` as two options. So before cac sees the arguments, every
 * known setting is rewritten to `--name=value`; boolean settings given bare get
 * `=true`. Unknown options are left alone for cac to reject.
 */
import { settings } from './settings.ts';

const byFlag = new Map<string, { boolean: boolean }>();
for (const setting of Object.values(settings)) {
	byFlag.set(setting.flag, { boolean: setting.boolean === true });
	if (setting.alias) byFlag.set(setting.alias.flag, { boolean: setting.boolean === true });
}

/** Rewrites known settings to `--name=value`; everything else passes through. */
export function normalizeArgs(args: readonly string[], extraValueFlags: readonly string[] = []): string[] {
	const out: string[] = [];
	for (let i = 0; i < args.length; i += 1) {
		const arg = args[i] ?? '';
		if (arg === '--') {
			out.push(...args.slice(i));
			break;
		}
		const match = /^--?([a-z0-9][a-z0-9-]*)(=(.*))?$/s.exec(arg);
		const name = match?.[1];
		const known = name === undefined ? undefined : byFlag.get(name) ?? (extraValueFlags.includes(name) ? { boolean: false } : undefined);
		if (!match || name === undefined || known === undefined) {
			out.push(arg);
			continue;
		}
		if (match[2] !== undefined) out.push(`--${name}=${match[3] ?? ''}`);
		else if (known.boolean) out.push(`--${name}=true`);
		else if (i + 1 < args.length) {
			out.push(`--${name}=${args[i + 1] ?? ''}`);
			i += 1;
		} else out.push(`--${name}`); // cac reports the missing value
	}
	return out;
}
