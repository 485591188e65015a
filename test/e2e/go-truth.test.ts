// The truth data of the template engine comes from real Go: test/go-truth is the
// Go program (text/template + Sprig v3, the call NTH makes) that produced
// src/notify/template/testdata/go-outputs.json, and it checks here that every
// recorded output (and the shared conformance cases) is still what Go gives.
// It runs in the e2e tier because that tier already needs Go and the module proxy.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';

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

truth.run();
