/**
 * List navigation and text entry shared by the full-screen lists (`nsx top`, the dashboard), pure: which key
 * moves the selection and how, where the selection lands in a list of keys, and how a key edits a search or
 * filter being typed. Each screen keeps its own state; these functions are the one rule for all of them.
 */
import { textOf, type KeyPress } from './keys.js';

/** A movement of the selection. */
export type Nav = { readonly kind: 'move'; readonly by: number } | { readonly kind: 'home' } | { readonly kind: 'end' };

/** ↑ ↓ j k PgUp PgDn g G Home End → a movement (`page`: lines of one page); undefined for other keys. */
export function navOf(k: KeyPress, page: number): Nav | undefined {
  if (k.paste || k.ctrl || k.meta) return undefined;
  const p = Math.max(1, page);
  if (k.name === 'up' || k.input === 'k') return { kind: 'move', by: -1 };
  if (k.name === 'down' || k.input === 'j') return { kind: 'move', by: 1 };
  if (k.name === 'pageup') return { kind: 'move', by: -p };
  if (k.name === 'pagedown') return { kind: 'move', by: p };
  if (k.name === 'home' || k.input === 'g') return { kind: 'home' };
  if (k.name === 'end' || k.input === 'G') return { kind: 'end' };
  return undefined;
}

/** The key selected after `nav` in `keys`, from `current` (not in the list: from the first). */
export function navigate(keys: readonly string[], current: string | undefined, nav: Nav): string | undefined {
  if (keys.length === 0) return current;
  if (nav.kind === 'home') return keys[0];
  if (nav.kind === 'end') return keys[keys.length - 1];
  const cur = current === undefined ? 0 : Math.max(0, keys.indexOf(current));
  return keys[Math.min(keys.length - 1, Math.max(0, cur + nav.by))];
}

/** The key shown as selected: the wanted one while it is in the list, else the fallback, else the first. */
export function shownSelection(keys: readonly string[], wanted: string | undefined, fallback?: string): string | undefined {
  if (wanted !== undefined && keys.includes(wanted)) return wanted;
  return fallback ?? keys[0];
}

/** What a key does to a search or filter being typed. */
export type TextEdit = { readonly kind: 'input'; readonly text: string } | { readonly kind: 'backspace' } | { readonly kind: 'end' } | { readonly kind: 'cancel' };

/** Enter keeps the text, Esc cancels it, Backspace/Delete erase, printable keys and pastes add text. */
export function textEditOf(k: KeyPress): TextEdit | undefined {
  if (k.name === 'return') return { kind: 'end' };
  if (k.name === 'escape') return { kind: 'cancel' };
  if (k.name === 'backspace' || k.name === 'delete') return { kind: 'backspace' };
  const text = textOf(k);
  return text ? { kind: 'input', text } : undefined;
}
