/**
 * `<HelpOverlay>`: a boxed list of keys and what they do (the `h`/`?` screen of a TUI), in two columns: a
 * description too long for its line wraps within its own column, never under the keys. Given a height, it never
 * draws more rows than that: when the list is longer, it shows a window of it from `offset` (↑ ↓ scroll it) and
 * a last line that says so and how to leave, so that "q quit" is on screen at any terminal size.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { useTheme } from '../theme.js';

export interface HelpOverlayProps {
  readonly title: string;
  /** [keys, what they do] */
  readonly keys: ReadonlyArray<readonly [string, string]>;
  /** extra lines under the key list (e.g. what the colours mean) */
  readonly notes?: readonly string[];
  /** columns, border included (default 80) */
  readonly width?: number;
  /** rows, border included (default: as many as the list needs) */
  readonly height?: number;
  /** first line of the list shown when it does not fit (clamped) */
  readonly offset?: number;
}

/** One row of the overlay's list: a key cell (empty on continuation rows) and its text, or a note. */
export interface HelpLine {
  readonly key: string;
  readonly text: string;
  readonly note?: boolean;
}

/** Words of `text` in lines of at most `width` columns (a longer word is cut). */
export function wrapWords(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let rest = word;
    while (rest.length > w) {
      if (cur) out.push(cur);
      out.push(rest.slice(0, w));
      rest = rest.slice(w);
      cur = '';
    }
    if (!rest) continue;
    if (!cur) cur = rest;
    else if (cur.length + 1 + rest.length <= w) cur += ' ' + rest;
    else {
      out.push(cur);
      cur = rest;
    }
  }
  if (cur || out.length === 0) out.push(cur);
  return out;
}

/** The width of the key column. */
function keyWidth(keys: HelpOverlayProps['keys']): number {
  return Math.max(0, ...keys.map(([k]) => k.length));
}

/** Columns inside the box (border and padding off). */
const inner = (width: number | undefined) => Math.max(10, (width ?? 80) - 4);

/** Every row of the list at this width, wrapped as drawn (pure). */
export function helpLines(p: Pick<HelpOverlayProps, 'keys' | 'notes' | 'width'>): HelpLine[] {
  const cols = inner(p.width);
  const kw = Math.min(keyWidth(p.keys), Math.floor(cols / 2));
  const out: HelpLine[] = [];
  for (const [k, h] of p.keys) {
    const keyRows = wrapWords(k, kw);
    const textRows = wrapWords(h, cols - kw - 1);
    for (let i = 0; i < Math.max(keyRows.length, textRows.length); i++) out.push({ key: keyRows[i] ?? '', text: textRows[i] ?? '' });
  }
  for (const n of p.notes ?? []) for (const l of wrapWords(n, cols)) out.push({ key: '', text: l, note: true });
  return out;
}

/** Rows of the list shown at this height (border, title and the scroll line off), or all when it fits. */
export function helpWindow(p: Pick<HelpOverlayProps, 'keys' | 'notes' | 'width' | 'height'>): { rows: number; total: number; scrolls: boolean } {
  const total = helpLines(p).length;
  if (p.height === undefined || total + 3 <= p.height) return { rows: total, total, scrolls: false };
  return { rows: Math.max(1, p.height - 4), total, scrolls: true };
}

/** The largest useful offset (0 when the list fits). */
export function helpMaxOffset(p: Pick<HelpOverlayProps, 'keys' | 'notes' | 'width' | 'height'>): number {
  const w = helpWindow(p);
  return w.scrolls ? Math.max(0, w.total - w.rows) : 0;
}

export function HelpOverlay(props: HelpOverlayProps): React.ReactElement {
  const t = useTheme();
  const cols = inner(props.width);
  const kw = Math.min(keyWidth(props.keys), Math.floor(cols / 2));
  const all = helpLines(props);
  const win = helpWindow(props);
  const off = Math.min(Math.max(0, props.offset ?? 0), helpMaxOffset(props));
  const shown = all.slice(off, off + win.rows);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={props.width}>
      <Text bold wrap="truncate">
        {props.title}
      </Text>
      {shown.map((l, i) =>
        l.note ? (
          <Text key={i} dimColor wrap="truncate">
            {l.text}
          </Text>
        ) : (
          <Box key={i} flexDirection="row">
            <Box width={kw + 1} flexShrink={0}>
              <Text color={t.c('cyan')} bold={!t.color} wrap="truncate">
                {l.key}
              </Text>
            </Box>
            <Box flexGrow={1} flexShrink={1}>
              <Text wrap="truncate">{l.text}</Text>
            </Box>
          </Box>
        ),
      )}
      {win.scrolls ? (
        <Text dimColor wrap="truncate">
          {`↑↓ scroll ${off + 1}-${off + shown.length}/${all.length} · Esc close · q quit`}
        </Text>
      ) : null}
    </Box>
  );
}
