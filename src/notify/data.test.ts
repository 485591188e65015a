import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultWebhookTemplate } from '../config/settings/webhook.ts';
import type { InstanceMetadata } from '../imds/types.ts';
import type { InterruptionEvent } from '../monitors/types.ts';
import { buildTemplateData, sampleTemplateData, templateFieldNames, type TemplateDataInput } from './data.ts';
import { parseTemplate } from './template/template.ts';

const metadata: InstanceMetadata = {
	accountId: '123456789012',
	instanceId: 'i-0123456789abcdef0',
	instanceLifeCycle: 'spot',
	instanceType: 'm5.large',
	publicHostname: 'ec2-54-1-2-3.compute-1.amazonaws.com',
	publicIp: '54.1.2.3',
	localHostname: 'ip-10-0-1-2.ec2.internal',
	privateIp: '10.0.1.2',
	availabilityZone: 'us-east-1a',
	region: 'us-east-1',
};

const spot: InterruptionEvent = {
	eventId: 'spot-itn-5b2f',
	kind: 'SPOT_ITN',
	monitor: 'SPOT_ITN_MONITOR',
	description: 'Spot ITN received. Instance will be terminated at 2020-09-15T21:17:41Z \n',
	state: '',
	startTime: new Date('2020-09-15T21:17:41Z'),
	endTime: undefined,
	deadline: new Date('2020-09-15T21:17:41Z'),
	spotAction: 'terminate',
};

const scheduled: InterruptionEvent = {
	eventId: 'instance-event-0d59937288b749b32',
	kind: 'SCHEDULED_EVENT',
	monitor: 'SCHEDULED_EVENT_MONITOR',
	description: 'system-reboot event received. Instance will be interrupted at 21 Jan 2019 09:00:43 GMT \n',
	state: 'active',
	startTime: new Date('2019-01-21T08:00:00.250Z'),
	endTime: new Date('2019-01-21T09:17:23Z'),
	deadline: new Date('2019-01-21T09:00:43Z'),
	scheduledCode: 'system-reboot',
};

function input(overrides: Partial<TemplateDataInput> = {}): TemplateDataInput {
	return {
		event: spot,
		metadata,
		nodeName: 'ip-10-0-1-2.ec2.internal',
		nodeLabels: { 'topology.kubernetes.io/zone': 'us-east-1a', app: 'web' },
		pods: ['web-1', 'web-2'],
		...overrides,
	};
}

function render(template: string, overrides: Partial<TemplateDataInput> = {}): string {
	return parseTemplate(template).execute(buildTemplateData(input(overrides)));
}

const data = suite('buildTemplateData()');

data("has exactly NTH's field set plus Outcome and Details, in order", () => {
	const built = buildTemplateData(input());
	assert.equal(Object.keys(built), [...templateFieldNames]);
	assert.equal(templateFieldNames.slice(0, 8), [
		'AccountId',
		'InstanceLifeCycle',
		'PublicHostname',
		'PublicIP',
		'LocalHostname',
		'LocalIP',
		'AvailabilityZone',
		'Region',
	]);
	assert.equal(templateFieldNames.slice(-2), ['Outcome', 'Details']);
});

data("maps metadata and event fields to NTH's names", () => {
	assert.is(
		render(
			'{{ .AccountId }}|{{ .InstanceLifeCycle }}|{{ .PublicHostname }}|{{ .PublicIP }}|{{ .LocalHostname }}|{{ .LocalIP }}|{{ .AvailabilityZone }}|{{ .Region }}',
		),
		'123456789012|spot|ec2-54-1-2-3.compute-1.amazonaws.com|54.1.2.3|ip-10-0-1-2.ec2.internal|10.0.1.2|us-east-1a|us-east-1',
	);
	assert.is(
		render(
			'{{ .EventID }}|{{ .Kind }}|{{ .Monitor }}|{{ .State }}|{{ .AutoScalingGroupName }}|{{ .NodeName }}|{{ .ProviderID }}|{{ .IsManaged }}|{{ .NodeProcessed }}|{{ .InProgress }}',
		),
		'spot-itn-5b2f|SPOT_ITN|SPOT_ITN_MONITOR|||ip-10-0-1-2.ec2.internal||false|false|true',
	);
	assert.is(render('{{ .ProviderID }}', { providerId: 'aws:///us-east-1a/i-0123456789abcdef0' }), 'aws:///us-east-1a/i-0123456789abcdef0');
});

data('takes InstanceID and InstanceType from the metadata (IMDS events carry none)', () => {
	assert.is(render('{{ .InstanceID }} {{ .InstanceType }}'), 'i-0123456789abcdef0 m5.large');
});

data("prints times as Go's time.Time: RFC 3339 times in UTC, scheduled-event times in GMT, zero EndTime", () => {
	assert.is(render('{{ .StartTime }}|{{ .EndTime }}'), '2020-09-15 21:17:41 +0000 UTC|0001-01-01 00:00:00 +0000 UTC');
	assert.is(
		render('{{ .StartTime }}|{{ .EndTime }}', { event: scheduled }),
		'2019-01-21 08:00:00.25 +0000 UTC|2019-01-21 09:17:23 +0000 GMT',
	);
});

data('gives NodeLabels as a map[string]string and Pods as a []string', () => {
	assert.is(
		render('{{ .NodeLabels }}|{{ .Pods }}|{{ printf "%T %T" .NodeLabels .Pods }}'),
		'map[app:web topology.kubernetes.io/zone:us-east-1a]|[web-1 web-2]|map[string]string []string',
	);
	assert.is(render('{{ .NodeLabels }}|{{ .Pods }}', { nodeLabels: {}, pods: [] }), 'map[]|[]');
});

data("keeps the start message as NTH's; marks the outcome message in Description, Outcome and Details", () => {
	assert.is(
		render('{{ .Outcome }}|{{ .Details }}|{{ .Description }}'),
		'||Spot ITN received. Instance will be terminated at 2020-09-15T21:17:41Z \n',
	);
	assert.is(
		render('{{ .Outcome }}|{{ .Details }}|{{ .Description }}', { outcome: 'failed', details: 'Cannot evict pod "default/web-1": blocked' }),
		'failed|Cannot evict pod "default/web-1": blocked|[failed] Spot ITN received. Instance will be terminated at 2020-09-15T21:17:41Z \n',
	);
});

data('fails on an unknown field, as NTH does', () => {
	try {
		render('{{ .cat }}');
		assert.unreachable('should have thrown');
	} catch (error) {
		assert.match(String(error), /can't evaluate field cat in type webhook\.combinedDrainData/);
	}
});

data('builds a sample that renders with every field', () => {
	const sample = sampleTemplateData(metadata, '');
	const all = templateFieldNames.map((name) => `{{ .${name} }}`).join('|');
	assert.ok(parseTemplate(all).execute(sample).startsWith('123456789012|spot|'));
	assert.is(parseTemplate('{{ .NodeName }}').execute(sample), 'ip-192-168-1-10.ec2.internal');
	assert.is(parseTemplate('{{ .NodeName }}').execute(sampleTemplateData(metadata, 'node-a')), 'node-a');
});

/** Templates users write for NTH, with what NTH renders for them. */
const templates = suite("webhook templates (NTH users' cases)");

const cases: readonly {
	readonly name: string;
	readonly template: string;
	readonly expected: string;
	readonly input?: Partial<TemplateDataInput>;
}[] = [
	{
		name: 'NTH default',
		template: defaultWebhookTemplate,
		expected:
			'{"text":"[NTH][Instance Interruption] EventID: spot-itn-5b2f - Kind: SPOT_ITN - Instance: i-0123456789abcdef0 - Node: ip-10-0-1-2.ec2.internal - Description: Spot ITN received. Instance will be terminated at 2020-09-15T21:17:41Z \n - Start Time: 2020-09-15 21:17:41 +0000 UTC"}',
	},
	{
		name: 'Helm chart default (Content)',
		template:
			'{"Content":"[NTH][Instance Interruption] InstanceId: {{ .InstanceID }} - InstanceType: {{ .InstanceType }} - Kind: {{ .Kind }} - Start Time: {{ .StartTime }}"}',
		expected:
			'{"Content":"[NTH][Instance Interruption] InstanceId: i-0123456789abcdef0 - InstanceType: m5.large - Kind: SPOT_ITN - Start Time: 2020-09-15 21:17:41 +0000 UTC"}',
	},
	{
		name: 'Slack rich message with account, pods and description',
		template:
			'{"text":":rotating_light: *EC2 Spot instance is about to be interrupted.* :rotating_light:\\n*_Account:_* `{{ .AccountId }}`\\n*_Instance ID:_* `{{ .InstanceID }}`\\n*_Node Name:_* `{{ .NodeName }}`\\n*_Instance Type:_* `{{ .InstanceType }}`\\n*_Start Time:_* `{{ .StartTime }}`\\n*_Affected Pod(s):_* `{{ .Pods }}`"}',
		expected:
			'{"text":":rotating_light: *EC2 Spot instance is about to be interrupted.* :rotating_light:\\n*_Account:_* `123456789012`\\n*_Instance ID:_* `i-0123456789abcdef0`\\n*_Node Name:_* `ip-10-0-1-2.ec2.internal`\\n*_Instance Type:_* `m5.large`\\n*_Start Time:_* `2020-09-15 21:17:41 +0000 UTC`\\n*_Affected Pod(s):_* `[web-1 web-2]`"}',
	},
	{
		name: 'JSON-safe fields with Sprig toJson and trim',
		template:
			'{"event":{{ .EventID | toJson }},"description":{{ .Description | trim | toJson }},"labels":{{ toJson .NodeLabels }},"pods":{{ toJson .Pods }}}',
		expected:
			'{"event":"spot-itn-5b2f","description":"Spot ITN received. Instance will be terminated at 2020-09-15T21:17:41Z","labels":{"app":"web","topology.kubernetes.io/zone":"us-east-1a"},"pods":["web-1","web-2"]}',
	},
	{
		name: 'range over pods, index a label, join and len',
		template:
			'{{ range $i, $p := .Pods }}{{ if $i }},{{ end }}{{ $p }}{{ end }}|{{ index .NodeLabels "app" }}|{{ index .NodeLabels "missing" }}|{{ join ", " .Pods }}|{{ len .Pods }}',
		expected: 'web-1,web-2|web||web-1, web-2|2',
	},
	{
		name: 'time methods and Sprig date',
		template:
			'{{ .StartTime.Format "2006-01-02T15:04:05Z07:00" }}|{{ .StartTime.Unix }}|{{ date "Jan 2, 2006 15:04" .StartTime }}|{{ .EndTime.IsZero }}',
		expected: '2020-09-15T21:17:41Z|1600204661|Sep 15, 2020 21:17|true',
	},
	{
		name: 'conditional on the outcome (start message)',
		template: '{{ if .Outcome }}{{ .NodeName }} {{ .Outcome }}: {{ .Details }}{{ else }}{{ .Kind | lower }} on {{ .NodeName }}{{ end }}',
		expected: 'spot_itn on ip-10-0-1-2.ec2.internal',
	},
	{
		name: 'conditional on the outcome (outcome message)',
		template: '{{ if .Outcome }}{{ .NodeName }} {{ .Outcome }}: {{ .Details }}{{ else }}{{ .Kind | lower }} on {{ .NodeName }}{{ end }}',
		input: { outcome: 'drained', details: '2 of 2 pods evicted' },
		expected: 'ip-10-0-1-2.ec2.internal drained: 2 of 2 pods evicted',
	},
	{
		name: 'scheduled event with State and EndTime',
		template: '{{ .Kind }} {{ .State }} until {{ .EndTime }} ({{ .EventID }})',
		input: { event: scheduled },
		expected: 'SCHEDULED_EVENT active until 2019-01-21 09:17:23 +0000 GMT (instance-event-0d59937288b749b32)',
	},
	{
		name: 'printf and default for empty metadata',
		template: '{{ printf "%s/%s" .Region .AvailabilityZone }} {{ .PublicIP | default "no-public-ip" }}',
		input: { metadata: { ...metadata, publicIp: '' } },
		expected: 'us-east-1/us-east-1a no-public-ip',
	},
];

for (const item of cases) {
	templates(item.name, () => {
		assert.is(render(item.template, item.input), item.expected);
	});
}

data.run();
templates.run();
