/**
 * @module The /metrics endpoint: the only path on the metrics port.
 */
import { expositionContentType } from '../metrics/exposition.ts';
import type { HttpHandler } from '../runtime/types.ts';

export const metricsPath = '/metrics';

/** Serves `render()` at GET/HEAD /metrics; 404 elsewhere, 405 for other methods. */
export function createMetricsHandler(render: () => string): HttpHandler {
	return (request) => {
		if (new URL(request.url).pathname !== metricsPath) {
			return new Response('404 page not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
		}
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			return new Response('Method not allowed\n', {
				status: 405,
				headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
			});
		}
		return new Response(request.method === 'HEAD' ? null : render(), { status: 200, headers: { 'content-type': expositionContentType } });
	};
}
