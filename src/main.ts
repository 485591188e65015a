/**
 * @module The `nth` command line: the only place that exits.
 *
 *   nth [run] [settings...]        run the agent (default)
 *   nth doctor [settings...]       preflight: IMDS, node, RBAC, webhook template
 *   nth webhook render --template FILE --event FILE
 *   nth --help | --version
 */
import { runAgent } from './agent.ts';
import { parseGoArgs } from './config/argv.ts';
import { type LoadedConfig, loadConfig } from './config/load.ts';
import { isConfigError } from './errors.ts';
import { detectRuntime } from './runtime/detect.ts';
import type { Runtime } from './runtime/types.ts';
import { commit, flavour, version } from './version.ts';

function versionLine(runtime: Runtime): string {
	return `nth ${version} (commit ${commit}, ${flavour}, ${runtime.name} ${runtime.version})`;
}

/** Loads the settings from the environment and `flags` (long flag name → value) and runs `work`; a bad setting exits 2. */
async function withConfig(
	runtime: Runtime,
	flags: Record<string, unknown>,
	work: (loaded: LoadedConfig) => Promise<number>,
): Promise<number> {
	try {
		return await work(loadConfig({ env: runtime.env(), flags }));
	} catch (error) {
		if (isConfigError(error)) {
			runtime.writeStderr(`${error.message}\n`);
			return 2;
		}
		throw error;
	}
}

/** Runs the agent with the settings from the environment and `flags`. */
function run(runtime: Runtime, flags: Record<string, unknown>): Promise<number> {
	return withConfig(runtime, flags, (loaded) => runAgent(runtime, loaded));
}

async function main(runtime: Runtime): Promise<number> {
	const args = runtime.args();
	// How the DaemonSet (no arguments) and the systemd unit (`run`) start it: no
	// command-line parser needed, so cac and the settings' help texts are
	// imported only for a real command line (measured: packaging/README.md).
	if (args.length === 0 || (args.length === 1 && args[0] === 'run')) return await run(runtime, {});
	const [{ cac }, { registerSettings }] = await Promise.all([import('cac'), import('./config/help.ts')]);
	// The settings (and render's --template/--event) are read here, as raw text, the way Go's flag package reads them; cac gets the rest.
	const { flags, rest } = parseGoArgs(args, args[0] === 'webhook' ? ['template', 'event'] : []);
	const settingFlags = Object.fromEntries(Object.entries(flags).filter(([name]) => name !== 'template' && name !== 'event'));
	const cli = cac('nth');
	let exitCode = 0;
	let action: Promise<number> | undefined;

	registerSettings(cli.command('', 'Run the agent (the default command)'))
		.usage('[run] [--setting=value ...]   (each setting also reads its env var; a flag wins over the env var)')
		.example('NODE_NAME=ip-10-0-0-1.ec2.internal nth --taint-node --enable-rebalance-monitoring')
		.example('nth doctor --kubeconfig /var/lib/kubelet/kubeconfig')
		.example('nth webhook render --template slack.tmpl --event event.json')
		.action(() => {
			action = run(runtime, settingFlags);
		});
	registerSettings(cli.command('run', 'Run the agent')).action(() => {
		action = run(runtime, settingFlags);
	});
	registerSettings(
		cli.command(
			'doctor',
			'Check IMDS (and the IMDSv2 hop limit), the node, RBAC and the webhook template with these settings; changes nothing',
		),
	).action(() => {
		action = withConfig(runtime, settingFlags, async (loaded) => (await import('./doctor/command.ts')).doctorCommand(runtime, loaded));
	});
	cli
		.command('webhook <action>', 'Webhook tools. "render": print the exact body that would be sent for an event')
		.option('--template <file>', 'Template file (Go text/template + Sprig)')
		.option('--event <file>', 'Event JSON with NTH template field names (EventID, Kind, NodeName, Pods, NodeLabels, StartTime…)')
		.action((name: string) => {
			action = (async () => {
				if (name !== 'render') {
					runtime.writeStderr(`Cannot run "webhook ${name}": the only action is "render"\n`);
					return 2;
				}
				const { renderCommand } = await import('./notify/render-command.ts');
				return await renderCommand(runtime, { template: flags['template'], event: flags['event'] });
			})();
		});

	cli.help();
	cli.option('-v, --version', 'Print version, commit and runtime');
	if (args.includes('--version') || args.includes('-v') || args[0] === 'version') {
		runtime.writeStdout(`${versionLine(runtime)}\n`);
		return 0;
	}
	try {
		cli.parse(['nth', 'nth', ...rest]);
	} catch (error) {
		// cac throws for unknown options and missing values: a usage error.
		runtime.writeStderr(`${error instanceof Error ? error.message : String(error)}\nRun "nth --help" for the settings.\n`);
		return 2;
	}
	if (action) exitCode = await action;
	return exitCode;
}

const runtime = detectRuntime();
main(runtime).then(
	(code) => runtime.exit(code),
	(error: unknown) => {
		runtime.writeStderr(`Cannot run nth: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		runtime.exit(1);
	},
);
