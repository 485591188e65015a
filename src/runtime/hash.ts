/**
 * @module Hex digests of UTF-8 text, on the calling thread.
 *
 * node:crypto's `createHash` is the one hashing API that Node, Deno and Bun
 * all offer synchronously; Web Crypto's `digest` is async and goes through a
 * thread pool, so an IMDS check hashing an event id could end an unbounded
 * while after its answer on a busy node. Kept here because `node:` imports
 * belong to the runtime layer.
 */
import { createHash } from 'node:crypto';

/** The algorithms the agent hashes with: event ids (sha256) and Sprig's sha1sum/sha256sum/sha512sum. */
export type HashAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** Hex digest of `text` encoded as UTF-8. */
export function hashHex(algorithm: HashAlgorithm, text: string): string {
	return createHash(algorithm).update(text, 'utf8').digest('hex');
}
