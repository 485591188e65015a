/**
 * @module The one error the template engine throws, for parse and execution failures alike.
 */

export interface TemplateErrorDetails {
	readonly kind: 'parse' | 'exec';
	/** For execution errors: the output written before the failure (Go leaves it in the writer). */
	readonly partial?: string | undefined;
	/** 1-based line of the failing node or token, when known. */
	readonly line?: number | undefined;
	/** 0-based byte column of the failing node (as in Go's `name:line:col`), for execution errors. */
	readonly column?: number | undefined;
	readonly cause?: unknown;
}

/**
 * A template failed to parse or execute. The message is Go's, e.g.
 * `template: message:1: unclosed action` or
 * `template: message:1:3: executing "message" at <.Missing>: can't evaluate field Missing in type main.combined`.
 */
export class TemplateError extends Error {
	override name = 'TemplateError';
	readonly kind: 'parse' | 'exec';
	readonly partial: string | undefined;
	readonly line: number | undefined;
	readonly column: number | undefined;
	constructor(message: string, details: TemplateErrorDetails) {
		super(message, details.cause === undefined ? undefined : { cause: details.cause });
		this.kind = details.kind;
		this.partial = details.partial;
		this.line = details.line;
		this.column = details.column;
	}
}

export function isTemplateError(error: unknown): error is TemplateError {
	return error instanceof Error && error.name === 'TemplateError';
}
