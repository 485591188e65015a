/**
 * The demo scenario (run by scripts/demo.sh with NTH_REAL_STATE set): one node
 * with a 6-replica Deployment under a PodDisruptionBudget, AEMM announcing a
 * rebalance recommendation and then a spot interruption, the agent (dist/nth)
 * handling it, and a webhook receiver printing what operators would get.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { V1Node } from '@kubernetes/client-node';
import { shippedEnv } from '../test/e2e/agent-process.ts';
import { startAemm } from '../test/real/aemm.ts';
import { freePort } from '../test/real/free-port.ts';
import { connect, createDeployment, createNamespace, createNode, createPdb } from '../test/real/harness.ts';

const nodeName = 'ip-172-16-34-43.ec2.internal';
const started = Date.now();
const stamp = (): string => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
const say = (text: string): void => console.log(`${stamp()}  ${text}`);

const cluster = connect();
say(`real control plane at ${cluster.state.apiserverUrl} (kubeconfig ${cluster.state.kubeconfig})`);
// The Deployment may run on either node of the pool: while the interrupted node drains, replacements start on the spare.
await createNode(cluster, nodeName, { labels: { pool: 'demo' } });
const namespace = await createNamespace(cluster, 'demo');
await createDeployment(cluster, namespace, 'web', {
	replicas: 6,
	labels: { app: 'web' },
	nodeSelector: { pool: 'demo' },
	deleteDelay: '1s',
});
await createNode(cluster, 'spare-node-1', { labels: { pool: 'demo' } });
await createPdb(cluster, namespace, 'web', { selector: { app: 'web' }, maxUnavailable: 2 });
say(`node ${nodeName} Ready with 6 pods of Deployment ${namespace}/web under a PDB (maxUnavailable 2); a spare node waits empty`);

const webhookPort = await freePort();
const receiver = createServer((request, response) => {
	let body = '';
	request.on('data', (chunk: Buffer) => (body += chunk.toString()));
	request.on('end', () => {
		say(`webhook received: ${body}`);
		response.end('ok');
	});
}).listen(webhookPort, '127.0.0.1');

const aemm = await startAemm(['spot', '-a', 'terminate', '-d', '6', '--rebalance-delay-sec', '2'], { imdsv2: true });
say(`AEMM (IMDSv2) at ${aemm.url}: rebalance recommendation in 2 s, spot interruption notice in 6 s`);

const metricsPort = await freePort();
const agentBin = process.env['NTH_BIN'] ?? 'dist/nth';
const agent = spawn(agentBin, [], {
	env: {
		// As the image and the systemd unit run it (Bun's JIT off).
		...shippedEnv(agentBin),
		PATH: process.env['PATH'] ?? '',
		NODE_NAME: nodeName,
		KUBECONFIG: cluster.state.kubeconfig,
		INSTANCE_METADATA_URL: aemm.url,
		ENABLE_REBALANCE_MONITORING: 'true',
		TAINT_NODE: 'true',
		EMIT_KUBERNETES_EVENTS: 'true',
		ENABLE_PROMETHEUS_SERVER: 'true',
		PROMETHEUS_SERVER_PORT: String(metricsPort),
		PROBES_SERVER_HOST: '127.0.0.1',
		WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/notify`,
		WEBHOOK_TEMPLATE:
			'{"text":"{{ .Description }} (node {{ .NodeName }}, {{ len .Pods }} pods{{ if .Outcome }}, outcome {{ .Outcome }}: {{ .Details }}{{ end }})"}',
	},
	stdio: ['ignore', 'pipe', 'pipe'],
});
const interesting = /started successfully|Adding new event|cordoned|Draining the node|evicted \d+ of|successfully|would have|Webhook/;
for (const stream of [agent.stdout, agent.stderr]) {
	let buffered = '';
	stream.on('data', (chunk: Buffer) => {
		buffered += chunk.toString();
		const lines = buffered.split('\n');
		buffered = lines.pop() ?? '';
		for (const line of lines) if (interesting.test(line)) say(`agent: ${line.replace(/^\S+ \S+ /, '')}`);
	});
}

let last = '';
const describeNode = (node: V1Node, pods: number): string => {
	const taints = (node.spec?.taints ?? []).map((taint) => `${taint.key}:${taint.effect}`).join(', ') || 'none';
	const condition = node.status?.conditions?.find((c) => c.type === 'TerminationHandling');
	return `node: ${node.spec?.unschedulable ? 'cordoned' : 'schedulable'}, taints: ${taints}, condition: ${condition ? `${condition.reason}` : '-'}, pods on it: ${pods}`;
};
const deadline = Date.now() + 60_000;
while (Date.now() < deadline) {
	const node = await cluster.core.readNode({ name: nodeName });
	const pods = (await cluster.core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${nodeName}` })).items.length;
	const line = describeNode(node, pods);
	if (line !== last) say((last = line));
	const condition = node.status?.conditions?.find((c) => c.type === 'TerminationHandling');
	if (condition?.reason === 'Drained') break;
	await new Promise((resolve) => setTimeout(resolve, 100));
}
await new Promise((resolve) => setTimeout(resolve, 1500));

const events = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${nodeName}` });
say(`Kubernetes events on the node: ${events.items.map((event) => `${event.reason}×${event.count ?? 1}`).join(', ')}`);
const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
for (const line of metrics.split('\n')) {
	if (
		/^(actions_total\{node_action="cordon-and-drain",node_status="success"|nth_notice_to_(cordon|drained)_seconds_(sum|count)|process_resident_memory_bytes)/.test(
			line,
		)
	)
		say(`metric: ${line}`);
}
agent.kill('SIGTERM');
await new Promise((resolve) => agent.once('exit', resolve));
await aemm.stop();
receiver.close();
say('done: the agent stopped on SIGTERM; the control plane is torn down next');
