/**
 * @module What a module's import resolves: for the tests that keep modules off the start path
 * (src/kube/config-lazy.test.ts, src/imds/client-lazy.test.ts).
 */
import { registerHooks } from 'node:module';
import * as assert from 'uvu/assert';

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

/**
 * Asserts that loading a fresh instance of a module resolves its static imports (one ends with `seen`,
 * so the hook did see them) and none that `forbidden` matches.
 */
export async function assertKeptOff(
	load: () => Promise<unknown>,
	options: { readonly seen: string; readonly forbidden: (specifier: string) => boolean; readonly what: string },
): Promise<void> {
	const { module, specifiers } = await resolvedWhile(load);
	assert.type(module, 'object');
	assert.ok(
		specifiers.some((specifier) => specifier.endsWith(options.seen)),
		`the hook saw the module's static imports: ${specifiers.join(', ')}`,
	);
	const loaded = specifiers.filter(options.forbidden);
	assert.equal(loaded, [], `${options.what} loaded at import: ${loaded.join(', ')}`);
}
