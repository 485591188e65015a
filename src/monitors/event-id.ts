/**
 * @module Event ids NTH derives by hashing, reproduced byte for byte so ids
 * (and the taint values and webhooks built from them) match NTH's.
 */
import { createHash } from 'node:crypto';

/**
 * Hex SHA-256 of the UTF-8 text. node:crypto's hash (Node, Deno and Bun
 * alike) runs on the calling thread; Web Crypto's digest goes through a
 * thread pool, so a check could end an unbounded while after its answer
 * (and after its deadline) on a busy node. Async for its callers' sake.
 */
export async function sha256Hex(text: string): Promise<string> {
	return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * What Go's `fmt.Sprintf("%v", p)` prints for a pointer to a struct of
 * strings: `&{` + the fields separated by spaces, unquoted + `}`. NTH hashes
 * exactly this for spot (`&{terminate 2017-09-18T08:22:00Z}`) and rebalance
 * (`&{2020-10-26T15:55:55Z}`) ids.
 */
export function goStructPointer(...fields: readonly string[]): string {
	return `&{${fields.join(' ')}}`;
}
