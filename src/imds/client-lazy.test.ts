/**
 * @module Test: the IMDS client (token PUT included) does not load ky, so ky is first evaluated with the
 * kube client, after the first spot poll, and its first request is not on the start path (the token PUT is
 * the first request of every start).
 */
import { registerHooks } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('client.ts and what it imports resolve no ky', async () => {
	const resolved: string[] = [];
	const hooks = registerHooks({
		resolve: (specifier, context, next) => {
			resolved.push(specifier);
			return next(specifier, context);
		},
	});
	try {
		// A fresh instance of the module (the query string), so its static imports are resolved again here.
		const fresh: unknown = await import(`./client.ts?lazy-${Date.now()}`);
		assert.type(fresh, 'object');
		assert.ok(
			resolved.some((specifier) => specifier.endsWith('/transport.ts')),
			`the hook saw client.ts's static imports: ${resolved.join(', ')}`,
		);
		assert.not.ok(
			resolved.some((specifier) => specifier === 'ky' || specifier.startsWith('ky/')),
			`the IMDS client loaded ky: ${resolved.join(', ')}`,
		);
	} finally {
		hooks.deregister();
	}
});

test.run();
