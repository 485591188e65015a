/**
 * @module Resolves every setting from flags, env and defaults, and validates it.
 *
 * NTH's rules, kept exactly: flag > env var > default; an empty env var is
 * unset; deprecated aliases are copied over with a warning (the new name wins
 * when both are given); LOG_FORMAT_VERSION is clamped to 1..2. Every invalid
 * value fails the start with a message naming the setting, where the value came
 * from, and what was wrong; a secret-bearing setting's value is shown only as
 * its `secret` kind allows (redact.ts), and values are quoted and cut, so a
 * newline in a value cannot forge a line of the message.
 */
import * as v from 'valibot';
import { ConfigError } from '../errors.ts';
import { leaks, shownValue } from './redact.ts';
import { type Config, ConfigSchema } from './schema.ts';
import type { Setting } from './setting.ts';
import { type SettingKey, settingKeys, settings } from './settings.ts';

export interface LoadInput {
	readonly env: Readonly<Record<string, string | undefined>>;
	/** Parsed command-line options keyed by long flag name (e.g. "dry-run"); values as given. */
	readonly flags: Readonly<Record<string, unknown>>;
}

export type Source = 'flag' | 'env' | 'default';

export interface LoadedConfig {
	readonly config: Config;
	/** Where each setting's value came from. */
	readonly sources: Readonly<Record<SettingKey, Source>>;
	/** Things the operator should hear about (aliases, clamps), logged once the logger exists. */
	readonly warnings: readonly string[];
}

interface Raw {
	readonly text: string;
	readonly source: Source;
	readonly name: string;
}

function flagText(value: unknown): string | undefined {
	if (value === undefined) return undefined;
	// A repeated flag arrives as an array: the last one wins, as with Go's flag package.
	const last: unknown = Array.isArray(value) ? value.at(-1) : value;
	return last === undefined ? undefined : String(last);
}

function envText(env: LoadInput['env'], name: string): string | undefined {
	const text = env[name];
	return text === undefined || text === '' ? undefined : text;
}

function resolve(setting: Setting, input: LoadInput, warnings: string[]): Raw {
	const fromFlag = flagText(input.flags[setting.flag]);
	const current: Raw | undefined =
		fromFlag !== undefined
			? { text: fromFlag, source: 'flag', name: `--${setting.flag}` }
			: envText(input.env, setting.env) !== undefined
				? { text: envText(input.env, setting.env) ?? '', source: 'env', name: setting.env }
				: undefined;
	if (setting.alias) {
		const oldFlag = flagText(input.flags[setting.alias.flag]);
		const old: Raw | undefined =
			oldFlag !== undefined
				? { text: oldFlag, source: 'flag', name: `--${setting.alias.flag}` }
				: envText(input.env, setting.alias.env) !== undefined
					? { text: envText(input.env, setting.alias.env) ?? '', source: 'env', name: setting.alias.env }
					: undefined;
		if (old && current) {
			warnings.push(`Both ${old.name} (deprecated) and ${current.name} are set: using ${current.name}`);
		} else if (old) {
			warnings.push(`${old.name} is deprecated: use --${setting.flag} / ${setting.env}`);
			return old;
		}
	}
	return current ?? { text: setting.defaultText, source: 'default', name: `default of ${setting.env}` };
}

/** Field names of a WEBHOOK_SINKS entry: the only keys of a secret value shown in an error (a header name may be a secret). */
const shownKeys = new Set(['url', 'headers', 'template', 'templateFile', 'proxy', 'name']);

/** Where inside a structured value (JSON) the issue is: `[0].url`; stops at a key that may not be shown. */
function innerPath(issue: v.BaseIssue<unknown>): string {
	let out = '';
	for (const item of (issue.path ?? []).slice(1)) {
		if (typeof item.key === 'number') out += `[${item.key}]`;
		else if (typeof item.key === 'string' && shownKeys.has(item.key)) out += `.${item.key}`;
		else break;
	}
	return out;
}

/**
 * One line per issue: the setting, what is wrong, and where the value came
 * from, shown as the setting's secret kind allows. A secret setting's message
 * that still quotes part of the value (a parser's own text) is replaced.
 */
function describe(issue: v.BaseIssue<unknown>, raws: Readonly<Record<string, Raw>>): string {
	const key = issue.path?.[0]?.key;
	const raw = typeof key === 'string' ? raws[key] : undefined;
	if (typeof key !== 'string' || raw === undefined || !(key in settings)) return issue.message;
	const setting = settings[key as SettingKey];
	const message =
		setting.secret !== undefined && leaks(issue.message, raw.text)
			? "is invalid (the parser's message quoted the value, so it is not shown)"
			: issue.message;
	const from = raw.source === 'default' ? '' : ` [from ${raw.name}: ${shownValue(setting.secret, raw.text)}]`;
	return `${setting.env} (--${setting.flag})${innerPath(issue)} ${message}${from}`;
}

function crossChecks(config: Config, warnings: string[]): string[] {
	const problems: string[] = [];
	if (config.enableSqsTerminationDraining) {
		problems.push(
			'ENABLE_SQS_TERMINATION_DRAINING (--enable-sqs-termination-draining) is true: queue-processor (SQS) mode is not implemented by nth; run it in IMDS mode (one agent per node) or keep upstream NTH for SQS',
		);
	}
	if (config.heartbeatInterval !== -1 || config.heartbeatUntil !== -1) {
		problems.push('HEARTBEAT_INTERVAL / HEARTBEAT_UNTIL can only be set in queue-processor mode, as in NTH');
	}
	if (config.webhookTemplateFile === '' && config.webhookUrl !== '' && config.webhookTemplate.trim() === '') {
		problems.push('WEBHOOK_TEMPLATE (--webhook-template) is empty while WEBHOOK_URL is set');
	}
	if (config.logFormatVersion < 1 || config.logFormatVersion > 2) {
		warnings.push(`LOG_FORMAT_VERSION ${config.logFormatVersion} is out of range 1..2: clamped`);
	}
	return problems;
}

/** Resolves and validates the configuration. Throws ConfigError naming every bad setting. */
export function loadConfig(input: LoadInput): LoadedConfig {
	const warnings: string[] = [];
	const raws: Record<string, Raw> = {};
	for (const key of settingKeys) raws[key] = resolve(settings[key], input, warnings);
	const texts = Object.fromEntries(settingKeys.map((key) => [key, raws[key]?.text ?? '']));
	const result = v.safeParse(ConfigSchema, texts, { abortPipeEarly: true });
	if (!result.success) {
		const lines = result.issues.map((issue) => `  ${describe(issue, raws)}`);
		throw new ConfigError(
			`Cannot load configuration: ${result.issues.length === 1 ? 'one setting is' : `${result.issues.length} settings are`} invalid:\n${lines.join('\n')}`,
		);
	}
	const config: Config = { ...result.output, logFormatVersion: Math.min(2, Math.max(1, result.output.logFormatVersion)) };
	const problems = crossChecks(result.output, warnings);
	if (problems.length > 0) {
		throw new ConfigError(`Cannot load configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
	}
	const sources = Object.fromEntries(settingKeys.map((key) => [key, raws[key]?.source ?? 'default'])) as Record<SettingKey, Source>;
	return { config, sources, warnings };
}
