import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeConfig } from './client-node-adapter.ts';
import { isConfigError } from '../errors.ts';
import type { FetchFn, FetchOptions } from '../runtime/types.ts';
import { connectKube, inClusterServer } from './config.ts';

const caPem = '-----BEGIN CERTIFICATE-----\nMIIBfake-ca\n-----END CERTIFICATE-----\n';
const certPem = '-----BEGIN CERTIFICATE-----\nMIIBfake-cert\n-----END CERTIFICATE-----\n';
const keyPem = '-----BEGIN PRIVATE KEY-----\nMIIBfake-key\n-----END PRIVATE KEY-----\n';

/** A createFetch that records the TLS options of each transport it builds. */
function recordingCreateFetch(): { createFetch: (options: FetchOptions) => FetchFn; built: FetchOptions[] } {
	const built: FetchOptions[] = [];
	return {
		built,
		createFetch: (options) => {
			built.push(options);
			const index = built.length;
			return async () => new Response(String(index));
		},
	};
}

interface Context {
	dir: string;
}

const config = suite<Context>('connectKube()', { dir: '' });

config.before.each(async (context) => {
	context.dir = await mkdtemp(join(tmpdir(), 'nth-kubeconfig-'));
});

config.after.each(async (context) => {
	await rm(context.dir, { recursive: true, force: true });
});

async function serviceAccount(root: string, token: string): Promise<void> {
	const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
	await mkdir(dir, { recursive: true });
	await writeFile(join(dir, 'token'), token);
	await writeFile(join(dir, 'ca.crt'), caPem);
	await writeFile(join(dir, 'namespace'), 'kube-system');
}

config('in cluster: server from host and port, CA from the service account, bearer token from its file', async ({ dir }) => {
	await serviceAccount(dir, 'sa-token-1');
	const { createFetch, built } = recordingCreateFetch();
	const connection = await connectKube(createFetch, { serviceHost: '10.96.0.1', servicePort: '443', serviceAccountRoot: dir });
	assert.is(connection.server, 'https://10.96.0.1:443');
	assert.is(connection.source, 'in-cluster');
	assert.equal(await connection.authHeaders(), { authorization: 'Bearer sa-token-1' });
	assert.is(built.length, 1);
	assert.is(built[0]?.ca, caPem);
	assert.is(built[0]?.insecureSkipTlsVerify, false);
	assert.is(await (await connection.fetch('https://10.96.0.1:443/api')).text(), '1');
});

config('in cluster without host or port is a ConfigError', async ({ dir }) => {
	await serviceAccount(dir, 't');
	try {
		await connectKube(recordingCreateFetch().createFetch, { serviceHost: '', servicePort: '443', serviceAccountRoot: dir });
		assert.unreachable('must fail');
	} catch (error) {
		assert.ok(isConfigError(error));
		assert.match(error instanceof Error ? error.message : '', /^Cannot find the Kubernetes API server: KUBERNETES_SERVICE_HOST/);
	}
});

config('in cluster with a missing token file fails at startup with ConfigError', async ({ dir }) => {
	try {
		await connectKube(recordingCreateFetch().createFetch, { serviceHost: '10.0.0.1', servicePort: '443', serviceAccountRoot: dir });
		assert.unreachable('must fail');
	} catch (error) {
		assert.ok(isConfigError(error));
		assert.match(error instanceof Error ? error.message : '', /^Cannot load Kubernetes credentials from in-cluster: /);
	}
});

config('inClusterServer() follows client-node: http on insecure ports, IPv6 in brackets', () => {
	assert.is(inClusterServer('10.0.0.1', '6443'), 'https://10.0.0.1:6443');
	assert.is(inClusterServer('10.0.0.1', '8080'), 'http://10.0.0.1:8080');
	assert.is(inClusterServer('fd00::1', '443'), 'https://[fd00::1]:443');
});

config('kubeconfig: client certificate and key data, TLS server name, proxy; a token', async ({ dir }) => {
	const path = join(dir, 'kubeconfig');
	await writeFile(
		path,
		[
			'apiVersion: v1',
			'kind: Config',
			'current-context: c',
			'clusters:',
			'- name: k',
			'  cluster:',
			'    server: https://127.0.0.1:6443',
			`    certificate-authority-data: ${btoa(caPem)}`,
			'    tls-server-name: kubernetes.default',
			'    proxy-url: http://127.0.0.1:3128',
			'users:',
			'- name: u',
			'  user:',
			`    client-certificate-data: ${btoa(certPem)}`,
			`    client-key-data: ${btoa(keyPem)}`,
			'    token: static-token',
			'contexts:',
			'- name: c',
			'  context: {cluster: k, user: u}',
			'',
		].join('\n'),
	);
	const { createFetch, built } = recordingCreateFetch();
	const connection = await connectKube(createFetch, { kubeconfig: path });
	assert.is(connection.server, 'https://127.0.0.1:6443');
	assert.is(connection.source, path);
	assert.equal(await connection.authHeaders(), { authorization: 'Bearer static-token' });
	assert.equal(built, [
		{
			ca: caPem,
			cert: certPem,
			key: keyPem,
			insecureSkipTlsVerify: false,
			servername: 'kubernetes.default',
			proxy: 'http://127.0.0.1:3128',
		},
	]);
});

config('kubeconfig: basic auth from username and password, impersonation, insecure-skip-tls-verify', async ({ dir }) => {
	const path = join(dir, 'kubeconfig');
	await writeFile(
		path,
		[
			'apiVersion: v1',
			'kind: Config',
			'current-context: c',
			'clusters:',
			'- name: k',
			'  cluster:',
			'    server: https://127.0.0.1:6443',
			'    insecure-skip-tls-verify: true',
			'users:',
			'- name: u',
			'  user:',
			'    username: admin',
			'    password: s3cret',
			'    as: someone',
			'contexts:',
			'- name: c',
			'  context: {cluster: k, user: u}',
			'',
		].join('\n'),
	);
	const { createFetch, built } = recordingCreateFetch();
	const connection = await connectKube(createFetch, { kubeconfig: path });
	assert.equal(await connection.authHeaders(), { 'impersonate-user': 'someone', authorization: `Basic ${btoa('admin:s3cret')}` });
	assert.is(built[0]?.insecureSkipTlsVerify, true);
});

config("builds no agent of KubeConfig's own (one would load node:https in the Bun executable)", async ({ dir }) => {
	await serviceAccount(dir, 'sa-token');
	const prototype: object = KubeConfig.prototype;
	const original: unknown = Reflect.get(prototype, 'createAgent');
	let agents = 0;
	Reflect.set(prototype, 'createAgent', function (this: unknown, ...args: unknown[]) {
		agents += 1;
		return typeof original === 'function' ? Reflect.apply(original, this, args) : undefined;
	});
	try {
		const connection = await connectKube(recordingCreateFetch().createFetch, {
			serviceHost: '10.0.0.1',
			servicePort: '443',
			serviceAccountRoot: dir,
			cacheMs: 0,
		});
		assert.equal(await connection.authHeaders(), { authorization: 'Bearer sa-token' });
		assert.is(agents, 0);
	} finally {
		Reflect.set(prototype, 'createAgent', original);
	}
});

config('a missing kubeconfig file is a ConfigError naming it', async ({ dir }) => {
	const path = join(dir, 'nope');
	try {
		await connectKube(recordingCreateFetch().createFetch, { kubeconfig: path });
		assert.unreachable('must fail');
	} catch (error) {
		assert.ok(isConfigError(error));
		assert.match(error instanceof Error ? error.message : '', new RegExp(`^Cannot load kubeconfig "${path}"`));
	}
});

/** A kubeconfig whose user runs an exec plugin printing the token in `tokenFile` (expired, so it reruns every time). */
async function execKubeconfig(dir: string): Promise<{ path: string; tokenFile: string; runs: string; certFile: string }> {
	const tokenFile = join(dir, 'token');
	const runs = join(dir, 'runs');
	const certFile = join(dir, 'client.crt');
	const script = join(dir, 'plugin.sh');
	await writeFile(tokenFile, 'exec-1');
	await writeFile(runs, '');
	await writeFile(certFile, certPem);
	await writeFile(join(dir, 'client.key'), keyPem);
	await writeFile(
		script,
		[
			'#!/bin/sh',
			`echo run >> '${runs}'`,
			`printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2000-01-01T00:00:00Z"}}' "$(cat '${tokenFile}')"`,
			'',
		].join('\n'),
	);
	await chmod(script, 0o755);
	const path = join(dir, 'kubeconfig');
	await writeFile(
		path,
		[
			'apiVersion: v1',
			'kind: Config',
			'current-context: c',
			'clusters:',
			'- name: k',
			'  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}',
			'users:',
			'- name: u',
			'  user:',
			'    client-certificate: client.crt',
			'    client-key: client.key',
			'    exec:',
			'      apiVersion: client.authentication.k8s.io/v1',
			`      command: ${script}`,
			'      interactiveMode: Never',
			'contexts:',
			'- name: c',
			'  context: {cluster: k, user: u}',
			'',
		].join('\n'),
	);
	return { path, tokenFile, runs, certFile };
}

config('caches headers for cacheMs, then asks KubeConfig again (a rotated token is picked up)', async ({ dir }) => {
	const files = await execKubeconfig(dir);
	const clock = { now: 0 };
	const connection = await connectKube(recordingCreateFetch().createFetch, {
		kubeconfig: files.path,
		cacheMs: 10_000,
		now: () => clock.now,
	});
	assert.equal(await connection.authHeaders(), { authorization: 'Bearer exec-1' });
	await writeFile(files.tokenFile, 'exec-2');
	clock.now = 9_999;
	assert.equal(await connection.authHeaders(), { authorization: 'Bearer exec-1' }, 'still cached');
	clock.now = 10_000;
	assert.equal(await connection.authHeaders(), { authorization: 'Bearer exec-2' }, 'refreshed');
	assert.is((await readFile(files.runs, 'utf8')).trim().split('\n').length, 2);
});

config('invalidate() forces the next call to ask again', async ({ dir }) => {
	const files = await execKubeconfig(dir);
	const connection = await connectKube(recordingCreateFetch().createFetch, { kubeconfig: files.path, now: () => 0 });
	await writeFile(files.tokenFile, 'exec-2');
	connection.invalidate();
	assert.equal(await connection.authHeaders(), { authorization: 'Bearer exec-2' });
});

config('concurrent callers share one refresh (the exec plugin runs once)', async ({ dir }) => {
	const files = await execKubeconfig(dir);
	const clock = { now: 0 };
	const connection = await connectKube(recordingCreateFetch().createFetch, { kubeconfig: files.path, now: () => clock.now });
	clock.now = 60_000;
	await Promise.all([connection.authHeaders(), connection.authHeaders(), connection.authHeaders()]);
	assert.is((await readFile(files.runs, 'utf8')).trim().split('\n').length, 2, 'startup + one shared refresh');
});

config('rebuilds the transport when the client certificate file changes, not otherwise', async ({ dir }) => {
	const files = await execKubeconfig(dir);
	const clock = { now: 0 };
	const { createFetch, built } = recordingCreateFetch();
	const connection = await connectKube(createFetch, { kubeconfig: files.path, now: () => clock.now });
	assert.is(built.length, 1);
	assert.is(built[0]?.cert, certPem);
	assert.is(built[0]?.insecureSkipTlsVerify, true);
	clock.now = 20_000;
	assert.is(await (await connection.fetch('https://127.0.0.1:6443/')).text(), '1', 'same material, same transport');
	const rotated = certPem.replace('fake-cert', 'rotated-cert');
	await writeFile(files.certFile, rotated);
	clock.now = 40_000;
	assert.is(await (await connection.fetch('https://127.0.0.1:6443/')).text(), '2', 'new material, new transport');
	assert.is(built.length, 2);
	assert.is(built[1]?.cert, rotated);
});

config.run();
