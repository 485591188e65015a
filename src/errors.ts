/**
 * @module The few error classes callers branch on.
 *
 * Messages follow one rule: "Cannot <action> <subject>: <detail>", sentence
 * case, values in quotes, no final period, and the underlying error as `cause`.
 * Type guards compare `name` so they work across bundles and realms.
 */

export class AgentError extends Error {
	override name = 'AgentError';
}

/** A setting (flag or env var) or a config file has a bad value. */
export class ConfigError extends AgentError {
	override name = 'ConfigError';
}

/** An IMDS request failed or IMDS answered something we cannot use. */
export class ImdsError extends AgentError {
	override name = 'ImdsError';
	readonly path: string;
	readonly status: number | undefined;
	constructor(message: string, details: { path: string; status?: number | undefined; cause?: unknown }) {
		super(message, details.cause === undefined ? undefined : { cause: details.cause });
		this.path = details.path;
		this.status = details.status;
	}
}

/** One `details.causes` entry of a Status: `reason` is the cause type (FieldValueInvalid, DisruptionBudget…). */
export interface KubeErrorCause {
	readonly reason: string | undefined;
	readonly message: string | undefined;
	readonly field: string | undefined;
}

/** A Kubernetes API request failed; `status` is the HTTP status when there was one. */
export class KubeError extends AgentError {
	override name = 'KubeError';
	readonly status: number | undefined;
	/** The Status object's `reason` (e.g. "NotFound", "TooManyRequests"), when the apiserver sent one. */
	readonly reason: string | undefined;
	/** The Status object's `details.causes` (which field a 422 is about, which budget a 429), empty when none. */
	readonly causes: readonly KubeErrorCause[];
	constructor(
		message: string,
		details: { status?: number | undefined; reason?: string | undefined; causes?: readonly KubeErrorCause[] | undefined; cause?: unknown },
	) {
		super(message, details.cause === undefined ? undefined : { cause: details.cause });
		this.status = details.status;
		this.reason = details.reason;
		this.causes = details.causes ?? [];
	}
}

export function isConfigError(error: unknown): error is ConfigError {
	return error instanceof Error && error.name === 'ConfigError';
}
export function isImdsError(error: unknown): error is ImdsError {
	return error instanceof Error && error.name === 'ImdsError';
}
export function isKubeError(error: unknown): error is KubeError {
	return error instanceof Error && error.name === 'KubeError';
}
/** True for an abort (an AbortSignal fired), whatever runtime raised it. */
export function isAbortError(error: unknown): boolean {
	return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
