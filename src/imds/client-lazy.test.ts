/**
 * @module Test: the IMDS client (token PUT included) does not load ky, so ky is first evaluated with the
 * kube client, after the first spot poll, and its first request is not on the start path (the token PUT is
 * the first request of every start).
 */
import { test } from 'uvu';
import { assertKeptOff } from '../../test/support/resolved-imports.ts';

test('client.ts and what it imports resolve no ky', async () => {
	await assertKeptOff(() => import(`./client.ts?lazy-${Date.now()}`), {
		seen: '/transport.ts',
		forbidden: (specifier) => specifier === 'ky' || specifier.startsWith('ky/'),
		what: 'ky',
	});
});

test.run();
