/**
 * @module The instance facts read once at startup (NTH's `GetNodeMetadata`).
 *
 * The identity document gives account, instance id and type, private IP,
 * zone and region. When it is not valid JSON (or IMDS answers it with an
 * HTTP error, where NTH gives up: a fix), the individual paths fill in
 * instead, and the region is the zone minus its last letter. Life cycle and
 * host names are always read on their own; the public ones may be missing.
 * A value IMDS cannot give is "". When IMDS cannot be reached at all the
 * result is empty, as in NTH, without a request per path (each would wait
 * out its own retries).
 */
import { isImdsError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/types.ts';
import {
	availabilityZonePath,
	identityDocumentPath,
	instanceIdPath,
	instanceLifeCyclePath,
	instanceTypePath,
	localHostnamePath,
	localIpv4Path,
	publicHostnamePath,
	publicIpv4Path,
} from './paths.ts';
import { type IdentityDocument, IdentityDocumentSchema } from './payloads.ts';
import { emptyInstanceMetadata, type ImdsClient, type InstanceMetadata } from './types.ts';

export interface MetadataDeps {
	readonly log: Logger;
	readonly metrics: Metrics;
}

type DocumentOutcome = { readonly document: IdentityDocument } | { readonly fallback: true } | { readonly unreachable: true };

async function readIdentityDocument(client: ImdsClient, signal: AbortSignal, deps: MetadataDeps): Promise<DocumentOutcome> {
	const warn = (error: unknown): DocumentOutcome => {
		deps.log.warn('Unable to fetch instance identity document from ec2 metadata', { error });
		return { fallback: true };
	};
	try {
		const document = await client.getJson(identityDocumentPath, IdentityDocumentSchema, signal);
		return document === undefined ? warn(`"${identityDocumentPath}" not found`) : { document };
	} catch (error) {
		if (signal.aborted) throw error;
		deps.metrics.errorCaught('imds');
		// An HTTP status, or a 200 with a body that is not the document: IMDS is there, the other paths may answer.
		if (isImdsError(error) && error.status !== undefined) return warn(error);
		deps.log.error('Unable to fetch metadata from IMDS', { error });
		return { unreachable: true };
	}
}

/** One text path; "" when missing or failing (logged unless a missing optional one). */
async function readText(client: ImdsClient, path: string, allowMissing: boolean, signal: AbortSignal, deps: MetadataDeps): Promise<string> {
	try {
		const response = await client.get(path, signal);
		if (response !== undefined) return response.body;
		if (!allowMissing) deps.log.info('Metadata response status code: 404', { path });
		return '';
	} catch (error) {
		if (signal.aborted) throw error;
		deps.metrics.errorCaught('imds');
		if (isImdsError(error) && error.status !== undefined) {
			deps.log.info(`Metadata response status code: ${error.status}`, { path });
		} else {
			deps.log.warn('Unable to fetch instance metadata', { path, error });
		}
		return '';
	}
}

/** Reads the startup metadata and logs it as `Startup Metadata Retrieved`. Rejects only when `signal` aborts. */
export async function fetchInstanceMetadata(client: ImdsClient, signal: AbortSignal, deps: MetadataDeps): Promise<InstanceMetadata> {
	const outcome = await readIdentityDocument(client, signal, deps);
	if ('unreachable' in outcome) return emptyInstanceMetadata;
	const text = (path: string, allowMissing = false): Promise<string> => readText(client, path, allowMissing, signal, deps);
	const fromDocument = async (): Promise<IdentityDocument> => {
		if ('document' in outcome) return outcome.document;
		const [instanceId, instanceType, privateIp, availabilityZone] = await Promise.all([
			text(instanceIdPath),
			text(instanceTypePath),
			text(localIpv4Path),
			text(availabilityZonePath),
		]);
		const region = availabilityZone.length > 1 ? availabilityZone.slice(0, -1) : '';
		return { accountId: '', instanceId, instanceType, privateIp, availabilityZone, region };
	};
	const [document, instanceLifeCycle, localHostname, publicHostname, publicIp] = await Promise.all([
		fromDocument(),
		text(instanceLifeCyclePath),
		text(localHostnamePath),
		text(publicHostnamePath, true),
		text(publicIpv4Path, true),
	]);
	const metadata: InstanceMetadata = {
		accountId: document.accountId,
		instanceId: document.instanceId,
		instanceLifeCycle,
		instanceType: document.instanceType,
		publicHostname,
		publicIp,
		localHostname,
		privateIp: document.privateIp,
		availabilityZone: document.availabilityZone,
		region: document.region,
	};
	deps.log.info('Startup Metadata Retrieved', { metadata });
	return metadata;
}
