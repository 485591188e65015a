/**
 * @module Go `text/template` + Sprig for webhook bodies: `parseTemplate(text).execute(data)`
 * renders byte-for-byte what NTH's `template.New("message").Funcs(sprig.TxtFuncMap())` renders.
 * Build `data` with the value model in values.ts.
 *
 * @example
 * const body = parseTemplate('{"text":"{{ .Kind }} on {{ .NodeName }}"}').execute(goStruct('webhook.combinedDrainData', { Kind: 'SPOT_ITN', NodeName: 'ip-10-0-0-1' }));
 */
import { execute, type Program } from './exec.ts';
import type { ExecContext } from './funcs/go-func.ts';
import { builtinNames, templateFuncs } from './funcs/registry.ts';
import { parseTrees } from './parser.ts';

export { TemplateError, isTemplateError } from './template-error.ts';

/** What a template may read from outside during one execution; both have harmless defaults. */
export interface ExecuteOptions {
	/** Sprig's `env` and `expandenv` read through this (default: every variable is unset). */
	readonly env?: ((name: string) => string | undefined) | undefined;
	/** The clock for `now`, `ago`, `date` of a non-time (default: the system clock). */
	readonly now?: (() => Date) | undefined;
}

export interface Template {
	/** Renders the template; throws TemplateError (kind "exec", with `partial` output) on failure. */
	execute(data: unknown, options?: ExecuteOptions): string;
}

const hasFunction = (name: string): boolean => templateFuncs.has(name);
const noEnv = (): undefined => undefined;
const systemNow = (): Date => new Date();

/** Parses a template; throws TemplateError (kind "parse") with Go's message, e.g. `template: message:1: unclosed action`. */
export function parseTemplate(text: string, name = 'message'): Template {
	const program: Program = {
		text,
		parseName: name,
		trees: parseTrees(text, name, hasFunction),
		funcs: templateFuncs,
		builtins: builtinNames,
	};
	return {
		execute(data: unknown, options: ExecuteOptions = {}): string {
			const context: ExecContext = { env: options.env ?? noEnv, now: options.now ?? systemNow };
			return execute(program, name, { data, context });
		},
	};
}
