/**
 * Property-based tests of the config parser (load.ts, settings.ts, values.ts,
 * argv.ts): for any environment and any command line, loadConfig either
 * returns a Config or throws a ConfigError whose every line names a setting;
 * nothing else escapes; and a secret (webhook URL path and query, headers,
 * templates, sinks, proxy credentials) never appears in an error message or
 * in the config dump. A few thousand cases by default; NTH_PROPERTY_RUNS
 * (e.g. 100000) for a long run.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isConfigError } from '../errors.ts';
import { propertyRuns } from '../../test/support/property-runs.ts';
import { parseGoArgs } from './argv.ts';
import { configFields, configText } from './dump.ts';
import { loadConfig, type LoadInput } from './load.ts';
import { settings } from './settings.ts';

/** Cases per property: 2,000 by default (CI), NTH_PROPERTY_RUNS in the `--long` run. */
const numRuns = propertyRuns(2_000);

const allSettings = Object.values(settings);
const envNames = allSettings.flatMap((setting) => (setting.alias ? [setting.env, setting.alias.env] : [setting.env]));
const flagNames = allSettings.flatMap((setting) => (setting.alias ? [setting.flag, setting.alias.flag] : [setting.flag]));
const knownEnv = new Set(envNames);

/** Texts each kind of setting meets in practice, valid and not. */
const typicalValue = fc.constantFrom(
	'',
	' ',
	'true',
	'false',
	'True',
	'yes',
	'1',
	'0',
	'-1',
	'+7',
	'2m',
	'0x10',
	'1_000',
	'120',
	'99999999999999999999',
	'0.5',
	'.5',
	'1e3',
	'http://169.254.169.254',
	'https://hooks.example.com/x',
	'tcp://127.0.0.1:3128',
	'hooks.slack.com/services/T/B/X',
	'NoSchedule',
	'noexecute',
	'debug',
	'WAIT',
	'{}',
	'[]',
	'{"a":"b"}',
	'{"a":1}',
	'[{"url":"http://127.0.0.1:9/a"}]',
	'[{"url":1}]',
	'null',
	'{',
	'a=b,c=d',
	'a=b,c',
	'{{ .Kind }}',
	'{{ .Kind ',
);
const anyText = fc.oneof(typicalValue, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const envMap = fc.dictionary(
	fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...envNames) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
	anyText,
	{ maxKeys: 12 },
);
/** What cac used to hand over (numbers, booleans, arrays for repeats) and what parseGoArgs hands over (strings). */
const flagValue = fc.oneof(anyText, fc.array(anyText, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer());
const flagMap = fc.dictionary(
	fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...flagNames) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
	flagValue,
	{ maxKeys: 8 },
);

type Outcome = { readonly ok: true; readonly dump: string } | { readonly ok: false; readonly message: string };

/** Runs loadConfig; fails the property on any throw that is not a ConfigError, or a ConfigError line that names no setting. */
function outcome(input: LoadInput): Outcome {
	let loaded: ReturnType<typeof loadConfig>;
	try {
		loaded = loadConfig(input);
	} catch (error) {
		if (!isConfigError(error)) throw new Error(`loadConfig threw something other than a ConfigError: ${String(error)}`, { cause: error });
		const [first, ...lines] = error.message.split('\n');
		assert.match(first ?? '', /^Cannot load configuration/);
		assert.ok(lines.length > 0, error.message);
		for (const line of lines) {
			const name = /^ {2}([A-Z][A-Z0-9_]*)[ (]/.exec(line)?.[1];
			assert.ok(name !== undefined && knownEnv.has(name), `a line names no setting: ${JSON.stringify(line)}`);
		}
		return { ok: false, message: error.message };
	}
	return { ok: true, dump: `${configText(loaded.config, loaded.sources)}\n${JSON.stringify(configFields(loaded.config, loaded.sources))}` };
}

const parse = suite('loadConfig(): properties');

parse('any env map and flags: a Config or a ConfigError naming the setting, nothing else', () => {
	fc.assert(
		fc.property(envMap, flagMap, (env, flags) => {
			outcome({ env, flags });
		}),
		{ numRuns },
	);
});

parse('any Go-style command line: parseGoArgs never throws, gives raw strings, and loadConfig answers as above', () => {
	const word = fc.oneof(
		fc.constantFrom(...flagNames).chain((name) =>
			fc.constantFrom(`-${name}`, `--${name}`).chain((flag) =>
				fc.oneof(
					fc.constant(flag),
					anyText.map((value) => `${flag}=${value}`),
				),
			),
		),
		anyText,
		fc.constantFrom('--', '-', '---dry-run', 'run', 'doctor', '--help', '-v'),
	);
	fc.assert(
		fc.property(fc.array(word, { maxLength: 10 }), envMap, (args, env) => {
			const { flags, rest } = parseGoArgs(args);
			for (const value of Object.values(flags)) assert.type(value, 'string');
			assert.ok(rest.length <= args.length);
			outcome({ env, flags });
		}),
		{ numRuns },
	);
});

/** A secret: a marker no message or default contains, then random letters and digits. */
const token = fc.stringMatching(/^[a-z0-9]{12}$/).map((tail) => `Qx${tail}`);
/** Junk a user may paste around a value. */
const junk = fc.oneof(fc.constant(''), fc.string({ maxLength: 6 }));

/** WEBHOOK_URL-like text whose token sits in the path, the query, the fragment or the userinfo: never the host, which may be shown. */
function urlWith(secret: string): fc.Arbitrary<string> {
	const scheme = fc.constantFrom('https://', 'http://', 'ftp://', 'tcp://', '', 'hooks:', 'https:/');
	const host = fc.constantFrom('hooks.slack.com', 'h.example:8443', '127.0.0.1', '');
	const place = fc.constantFrom('/services/T000/', '/?token=', '/#', '/');
	return fc.oneof(
		fc.tuple(scheme, host, place, junk).map(([s, h, p, j]) => `${s}${h}${p}${secret}${j}`),
		fc.tuple(scheme, host, junk).map(([s, h, j]) => `${s}user:${secret}@${h}/x${j}`),
		fc.tuple(scheme, host, junk).map(([s, h, j]) => `${s}${secret}:pw@${h}${j}`),
	);
}

/** A JSON text built from `value`, sometimes broken (cut short, or a character inserted) the way a hand-edited value is. */
function maybeBroken(json: string): fc.Arbitrary<string> {
	return fc.oneof(
		fc.constant(json),
		fc.nat({ max: json.length }).map((cut) => json.slice(0, cut)),
		fc
			.tuple(fc.nat({ max: json.length }), fc.constantFrom('x', '"', ',', '}', ' ', '\\'))
			.map(([at, char]) => `${json.slice(0, at)}${char}${json.slice(at)}`),
		fc.constant(json.replaceAll('"', '')),
	);
}

function headersWith(secret: string): fc.Arbitrary<string> {
	return fc
		.constantFrom(
			JSON.stringify({ 'Content-type': 'application/json', Authorization: `Bearer ${secret}` }),
			JSON.stringify({ 'X-Api-Key': secret, 'X-Count': 3 }),
			JSON.stringify([secret]),
			`{"Authorization": Bearer ${secret}}`,
		)
		.chain(maybeBroken);
}

function sinksWith(secret: string): fc.Arbitrary<string> {
	const entry = fc.record(
		{
			url: fc.oneof(urlWith(secret), fc.constant('https://hooks.example.com/x')),
			headers: fc.constantFrom({ Authorization: `Bearer ${secret}` }, { 'X-Key': secret }, { n: 1 }),
			template: fc.constantFrom(`{{ .Kind }} ${secret}`, `{{ ${secret}`),
			proxy: fc.oneof(urlWith(secret), fc.constant(`http://u:${secret}@proxy:3128`)),
			name: fc.constantFrom('slack', 'teams'),
			tempalte: fc.constant('misspelt'),
		},
		{ requiredKeys: [] },
	);
	return fc.array(entry, { minLength: 1, maxLength: 3 }).chain((entries) => maybeBroken(JSON.stringify(entries)));
}

function proxyWith(secret: string): fc.Arbitrary<string> {
	const scheme = fc.constantFrom('http://', 'tcp://', 'https://', 'ftp://', 'socks5://', '');
	return fc.oneof(
		fc.tuple(scheme, junk).map(([s, j]) => `${s}user:${secret}@proxy.internal:3128${j}`),
		fc.tuple(scheme, junk).map(([s, j]) => `${s}${secret}:x@proxy.internal${j}`),
		fc.tuple(scheme, junk).map(([s, j]) => `${s}${secret}@proxy.internal:3128${j}`),
	);
}

const secretSettings = ['webhookUrl', 'webhookHeaders', 'webhookTemplate', 'webhookProxy', 'webhookSinks'] as const;

/** Any 6 characters of the token, in a message or the dump, count as a leak (JSON.parse quotes fragments). */
function leaked(text: string, secret: string): string | undefined {
	for (let start = 0; start + 6 <= secret.length; start += 1) {
		const fragment = secret.slice(start, start + 6);
		if (text.includes(fragment)) return fragment;
	}
	return undefined;
}

parse('a secret never appears in an error message or the config dump', () => {
	const secretInput = token.chain((secret) =>
		fc
			.record({
				webhookUrl: fc.option(urlWith(secret), { nil: undefined }),
				webhookHeaders: fc.option(headersWith(secret), { nil: undefined }),
				webhookTemplate: fc.option(fc.constantFrom(`{{ .Kind }} ${secret}`, `{{ ${secret}`, secret), { nil: undefined }),
				webhookProxy: fc.option(proxyWith(secret), { nil: undefined }),
				webhookSinks: fc.option(sinksWith(secret), { nil: undefined }),
				asFlags: fc.boolean(),
				others: envMap,
			})
			.map((picked) => ({ secret, ...picked })),
	);
	fc.assert(
		fc.property(secretInput, (picked) => {
			const env: Record<string, string> = { ...picked.others };
			const flags: Record<string, string> = {};
			for (const key of secretSettings) {
				const text = picked[key];
				if (text === undefined) continue;
				if (picked.asFlags) flags[settings[key].flag] = text;
				else env[settings[key].env] = text;
			}
			const result = outcome({ env, flags });
			const shown = result.ok ? result.dump : result.message;
			const fragment = leaked(shown, picked.secret);
			assert.is(fragment, undefined, `"${fragment}" of the secret ${picked.secret} is shown:\n${shown}`);
		}),
		{ numRuns },
	);
});

parse.run();
