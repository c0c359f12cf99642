/**
 * The key parser (src/tui/keys.ts) on literal reads: several keys in one read, escape sequences mixed with
 * text, Alt and Ctrl keys, CRLF, bracketed pastes split over reads; and the shared list navigation and text
 * entry rules (src/tui/list-nav.ts).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKeyReader, isQuitKey, parseKeys, textOf, type KeyPress } from '../../../src/tui/keys.js';
import { navOf, navigate, shownSelection, textEditOf } from '../../../src/tui/list-nav.js';

const show = (ks: KeyPress[]) => ks.map((k) => (k.paste ? `paste(${k.input})` : `${k.ctrl ? 'C-' : ''}${k.meta ? 'M-' : ''}${k.shift && k.name ? 'S-' : ''}${k.name ?? k.input}`));

test('parseKeys: one read holding several keys yields each key in order', () => {
  assert.deepEqual(show(parseKeys('/sleep\r')), ['/', 's', 'l', 'e', 'e', 'p', 'return']);
  assert.deepEqual(show(parseKeys('jjj')), ['j', 'j', 'j']);
  assert.deepEqual(show(parseKeys('\x1b[B\x1b[Bq')), ['down', 'down', 'q']);
  assert.deepEqual(show(parseKeys('ab\x1b[Acd')), ['a', 'b', 'up', 'c', 'd']);
});

test('parseKeys: named keys, modifiers, SS3 arrows, CRLF, Ctrl and Alt, non-ASCII', () => {
  assert.deepEqual(show(parseKeys('\x1bOA\x1bOB\x1b[C\x1b[D')), ['up', 'down', 'right', 'left']);
  assert.deepEqual(show(parseKeys('\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[1~\x1b[4~\x1b[3~')), ['pageup', 'pagedown', 'home', 'end', 'home', 'end', 'delete']);
  assert.deepEqual(show(parseKeys('\t\x1b[Z')), ['tab', 'S-tab']);
  assert.deepEqual(show(parseKeys('\r\n\n\x7f\x08')), ['return', 'return', 'backspace', 'backspace']);
  assert.deepEqual(show(parseKeys('\x03\x1bx')), ['C-c', 'M-x']);
  assert.deepEqual(show(parseKeys('\x1b[1;5A')), ['C-up']);
  assert.deepEqual(show(parseKeys('\x1b')), ['escape']);
  assert.deepEqual(show(parseKeys('é🙂G')), ['é', '🙂', 'G']);
  assert.equal(parseKeys('G')[0].shift, true);
  assert.deepEqual(show(parseKeys('\x1b[99x')), [], 'an unknown sequence is dropped, not typed');
});

test('createKeyReader: a bracketed paste is one key, also when split over reads', () => {
  const r = createKeyReader();
  assert.deepEqual(show(r.push('a\x1b[200~he')), ['a']);
  assert.deepEqual(show(r.push('llo q\x1b[201~j')), ['paste(hello q)', 'j']);
  assert.deepEqual(show(r.push('\x1b[200~x\x1b[201~')), ['paste(x)']);
  const p = createKeyReader().push('\x1b[200~q\x1b[201~')[0];
  assert.equal(isQuitKey(p), false, 'a pasted q does not quit');
});

test('isQuitKey, textOf', () => {
  assert.ok(isQuitKey(parseKeys('q')[0]));
  assert.ok(isQuitKey(parseKeys('\x03')[0]));
  assert.ok(!isQuitKey(parseKeys('Q')[0]));
  assert.equal(textOf(parseKeys('x')[0]), 'x');
  assert.equal(textOf(parseKeys('\x1b[A')[0]), '');
  assert.equal(textOf({ input: 'a\x1bb\nc', ctrl: false, meta: false, shift: false, paste: true }), 'abc');
});

test('list navigation: keys to movements, clamping, the shown selection; text entry', () => {
  const k = (s: string) => parseKeys(s)[0];
  assert.deepEqual(navOf(k('j'), 10), { kind: 'move', by: 1 });
  assert.deepEqual(navOf(k('\x1b[A'), 10), { kind: 'move', by: -1 });
  assert.deepEqual(navOf(k('\x1b[6~'), 10), { kind: 'move', by: 10 });
  assert.deepEqual(navOf(k('G'), 10), { kind: 'end' });
  assert.equal(navOf(k('x'), 10), undefined);
  const keys = ['a', 'b', 'c'];
  assert.equal(navigate(keys, undefined, { kind: 'move', by: 1 }), 'b');
  assert.equal(navigate(keys, 'b', { kind: 'move', by: 10 }), 'c');
  assert.equal(navigate(keys, 'gone', { kind: 'move', by: -1 }), 'a');
  assert.equal(navigate(keys, 'b', { kind: 'home' }), 'a');
  assert.equal(navigate([], 'x', { kind: 'end' }), 'x');
  assert.equal(shownSelection(keys, 'c'), 'c');
  assert.equal(shownSelection(keys, 'gone'), 'a');
  assert.equal(shownSelection(keys, 'gone', 'b'), 'b');
  assert.deepEqual(textEditOf(k('\r')), { kind: 'end' });
  assert.deepEqual(textEditOf(k('\x1b')), { kind: 'cancel' });
  assert.deepEqual(textEditOf(k('\x7f')), { kind: 'backspace' });
  assert.deepEqual(textEditOf(k('s')), { kind: 'input', text: 's' });
  assert.equal(textEditOf(k('\x1b[A')), undefined);
});
