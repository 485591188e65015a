import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isConfigError } from '../errors.ts';
import { configFields, configText } from './dump.ts';
import { loadConfig, type LoadInput } from './load.ts';
import { leaks, scrub, shownValue } from './redact.ts';

const redact = suite('secrets in config errors and the dump');

function configError(input: Partial<LoadInput>): string {
	try {
		loadConfig({ env: input.env ?? {}, flags: input.flags ?? {} });
	} catch (error) {
		assert.ok(isConfigError(error), String(error));
		return error.message;
	}
	throw new Error('Cannot test the error: the configuration was accepted');
}

const slackWithoutScheme = 'hooks.slack.com/services/T000/B000/XXXX';

redact('a WEBHOOK_URL without its scheme is named, its source given, its value redacted', () => {
	const message = configError({ env: { WEBHOOK_URL: slackWithoutScheme } });
	assert.not.ok(message.includes('T000/B000/XXXX'), message);
	assert.not.ok(message.includes('hooks.slack.com'), message);
	assert.match(
		message,
		/WEBHOOK_URL \(--webhook-url\) must be an http:\/\/ or https:\/\/ URL \(with its scheme\) \[from WEBHOOK_URL: value redacted \(39 chars\)\]/,
	);
});

redact('a WEBHOOK_URL given as a flag is redacted too, and says it came from the flag', () => {
	const message = configError({ flags: { 'webhook-url': slackWithoutScheme } });
	assert.not.ok(message.includes('XXXX'), message);
	assert.match(message, /\[from --webhook-url: value redacted \(39 chars\)\]/);
});

redact('a parseable WEBHOOK_URL with a bad scheme shows scheme and host only', () => {
	const message = configError({ env: { WEBHOOK_URL: 'ftp://hooks.example.com/services/T000/B000/XXXX?token=abc123' } });
	assert.not.ok(message.includes('XXXX'), message);
	assert.not.ok(message.includes('abc123'), message);
	assert.match(message, /"ftp:\/\/hooks\.example\.com\/…" \(rest redacted, 60 chars\)/);
});

redact('WEBHOOK_PROXY credentials appear nowhere in its error', () => {
	const message = configError({ env: { WEBHOOK_PROXY: 'ftp://proxyuser:pr0xy-pa55@proxy.internal:3128' } });
	assert.not.ok(message.includes('proxyuser'), message);
	assert.not.ok(message.includes('pr0xy-pa55'), message);
	assert.match(
		message,
		/WEBHOOK_PROXY \(--webhook-proxy\) must be an http:\/\/ or tcp:\/\/ proxy URL \[from WEBHOOK_PROXY: "ftp:\/\/\*\*\*@proxy\.internal:3128"\]/,
	);
});

redact('an unparseable WEBHOOK_PROXY is redacted whole', () => {
	const message = configError({ env: { WEBHOOK_PROXY: 'proxyuser:pr0xy-pa55@proxy internal' } });
	assert.not.ok(message.includes('pr0xy-pa55'), message);
	assert.match(message, /value redacted \(35 chars\)/);
});

redact('WEBHOOK_HEADERS that are not JSON do not quote the token (JSON.parse does)', () => {
	const message = configError({ env: { WEBHOOK_HEADERS: '{"Authorization": Bearer xoxb-secret-token}' } });
	assert.not.ok(message.includes('xoxb'), message);
	assert.not.ok(message.includes('Bearer'), message);
	assert.match(message, /WEBHOOK_HEADERS \(--webhook-headers\) must be a JSON object, got invalid JSON/);
	assert.match(message, /value redacted \(43 chars\)/);
});

redact('a WEBHOOK_HEADERS value that is a number is not printed either', () => {
	const message = configError({ env: { WEBHOOK_HEADERS: '{"X-Api-Key": 987654321}' } });
	assert.not.ok(message.includes('987654321'), message);
	assert.not.ok(message.includes('X-Api-Key'), message);
	assert.match(message, /a value is a number/);
});

redact('WEBHOOK_SINKS: the bad entry and field are named, the URL and headers are not shown', () => {
	const sinks = JSON.stringify([
		{ url: 'https://ok.example.com/tok_FIRST', name: 'ok' },
		{ url: 'hooks.slack.com/services/T111/B111/YYYY', headers: { Authorization: 'Bearer tok_SECOND' }, proxy: 'ftp://u:pw_THIRD@p:1' },
	]);
	const message = configError({ env: { WEBHOOK_SINKS: sinks } });
	for (const secret of ['tok_FIRST', 'T111', 'tok_SECOND', 'pw_THIRD']) assert.not.ok(message.includes(secret), `${secret} in ${message}`);
	assert.match(message, /WEBHOOK_SINKS \(--webhook-sinks\)\[1\]\.url must be an http:\/\/ or https:\/\/ URL/);
	assert.match(message, /WEBHOOK_SINKS \(--webhook-sinks\)\[1\]\.proxy must be an http:\/\/ or tcp:\/\/ proxy URL/);
	assert.match(message, /value redacted \(\d+ chars\)/);
});

redact('WEBHOOK_SINKS that are not JSON do not quote the input', () => {
	const message = configError({ env: { WEBHOOK_SINKS: '[{"url": https://hooks.slack.com/services/T222/B222/ZZZZ}]' } });
	assert.not.ok(message.includes('T222'), message);
	assert.not.ok(message.includes('hooks.slack'), message);
	assert.match(message, /WEBHOOK_SINKS \(--webhook-sinks\) must be a JSON array, got invalid JSON/);
});

redact('a misspelt sink field is named, a misplaced secret used as a key is not', () => {
	const message = configError({
		env: { WEBHOOK_SINKS: JSON.stringify([{ url: 'https://a.example.com/x', tempalte: 'x', 'https://hooks.slack.com/T333': 'y' }]) },
	});
	assert.match(message, /has an unknown field "tempalte"/);
	assert.not.ok(message.includes('T333'), message);
});

redact('the config dump shows a proxy without its credentials', () => {
	const { config, sources } = loadConfig({ env: { WEBHOOK_PROXY: 'http://proxyuser:pr0xy-pa55@proxy.internal:3128' }, flags: {} });
	const text = configText(config, sources);
	const json = JSON.stringify(configFields(config, sources));
	for (const output of [text, json]) {
		assert.not.ok(output.includes('pr0xy-pa55'), output);
		assert.not.ok(output.includes('proxyuser'), output);
	}
	assert.match(text, /\twebhook-proxy: http:\/\/\*\*\*@proxy\.internal:3128,/);
	assert.is(configFields(config, sources)['webhook_proxy'], 'http://***@proxy.internal:3128');
});

redact('a proxy without credentials is shown as configured', () => {
	const { config, sources } = loadConfig({ env: { WEBHOOK_PROXY: 'http://proxy.internal:3128' }, flags: {} });
	assert.is(configFields(config, sources)['webhook_proxy'], 'http://proxy.internal:3128');
});

redact('a long non-secret value is cut in the error, with its length', () => {
	const message = configError({ env: { DRY_RUN: 'y'.repeat(10_000) } });
	assert.ok(message.length < 1_000, `${message.length} chars`);
	assert.match(message, /… \(10000 chars\)/);
});

const helpers = suite('redact helpers');

helpers('shownValue: each secret kind', () => {
	assert.is(shownValue(undefined, 'abc'), '"abc"');
	assert.is(shownValue('value', 'Bearer x'), 'value redacted (8 chars)');
	assert.is(shownValue('url', ''), '""');
	assert.is(
		shownValue('url', 'https://user:pw@hooks.slack.com:8443/services/T/B/X'),
		'"https://hooks.slack.com:8443/…" (rest redacted, 51 chars)',
	);
	assert.is(shownValue('url', 'hooks.slack.com:443/services/T/B/X'), 'value redacted (34 chars)');
	assert.is(shownValue('credentials', 'tcp://u:p@proxy:3128'), '"tcp://***@proxy:3128"');
});

helpers('scrub replaces every secret, longest first', () => {
	assert.is(
		scrub('POST https://h.example/tok_abcdef failed via http://u:pw@proxy', [
			'https://h.example/tok_abcdef',
			'http://u:pw@proxy',
			undefined,
			'ab',
		]),
		'POST <redacted> failed via <redacted>',
	);
});

helpers('leaks finds a quoted JSON value or URL path', () => {
	assert.ok(leaks('bad "tok_secret1"', '{"a":"tok_secret1"}'));
	assert.ok(leaks('Unexpected "/services/T/B/XXXX"', 'https://h.example/services/T/B/XXXX'));
	assert.not.ok(leaks('must be a JSON object of string values', '{"Content-type":"application/json"}'));
});

redact.run();
helpers.run();
