/**
 * @module fmt's flags, width and precision, and the padding and truncation they ask for (Go's
 * fmt/format.go), shared by format.ts and format-number.ts.
 */
export interface Flags {
	plus: boolean;
	minus: boolean;
	sharp: boolean;
	space: boolean;
	zero: boolean;
	plusV: boolean;
	sharpV: boolean;
	/** Printing a bad verb's value: String() methods are not called. */
	erroring: boolean;
	wid: number | undefined;
	prec: number | undefined;
}

export const noFlags = (): Flags => ({
	plus: false,
	minus: false,
	sharp: false,
	space: false,
	zero: false,
	plusV: false,
	sharpV: false,
	erroring: false,
	wid: undefined,
	prec: undefined,
});
export const plainFlags: Flags = noFlags();

export function runeCount(text: string): number {
	let count = 0;
	for (const _ of text) count++;
	return count;
}

export function pad(text: string, flags: Flags): string {
	if (flags.wid === undefined || flags.wid === 0) return text;
	const width = flags.wid - runeCount(text);
	if (width <= 0) return text;
	if (flags.minus) return text + ' '.repeat(width);
	return (flags.zero ? '0' : ' ').repeat(width) + text;
}

export function truncate(text: string, flags: Flags): string {
	if (flags.prec === undefined) return text;
	let out = '';
	let count = 0;
	for (const char of text) {
		if (count++ >= flags.prec) break;
		out += char;
	}
	return out;
}
