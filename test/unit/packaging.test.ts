// The deployable artefacts agree with the agent: RBAC is exactly the calls the
// agent makes, the DaemonSet, chart and systemd unit use real setting names,
// probes point at the probe server, and the image's base matches the flavour we
// ship. Static checks on the files; test/e2e/packaging.test.ts runs them for real.
import { basePermissions, permissionKey } from '../../src/kube/permissions.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { settings } from '../../src/config/settings.ts';
// @ts-expect-error: plain ESM script without type declarations
import { bunRuntimeEnv, defaultFlavour, flavours } from '../../scripts/flavours.mjs';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

const RuleSchema = v.object({ apiGroups: v.array(v.string()), resources: v.array(v.string()), verbs: v.array(v.string()) });
const ClusterRoleSchema = v.object({ kind: v.literal('ClusterRole'), rules: v.array(RuleSchema) });
const EnvSchema = v.object({ name: v.string(), value: v.optional(v.string()), valueFrom: v.optional(v.unknown()) });
const ProbeSchema = v.object({ httpGet: v.object({ path: v.string(), port: v.number() }) });
const QuantitySchema = v.object({ memory: v.string() });
const DaemonSetSchema = v.object({
	kind: v.literal('DaemonSet'),
	metadata: v.object({ namespace: v.string() }),
	spec: v.object({
		template: v.object({
			spec: v.object({
				serviceAccountName: v.string(),
				hostNetwork: v.boolean(),
				priorityClassName: v.string(),
				terminationGracePeriodSeconds: v.number(),
				tolerations: v.array(v.object({ operator: v.string() })),
				securityContext: v.object({ runAsNonRoot: v.boolean(), runAsUser: v.number() }),
				containers: v.tuple([
					v.object({
						securityContext: v.object({ readOnlyRootFilesystem: v.boolean(), allowPrivilegeEscalation: v.boolean() }),
						env: v.array(EnvSchema),
						livenessProbe: ProbeSchema,
						readinessProbe: ProbeSchema,
						resources: v.object({ requests: QuantitySchema, limits: QuantitySchema }),
					}),
				]),
			}),
		}),
	}),
});

/** The permissions the agent uses (src/kube/permissions.ts, also what `nth doctor` checks), as "group/resource:verb". */
const agentPermissions = basePermissions.map(permissionKey);

function permissions(rules: readonly v.InferOutput<typeof RuleSchema>[]): string[] {
	return rules
		.flatMap((rule) =>
			rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}:${verb}`))),
		)
		.sort();
}

function mebibytes(quantity: string): number {
	const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
	if (!match) throw new Error(`Cannot read quantity "${quantity}"`);
	return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

const envNames = new Set(
	Object.values(settings).flatMap((setting) => [setting.env, ...('alias' in setting && setting.alias ? [setting.alias.env] : [])]),
);

const manifests = suite('manifests');

manifests('the ClusterRole grants exactly what the agent calls, no events and no pod deletion by default', () => {
	const role = v.parse(ClusterRoleSchema, loadAllYaml(read('manifests/base/clusterrole.yaml'))[0]);
	assert.equal(permissions(role.rules), [...agentPermissions].sort());
});

manifests('the events and pdb-delete components add exactly their one permission and their setting', () => {
	const events = read('manifests/components/events/kustomization.yaml');
	assert.match(events, /resources: \[events\], verbs: \[create, patch\]/);
	assert.match(events, /name: EMIT_KUBERNETES_EVENTS, value: "true"/);
	const pdb = read('manifests/components/pdb-delete/kustomization.yaml');
	assert.match(pdb, /resources: \[pods\], verbs: \[delete\]/);
	assert.match(pdb, /name: PDB_DEADLOCK_POLICY, value: delete/);
});

manifests('the DaemonSet runs non-root, read-only, on the host network, everywhere, long enough for a drain', () => {
	const ds = v.parse(DaemonSetSchema, loadAllYaml(read('manifests/base/daemonset.yaml'))[0]);
	const pod = ds.spec.template.spec;
	const [container] = pod.containers;
	assert.is(ds.metadata.namespace, 'kube-system');
	assert.is(pod.serviceAccountName, 'nth');
	assert.ok(pod.hostNetwork, 'IMDSv2 with hop limit 1 needs the host network');
	assert.is(pod.priorityClassName, 'system-node-critical');
	assert.equal(pod.tolerations, [{ operator: 'Exists' }]);
	assert.ok(pod.securityContext.runAsNonRoot);
	assert.is(pod.securityContext.runAsUser, 65532);
	assert.ok(container.securityContext.readOnlyRootFilesystem);
	assert.is(container.securityContext.allowPrivilegeEscalation, false);
	const env = new Map(container.env.map((entry) => [entry.name, entry]));
	const grace = Number(env.get('NODE_TERMINATION_GRACE_PERIOD')?.value);
	assert.ok(
		pod.terminationGracePeriodSeconds > grace,
		`terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} must exceed the drain budget ${grace}`,
	);
	for (const name of ['NODE_NAME', 'POD_NAME', 'NAMESPACE']) assert.ok(env.get(name)?.valueFrom, `${name} comes from the downward API`);
	assert.ok(mebibytes(container.resources.limits.memory) > mebibytes(container.resources.requests.memory));
});

manifests('every DaemonSet variable is a setting the agent reads, and the probes hit the probe server', () => {
	const ds = v.parse(DaemonSetSchema, loadAllYaml(read('manifests/base/daemonset.yaml'))[0]);
	const [container] = ds.spec.template.spec.containers;
	for (const entry of container.env) assert.ok(envNames.has(entry.name), `${entry.name} is not a setting in src/config/settings.ts`);
	const env = new Map(container.env.map((entry) => [entry.name, entry.value]));
	assert.is(env.get('ENABLE_PROBES_SERVER'), 'true');
	assert.is(container.livenessProbe.httpGet.path, env.get('PROBES_SERVER_ENDPOINT'));
	assert.is(String(container.livenessProbe.httpGet.port), env.get('PROBES_SERVER_PORT'));
	assert.is(container.readinessProbe.httpGet.path, '/readyz');
	assert.is(String(container.readinessProbe.httpGet.port), env.get('PROBES_SERVER_PORT'));
});

const chart = suite('chart');

function templates(): string {
	const dir = join(root, 'charts', 'nth', 'templates');
	return readdirSync(dir)
		.map((name) => readFileSync(join(dir, name), 'utf8'))
		.join('\n');
}

chart('every environment variable the chart renders is a setting the agent reads', () => {
	const names = [...templates().matchAll(/name: ([A-Z][A-Z0-9_]+)\b/g)].map((match) => match[1] ?? '');
	assert.ok(names.length > 20, `found only ${names.length} variables`);
	for (const name of names) assert.ok(envNames.has(name), `${name} is not a setting in src/config/settings.ts`);
});

chart('every .Values path the templates use is declared in values.yaml', () => {
	const values = v.parse(v.record(v.string(), v.unknown()), loadAllYaml(read('charts/nth/values.yaml'))[0]);
	const used = new Set([...templates().matchAll(/\.Values\.([A-Za-z0-9_]+)/g)].map((match) => match[1] ?? ''));
	for (const key of used) assert.ok(key in values, `.Values.${key} is used but not declared`);
});

chart('the IMDS settings keep NTH chart names', () => {
	const values = v.parse(v.record(v.string(), v.unknown()), loadAllYaml(read('charts/nth/values.yaml'))[0]);
	for (const key of [
		'enableSpotInterruptionDraining',
		'enableScheduledEventDraining',
		'enableRebalanceMonitoring',
		'enableRebalanceDraining',
		'enableASGLifecycleDraining',
		'webhookURL',
		'webhookURLSecretName',
		'webhookTemplateConfigMapName',
		'webhookTemplateConfigMapKey',
		'nodeSelector',
		'tolerations',
		'daemonsetTolerations',
		'useHostNetwork',
		'instanceMetadataURL',
		'nodeTerminationGracePeriod',
		'podTerminationGracePeriod',
		'emitKubernetesEvents',
		'enablePrometheusServer',
		'enableProbesServer',
		'procUptimeFile',
	]) {
		assert.ok(key in values, `values.yaml lacks NTH's "${key}"`);
	}
	assert.is(values['enableASGLifecycleDraining'], true, "NTH's chart default");
});

const unit = suite('systemd unit');

unit('is hardened, memory-limited, restarts, and waits for a drain on stop', () => {
	const text = read('packaging/systemd/nth.service');
	for (const line of [
		...Object.entries(bunRuntimeEnv).map(([name, value]) => `Environment=${name}=${value}`),
		'DynamicUser=yes',
		'ProtectSystem=strict',
		'NoNewPrivileges=yes',
		'CapabilityBoundingSet=',
		'Restart=always',
		'ExecStart=/usr/local/bin/nth run',
		'LoadCredential=kubeconfig:/etc/nth/kubeconfig',
	]) {
		assert.ok(text.split('\n').includes(line), `missing "${line}"`);
	}
	const memoryMax = /^MemoryMax=(\d+)M$/m.exec(text);
	assert.ok(memoryMax && Number(memoryMax[1]) >= 64, 'MemoryMax is set in MB');
	const stop = /^TimeoutStopSec=(\d+)s$/m.exec(text);
	assert.ok(stop && Number(stop[1]) > 120, 'TimeoutStopSec exceeds the 120 s drain budget');
	assert.not.match(text, /^MemoryDenyWriteExecute=yes/m);
});

unit('its settings file uses only real setting names', () => {
	const names = [...read('packaging/systemd/nth.env').matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1] ?? '');
	assert.ok(names.length > 5);
	for (const name of names) assert.ok(envNames.has(name), `${name} is not a setting`);
});

const image = suite('image');

image('Dockerfile.distroless defaults to the shipped flavour on the base it needs', () => {
	const text = read('Dockerfile.distroless');
	const flavourDefault = /^ARG FLAVOUR=(\w+)$/m.exec(text)?.[1];
	const base = /^ARG BASE=(\S+)$/m.exec(text)?.[1] ?? '';
	assert.is(flavourDefault, defaultFlavour);
	const needs = v.parse(v.object({ base: v.string() }), flavours[defaultFlavour]).base;
	assert.ok(needs === 'cc' ? base.includes('/cc-') : base.includes('/base'), `${defaultFlavour} needs a ${needs} base, not ${base}`);
	assert.match(text, /^USER 65532:65532$/m);
	const env = new Set(text.split('\n').filter((line) => line.startsWith('ENV ')));
	assert.ok(Object.keys(bunRuntimeEnv).length > 0);
	for (const [name, value] of Object.entries(bunRuntimeEnv))
		assert.ok(env.has(`ENV ${name}=${value}`), `the image lacks the measured lever ${name}=${value}`);
});

manifests.run();
chart.run();
unit.run();
image.run();

const memory = suite('memory request and limit');

const FloorRungSchema = v.looseObject({
	agent: v.string(),
	readAheadKb: v.number(),
	limitMiB: v.optional(v.number()),
	peakWorkingSetMiB: v.optional(v.number()),
	idleWorkingSetMiB: v.optional(v.number()),
});
const FloorSchema = v.looseObject({
	agent: v.string(),
	startChecked: v.boolean(),
	readAheadKb: v.number(),
	floorMiB: v.optional(v.number()),
});
const FloorRunSchema = v.looseObject({ rungs: v.array(FloorRungSchema), floors: v.array(FloorSchema) });
const MemoryPlanSchema = v.object({
	results: v.string(),
	agent: v.string(),
	requestMiB: v.number(),
	limitMiB: v.number(),
	memoryHighMiB: v.number(),
	rule: v.string(),
});

memory('request, limit and MemoryMax come from the measured floor (packaging/memory.json → bench:floor results)', () => {
	const plan = v.parse(MemoryPlanSchema, JSON.parse(read('packaging/memory.json')));
	const run = v.parse(FloorRunSchema, JSON.parse(read(plan.results)));
	const floors = run.floors.filter((floor) => floor.agent === plan.agent && floor.startChecked);
	assert.ok(floors.length >= 2, `${plan.results} has floors of "${plan.agent}" at two read-aheads`);
	for (const floor of floors) assert.ok(floor.floorMiB !== undefined, `a floor at ${floor.readAheadKb} KB`);
	const highestFloor = Math.max(...floors.map((floor) => floor.floorMiB ?? Number.POSITIVE_INFINITY));
	// Limit: the highest floor (the largest read-ahead measured) plus at least a quarter, at most double.
	assert.ok(
		plan.limitMiB >= highestFloor * 1.25 && plan.limitMiB <= highestFloor * 2,
		`limit ${plan.limitMiB} MiB vs floor ${highestFloor} MiB`,
	);
	// Request: the unlimited drain's peak working set at EC2's read-ahead plus at least half.
	const unlimited = run.rungs.find((rung) => rung.agent === plan.agent && rung.readAheadKb === 128 && rung.limitMiB === undefined);
	const peak = unlimited?.peakWorkingSetMiB ?? Number.POSITIVE_INFINITY;
	assert.ok(
		plan.requestMiB >= peak * 1.5 && plan.requestMiB <= peak * 4,
		`request ${plan.requestMiB} MiB vs unlimited peak working set ${peak} MiB at 128 KB`,
	);
	assert.ok(plan.memoryHighMiB < plan.limitMiB && plan.memoryHighMiB >= highestFloor, 'MemoryHigh between the floor and MemoryMax');

	const ds = v.parse(DaemonSetSchema, loadAllYaml(read('manifests/base/daemonset.yaml'))[0]);
	const { resources } = ds.spec.template.spec.containers[0];
	assert.equal([resources.requests.memory, resources.limits.memory], [`${plan.requestMiB}Mi`, `${plan.limitMiB}Mi`], 'the DaemonSet');
	const values = v.parse(
		v.object({ resources: v.object({ requests: QuantitySchema, limits: QuantitySchema }) }),
		loadAllYaml(read('charts/nth/values.yaml'))[0],
	);
	assert.equal(
		[values.resources.requests.memory, values.resources.limits.memory],
		[`${plan.requestMiB}Mi`, `${plan.limitMiB}Mi`],
		'the chart',
	);
	const unit = read('packaging/systemd/nth.service');
	// systemd's M is 1024², as Kubernetes' Mi.
	assert.match(unit, new RegExp(`^MemoryMax=${plan.limitMiB}M$`, 'm'), "the systemd unit's MemoryMax");
	assert.match(unit, new RegExp(`^MemoryHigh=${plan.memoryHighMiB}M$`, 'm'), "the systemd unit's MemoryHigh");
});

memory.run();
