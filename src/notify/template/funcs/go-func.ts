/**
 * @module How a template function is declared: its Go parameter types (the executor checks
 * arguments against them exactly as Go's reflection-based call does) and its implementation.
 */

/**
 * A Go parameter type. `any` is `interface {}` (nil arrives as `null`); `value` is
 * `reflect.Value` (Go's builtins: a missing value arrives as `undefined`); `int`, `int64`,
 * `float64` and `time.Duration` arrive as JS numbers, `time.Time` as a GoTime, maps as Maps.
 */
export type ParamType =
	| 'any'
	| 'value'
	| 'string'
	| 'bool'
	| 'int'
	| 'int64'
	| 'float64'
	| 'time.Time'
	| 'time.Duration'
	| 'map[string]interface {}'
	| '[]interface {}'
	| '[]string';

export interface GoFunc {
	readonly params: readonly ParamType[];
	/** Element type of a trailing `...` parameter. */
	readonly variadic?: ParamType | undefined;
	/** Called with the converted arguments (a method gets its receiver first); throws for Go's error result or a panic. */
	readonly fn: (...args: never[]) => unknown;
	/** Receives the execution context before its arguments (env, clock). */
	readonly context?: boolean | undefined;
}

/** What functions may read from the outside world during one execution. */
export interface ExecContext {
	/** An environment variable (Sprig's `env`, `expandenv`). */
	readonly env: (name: string) => string | undefined;
	/** The current time (`now`, `ago`, `date` of a non-time). */
	readonly now: () => Date;
}

/** A function with fixed parameters. */
export function fn(params: readonly ParamType[], impl: (...args: never[]) => unknown): GoFunc {
	return { params, fn: impl };
}

/** A function whose last parameter is `...variadic`. */
export function vfn(params: readonly ParamType[], variadic: ParamType, impl: (...args: never[]) => unknown): GoFunc {
	return { params, variadic, fn: impl };
}

/** A function that reads the execution context. */
export function cfn(params: readonly ParamType[], impl: (context: ExecContext, ...args: never[]) => unknown): GoFunc {
	return { params, fn: impl, context: true };
}

/** A Go error or panic raised by a template function; the executor reports "error calling NAME: message". */
export class GoFuncError extends Error {
	override name = 'GoFuncError';
}
