import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { isTemplateError, parseTemplate, type ExecuteOptions } from './template.ts';
import { fromJsonValue, goInt, goMap, goSlice, goStruct } from './values.ts';

const sharedDir = new URL('../../../../shared/conformance/go-template/', import.meta.url);
const readJson = (url: URL): unknown => JSON.parse(readFileSync(url, 'utf8'));

const CasesSchema = v.array(v.object({ name: v.string(), tpl: v.string() }));
const ExpectedSchema = v.record(
	v.string(),
	v.union([v.strictObject({ out: v.string() }), v.strictObject({ err: v.string(), partial: v.optional(v.string()) })]),
);
const rfc3339Date = v.pipe(
	v.string(),
	v.isoTimestamp(),
	v.transform((text) => new Date(text)),
);
// The README's Go struct, field for field and in its order (the order %v and toJson show).
const DataSchema = v.strictObject({
	AccountId: v.string(),
	InstanceID: v.string(),
	InstanceLifeCycle: v.string(),
	InstanceType: v.string(),
	PublicHostname: v.string(),
	PublicIP: v.string(),
	LocalHostname: v.string(),
	LocalIP: v.string(),
	AvailabilityZone: v.string(),
	Region: v.string(),
	EventID: v.string(),
	Kind: v.string(),
	Monitor: v.string(),
	Description: v.string(),
	State: v.string(),
	AutoScalingGroupName: v.string(),
	NodeName: v.string(),
	NodeLabels: v.record(v.string(), v.string()),
	Pods: v.array(v.string()),
	ProviderID: v.string(),
	IsManaged: v.boolean(),
	StartTime: rfc3339Date,
	EndTime: rfc3339Date,
	X: v.null(),
	Count: v.pipe(v.number(), v.integer()),
	Ratio: v.number(),
});

const cases = v.parse(CasesSchema, readJson(new URL('cases.json', sharedDir)));
const expected = v.parse(ExpectedSchema, readJson(new URL('expected.json', sharedDir)));
const rawData = v.parse(DataSchema, readJson(new URL('data.json', sharedDir)));

/** The data as Go typed it: a struct main.combined, an int Count, a map[string]string, a []string. Fresh per call (sortAlpha sorts a []string in place). */
function nthData(): object {
	return goStruct('main.combined', {
		...rawData,
		NodeLabels: goMap(rawData.NodeLabels, 'string'),
		Pods: goSlice([...rawData.Pods], 'string'),
		Count: goInt(rawData.Count),
	});
}

const env: Readonly<Record<string, string>> = { HOME: '/root', NTH_TEST: 'hello' };
const options: ExecuteOptions = { env: (name) => env[name], now: () => new Date('2026-03-04T05:06:07Z') };

function run(
	tpl: string,
	data: unknown,
	opts: ExecuteOptions = options,
): { out: string } | { err: string; partial: string | undefined; kind: string } {
	try {
		return { out: parseTemplate(tpl).execute(data, opts) };
	} catch (error) {
		if (!isTemplateError(error)) throw error;
		return { err: error.message, partial: error.partial, kind: error.kind };
	}
}

const conformance = suite('conformance: shared go-template cases');

conformance('has the 61 cases, each with an expectation', () => {
	assert.is(cases.length, 61);
	for (const { name } of cases) assert.ok(expected[name], name);
});

for (const { name, tpl } of cases) {
	conformance(name, () => {
		const want = expected[name]!;
		const got = run(tpl, nthData());
		if ('out' in want) {
			assert.equal(got, { out: want.out }, name);
			return;
		}
		assert.ok('err' in got, `${name} should fail`);
		assert.is(got.kind, want.partial === undefined ? 'parse' : 'exec');
		assert.is(got.err, want.err);
		assert.is(got.partial, want.partial);
	});
}

conformance('cases that read the clock also hold with the real clock', () => {
	for (const name of ['date_now_fmt', 'now_type']) {
		const tpl = cases.find((c) => c.name === name)!.tpl;
		assert.equal(run(tpl, nthData(), {}), expected[name], name);
	}
	assert.is(parseTemplate('{{ now | date "2006" }}').execute(null, options), '2026');
});

const GoOutputsSchema = v.object({
	jsonData: v.string(),
	cases: v.array(
		v.object({
			tpl: v.string(),
			data: v.optional(v.literal('json')),
			out: v.optional(v.string()),
			err: v.optional(v.string()),
			partial: v.optional(v.string()),
		}),
	),
});
const recorded = v.parse(GoOutputsSchema, readJson(new URL('testdata/go-outputs.json', import.meta.url)));

const goOutputs = suite('conformance: recorded Go outputs (testdata/go-outputs.json)');

goOutputs('covers hundreds of templates, errors included', () => {
	assert.ok(recorded.cases.length > 400);
	assert.ok(recorded.cases.filter((c) => c.err !== undefined).length > 150);
});

for (const [index, c] of recorded.cases.entries()) {
	goOutputs(`#${index} ${c.tpl.length > 60 ? `${c.tpl.slice(0, 60)}…` : c.tpl}`, () => {
		const data = c.data === 'json' ? fromJsonValue(JSON.parse(recorded.jsonData)) : nthData();
		const got = run(c.tpl, data);
		if (c.out !== undefined) assert.equal(got, { out: c.out });
		else {
			assert.ok('err' in got, 'should fail');
			assert.is(got.err, c.err);
			assert.is(got.partial, c.partial);
		}
	});
}

conformance.run();
goOutputs.run();
