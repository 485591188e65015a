/**
 * @module Test: loading ./config.ts does not load client-node (it is imported on the first connectKube),
 * so the agent's start does not evaluate client-node's config.js, js-yaml, jsonpath-plus and the OIDC
 * libraries before its first IMDS poll.
 */
import { registerHooks } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('config.ts imports the client-node adapter only when a connection is made', async () => {
	const resolved: string[] = [];
	const hooks = registerHooks({
		resolve: (specifier, context, next) => {
			resolved.push(specifier);
			return next(specifier, context);
		},
	});
	try {
		// A fresh instance of the module (the query string), so its static imports are resolved again here.
		const fresh: unknown = await import(`./config.ts?lazy-${Date.now()}`);
		assert.type(fresh, 'object');
		assert.ok(
			resolved.some((specifier) => specifier.endsWith('/errors.ts')),
			`the hook saw config.ts's static imports: ${resolved.join(', ')}`,
		);
		assert.not.ok(
			resolved.some((specifier) => specifier.includes('client-node')),
			`config.ts loaded client-node at import: ${resolved.filter((specifier) => specifier.includes('client-node')).join(', ')}`,
		);
	} finally {
		hooks.deregister();
	}
});

test.run();
