/**
 * @module Structured logs in NTH's two shapes.
 *
 * Text (default) follows zerolog's ConsoleWriter as NTH configures it, so
 * operators' greps keep working: `2006/01/02 15:04:05 INF message key=value`;
 * levels below warn go to stdout, warn and error to stderr. JSON
 * (`JSON_LOGGING`) writes one object per line to stderr only, with `level`,
 * `time` (RFC 3339), `message`, and the structured fields (`error` holds an
 * error's message).
 *
 * Every string value (fields, nested ones, error messages and their causes)
 * is clipped to {@link maxLoggedChars} with its length, and arrays to
 * {@link maxLoggedItems} items, here once, so no call site can forget: the
 * values come from IMDS, the apiserver and webhook receivers.
 */
import { clip, maxLoggedChars } from './clip.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
	debug(message: string, fields?: LogFields): void;
	info(message: string, fields?: LogFields): void;
	warn(message: string, fields?: LogFields): void;
	error(message: string, fields?: LogFields): void;
	/** A logger that adds `fields` to every line. */
	with(fields: LogFields): Logger;
	enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
	/** Lowest level written. @default "info" */
	readonly level?: LogLevel;
	/** One JSON object per line on stderr instead of text. @default false */
	readonly json?: boolean;
	readonly stdout: (text: string) => void;
	readonly stderr: (text: string) => void;
	/** Clock for timestamps. @default () => new Date() */
	readonly now?: () => Date;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const textLevel: Record<LogLevel, string> = { debug: 'DBG', info: 'INF', warn: 'WRN', error: 'ERR' };

function pad(value: number): string {
	return String(value).padStart(2, '0');
}

/** Go layout `2006/01/02 15:04:05`, in UTC (containers run in UTC; hosts get the same). */
function textTime(date: Date): string {
	return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/** Longest array logged; the rest is summarised. */
export const maxLoggedItems = 100;

/** A log message is ours, but may quote a value: clipped more loosely than a field. */
const maxMessageChars = 4 * maxLoggedChars;

/** Errors become their message (with causes, each clipped), strings are clipped, long arrays cut, so they print and serialise usefully. */
function plain(value: unknown): unknown {
	if (value instanceof Error) {
		let text = clip(value.message);
		let cause: unknown = value.cause;
		for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
			text += `: ${clip(cause instanceof Error ? cause.message : String(cause))}`;
			cause = cause instanceof Error ? cause.cause : undefined;
		}
		return text;
	}
	if (typeof value === 'string') return clip(value);
	if (Array.isArray(value) && value.length > maxLoggedItems) return [...value.slice(0, maxLoggedItems), `… (${value.length} items)`];
	return value;
}

function textValue(value: unknown): string {
	const simple = plain(value);
	if (typeof simple === 'string') return /[\s"=]/.test(simple) || simple === '' ? JSON.stringify(simple) : simple;
	if (typeof simple === 'number' || typeof simple === 'boolean' || simple === null || simple === undefined) {
		return String(simple);
	}
	return JSON.stringify(simple, (_key, inner: unknown) => plain(inner));
}

/** Creates a logger writing through the given sinks. */
export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
	const minimum = rank[options.level ?? 'info'];
	const now = options.now ?? (() => new Date());
	const write = (level: LogLevel, message: string, fields: LogFields | undefined): void => {
		if (rank[level] < minimum) return;
		const all = fields === undefined ? bound : { ...bound, ...fields };
		const date = now();
		const text = clip(message, maxMessageChars);
		if (options.json) {
			const record = { level, time: date.toISOString().replace(/\.\d{3}Z$/, 'Z'), message: text, ...all };
			// The message has its own, looser bound; a field named "message" is a field like any other.
			const line = JSON.stringify(record, function (this: unknown, key, value: unknown) {
				return this === record && key === 'message' && value === text ? value : plain(value);
			});
			options.stderr(`${line}\n`);
			return;
		}
		let line = `${textTime(date)} ${textLevel[level]} ${text}`;
		for (const [key, value] of Object.entries(all)) {
			if (value !== undefined) line += ` ${key}=${textValue(value)}`;
		}
		(rank[level] >= rank.warn ? options.stderr : options.stdout)(`${line}\n`);
	};
	return {
		debug: (message, fields) => write('debug', message, fields),
		info: (message, fields) => write('info', message, fields),
		warn: (message, fields) => write('warn', message, fields),
		error: (message, fields) => write('error', message, fields),
		with: (fields) => createLogger(options, { ...bound, ...fields }),
		enabled: (level) => rank[level] >= minimum,
	};
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
	return createLogger({ level: 'error', stdout: () => {}, stderr: () => {} });
}

/** A logger that keeps its lines in memory, for tests that assert on them. */
export function memoryLogger(level: LogLevel = 'debug'): Logger & { readonly lines: string[] } {
	const lines: string[] = [];
	const push = (text: string): void => void lines.push(text.trimEnd());
	return Object.assign(createLogger({ level, stdout: push, stderr: push, now: () => new Date(0) }), { lines });
}
