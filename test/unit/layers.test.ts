// One-way arrows (architecture.md, "One direction"): every folder of src/ sits on a floor, and
// production code imports only from its own folder or from a lower floor — type-only imports
// included, since a type names the thing it depends on. A new folder must be given a floor here
// before anything may import it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');

/**
 * The house, ground floor first. Left to right an interruption flows: IMDS → monitors → incidents →
 * node + drain → Kubernetes, with notify, metrics and http reporting. Shared vocabulary is the
 * ground, the runtime adapters stand on it; the adapters to the two outside systems (kube, imds) stand on
 * config and metrics; main (the CLI) is the roof.
 */
const floors: readonly (readonly string[])[] = [
	['version', 'vocabulary', 'errors', 'duration'],
	['runtime'],
	['clock', 'log'],
	['config', 'metrics'],
	['kube', 'imds'],
	['monitors', 'node'],
	// Reads events (monitors' output type) and instance metadata; records Kubernetes events.
	['notify'],
	// Records its progress through notify's EventRecorder.
	['drain'],
	['incidents'],
	['http', 'doctor'],
	['agent'],
	['main'],
];

const floorOf = new Map(floors.flatMap((names, floor) => names.map((name) => [name, floor] as const)));

function walk(dir: string, out: string[] = []): string[] {
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) walk(path, out);
		else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
	}
	return out;
}

/** `src/drain/evict.ts` → `drain`, `src/agent.ts` → `agent`. */
function unitOf(path: string): string {
	const first = relative(src, path).split('/')[0] ?? '';
	return first.replace(/\.ts$/, '');
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
function importsOf(text: string): string[] {
	const found: string[] = [];
	for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*'(\.{1,2}\/[^']+)'/g)) found.push(match[1] ?? '');
	for (const match of text.matchAll(/(?:^|\n)\s*import\s*'(\.{1,2}\/[^']+)'/g)) found.push(match[1] ?? '');
	for (const match of text.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) found.push(match[1] ?? '');
	return found;
}

interface Arrow {
	readonly file: string;
	readonly from: string;
	readonly to: string;
}

function arrows(): Arrow[] {
	const out: Arrow[] = [];
	for (const file of walk(src)) {
		const from = unitOf(file);
		for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
			const target = join(dirname(file), specifier);
			if (!target.startsWith(`${src}/`)) continue;
			const to = unitOf(target);
			if (to !== from) out.push({ file: relative(root, file), from, to });
		}
	}
	return out;
}

/** Arrows that run sideways (to another folder on the same floor) or up, one line each. */
function violations(found: readonly Arrow[]): string[] {
	return found
		.filter(({ from, to }) => (floorOf.get(to) ?? Number.POSITIVE_INFINITY) >= (floorOf.get(from) ?? -1))
		.map(({ file, from, to }) => `${file}: ${from} (floor ${floorOf.get(from)}) → ${to} (floor ${floorOf.get(to)})`);
}

const test = suite('layers');

test('the import scanner sees every form of relative import', () => {
	const text = [
		"import type { A } from '../kube/api.ts';",
		"import {\n\tB,\n\tC,\n} from '../imds/types.ts';",
		"export { D } from './d.ts';",
		"import './side-effect.ts';",
		"const e = await import('../drain/drain.ts');",
		"import { f } from 'valibot';",
	].join('\n');
	assert.equal(importsOf(text), ['../kube/api.ts', '../imds/types.ts', './d.ts', './side-effect.ts', '../drain/drain.ts']);
});

test('every folder and top-level file of src/ has a floor', () => {
	const units = new Set(walk(src).map(unitOf));
	const missing = [...units].filter((unit) => !floorOf.has(unit)).sort();
	assert.equal(missing, [], `give these a floor in test/unit/layers.test.ts: ${missing.join(', ')}`);
});

test('no import runs sideways or up', () => {
	const found = arrows();
	assert.ok(found.length > 50, `the scanner found only ${found.length} cross-folder imports`);
	assert.equal(violations(found), []);
});

test('the check catches the arrows the plan forbids', () => {
	const planted: Arrow[] = [
		{ file: 'src/monitors/x.ts', from: 'monitors', to: 'incidents' },
		{ file: 'src/metrics/x.ts', from: 'metrics', to: 'monitors' },
		{ file: 'src/doctor/x.ts', from: 'doctor', to: 'agent' },
		{ file: 'src/kube/x.ts', from: 'kube', to: 'imds' },
		{ file: 'src/new/x.ts', from: 'new', to: 'kube' },
		{ file: 'src/drain/x.ts', from: 'drain', to: 'kube' },
	];
	assert.equal(violations(planted).length, 5);
	assert.ok(violations(planted).every((line) => !line.startsWith('src/drain/')));
});

test.run();
