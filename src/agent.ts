/**
 * @module Wiring: config → clients → monitors → incidents → actions → notifiers.
 * (Being built: for now it starts, logs its configuration and waits for a signal.)
 */
import type { LoadedConfig } from './config/load.ts';
import { createLogger } from './log/logger.ts';
import type { Runtime } from './runtime/types.ts';

export async function runAgent(runtime: Runtime, loaded: LoadedConfig): Promise<number> {
	const { config } = loaded;
	const log = createLogger({ level: config.logLevel, json: config.jsonLogging, stdout: runtime.writeStdout, stderr: runtime.writeStderr });
	for (const warning of loaded.warnings) log.warn(warning);
	log.info('Kubernetes AWS Node Termination Handler has started successfully!');
	await new Promise<void>((resolve) => {
		runtime.onSignal('SIGTERM', resolve);
		runtime.onSignal('SIGINT', resolve);
	});
	return 0;
}
