/**
 * @module How many cases the property-based tests run: a few thousand by
 * default, more in the `--long` run (scripts/test.mjs sets NTH_PROPERTY_RUNS,
 * e.g. 100000). One reader for every property test, so the flag means the same
 * everywhere. Test code only.
 */
import { detectRuntime } from '../../src/runtime/detect.ts';

/** NTH_PROPERTY_RUNS when it is a positive integer, else `defaultRuns`. */
export function propertyRuns(defaultRuns: number): number {
	const value = detectRuntime().env()['NTH_PROPERTY_RUNS'];
	const runs = value === undefined ? Number.NaN : Number(value);
	return Number.isInteger(runs) && runs > 0 ? runs : defaultRuns;
}

/** True in the `--long` run (NTH_PROPERTY_RUNS set): tests may widen their sweeps. */
export function longRun(): boolean {
	return propertyRuns(0) > 0;
}
