// /readyz against the real control plane: the built agent, with manifests/'
// RBAC, answers 200 only while its Node exists and the apiserver accepts its
// token (one GET of the Node at most every 10 s), 503 with the reason when the
// Node is deleted or the ServiceAccount (and so the token) is gone.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `node scripts/test.mjs --e2e readiness`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { freePort } from '../real/free-port.ts';
import { createNode, deleteNode, waitFor } from '../real/harness.ts';
import { agentEnv, agentServiceAccount, ScenarioKit, withAgentLog } from './scenarios-kit.ts';

const kit = new ScenarioKit();
const readiness = suite('/readyz on the real apiserver');
kit.attach(readiness);

const ReadySchema = v.object({ ready: v.string(), reason: v.optional(v.string()) });

async function readyz(port: number): Promise<{ status: number; ready: string; reason: string | undefined }> {
	const response = await fetch(`http://127.0.0.1:${port}/readyz`);
	const body = v.parse(ReadySchema, await response.json());
	return { status: response.status, ready: body.ready, reason: body.reason };
}

readiness('503 while the Node is deleted, 200 again once it is back; 503 once the token is rejected', async () => {
	const kubeconfig = await kit.kubeconfig();
	const sc = await kit.scenario('readyz', { replicas: 0 });
	const aemm = await kit.aemm(['spot', '-d', '100000', '--rebalance-delay-sec', '100000']);
	const port = await freePort();
	const agent = await kit.agent(
		agentEnv(sc, kubeconfig, aemm, { ENABLE_PROBES_SERVER: 'true', PROBES_SERVER_PORT: String(port), PROBES_SERVER_HOST: '127.0.0.1' }),
		'readyz',
	);
	assert.equal(await readyz(port), { status: 200, ready: 'OK', reason: undefined });

	await deleteNode(kit.cluster, sc.node);
	const deletedAt = Date.now();
	const gone = await withAgentLog(
		agent,
		waitFor(
			async () => {
				const answer = await readyz(port);
				return answer.status === 503 ? answer : undefined;
			},
			{ timeoutMs: 20_000, intervalMs: 500, what: '/readyz 503 after the Node was deleted' },
		),
	);
	assert.match(gone.reason ?? '', new RegExp(`node "${sc.node.replaceAll('.', '\\.')}".*gone`));
	assert.ok(Date.now() - deletedAt <= 12_000, `noticed within one interval (10 s) and a probe: ${Date.now() - deletedAt} ms`);

	await createNode(kit.cluster, sc.node);
	await withAgentLog(
		agent,
		waitFor(async () => (await readyz(port)).status === 200, {
			timeoutMs: 20_000,
			intervalMs: 500,
			what: '/readyz 200 with the Node back',
		}),
	);

	// Deleting the ServiceAccount invalidates its bound token: the apiserver answers 401.
	await kit.cluster.core.deleteNamespacedServiceAccount({ namespace: agentServiceAccount.namespace, name: agentServiceAccount.name });
	kit.cleanup.add(() => kit.kubeconfig());
	const rejected = await withAgentLog(
		agent,
		waitFor(
			async () => {
				const answer = await readyz(port);
				return answer.status === 503 ? answer : undefined;
			},
			{ timeoutMs: 30_000, intervalMs: 500, what: '/readyz 503 with the token rejected' },
		),
	);
	assert.match(rejected.reason ?? '', /Unauthorized/i);
});

readiness.run();
