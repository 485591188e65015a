import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { HttpHandler } from '../runtime/types.ts';
import { createMetricsHandler } from './metrics-handler.ts';

async function call(handler: HttpHandler, path: string, method = 'GET'): Promise<{ status: number; body: string; type: string | null }> {
	const response = await handler(new Request(`http://agent${path}`, { method }));
	return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

const metricsHandler = suite('createMetricsHandler()');

metricsHandler('serves the exposition at /metrics only', async () => {
	const handler = createMetricsHandler(() => 'up 1\n');
	assert.equal(await call(handler, '/metrics'), { status: 200, body: 'up 1\n', type: 'text/plain; version=0.0.4; charset=utf-8' });
	assert.is((await call(handler, '/healthz')).status, 404);
	assert.is((await call(handler, '/metrics', 'POST')).status, 405);
});

metricsHandler.run();
