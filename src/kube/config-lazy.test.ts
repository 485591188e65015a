/**
 * @module Test: loading ./config.ts does not load client-node (it is imported on the first connectKube),
 * so the agent's start does not evaluate client-node's config.js, js-yaml, jsonpath-plus and the OIDC
 * libraries before its first IMDS poll.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolvedWhile } from '../../test/support/resolved-imports.ts';

test('config.ts imports the client-node adapter only when a connection is made', async () => {
	const { module, specifiers } = await resolvedWhile(() => import(`./config.ts?lazy-${Date.now()}`));
	assert.type(module, 'object');
	assert.ok(
		specifiers.some((specifier) => specifier.endsWith('/errors.ts')),
		`the hook saw config.ts's static imports: ${specifiers.join(', ')}`,
	);
	assert.not.ok(
		specifiers.some((specifier) => specifier.includes('client-node')),
		`config.ts loaded client-node at import: ${specifiers.filter((specifier) => specifier.includes('client-node')).join(', ')}`,
	);
});

test.run();
