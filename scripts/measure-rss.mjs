// Memory is a product feature: this runs nth executables against AEMM (the
// fake IMDS) and the real local apiserver, idle for a while and then through
// one spot-interruption drain, and prints RSS, anonymous memory, JS heap,
// threads and CPU time for each.
//
//   node scripts/measure-rss.mjs [--idle=60] [--drain-timeout=90] [--only=substr,...]
//                                [--levers] [--json=FILE] [--pods=4]
//
// Executables: every linux-x64 file in dist/build.json (run `npm run build`
// first). --levers also runs the bundle on node/bun/deno with each memory lever
// added one at a time, so each lever's effect is measured, not assumed.
//
// Idle figure: median of the samples in the last half of the idle window (the
// steady state); drain figure: peak while the drain runs. Uses the stack named
// by NTH_REAL_STATE, or brings one up (test/real/up.sh) and down again.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAemm } from '../test/real/aemm.ts';
import { freePort } from '../test/real/free-port.ts';
import { readRealState } from '../test/real/state.ts';
import { bunExecArgv, flavours, nodeExecArgv } from './flavours.mjs';
import { root } from './targets.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const idleSeconds = Number(option('idle', '60'));
const drainTimeoutSeconds = Number(option('drain-timeout', '90'));
const podCount = Number(option('pods', '4'));
const only = option('only', '').split(',').filter(Boolean);
const jsonOut = option('json', '');
const clockTick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
const bun = join(root, 'node_modules', 'bun', 'bin', 'bun.exe');
const deno = join(root, 'node_modules', '.bin', 'deno');
const bundle = join(root, 'dist', 'nth.mjs');

/** What to run: label → argv (+ extra env). */
function subjects() {
	const list = [];
	const manifest = JSON.parse(readFileSync(join(root, 'dist', 'build.json'), 'utf8'));
	for (const [file, info] of Object.entries(manifest.executables)) {
		if (info.arch !== 'x64') continue;
		list.push({
			label: file + (info.flavour === manifest.defaultFlavour ? ' (default)' : ''),
			command: [join(root, 'dist', file)],
			env: {},
		});
		// As the image and the systemd unit run it (Dockerfile.distroless ENV, nth.service Environment).
		const shipped = flavours[info.flavour]?.env ?? {};
		if (Object.keys(shipped).length > 0) {
			const label = Object.entries(shipped)
				.map(([name, value]) => `${name}=${value}`)
				.join(' ');
			list.push({ label: `${file} + ${label} (as shipped)`, command: [join(root, 'dist', file)], env: shipped });
		}
	}
	if (argv.includes('--levers')) {
		const uv = { UV_THREADPOOL_SIZE: '1' };
		const steps = [
			['node bundle, no flags', [], {}],
			['+ --max-semi-space-size=1', ['--max-semi-space-size=1'], {}],
			['+ --max-old-space-size=32', ['--max-semi-space-size=1', '--max-old-space-size=32'], {}],
			['+ --optimize-for-size', ['--max-semi-space-size=1', '--max-old-space-size=32', '--optimize-for-size'], {}],
			[
				'+ --v8-pool-size=0 UV_THREADPOOL_SIZE=1',
				['--max-semi-space-size=1', '--max-old-space-size=32', '--optimize-for-size', '--v8-pool-size=0'],
				uv,
			],
			['+ --lite-mode', [...nodeExecArgv], uv],
		];
		for (const [label, flags, env] of steps) list.push({ label, command: [node24, ...flags, bundle], env });
		list.push({ label: '+ --jitless', command: [node24, ...nodeExecArgv, '--jitless', bundle], env: uv });
		list.push({ label: 'bun bundle, no flags', command: [bun, bundle], env: {} });
		list.push({ label: `bun bundle ${bunExecArgv.join(' ')}`, command: [bun, ...bunExecArgv, bundle], env: {} });
		list.push({ label: 'deno run bundle', command: [deno, 'run', '-A', bundle], env: {} });
	}
	return list.filter((subject) => only.length === 0 || only.some((part) => subject.label.includes(part)));
}

function kubectl(state, args, input) {
	const result = spawnSync('kubectl', ['--kubeconfig', state.kubeconfig, ...args], { encoding: 'utf8', input });
	if (result.status !== 0) throw new Error(`Cannot run "kubectl ${args.join(' ')}": ${result.stderr.trim()}`);
	return result.stdout;
}

/** One /proc sample of a process, or undefined when it is gone. */
function sample(pid) {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return {
			rssKb: field('VmRSS'),
			anonKb: field('RssAnon'),
			hwmKb: field('VmHWM'),
			threads: field('Threads'),
			cpuSeconds: (Number(fields[11]) + Number(fields[12])) / clockTick,
		};
	} catch {
		return undefined; // the process exited; the caller reports that
	}
}

async function heapBytes(port) {
	try {
		const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
		const match = /^nth_heap_used_bytes(?:\{[^}]*\})?\s+([0-9.e+]+)/m.exec(text);
		return match ? Number(match[1]) : undefined;
	} catch {
		return undefined; // metrics not served (yet): the heap column shows "-"
	}
}

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
}

function nodeManifest(name, pods) {
	const rs = {
		apiVersion: 'apps/v1',
		kind: 'ReplicaSet',
		metadata: { name, namespace: 'default' },
		spec: {
			replicas: pods,
			selector: { matchLabels: { app: name } },
			template: {
				metadata: { labels: { app: name } },
				spec: {
					nodeSelector: { 'nth.dev/measure': name },
					terminationGracePeriodSeconds: 5,
					containers: [{ name: 'app', image: 'registry.invalid/app:1' }],
				},
			},
		},
	};
	const node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'nth.dev/measure': name } } };
	return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [node, rs] });
}

function podsOnNode(state, name) {
	const pods = JSON.parse(kubectl(state, ['get', 'pods', '-n', 'default', '-l', `app=${name}`, '-o', 'json']));
	return pods.items.filter((pod) => pod.spec.nodeName === name && !pod.metadata.deletionTimestamp).length;
}

async function measure(state, subject, index) {
	const name = `nth-measure-${process.pid}-${index}`;
	kubectl(state, ['apply', '-f', '-'], nodeManifest(name, podCount));
	const readyBy = Date.now() + 60_000;
	while (podsOnNode(state, name) < podCount) {
		if (Date.now() > readyBy) throw new Error(`Cannot measure "${subject.label}": ${podCount} pods did not start on ${name}`);
		await sleep(500);
	}
	// The spot notice appears after the idle window (AEMM's clock starts now).
	const aemm = await startAemm(['spot', '-a', 'terminate', '-d', String(idleSeconds)]);
	const metricsPort = await freePort();
	const probesPort = await freePort();
	const workdir = mkdtempSync(join(tmpdir(), 'nth-measure-'));
	const logPath = join(workdir, 'agent.log');
	const env = {
		PATH: '/usr/bin:/bin',
		...subject.env,
		NODE_NAME: name,
		KUBECONFIG: state.kubeconfig,
		INSTANCE_METADATA_URL: aemm.url,
		ENABLE_PROMETHEUS_SERVER: 'true',
		PROMETHEUS_SERVER_PORT: String(metricsPort),
		ENABLE_PROBES_SERVER: 'true',
		PROBES_SERVER_PORT: String(probesPort),
		PROBES_SERVER_HOST: '127.0.0.1',
		JSON_LOGGING: 'true',
	};
	const { openSync } = await import('node:fs');
	const out = openSync(logPath, 'w');
	const child = spawn(subject.command[0], subject.command.slice(1), { env, cwd: workdir, stdio: ['ignore', out, out] });
	const samples = [];
	const started = Date.now();
	let idleHeap;
	let drainHeap;
	let drainSeconds;
	let exited = false;
	let exitedEarly = false;
	child.once('exit', () => {
		exited = true;
	});
	try {
		while (Date.now() - started < idleSeconds * 1000 && !exited && !interrupted) {
			const s = sample(child.pid);
			if (s) samples.push({ t: (Date.now() - started) / 1000, phase: 'idle', ...s });
			await sleep(1000);
		}
		idleHeap = await heapBytes(metricsPort);
		const drainStarted = Date.now();
		while (!exited && !interrupted && Date.now() - drainStarted < drainTimeoutSeconds * 1000) {
			const s = sample(child.pid);
			if (s) samples.push({ t: (Date.now() - started) / 1000, phase: 'drain', ...s });
			const node = JSON.parse(kubectl(state, ['get', 'node', name, '-o', 'json']));
			if (node.spec.unschedulable === true && podsOnNode(state, name) === 0) {
				drainSeconds = (Date.now() - drainStarted) / 1000;
				break;
			}
			await sleep(1000);
		}
		drainHeap = await heapBytes(metricsPort);
		exitedEarly = exited;
		const last = sample(child.pid);
		if (last) samples.push({ t: (Date.now() - started) / 1000, phase: 'drain', ...last });
	} finally {
		child.kill('SIGTERM');
		await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(5000)]);
		if (!exited) child.kill('SIGKILL');
		await aemm.stop();
		kubectl(state, ['delete', 'replicaset', name, '-n', 'default', '--wait=false']);
		kubectl(state, ['delete', 'node', name, '--wait=false']);
	}
	const idle = samples.filter((s) => s.phase === 'idle');
	const steady = idle.filter((s) => s.t >= idleSeconds / 2);
	const drain = samples.filter((s) => s.phase === 'drain');
	const lastIdle = idle.at(-1);
	const lastAll = samples.at(-1);
	return {
		label: subject.label,
		command: subject.command.map((part) => part.replace(`${root}/`, '')).join(' '),
		exitedEarly: exitedEarly ? readFileSync(logPath, 'utf8').slice(-800) : undefined,
		idle: {
			rssMb: median(steady.map((s) => s.rssKb)) / 1024,
			anonMb: median(steady.map((s) => s.anonKb)) / 1024,
			heapMb: idleHeap === undefined ? undefined : idleHeap / 1048576,
			threads: lastIdle?.threads,
			cpuSeconds: lastIdle?.cpuSeconds,
		},
		drain: {
			seconds: drainSeconds,
			peakRssMb: Math.max(0, ...drain.map((s) => s.rssKb)) / 1024,
			peakAnonMb: Math.max(0, ...drain.map((s) => s.anonKb)) / 1024,
			heapMb: drainHeap === undefined ? undefined : drainHeap / 1048576,
			threads: lastAll?.threads,
			cpuSeconds: lastAll?.cpuSeconds,
		},
		hwmMb: (lastAll?.hwmKb ?? 0) / 1024,
	};
}

function table(results) {
	const f = (value, digits = 1) => (value === undefined ? '-' : Number(value).toFixed(digits));
	const rows = [['executable', 'idle RSS', 'anon', 'heap', 'thr', 'cpu s', '| drain s', 'peak RSS', 'anon', 'heap', 'cpu s', 'HWM']];
	for (const r of results) {
		rows.push([
			r.label,
			f(r.idle.rssMb),
			f(r.idle.anonMb),
			f(r.idle.heapMb),
			f(r.idle.threads, 0),
			f(r.idle.cpuSeconds, 2),
			`| ${r.drain.seconds === undefined ? 'none' : f(r.drain.seconds)}`,
			f(r.drain.peakRssMb),
			f(r.drain.peakAnonMb),
			f(r.drain.heapMb),
			f(r.drain.cpuSeconds, 2),
			f(r.hwmMb),
		]);
	}
	const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
	return rows
		.map((row) => row.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  '))
		.join('\n');
}

/** Ctrl-C ends the current measurement through its cleanup (agent, AEMM, node, stack) instead of orphaning them. */
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		console.error(`measure: ${signal}, cleaning up`);
		interrupted = true;
	});
}

async function main() {
	if (!existsSync(join(root, 'dist', 'build.json')))
		throw new Error('Cannot measure: dist/build.json is missing; run "npm run build" first');
	let stateDir = process.env.NTH_REAL_STATE;
	let ownStack = false;
	if (!stateDir) {
		const up = spawnSync('bash', [join(root, 'test', 'real', 'up.sh')], {
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'inherit'],
			env: { ...process.env, NTH_REAL_WATCH_PID: String(process.pid) },
		});
		stateDir = up.stdout.trim().split('\n').at(-1);
		if (up.status !== 0 || !stateDir) throw new Error('Cannot measure: test/real/up.sh failed');
		ownStack = true;
	}
	const state = readRealState(stateDir);
	const results = [];
	try {
		const list = subjects();
		console.error(`measure: ${list.length} subjects, ${idleSeconds} s idle + drain of ${podCount} pods each`);
		for (const [index, subject] of list.entries()) {
			if (interrupted) break;
			console.error(`measure: ${subject.label} ...`);
			const result = await measure(state, subject, index);
			if (result.exitedEarly !== undefined) console.error(`measure: ${subject.label} exited early:\n${result.exitedEarly}`);
			results.push(result);
		}
	} finally {
		if (ownStack) spawnSync('bash', [join(root, 'test', 'real', 'down.sh'), stateDir], { stdio: ['ignore', 'ignore', 'inherit'] });
	}
	console.log(`nth memory, ${new Date().toISOString()}, ${idleSeconds} s idle then one spot drain of ${podCount} pods (MB = MiB)`);
	console.log(table(results));
	if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ idleSeconds, podCount, results }, null, 2)}\n`);
}

main().catch((error) => {
	console.error(error instanceof Error ? error.message : String(error));
	process.exit(1);
});
