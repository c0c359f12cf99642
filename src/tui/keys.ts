/**
 * The TUIs' key parser (pure): one read from the terminal becomes the list of keys it holds. A read can hold
 * several keys — text typed over ssh or on a loaded host, `/sleep` sent at once, a paste — and escape sequences
 * (arrows, PgUp, Home, Shift-Tab) mixed with text. Each key is handled in turn, as if typed one by one.
 *
 * A bracketed paste (`ESC[200~ … ESC[201~`, when the terminal sends it) is one key with `paste` set and the
 * pasted text as `input`: text fields insert it, list screens ignore it. The reader keeps that state across
 * reads (Ink delivers the markers and the text as separate reads).
 */

export type KeyName = 'up' | 'down' | 'left' | 'right' | 'pageup' | 'pagedown' | 'home' | 'end' | 'insert' | 'delete' | 'return' | 'escape' | 'tab' | 'backspace';

export interface KeyPress {
  /** the printable text of the key ('' for a named key); for a paste, the pasted text */
  readonly input: string;
  /** a non-printable key */
  readonly name?: KeyName;
  readonly ctrl: boolean;
  readonly meta: boolean;
  readonly shift: boolean;
  /** a bracketed paste: `input` is the whole pasted text */
  readonly paste?: boolean;
}

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

/** CSI `~` codes (ESC [ n ~). */
const TILDE: Record<string, KeyName> = { '1': 'home', '2': 'insert', '3': 'delete', '4': 'end', '5': 'pageup', '6': 'pagedown', '7': 'home', '8': 'end' };
/** CSI / SS3 final letters. */
const FINAL: Record<string, KeyName> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };

function key(input: string, o: Partial<Omit<KeyPress, 'input'>> = {}): KeyPress {
  return { input, name: o.name, ctrl: !!o.ctrl, meta: !!o.meta, shift: !!o.shift, ...(o.paste ? { paste: true } : {}) };
}

/** xterm modifier parameter (1 + bits: 1 shift, 2 alt, 4 ctrl). */
function modifiers(param: string | undefined): { shift: boolean; meta: boolean; ctrl: boolean } {
  const m = Math.max(0, Number(param ?? '1') - 1) || 0;
  return { shift: (m & 1) !== 0, meta: (m & 2) !== 0, ctrl: (m & 4) !== 0 };
}

/** Decode one escape sequence starting at `s[i]` (an ESC). Returns the key (or undefined: unknown, dropped) and its length. */
function escapeAt(s: string, i: number): { key?: KeyPress; len: number } {
  const next = s[i + 1];
  if (next === undefined) return { key: key('', { name: 'escape' }), len: 1 };
  if (next === '[' || next === 'O') {
    // CSI: parameters 0x30-0x3f, intermediates 0x20-0x2f, one final 0x40-0x7e; SS3: one final
    let j = i + 2;
    if (next === '[' && s[j] === '[') j++; // linux console F-keys: ESC [ [ A
    while (next === '[' && j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x3f) j++;
    const final = s[j];
    if (final === undefined || s.charCodeAt(j) < 0x40 || s.charCodeAt(j) > 0x7e) return { key: key('', { name: 'escape' }), len: 1 };
    const params = s.slice(i + 2, j).split(';');
    const len = j - i + 1;
    if (final === '~') {
      const name = TILDE[params[0]];
      return { key: name ? key('', { name, ...modifiers(params[1]) }) : undefined, len };
    }
    if (final === 'Z') return { key: key('', { name: 'tab', shift: true }), len };
    const name = FINAL[final];
    return { key: name ? key('', { name, ...modifiers(params[1]) }) : undefined, len };
  }
  if (next === '\x1b') {
    // ESC ESC [A: Alt+arrow in some terminals
    const inner = escapeAt(s, i + 1);
    return { key: inner.key ? { ...inner.key, meta: true } : undefined, len: inner.len + 1 };
  }
  // Alt+key: ESC then the key
  const cp = s.codePointAt(i + 1)!;
  const ch = String.fromCodePoint(cp);
  const plain = plainKey(ch);
  return { key: { ...plain, meta: true }, len: 1 + ch.length };
}

/** One character that is not ESC. */
function plainKey(ch: string): KeyPress {
  if (ch === '\r' || ch === '\n') return key('', { name: 'return' });
  if (ch === '\t') return key('', { name: 'tab' });
  if (ch === '\x7f' || ch === '\x08') return key('', { name: 'backspace' });
  const c = ch.charCodeAt(0);
  if (c === 0) return key(' ', { ctrl: true });
  if (c < 0x20) return key(String.fromCharCode(c + 0x60), { ctrl: true });
  return key(ch, { shift: ch.length === 1 && ch >= 'A' && ch <= 'Z' });
}

/** The keys in one read (no paste state: see createKeyReader). */
export function parseKeys(data: string): KeyPress[] {
  const out: KeyPress[] = [];
  let i = 0;
  while (i < data.length) {
    if (data[i] === '\x1b') {
      const { key: k, len } = escapeAt(data, i);
      if (k) out.push(k);
      i += len;
      continue;
    }
    if (data[i] === '\r' && data[i + 1] === '\n') {
      out.push(key('', { name: 'return' }));
      i += 2;
      continue;
    }
    const cp = data.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    out.push(plainKey(ch));
    i += ch.length;
  }
  return out;
}

export interface KeyReader {
  /** The keys in the next read. */
  push(data: string): KeyPress[];
}

/** A key parser that keeps the bracketed-paste state across reads. */
export function createKeyReader(): KeyReader {
  let pasting: string | undefined;
  return {
    push(data: string): KeyPress[] {
      const out: KeyPress[] = [];
      let rest = data;
      while (rest.length) {
        if (pasting !== undefined) {
          const end = rest.indexOf(PASTE_END);
          if (end < 0) {
            pasting += rest;
            break;
          }
          out.push(key(pasting + rest.slice(0, end), { paste: true }));
          pasting = undefined;
          rest = rest.slice(end + PASTE_END.length);
          continue;
        }
        const start = rest.indexOf(PASTE_START);
        if (start < 0) {
          out.push(...parseKeys(rest));
          break;
        }
        out.push(...parseKeys(rest.slice(0, start)));
        pasting = '';
        rest = rest.slice(start + PASTE_START.length);
      }
      return out;
    },
  };
}

/** `q` or Ctrl-C: leave the TUI. */
export function isQuitKey(k: KeyPress): boolean {
  return (k.input === 'q' && !k.ctrl && !k.meta && !k.paste) || (k.ctrl && k.input === 'c');
}

/** The text a key adds to a text field ('' for none): printable input without control characters. */
export function textOf(k: KeyPress): string {
  if (k.name || k.ctrl || (k.meta && !k.paste)) return '';
  return k.input.replace(/[\x00-\x1f\x7f-\x9f]/g, '');
}
