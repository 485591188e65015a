/**
 * @module The configuration as printed at start, secrets redacted.
 *
 * Webhook URLs, headers, templates and sinks may carry credentials (Slack
 * tokens live in URLs), so they are never printed: a set value shows as
 * `<provided-not-displayed>`, an unset one as `<not-displayed>`, as NTH does;
 * a proxy shows without its user:password. settings.ts marks which is which.
 */
import type { Config } from './schema.ts';
import { type SettingKey, settingKeys, settings } from './settings.ts';
import type { Source } from './load.ts';
import { proxyShown } from './redact.ts';

function shown(key: SettingKey, value: unknown, source: Source): unknown {
	const secret = settings[key].secret;
	// A proxy's host helps the operator and is no secret: shown without its user:password.
	if (secret === 'credentials' && typeof value === 'string') return value === '' ? '' : (proxyShown(value) ?? '<provided-not-displayed>');
	if (secret !== undefined) return source === 'default' ? '<not-displayed>' : '<provided-not-displayed>';
	return value;
}

/** snake_case field → value, for the JSON log line (NTH's JSON names are snake_case). */
export function configFields(config: Config, sources: Readonly<Record<SettingKey, Source>>): Record<string, unknown> {
	const fields: Record<string, unknown> = {};
	for (const key of settingKeys) {
		if (settings[key].queueProcessorOnly) continue;
		fields[settings[key].flag.replaceAll('-', '_')] = shown(key, config[key], sources[key]);
	}
	return fields;
}

/** The human block: one `flag: value,` line per setting. */
export function configText(config: Config, sources: Readonly<Record<SettingKey, Source>>): string {
	const lines = settingKeys
		.filter((key) => !settings[key].queueProcessorOnly)
		.map((key) => {
			const value = shown(key, config[key], sources[key]);
			return `\t${settings[key].flag}: ${typeof value === 'string' ? value : JSON.stringify(value)},`;
		});
	return `nth arguments: \n${lines.join('\n')}\n`;
}
