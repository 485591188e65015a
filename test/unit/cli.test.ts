import { execFileSync } from 'node:child_process';
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

cli.run();
