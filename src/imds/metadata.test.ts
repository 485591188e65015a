import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../log/logger.ts';
import { createImdsClient } from './client.ts';
import { fetchInstanceMetadata } from './metadata.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';
import { fakeFetch, type RecordedRequest, refused } from '../../test/support/fake-fetch.ts';
import { recordingMetrics } from '../../test/support/fake-imds.ts';
import { emptyInstanceMetadata } from './types.ts';

/** The document AEMM v1.13.0 serves (same keys as real IMDS, nulls included). */
const identityDocument = JSON.stringify({
	accountId: '0123456789',
	architecture: 'x86_64',
	availabilityZone: 'us-east-1a',
	billingProducts: null,
	imageId: 'ami-0b69ea66ff7391e80',
	instanceId: 'i-1234567890abcdef0',
	instanceType: 'm4.xlarge',
	kernelId: null,
	pendingTime: '2020-04-13T20:15:20Z',
	privateIp: '172.16.34.43',
	region: 'us-east-1',
	version: '2017-09-30',
});

const paths: Record<string, string> = {
	'/latest/meta-data/instance-id': 'i-0fallback',
	'/latest/meta-data/instance-type': 't3.large',
	'/latest/meta-data/local-ipv4': '10.0.0.7',
	'/latest/meta-data/placement/availability-zone': 'eu-west-1b',
	'/latest/meta-data/instance-life-cycle': 'spot',
	'/latest/meta-data/local-hostname': 'ip-10-0-0-7.eu-west-1.compute.internal',
	'/latest/meta-data/public-hostname': 'ec2-1-2-3-4.eu-west-1.compute.amazonaws.com',
	'/latest/meta-data/public-ipv4': '1.2.3.4',
};

/** IMDSv1 serving `paths` plus the identity document answer given. */
function imds(document: () => Response, overrides: Record<string, Response | undefined> = {}) {
	return (request: RecordedRequest): Response => {
		if (request.method === 'PUT') return new Response('', { status: 404 });
		if (request.path === '/latest/dynamic/instance-identity/document') return document();
		if (request.path in overrides) return overrides[request.path] ?? new Response('', { status: 404 });
		const body = paths[request.path];
		return body === undefined ? new Response('<html>404</html>', { status: 404 }) : new Response(body);
	};
}

async function run(handler: (request: RecordedRequest) => Response, controller = new AbortController()) {
	const clock = fakeClock();
	const fake = fakeFetch(handler);
	const log = memoryLogger();
	const { metrics, record } = recordingMetrics();
	const client = createImdsClient({
		fetch: fake.fetch,
		baseUrl: 'http://imds',
		ipv6Fallback: false,
		tries: 3,
		log,
		metrics,
		now: clock.now,
		sleep: clock.sleep,
		random: () => 0,
	});
	const metadata = await clock.run(fetchInstanceMetadata(client, controller.signal, { log, metrics }));
	return { metadata, fake, log, record };
}

const metadata = suite('fetchInstanceMetadata()');

metadata('takes the identity document, then life cycle and host names from their paths', async () => {
	const { metadata: result, log, fake } = await run(imds(() => new Response(identityDocument)));
	assert.equal(result, {
		accountId: '0123456789',
		instanceId: 'i-1234567890abcdef0',
		instanceLifeCycle: 'spot',
		instanceType: 'm4.xlarge',
		publicHostname: 'ec2-1-2-3-4.eu-west-1.compute.amazonaws.com',
		publicIp: '1.2.3.4',
		localHostname: 'ip-10-0-0-7.eu-west-1.compute.internal',
		privateIp: '172.16.34.43',
		availabilityZone: 'us-east-1a',
		region: 'us-east-1',
	});
	assert.not.ok(
		fake.requests.some((r) => r.path === '/latest/meta-data/instance-id'),
		'no fallback reads',
	);
	const line = log.lines.find((l) => l.includes('Startup Metadata Retrieved'));
	assert.ok(line?.includes('INF Startup Metadata Retrieved metadata={"accountId":"0123456789","instanceId":"i-1234567890abcdef0"'));
});

metadata('falls back to the individual paths when the document is not JSON; region is the zone minus its letter', async () => {
	const { metadata: result, log } = await run(imds(() => new Response('<html>oops</html>')));
	assert.equal(result, {
		accountId: '',
		instanceId: 'i-0fallback',
		instanceLifeCycle: 'spot',
		instanceType: 't3.large',
		publicHostname: 'ec2-1-2-3-4.eu-west-1.compute.amazonaws.com',
		publicIp: '1.2.3.4',
		localHostname: 'ip-10-0-0-7.eu-west-1.compute.internal',
		privateIp: '10.0.0.7',
		availabilityZone: 'eu-west-1b',
		region: 'eu-west-1',
	});
	assert.ok(log.lines.some((l) => l.includes('WRN Unable to fetch instance identity document from ec2 metadata')));
});

metadata('falls back when a document field has the wrong type (Go decode error)', async () => {
	const { metadata: result } = await run(imds(() => new Response('{"instanceId":42,"region":"us-east-1"}')));
	assert.is(result.instanceId, 'i-0fallback');
	assert.is(result.region, 'eu-west-1');
});

metadata('falls back when the document path answers 404 (NTH gives up here)', async () => {
	const { metadata: result } = await run(imds(() => new Response('', { status: 404 })));
	assert.is(result.instanceId, 'i-0fallback');
});

metadata('leaves missing values empty: public ones silently, others with a log line', async () => {
	const { metadata: result, log } = await run(
		imds(() => new Response(identityDocument), {
			'/latest/meta-data/public-hostname': undefined,
			'/latest/meta-data/public-ipv4': undefined,
			'/latest/meta-data/local-hostname': undefined,
		}),
	);
	assert.is(result.publicHostname, '');
	assert.is(result.publicIp, '');
	assert.is(result.localHostname, '');
	const statusLines = log.lines.filter((l) => l.includes('Metadata response status code'));
	assert.equal(statusLines, ['1970/01/01 00:00:00 INF Metadata response status code: 404 path=/latest/meta-data/local-hostname']);
});

metadata('an empty zone gives an empty region', async () => {
	const { metadata: result } = await run(
		imds(() => new Response('not json'), { '/latest/meta-data/placement/availability-zone': new Response('') }),
	);
	assert.is(result.availabilityZone, '');
	assert.is(result.region, '');
});

metadata('returns empty metadata, without a request per path, when IMDS cannot be reached', async () => {
	const { metadata: result, fake, log, record } = await run(() => refused());
	assert.equal(result, emptyInstanceMetadata);
	assert.ok(fake.requests.every((r) => r.method === 'PUT' || r.path === '/latest/dynamic/instance-identity/document'));
	assert.ok(log.lines.some((l) => l.includes('ERR Unable to fetch metadata from IMDS')));
	assert.not.ok(log.lines.some((l) => l.includes('Startup Metadata Retrieved')));
	assert.ok(record.errorCaught.includes('imds'));
});

metadata('rejects when the signal aborts', async () => {
	const controller = new AbortController();
	controller.abort(new Error('stop'));
	try {
		await run(
			imds(() => new Response(identityDocument)),
			controller,
		);
		assert.unreachable('should reject');
	} catch (error) {
		assert.is((error as Error).message, 'stop');
	}
});

metadata.run();
