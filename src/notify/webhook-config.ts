/**
 * @module The webhook settings checked at start, as NTH's
 * ValidateWebhookConfig: every sink's URL, headers and template are checked,
 * the template is parsed and executed on a sample event, and any failure
 * stops the start with a ConfigError naming the setting and the template
 * error's position.
 */
import { ConfigError } from '../errors.ts';
import type { InstanceMetadata } from '../imds/types.ts';
import type { Runtime } from '../runtime/types.ts';
import { sampleInstanceMetadata, sampleTemplateData, type TemplateData } from './data.ts';
import { resolveSinks, type SinkSpec, type WebhookSettings } from './sinks.ts';
import { isTemplateError, parseTemplate, type Template, type TemplateError } from './template/template.ts';

function position(error: TemplateError): string {
	if (error.line === undefined) return '';
	return error.column === undefined ? `, line ${error.line}` : `, line ${error.line}, column ${error.column}`;
}

/** Throws when `template` cannot render the sample event (NTH's start-up check, on a populated event). */
export function checkOnSample(template: Template, sample: TemplateData, env: (name: string) => string | undefined): void {
	template.execute(sample, { env });
}

export function envReader(runtime: Pick<Runtime, 'env'>): (name: string) => string | undefined {
	// Sprig's env/expandenv read the process environment in NTH (TxtFuncMap is not hermetic).
	return (name) => runtime.env()[name];
}

function checkHeaders(spec: SinkSpec): void {
	for (const [name, value] of Object.entries(spec.headers)) {
		try {
			new Headers([[name, value]]);
		} catch (error) {
			throw new ConfigError(`Cannot use the webhook headers (${spec.headersSetting}): "${name}" is not a valid HTTP header name or value`, {
				cause: error,
			});
		}
	}
}

/**
 * Checks every sink at start: http(s) URL, valid headers, a readable template
 * that parses and renders a sample event. Throws ConfigError naming the setting.
 * Needs no IMDS answer: without `metadata` the sample event uses sample
 * instance metadata, so the check runs before IMDS is asked anything.
 */
export async function validateWebhookConfig(deps: {
	readonly config: WebhookSettings;
	readonly runtime: Pick<Runtime, 'readTextFile' | 'env'>;
	readonly metadata?: InstanceMetadata | undefined;
}): Promise<void> {
	const sample = sampleTemplateData(deps.metadata ?? sampleInstanceMetadata, deps.config.nodeName);
	const env = envReader(deps.runtime);
	for (const spec of resolveSinks(deps.config)) {
		const urlSetting = spec.name === 'webhook-url' ? 'WEBHOOK_URL' : `WEBHOOK_SINKS (sink "${spec.name}")`;
		if (!/^https?:\/\//i.test(spec.url))
			throw new ConfigError(`Cannot use the webhook URL (${urlSetting}): it must be an http:// or https:// URL`);
		checkHeaders(spec);
		const source = spec.template;
		let text: string;
		if (source.kind === 'file') {
			try {
				text = await deps.runtime.readTextFile(source.path);
			} catch (error) {
				throw new ConfigError(
					`Cannot read the webhook template file "${source.path}" (${source.setting}): ${error instanceof Error ? error.message : String(error)}`,
					{ cause: error },
				);
			}
		} else text = source.text;
		let template: Template;
		try {
			template = parseTemplate(text);
		} catch (error) {
			if (!isTemplateError(error)) throw error;
			throw new ConfigError(`Cannot parse the webhook template (${source.setting}${position(error)}): ${error.message}`, { cause: error });
		}
		try {
			checkOnSample(template, sample, env);
		} catch (error) {
			if (!isTemplateError(error)) throw error;
			throw new ConfigError(
				`Cannot execute the webhook template on a sample event (${source.setting}${position(error)}): ${error.message}`,
				{ cause: error },
			);
		}
	}
}
