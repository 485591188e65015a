/**
 * @module The webhook notifier: sending (the start-up check of the settings,
 * `validateWebhookConfig`, lives in webhook-config.ts and is re-exported here).
 *
 * `createNotifier(...).send()` renders the body per sink and POSTs it with
 * retries (post.ts). It never throws, and it logs NTH's lines
 * (`Webhook Success: Notification Sent!`, `Webhook Error: …`) so existing
 * greps and alerts keep working. `send()` only queues: it resolves at once,
 * so a failing sink (which may retry for WEBHOOK_RETRY_FOR) never holds up a
 * cordon or drain. Per sink, first attempts go out one at a time in send()
 * order, so the outcome never reaches a receiver before the start message's
 * first try; retries do not hold up the next message (a receiver that is down
 * would otherwise delay the outcome by WEBHOOK_RETRY_FOR). When a newer
 * message about the same event (or an outcome, after a start message) starts,
 * an older one still retrying stops
 * (logged as superseded): the newer one carries the same event, and a stale
 * start message must not arrive after the outcome. `flush()` waits for every
 * message still on its way (tests, shutdown).
 */
import { scrub, secretParts } from '../config/redact.ts';
import type { InstanceMetadata } from '../imds/types.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import type { FetchFn, Runtime } from '../runtime/types.ts';
import { version } from '../version.ts';
import { buildTemplateData, sampleTemplateData, type TemplateData } from './data.ts';
import type { Sleep } from '../clock.ts';
import { type AttemptFailure, postWithRetry } from './post.ts';
import { createTemplateSource, resolveSinks, type SinkSpec, type TemplateSource, type WebhookSettings } from './sinks.ts';
import { isTemplateError, type Template } from './template/template.ts';
import type { NotificationContext, Notifier } from './types.ts';
import { checkOnSample, envReader } from './webhook-config.ts';

export { validateWebhookConfig } from './webhook-config.ts';

export interface NotifierDeps {
	readonly config: WebhookSettings;
	readonly runtime: Pick<Runtime, 'createFetch' | 'readTextFile' | 'modifiedTimeMs' | 'env'>;
	readonly log: Logger;
	readonly metrics: Metrics;
	readonly metadata: InstanceMetadata;
	/** Wall clock, epoch ms. */
	readonly now: () => number;
	readonly sleep: Sleep;
	/** Uniform in [0, 1), for retry jitter. */
	readonly random: () => number;
}

/** The notifier createNotifier returns (the {@link Notifier} contract itself). */
export type WebhookNotifier = Notifier;

/** One message on its way to one sink. */
interface Delivery {
	/** Order of send() calls. */
	readonly seq: number;
	readonly eventId: string;
	/** A start message (no outcome yet). */
	readonly isStart: boolean;
	/** Ends this message's retries when a newer message about the same event (or any outcome, for a start message) starts. */
	readonly supersede: AbortController;
	/** Settles when the message is delivered or given up. */
	done: Promise<void>;
}

interface Sink {
	readonly spec: SinkSpec;
	readonly fetch: FetchFn;
	readonly template: TemplateSource;
	/** Settles when the newest message's first attempt is over: the next message's first attempt waits for it. */
	firstAttempts: Promise<void>;
	/** Messages not yet delivered or given up (first attempt or retries). */
	readonly pending: Set<Delivery>;
}

function failureMessage(failure: AttemptFailure): string {
	return failure.kind === 'status' ? 'Webhook Error: Received Non-Successful Status Code' : 'Webhook Error: Client Do failed';
}

/** An error's message with its causes, as the logger prints it. */
function errorText(error: unknown): string {
	let text = error instanceof Error ? error.message : String(error);
	let cause: unknown = error instanceof Error ? error.cause : undefined;
	for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
		text += `: ${cause instanceof Error ? cause.message : String(cause)}`;
		cause = cause instanceof Error ? cause.cause : undefined;
	}
	return text;
}

/** What a sink's errors must never print: its URL (a Slack URL is a credential) and its proxy's user:password. */
function sinkSecrets(spec: SinkSpec): string[] {
	const secrets = [spec.url, ...secretParts(spec.url)];
	if (spec.proxy !== undefined && URL.canParse(spec.proxy)) {
		const proxy = new URL(spec.proxy);
		// The parser keeps a malformed escape ("%zz") as typed, which decodeURIComponent would throw on.
		const decoded = /%(?![0-9a-f]{2})/i.test(proxy.password) ? proxy.password : decodeURIComponent(proxy.password);
		secrets.push(spec.proxy, decoded, proxy.password);
	}
	return secrets;
}

function failureFields(failure: AttemptFailure, spec: SinkSpec): Record<string, unknown> {
	if (failure.kind === 'status') return { status_code: failure.status, response: failure.body === '' ? undefined : failure.body };
	if (failure.kind === 'timeout') return { error: `no answer within ${failure.timeoutMs} ms` };
	// Runtimes may name the URL or the proxy in a transport error (Bun does).
	return { error: scrub(errorText(failure.error), sinkSecrets(spec)) };
}

/**
 * True when `newer` makes `older`'s retries pointless: it is about the same
 * event, or it is an outcome and `older` a start message (the incident's
 * headline event may have changed in between; one incident runs at a time).
 */
function supersedes(newer: Delivery, older: Delivery): boolean {
	return older.eventId === newer.eventId || (older.isStart && !newer.isStart);
}

/** Creates the notifier over every configured sink (none: `enabled` is false and `send` does nothing). */
export function createNotifier(deps: NotifierDeps): WebhookNotifier {
	const { config, runtime, log, metrics } = deps;
	const env = envReader(runtime);
	const sample = sampleTemplateData(deps.metadata, config.nodeName);
	const fetches = new Map<string, FetchFn>();
	const fetchFor = (proxy: string | undefined): FetchFn => {
		const key = proxy ?? '';
		let fetch = fetches.get(key);
		if (!fetch) {
			fetch = runtime.createFetch(proxy === undefined ? {} : { proxy });
			fetches.set(key, fetch);
		}
		return fetch;
	};
	const sinks: Sink[] = resolveSinks(config).map((spec) => ({
		spec,
		fetch: fetchFor(spec.proxy),
		template: createTemplateSource(spec.template, { runtime, log, metrics, check: (template) => checkOnSample(template, sample, env) }),
		firstAttempts: Promise.resolve(),
		pending: new Set<Delivery>(),
	}));
	let sequence = 0;
	const userAgent = `nth/${version}`;

	const failed = (): void => {
		metrics.webhookSent('error');
		metrics.errorCaught('webhook');
	};

	const deliver = async (
		sink: Sink,
		data: TemplateData,
		signal: AbortSignal,
		delivery: Delivery,
		firstAttemptDone: () => void,
	): Promise<void> => {
		const fields = { webhook: sink.spec.name };
		let template: Template;
		try {
			template = await sink.template.current();
		} catch (error) {
			const file = sink.spec.template.kind === 'file' ? sink.spec.template.path : undefined;
			log.error(isTemplateError(error) ? 'Webhook Error: Template parsing failed' : 'Webhook Error: Could not read template file', {
				...fields,
				webhook_template_file: file,
				error,
			});
			failed();
			return;
		}
		let body: string;
		try {
			body = template.execute(data, { env });
		} catch (error) {
			log.error('Webhook Error: Template execution failed', { ...fields, error });
			failed();
			return;
		}
		const ownAgent = Object.keys(sink.spec.headers).some((name) => name.toLowerCase() === 'user-agent');
		const headers: Record<string, string> = ownAgent ? { ...sink.spec.headers } : { 'user-agent': userAgent, ...sink.spec.headers };
		const result = await postWithRetry(
			{
				fetch: sink.fetch,
				url: sink.spec.url,
				headers,
				body,
				timeoutMs: config.webhookTimeout * 1000,
				retryForMs: config.webhookRetryFor * 1000,
				now: deps.now,
				sleep: deps.sleep,
				random: deps.random,
				onFirstAttemptDone: firstAttemptDone,
				stopRetrying: delivery.supersede.signal,
				onRetry: (failure, delayMs) =>
					log.warn(`${failureMessage(failure)}: will retry`, {
						...fields,
						attempt: failure.attempt,
						retry_in_ms: delayMs,
						...failureFields(failure, sink.spec),
					}),
			},
			signal,
		);
		if (result.ok) {
			log.info('Webhook Success: Notification Sent!', { ...fields, attempts: result.attempts > 1 ? result.attempts : undefined });
			metrics.webhookSent('success');
			return;
		}
		failed();
		if (result.superseded === true) {
			// The newer message (the outcome after the start) carries the same event: it is what the receiver needs now.
			log.warn('Webhook Error: Notification not sent: a newer notification about the same incident superseded it', {
				...fields,
				attempts: result.attempts,
				...(result.last === undefined ? {} : failureFields(result.last, sink.spec)),
			});
			return;
		}
		if (result.last === undefined || result.aborted) {
			log.warn('Webhook Error: Notification not sent: the agent is stopping', { ...fields, attempts: result.attempts });
			return;
		}
		const message = failureMessage(result.last);
		const extra = { ...fields, attempts: result.attempts, ...failureFields(result.last, sink.spec) };
		// NTH logs a bad status as a warning and a transport failure as an error.
		if (result.last.kind === 'status') log.warn(message, extra);
		else log.error(message, extra);
	};

	return {
		enabled: sinks.length > 0,
		send: async (context: NotificationContext, signal: AbortSignal) => {
			if (sinks.length === 0) return;
			const data = buildTemplateData({ ...context, nodeName: context.nodeName ?? config.nodeName, metadata: deps.metadata });
			for (const sink of sinks) {
				const previous = sink.firstAttempts;
				let firstAttemptDone = (): void => {};
				sink.firstAttempts = new Promise<void>((resolve) => {
					firstAttemptDone = resolve;
				});
				sequence += 1;
				const delivery: Delivery = {
					seq: sequence,
					eventId: context.event.eventId,
					isStart: context.outcome === undefined,
					supersede: new AbortController(),
					done: Promise.resolve(),
				};
				sink.pending.add(delivery);
				delivery.done = (async () => {
					// First attempts go out one at a time, in order: the outcome never reaches a receiver before the start message's first try.
					await previous;
					// Retries do not hold up the next message; an older message about the same event stops retrying, so it never arrives after the newer one.
					for (const older of sink.pending) if (older.seq < delivery.seq && supersedes(delivery, older)) older.supersede.abort();
					await deliver(sink, data, signal, delivery, firstAttemptDone);
				})()
					.catch((error: unknown) => {
						// deliver() handles its own failures; reaching here is a bug, logged so it is seen.
						log.error('Webhook Error: Notification failed unexpectedly', { webhook: sink.spec.name, error });
						failed();
					})
					.finally(() => {
						firstAttemptDone();
						sink.pending.delete(delivery);
					});
			}
		},
		flush: async (signal: AbortSignal) => {
			const all = Promise.all(sinks.flatMap((sink) => [...sink.pending].map((delivery) => delivery.done)));
			await new Promise<void>((resolve) => {
				if (signal.aborted) return resolve();
				signal.addEventListener('abort', () => resolve(), { once: true });
				void all.then(() => resolve());
			});
		},
	};
}
