/**
 * @module What a module's import resolves: for the tests that keep modules off the start path
 * (src/kube/config-lazy.test.ts, src/imds/client-lazy.test.ts).
 */
import { registerHooks } from 'node:module';

/**
 * Every specifier resolved while `load` runs (Node's module hooks). Pass a fresh instance of the
 * module under test (a query string on its URL), so that its static imports are resolved again.
 */
export async function resolvedWhile(load: () => Promise<unknown>): Promise<{ readonly module: unknown; readonly specifiers: string[] }> {
	const specifiers: string[] = [];
	const hooks = registerHooks({
		resolve: (specifier, context, next) => {
			specifiers.push(specifier);
			return next(specifier, context);
		},
	});
	try {
		return { module: await load(), specifiers };
	} finally {
		hooks.deregister();
	}
}
