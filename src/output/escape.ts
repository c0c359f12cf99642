/**
 * Make untrusted strings (process names, command lines, cgroup and mount paths) safe for a terminal:
 * control characters, DEL, invalid UTF-8 and the bidirectional-text controls (U+202E and kin, which can make a
 * name read backwards) become `\xHH` bytes, as util-linux's mbs_safe_encode does. Other printable Unicode is
 * kept. Backslash is kept here; tables that must be unambiguous (lsns-style, raw) encode it too.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\ufffd\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A character as its UTF-8 bytes in `\xHH` form. */
function hexBytes(ch: string): string {
  return [...Buffer.from(ch, 'utf8')].map((b) => '\\x' + b.toString(16).padStart(2, '0')).join('');
}

export function escapeControl(s: string): string {
  if (!UNSAFE.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c === 0xfffd) out += '\\xef\\xbf\\xbd';
    else if (BIDI.test(ch)) out += hexBytes(ch);
    else out += ch;
  }
  return out;
}

/** For raw output: additionally encode spaces and backslashes (`\x20`, `\x5c`) so fields never split. */
export function escapeRaw(s: string): string {
  // encode the input's own spaces and backslashes first, so the `\x1b` of a control character is not re-encoded
  return escapeControl(s.replace(/[ \\]/g, (c) => '\\x' + c.charCodeAt(0).toString(16)));
}

/**
 * For lsns-style tables: also encode a backslash that is followed by `x` (`\x5c`), so that a literal `\x1b` in a
 * name cannot pass for an escape — exactly what libsmartcols does (a lone backslash is kept).
 */
export function escapeUnambiguous(s: string): string {
  return escapeControl(s.replace(/\\(?=x)/g, '\\x5c'));
}
