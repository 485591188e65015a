/**
 * @module Writes standard output and error with `writeSync` on the file descriptor instead of through
 * `process.stdout`/`process.stderr`.
 *
 * Why: Bun builds its process.stdout stream on first use from node:fs's WriteStream, which loads Bun's
 * JavaScript stream stack (node:stream, internal:fs/streams…). The agent's first write is the
 * configuration dump just before its first poll, so that load sat between the spawn and the first spot
 * poll (measured: start → first spot poll, warm, 60.7 → 47.8 ms median; bench/idle.ts cold numbers in
 * the README "Speed"). Node writes pipes and files synchronously too, so the output is the same.
 */

/** `writeSync(fd, bytes, offset)` → bytes written; throws (EAGAIN on a full non-blocking pipe, EPIPE…). */
export type WriteSync = (fd: number, bytes: Uint8Array, offset: number) => number;

/**
 * A writer for `fd`. When `writeSync` throws, the rest of that text and everything after go to
 * `stream` (process.stdout or process.stderr), which waits for a full non-blocking pipe and reports
 * a broken one as it always did; the order of the output is kept.
 */
export function fdWriter(fd: number, writeSync: WriteSync, stream: () => (chunk: Uint8Array | string) => void): (text: string) => void {
	const encoder = new TextEncoder();
	let streamed = false;
	return (text) => {
		if (streamed) return stream()(text);
		const bytes = encoder.encode(text);
		let offset = 0;
		try {
			while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
		} catch {
			// Not an error to log (the log is what is being written): the stream takes over from here.
			streamed = true;
			stream()(bytes.subarray(offset));
		}
	};
}
