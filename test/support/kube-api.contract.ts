/**
 * @module The KubeApi contract: the same assertions, run on the in-memory fake
 * (test/unit/kube-api-contract.test.ts, unit tier) and on the real
 * kube-apiserver through the lean client with the agent's RBAC
 * (test/e2e/kube-api-contract.test.ts), so the fake cannot drift from what the
 * apiserver accepts, rejects and answers.
 *
 * Test code only. Each case makes its own uniquely named node/namespace
 * through a {@link ContractWorld} (admin rights on the real stack) and calls
 * the API under test only through `world.api`, as the agent would. Expected
 * messages are written out here, from the apiserver's source, so a wrong
 * message in src/kube/validation.ts fails the e2e run.
 */
import { randomBytes } from 'node:crypto';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { isKubeError, type KubeError } from '../../src/errors.ts';
import type { CoreEventInput, KubeApi } from '../../src/kube/api.ts';

export interface ContractWorld {
	/** The API under test, with the agent's credentials (manifests/ RBAC with events and pdb-delete). */
	readonly api: KubeApi;
	/** Creates a Ready node (cleaned up after the case). */
	node(name: string): Promise<void>;
	/** Creates a namespace (cleaned up after the case); returns its name. */
	namespace(): Promise<string>;
	/** Creates a Running, Ready pod bound to `node`; returns its uid. */
	pod(namespace: string, name: string, node: string, labels: Readonly<Record<string, string>>): Promise<string>;
	/** Creates a PodDisruptionBudget with minAvailable over `labels`, as the disruption controller has observed it. */
	pdb(namespace: string, name: string, labels: Readonly<Record<string, string>>, minAvailable: number): Promise<void>;
	/** Undoes what the case created. */
	cleanup(): Promise<void>;
}

const signal = new AbortController().signal;

/** A name no other case or run uses (DNS-1123, like an EC2 host name). */
function unique(label: string): string {
	return `ip-10-0-${randomBytes(2).readUInt16BE() % 250}-${randomBytes(1).readUInt8() % 250}.contract-${label}-${randomBytes(3).toString('hex')}.ec2.internal`;
}

async function rejection(promise: Promise<unknown>): Promise<KubeError> {
	try {
		await promise;
	} catch (error) {
		if (isKubeError(error)) return error;
		throw error;
	}
	throw new Error('Cannot check the rejection: the call succeeded');
}

/**
 * The distinct causes as comparable tuples, sorted (the apiserver walks label
 * maps in random order). Distinct: v1.36 repeats each cause of a Node update
 * (labels and annotations 4 times, taints twice: the update and create
 * validations both run, see the TODO in ValidateNodeUpdate); its message
 * lists each once, and so does the fake.
 */
function causes(error: KubeError): { reason: string; field: string; message: string }[] {
	const distinct = new Map(
		error.causes.map((cause) => {
			const tuple = { reason: cause.reason ?? '', field: cause.field ?? '', message: cause.message ?? '' };
			return [JSON.stringify(tuple), tuple] as const;
		}),
	);
	return [...distinct.values()].sort((a, b) => `${a.field}${a.message}`.localeCompare(`${b.field}${b.message}`));
}

const labelValueRegexMessage =
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const labelKeyNameRegexMessage =
	"name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

function nodeEvent(node: string, name: string, namespace = 'default'): CoreEventInput {
	const now = new Date().toISOString();
	return {
		name,
		namespace,
		involvedObject: { kind: 'Node', name: node, apiVersion: 'v1' },
		reason: 'ContractCheck',
		message: 'contract',
		type: 'Normal',
		annotations: {},
		source: { component: 'nth-contract' },
		firstTimestamp: now,
		lastTimestamp: now,
		count: 1,
	};
}

/** Registers every contract case on `test`; `world` is called per case. */
export function registerKubeApiContract(test: Test, world: () => Promise<ContractWorld>): void {
	const withWorld = (name: string, body: (w: ContractWorld) => Promise<void>): void => {
		test(name, async () => {
			const w = await world();
			try {
				await body(w);
			} finally {
				await w.cleanup();
			}
		});
	};

	withWorld('a 73-char label value (the spot event id) → 422 Invalid at metadata.labels, the node unchanged', async (w) => {
		const node = unique('label');
		await w.node(node);
		const value = `spot-itn-${'0123456789abcdef'.repeat(4)}`;
		const error = await rejection(
			w.api.patchNode(node, { type: 'merge', body: { metadata: { labels: { 'aws-node-termination-handler/event-id': value } } } }, signal),
		);
		assert.is(error.status, 422);
		assert.is(error.reason, 'Invalid');
		assert.equal(causes(error), [
			{ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${value}": must be no more than 63 bytes` },
		]);
		assert.is(
			error.message,
			`Cannot patch node "${node}": Node "${node}" is invalid: metadata.labels: Invalid value: "${value}": must be no more than 63 bytes`,
		);
		assert.is((await w.api.getNode(node, signal))?.metadata.labels?.['aws-node-termination-handler/event-id'], undefined);
	});

	withWorld('a 63-byte label value is accepted (merge and strategic patches)', async (w) => {
		const node = unique('label63');
		await w.node(node);
		const value = 'a'.repeat(63);
		const merged = await w.api.patchNode(node, { type: 'merge', body: { metadata: { labels: { 'nth.contract/a': value } } } }, signal);
		assert.is(merged.metadata.labels?.['nth.contract/a'], value);
		const strategic = await w.api.patchNode(node, { type: 'strategic', body: { metadata: { labels: { 'nth.contract/b': '' } } } }, signal);
		assert.is(strategic.metadata.labels?.['nth.contract/b'], '');
	});

	withWorld('a label value with a bad first character → 422 with the pattern message', async (w) => {
		const node = unique('labelpattern');
		await w.node(node);
		const error = await rejection(
			w.api.patchNode(node, { type: 'merge', body: { metadata: { labels: { 'nth.contract/v': '-x' } } } }, signal),
		);
		assert.is(error.status, 422);
		assert.equal(causes(error), [
			{ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "-x": ${labelValueRegexMessage}` },
		]);
	});

	withWorld('an invalid label key (a space; a 64-byte name part) → 422 Invalid at metadata.labels', async (w) => {
		const node = unique('labelkey');
		await w.node(node);
		const spaced = await rejection(w.api.patchNode(node, { type: 'merge', body: { metadata: { labels: { 'bad key': 'v' } } } }, signal));
		assert.is(spaced.status, 422);
		assert.equal(causes(spaced), [
			{ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "bad key": ${labelKeyNameRegexMessage}` },
		]);
		const long = `nth.contract/${'k'.repeat(64)}`;
		const tooLong = await rejection(w.api.patchNode(node, { type: 'merge', body: { metadata: { labels: { [long]: 'v' } } } }, signal));
		assert.equal(causes(tooLong), [
			{
				reason: 'FieldValueInvalid',
				field: 'metadata.labels',
				message: `Invalid value: "${long}": name part must be no more than 63 bytes`,
			},
		]);
	});

	withWorld('a taint with an invalid value → 422 at metadata.taints[0].value; a bad effect → FieldValueNotSupported', async (w) => {
		const node = unique('taint');
		await w.node(node);
		const value = 'x'.repeat(64);
		const badValue = await rejection(
			w.api.patchNode(
				node,
				{ type: 'merge', body: { spec: { taints: [{ key: 'nth.contract/t', value, effect: 'NoSchedule' }] } } },
				signal,
			),
		);
		assert.is(badValue.status, 422);
		assert.is(badValue.reason, 'Invalid');
		assert.equal(causes(badValue), [
			{
				reason: 'FieldValueInvalid',
				field: 'metadata.taints[0].value',
				message: `Invalid value: "${value}": must be no more than 63 bytes`,
			},
		]);
		const badEffect = await rejection(
			w.api.patchNode(node, { type: 'merge', body: { spec: { taints: [{ key: 'nth.contract/t', effect: 'Sometimes' }] } } }, signal),
		);
		assert.equal(causes(badEffect), [
			{
				reason: 'FieldValueNotSupported',
				field: 'metadata.taints[0].effect',
				message: 'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
			},
		]);
		assert.equal((await w.api.getNode(node, signal))?.spec.taints ?? [], []);
	});

	withWorld('two taints with the same key and effect → 422 FieldValueDuplicate at metadata.taints[1]', async (w) => {
		const node = unique('taintdup');
		await w.node(node);
		const error = await rejection(
			w.api.patchNode(
				node,
				{
					type: 'merge',
					body: {
						spec: {
							taints: [
								{ key: 'nth.contract/t', value: 'a', effect: 'NoSchedule' },
								{ key: 'nth.contract/t', value: 'b', effect: 'NoSchedule' },
							],
						},
					},
				},
				signal,
			),
		);
		assert.is(error.status, 422);
		assert.equal(
			causes(error).map((cause) => [cause.reason, cause.field]),
			[['FieldValueDuplicate', 'metadata.taints[1]']],
		);
	});

	withWorld('annotations over 256 KiB in total → 422 FieldValueTooLong; a bad annotation key → Invalid', async (w) => {
		const node = unique('annotation');
		await w.node(node);
		const tooBig = await rejection(
			w.api.patchNode(node, { type: 'merge', body: { metadata: { annotations: { 'nth.contract/big': 'x'.repeat(256 * 1024) } } } }, signal),
		);
		assert.is(tooBig.status, 422);
		assert.equal(causes(tooBig), [
			{ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes' },
		]);
		const badKey = await rejection(w.api.patchNode(node, { type: 'merge', body: { metadata: { annotations: { 'a b': 'v' } } } }, signal));
		assert.equal(causes(badKey), [
			{ reason: 'FieldValueInvalid', field: 'metadata.annotations', message: `Invalid value: "a b": ${labelKeyNameRegexMessage}` },
		]);
		// Large but within the limit is fine: the incident record annotation lives here.
		const fine = await w.api.patchNode(
			node,
			{ type: 'merge', body: { metadata: { annotations: { 'nth.contract/big': 'x'.repeat(100 * 1024) } } } },
			signal,
		);
		assert.is(fine.metadata.annotations?.['nth.contract/big']?.length, 100 * 1024);
	});

	withWorld('a stale resourceVersion in the patch → 409 Conflict; the current one applies', async (w) => {
		const node = unique('conflict');
		await w.node(node);
		const before = await w.api.getNode(node, signal);
		const rv = before?.metadata.resourceVersion ?? '';
		const moved = await w.api.patchNode(node, { type: 'merge', body: { metadata: { labels: { 'nth.contract/step': '1' } } } }, signal);
		assert.is.not(moved.metadata.resourceVersion, rv);
		const stale = await rejection(
			w.api.patchNode(node, { type: 'merge', body: { metadata: { resourceVersion: rv, labels: { 'nth.contract/step': '2' } } } }, signal),
		);
		assert.is(stale.status, 409);
		assert.is(stale.reason, 'Conflict');
		assert.is(
			stale.message,
			`Cannot patch node "${node}": Operation cannot be fulfilled on nodes "${node}": the object has been modified; please apply your changes to the latest version and try again`,
		);
		const jsonStale = await rejection(
			w.api.patchNode(
				node,
				{
					type: 'json',
					body: [
						{ op: 'replace', path: '/metadata/resourceVersion', value: rv },
						{ op: 'add', path: '/spec/unschedulable', value: true },
					],
				},
				signal,
			),
		);
		assert.is(jsonStale.status, 409);
		const current = await w.api.patchNode(
			node,
			{ type: 'merge', body: { metadata: { resourceVersion: moved.metadata.resourceVersion, labels: { 'nth.contract/step': '3' } } } },
			signal,
		);
		assert.is(current.metadata.labels?.['nth.contract/step'], '3');
		assert.is(current.spec.unschedulable ?? false, false);
	});

	withWorld('a missing node: getNode gives undefined, a patch 404 NotFound', async (w) => {
		const node = unique('missing');
		assert.is(await w.api.getNode(node, signal), undefined);
		const error = await rejection(w.api.patchNode(node, { type: 'merge', body: { spec: { unschedulable: true } } }, signal));
		assert.is(error.status, 404);
		assert.is(error.reason, 'NotFound');
		assert.is(error.message, `Cannot patch node "${node}": nodes "${node}" not found`);
		const status = await rejection(
			w.api.patchNode(node, { type: 'merge', body: { status: { conditions: [] } }, subresource: 'status' }, signal),
		);
		assert.is(status.status, 404);
	});

	withWorld(
		'an eviction a PodDisruptionBudget forbids (0 disruptions allowed) → 429 TooManyRequests naming the budget; the pod stays',
		async (w) => {
			const node = unique('pdb');
			await w.node(node);
			const namespace = await w.namespace();
			const uid = await w.pod(namespace, 'guarded', node, { app: 'guarded' });
			await w.pdb(namespace, 'guarded', { app: 'guarded' }, 1);
			const error = await rejection(w.api.evictPod(namespace, 'guarded', { uid }, signal));
			assert.is(error.status, 429);
			assert.is(error.reason, 'TooManyRequests');
			assert.is(error.message, `Cannot evict pod "${namespace}/guarded": Cannot evict pod as it would violate the pod's disruption budget`);
			assert.equal(causes(error), [
				{ reason: 'DisruptionBudget', field: '', message: 'The disruption budget guarded needs 1 healthy pods and has 1 currently' },
			]);
			const pods = await w.api.listPods({ namespace, fieldSelector: `spec.nodeName=${node}` }, signal);
			assert.equal(
				pods.items.map((pod) => [pod.metadata.name, pod.metadata.uid, pod.metadata.deletionTimestamp ?? undefined]),
				[['guarded', uid, undefined]],
			);
		},
	);

	withWorld('an eviction the budget allows succeeds; a missing pod → 404; a stale uid → 409', async (w) => {
		const node = unique('evict');
		await w.node(node);
		const namespace = await w.namespace();
		const uid = await w.pod(namespace, 'free', node, { app: 'free' });
		// Before the budget exists: the apiserver uses up a disruption before it checks the uid.
		const stale = await rejection(w.api.evictPod(namespace, 'free', { uid: '00000000-0000-0000-0000-000000000000' }, signal));
		assert.is(stale.status, 409);
		assert.is(stale.reason, 'Conflict');
		await w.pdb(namespace, 'free', { app: 'free' }, 0);
		await w.api.evictPod(namespace, 'free', { uid }, signal);
		const missing = await rejection(w.api.evictPod(namespace, 'no-such-pod', {}, signal));
		assert.is(missing.status, 404);
		assert.is(missing.reason, 'NotFound');
		assert.is(missing.message, `Cannot evict pod "${namespace}/no-such-pod": pods "no-such-pod" not found`);
		const gone = await rejection(w.api.deletePod(namespace, 'no-such-pod', {}, signal));
		assert.is(gone.status, 404);
	});

	withWorld(
		'events: a node event in "default" is created once (409 AlreadyExists after), patched, 404 when missing; another namespace → 422',
		async (w) => {
			const node = unique('event');
			await w.node(node);
			const name = `${node}.${randomBytes(6).toString('hex')}`;
			await w.api.createEvent(nodeEvent(node, name), signal);
			const again = await rejection(w.api.createEvent(nodeEvent(node, name), signal));
			assert.is(again.status, 409);
			assert.is(again.reason, 'AlreadyExists');
			assert.is(again.message, `Cannot create event "default/${name}": events "${name}" already exists`);
			await w.api.patchEvent('default', name, { count: 2, lastTimestamp: new Date().toISOString(), message: 'contract again' }, signal);
			const missing = await rejection(
				w.api.patchEvent('default', `${name}-missing`, { count: 2, lastTimestamp: new Date().toISOString(), message: 'x' }, signal),
			);
			assert.is(missing.status, 404);
			assert.is(missing.reason, 'NotFound');
			const misplaced = await rejection(w.api.createEvent(nodeEvent(node, `${name}-x`, 'kube-system'), signal));
			assert.is(misplaced.status, 422);
			assert.equal(causes(misplaced), [
				{ reason: 'FieldValueInvalid', field: 'involvedObject.namespace', message: 'Invalid value: "": does not match event.namespace' },
			]);
		},
	);
}
