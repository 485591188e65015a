/**
 * @module The real stack (test/real/) a benchmark runs on, and the identities its agents run as.
 *
 * bench:idle, bench:detect, bench:drain and bench:floor each bring the stack up with
 * test/real/up.sh unless NTH_REAL_STATE names a running one (reused, and left up), and take down
 * only a stack they brought up; up.sh watches this process (NTH_REAL_WATCH_PID), so a bench killed
 * hard does not leave one behind. An agent run in-cluster style (subjects.ts's inClusterCommand)
 * reads service-account files: the stack's admin token, or a ServiceAccount of its own bound to
 * cluster-admin, so the audit log can count its requests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as harness from '../test/real/harness.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..');

export interface BenchStack {
	readonly stateDir: string;
	readonly cluster: harness.RealCluster;
	/**
	 * Service-account files holding the stack's admin token (namespace kube-system), made on first
	 * use and removed when the stack is left.
	 */
	readonly adminServiceAccountDir: () => string;
}

/**
 * Runs `body` on the stack (NTH_REAL_STATE's, or one brought up for it and torn down after).
 * `name` (e.g. "bench:drain") starts its messages.
 */
export async function withStack<T>(name: string, body: (stack: BenchStack) => Promise<T>): Promise<T> {
	let stateDir = process.env['NTH_REAL_STATE'] ?? '';
	const own = stateDir === '';
	if (own) {
		console.error(`${name}: bringing up the real control plane (test/real/up.sh)…`);
		const up = spawnSync('bash', [join(root, 'test', 'real', 'up.sh')], {
			cwd: root,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'inherit'],
			env: { ...process.env, NTH_REAL_WATCH_PID: String(process.pid) },
		});
		stateDir = up.stdout.trim().split('\n').at(-1) ?? '';
		if (up.status !== 0 || stateDir === '') throw new Error(`Cannot run ${name}: test/real/up.sh failed`);
	}
	let adminDir: string | undefined;
	try {
		const cluster = harness.connect(stateDir);
		const adminServiceAccountDir = (): string => {
			adminDir ??= serviceAccountFiles(cluster.state.caFile, cluster.state.adminToken, 'kube-system');
			return adminDir;
		};
		return await body({ stateDir, cluster, adminServiceAccountDir });
	} finally {
		if (adminDir !== undefined) rmSync(adminDir, { recursive: true, force: true });
		if (own) spawnSync('bash', [join(root, 'test', 'real', 'down.sh'), stateDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	}
}

/** Creates `name` unless it exists. */
export async function ensureNamespace(cluster: harness.RealCluster, name: string): Promise<void> {
	await cluster.core.createNamespace({ body: { metadata: { name } } }).catch((error: unknown) => {
		if (harness.statusOf(error) !== 409) throw error;
	});
}

/**
 * A ServiceAccount `name` of `namespace` bound to cluster-admin (a token valid 2 h), and its
 * service-account files; the caller removes `dir`.
 */
export async function adminServiceAccount(
	cluster: harness.RealCluster,
	namespace: string,
	name: string,
): Promise<{ readonly token: string; readonly dir: string }> {
	const token = await harness.createServiceAccountToken(cluster, namespace, name, { expirationSeconds: 7200 });
	await cluster.rbac
		.createClusterRoleBinding({
			body: {
				metadata: { name: `nth-bench-${name}` },
				roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
				subjects: [{ kind: 'ServiceAccount', name, namespace }],
			},
		})
		.catch((error: unknown) => {
			if (harness.statusOf(error) !== 409) throw error;
		});
	return { token, dir: serviceAccountFiles(cluster.state.caFile, token, namespace) };
}

/** What a pod finds on /var/run/secrets/kubernetes.io/serviceaccount, in a new temporary directory. */
function serviceAccountFiles(caFile: string, token: string, namespace: string): string {
	const dir = mkdtempSync(join(tmpdir(), 'nth-bench-sa-'));
	writeFileSync(join(dir, 'ca.crt'), readFileSync(caFile));
	writeFileSync(join(dir, 'token'), token);
	writeFileSync(join(dir, 'namespace'), namespace);
	return dir;
}
