/**
 * @module `nth webhook render --template FILE --event FILE`.
 *
 * Prints exactly the body the agent would POST for that event: nothing added,
 * no newline of its own. The event file is a JSON object with NTH's template
 * field names (data.ts): strings, `NodeLabels` an object of strings, `Pods` an
 * array of strings, `IsManaged`/`NodeProcessed`/`InProgress` booleans,
 * `StartTime`/`EndTime` RFC 3339 texts (kept in their offset, as Go's
 * time.Parse does). Absent fields are Go zero values; unknown fields are
 * rejected. Exit 0 on success, 1 when a file cannot be read or parsed or the
 * template fails (the error on stderr), 2 on a usage error.
 */
import * as v from 'valibot';
import type { Runtime } from '../runtime/types.ts';
import { type TemplateData, templateDataTypeName, templateFieldNames } from './data.ts';
import { GoTime, goMap, goSlice, goStruct, zeroTime } from './template/values.ts';
import { parseTemplate } from './template/template.ts';
import { fixedZone, utcZone } from './template/zones.ts';

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** An RFC 3339 text as Go's time.Parse(time.RFC3339) gives it: UTC for "Z" and "+00:00", a nameless fixed zone otherwise. */
export function parseRfc3339(text: string): GoTime | undefined {
	const match = rfc3339.exec(text);
	if (!match) return undefined;
	const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
	const date = new Date(0);
	date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
	date.setUTCHours(Number(hour), Number(minute), Number(second), 0);
	if (
		date.getUTCMonth() !== Number(month) - 1 ||
		date.getUTCDate() !== Number(day) ||
		Number(hour) > 23 ||
		Number(minute) > 59 ||
		Number(second) > 59
	) {
		return undefined;
	}
	const offsetSeconds = zulu !== undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60);
	const nanosTotal = Number((fraction ?? '').padEnd(9, '0'));
	const ms = date.getTime() - offsetSeconds * 1000 + Math.floor(nanosTotal / 1e6);
	const zone = offsetSeconds === 0 ? utcZone : fixedZone('', offsetSeconds);
	return new GoTime(ms, nanosTotal % 1e6, zone);
}

const text = v.optional(v.string('must be a string'));
const flag = v.optional(v.boolean('must be true or false'));
const time = v.optional(
	v.pipe(
		v.string('must be an RFC 3339 time text, e.g. "2020-09-15T21:17:41Z"'),
		v.rawTransform(({ dataset, addIssue, NEVER }) => {
			const parsed = parseRfc3339(dataset.value);
			if (parsed === undefined) {
				addIssue({ message: `must be an RFC 3339 time, e.g. "2020-09-15T21:17:41Z", got "${dataset.value}"` });
				return NEVER;
			}
			return parsed;
		}),
	),
);

/** The event file: NTH's field names, nothing else. */
export const EventFileSchema = v.strictObject(
	{
		AccountId: text,
		InstanceLifeCycle: text,
		PublicHostname: text,
		PublicIP: text,
		LocalHostname: text,
		LocalIP: text,
		AvailabilityZone: text,
		Region: text,
		EventID: text,
		Kind: text,
		Monitor: text,
		Description: text,
		State: text,
		AutoScalingGroupName: text,
		NodeName: text,
		NodeLabels: v.optional(v.record(v.string(), v.string('must be a string'), 'must be an object of strings')),
		Pods: v.optional(v.array(v.string('must be a string'), 'must be an array of strings')),
		ProviderID: text,
		IsManaged: flag,
		StartTime: time,
		EndTime: time,
		NodeProcessed: flag,
		InProgress: flag,
		InstanceID: text,
		InstanceType: text,
		Outcome: v.optional(
			v.picklist(
				['', 'drained', 'cordoned', 'failed', 'cancelled', 'dry-run'],
				'must be "", "drained", "cordoned", "failed", "cancelled" or "dry-run"',
			),
		),
		Details: text,
	},
	(issue) => (issue.expected === 'never' ? `is not a template field (fields: ${templateFieldNames.join(', ')})` : 'must be a JSON object'),
);

/** Go zero values for absent fields. */
export function eventFileToData(event: v.InferOutput<typeof EventFileSchema>): TemplateData {
	const data: TemplateData = {
		AccountId: event.AccountId ?? '',
		InstanceLifeCycle: event.InstanceLifeCycle ?? '',
		PublicHostname: event.PublicHostname ?? '',
		PublicIP: event.PublicIP ?? '',
		LocalHostname: event.LocalHostname ?? '',
		LocalIP: event.LocalIP ?? '',
		AvailabilityZone: event.AvailabilityZone ?? '',
		Region: event.Region ?? '',
		EventID: event.EventID ?? '',
		Kind: event.Kind ?? '',
		Monitor: event.Monitor ?? '',
		Description: event.Description ?? '',
		State: event.State ?? '',
		AutoScalingGroupName: event.AutoScalingGroupName ?? '',
		NodeName: event.NodeName ?? '',
		NodeLabels: goMap({ ...event.NodeLabels }, 'string'),
		Pods: goSlice([...(event.Pods ?? [])], 'string'),
		ProviderID: event.ProviderID ?? '',
		IsManaged: event.IsManaged ?? false,
		StartTime: event.StartTime ?? zeroTime,
		EndTime: event.EndTime ?? zeroTime,
		NodeProcessed: event.NodeProcessed ?? false,
		InProgress: event.InProgress ?? false,
		InstanceID: event.InstanceID ?? '',
		InstanceType: event.InstanceType ?? '',
		Outcome: event.Outcome ?? '',
		Details: event.Details ?? '',
	};
	return goStruct(templateDataTypeName, data);
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
	return issues
		.map((issue) => {
			const path = issue.path?.map((item) => String(item.key)).join('.');
			return path === undefined || path === '' ? issue.message : `${path} ${issue.message}`;
		})
		.join('; ');
}

function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** Runs the command; returns the exit code. */
export async function renderCommand(runtime: Runtime, options: { template: unknown; event: unknown }): Promise<number> {
	const templatePath = options.template;
	const eventPath = options.event;
	if (typeof templatePath !== 'string' || templatePath === '' || typeof eventPath !== 'string' || eventPath === '') {
		runtime.writeStderr('Cannot render a webhook: both --template FILE and --event FILE are required\n');
		return 2;
	}
	let templateText: string;
	let eventText: string;
	try {
		templateText = await runtime.readTextFile(templatePath);
	} catch (error) {
		runtime.writeStderr(`Cannot read the template file "${templatePath}": ${errorText(error)}\n`);
		return 1;
	}
	try {
		eventText = await runtime.readTextFile(eventPath);
	} catch (error) {
		runtime.writeStderr(`Cannot read the event file "${eventPath}": ${errorText(error)}\n`);
		return 1;
	}
	let json: unknown;
	try {
		json = JSON.parse(eventText);
	} catch (error) {
		runtime.writeStderr(`Cannot parse the event file "${eventPath}": ${errorText(error)}\n`);
		return 1;
	}
	const parsed = v.safeParse(EventFileSchema, json);
	if (!parsed.success) {
		runtime.writeStderr(`Cannot use the event file "${eventPath}": ${describeIssues(parsed.issues)}\n`);
		return 1;
	}
	try {
		const body = parseTemplate(templateText).execute(eventFileToData(parsed.output), { env: (name) => runtime.env()[name] });
		runtime.writeStdout(body);
		return 0;
	} catch (error) {
		// The template's own error (Go's text, with the position) is the whole point of this command's failure.
		runtime.writeStderr(`Cannot render the template "${templatePath}": ${errorText(error)}\n`);
		return 1;
	}
}
