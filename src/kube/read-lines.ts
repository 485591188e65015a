/**
 * @module Newline-delimited text from a byte stream: the framing of a watch response.
 */

/**
 * Yields each non-empty line (trimmed) of the stream as it arrives, however
 * the bytes are chunked (a line or a multi-byte character may span chunks);
 * a last line without a newline is yielded at the end. Read errors propagate.
 * Stopping early (break/return) cancels the stream.
 */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	let buffer = '';
	try {
		for (;;) {
			const chunk = await reader.read();
			if (chunk.done) break;
			buffer += decoder.decode(chunk.value, { stream: true });
			for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
				const line = buffer.slice(0, newline).trim();
				buffer = buffer.slice(newline + 1);
				if (line !== '') yield line;
			}
		}
		const rest = (buffer + decoder.decode()).trim();
		if (rest !== '') yield rest;
	} finally {
		reader.cancel().catch(() => {
			// The stream is being thrown away; a failure to cancel it changes nothing and has no one to tell.
		});
	}
}
