/**
 * @module Test: the IMDS client (token PUT included) does not load ky, so ky is first evaluated with the
 * kube client, after the first spot poll, and its first request is not on the start path (the token PUT is
 * the first request of every start).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolvedWhile } from '../../test/support/resolved-imports.ts';

test('client.ts and what it imports resolve no ky', async () => {
	const { module, specifiers } = await resolvedWhile(() => import(`./client.ts?lazy-${Date.now()}`));
	assert.type(module, 'object');
	assert.ok(
		specifiers.some((specifier) => specifier.endsWith('/transport.ts')),
		`the hook saw client.ts's static imports: ${specifiers.join(', ')}`,
	);
	assert.not.ok(
		specifiers.some((specifier) => specifier === 'ky' || specifier.startsWith('ky/')),
		`the IMDS client loaded ky: ${specifiers.join(', ')}`,
	);
});

test.run();
