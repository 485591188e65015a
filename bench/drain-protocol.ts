/**
 * @module What bench/drain.ts and its child (bench/drain-child.ts) say to each
 * other, and how a process's memory is read from /proc.
 */
import { readFileSync } from 'node:fs';
import * as v from 'valibot';

export const ChildInputSchema = v.object({
	mode: v.picklist(['nth', 'kubectl']),
	stateDir: v.string(),
	nodeName: v.string(),
	deadlineSeconds: v.number(),
	/** The drain's bearer token (a ServiceAccount's, so the audit log counts its requests); the stack's admin token without it. */
	token: v.optional(v.string()),
});
export type ChildInput = v.InferOutput<typeof ChildInputSchema>;

export const ChildReportSchema = v.object({
	phase: v.picklist(['idle', 'done']),
	rssKb: v.number(),
	hwmKb: v.number(),
	wallMs: v.optional(v.number()),
	ok: v.optional(v.boolean()),
	error: v.optional(v.string()),
	pods: v.optional(v.number()),
	requests: v.optional(v.record(v.string(), v.number())),
});
export type ChildReport = v.InferOutput<typeof ChildReportSchema>;

/** VmRSS and VmHWM (peak) of a process, in kB. */
export function memoryOf(pid: number | 'self'): { rssKb: number; hwmKb: number } {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
	return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}
