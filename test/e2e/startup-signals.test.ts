// The built executable during start-up (issue 10, item 7): a bad webhook
// template is reported before IMDS is asked anything, and SIGTERM while the
// start still waits on IMDS or on the apiserver ends it with exit 0 and one
// "Stopped during start-up" line, no stack trace. Needs no cluster: IMDS and
// the apiserver are a closed port and a server that accepts and never answers.
// Run: node scripts/test.mjs --e2e startup-signals
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type AgentProcess, startAgent } from './agent-process.ts';

/** A TCP server that accepts connections and never answers (a hung IMDS or apiserver). */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
	const sockets = new Set<Socket>();
	const server: Server = createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		// The agent resets its connection when it stops: expected, not a test failure.
		socket.on('error', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (address === null || typeof address === 'string') throw new Error('Cannot start the silent server: no port');
	return {
		port: address.port,
		close: () => {
			for (const socket of sockets) socket.destroy();
			return new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
	const server = await silentServer();
	await server.close();
	return server.port;
}

function assertCleanStop(agent: AgentProcess, exit: { code: number | null; signal: string | null }): void {
	const text = agent
		.lines()
		.map((line) => line.text)
		.join('\n');
	assert.equal(exit, { code: 0, signal: null }, `exit ${JSON.stringify(exit)}; last lines:\n${agent.tail()}`);
	assert.is(agent.matching('Stopped during start-up').length, 1, agent.tail());
	assert.not.match(text, /^\s+at /m, `a stack trace:\n${agent.tail()}`);
	assert.not.match(text, /Cannot run nth/, agent.tail());
}

let dir: string;
const start = suite('the executable during start-up');

start.before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'nth-startup-'));
});

start.after(async () => {
	await rm(dir, { recursive: true, force: true });
});

start('a bad WEBHOOK_TEMPLATE fails at once, before IMDS (which never answers) is asked', async () => {
	const imds = await silentServer();
	try {
		const startedAt = Date.now();
		const agent = startAgent(
			{
				NODE_NAME: 'n1',
				INSTANCE_METADATA_URL: `http://127.0.0.1:${imds.port}`,
				INSTANCE_METADATA_IPV6_FALLBACK: 'false',
				WEBHOOK_URL: 'http://127.0.0.1:9/hook',
				WEBHOOK_TEMPLATE: '{"text":"{{ .Kind "}',
			},
			{ label: 'bad template' },
		);
		const exit = await Promise.race([agent.exited, new Promise<undefined>((resolve) => setTimeout(resolve, 8_000))]);
		const tookMs = Date.now() - startedAt;
		await agent.stop('SIGKILL');
		assert.ok(exit !== undefined, `still running after 8 s; last lines:\n${agent.tail()}`);
		assert.is(exit.code, 2, agent.tail());
		assert.ok(agent.matching(/Cannot parse the webhook template \(WEBHOOK_TEMPLATE, line 1\)/).length === 1, agent.tail());
		assert.is(agent.matching(/Request failed|instance-identity/).length, 0, agent.tail());
		console.log(`  bad template: exit 2 after ${tookMs} ms (process start included)`);
	} finally {
		await imds.close();
	}
});

start('SIGTERM while IMDS refuses connections (start-up retrying): exit 0, one line, no stack trace', async () => {
	const agent = startAgent(
		{ NODE_NAME: 'n1', INSTANCE_METADATA_URL: `http://127.0.0.1:${await closedPort()}`, INSTANCE_METADATA_IPV6_FALLBACK: 'false' },
		{ label: 'IMDS refused' },
	);
	await agent.waitForLine(/Request failed\. Attempts remaining/, { timeoutMs: 20_000 });
	const sentAt = Date.now();
	const exit = await agent.stop('SIGTERM');
	console.log(`  IMDS refused: exit ${String(exit.code)} ${Date.now() - sentAt} ms after SIGTERM`);
	assertCleanStop(agent, exit);
});

start('SIGTERM while IMDS accepts and never answers: exit 0, one line, no stack trace', async () => {
	const imds = await silentServer();
	try {
		const agent = startAgent(
			{ NODE_NAME: 'n1', INSTANCE_METADATA_URL: `http://127.0.0.1:${imds.port}`, INSTANCE_METADATA_IPV6_FALLBACK: 'false' },
			{ label: 'IMDS silent' },
		);
		await agent.waitForLine(/nth arguments|"Configuration"/, { timeoutMs: 20_000 });
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		const sentAt = Date.now();
		const exit = await agent.stop('SIGTERM');
		console.log(`  IMDS silent: exit ${String(exit.code)} ${Date.now() - sentAt} ms after SIGTERM`);
		assertCleanStop(agent, exit);
	} finally {
		await imds.close();
	}
});

start('SIGTERM while the apiserver accepts and never answers: exit 0, one line, no stack trace', async () => {
	const apiserver = await silentServer();
	try {
		const kubeconfig = join(dir, 'kubeconfig');
		await writeFile(
			kubeconfig,
			JSON.stringify({
				apiVersion: 'v1',
				kind: 'Config',
				clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${apiserver.port}` } }],
				users: [{ name: 'u', user: { token: 'test-token' } }],
				contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
				'current-context': 'x',
			}),
		);
		// IMDS refuses once (one try, no fallback): the start goes on without metadata to the apiserver.
		const agent = startAgent(
			{
				NODE_NAME: 'n1',
				INSTANCE_METADATA_URL: `http://127.0.0.1:${await closedPort()}`,
				INSTANCE_METADATA_IPV6_FALLBACK: 'false',
				METADATA_TRIES: '1',
				KUBECONFIG: kubeconfig,
			},
			{ label: 'apiserver silent' },
		);
		await agent.waitForLine(/Kubernetes client configured/, { timeoutMs: 20_000 });
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		assert.is(agent.matching(/has started successfully/).length, 0, agent.tail());
		const sentAt = Date.now();
		const exit = await agent.stop('SIGTERM');
		console.log(`  apiserver silent: exit ${String(exit.code)} ${Date.now() - sentAt} ms after SIGTERM`);
		assertCleanStop(agent, exit);
	} finally {
		await apiserver.close();
	}
});

start.run();
