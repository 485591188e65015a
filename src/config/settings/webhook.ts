/**
 * @module The webhook: URL, headers, template, proxy, extra sinks, timeouts and retries.
 *
 * One group of the settings table (../settings.ts); ../setting.ts says what a setting holds. NTH's names,
 * env vars, defaults and aliases are kept verbatim.
 */
import { setting, flagOf } from '../setting.ts';
import { anyString, goBool, goInt, headersJson, optionalUrl, proxyUrl, sinksJson } from '../values.ts';

export const defaultWebhookTemplate =
	'{"text":"[NTH][Instance Interruption] EventID: {{ .EventID }} - Kind: {{ .Kind }} - Instance: {{ .InstanceID }} - Node: {{ .NodeName }} - Description: {{ .Description }} - Start Time: {{ .StartTime }}"}';

export const webhookSettings = {
	webhookUrl: setting({
		flag: 'webhook-url',
		env: 'WEBHOOK_URL',
		defaultText: '',
		schema: optionalUrl,
		group: 'webhook',
		secret: 'url',
		doc: 'POST a notification here on each interruption',
	}),
	webhookHeaders: setting({
		flag: 'webhook-headers',
		env: 'WEBHOOK_HEADERS',
		defaultText: '{"Content-type":"application/json"}',
		schema: headersJson,
		group: 'webhook',
		secret: 'value',
		doc: 'JSON object of string header values sent with the webhook',
	}),
	webhookTemplate: setting({
		flag: 'webhook-template',
		env: 'WEBHOOK_TEMPLATE',
		defaultText: defaultWebhookTemplate,
		schema: anyString,
		group: 'webhook',
		secret: 'value',
		doc: 'Go text/template (with Sprig functions) for the webhook body',
	}),
	webhookTemplateFile: setting({
		flag: 'webhook-template-file',
		env: 'WEBHOOK_TEMPLATE_FILE',
		defaultText: '',
		schema: anyString,
		group: 'webhook',
		doc: 'File holding the template (wins over webhook-template; re-read when it changes)',
	}),
	webhookProxy: setting({
		flag: 'webhook-proxy',
		env: 'WEBHOOK_PROXY',
		defaultText: '',
		schema: proxyUrl,
		group: 'webhook',
		secret: 'credentials',
		doc: 'HTTP proxy for webhooks (http:// or tcp://; CONNECT for https targets)',
	}),
	webhookSinks: setting({
		flag: 'webhook-sinks',
		env: 'WEBHOOK_SINKS',
		defaultText: '',
		schema: sinksJson,
		group: 'webhook',
		secret: 'value',
		nth: true,
		doc: 'More webhook destinations: JSON array of {"url","headers","template","templateFile","proxy","name"}; unset fields use the webhook-* settings',
	}),
	webhookTimeout: setting({
		flag: 'webhook-timeout',
		env: 'WEBHOOK_TIMEOUT',
		defaultText: '10',
		schema: goInt(1, 300),
		group: 'webhook',
		nth: true,
		doc: 'Seconds per webhook attempt',
	}),
	webhookRetryFor: setting({
		flag: 'webhook-retry-for',
		env: 'WEBHOOK_RETRY_FOR',
		defaultText: '120',
		schema: goInt(0, 3_600),
		group: 'webhook',
		nth: true,
		doc: 'Seconds to keep retrying a webhook on transport errors, 429 and 5xx (0: one attempt, as NTH)',
	}),
	webhookPerIncident: flagOf({
		flag: 'webhook-per-incident',
		env: 'WEBHOOK_PER_INCIDENT',
		defaultText: 'true',
		schema: goBool,
		group: 'webhook',
		nth: true,
		doc: 'One notification when an incident starts and one with its outcome (drained/failed/cancelled), instead of one per event',
	}),
} as const;
