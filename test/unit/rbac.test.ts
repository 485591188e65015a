// One source for RBAC: src/kube/permissions.ts declares, per KubeApi method,
// what it calls and under which setting. manifests/ (base + components), the
// chart's ClusterRole and `nth doctor` must grant or check exactly that list:
// nothing missing, nothing unused. test/e2e/zz-rbac-audit.test.ts holds the
// same list to the apiserver's audit log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { runDoctor } from '../../src/doctor/doctor.ts';
import { emptyInstanceMetadata } from '../../src/imds/types.ts';
import { FakeKubeApi } from '../support/fake-kube-api.ts';
import type { AccessCheck } from '../../src/kube/api.ts';
import {
	allPermissions,
	featurePermissions,
	featureSwitches,
	methodPermissions,
	type PermissionFeature,
	permissionKey,
	requiredPermissions,
} from '../../src/kube/permissions.ts';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

const RuleSchema = v.object({ apiGroups: v.array(v.string()), resources: v.array(v.string()), verbs: v.array(v.string()) });
type Rule = v.InferOutput<typeof RuleSchema>;
const ClusterRoleSchema = v.object({ kind: v.literal('ClusterRole'), rules: v.array(RuleSchema) });
const ComponentSchema = v.object({
	kind: v.literal('Component'),
	patches: v.array(v.object({ target: v.object({ kind: v.string(), name: v.string() }), patch: v.string() })),
});
const OpSchema = v.object({ op: v.literal('add'), path: v.string(), value: v.unknown() });
const EnvSchema = v.object({ name: v.string(), value: v.string() });

/** Rules flattened to sorted "group/resource:verb" keys (a resource "pods/eviction" keeps its subresource). */
function grants(rules: readonly Rule[]): string[] {
	return rules
		.flatMap((rule) =>
			rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}:${verb}`))),
		)
		.sort();
}

function keys(permissions: readonly AccessCheck[]): string[] {
	return permissions.map(permissionKey).sort();
}

const optional = Object.keys(featureSwitches).filter((feature): feature is Exclude<PermissionFeature, 'always'> => feature !== 'always');

const list = suite('the permission list');

list('every KubeApi method declares its permissions; the base, events and pdb-delete sets', () => {
	assert.ok(Object.keys(methodPermissions).length >= 13);
	assert.equal(methodPermissions.canI, [], 'a SelfSubjectAccessReview needs no grant of ours');
	assert.equal(keys(featurePermissions('always')), [
		'/nodes/status:patch',
		'/nodes:get',
		'/nodes:list',
		'/nodes:patch',
		'/pods/eviction:create',
		'/pods:list',
		'/pods:watch',
		'apps/daemonsets:get',
		'policy/poddisruptionbudgets:list',
		'policy/poddisruptionbudgets:watch',
	]);
	assert.equal(keys(featurePermissions('events')), ['/events:create', '/events:patch']);
	assert.equal(keys(featurePermissions('pdb-delete')), ['/pods:delete']);
});

list('nothing is granted that no method calls: no nodes watch, no pods get', () => {
	const all = keys(allPermissions);
	assert.not.ok(all.includes('/nodes:watch'));
	assert.not.ok(all.includes('/pods:get'));
});

list("requiredPermissions() adds each feature's grants only with its setting", () => {
	assert.equal(keys(requiredPermissions({ emitKubernetesEvents: false, pdbDeadlockPolicy: 'wait' })), keys(featurePermissions('always')));
	assert.equal(
		keys(requiredPermissions({ emitKubernetesEvents: true, pdbDeadlockPolicy: 'wait' })),
		keys([...featurePermissions('always'), ...featurePermissions('events')]),
	);
	assert.equal(
		keys(requiredPermissions({ emitKubernetesEvents: false, pdbDeadlockPolicy: 'delete' })),
		keys([...featurePermissions('always'), ...featurePermissions('pdb-delete')]),
	);
	assert.equal(keys(requiredPermissions({ emitKubernetesEvents: true, pdbDeadlockPolicy: 'delete' })), keys(allPermissions));
});

const manifests = suite('manifests/ against the list');

manifests('the base ClusterRole grants exactly the permissions every configuration needs', () => {
	const role = v.parse(ClusterRoleSchema, loadAllYaml(read('manifests/base/clusterrole.yaml'))[0]);
	assert.equal(grants(role.rules), keys(featurePermissions('always')));
});

for (const feature of optional) {
	manifests(
		`components/${featureSwitches[feature].component} adds exactly the ${feature} grants and turns on ${featureSwitches[feature].setting}`,
		() => {
			const component = v.parse(
				ComponentSchema,
				loadAllYaml(read(`manifests/components/${featureSwitches[feature].component}/kustomization.yaml`))[0],
			);
			const rules: Rule[] = [];
			const env: v.InferOutput<typeof EnvSchema>[] = [];
			for (const patch of component.patches) {
				const ops = v.parse(v.array(OpSchema), loadAllYaml(patch.patch)[0]);
				for (const op of ops) {
					if (patch.target.kind === 'ClusterRole' && op.path === '/rules/-') rules.push(v.parse(RuleSchema, op.value));
					else if (patch.target.kind === 'DaemonSet' && op.path.endsWith('/env/-')) env.push(v.parse(EnvSchema, op.value));
					else assert.unreachable(`unexpected patch ${patch.target.kind} ${op.path}`);
				}
			}
			assert.equal(grants(rules), keys(featurePermissions(feature)));
			const [name, value] = featureSwitches[feature].setting.split('=');
			assert.equal(env, [{ name: name ?? '', value: value ?? '' }]);
		},
	);
}

const chart = suite("the chart's ClusterRole against the list");

/** The chart conditions of clusterrole.yaml and the feature each stands for. */
const chartConditions: Readonly<Record<string, PermissionFeature | 'rbac'>> = {
	'.Values.rbac.create': 'rbac',
	'.Values.emitKubernetesEvents': 'events',
	'eq (lower .Values.pdbDeadlockPolicy) "delete"': 'pdb-delete',
};

/**
 * Renders templates/clusterrole.yaml's `if` blocks for a set of features (a
 * tiny subset of Go templates: `if`/`end` on the known conditions, includes
 * replaced by a name); an unknown condition fails the test, so a new one must
 * be mapped here first. The e2e audit test renders it with the real helm.
 */
function renderChartRole(features: ReadonlySet<PermissionFeature>): Rule[] {
	const text = read('charts/nth/templates/clusterrole.yaml');
	const out: string[] = [];
	const stack: boolean[] = [];
	for (const line of text.split('\n')) {
		const open = /^\s*\{\{-?\s*if (.+?)\s*-?\}\}\s*$/.exec(line);
		if (open) {
			const feature = chartConditions[open[1] ?? ''];
			if (feature === undefined) throw new Error(`Cannot render the chart's ClusterRole: unknown condition "${open[1]}"`);
			stack.push(feature === 'rbac' || features.has(feature));
			continue;
		}
		if (/^\s*\{\{-?\s*end\s*-?\}\}\s*$/.test(line)) {
			stack.pop();
			continue;
		}
		if (stack.every(Boolean)) out.push(line.replace(/\{\{-?[^}]*\}\}/g, 'x'));
	}
	return v.parse(ClusterRoleSchema, loadAllYaml(out.join('\n'))[0]).rules;
}

chart('with default values the chart grants exactly the base', () => {
	assert.equal(grants(renderChartRole(new Set())), keys(featurePermissions('always')));
});

for (const feature of optional) {
	chart(`with ${featureSwitches[feature].chartValue} it adds exactly the ${feature} grants`, () => {
		assert.equal(grants(renderChartRole(new Set([feature]))), keys([...featurePermissions('always'), ...featurePermissions(feature)]));
	});
}

chart("the chart sets each feature's agent setting from its value", () => {
	const daemonset = read('charts/nth/templates/daemonset.yaml');
	assert.match(daemonset, /EMIT_KUBERNETES_EVENTS[^\n]*\.Values\.emitKubernetesEvents/);
	assert.match(daemonset, /PDB_DEADLOCK_POLICY[^\n]*\.Values\.pdbDeadlockPolicy/);
});

const doctor = suite('nth doctor against the list');

async function doctorChecks(settings: {
	emitKubernetesEvents: boolean;
	pdbDeadlockPolicy: string;
}): Promise<{ checked: string[]; text: string }> {
	const kube = new FakeKubeApi();
	kube.addNode({ metadata: { name: 'node-a' } });
	const results = await runDoctor(
		{
			metadataUrl: 'http://169.254.169.254',
			imds: {
				get: async () => ({ status: 200, body: 'i-1' }),
				getJson: async () => undefined,
				state: () => ({ tokenMode: 'v2', endpoint: 'http://169.254.169.254' }),
			},
			metadata: async () => ({ ...emptyInstanceMetadata, instanceId: 'i-1' }),
			monitors: [],
			nodeName: 'node-a',
			kube: async () => kube,
			findNode: async (api, name, abort) => (await api.getNode(name, abort))?.metadata.name,
			permissions: requiredPermissions(settings),
			now: () => 0,
		},
		new AbortController().signal,
	);
	const checked = kube
		.callsTo('canI')
		.map((call) =>
			permissionKey(
				v.parse(v.object({ verb: v.string(), group: v.string(), resource: v.string(), subresource: v.optional(v.string()) }), call.args[0]),
			),
		)
		.sort();
	return { checked, text: results.map((result) => `${result.title}: ${result.detail ?? ''}`).join('\n') };
}

doctor('checks exactly the list for each combination of settings, and names what it checked', async () => {
	for (const settings of [
		{ emitKubernetesEvents: false, pdbDeadlockPolicy: 'wait' },
		{ emitKubernetesEvents: true, pdbDeadlockPolicy: 'wait' },
		{ emitKubernetesEvents: true, pdbDeadlockPolicy: 'delete' },
	]) {
		const { checked, text } = await doctorChecks(settings);
		assert.equal(checked, keys(requiredPermissions(settings)));
		for (const key of checked) assert.ok(text.includes(key), `the report names ${key}:\n${text}`);
	}
});

list.run();
manifests.run();
chart.run();
doctor.run();
