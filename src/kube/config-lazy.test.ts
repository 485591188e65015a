/**
 * @module Test: loading ./config.ts does not load client-node (it is imported on the first connectKube),
 * so the agent's start does not evaluate client-node's config.js, js-yaml, jsonpath-plus and the OIDC
 * libraries before its first IMDS poll.
 */
import { test } from 'uvu';
import { assertKeptOff } from '../../test/support/resolved-imports.ts';

test('config.ts imports the client-node adapter only when a connection is made', async () => {
	await assertKeptOff(() => import(`./config.ts?lazy-${Date.now()}`), {
		seen: '/errors.ts',
		forbidden: (specifier) => specifier.includes('client-node'),
		what: 'client-node',
	});
});

test.run();
