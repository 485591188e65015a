// `npm run bench:template`: how long the webhook template engine takes to parse
// and execute NTH's default template (the render-speed figure that used to be a
// timed unit test), beside upstream NTH's render: Go's text/template with the
// Sprig function map, the exact call NTH makes (bench/template-go, built with
// the local Go toolchain when there is one). Prints numbers and the nth/NTH
// ratio; nothing passes or fails on them. Writes bench/results/template-<date>.json.
//
//   node bench/template.ts [--runs=N]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { parseTemplate } from '../src/notify/template/template.ts';
import { goStruct, goTime } from '../src/notify/template/values.ts';

const runsArg = process.argv.find((arg) => arg.startsWith('--runs='));
const runs = runsArg === undefined ? 20_000 : Number(runsArg.slice('--runs='.length));
const defaultTemplate =
	'{"text":"[NTH][Instance Interruption] EventID: {{ .EventID }} - Kind: {{ .Kind }} - Instance: {{ .InstanceID }} - Node: {{ .NodeName }} - Description: {{ .Description }} - Start Time: {{ .StartTime }}"}';
const data = goStruct('monitor.InterruptionEvent', {
	EventID: 'spot-itn-0123456789abcdef',
	Kind: 'SPOT_ITN',
	InstanceID: 'i-0123456789abcdef0',
	NodeName: 'ip-10-0-0-1.ec2.internal',
	Description: 'Spot ITN received. Instance will be interrupted at 2024-01-02T03:04:05Z',
	StartTime: goTime(new Date('2024-01-02T03:04:05Z')),
});

const root = join(fileURLToPath(import.meta.url), '..', '..');

function measure(once: () => void): number {
	for (let i = 0; i < Math.min(1000, runs); i++) once(); // warm-up
	const started = performance.now();
	for (let i = 0; i < runs; i++) once();
	return ((performance.now() - started) / runs) * 1000;
}

const GoLineSchema = v.object({ label: v.string(), usPerRun: v.number(), runs: v.number() });

/** Upstream's render timed by bench/template-go; undefined (and why) without a Go toolchain or when it fails. */
function goRender(): { results: Record<string, number> } | { why: string } {
	if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return { why: 'no Go toolchain' };
	const binary = join(homedir(), '.cache', 'nth-bench', 'template-go', 'bench-template-go');
	const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
	const built = spawnSync('go', ['build', '-o', binary, '.'], { cwd: join(root, 'bench', 'template-go'), env, encoding: 'utf8' });
	if (built.status !== 0) return { why: `go build failed: ${built.stderr.trim().split('\n').slice(-2).join(' | ')}` };
	const ran = spawnSync(binary, ['-runs', String(runs)], { encoding: 'utf8' });
	if (ran.status !== 0) return { why: `bench-template-go failed: ${ran.stderr.trim().split('\n').slice(-2).join(' | ')}` };
	const results: Record<string, number> = {};
	for (const line of ran.stdout.split('\n').filter((text) => text.trim() !== '')) {
		const parsed = v.parse(GoLineSchema, JSON.parse(line));
		results[parsed.label] = parsed.usPerRun;
	}
	return { results };
}

const parsed = parseTemplate(defaultTemplate);
const nth: Record<string, number> = {
	'parse + execute (default)': measure(() => parseTemplate(defaultTemplate).execute(data)),
	'execute only (default)': measure(() => parsed.execute(data)),
};
const go = goRender();
console.log(
	`\nwebhook template render, µs per run (${runs} runs after a warm-up), NTH's default template; this process's runtime (${process.versions.bun === undefined ? `Node ${process.version}` : `Bun ${process.versions.bun}`}) for nth`,
);
console.log(`${'measure'.padEnd(28)} ${'nth'.padStart(9)} ${'NTH (Go)'.padStart(9)} ${'nth/NTH'.padStart(8)}`);
for (const [label, us] of Object.entries(nth)) {
	const upstream = 'results' in go ? go.results[label] : undefined;
	console.log(
		`${label.padEnd(28)} ${us.toFixed(2).padStart(9)} ${(upstream === undefined ? '-' : upstream.toFixed(2)).padStart(9)} ${(upstream === undefined ? '-' : `${(us / upstream).toFixed(2)}×`).padStart(8)}`,
	);
}
if ('why' in go) console.log(`NTH (Go) left out: ${go.why}`);
else
	console.log(
		'NTH (Go): text/template + Sprig v3.3.0, template.New("message").Funcs(sprig.TxtFuncMap()).Parse + Execute, as NTH v1.25.6 renders a webhook body',
	);
const date = new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
const jsonOut = join(root, 'bench', 'results', `template-${date}.json`);
mkdirSync(join(jsonOut, '..'), { recursive: true });
writeFileSync(
	jsonOut,
	`${JSON.stringify({ date: new Date().toISOString(), runs, nth, upstream: 'results' in go ? go.results : null, ...('why' in go ? { upstreamLeftOut: go.why } : {}) }, null, 2)}\n`,
);
console.log(`JSON: ${jsonOut}`);
