/**
 * @module The plain-text tables the benchmarks print: the first column left-aligned, the
 * others right-aligned, two spaces apart, each as wide as its widest cell.
 */

/** `rows[0]` is the header. */
export function table(rows: readonly (readonly string[])[]): string {
	const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
	return rows
		.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '))
		.join('\n');
}
