/**
 * @module `nth webhook render` (placeholder until the template engine lands).
 */
import type { Runtime } from '../runtime/types.ts';

export async function renderCommand(runtime: Runtime, _options: { template: unknown; event: unknown }): Promise<number> {
	runtime.writeStderr('Cannot render a webhook: the template engine is not built yet\n');
	return 1;
}
