/**
 * @module Event ids NTH derives by hashing, reproduced byte for byte so ids
 * (and the taint values and webhooks built from them) match NTH's.
 */

/** Hex SHA-256 of the UTF-8 text, with Web Crypto (Node, Deno and Bun alike). */
export async function sha256Hex(text: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
	return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
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
