import { execFileSync, spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { settings } from '../../src/config/settings.ts';

// The CLI as users run it (from source, on this Node), so `--help` is checked against the settings table.
const run = (args: readonly string[]): string => execFileSync(process.execPath, ['src/main.ts', ...args], { encoding: 'utf8', env: {} });

const cli = suite('nth --help');

cli('documents every setting with its flag, env var and default', () => {
	const help = run(['--help']);
	for (const setting of Object.values(settings)) {
		const line = help.split('\n').find((text) => text.trimStart().startsWith(`--${setting.flag} `));
		assert.ok(line, `--${setting.flag} is missing from --help`);
		assert.match(line, `(env ${setting.env}, default `, `--${setting.flag} does not name ${setting.env}`);
	}
});

cli('prints the version, commit and runtime', () => {
	assert.match(run(['--version']), /^nth \S+ \(commit \S+, \S+, (node|bun|deno) \S+\)\n$/);
});

/** Runs the CLI expecting a failure; returns its exit code and output. */
const fail = (args: readonly string[]): { status: number | null; stdout: string; stderr: string } => {
	const result = spawnSync(process.execPath, ['src/main.ts', ...args], { encoding: 'utf8', env: {}, timeout: 30_000 });
	return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

cli('reads Go-style flags as raw text and checks the webhook template before IMDS', () => {
	// IMDS is left at 169.254.169.254: were it asked first, this would wait on it instead of failing at once.
	const result = fail(['-node-name=0123', '--webhook-url', 'http://127.0.0.1:9/hook', '-webhook-template={{ .Kind ', '-dry-run']);
	assert.is(result.status, 2, result.stderr);
	assert.match(result.stdout, /\tnode-name: 0123,\n/);
	assert.match(result.stdout, /\tdry-run: true,\n/);
	assert.match(result.stderr, /Cannot parse the webhook template \(WEBHOOK_TEMPLATE, line 1\)/);
	assert.not.match(result.stderr, /Request failed/);
});

cli('a stray word after a boolean flag is a usage error, not a silently dropped flag', () => {
	const result = fail(['-dry-run', 'false', '-taint-node']);
	assert.is(result.status, 2);
	assert.match(result.stderr, /Unused args: `false`/);
});

cli('a secret in a bad setting is not echoed', () => {
	const result = fail(['--webhook-url', 'hooks.slack.com/services/T000/B000/XXXX', '--webhook-proxy=ftp://user:pa55word@proxy:3128']);
	assert.is(result.status, 2);
	assert.not.match(result.stderr, /XXXX|pa55word/);
	assert.match(
		result.stderr,
		/WEBHOOK_URL \(--webhook-url\) must be an http:\/\/ or https:\/\/ URL \(with its scheme\) \[from --webhook-url: value redacted \(39 chars\)\]/,
	);
});

cli.run();
