import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readLines } from '../kube/read-lines.ts';
import { createLlrtFetch, type LlrtFetch, splitPem, unsupportedOption, watchWindowUrl } from './llrt-fetch.ts';

const pem = (n: number): string => `-----BEGIN CERTIFICATE-----\nMII${n}\n-----END CERTIFICATE-----`;

/** A Response as LLRT returns it: whole body readable, `body` undefined. */
function llrtResponse(text: string, status = 200): Response {
	const response = new Response(status === 204 ? null : text, { status, headers: { 'content-type': 'application/json' } });
	Object.defineProperty(response, 'body', { value: undefined });
	return response;
}

const helpers = suite('llrt-fetch helpers');

helpers('splitPem() gives each certificate of a bundle on its own', () => {
	assert.equal(splitPem(`${pem(1)}\n${pem(2)}\n`), [pem(1), pem(2)]);
	assert.equal(splitPem('not a pem'), []);
});

helpers('unsupportedOption() names client certificates, proxies and server names; CA and skip-verify are fine', () => {
	assert.match(unsupportedOption({ cert: 'c', key: 'k' }) ?? '', /client certificates/);
	assert.match(unsupportedOption({ proxy: 'http://proxy:3128' }) ?? '', /proxy/);
	assert.match(unsupportedOption({ servername: 'kubernetes' }) ?? '', /server name/);
	assert.is(unsupportedOption({ ca: pem(1), insecureSkipTlsVerify: true }), undefined);
	assert.is(unsupportedOption({ proxy: '' }), undefined);
});

helpers('watchWindowUrl() caps a watch at the window and leaves other requests alone', () => {
	const capped = new URL(watchWindowUrl('https://k:6443/api/v1/pods?watch=1&resourceVersion=7&timeoutSeconds=310', 2) ?? '');
	assert.is(capped.searchParams.get('timeoutSeconds'), '2');
	assert.is(capped.searchParams.get('resourceVersion'), '7');
	assert.is(new URL(watchWindowUrl('https://k/api/v1/pods?watch=true', 3) ?? '').searchParams.get('timeoutSeconds'), '3');
	// A shorter timeout asked by the caller is kept.
	assert.is(new URL(watchWindowUrl('https://k/api/v1/pods?watch=1&timeoutSeconds=1', 5) ?? '').searchParams.get('timeoutSeconds'), '1');
	assert.is(watchWindowUrl('https://k/api/v1/pods?limit=50'), undefined);
	assert.is(watchWindowUrl('https://k/api/v1/pods?watch=0'), undefined);
});

const windows = suite('createLlrtFetch() watch windows');

windows('a watch is sent with the window and its whole response is readable line by line from body', async () => {
	const urls: string[] = [];
	const native: LlrtFetch = async (input) => {
		urls.push(input instanceof Request ? input.url : String(input));
		return llrtResponse('{"type":"ADDED","object":{"a":1}}\n{"type":"BOOKMARK","object":{"b":"é"}}\n');
	};
	const fetchFn = createLlrtFetch({}, 1, native);
	const response = await fetchFn(new Request('https://k/api/v1/pods?watch=1&timeoutSeconds=300&resourceVersion=5'));
	assert.is(new URL(urls[0] ?? '').searchParams.get('timeoutSeconds'), '1');
	assert.ok(response.ok);
	assert.ok(response.body, 'a watch response has a body stream on LLRT');
	const lines: string[] = [];
	for await (const line of readLines(response.body)) lines.push(line);
	assert.equal(lines, ['{"type":"ADDED","object":{"a":1}}', '{"type":"BOOKMARK","object":{"b":"é"}}']);
});

windows('a failed watch keeps its status and error body', async () => {
	const fetchFn = createLlrtFetch({}, 1, async () => llrtResponse('{"kind":"Status","code":410,"reason":"Gone"}', 410));
	const response = await fetchFn('https://k/api/v1/pods?watch=1');
	assert.is(response.status, 410);
	assert.match(await response.text(), /"Gone"/);
});

windows('other requests go to the native fetch as they are', async () => {
	const seen: (Request | URL | string)[] = [];
	const request = new Request('https://k/api/v1/nodes/a');
	const fetchFn = createLlrtFetch({}, 1, async (input) => {
		seen.push(input);
		return new Response('{}');
	});
	await fetchFn(request);
	assert.is(seen[0], request);
});

windows("every response without a body stream gets one, so IMDS's bounded reader works on LLRT; 204 stays bodiless", async () => {
	const fetchFn = createLlrtFetch({}, 1, async (input) =>
		String(input).endsWith('/none') ? llrtResponse('', 204) : llrtResponse('instance-action: terminate'),
	);
	const response = await fetchFn('http://169.254.169.254/latest/meta-data/spot/instance-action');
	assert.ok(response.body, 'a plain response has a body stream on LLRT');
	const reader = response.body.getReader();
	const { value } = await reader.read();
	assert.is(new TextDecoder().decode(value), 'instance-action: terminate');
	const empty = await fetchFn('http://169.254.169.254/none');
	assert.is(empty.status, 204);
});

windows(
	"after the response, a sent request's string body (LLRT's Request.body) becomes null, so ky's body cancel finds nothing to call",
	async () => {
		const request = new Request('https://k/api/v1/nodes/a', { method: 'PATCH', body: '{}' });
		Object.defineProperty(request, 'body', { value: '{}', configurable: true });
		const fetchFn = createLlrtFetch({}, 1, async () => new Response('{}'));
		await fetchFn(request);
		assert.is(request.body, null);
	},
);

windows('a configuration LLRT cannot honour fails every request with the reason', async () => {
	const fetchFn = createLlrtFetch({ cert: 'c', key: 'k' }, 1, async () => new Response('{}'));
	try {
		await fetchFn('https://k/api');
		assert.unreachable('should have failed');
	} catch (error) {
		assert.instance(error, Error);
		assert.match((error as Error).message, /^Cannot connect on LLRT: .*client certificates/);
	}
});

helpers.run();
windows.run();
