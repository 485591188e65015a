/**
 * @module The configuration schema, built from the settings table.
 *
 * Input: one string per setting (already resolved flag > env > default).
 * Output: the typed {@link Config}. Cross-setting rules live here too.
 */
import * as v from 'valibot';
import { type SettingKey, settingKeys, settings } from './settings.ts';

type SchemaMap = { readonly [K in SettingKey]: (typeof settings)[K]['schema'] };

function schemaMap(): SchemaMap {
	const entries = settingKeys.map((key) => [key, settings[key].schema] as const);
	// Object.fromEntries loses the per-key types the table has; rebuilding them is the point of SchemaMap.
	return Object.fromEntries(entries) as unknown as SchemaMap;
}

export const ConfigSchema = v.object(schemaMap());

/** The agent's configuration, inferred from the settings table. */
export type Config = v.InferOutput<typeof ConfigSchema>;
