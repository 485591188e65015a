/**
 * @module Every reach into @kubernetes/client-node's internals, in one place.
 *
 * nth uses client-node for one thing: KubeConfig (loading a kubeconfig or the
 * service account, and handing out auth headers and TLS material). Three
 * things here rely on client-node 1.4.0's internals rather than its public
 * API; client-node-adapter.test.ts fails, naming what changed, when an
 * upgrade moves any of them:
 * 1. the deep import `dist/config.js` (below);
 * 2. the private method `applyOptions` ({@link applyCredentials});
 * 3. the imports of dist/config.js that scripts/build.mjs replaces in the
 *    bundle (`kubeConfigTrims`, `leftOut`; {@link kubeConfigImports}).
 */
// 1. The KubeConfig module itself, not the package index: the index re-exports the generated API, Watch,
// exec, cp... which would all load (and be bundled) with it; nth needs none of them (src/kube has its own client).
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';

export { KubeConfig };

/** The deep import above, for the adapter's test (the specifier must stay a literal in the import). */
export const kubeConfigModule = '@kubernetes/client-node/dist/config.js';

/** The private KubeConfig method {@link applyCredentials} calls, and how many parameters it takes. */
export const privateApplyOptions = { name: 'applyOptions', arity: 1 } as const;

/**
 * What dist/config.js imports, by specifier, with the names it imports (client-node 1.4.0). scripts/build.mjs
 * replaces some of these in the bundle, relying on KubeConfig using them only on paths nth never takes:
 * `./gen/index.js` (createConfiguration, ServerConfiguration: makeApiClient only), `socks-proxy-agent`
 * (an agent nth never uses), `hpagent` (deferred, not removed), and `node-fetch` (left out; `Headers` serves
 * applyToFetchOptions only). A new import, or a new name from a replaced one, may land on a stub that throws
 * at run time: the test lists such a change so the trims are reviewed with the upgrade.
 */
export const kubeConfigImports: Readonly<Record<string, readonly string[]>> = {
	'node:fs': ['default'],
	'node:https': ['default'],
	'node:http': ['default'],
	'js-yaml': ['default'],
	'node:net': ['default'],
	'node:path': ['default'],
	'node-fetch': ['Headers'],
	'./azure_auth.js': ['AzureAuth'],
	'./config_types.js': ['exportCluster', 'exportContext', 'exportUser', 'newClusters', 'newContexts', 'newUsers'],
	'./exec_auth.js': ['ExecAuth'],
	'./file_auth.js': ['FileAuth'],
	'./gcp_auth.js': ['GoogleCloudPlatformAuth'],
	'./gen/index.js': ['createConfiguration', 'ServerConfiguration'],
	'./oidc_auth.js': ['OpenIDConnectAuth'],
	'node:child_process': ['default'],
	'socks-proxy-agent': ['SocksProxyAgent'],
	hpagent: ['HttpProxyAgent', 'HttpsProxyAgent'],
};

/** What KubeConfig fills in for a request: headers, TLS material, basic auth. */
export interface CredentialsRequest {
	headers?: Record<string, unknown>;
	ca?: unknown;
	cert?: unknown;
	key?: unknown;
	rejectUnauthorized?: boolean;
	servername?: string;
	auth?: string;
}

/**
 * 2. Fills `request` with the current user's headers (token, exec plugin, auth
 * provider, impersonation) and TLS material.
 *
 * KubeConfig does that in `applyOptions`; its public `applyToHTTPSOptions`
 * calls it, sets basic auth, and then builds an https.Agent (or a proxy agent)
 * for the caller's requests. nth never uses that agent (its transport is its
 * own, built from the same material), and building one loads node:https, which
 * nth's Bun executable otherwise never loads (scripts/build.mjs lazyBuiltins;
 * measured in packaging/README.md). So this calls `applyOptions` (private in
 * client-node 1.4.0's typings) and sets basic auth as applyToHTTPSOptions does;
 * without that method it takes the public path.
 */
export async function applyCredentials(kc: KubeConfig, request: CredentialsRequest): Promise<void> {
	const applyOptions: unknown = Reflect.get(kc, privateApplyOptions.name);
	if (typeof applyOptions !== 'function') {
		// KubeConfig's typing wants https.RequestOptions; this is the subset it fills.
		await kc.applyToHTTPSOptions(request as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
		return;
	}
	await Reflect.apply(applyOptions, kc, [request]);
	const user = kc.getCurrentUser();
	if (user?.username) request.auth = `${user.username}:${user.password}`;
}
