/**
 * @module One setting of the agent: its flag, env var, default, meaning and
 * parser, and the two helpers the settings table is written with.
 */
import type * as v from 'valibot';
import type { SecretKind } from './redact.ts';

type StringSchema = v.GenericSchema<string, unknown>;

export interface Setting<S extends StringSchema = StringSchema> {
	/** Long flag name without dashes, e.g. "dry-run". */
	readonly flag: string;
	readonly env: string;
	/** Default as text, parsed by {@link schema} like any other input. */
	readonly defaultText: string;
	readonly doc: string;
	readonly schema: S;
	readonly group: 'imds' | 'actions' | 'drain' | 'webhook' | 'observability' | 'kubernetes' | 'queue-processor';
	/** Deprecated spelling that still works (copied over with a warning). */
	readonly alias?: { readonly flag: string; readonly env: string };
	/**
	 * Holds a secret: config errors, the config dump and logs show the value
	 * only as redact.ts's shownValue allows (never the token, the headers or a
	 * proxy's user:password). Marked here, once, so no call site can forget.
	 */
	readonly secret?: SecretKind;
	/** Takes no value on the command line (`--dry-run` means true). */
	readonly boolean?: boolean;
	/** Accepted for compatibility with NTH's queue-processor mode, which nth does not implement. */
	readonly queueProcessorOnly?: boolean;
	/** Not in upstream NTH. */
	readonly nth?: boolean;
}

export function setting<S extends StringSchema>(value: Setting<S>): Setting<S> {
	return value;
}
export function flagOf<S extends StringSchema>(value: Omit<Setting<S>, 'boolean'>): Setting<S> {
	return { ...value, boolean: true };
}
