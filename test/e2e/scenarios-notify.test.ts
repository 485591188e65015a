// End-to-end: notifications and observability of the built agent (dist/nth) against
// the real control plane and AEMM, with a ServiceAccount token bound to the
// ClusterRole of manifests/ (plus components/events where events are on):
// - a local webhook receiver gets exactly one message per incident plus the outcome
//   for rebalance → spot ITN → drain, although AEMM changes its notice ids every second;
// - with EMIT_KUBERNETES_EVENTS the Node's SpotInterruption, PreDrain and
//   CordonAndDrain events carry the IMDS annotations and the extra one (NTH §7b 2);
// - /metrics counts the drain and passes `promtool check metrics`; /healthz turns 503
//   once IMDS stops answering (AEMM SIGSTOPped) and 200 again after SIGCONT.
// Needs NTH_REAL_STATE (scripts/test.mjs sets it: `npm run test:e2e -- scenarios-notify`).
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { sleep } from '../../src/clock.ts';
import { startAemm } from '../real/aemm.ts';
import { freePort } from '../real/free-port.ts';
import { waitFor } from '../real/harness.ts';
import {
	agentEnv,
	appPods,
	ScenarioKit,
	inPhase,
	nodeEvents,
	startWebhookReceiver,
	uidsOf,
	waitForEvicted,
	waitForNode,
	withAgentLog,
} from './scenarios-kit.ts';

const kit = new ScenarioKit();
const { cleanup, scenario, agent: agentFor } = kit;

const notify = suite('scenarios: notifications and observability');

kit.attach(notify);

const DefaultTemplateBody = v.object({ text: v.string() });

notify('webhook: exactly one start message and one "drained" outcome for rebalance → spot ITN → drain, nothing per poll', async () => {
	const kubeconfig = await kit.kubeconfig();
	const sc = await scenario('hook');
	const before = uidsOf(await appPods(kit.cluster, sc));
	const receiver = await startWebhookReceiver();
	cleanup.add(() => receiver.close());
	// The ITN comes 8 s after AEMM starts: time enough to see the cordon-only phase first, even on a busy machine.
	const aemm = await startAemm(['spot', '-a', 'terminate', '--mock-delay-sec', '8']);
	cleanup.add(() => aemm.stop());
	// NTH's default template (WEBHOOK_TEMPLATE unset): every body must still be valid JSON.
	const agent = await agentFor(
		agentEnv(sc, kubeconfig, aemm, {
			ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
			ENABLE_REBALANCE_MONITORING: 'true',
			TAINT_NODE: 'true',
			WEBHOOK_URL: receiver.url,
			// Repeated notices of a kind already handled are logged at debug level: they are counted below.
			LOG_LEVEL: 'debug',
		}),
		'webhook',
	);

	await waitForNode(kit.cluster, sc.node, 'cordoned for the rebalance recommendation', (s) => inPhase(s, 'Cordoned'));
	await waitFor(() => receiver.messages.length >= 1, { timeoutMs: 10_000, what: 'the start message' });
	await withAgentLog(
		agent,
		waitForNode(kit.cluster, sc.node, 'drained after the ITN', (s) => inPhase(s, 'Drained'), 30_000),
	);
	await waitForEvicted(kit.cluster, sc, before);
	await waitFor(() => receiver.messages.length >= 2, { timeoutMs: 10_000, what: 'the outcome message' });
	// Several more polls: AEMM answers a new rebalance notice time and a new spot notice time every second.
	await sleep(5000);

	const spotIds = new Set(
		agent
			.matching(/Adding new event to the event store/)
			.map((line) => /"EventID":"(spot-itn-[0-9a-f]+)"/.exec(line.text)?.[1])
			.filter((id) => id !== undefined),
	);
	assert.ok(spotIds.size >= 3, `AEMM changed the spot notice id on several polls (${spotIds.size})`);
	const texts = receiver.messages.map((message) => v.parse(DefaultTemplateBody, JSON.parse(message.body)).text);
	assert.is(texts.length, 2, `exactly two messages:\n${texts.join('\n')}`);
	const [start, outcome] = texts;
	assert.match(
		start ?? '',
		/^\[NTH\]\[Instance Interruption\] EventID: rebalance-recommendation-[0-9a-f]+ - Kind: REBALANCE_RECOMMENDATION - Instance: i-1234567890abcdef0 - Node: /,
	);
	assert.match(start ?? '', /Description: Rebalance recommendation received/, 'the start message carries no outcome');
	assert.match(outcome ?? '', /Kind: SPOT_ITN - /);
	assert.match(outcome ?? '', /Description: \[drained\] Spot ITN received/);
	assert.ok(texts.every((text) => text.includes(`Node: ${sc.node} `)));
	assert.is(receiver.messages[0]?.headers['content-type'], 'application/json');
	assert.is(agent.matching(/Webhook Success/i).length, 2, agent.tail());
	// One incident: one cordon, one drain, one announcement per kind, whatever AEMM re-issues.
	assert.is(agent.matching(/Node successfully cordoned node_name/).length, 1, agent.tail(80));
	assert.is(agent.matching(/Node successfully cordoned and drained/).length, 1);
	assert.equal(
		agent.matching(/Requesting instance drain/).map((line) => /kind=(\w+)/.exec(line.text)?.[1]),
		['REBALANCE_RECOMMENDATION', 'SPOT_ITN'],
	);
});

notify(
	'Kubernetes events: SpotInterruption, PreDrain and CordonAndDrain on the Node with the IMDS annotations and the extra one',
	async () => {
		const kubeconfig = await kit.kubeconfig(['events']);
		const sc = await scenario('events');
		const aemm = await startAemm(['spot', '-a', 'terminate']);
		cleanup.add(() => aemm.stop());
		await agentFor(
			agentEnv(sc, kubeconfig, aemm, {
				ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
				TAINT_NODE: 'true',
				EMIT_KUBERNETES_EVENTS: 'true',
				KUBERNETES_EVENTS_EXTRA_ANNOTATIONS: 'spot.itn.events/test=extra-annotation',
			}),
			'events',
		);
		await waitForNode(kit.cluster, sc.node, 'drained', (s) => inPhase(s, 'Drained'));
		const node = await kit.cluster.core.readNode({ name: sc.node });
		const events = await waitFor(
			async () => {
				const list = await nodeEvents(kit.cluster, sc.node);
				const reasons = new Set(list.map((event) => event.reason));
				return ['SpotInterruption', 'PreDrain', 'CordonAndDrain'].every((reason) => reasons.has(reason)) ? list : undefined;
			},
			{ timeoutMs: 15_000, what: 'the SpotInterruption, PreDrain and CordonAndDrain events' },
		);
		for (const reason of ['SpotInterruption', 'PreDrain', 'CordonAndDrain']) {
			const matching = events.filter((event) => event.reason === reason);
			assert.ok(matching.length >= 1, reason);
			for (const event of matching) {
				assert.is(event.type, 'Normal', reason);
				assert.is(event.source?.component, 'aws-node-termination-handler', reason);
				assert.is(event.involvedObject.kind, 'Node');
				assert.is(event.involvedObject.uid, node.metadata?.uid, `${reason}: the real Node's uid`);
				const annotations = event.metadata?.annotations ?? {};
				for (const key of [
					'account-id',
					'availability-zone',
					'instance-id',
					'instance-life-cycle',
					'instance-type',
					'local-hostname',
					'local-ipv4',
					'public-hostname',
					'public-ipv4',
					'region',
				]) {
					assert.ok((annotations[key] ?? '') !== '', `${reason}: annotation ${key} in ${JSON.stringify(annotations)}`);
				}
				assert.is(annotations['instance-id'], 'i-1234567890abcdef0');
				assert.is(annotations['spot.itn.events/test'], 'extra-annotation', reason);
			}
		}
		assert.match(events.find((event) => event.reason === 'CordonAndDrain')?.message ?? '', /Node successfully cordoned and drained/);
	},
);

const MetricLine =
	/^actions_total\{node_action="cordon-and-drain",node_status="success",otel_scope_name="aws\.node\.termination\.handler",otel_scope_version=""\} (\d+(?:\.\d+)?)$/m;

notify('/metrics counts the drain and passes promtool; /healthz turns 503 once IMDS stops answering, 200 after it resumes', async () => {
	const kubeconfig = await kit.kubeconfig();
	const sc = await scenario('metrics');
	const aemm = await startAemm(['spot', '-a', 'terminate']);
	let stopped = false;
	cleanup.add(async () => {
		if (stopped) process.kill(aemm.pid, 'SIGCONT');
		await aemm.stop();
	});
	const [metricsPort, probesPort] = [await freePort(), await freePort()];
	const agent = await agentFor(
		agentEnv(sc, kubeconfig, aemm, {
			ENABLE_SCHEDULED_EVENT_DRAINING: 'false',
			ENABLE_PROMETHEUS_SERVER: 'true',
			PROMETHEUS_SERVER_PORT: String(metricsPort),
			ENABLE_PROBES_SERVER: 'true',
			PROBES_SERVER_PORT: String(probesPort),
			PROBES_SERVER_HOST: '127.0.0.1',
			LIVENESS_MAX_POLL_AGE: '3',
		}),
		'metrics and probes',
	);
	await waitForNode(kit.cluster, sc.node, 'drained', (s) => inPhase(s, 'Drained'));

	const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
	assert.is(response.status, 200);
	const text = await response.text();
	const count = Number(MetricLine.exec(text)?.[1] ?? 'NaN');
	assert.ok(
		count >= 1,
		`actions_total{node_action="cordon-and-drain",node_status="success"} ≥ 1 in:\n${text
			.split('\n')
			.filter((line) => line.startsWith('actions_total'))
			.join('\n')}`,
	);
	assert.match(text, /^actions_total\{node_action="pre-drain",node_status="success",[^}]*\} [1-9]/m);
	const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
	if (check.error === undefined) {
		assert.is(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
		assert.is(`${check.stdout}${check.stderr}`.trim(), '', 'promtool has no complaint');
	} else {
		console.log('  promtool not installed: the exposition check was skipped (apt-get install -y --no-install-recommends prometheus)');
	}

	const healthz = `http://127.0.0.1:${probesPort}/healthz`;
	assert.is((await fetch(healthz)).status, 200, 'live while polls succeed');
	assert.is((await fetch(`http://127.0.0.1:${probesPort}/readyz`)).status, 200);
	// IMDS stops answering: connections are accepted by the kernel, nothing comes back.
	process.kill(aemm.pid, 'SIGSTOP');
	stopped = true;
	const stoppedAt = Date.now();
	const dead = await withAgentLog(
		agent,
		waitFor(
			async () => {
				const probe = await fetch(healthz, { signal: AbortSignal.timeout(2000) });
				await probe.body?.cancel();
				return probe.status === 503 ? Date.now() : undefined;
			},
			{ timeoutMs: 20_000, intervalMs: 250, what: '/healthz 503 with IMDS stopped' },
		),
	);
	const after = dead - stoppedAt;
	assert.ok(after >= 2500, `503 only once polls are older than LIVENESS_MAX_POLL_AGE=3 s (after ${after} ms)`);
	process.kill(aemm.pid, 'SIGCONT');
	stopped = false;
	await withAgentLog(
		agent,
		waitFor(async () => (await fetch(healthz)).status === 200, {
			timeoutMs: 20_000,
			intervalMs: 250,
			what: '/healthz 200 again once IMDS answers',
		}),
	);
	assert.is(agent.exit(), undefined, 'the agent kept running');
});

notify.run();
