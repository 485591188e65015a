/**
 * @module Registers every setting as a cac option, so `--help` documents each
 * one with its env var and default, straight from the settings table.
 */
import type { Command } from 'cac';
import { type SettingKey, settingKeys, settings } from './settings.ts';

const groupTitles: Record<string, string> = {
	kubernetes: 'Kubernetes',
	imds: 'IMDS monitoring',
	actions: 'Node actions',
	drain: 'Drain',
	webhook: 'Webhook',
	observability: 'Observability',
	'queue-processor': 'Queue processor (accepted for NTH compatibility, not implemented)',
};

function shownDefault(key: SettingKey): string {
	if (key === 'webhookTemplate') return "NTH's default template";
	const text = settings[key].defaultText;
	return text === '' ? '""' : text;
}

/** Adds one option per setting (and per deprecated alias) to the command. */
export function registerSettings(command: Command): Command {
	let group = '';
	for (const key of settingKeys) {
		const setting = settings[key];
		const title = setting.group !== group ? `[${groupTitles[setting.group] ?? setting.group}] ` : '';
		group = setting.group;
		const value = setting.boolean ? '[bool]' : '<value>';
		command.option(`--${setting.flag} ${value}`, `${title}${setting.doc} (env ${setting.env}, default ${shownDefault(key)})`);
		if (setting.alias) {
			command.option(`--${setting.alias.flag} ${value}`, `Deprecated: use --${setting.flag} (env ${setting.alias.env})`);
		}
	}
	return command;
}
