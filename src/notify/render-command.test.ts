import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultWebhookTemplate } from '../config/settings/webhook.ts';
import { createNodeRuntime } from '../runtime/node.ts';
import type { Runtime } from '../runtime/types.ts';
import { parseRfc3339, renderCommand } from './render-command.ts';
import { parseTemplate } from './template/template.ts';

const spotEvent = {
	EventID: 'spot-itn-5b2f',
	Kind: 'SPOT_ITN',
	Monitor: 'SPOT_ITN_MONITOR',
	Description: 'Spot ITN received. Instance will be terminated at 2020-09-15T21:17:41Z \n',
	NodeName: 'ip-10-0-1-2.ec2.internal',
	InstanceID: 'i-0123456789abcdef0',
	Pods: ['web-1', 'web-2'],
	NodeLabels: { app: 'web' },
	StartTime: '2020-09-15T21:17:41Z',
};

function fakeRuntime(files: Record<string, string>) {
	const out: string[] = [];
	const err: string[] = [];
	const runtime: Runtime = {
		...createNodeRuntime(),
		env: () => ({ CLUSTER: 'prod' }),
		readTextFile: async (path) => {
			const text = files[path];
			if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
			return text;
		},
		writeStdout: (text) => void out.push(text),
		writeStderr: (text) => void err.push(text),
	};
	return { runtime, stdout: () => out.join(''), stderr: () => err.join('') };
}

async function run(template: string, event: unknown) {
	const fake = fakeRuntime({ '/t.tmpl': template, '/e.json': typeof event === 'string' ? event : JSON.stringify(event) });
	const code = await renderCommand(fake.runtime, { template: '/t.tmpl', event: '/e.json' });
	return { code, stdout: fake.stdout(), stderr: fake.stderr() };
}

const command = suite('renderCommand()');

command("prints exactly the body for NTH's default template, with no newline of its own", async () => {
	const result = await run(defaultWebhookTemplate, spotEvent);
	assert.equal(result, {
		code: 0,
		stdout:
			'{"text":"[NTH][Instance Interruption] EventID: spot-itn-5b2f - Kind: SPOT_ITN - Instance: i-0123456789abcdef0 - Node: ip-10-0-1-2.ec2.internal - Description: Spot ITN received. Instance will be terminated at 2020-09-15T21:17:41Z \n - Start Time: 2020-09-15 21:17:41 +0000 UTC"}',
		stderr: '',
	});
});

command('fills absent fields with Go zero values and reads every field type', async () => {
	const result = await run('{{ .Region }}|{{ .Pods }}|{{ .NodeLabels }}|{{ .IsManaged }}|{{ .EndTime }}|{{ .Outcome }}', {});
	assert.equal(result, { code: 0, stdout: '|[]|map[]|false|0001-01-01 00:00:00 +0000 UTC|', stderr: '' });
	const full = await run(
		'{{ .IsManaged }} {{ .InProgress }} {{ .Outcome }} {{ .Details }} {{ index .NodeLabels "app" }} {{ env "CLUSTER" }}',
		{ IsManaged: true, InProgress: true, Outcome: 'drained', Details: 'ok', NodeLabels: { app: 'web' } },
	);
	assert.equal(full, { code: 0, stdout: 'true true drained ok web prod', stderr: '' });
});

command('keeps an RFC 3339 offset as Go does', async () => {
	const result = await run('{{ .StartTime }}|{{ .EndTime }}', {
		StartTime: '2020-09-15T23:17:41.5+02:00',
		EndTime: '2020-09-15T21:17:41+00:00',
	});
	assert.equal(result, { code: 0, stdout: '2020-09-15 23:17:41.5 +0200 +0200|2020-09-15 21:17:41 +0000 UTC', stderr: '' });
});

command("exits 1 with Go's parse error and prints nothing", async () => {
	const result = await run('{"text":"{{ .Kind "}', spotEvent);
	assert.is(result.code, 1);
	assert.is(result.stdout, '');
	assert.match(result.stderr, /^Cannot render the template "\/t\.tmpl": template: message:1: /);
	assert.ok(result.stderr.endsWith('\n'));
});

command("exits 1 with Go's execution error and its position", async () => {
	const result = await run('ok {{ .Missing }}', spotEvent);
	assert.is(result.code, 1);
	assert.is(result.stdout, '');
	assert.is(
		result.stderr,
		'Cannot render the template "/t.tmpl": template: message:1:6: executing "message" at <.Missing>: can\'t evaluate field Missing in type webhook.combinedDrainData\n',
	);
});

command('rejects unknown fields, wrong types and bad times with the field named', async () => {
	const unknown = await run('x', { ...spotEvent, Instance: 'i-1' });
	assert.is(unknown.code, 1);
	assert.match(unknown.stderr, /^Cannot use the event file "\/e\.json": Instance is not a template field \(fields: AccountId, /);
	const wrong = await run('x', { Pods: 'web-1', StartTime: '15 Sep 2020', IsManaged: 'yes' });
	assert.is(wrong.code, 1);
	assert.match(wrong.stderr, /Pods must be an array of strings/);
	assert.match(wrong.stderr, /StartTime must be an RFC 3339 time, e\.g\. "2020-09-15T21:17:41Z", got "15 Sep 2020"/);
	assert.match(wrong.stderr, /IsManaged must be true or false/);
	const notJson = await run('x', '{"EventID":');
	assert.is(notJson.code, 1);
	assert.match(notJson.stderr, /^Cannot parse the event file "\/e\.json": /);
});

command('exits 1 when a file cannot be read, and 2 without both options', async () => {
	const fake = fakeRuntime({});
	assert.is(await renderCommand(fake.runtime, { template: '/none.tmpl', event: '/e.json' }), 1);
	assert.match(fake.stderr(), /^Cannot read the template file "\/none\.tmpl": ENOENT/);
	assert.is(await renderCommand(fake.runtime, { template: '/t.tmpl', event: undefined }), 2);
});

const rfc = suite('parseRfc3339()');

rfc("parses what Go's RFC3339 layout accepts and rejects the rest", () => {
	const utc = parseRfc3339('2020-09-15T21:17:41Z');
	assert.is(utc?.ms, Date.UTC(2020, 8, 15, 21, 17, 41));
	const nanos = parseRfc3339('2020-09-15T21:17:41.123456789-05:30');
	assert.is(nanos?.ms, Date.UTC(2020, 8, 16, 2, 47, 41, 123));
	assert.is(nanos?.nanos, 456789);
	assert.is(parseTemplate('{{ . }}').execute(nanos), '2020-09-15 21:17:41.123456789 -0530 -0530');
	for (const bad of ['2020-09-15 21:17:41Z', '2020-02-30T00:00:00Z', '2020-09-15T24:00:00Z', '2020-09-15T21:17:41', '']) {
		assert.is(parseRfc3339(bad), undefined, bad);
	}
});

command.run();
rfc.run();
