/**
 * @module Instance facts read once from IMDS at start.
 */

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
