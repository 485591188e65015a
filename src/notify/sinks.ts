/**
 * @module Webhook destinations ("sinks") from the settings, and where each
 * one's template comes from.
 *
 * WEBHOOK_URL with WEBHOOK_HEADERS / WEBHOOK_TEMPLATE(_FILE) / WEBHOOK_PROXY is
 * NTH's single sink. Each WEBHOOK_SINKS entry is one more; fields it leaves out
 * fall back to those settings. A template file wins over inline text, as in
 * NTH. A file is re-read only when its modification time changes (NTH reads
 * it on every post), and a new version that fails to parse or to render a
 * sample event is logged and ignored: the last good one stays in use.
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { Runtime } from '../runtime/types.ts';
import { parseTemplate, type Template } from './template/template.ts';

export type WebhookSettings = Pick<
	Config,
	| 'webhookUrl'
	| 'webhookHeaders'
	| 'webhookTemplate'
	| 'webhookTemplateFile'
	| 'webhookProxy'
	| 'webhookSinks'
	| 'webhookTimeout'
	| 'webhookRetryFor'
	| 'nodeName'
>;

export type TemplateSpec =
	| { readonly kind: 'inline'; readonly text: string; readonly setting: string }
	| { readonly kind: 'file'; readonly path: string; readonly setting: string };

export interface SinkSpec {
	/** For logs: "webhook-url" for WEBHOOK_URL, else the entry's name or "sink-<n>". Never the URL (it is a secret). */
	readonly name: string;
	readonly url: string;
	readonly headers: Readonly<Record<string, string>>;
	/** Which settings gave the headers (for error messages). */
	readonly headersSetting: string;
	readonly template: TemplateSpec;
	/** Proxy URL, or undefined for a direct connection. */
	readonly proxy: string | undefined;
}

function defaultTemplate(settings: WebhookSettings): TemplateSpec {
	return settings.webhookTemplateFile !== ''
		? { kind: 'file', path: settings.webhookTemplateFile, setting: 'WEBHOOK_TEMPLATE_FILE' }
		: { kind: 'inline', text: settings.webhookTemplate, setting: 'WEBHOOK_TEMPLATE' };
}

/** Every configured sink, WEBHOOK_URL's first. */
export function resolveSinks(settings: WebhookSettings): SinkSpec[] {
	const sinks: SinkSpec[] = [];
	if (settings.webhookUrl !== '') {
		sinks.push({
			name: 'webhook-url',
			url: settings.webhookUrl,
			headers: settings.webhookHeaders,
			headersSetting: 'WEBHOOK_HEADERS',
			template: defaultTemplate(settings),
			proxy: settings.webhookProxy === '' ? undefined : settings.webhookProxy,
		});
	}
	settings.webhookSinks.forEach((entry, index) => {
		const at = `WEBHOOK_SINKS[${index}]`;
		const template: TemplateSpec =
			entry.templateFile !== undefined && entry.templateFile !== ''
				? { kind: 'file', path: entry.templateFile, setting: `${at}.templateFile` }
				: entry.template !== undefined
					? { kind: 'inline', text: entry.template, setting: `${at}.template` }
					: defaultTemplate(settings);
		const proxy = entry.proxy ?? settings.webhookProxy;
		sinks.push({
			name: entry.name ?? `sink-${index + 1}`,
			url: entry.url,
			headers: entry.headers ?? settings.webhookHeaders,
			headersSetting: entry.headers === undefined ? 'WEBHOOK_HEADERS' : `${at}.headers`,
			template,
			proxy: proxy === '' ? undefined : proxy,
		});
	});
	return sinks;
}

/** The current template of one sink. */
export interface TemplateSource {
	/** The usable template; throws the read or parse error when there has never been a good one. */
	current(): Promise<Template>;
}

export interface TemplateSourceDeps {
	readonly runtime: Pick<Runtime, 'readTextFile' | 'modifiedTimeMs'>;
	readonly log: Logger;
	readonly metrics: Metrics;
	/** Throws when a freshly read template cannot render a sample event. */
	readonly check: (template: Template) => void;
}

/** Inline text: parsed once, on first use. */
function inlineSource(text: string): TemplateSource {
	let parsed: Template | undefined;
	return {
		current: async () => {
			parsed ??= parseTemplate(text);
			return parsed;
		},
	};
}

/** A file: re-read when its mtime changes; a bad new version keeps the last good one. */
function fileSource(path: string, deps: TemplateSourceDeps): TemplateSource {
	let good: { readonly mtimeMs: number; readonly template: Template } | undefined;
	let rejected: { readonly mtimeMs: number; readonly error: unknown } | undefined;
	return {
		current: async () => {
			const mtimeMs = await deps.runtime.modifiedTimeMs(path);
			if (mtimeMs === undefined) {
				if (good) {
					deps.log.warn('Webhook Error: Could not read template file: using the last good template', { webhook_template_file: path });
					return good.template;
				}
				throw new Error(`Cannot read the webhook template file "${path}": it does not exist or cannot be read`);
			}
			if (good?.mtimeMs === mtimeMs) return good.template;
			if (rejected?.mtimeMs === mtimeMs) {
				if (good) return good.template;
				throw rejected.error;
			}
			try {
				const template = parseTemplate(await deps.runtime.readTextFile(path));
				deps.check(template);
				if (good) deps.log.info('Webhook template file changed: using the new template', { webhook_template_file: path });
				good = { mtimeMs, template };
				rejected = undefined;
				return template;
			} catch (error) {
				rejected = { mtimeMs, error };
				// Without a good template the send fails: the caller logs and counts it.
				if (!good) throw error;
				deps.metrics.errorCaught('webhook');
				deps.log.error('Webhook Error: Template parsing failed: keeping the last good template', { webhook_template_file: path, error });
				return good.template;
			}
		},
	};
}

export function createTemplateSource(spec: TemplateSpec, deps: TemplateSourceDeps): TemplateSource {
	return spec.kind === 'inline' ? inlineSource(spec.text) : fileSource(spec.path, deps);
}
