/**
 * Make untrusted strings (process names, command lines, cgroup and mount paths) safe for a terminal:
 * control characters, DEL and invalid UTF-8 become `\xHH`, as util-linux's mbs_safe_encode does.
 * Printable Unicode is kept. Backslash itself is kept as is (as lsns does).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\ufffd]/;

export function escapeControl(s: string): string {
  if (!UNSAFE.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c === 0xfffd) out += '\\xef\\xbf\\xbd';
    else out += ch;
  }
  return out;
}

/** For raw output: additionally encode spaces and backslashes (`\x20`, `\x5c`) so fields never split. */
export function escapeRaw(s: string): string {
  // encode the input's own spaces and backslashes first, so the `\x1b` of a control character is not re-encoded
  return escapeControl(s.replace(/[ \\]/g, (c) => '\\x' + c.charCodeAt(0).toString(16)));
}
