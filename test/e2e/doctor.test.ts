// End-to-end: `nth doctor` (the built executable) against the real apiserver and AEMM,
// with the ServiceAccount token of manifests/' RBAC, reports what is right and what to fix.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- doctor`).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../real/free-port.ts';
import { agentEnv, agentKubeconfig, ScenarioKit } from './scenarios-kit.ts';

const run = promisify(execFile);
const bin = process.env['NTH_BIN'] ?? 'dist/nth';

/** Runs `nth doctor` with a clean environment; resolves with its exit code and output whatever the code. */
async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
	try {
		const { stdout } = await run(bin, ['doctor'], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 90_000 });
		return { code: 0, out: stdout };
	} catch (error) {
		const failed = error as { code?: number; stdout?: string; stderr?: string };
		return { code: failed.code ?? -1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
	}
}

const kit = new ScenarioKit();
const doctorSuite = suite('nth doctor');
let kubeconfig: string;
kit.attach(doctorSuite, async (cluster) => {
	kubeconfig = await agentKubeconfig(cluster);
});

doctorSuite('passes with the shipped RBAC, IMDSv2 and a known node', async () => {
	const sc = await kit.scenario('doctor-ok');
	const aemm = await kit.aemm(['spot', '-d', '100000', '--rebalance-delay-sec', '100000'], { imdsv2: true });
	const { code, out } = await doctor(agentEnv(sc, kubeconfig, aemm));
	assert.is(code, 0, out);
	assert.match(out, /✓ IMDS at http:\/\/127\.0\.0\.1/);
	assert.match(out, /✓ IMDSv2 session token/);
	assert.match(out, new RegExp(`✓ node "${sc.node}": found`));
	assert.match(out, /✓ RBAC: all 10 permissions the configuration needs: \/nodes:get, /);
	assert.match(out, /\nready/);
});

doctorSuite('names the RBAC a setting needs and the ServiceAccount lacks', async () => {
	const sc = await kit.scenario('doctor-rbac');
	const aemm = await kit.aemm(['spot', '-d', '100000', '--rebalance-delay-sec', '100000']);
	const { code, out } = await doctor(agentEnv(sc, kubeconfig, aemm, { EMIT_KUBERNETES_EVENTS: 'true', PDB_DEADLOCK_POLICY: 'delete' }));
	assert.is(code, 1, out);
	assert.match(out, /✗ RBAC: missing \/events:create .*\/events:patch .*\/pods:delete /, out);
	assert.match(out, /components\/events/);
});

doctorSuite('explains an IMDS it cannot reach and a node it cannot find', async () => {
	const sc = await kit.scenario('doctor-bad');
	const closed = `http://127.0.0.1:${await freePort()}`;
	const { code, out } = await doctor(agentEnv(sc, kubeconfig, closed, { NODE_NAME: 'ip-10-9-9-9.ec2.internal', METADATA_TRIES: '1' }));
	assert.is(code, 1, out);
	assert.match(out, /✗ IMDS at http:\/\/127\.0\.0\.1:\d+: /);
	assert.match(out, /hostNetwork/);
	assert.match(out, /✗ node "ip-10-9-9-9\.ec2\.internal": not found/);
});

doctorSuite('reports a spot notice that is live right now as a warning', async () => {
	const sc = await kit.scenario('doctor-live');
	const aemm = await kit.aemm(['spot', '-a', 'terminate', '--rebalance-delay-sec', '100000']);
	const { code, out } = await doctor(agentEnv(sc, kubeconfig, aemm));
	assert.is(code, 0, out);
	assert.match(out, /! SPOT_ITN_MONITOR .*a notice is live now: SPOT_ITN spot-itn-[0-9a-f]{64}/);
});

doctorSuite.run();
