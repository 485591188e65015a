/**
 * Go's flag package rules (go/src/flag/flag.go, parseOne), each checked here:
 * single and double dash are the same; `-flag=value` and `-flag value`; a
 * boolean takes no separate value (`-flag` is true, `-flag=false`); the value
 * is the next argument whatever it looks like (`-1`, `--x`) and may be empty
 * (`-flag=`); `--` ends the flags; the last repetition wins; names are
 * case-sensitive; `---flag` is bad syntax. Where nth is stricter than Go, the
 * test says so: a stray word (Go stops reading flags there and NTH ignores the
 * rest) is a usage error, so a later flag is never silently dropped.
 */
import { cac } from 'cac';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseGoArgs } from './argv.ts';
import { registerSettings } from './help.ts';
import { loadConfig } from './load.ts';

const go = suite('parseGoArgs(): Go flag package rules');

go('one dash and two are the same flag', () => {
	assert.equal(parseGoArgs(['-dry-run']).flags, { 'dry-run': 'true' });
	assert.equal(parseGoArgs(['--dry-run']).flags, { 'dry-run': 'true' });
	assert.equal(parseGoArgs(['-node-name', 'a']).flags, { 'node-name': 'a' });
	assert.equal(parseGoArgs(['--node-name=a']).flags, { 'node-name': 'a' });
});

go('a value flag takes -flag=value or -flag value', () => {
	assert.equal(parseGoArgs(['-pod-termination-grace-period=30', '--node-termination-grace-period', '60']).flags, {
		'pod-termination-grace-period': '30',
		'node-termination-grace-period': '60',
	});
});

go('the separate value is the next argument whatever it looks like (Go: -1, --x, "")', () => {
	assert.equal(parseGoArgs(['--grace-period', '-1']).flags, { 'grace-period': '-1' });
	assert.equal(parseGoArgs(['--webhook-url', '--dry-run']).flags, { 'webhook-url': '--dry-run' });
	assert.equal(parseGoArgs(['-node-name', '']).flags, { 'node-name': '' });
	assert.equal(parseGoArgs(['-node-name=']).flags, { 'node-name': '' });
	assert.equal(parseGoArgs(['-kubernetes-events-extra-annotations=a=b,c=d']).flags, { 'kubernetes-events-extra-annotations': 'a=b,c=d' });
});

go('values are raw text: nothing is turned into a number (cac/mri made 0123 into 123 and 0x10 into 16)', () => {
	assert.equal(parseGoArgs(['--node-name=0123', '--pod-name', '0x10', '--webhook-template', '1e3']).flags, {
		'node-name': '0123',
		'pod-name': '0x10',
		'webhook-template': '1e3',
	});
	const { config } = loadConfig({ env: {}, flags: parseGoArgs(['--node-name=0123', '-pod-name', '00']).flags });
	assert.is(config.nodeName, '0123');
	assert.is(config.podName, '00');
});

go('a boolean: bare is true, =value is parsed as strconv.ParseBool, never a separate value', () => {
	assert.equal(parseGoArgs(['-dry-run=false']).flags, { 'dry-run': 'false' });
	assert.equal(parseGoArgs(['-taint-node=0', '-cordon-only=T']).flags, { 'taint-node': '0', 'cordon-only': 'T' });
	const { flags, rest } = parseGoArgs(['-dry-run', 'false', '-taint-node']);
	assert.equal(flags, { 'dry-run': 'true', 'taint-node': 'true' });
	assert.equal(rest, ['false']);
	assert.is(loadConfig({ env: {}, flags: parseGoArgs(['-dry-run=false']).flags }).config.dryRun, false);
	assert.throws(() => loadConfig({ env: {}, flags: parseGoArgs(['-dry-run=maybe']).flags }), /DRY_RUN \(--dry-run\) must be a boolean/);
});

go('-- ends the flags: what follows is not read', () => {
	const { flags, rest } = parseGoArgs(['-dry-run', '--', '-taint-node', '--node-name=x']);
	assert.equal(flags, { 'dry-run': 'true' });
	assert.equal(rest, ['--', '-taint-node', '--node-name=x']);
});

go('the last repetition wins', () => {
	assert.equal(parseGoArgs(['-node-name=a', '--node-name', 'b']).flags, { 'node-name': 'b' });
	assert.equal(parseGoArgs(['-dry-run', '-dry-run=false']).flags, { 'dry-run': 'false' });
});

go('deprecated aliases are read like their setting', () => {
	assert.equal(parseGoArgs(['-grace-period', '15', '--check-asg-tag-before-draining']).flags, {
		'grace-period': '15',
		'check-asg-tag-before-draining': 'true',
	});
});

go('unknown, misspelt, wrong-case and ---names are left for cac to reject', () => {
	for (const arg of ['-DRY-RUN', '---dry-run', '-dry_run', '-bogus', '--bogus=1', '-x']) {
		const { flags, rest } = parseGoArgs([arg]);
		assert.equal(flags, {}, arg);
		assert.equal(rest, [arg], arg);
	}
});

go('a value flag at the very end is left as --name for cac to report the missing value', () => {
	assert.equal(parseGoArgs(['-dry-run', '-node-name']), { flags: { 'dry-run': 'true' }, rest: ['--node-name'] });
});

go("commands and cac's own options pass through; extra value flags are read only when asked", () => {
	assert.equal(parseGoArgs(['doctor', '-dry-run', '--help']), { flags: { 'dry-run': 'true' }, rest: ['doctor', '--help'] });
	assert.equal(parseGoArgs(['webhook', 'render', '--template', '0123', '-event=e.json'], ['template', 'event']), {
		flags: { template: '0123', event: 'e.json' },
		rest: ['webhook', 'render'],
	});
	assert.equal(parseGoArgs(['--template', 'x']).rest, ['--template', 'x']);
});

const cli = suite('the rest, as main.ts hands it to cac');

/** What main.ts does with `rest`: cac with every setting registered; returns the error or "ok". */
function cacVerdict(args: readonly string[]): string {
	const program = cac('nth');
	registerSettings(program.command('', 'Run the agent')).action(() => {});
	registerSettings(program.command('run', 'Run the agent')).action(() => {});
	try {
		program.parse(['nth', 'nth', ...parseGoArgs(args).rest], { run: true });
		return 'ok';
	} catch (error) {
		return error instanceof Error ? error.message : String(error);
	}
}

cli('a stray word is a usage error (Go would stop reading flags there and silently drop -taint-node)', () => {
	assert.match(cacVerdict(['-dry-run', 'false', '-taint-node']), /Unused args: `false`/);
});

cli('unknown options and a missing value are usage errors; good lines are not', () => {
	assert.match(cacVerdict(['-bogus']), /Unknown option/);
	assert.match(cacVerdict(['---dry-run']), /Unknown option/);
	assert.match(cacVerdict(['-node-name']), /value is missing/);
	assert.is(cacVerdict(['run', '-dry-run', '--grace-period', '-1', '-node-name=0123', '--', 'anything']), 'ok');
});

go.run();
cli.run();
