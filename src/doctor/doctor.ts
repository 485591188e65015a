/**
 * @module `nth doctor`: a preflight of everything the agent depends on.
 *
 * Most NTH support threads are setup problems (IMDS unreachable from a pod,
 * IMDSv2 hop limit, a node name that does not match, a missing RBAC rule, a
 * template that does not render). The doctor runs each dependency once, the
 * way the agent would, and says what is wrong and what to change. It changes
 * nothing: reads, one SelfSubjectAccessReview per permission, one render.
 */
import { isAbortError } from '../errors.ts';
import { instanceIdPath } from '../imds/paths.ts';
import type { ImdsClient, InstanceMetadata } from '../imds/types.ts';
import type { KubeApi } from '../kube/api.ts';
import { featureSwitches, type Permission, permissionKey } from '../kube/permissions.ts';
import type { Monitor } from '../monitors/types.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
	readonly status: CheckStatus;
	readonly title: string;
	readonly detail?: string | undefined;
	/** What to change, for warn and fail. */
	readonly hint?: string | undefined;
}

export interface DoctorDeps {
	/** The IMDS base URL the agent uses (for messages). */
	readonly metadataUrl: string;
	readonly imds: ImdsClient;
	readonly metadata: (signal: AbortSignal) => Promise<InstanceMetadata>;
	/** The enabled monitors, each polled once. */
	readonly monitors: readonly Monitor[];
	/** NODE_NAME, or undefined when it has to come from IMDS (host mode). */
	readonly nodeName: string | undefined;
	/** Connects to the API server; throws when the configuration or the connection is broken. */
	readonly kube: (signal: AbortSignal) => Promise<KubeApi>;
	/** Finds the Node object for a name (hostname label, then name, or providerID). */
	readonly findNode: (kube: KubeApi, name: string, signal: AbortSignal) => Promise<string | undefined>;
	readonly permissions: readonly Permission[];
	/** Renders each webhook sink's template on a sample event; absent when no webhook is configured. */
	readonly validateWebhook?: (() => Promise<void>) | undefined;
	/** Monotonic clock, ms. */
	readonly now: () => number;
}

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

async function checkImds(
	deps: DoctorDeps,
	signal: AbortSignal,
): Promise<{ results: CheckResult[]; metadata: InstanceMetadata | undefined }> {
	const started = deps.now();
	try {
		await deps.imds.get(instanceIdPath, signal);
	} catch (error) {
		if (isAbortError(error) && signal.aborted) throw error;
		return {
			metadata: undefined,
			results: [
				{
					status: 'fail',
					title: `IMDS at ${deps.metadataUrl}`,
					detail: message(error),
					hint: 'From a pod, IMDS needs hostNetwork: true (as the shipped DaemonSet) or an instance metadata hop limit of 2; check INSTANCE_METADATA_URL; on IPv6-only instances keep INSTANCE_METADATA_IPV6_FALLBACK=true',
				},
			],
		};
	}
	const state = deps.imds.state();
	const results: CheckResult[] = [
		{ status: 'ok', title: `IMDS at ${state.endpoint}`, detail: `answered in ${Math.round(deps.now() - started)} ms` },
	];
	results.push(
		state.tokenMode === 'v2'
			? { status: 'ok', title: 'IMDSv2 session token', detail: 'issued and used' }
			: {
					status: 'warn',
					title: 'IMDSv2 session token',
					detail: 'not available: the agent falls back to IMDSv1',
					hint: 'If the instance requires IMDSv2 (HttpTokens=required), every request will fail: the token PUT is dropped when the hop limit is 1 and the agent runs in a pod without hostNetwork. Raise it: aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2',
				},
	);
	const metadata = await deps.metadata(signal);
	results.push({
		status: metadata.instanceId ? 'ok' : 'warn',
		title: 'instance metadata',
		detail: metadata.instanceId
			? `${metadata.instanceId} (${metadata.instanceType || 'type unknown'}, ${metadata.availabilityZone || 'zone unknown'}, ${metadata.instanceLifeCycle || 'life cycle unknown'})`
			: 'the identity document and its fallbacks gave no instance id',
		hint: metadata.instanceId ? undefined : 'Webhooks and events will lack the instance fields',
	});
	for (const monitor of deps.monitors) {
		try {
			const result = await monitor.check(signal);
			const notices = result.events.map((event) => `${event.kind} ${event.eventId}`);
			results.push({
				status: notices.length > 0 ? 'warn' : 'ok',
				title: `${monitor.name} (${monitor.path})`,
				detail: notices.length > 0 ? `a notice is live now: ${notices.join(', ')}` : 'answers; no notice now',
				hint: notices.length > 0 ? 'The agent would act on it as soon as it starts' : undefined,
			});
		} catch (error) {
			if (isAbortError(error) && signal.aborted) throw error;
			results.push({
				status: 'fail',
				title: `${monitor.name} (${monitor.path})`,
				detail: message(error),
				hint: 'The agent would keep retrying this path with backoff',
			});
		}
	}
	return { results, metadata };
}

async function checkKubernetes(deps: DoctorDeps, nodeName: string | undefined, signal: AbortSignal): Promise<CheckResult[]> {
	let kube: KubeApi;
	try {
		kube = await deps.kube(signal);
	} catch (error) {
		if (isAbortError(error) && signal.aborted) throw error;
		return [
			{
				status: 'fail',
				title: 'Kubernetes API',
				detail: message(error),
				hint: 'In a pod: the ServiceAccount token and KUBERNETES_SERVICE_HOST/PORT; on a host: KUBECONFIG (--kubeconfig)',
			},
		];
	}
	const results: CheckResult[] = [];
	if (nodeName === undefined || nodeName === '') {
		results.push({
			status: 'fail',
			title: 'node name',
			detail: 'NODE_NAME is empty and IMDS gave no local-hostname',
			hint: 'Set NODE_NAME (the DaemonSet sets it from spec.nodeName)',
		});
	} else {
		try {
			const found = await deps.findNode(kube, nodeName, signal);
			results.push(
				found === undefined
					? {
							status: 'fail',
							title: `node "${nodeName}"`,
							detail: 'not found by kubernetes.io/hostname label or by name',
							hint: "Set NODE_NAME to the Node object's name, or USE_PROVIDER_ID=true when node names are not host names",
						}
					: { status: 'ok', title: `node "${nodeName}"`, detail: found === nodeName ? 'found' : `found as "${found}"` },
			);
		} catch (error) {
			if (isAbortError(error) && signal.aborted) throw error;
			results.push({ status: 'fail', title: `node "${nodeName}"`, detail: message(error) });
		}
	}
	const missing: Permission[] = [];
	for (const permission of deps.permissions) {
		try {
			if (!(await kube.canI(permission, signal))) missing.push(permission);
		} catch (error) {
			if (isAbortError(error) && signal.aborted) throw error;
			results.push({ status: 'fail', title: 'RBAC', detail: `Cannot review access: ${message(error)}` });
			return results;
		}
	}
	// Each permission by name: a count alone hid grants nobody used (src/kube/permissions.ts is the one list).
	const checked = deps.permissions.map(permissionKey).join(', ');
	const components = [
		...new Set(
			missing.flatMap((permission) =>
				permission.feature === 'always' ? [] : [`components/${featureSwitches[permission.feature].component}`],
			),
		),
	];
	results.push(
		missing.length === 0
			? { status: 'ok', title: 'RBAC', detail: `all ${deps.permissions.length} permissions the configuration needs: ${checked}` }
			: {
					status: 'fail',
					title: 'RBAC',
					detail: `missing ${missing.map((permission) => `${permissionKey(permission)} (${permission.why})`).join('; ')}`,
					hint: `Apply manifests/ (kubectl apply -k manifests/${components.length > 0 ? `, with ${components.join(' and ')} in your overlay` : ''}) or the Helm chart`,
				},
	);
	return results;
}

/** Runs every check; never throws for a failed dependency (that is a result), only when the signal aborts. */
export async function runDoctor(deps: DoctorDeps, signal: AbortSignal): Promise<CheckResult[]> {
	const { results, metadata } = await checkImds(deps, signal);
	const nodeName = deps.nodeName || metadata?.localHostname || undefined;
	results.push(...(await checkKubernetes(deps, nodeName, signal)));
	if (deps.validateWebhook) {
		try {
			await deps.validateWebhook();
			results.push({ status: 'ok', title: 'webhook template', detail: 'renders on a sample event' });
		} catch (error) {
			results.push({
				status: 'fail',
				title: 'webhook template',
				detail: message(error),
				hint: 'Preview it with: nth webhook render --template FILE --event FILE',
			});
		}
	}
	return results;
}

const marks: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

/** The report as printed, and the exit code (1 when a check failed). */
export function formatReport(results: readonly CheckResult[]): { readonly text: string; readonly exitCode: number } {
	const lines = results.flatMap((result) => [
		`${marks[result.status]} ${result.title}${result.detail ? `: ${result.detail}` : ''}`,
		...(result.hint && result.status !== 'ok' ? [`    → ${result.hint}`] : []),
	]);
	const failed = results.filter((result) => result.status === 'fail').length;
	const warned = results.filter((result) => result.status === 'warn').length;
	lines.push(
		'',
		failed === 0
			? `ready${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}`
			: `${failed} problem${failed === 1 ? '' : 's'} to fix`,
	);
	return { text: `${lines.join('\n')}\n`, exitCode: failed === 0 ? 0 : 1 };
}
