/**
 * @module IMDS contracts: the instance facts read once at start, and the client that reads IMDS.
 */
import type { GenericSchema } from 'valibot';

/** NTH's `NodeMetadata`; empty strings where IMDS had nothing (JSON names match NTH's log). */
export interface InstanceMetadata {
	readonly accountId: string;
	readonly instanceId: string;
	readonly instanceLifeCycle: string;
	readonly instanceType: string;
	readonly publicHostname: string;
	readonly publicIp: string;
	readonly localHostname: string;
	readonly privateIp: string;
	readonly availabilityZone: string;
	readonly region: string;
}

export const emptyInstanceMetadata: InstanceMetadata = {
	accountId: '',
	instanceId: '',
	instanceLifeCycle: '',
	instanceType: '',
	publicHostname: '',
	publicIp: '',
	localHostname: '',
	privateIp: '',
	availabilityZone: '',
	region: '',
};

/** One IMDS answer with a 2xx status (404 is `undefined` at the call site, other statuses throw). */
export interface ImdsResponse {
	readonly status: number;
	readonly body: string;
}

/** Which IMDS protocol and endpoint the client is using right now. */
export interface ImdsClientState {
	/** `v2` while a session token is held, `v1` after the token PUT failed, `unknown` before the first request. */
	readonly tokenMode: 'unknown' | 'v2' | 'v1';
	/** Base URL of the endpoint that last answered (IPv4 or the IPv6 fallback). */
	readonly endpoint: string;
}

/** How one request is retried (see client.ts). */
export interface ImdsRequestOptions {
	/**
	 * `startup` (default): METADATA_TRIES attempts with NTH's doubling sleeps, for the facts read once at start.
	 * `poll`: for the notice paths: no sleep at all; a few immediate attempts, bounded by the caller's signal.
	 */
	readonly retry?: 'startup' | 'poll' | undefined;
}

/** Reads IMDS paths; built by `createImdsClient` in client.ts. */
export interface ImdsClient {
	/**
	 * GETs one path (e.g. `/latest/meta-data/instance-id`). Resolves `undefined`
	 * on 404 ("nothing there"); throws ImdsError on other statuses (after
	 * retrying 5xx), on a body over the size cap, and when IMDS cannot be
	 * reached; rejects with the signal's reason when it aborts.
	 */
	get(path: string, signal: AbortSignal, options?: ImdsRequestOptions): Promise<ImdsResponse | undefined>;
	/** Like {@link get}, then parses the body as JSON and checks it against `schema` (ImdsError when either fails). */
	getJson<T>(path: string, schema: GenericSchema<unknown, T>, signal: AbortSignal, options?: ImdsRequestOptions): Promise<T | undefined>;
	state(): ImdsClientState;
}
