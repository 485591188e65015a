/**
 * @module Go's strconv quoting: `Quote`, `QuoteToASCII`, `QuoteRune` (fmt's %q and the
 * template engine's error messages print with them).
 */

/** strconv.IsPrint, as far as Unicode classes reach. */
export const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `strconv.Quote` (or QuoteToASCII when `asciiOnly`). */
export function quote(text: string, asciiOnly = false): string {
	let out = '"';
	for (const char of text) {
		const code = char.codePointAt(0) ?? 0;
		if (char === '"' || char === '\\') out += `\\${char}`;
		else if (asciiOnly ? code < 0x80 && printable.test(char) : printable.test(char)) out += char;
		else out += escapeRune(code);
	}
	return `${out}"`;
}

function escapeRune(code: number): string {
	switch (code) {
		case 7:
			return '\\a';
		case 8:
			return '\\b';
		case 12:
			return '\\f';
		case 10:
			return '\\n';
		case 13:
			return '\\r';
		case 9:
			return '\\t';
		case 11:
			return '\\v';
		default:
	}
	if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
	// A lone surrogate is not a valid rune: Go would see the replacement character.
	if (code >= 0xd800 && code <= 0xdfff) return '\\ufffd';
	if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
	return `\\U${code.toString(16).padStart(8, '0')}`;
}

export function validRune(code: number): number {
	return code >= 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? code : 0xfffd;
}

/** Go's `strconv.QuoteRune` (or QuoteRuneToASCII when `asciiOnly`). */
export function quoteRune(code: number, asciiOnly: boolean): string {
	const char = String.fromCodePoint(code);
	if (char === "'" || char === '\\') return `'\\${char}'`;
	if (asciiOnly ? code < 0x80 && printable.test(char) : printable.test(char)) return `'${char}'`;
	return `'${escapeRune(code)}'`;
}
