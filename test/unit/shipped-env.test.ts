// The e2e tier, the demo and the benchmarks run an executable with the
// environment it ships with (scripts/flavours.mjs, recorded in dist/build.json
// by the build): Bun with its JIT off, as the image and the systemd unit run it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
// @ts-expect-error: plain ESM script without type declarations
import * as flavoursModule from '../../scripts/flavours.mjs';
import { shippedEnv } from '../e2e/agent-process.ts';

const Env = v.record(v.string(), v.string());
const { bunRuntimeEnv, flavours } = v.parse(
	v.object({ bunRuntimeEnv: Env, flavours: v.object({ bun: v.object({ env: Env }), node: v.object({ env: Env }) }) }),
	{ ...flavoursModule },
);

const test = suite('shipped runtime environment');
const dist = mkdtempSync(join(tmpdir(), 'nth-shipped-env-'));
test.after(() => rmSync(dist, { recursive: true, force: true }));

writeFileSync(
	join(dist, 'build.json'),
	JSON.stringify({
		defaultFlavour: 'bun',
		executables: {
			'nth-bun-linux-x64': { flavour: 'bun', arch: 'x64', env: flavours.bun.env },
			'nth-node-linux-x64': { flavour: 'node', arch: 'x64', env: flavours.node.env },
			'nth-pkg-linux-x64': { flavour: 'pkg', arch: 'x64' },
		},
	}),
);

test('the Bun flavour ships with its JIT off', () => {
	assert.is(bunRuntimeEnv['BUN_JSC_useJIT'], '0');
	assert.is(bunRuntimeEnv['BUN_GC_TIMER_DISABLE'], '1', "Bun's GC timer off (idle CPU)");
	assert.is(bunRuntimeEnv['MIMALLOC_PURGE_DELAY'], '0', 'mimalloc purges at once: no scavenger wake-ups (idle CPU)');
	assert.equal(flavours.bun.env, bunRuntimeEnv);
	assert.equal(flavours.node.env, {});
});

test("dist/nth (a copy of the default) runs with the default flavour's environment", () => {
	assert.equal(shippedEnv(join(dist, 'nth')), bunRuntimeEnv);
	assert.equal(shippedEnv(join(dist, 'nth-bun-linux-x64')), bunRuntimeEnv);
});

test('the Node executables, an entry without env and an unknown file run bare', () => {
	assert.equal(shippedEnv(join(dist, 'nth-node-linux-x64')), {});
	assert.equal(shippedEnv(join(dist, 'nth-pkg-linux-x64')), {});
	assert.equal(shippedEnv(join(dist, 'something-else')), {});
	assert.equal(shippedEnv(join(tmpdir(), 'no-build-json-here', 'nth')), {});
});

test.run();
