// RBAC from one list, checked against what the agent really does: the
// apiserver's audit log (test/real/up.sh records every request of the agent's
// ServiceAccount, system:serviceaccount:kube-system:nth, at Metadata level)
// must show exactly the permissions src/kube/permissions.ts declares, which
// manifests/ and the chart grant: nothing used that is not granted (a 403),
// nothing granted that is never used.
//
// Named zz- to run LAST: scripts/test.mjs runs the e2e files alphabetically,
// each in its own process, against one stack, so when the whole tier runs the
// audit log here holds every request of every scenario before it. Run alone
// (`node scripts/test.mjs --e2e zz-rbac-audit`) it still drives, itself, one
// scenario that uses every granted verb (events and PDB_DEADLOCK_POLICY=delete
// on, a DaemonSet pod, a PDB that blocks until the deadline, a failing IMDS
// path so events repeat and get patched), so the check stands on its own.
// The chart is also rendered with the stack's helm and held to the list.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { allPermissions, featurePermissions, featureSwitches, type PermissionFeature, permissionKey } from '../../src/kube/permissions.ts';
import { scheduledEventsPath } from '../../src/imds/paths.ts';
import { createDeployment, createPdb, createPod, waitFor } from '../real/harness.ts';
import { realBinDir } from '../real/state.ts';
import { agentEnv, inPhase, ScenarioKit, waitForNode, withAgentLog } from './scenarios-kit.ts';

const root = join(import.meta.dirname, '..', '..');
const kit = new ScenarioKit();
const audit = suite("RBAC: the audit log of the agent's ServiceAccount against src/kube/permissions.ts");
kit.attach(audit);

const AuditEventSchema = v.looseObject({
	stage: v.string(),
	verb: v.string(),
	requestURI: v.string(),
	user: v.looseObject({ username: v.string() }),
	objectRef: v.optional(
		v.looseObject({
			resource: v.optional(v.string()),
			subresource: v.optional(v.string()),
			apiGroup: v.optional(v.string()),
		}),
	),
	responseStatus: v.optional(v.looseObject({ code: v.optional(v.number()) })),
	annotations: v.optional(v.record(v.string(), v.string())),
});

interface Usage {
	/** "group/resource[/subresource]:verb" of every allowed request. */
	readonly used: Map<string, number>;
	/** Requests RBAC refused, by the same key. */
	readonly forbidden: Map<string, string>;
	/** Requests without a resource (discovery, /version…): the agent makes none. */
	readonly nonResource: string[];
}

/** SelfSubjectAccessReviews are allowed to every authenticated user (system:basic-user): `canI` needs no grant of ours. */
const everyUser = new Set(['authorization.k8s.io/selfsubjectaccessreviews:create']);

function readAudit(path: string, user: string): Usage {
	const used = new Map<string, number>();
	const forbidden = new Map<string, string>();
	const nonResource: string[] = [];
	for (const line of readFileSync(path, 'utf8').split('\n')) {
		if (line.trim() === '') continue;
		const event = v.parse(AuditEventSchema, JSON.parse(line));
		// A watch logs ResponseStarted and ResponseComplete: count each request once.
		if (event.user.username !== user || event.stage === 'ResponseStarted') continue;
		const ref = event.objectRef;
		if (ref?.resource === undefined) {
			nonResource.push(`${event.verb} ${event.requestURI}`);
			continue;
		}
		const key = permissionKey({ verb: event.verb, group: ref.apiGroup ?? '', resource: ref.resource, subresource: ref.subresource });
		if (everyUser.has(key)) continue;
		if (event.annotations?.['authorization.k8s.io/decision'] === 'forbid') forbidden.set(key, event.requestURI);
		else used.set(key, (used.get(key) ?? 0) + 1);
	}
	return { used, forbidden, nonResource };
}

/** Serves IMDS from AEMM, except that the scheduled-events path answers 500 (a failing monitor: repeated MonitorError events). */
async function imdsWithFailingPath(upstream: string, failing: string): Promise<{ url: string; server: Server }> {
	const server = createServer((request, response) => {
		if ((request.url ?? '').startsWith(failing)) {
			response.writeHead(500, { 'content-type': 'text/plain' }).end('injected by zz-rbac-audit');
			return;
		}
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const headers = Object.fromEntries(
				Object.entries(request.headers).filter(
					(entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host' && entry[0] !== 'content-length',
				),
			);
			fetch(`${upstream}${request.url ?? '/'}`, {
				method: request.method ?? 'GET',
				headers,
				...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
			})
				.then(async (answer) => {
					response.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
					response.end(Buffer.from(await answer.arrayBuffer()));
				})
				.catch((error: unknown) => response.writeHead(502).end(String(error)));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	return { url: `http://127.0.0.1:${port}`, server };
}

function rfc3339(ms: number): string {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

audit('a drain with every optional feature on uses every granted verb (so the check below stands alone)', async () => {
	const kubeconfig = await kit.kubeconfig(['events', 'pdb-delete']);
	const sc = await kit.scenario('audit', { replicas: 2 });
	const cluster = kit.cluster;
	await createDeployment(cluster, sc.namespace, 'guarded', {
		replicas: 1,
		labels: { app: 'guarded' },
		nodeSelector: { 'kubernetes.io/hostname': sc.node },
	});
	await createPdb(cluster, sc.namespace, 'guarded', { selector: { app: 'guarded' }, minAvailable: 1 });
	// A DaemonSet pod: the drain asks whether its DaemonSet still exists (apps daemonsets get).
	await createPod(cluster, sc.namespace, 'logs', { nodeName: sc.node, ownerKind: 'DaemonSet' });
	const noticeMs = Math.ceil(Date.now() / 1000) * 1000 + 25_000;
	const aemm = await kit.aemm(['spot', '-a', 'terminate', '-t', rfc3339(noticeMs)]);
	const imds = await imdsWithFailingPath(aemm.url, scheduledEventsPath);
	kit.cleanup.add(
		() =>
			new Promise<void>((resolve) => {
				imds.server.closeAllConnections();
				imds.server.close(() => resolve());
			}),
	);
	const agent = await kit.agent(
		agentEnv(sc, kubeconfig, imds.url, {
			EMIT_KUBERNETES_EVENTS: 'true',
			PDB_DEADLOCK_POLICY: 'delete',
			DRAIN_SAFETY_MARGIN: '2',
			METADATA_TRIES: '1',
		}),
		'rbac audit',
	);
	await withAgentLog(
		agent,
		waitForNode(cluster, sc.node, 'drained', (state) => inPhase(state, 'Drained'), 60_000),
	);
	// The failing monitor's second MonitorError is a patch of the first (aggregation).
	await withAgentLog(
		agent,
		waitFor(() => readAudit(cluster.state.auditLog, cluster.state.auditUser).used.has('/events:patch'), {
			timeoutMs: 60_000,
			intervalMs: 500,
			what: 'an events patch in the audit log',
		}),
	);
});

audit('the audit log shows exactly the granted permissions: none refused, none unused', async () => {
	const { state } = kit.cluster;
	const usage = readAudit(state.auditLog, state.auditUser);
	// What manifests/ (base + both components, applied above) grants on the apiserver, and the list it must equal.
	const role = await kit.cluster.rbac.readClusterRole({ name: 'nth' });
	const granted = (role.rules ?? [])
		.flatMap((rule) =>
			(rule.apiGroups ?? []).flatMap((group) =>
				(rule.resources ?? []).flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}:${verb}`)),
			),
		)
		.sort();
	assert.equal(granted, allPermissions.map(permissionKey).sort(), 'the applied ClusterRole is the list of src/kube/permissions.ts');
	const used = [...usage.used.keys()].sort();
	assert.equal(
		[...usage.forbidden.entries()].map(([key, uri]) => `${key} (${uri})`),
		[],
		'requests RBAC refused: a permission the list lacks',
	);
	assert.equal(
		used.filter((key) => !granted.includes(key)),
		[],
		'used but not declared in src/kube/permissions.ts',
	);
	assert.equal(
		granted.filter((key) => !usage.used.has(key)),
		[],
		'granted but never used over the scenarios: remove the grant or drive the call',
	);
	assert.equal(usage.nonResource, [], 'the lean client makes no discovery requests');
	console.log(`audit: ${[...usage.used.entries()].map(([key, count]) => `${key}×${count}`).join(', ')}`);
});

const ClusterRoleSchema = v.object({
	kind: v.literal('ClusterRole'),
	rules: v.array(v.object({ apiGroups: v.array(v.string()), resources: v.array(v.string()), verbs: v.array(v.string()) })),
});

audit('the chart rendered by helm grants exactly the list, per feature value', () => {
	const helm = join(realBinDir(), 'helm');
	const cases: readonly (readonly PermissionFeature[])[] = [[], ['events'], ['pdb-delete'], ['events', 'pdb-delete']];
	for (const features of cases) {
		const sets = features.flatMap((feature) => (feature === 'always' ? [] : ['--set', featureSwitches[feature].chartValue]));
		const rendered = spawnSync(helm, ['template', 'nth', join(root, 'charts', 'nth'), '-n', 'kube-system', ...sets], {
			encoding: 'utf8',
			timeout: 60_000,
		});
		assert.is(rendered.status, 0, rendered.stderr);
		const role = loadAllYaml(rendered.stdout).find((document) => v.is(ClusterRoleSchema, document));
		const rules = v.parse(ClusterRoleSchema, role).rules;
		const grants = rules
			.flatMap((rule) =>
				rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}:${verb}`))),
			)
			.sort();
		const expected = [...featurePermissions('always'), ...features.flatMap((feature) => featurePermissions(feature))]
			.map(permissionKey)
			.sort();
		assert.equal(grants, expected, `helm template ${sets.join(' ')}`);
	}
});

audit.run();
