/**
 * @module The data a webhook template sees: NTH's field set, as a Go struct.
 *
 * NTH executes the template on a struct embedding the IMDS `NodeMetadata` and
 * the `InterruptionEvent`, with `InstanceID` and `InstanceType` taken from the
 * event when set and from the metadata otherwise. The same field names are
 * kept here (a plain object is a Go struct to the template engine, so an
 * unknown field such as `{{ .cat }}` fails as it does in NTH); `NodeLabels` is
 * a `map[string]string`, `Pods` a `[]string` and the times `time.Time`s
 * (see template/values.ts for the value model).
 *
 * nth adds two fields for the outcome message sent when an incident ends:
 * - `Outcome`: "" for the start message; "drained", "cordoned", "failed",
 *   "cancelled" or "dry-run" for the outcome message.
 * - `Details`: free text about the outcome ("12 of 12 pods evicted", the
 *   error), "" for the start message.
 * Templates written for NTH ignore both; so that their outcome message still
 * differs from the start message, its `Description` starts with the outcome in
 * brackets: `[drained] Spot ITN received. Instance will be terminated at …`.
 * (`Details` stays out of `Description` because it can hold quotes, which
 * would break a JSON body written around `{{ .Description }}`.)
 */
import type { InstanceMetadata } from '../imds/types.ts';
import type { InterruptionEvent } from '../monitors/types.ts';
import { type GoTime, goMap, goSlice, goStruct, goTime, zeroTime } from './template/values.ts';
import { fixedZone } from './template/zones.ts';
import type { NotificationContext, NotificationOutcome } from './types.ts';

/** NTH parses scheduled-event times with the layout `2 Jan 2006 15:04:05 GMT`, so Go prints them in a zone named GMT. */
const gmt = fixedZone('GMT', 0);

/** The template data: NTH's fields in NTH's order, then nth's two. */
export interface TemplateData {
	// ec2metadata.NodeMetadata (InstanceID and InstanceType are the merged fields below)
	readonly AccountId: string;
	readonly InstanceLifeCycle: string;
	readonly PublicHostname: string;
	readonly PublicIP: string;
	readonly LocalHostname: string;
	readonly LocalIP: string;
	readonly AvailabilityZone: string;
	readonly Region: string;
	// monitor.InterruptionEvent
	readonly EventID: string;
	readonly Kind: string;
	readonly Monitor: string;
	readonly Description: string;
	readonly State: string;
	readonly AutoScalingGroupName: string;
	readonly NodeName: string;
	readonly NodeLabels: ReadonlyMap<string, string>;
	readonly Pods: readonly string[];
	readonly ProviderID: string;
	readonly IsManaged: boolean;
	readonly StartTime: GoTime;
	readonly EndTime: GoTime;
	readonly NodeProcessed: boolean;
	readonly InProgress: boolean;
	// merged: the event's value when non-empty, else the metadata's
	readonly InstanceID: string;
	readonly InstanceType: string;
	// nth
	readonly Outcome: '' | NotificationOutcome;
	readonly Details: string;
}

/** Field names a template may use, in order (the render command's event file accepts exactly these). */
export const templateFieldNames: readonly (keyof TemplateData)[] = [
	'AccountId',
	'InstanceLifeCycle',
	'PublicHostname',
	'PublicIP',
	'LocalHostname',
	'LocalIP',
	'AvailabilityZone',
	'Region',
	'EventID',
	'Kind',
	'Monitor',
	'Description',
	'State',
	'AutoScalingGroupName',
	'NodeName',
	'NodeLabels',
	'Pods',
	'ProviderID',
	'IsManaged',
	'StartTime',
	'EndTime',
	'NodeProcessed',
	'InProgress',
	'InstanceID',
	'InstanceType',
	'Outcome',
	'Details',
];

export interface TemplateDataInput extends NotificationContext {
	readonly nodeName: string;
	readonly metadata: InstanceMetadata;
}

/** The outcome message's Description: the outcome in brackets, then NTH's description. */
export function outcomeDescription(description: string, outcome: NotificationOutcome | undefined): string {
	return outcome === undefined ? description : `[${outcome}] ${description}`;
}

/** NTH's Go type name for the data (`%T` and "can't evaluate field" errors show it). */
export const templateDataTypeName = 'webhook.combinedDrainData';

/** Builds the template data for one notification. */
export function buildTemplateData(input: TemplateDataInput): TemplateData {
	const { event, metadata, outcome } = input;
	// Go's time.Parse leaves RFC 3339 "Z" times in UTC and scheduled-event times in a zone named GMT.
	const endTime = event.endTime === undefined ? zeroTime : goTime(event.endTime, event.kind === 'SCHEDULED_EVENT' ? gmt : undefined);
	return goStruct(templateDataTypeName, {
		AccountId: metadata.accountId,
		InstanceLifeCycle: metadata.instanceLifeCycle,
		PublicHostname: metadata.publicHostname,
		PublicIP: metadata.publicIp,
		LocalHostname: metadata.localHostname,
		LocalIP: metadata.privateIp,
		AvailabilityZone: metadata.availabilityZone,
		Region: metadata.region,
		EventID: event.eventId,
		Kind: event.kind,
		Monitor: event.monitor,
		Description: outcomeDescription(event.description, outcome),
		State: event.state,
		// IMDS-mode events carry no ASG name, instance id or type (NTH's IMDS monitors leave them empty too).
		AutoScalingGroupName: '',
		NodeName: input.nodeName,
		NodeLabels: goMap({ ...input.nodeLabels }, 'string'),
		Pods: goSlice([...input.pods], 'string'),
		ProviderID: input.providerId ?? '',
		IsManaged: false,
		StartTime: goTime(event.startTime),
		EndTime: endTime,
		NodeProcessed: outcome === 'drained' || outcome === 'cordoned',
		InProgress: true,
		InstanceID: metadata.instanceId,
		InstanceType: metadata.instanceType,
		Outcome: outcome ?? '',
		Details: input.details ?? '',
	});
}

/** Instance metadata for checking templates before IMDS has answered (every field a string, as the real ones). */
export const sampleInstanceMetadata: InstanceMetadata = {
	accountId: '123456789012',
	instanceId: 'i-0123456789abcdef0',
	instanceLifeCycle: 'spot',
	instanceType: 'm5.large',
	publicHostname: 'ec2-203-0-113-10.compute-1.amazonaws.com',
	publicIp: '203.0.113.10',
	localHostname: 'ip-192-168-1-10.ec2.internal',
	privateIp: '192.168.1.10',
	availabilityZone: 'us-east-1a',
	region: 'us-east-1',
};

const sampleEvent: InterruptionEvent = {
	eventId: 'spot-itn-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
	kind: 'SPOT_ITN',
	monitor: 'SPOT_ITN_MONITOR',
	description: 'Spot ITN received. Instance will be terminated at 2020-09-15T21:17:41Z',
	state: '',
	startTime: new Date('2020-09-15T21:17:41Z'),
	endTime: undefined,
	deadline: new Date('2020-09-15T21:17:41Z'),
	spotAction: 'terminate',
};

/** A plausible event for validating templates at start (NTH validates on an empty struct; a sample catches more). */
export function sampleTemplateData(metadata: InstanceMetadata, nodeName: string): TemplateData {
	return buildTemplateData({
		event: sampleEvent,
		metadata,
		nodeName: nodeName === '' ? 'ip-192-168-1-10.ec2.internal' : nodeName,
		nodeLabels: { 'kubernetes.io/hostname': 'ip-192-168-1-10', 'node.kubernetes.io/instance-type': 'm5.large' },
		pods: ['coredns-5d78c9869d-abcde', 'sample-app-7c9f8b6d5-xyz12'],
	});
}
