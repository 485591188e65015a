// The truth data of the template engine comes from real Go: test/go-truth is the
// Go program (text/template + Sprig v3, the call NTH makes) that produced
// src/notify/template/testdata/go-outputs.json, and it checks here that every
// recorded output (and the shared conformance cases) is still what Go gives.
// The same program parses command lines with Go's flag package (NTH's parser), and the last test
// holds src/config/argv.ts to it. It runs in the e2e tier because that tier already needs Go and
// the module proxy.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { parseGoArgs } from '../../src/config/argv.ts';
import { loadConfig } from '../../src/config/load.ts';
import { settings } from '../../src/config/settings.ts';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..');
const generator = join(repoRoot, 'test', 'go-truth');
const recordedFile = join(repoRoot, 'src', 'notify', 'template', 'testdata', 'go-outputs.json');
const sharedCases = resolve(repoRoot, '..', 'shared', 'conformance', 'go-template');
const goEnv = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };

const binDir = mkdtempSync(join(tmpdir(), 'nth-go-truth-bin-'));
const binary = join(binDir, 'go-truth');

/** Runs the generator; resolves with its exit code and output instead of throwing on exit 1. */
async function goTruth(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	try {
		const { stdout, stderr } = await run(binary, args, { timeout: 120_000, maxBuffer: 16 << 20 });
		return { code: 0, stdout, stderr };
	} catch (error) {
		return v.parse(v.object({ code: v.number(), stdout: v.string(), stderr: v.string() }), error);
	}
}

const truth = suite('go-truth: recorded template outputs against real Go');

truth.before(async () => {
	const started = Date.now();
	await run('go', ['build', '-o', binary, '.'], { cwd: generator, env: goEnv, timeout: 600_000 });
	console.error(`go-truth: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

truth.after(() => rmSync(binDir, { recursive: true, force: true }));

truth('every recorded output and every shared conformance case is what Go + Sprig give now', async () => {
	const started = Date.now();
	const result = await goTruth(['-check', recordedFile, '-shared', sharedCases]);
	console.error(`go-truth: checked in ${((Date.now() - started) / 1000).toFixed(1)} s\n${result.stdout}`);
	assert.is(result.code, 0, result.stderr);
	assert.match(result.stdout, /go-outputs\.json: 863 cases, 0 differ/);
	assert.match(result.stdout, /go-template: 61 cases, 0 differ/);
});

truth('a recorded output that Go would not give fails the check, naming the case', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'nth-go-truth-'));
	try {
		const Recorded = v.looseObject({ cases: v.array(v.looseObject({ tpl: v.string(), out: v.optional(v.string()) })) });
		const recorded = v.parse(Recorded, JSON.parse(readFileSync(recordedFile, 'utf8')));
		const index = recorded.cases.findIndex((c) => c.tpl === '{{ .Kind }}');
		assert.ok(index >= 0);
		const tampered = { ...recorded, cases: recorded.cases.map((c, i) => (i === index ? { ...c, out: 'SPOT_ITN!' } : c)) };
		const file = join(dir, 'go-outputs.json');
		writeFileSync(file, JSON.stringify(tampered));
		const result = await goTruth(['-check', file]);
		assert.is(result.code, 1);
		assert.match(result.stderr, `case #${index} "{{ .Kind }}"`);
		assert.match(result.stdout, /1 differ/);
		// -write puts Go's output back.
		const rewritten = await goTruth(['-write', file]);
		assert.is(rewritten.code, 0, rewritten.stderr);
		assert.is((await goTruth(['-check', file])).code, 0);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

/** Command lines NTH users write, and the edge cases of Go's flag package (src/config/argv.ts lists them). */
const commandLines: readonly (readonly string[])[] = [
	['-dry-run'],
	['--dry-run'],
	['-node-name', 'a'],
	['--node-name=a'],
	['-pod-termination-grace-period=30', '--node-termination-grace-period', '60'],
	['--grace-period', '-1'],
	['--webhook-url', '--dry-run'],
	['-node-name', ''],
	['-node-name='],
	['-kubernetes-events-extra-annotations=a=b,c=d'],
	['--node-name=0123', '--pod-name', '0x10'],
	['-dry-run=false'],
	['-taint-node=0', '-cordon-only=T'],
	['-dry-run', 'false', '-taint-node'],
	['-dry-run=maybe'],
	['--node-name=a', '--', '-dry-run'],
	['-node-name=a', '-node-name=b'],
	['-node-name'],
	['---dry-run'],
	['-Dry-Run'],
	['-no-such-flag'],
	['-dry-run', 'stray', '-taint-node'],
];

const GoFlagResults = v.array(
	v.object({ args: v.array(v.string()), flags: v.record(v.string(), v.string()), rest: v.array(v.string()), error: v.string() }),
);

truth("the Go-style command line reads as Go's flag package (NTH's parser) reads it", async () => {
	const dir = mkdtempSync(join(tmpdir(), 'nth-go-flags-'));
	try {
		const flags = Object.values(settings).flatMap((setting) => [
			{ name: setting.flag, boolean: setting.boolean === true },
			...(setting.alias ? [{ name: setting.alias.flag, boolean: setting.boolean === true }] : []),
		]);
		const input = join(dir, 'flags.json');
		writeFileSync(input, JSON.stringify({ flags, cases: commandLines }));
		const result = await goTruth(['-flags', input]);
		assert.is(result.code, 0, result.stderr);
		const go = v.parse(GoFlagResults, JSON.parse(result.stdout));
		assert.is(go.length, commandLines.length);
		const differ: string[] = [];
		for (const want of go) {
			const nth = parseGoArgs(want.args);
			const shown = JSON.stringify(want.args);
			if (want.error === '' && want.rest.length === 0) {
				// Go read every argument: nth must read the same flags with the same raw text.
				if (nth.rest.length > 0 || JSON.stringify(sorted(nth.flags)) !== JSON.stringify(sorted(want.flags)))
					differ.push(`${shown}: Go ${JSON.stringify(want.flags)}, nth ${JSON.stringify(nth.flags)} rest ${JSON.stringify(nth.rest)}`);
			} else if (want.error === '') {
				// Go stopped at a stray word (NTH ignores the rest): nth leaves it for cac to refuse, stricter on purpose.
				if (!nth.rest.includes(want.rest[0] ?? ''))
					differ.push(`${shown}: Go stopped at ${want.rest[0]}; nth went on: ${JSON.stringify(nth)}`);
			} else if (nth.rest.length === 0 && accepted(nth.flags)) {
				// Go refused the command line: so must nth (cac refuses what is left, loadConfig a bad value).
				differ.push(`${shown}: Go refused it (${want.error}); nth accepted ${JSON.stringify(nth.flags)}`);
			}
		}
		assert.equal(differ, []);
		// The cases reach all three outcomes, so none of the branches above is vacuous.
		assert.ok(go.some((r) => r.error === '' && r.rest.length === 0));
		assert.ok(go.some((r) => r.error === '' && r.rest.length > 0));
		assert.ok(go.filter((r) => r.error !== '').length >= 4);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

function sorted(record: Readonly<Record<string, string>>): [string, string][] {
	return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

/** Whether nth's settings accept these flag values (a boolean flag's text is checked there, as Go's Bool does on parse). */
function accepted(flags: Readonly<Record<string, string>>): boolean {
	try {
		loadConfig({ env: {}, flags });
		return true;
	} catch {
		return false;
	}
}

truth.run();
