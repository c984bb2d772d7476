/** Go's fmt `%q` and unicode.IsPrint, for messages that must read exactly as Go prints them. */

const goEscapes: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
};

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space; every other space,
// control, format, private-use or unassigned rune is not printable.
const goPrintable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's unicode.IsPrint for one code point (a string of one character). */
export function isGoPrintable(ch: string): boolean {
  return goPrintable.test(ch);
}

/**
 * Go's `%q` (strconv.Quote) for the strings our messages echo back: printable Unicode stays as is, the rest
 * is escaped as `\x..` (below U+0080), `\u....` or `\U........`.
 */
export function goQuote(s: string): string {
  // Printable ASCII other than `"` and `\` stays as is: most texts need no per-character work.
  if (/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    const escaped = goEscapes[ch];
    if (escaped !== undefined) out += escaped;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (isGoPrintable(ch)) out += ch;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}
