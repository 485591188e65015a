import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeConfig, kubeConfigImports, kubeConfigModule, privateApplyOptions } from './client-node-adapter.ts';

// These fail on a client-node upgrade that moves an internal nth relies on; each message says what moved and
// what to review. They read client-node's installed files and scripts/build.mjs, nothing else.
const adapter = suite('client-node adapter (pinned internals)');

const upgradeHint = 'review src/kube/client-node-adapter.ts and scripts/build.mjs (kubeConfigTrims, leftOut) for this client-node version';

async function kubeConfigSource(): Promise<string> {
	return readFile(fileURLToPath(import.meta.resolve(kubeConfigModule)), 'utf8');
}

/** Specifier → imported names of every static import in an ES module's text. */
function staticImports(source: string): Record<string, string[]> {
	const found: Record<string, string[]> = {};
	for (const match of source.matchAll(/^import\s+([\s\S]+?)\s+from\s+'([^']+)';/gm)) {
		const [, clause = '', specifier = ''] = match;
		const named = /\{([\s\S]*)\}/.exec(clause);
		const names = named
			? (named[1] ?? '')
					.split(',')
					.map((name) => name.trim().split(/\s+as\s+/)[0] ?? '')
					.filter((name) => name !== '')
			: ['default'];
		found[specifier] = [...(found[specifier] ?? []), ...names];
	}
	return found;
}

adapter('the deep import of KubeConfig resolves to a module that exports the class', async () => {
	const own = await readFile(new URL('./client-node-adapter.ts', import.meta.url), 'utf8');
	assert.ok(own.includes(`from '${kubeConfigModule}';`), 'kubeConfigModule must be the specifier the adapter imports');
	let resolved = '';
	try {
		resolved = import.meta.resolve(kubeConfigModule);
	} catch (error) {
		assert.unreachable(`client-node no longer has "${kubeConfigModule}" (${String(error)}): ${upgradeHint}`);
	}
	assert.match(resolved, /\/@kubernetes\/client-node\/dist\/config\.js$/);
	assert.type(KubeConfig, 'function');
	assert.match(
		await kubeConfigSource(),
		/^export class KubeConfig\b/m,
		`"${kubeConfigModule}" no longer defines KubeConfig: ${upgradeHint}`,
	);
});

adapter('KubeConfig still has the private applyOptions(opts) that applyToHTTPSOptions calls before building its agent', () => {
	const method: unknown = Reflect.get(KubeConfig.prototype, privateApplyOptions.name);
	assert.type(method, 'function', `KubeConfig.prototype.${privateApplyOptions.name} is gone: ${upgradeHint}`);
	assert.is(
		(method as (...args: unknown[]) => unknown).length,
		privateApplyOptions.arity,
		`KubeConfig.prototype.${privateApplyOptions.name} takes a different number of parameters: ${upgradeHint}`,
	);
	// applyCredentials re-does what applyToHTTPSOptions adds around applyOptions (basic auth); if that changes, so must it.
	const publicPath = String(Reflect.get(KubeConfig.prototype, 'applyToHTTPSOptions'));
	assert.ok(
		publicPath.includes(`this.${privateApplyOptions.name}(`),
		`applyToHTTPSOptions no longer calls ${privateApplyOptions.name}: ${upgradeHint}`,
	);
	assert.ok(
		/user\.username/.test(publicPath) && /user\.password/.test(publicPath),
		`applyToHTTPSOptions no longer sets basic auth from user.username/password: ${upgradeHint}`,
	);
});

adapter('dist/config.js imports exactly what the adapter and the build trims expect', async () => {
	const actual = staticImports(await kubeConfigSource());
	const differences: string[] = [];
	for (const [specifier, names] of Object.entries(actual)) {
		const expected = kubeConfigImports[specifier];
		if (expected === undefined) differences.push(`new import "${specifier}" { ${names.join(', ')} }`);
		else for (const name of names) if (!expected.includes(name)) differences.push(`new name ${name} from "${specifier}"`);
	}
	for (const [specifier, names] of Object.entries(kubeConfigImports)) {
		const got = actual[specifier];
		if (got === undefined) differences.push(`no longer imports "${specifier}"`);
		else for (const name of names) if (!got.includes(name)) differences.push(`no longer imports ${name} from "${specifier}"`);
	}
	assert.equal(differences, [], `client-node's ${kubeConfigModule} imports changed (${differences.join('; ')}): ${upgradeHint}`);
});

adapter(
	'every module scripts/build.mjs replaces for KubeConfig is one it imports, and the stub exports every name it imports',
	async () => {
		const build = await readFile(new URL('../../scripts/build.mjs', import.meta.url), 'utf8');
		const block = /const kubeConfigTrims = \{\n([\s\S]*?)\n\};/.exec(build)?.[1];
		assert.ok(block, 'scripts/build.mjs has no kubeConfigTrims object');
		const stubs = new Map<string, string[]>();
		let current: string[] | undefined;
		for (const line of block.split('\n')) {
			const key = /^\t'?([^'\s:]+)'?: \[/.exec(line)?.[1];
			if (key !== undefined) stubs.set(key, (current = []));
			for (const match of line.matchAll(/export (?:const|class|function) (\w+)/g)) current?.push(match[1] ?? '');
		}
		assert.equal([...stubs.keys()].sort(), ['./gen/index.js', 'hpagent', 'socks-proxy-agent']);
		const actual = staticImports(await kubeConfigSource());
		for (const [specifier, exported] of stubs) {
			const imported = actual[specifier];
			assert.ok(
				imported,
				`scripts/build.mjs kubeConfigTrims replaces "${specifier}", which ${kubeConfigModule} no longer imports: ${upgradeHint}`,
			);
			const missing = imported.filter((name) => !exported.includes(name));
			assert.equal(
				missing,
				[],
				`the "${specifier}" stub in scripts/build.mjs lacks ${missing.join(', ')}, which ${kubeConfigModule} imports: ${upgradeHint}`,
			);
		}
		const leftOut = [...(/const leftOut = \[([^\]]*)\]/.exec(build)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((match) => match[1] ?? '');
		assert.ok(leftOut.length > 0, 'scripts/build.mjs has no leftOut list');
		// Of the left-out packages KubeConfig imports only node-fetch's Headers, used by applyToFetchOptions alone, which nth never calls.
		assert.equal(
			Object.keys(actual).filter((specifier) => leftOut.includes(specifier)),
			['node-fetch'],
			`${kubeConfigModule} imports a different set of the packages scripts/build.mjs leaves out: ${upgradeHint}`,
		);
		const source = await kubeConfigSource();
		const headersUses = [...source.matchAll(/new Headers\(/g)].map((match) => match.index);
		const fetchOptions = source.indexOf('async applyToFetchOptions(');
		const next = source.indexOf('\n    async ', fetchOptions + 1);
		assert.ok(
			headersUses.length > 0 && headersUses.every((index) => index > fetchOptions && index < next),
			`${kubeConfigModule} uses node-fetch's Headers outside applyToFetchOptions: ${upgradeHint}`,
		);
	},
);

adapter.run();
