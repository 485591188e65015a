import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isTemplateError, parseTemplate, type ExecuteOptions } from './template.ts';
import { fromJsonValue, goInt, goMap, goSlice, goStruct, goTime } from './values.ts';
import { fixedZone } from './zones.ts';

const render = (tpl: string, data?: unknown, options?: ExecuteOptions): string => parseTemplate(tpl).execute(data, options);

function failure(
	tpl: string,
	data?: unknown,
): { message: string; partial: string | undefined; line: number | undefined; column: number | undefined } {
	try {
		parseTemplate(tpl).execute(data);
	} catch (error) {
		if (!isTemplateError(error)) throw error;
		assert.is(error.kind, 'exec');
		return { message: error.message, partial: error.partial, line: error.line, column: error.column };
	}
	throw new Error(`Expected ${tpl} to fail`);
}

const start = new Date('2024-01-02T03:04:05Z');
/** The NTH fields the upstream templates use, typed as NTH types them. */
const event = () =>
	goStruct('webhook.combinedDrainData', {
		InstanceID: 'i-0123',
		InstanceType: 'm5.large',
		AvailabilityZone: 'us-east-1a',
		EventID: 'spot-itn-abc',
		Kind: 'SPOT_ITN',
		Description: 'Spot ITN received. Instance will be interrupted at 2024-01-02T03:04:05Z \n',
		NodeName: 'ip-10-0-0-1.ec2.internal',
		NodeLabels: goMap({ k: 'v', 'topology.kubernetes.io/zone': 'us-east-1a' }, 'string'),
		Pods: goSlice(['ns/a', 'ns/b', 'kube-system/c'], 'string'),
		IsManaged: true,
		StartTime: start,
		EndTime: goTime(new Date('0001-01-01T00:00:00Z')),
	});

const model = suite('execute(): the value model');

model('a plain object is a struct: %T names it, a missing field is an error naming the type', () => {
	assert.is(render('{{ printf "%T|%v|%+v" . . . }}', { A: 'x', B: goInt(1) }), 'struct { A string; B int }|{x 1}|{A:x B:1}');
	assert.is(
		failure('{{ .Nope }}', goStruct('main.T', { A: 'a' })).message,
		'template: message:1:3: executing "message" at <.Nope>: can\'t evaluate field Nope in type main.T',
	);
});

model('a Map is a map: a missing key prints <no value> and is nil to printf', () => {
	const data = {
		M: new Map<string, unknown>([
			['k', null],
			['n', new Map([['x', goInt(1)]])],
		]),
	};
	assert.is(
		render('{{ .M.k }}|{{ printf "%v" .M.k }}|{{ .M.n.x }}|{{ .M.zz }}|{{ index .M "zz" }}', data),
		'<no value>|<nil>|1|<no value>|<no value>',
	);
	assert.is(render('[{{ index .L "zz" }}]', { L: goMap({ a: 'b' }, 'string') }), '[]', 'a map[string]string gives its zero value');
});

model('numbers: a JS number is a float64, goInt an int, and their types differ for eq', () => {
	assert.is(
		render('{{ .F }} {{ .I }} {{ printf "%T %T %T" .F .I .U }}', { F: 2, I: goInt(2), U: goInt(7, 'uint8') }),
		'2 2 float64 int uint8',
	);
	assert.is(
		failure('{{ eq .F .I }}', { F: 2, I: goInt(2) }).message,
		'template: message:1:3: executing "message" at <eq .F .I>: error calling eq: incompatible types for comparison: float64 and int',
	);
});

model('a Date is a UTC time.Time; goTime keeps a zone, and time methods work on both', () => {
	const data = { D: start, G: goTime(start, fixedZone('GMT', 0)), Z: goTime(start, fixedZone('', 7200)) };
	assert.is(
		render('{{ .D }}|{{ .G }}|{{ .Z }}|{{ .D.Format "Jan _2 15:04" }}|{{ .G.Unix }}', data),
		'2024-01-02 03:04:05 +0000 UTC|2024-01-02 03:04:05 +0000 GMT|2024-01-02 05:04:05 +0200 +0200|Jan  2 03:04|1704164645',
	);
});

model("time.Duration values print and have Go's methods", () => {
	const data = { D: goInt(90e9, 'time.Duration') };
	assert.is(
		render('{{ .D }} {{ printf "%d %T" .D .D }} {{ .D.Minutes }} {{ .D.Round 60000000000 }} {{ .D.Truncate 60000000000 }}', data),
		'1m30s 90000000000 time.Duration 1.5 2m0s 1m0s',
	);
	assert.is(render('{{ .StartTime.Sub .EndTime }}', event()), '2562047h47m16.854775807s', 'Sub saturates like Go');
});

model('int64 values beyond 2^53 print exactly', () => {
	assert.is(render('{{ .StartTime.UnixNano }} {{ 9223372036854775807 }}', event()), '1704164645000000000 9223372036854775807');
});

model('null is a nil interface: <no value> when printed, a nil pointer for a field', () => {
	assert.is(render('[{{ .X }}] {{ print .X }} {{ if .X }}t{{ else }}f{{ end }}', { X: null }), '[<no value>] <nil> f');
	assert.is(
		failure('{{ .X.y }}', { X: null }).message,
		'template: message:1:5: executing "message" at <.X.y>: nil pointer evaluating interface {}.y',
	);
});

model('nil data: fields of nothing are <no value>, as in Go', () => {
	assert.is(render('{{ . }}|{{ .Foo }}|{{ .Foo.Bar }}', null), '<no value>|<no value>|<no value>');
});

model('a function property is a method', () => {
	const data = {
		Greet: (name: unknown, times: unknown) => `hi ${String(name)} x${times instanceof Object ? 'n' : String(times)}`,
		Name: 'bob',
	};
	assert.is(render('{{ .Greet .Name 2 }}', data), 'hi bob xn');
	assert.is(render('{{ .Name | .Greet "x" }}', data), 'hi x xbob');
});

model('fromJsonValue gives what json.Unmarshal into interface{} gives', () => {
	const data = fromJsonValue({ a: { b: [1, 'x', null] }, s: 'str' });
	assert.is(
		render('{{ .a.b }} {{ printf "%T %T" .a .a.b }} {{ keys . | sortAlpha }} {{ .nope }}', data),
		'[1 x <nil>] map[string]interface {} []interface {} [a s] <no value>',
	);
	assert.is(
		failure('{{ .s.x }}', data).message,
		'template: message:1:5: executing "message" at <.s.x>: can\'t evaluate field x in type interface {}',
	);
});

model('env and now come from the options, and default to unset and the system clock', () => {
	assert.is(
		render('{{ env "HOME" }}|{{ expandenv "${HOME}/x" }}', null, { env: (name) => (name === 'HOME' ? '/root' : undefined) }),
		'/root|/root/x',
	);
	assert.is(render('[{{ env "HOME" }}]'), '[]');
	assert.is(render('{{ now.Year }}', null, { now: () => new Date('2031-05-06T00:00:00Z') }), '2031');
	assert.is(render('{{ now.Year }}'), String(new Date().getUTCFullYear()));
});

const control = suite('execute(): control flow');

control('range over slices, maps (sorted), ints, with else, break and continue', () => {
	const data = {
		L: ['a', 'b', 'c'],
		M: new Map([
			['z', 1],
			['a', 2],
		]),
	};
	assert.is(
		render(
			'{{ range $i, $e := .L }}{{ $i }}{{ $e }}{{ end }}|{{ range $k, $v := .M }}{{ $k }}{{ $v }}{{ end }}|{{ range 3 }}{{ . }}{{ end }}',
			data,
		),
		'0a1b2c|a2z1|012',
	);
	assert.is(
		render(
			'{{ range .L }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}|{{ range .L }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}',
			data,
		),
		'ac|a',
	);
	assert.is(render('{{ range .Empty }}x{{ else }}none{{ end }}', { Empty: [] }), 'none');
});

control('variables: declaration, assignment across range, scoping, $', () => {
	assert.is(
		render('{{ $n := 0 }}{{ range .L }}{{ $n = add $n 1 }}{{ end }}{{ $n }} {{ range .L }}{{ $.K }}{{ end }}', { L: [1, 2], K: 'k' }),
		'2 kk',
	);
});

control('if/else if/else, with/else with, define/template/block', () => {
	assert.is(
		render('{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}{{ with .A }}x{{ else with .B }}{{ . }}{{ end }}', { A: '', B: 'bee' }),
		'bbee',
	);
	assert.is(render('{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" .K }}{{ block "b" "y" }}<{{ . }}>{{ end }}', { K: 'k' }), '[k]<y>');
});

control('whitespace trimming and comments', () => {
	assert.is(render('a  {{- "x" -}}  \n b {{/* c */}}c{{- /* d */ -}} e'), 'axb ce');
});

const errors = suite('execute(): errors');

errors("carry Go's message, the output so far, and the failing line and byte column", () => {
	const got = failure('a\n  {{ .Nope }}', goStruct('main.T', {}));
	assert.is(got.message, 'template: message:2:5: executing "message" at <.Nope>: can\'t evaluate field Nope in type main.T');
	assert.is(got.partial, 'a\n  ');
	assert.is(got.line, 2);
	assert.is(got.column, 5);
	assert.is(failure('é {{ .Nope }}', {}).column, 6, 'columns count UTF-8 bytes');
});

errors('inside a template name the executing template and keep earlier output', () => {
	const got = failure('x{{ template "t" . }}{{ define "t" }}y{{ .Nope }}{{ end }}', goStruct('main.T', {}));
	assert.is(got.message, 'template: message:1:41: executing "t" at <.Nope>: can\'t evaluate field Nope in type main.T');
	assert.is(got.partial, 'xy');
});

errors("a typed parameter rejects other types, as Go's reflection call does", () => {
	assert.is(
		failure('{{ .NodeLabels.k | upper }}{{ keys .NodeLabels }}', event()).message,
		'template: message:1:35: executing "message" at <.NodeLabels>: wrong type for value; expected map[string]interface {}; got map[string]string',
	);
	assert.is(
		failure('{{ upper .Missing }}', new Map()).message,
		'template: message:1:9: executing "message" at <.Missing>: invalid value; expected string',
	);
	// Go reports the last node it looked at: the 2 inside the parenthesised pipeline.
	assert.is(
		failure('{{ trunc (add 1 2) "abc" }}').message,
		'template: message:1:16: executing "message" at <2>: wrong type for value; expected int; got int64',
	);
});

errors("runaway template recursion fails with Go's message instead of overflowing the stack", () => {
	assert.match(
		failure('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}').message,
		/executing "r" at <{{template "r" .}}>: exceeded maximum template depth \(100000\)/,
	);
});

const upstream = suite("execute(): NTH and users' templates (outputs recorded from Go)");

upstream('the upstream NTH e2e template', () => {
	const tpl =
		'{"Content":"[NTH][Instance Interruption] InstanceId: {{ .InstanceID }} - Node: {{ .NodeName }} - InstanceType: {{ .InstanceType }} -  AvailabilityZone: {{ .AvailabilityZone }} - Kind: {{ .Kind }} - Start Time: {{ .StartTime }}"}';
	assert.is(
		render(tpl, event()),
		'{"Content":"[NTH][Instance Interruption] InstanceId: i-0123 - Node: ip-10-0-0-1.ec2.internal - InstanceType: m5.large -  AvailabilityZone: us-east-1a - Kind: SPOT_ITN - Start Time: 2024-01-02 03:04:05 +0000 UTC"}',
	);
});

upstream('a Slack blocks template with range, if, printf and toJson', () => {
	const tpl = `{
  "blocks": [
    {"type": "header", "text": {"type": "plain_text", "text": "NTH {{ .Kind | lower | replace "_" " " | title }}"}},
    {"type": "section", "fields": [
      {"type": "mrkdwn", "text": "*Node:* {{ .NodeName }}"},
      {"type": "mrkdwn", "text": "*Instance:* {{ .InstanceID }} ({{ .PublicIP | default "unknown" }})"}
    ]}
    {{- if .Pods }},
    {"type": "section", "text": {"type": "mrkdwn", "text": {{ printf "*Pods (%d):*\\n%s" (len .Pods) (join "\\n" .Pods) | toJson }}}}
    {{- end }}
    {{- range $i, $p := .Pods }}
    {{- if lt $i 2 }},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "{{ add1 $i }}. {{ $p }}"}]}
    {{- end }}
    {{- end }}
  ],
  "text": {{ .Description | trim | toJson }},
  "ts": "{{ .StartTime.Unix }}",
  "at": {{ .StartTime | toJson }}
}`;
	assert.is(
		render(tpl, goStruct('webhook.combinedDrainData', { ...event(), PublicIP: '' })),
		`{
  "blocks": [
    {"type": "header", "text": {"type": "plain_text", "text": "NTH Spot Itn"}},
    {"type": "section", "fields": [
      {"type": "mrkdwn", "text": "*Node:* ip-10-0-0-1.ec2.internal"},
      {"type": "mrkdwn", "text": "*Instance:* i-0123 (unknown)"}
    ]},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Pods (3):*\\nns/a\\nns/b\\nkube-system/c"}},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "1. ns/a"}]},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "2. ns/b"}]}
  ],
  "text": "Spot ITN received. Instance will be interrupted at 2024-01-02T03:04:05Z",
  "ts": "1704164645",
  "at": "2024-01-02T03:04:05Z"
}`,
	);
});

upstream('a Teams MessageCard with else-if, a map range and time methods', () => {
	const tpl = `{
  "@type": "MessageCard",
  "themeColor": "{{ if eq .Kind "SPOT_ITN" }}FF0000{{ else if eq .Kind "SCHEDULED_EVENT" }}FFA500{{ else }}0076D7{{ end }}",
  "summary": "NTH event {{ .EventID }}",
  "sections": [{
    "activityTitle": "{{ .Kind }} on {{ .NodeName }}",
    "activitySubtitle": "{{ .StartTime.Format "Mon, 02 Jan 2006 15:04:05 MST" }}",
    "facts": [
      {{- range $k, $v := .NodeLabels }}
      { "name": {{ $k | toJson }}, "value": {{ $v | toJson }} },
      {{- end }}
      { "name": "Pods", "value": "{{ len .Pods }}" },
      { "name": "End", "value": "{{ if .EndTime.IsZero }}n/a{{ else }}{{ .EndTime }}{{ end }}" }
    ]
  }]
}`;
	assert.is(
		render(tpl, event()),
		`{
  "@type": "MessageCard",
  "themeColor": "FF0000",
  "summary": "NTH event spot-itn-abc",
  "sections": [{
    "activityTitle": "SPOT_ITN on ip-10-0-0-1.ec2.internal",
    "activitySubtitle": "Tue, 02 Jan 2024 03:04:05 UTC",
    "facts": [
      { "name": "k", "value": "v" },
      { "name": "topology.kubernetes.io/zone", "value": "us-east-1a" },
      { "name": "Pods", "value": "3" },
      { "name": "End", "value": "n/a" }
    ]
  }]
}`,
	);
});

model.run();
control.run();
errors.run();
upstream.run();
