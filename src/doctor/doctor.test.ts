import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImdsError } from '../errors.ts';
import type { ImdsClient, ImdsClientState } from '../imds/types.ts';
import { emptyInstanceMetadata } from '../imds/types.ts';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import { basePermissions, eventPermissions } from '../kube/permissions.ts';
import type { Monitor } from '../monitors/types.ts';
import { type DoctorDeps, formatReport, runDoctor } from './doctor.ts';

const signal = new AbortController().signal;

function imds(options: { reachable?: boolean; tokenMode?: ImdsClientState['tokenMode'] } = {}): ImdsClient {
	return {
		get: async (path) => {
			if (options.reachable === false) throw new ImdsError(`Cannot read IMDS path "${path}": connect ECONNREFUSED`, { path });
			return { status: 200, body: 'i-1' };
		},
		getJson: async () => undefined,
		state: () => ({ tokenMode: options.tokenMode ?? 'v2', endpoint: 'http://169.254.169.254' }),
	};
}

const quietSpot: Monitor = {
	name: 'SPOT_ITN_MONITOR',
	kind: 'SPOT_ITN',
	path: '/latest/meta-data/spot/instance-action',
	check: async () => ({ events: [], cancellations: [] }),
};

function deps(overrides: Partial<DoctorDeps> = {}, kube = new FakeKubeApi()): DoctorDeps {
	kube.addNode({ metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } } });
	return {
		metadataUrl: 'http://169.254.169.254',
		imds: imds(),
		metadata: async () => ({
			...emptyInstanceMetadata,
			instanceId: 'i-1',
			instanceType: 'm5.large',
			availabilityZone: 'us-east-1a',
			instanceLifeCycle: 'spot',
			localHostname: 'node-a',
		}),
		monitors: [quietSpot],
		nodeName: 'node-a',
		kube: async () => kube,
		findNode: async (api, name, abort) => (await api.getNode(name, abort))?.metadata.name,
		permissions: basePermissions,
		now: () => 0,
		...overrides,
	};
}

const doctor = suite('runDoctor()');

doctor('reports a healthy setup as ready, exit 0', async () => {
	const report = formatReport(await runDoctor(deps(), signal));
	assert.is(report.exitCode, 0);
	assert.match(report.text, /✓ IMDS at http:\/\/169\.254\.169\.254/);
	assert.match(report.text, /✓ node "node-a": found/);
	assert.match(
		report.text,
		/✓ RBAC: all 10 permissions the configuration needs: \/nodes:get, \/nodes:list, \/nodes:patch, \/nodes\/status:patch, \/pods:list, \/pods:watch, \/pods\/eviction:create, apps\/daemonsets:get, policy\/poddisruptionbudgets:list, policy\/poddisruptionbudgets:watch\n/,
	);
	assert.match(report.text, /\nready\n$/);
});

doctor('explains an unreachable IMDS (hostNetwork, hop limit) and fails', async () => {
	const report = formatReport(await runDoctor(deps({ imds: imds({ reachable: false }) }), signal));
	assert.is(report.exitCode, 1);
	assert.match(report.text, /✗ IMDS at http:\/\/169\.254\.169\.254: Cannot read IMDS path/);
	assert.match(report.text, /hostNetwork/);
});

doctor('warns when only IMDSv1 works and names the hop-limit fix', async () => {
	const report = formatReport(await runDoctor(deps({ imds: imds({ tokenMode: 'v1' }) }), signal));
	assert.is(report.exitCode, 0);
	assert.match(report.text, /! IMDSv2 session token: not available/);
	assert.match(report.text, /--http-put-response-hop-limit 2/);
	assert.match(report.text, /ready \(1 warning\)/);
});

doctor('names each missing permission and why it is needed', async () => {
	const kube = new FakeKubeApi();
	kube.deny('create', 'pods/eviction');
	kube.deny('create', 'events');
	const report = formatReport(await runDoctor(deps({ permissions: [...basePermissions, ...eventPermissions] }, kube), signal));
	assert.is(report.exitCode, 1);
	assert.match(report.text, /✗ RBAC: missing \/pods\/eviction:create \(evict pods/);
	assert.match(report.text, /\/events:create \(record Kubernetes events/);
	assert.match(report.text, /components\/events/);
});

doctor('fails when the node is not found, with the NODE_NAME hint', async () => {
	const report = formatReport(await runDoctor(deps({ nodeName: 'ip-10-9-9-9.ec2.internal' }), signal));
	assert.is(report.exitCode, 1);
	assert.match(report.text, /✗ node "ip-10-9-9-9.ec2.internal": not found/);
	assert.match(report.text, /USE_PROVIDER_ID/);
});

doctor('takes the node name from IMDS local-hostname in host mode', async () => {
	const report = formatReport(await runDoctor(deps({ nodeName: undefined }), signal));
	assert.match(report.text, /✓ node "node-a"/);
});

doctor('warns about a notice that is live right now', async () => {
	const live: Monitor = {
		...quietSpot,
		check: async () => ({
			events: [
				{
					eventId: 'spot-itn-1',
					kind: 'SPOT_ITN',
					monitor: 'SPOT_ITN_MONITOR',
					description: '',
					state: '',
					startTime: new Date(0),
					endTime: undefined,
					deadline: undefined,
				},
			],
			cancellations: [],
		}),
	};
	const report = formatReport(await runDoctor(deps({ monitors: [live] }), signal));
	assert.match(report.text, /! SPOT_ITN_MONITOR \(\/latest\/meta-data\/spot\/instance-action\): a notice is live now: SPOT_ITN spot-itn-1/);
});

doctor('reports a broken API connection without throwing', async () => {
	const report = formatReport(
		await runDoctor(
			deps({
				kube: async () => {
					throw new Error('Cannot load the Kubernetes configuration from in-cluster: no token');
				},
			}),
			signal,
		),
	);
	assert.is(report.exitCode, 1);
	assert.match(report.text, /✗ Kubernetes API: Cannot load the Kubernetes configuration/);
});

doctor('fails on a template that does not render, pointing at the render command', async () => {
	const report = formatReport(
		await runDoctor(
			deps({
				validateWebhook: async () => {
					throw new Error('Cannot parse the webhook template (WEBHOOK_TEMPLATE, line 1, column 9)');
				},
			}),
			signal,
		),
	);
	assert.is(report.exitCode, 1);
	assert.match(report.text, /✗ webhook template: Cannot parse the webhook template/);
	assert.match(report.text, /nth webhook render/);
});

doctor.run();
