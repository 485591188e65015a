import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { countAudit, serviceAccountUser } from '../../bench/drain-audit.ts';

// bench:drain's request counts come from these: a miscount would move every
// requests-per-pod figure the README quotes.
const audit = suite('bench/drain-audit: requests per ServiceAccount from the audit log');

const nth = serviceAccountUser('nth-agent');
const at = (ms: number): string => new Date(ms).toISOString();

function line(fields: {
	user?: string;
	stage?: string;
	verb: string;
	resource?: string;
	subresource?: string;
	code?: number;
	ms: number;
	uri?: string;
}): string {
	return JSON.stringify({
		kind: 'Event',
		level: 'Metadata',
		stage: fields.stage ?? 'ResponseComplete',
		verb: fields.verb,
		requestURI: fields.uri ?? `/api/v1/${fields.resource ?? 'x'}`,
		user: { username: fields.user ?? nth, groups: ['system:serviceaccounts'] },
		...(fields.resource === undefined
			? {}
			: {
					objectRef: {
						resource: fields.resource,
						...(fields.subresource === undefined ? {} : { subresource: fields.subresource }),
						namespace: 'a',
						apiVersion: 'v1',
					},
				}),
		responseStatus: { metadata: {}, code: fields.code ?? 200 },
		requestReceivedTimestamp: at(fields.ms),
		stageTimestamp: at(fields.ms + 5),
	});
}

audit('counts by verb and resource/subresource, the 429s apart from other errors', () => {
	const text = [
		line({ verb: 'create', resource: 'pods', subresource: 'eviction', code: 201, ms: 1000 }),
		line({ verb: 'create', resource: 'pods', subresource: 'eviction', code: 429, ms: 1100 }),
		line({ verb: 'create', resource: 'pods', subresource: 'eviction', code: 429, ms: 1200 }),
		line({ verb: 'get', resource: 'pods', code: 404, ms: 1300 }),
		line({ verb: 'get', resource: 'pods', ms: 1400 }),
		line({ verb: 'get', uri: '/version', ms: 1500 }),
	].join('\n');
	const count = countAudit(text, nth, 0, 10_000);
	assert.is(count.total, 6);
	assert.equal(count.byKind, { 'create pods/eviction': 3, 'get pods': 2, 'get /version': 1 });
	assert.is(count.tooManyRequests, 2);
	assert.equal(count.errors, { '404': 1 });
});

audit('a watch counts once (its ResponseStarted stage is skipped), other users and the time outside the window not at all', () => {
	const text = [
		line({ verb: 'watch', resource: 'pods', stage: 'ResponseStarted', ms: 2000 }),
		line({ verb: 'watch', resource: 'pods', ms: 2000 }),
		line({ verb: 'get', resource: 'pods', user: serviceAccountUser('upstream'), ms: 2100 }),
		line({ verb: 'get', resource: 'pods', ms: 999 }),
		line({ verb: 'get', resource: 'pods', ms: 3001 }),
		line({ verb: 'get', resource: 'pods', ms: 3000 }),
	].join('\n');
	const count = countAudit(text, nth, 1000, 3000);
	assert.equal(count.byKind, { 'watch pods': 1, 'get pods': 1 });
	assert.is(count.total, 2);
});

audit('a line cut mid-write and lines that are not audit events are skipped', () => {
	const whole = line({ verb: 'list', resource: 'pods', ms: 5000 });
	const text = `${whole}\n{"not":"an event"}\n${whole.slice(0, 40)}`;
	assert.equal(countAudit(text, nth, 0, 10_000).byKind, { 'list pods': 1 });
});

audit('the bench namespace is the one the audit policy of test/real/up.sh records', async () => {
	const { readFile } = await import('node:fs/promises');
	const upSh = await readFile(new URL('../real/up.sh', import.meta.url), 'utf8');
	assert.match(upSh, /userGroups: \["system:serviceaccounts:nth-bench"\]/);
	assert.is(serviceAccountUser('x'), 'system:serviceaccount:nth-bench:x');
});

audit.run();
