/**
 * @module Event ids NTH derives by hashing, reproduced byte for byte so ids
 * (and the taint values and webhooks built from them) match NTH's.
 */
import { hashHex } from '../runtime/hash.ts';

/**
 * Hex SHA-256 of the UTF-8 text, hashed on the calling thread (see
 * runtime/hash.ts: Web Crypto's thread pool could end a check an unbounded
 * while after its answer). Async for its callers' sake.
 */
export async function sha256Hex(text: string): Promise<string> {
	return hashHex('sha256', text);
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
