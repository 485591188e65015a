/**
 * @module Where the API server is and how to authenticate: client-node's KubeConfig (reached through ./client-node-adapter.ts), and nothing else of it.
 *
 * In a pod the service account is used (`loadFromCluster`: the CA file and the
 * projected token, which client-node re-reads every minute as the kubelet
 * rotates it); on a host a kubeconfig file (client certificates, token, exec
 * plugins). KubeConfig hands out TLS material and auth headers through
 * `applyToHTTPSOptions`; we cache that result briefly and rebuild the
 * transport when the TLS material changes (a rotated kubelet client cert).
 */
import { ConfigError } from '../errors.ts';
import type { FetchFn, FetchOptions } from '../runtime/types.ts';
import type { CredentialsRequest, KubeConfig } from './client-node-adapter.ts';

export interface KubeConnectionOptions {
	/** Kubeconfig file (host mode). Empty or absent: the in-cluster service account. */
	readonly kubeconfig?: string | undefined;
	/** In-cluster API server host (KUBERNETES_SERVICE_HOST / --kubernetes-service-host). */
	readonly serviceHost?: string | undefined;
	/** In-cluster API server port (KUBERNETES_SERVICE_PORT / --kubernetes-service-port). */
	readonly servicePort?: string | undefined;
	/** Prefix of the service-account files `/var/run/secrets/kubernetes.io/serviceaccount/*` (tests). @default "" */
	readonly serviceAccountRoot?: string | undefined;
	/** How long auth headers and TLS material are reused before asking KubeConfig again. @default 10000 */
	readonly cacheMs?: number | undefined;
	/** Proxy for the API server when the kubeconfig names none (`http://host:port`). */
	readonly proxy?: string | undefined;
	/** Monotonic clock, ms. @default performance.now */
	readonly now?: (() => number) | undefined;
}

export interface KubeConnection {
	/** API server URL. */
	readonly server: string;
	/** `in-cluster` or the kubeconfig path, for the startup log. */
	readonly source: string;
	/** Transport with the current TLS material; rebuilt when it changes. */
	readonly fetch: FetchFn;
	/** Authorization (and impersonation) headers, cached for `cacheMs`. */
	authHeaders(): Promise<Readonly<Record<string, string>>>;
	/** Forgets the cached headers (after a 401) so the next request asks again. */
	invalidate(): void;
}

interface Material {
	readonly headers: Readonly<Record<string, string>>;
	readonly tls: FetchOptions;
	readonly at: number;
}

/** client-node's rules for the in-cluster URL: plain http on the well-known insecure ports, IPv6 in brackets. */
export function inClusterServer(host: string, port: string): string {
	const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
	const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
	return `${scheme}://${bracketed}:${port}`;
}

function pem(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') return value;
	if (value instanceof Uint8Array) return new TextDecoder().decode(value);
	if (Array.isArray(value))
		return value
			.map(pem)
			.filter((part) => part !== undefined)
			.join('\n');
	return undefined;
}

function headerText(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return String(value);
	if (Array.isArray(value)) return value.map(String).join(', ');
	return undefined;
}

function sameTls(a: FetchOptions, b: FetchOptions): boolean {
	return (
		a.ca === b.ca &&
		a.cert === b.cert &&
		a.key === b.key &&
		a.insecureSkipTlsVerify === b.insecureSkipTlsVerify &&
		a.servername === b.servername &&
		a.proxy === b.proxy
	);
}

function loadConfig(Config: typeof KubeConfig, options: KubeConnectionOptions): { kc: KubeConfig; source: string } {
	const kc = new Config();
	if (options.kubeconfig) {
		try {
			kc.loadFromFile(options.kubeconfig);
		} catch (error) {
			throw new ConfigError(`Cannot load kubeconfig "${options.kubeconfig}": ${error instanceof Error ? error.message : String(error)}`, {
				cause: error,
			});
		}
		return { kc, source: options.kubeconfig };
	}
	const host = options.serviceHost ?? '';
	const port = options.servicePort ?? '';
	if (host === '' || port === '') {
		throw new ConfigError(
			'Cannot find the Kubernetes API server: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not both set and no kubeconfig was given',
		);
	}
	kc.loadFromCluster(options.serviceAccountRoot ?? '');
	// loadFromCluster reads the host and port from process.env; ours come from the config (flag or env).
	const cluster = kc.getCurrentCluster();
	const user = kc.getCurrentUser();
	if (cluster === null || user === null) throw new ConfigError('Cannot load the in-cluster Kubernetes configuration: no cluster or user');
	kc.loadFromClusterAndUser({ ...cluster, server: inClusterServer(host, port) }, user);
	return { kc, source: 'in-cluster' };
}

/**
 * Loads the configuration and returns the server, a transport and the auth
 * headers. Throws ConfigError when there is no usable configuration; the
 * first call to KubeConfig (reading the CA, the token, running an exec
 * plugin) happens here, so a broken setup fails at startup.
 */
export async function connectKube(
	createFetch: (options: FetchOptions) => FetchFn,
	options: KubeConnectionOptions = {},
): Promise<KubeConnection> {
	// Loaded here, not at start: client-node's config.js and what it imports (js-yaml, jsonpath-plus,
	// openid-client, oauth4webapi) are evaluated only once the agent asks for the API server, after its
	// first IMDS poll is on the way (the bundle wraps a module reached only through import() in a lazy initializer).
	const { KubeConfig: Config, applyCredentials } = await import('./client-node-adapter.ts');
	const { kc, source } = loadConfig(Config, options);
	const cluster = kc.getCurrentCluster();
	if (cluster === null) throw new ConfigError(`Cannot load the Kubernetes configuration from ${source}: no current cluster`);
	const server = cluster.server;
	const cacheMs = options.cacheMs ?? 10_000;
	const now = options.now ?? (() => performance.now());

	async function read(): Promise<Material> {
		const request: CredentialsRequest = {};
		await applyCredentials(kc, request);
		const headers: Record<string, string> = {};
		for (const [name, value] of Object.entries(request.headers ?? {})) {
			const text = headerText(value);
			if (text !== undefined) headers[name.toLowerCase()] = text;
		}
		if (request.auth !== undefined) headers['authorization'] = `Basic ${btoa(request.auth)}`;
		const current = kc.getCurrentCluster();
		const tls: FetchOptions = {
			ca: pem(request.ca),
			cert: pem(request.cert),
			key: pem(request.key),
			insecureSkipTlsVerify: request.rejectUnauthorized === false || current?.skipTLSVerify === true,
			servername: current?.tlsServerName ?? request.servername,
			proxy: current?.proxyUrl ?? options.proxy,
		};
		return { headers, tls, at: now() };
	}

	let material: Material;
	try {
		material = await read();
	} catch (error) {
		throw new ConfigError(`Cannot load Kubernetes credentials from ${source}: ${error instanceof Error ? error.message : String(error)}`, {
			cause: error,
		});
	}
	let transport = createFetch(material.tls);
	let pending: Promise<Material> | undefined;

	async function refresh(): Promise<Material> {
		if (now() - material.at < cacheMs) return material;
		// Concurrent requests share one refresh (an exec plugin must not run once per request).
		pending ??= read()
			.then((next) => {
				if (!sameTls(next.tls, material.tls)) transport = createFetch(next.tls);
				material = next;
				return next;
			})
			.finally(() => {
				pending = undefined;
			});
		return pending;
	}

	return {
		server,
		source,
		fetch: async (input, init) => {
			await refresh();
			return transport(input, init);
		},
		authHeaders: async () => (await refresh()).headers,
		invalidate: () => {
			material = { ...material, at: Number.NEGATIVE_INFINITY };
		},
	};
}
