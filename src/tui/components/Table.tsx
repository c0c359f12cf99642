/**
 * `<Table>`: a scrolling table (optionally a tree) driven by column specs — typically built from a field
 * registry (src/fields/*.ts). Each line is one string per row (fast with thousands of rows: only the visible
 * window is rendered), cells are escaped, padded and truncated to the column width. The selected line is shown
 * inverse (padded to the full width) and kept in view; other lines end at their last visible character (Ink
 * handles every character it is given, trailing blanks included, on every frame); `tone` colours a line.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { escapeControl } from '../../output/escape.js';
import { displayWidth, truncateTo } from '../../output/table.js';
import { useTheme } from '../theme.js';

export interface TableColumn<Row> {
  readonly id: string;
  readonly header: string;
  /** width in terminal columns */
  readonly width: number;
  readonly align?: 'left' | 'right';
  /** the cell text (untrusted text is fine: the table escapes it) */
  readonly cell: (row: Row) => string;
}

export type Tone = 'normal' | 'alert' | 'warn' | 'dim';

export interface TableLine<Row> {
  /** stable identity (e.g. the cgroup path) for selection */
  readonly key: string;
  readonly row: Row;
  /** tree glyphs drawn before the cell of the tree column */
  readonly prefix?: string;
  readonly tone?: Tone;
}

export interface TableProps<Row> {
  readonly columns: readonly TableColumn<Row>[];
  readonly lines: readonly TableLine<Row>[];
  /** key of the selected line */
  readonly selectedKey?: string;
  /** lines available, header included */
  readonly height: number;
  /** id of the column that gets the tree prefix */
  readonly treeColumn?: string;
  /** what to print when there are no lines */
  readonly empty?: string;
}

const TONE_COLOR: Record<Tone, string | undefined> = { normal: undefined, alert: 'red', warn: 'yellow', dim: 'gray' };

/** Pad or cut `s` to exactly `w` display columns. */
export function fit(s: string, w: number, right = false): string {
  const t = displayWidth(s) > w ? truncateTo(s, Math.max(0, w - 1)) + (w > 0 ? '…' : '') : s;
  const pad = ' '.repeat(Math.max(0, w - displayWidth(t)));
  return right ? pad + t : t + pad;
}

/** First visible line index so that `selected` stays in a window of `h` lines out of `n`. */
export function scrollOffset(selected: number, n: number, h: number): number {
  if (n <= h || selected < 0) return 0;
  return Math.max(0, Math.min(selected - Math.floor(h / 2), n - h));
}

/** One table line as text. */
export function lineText<Row>(columns: readonly TableColumn<Row>[], line: TableLine<Row>, treeColumn?: string): string {
  return columns
    .map((c) => {
      const text = escapeControl(c.cell(line.row));
      return fit(c.id === treeColumn && line.prefix ? line.prefix + text : text, c.width, c.align === 'right');
    })
    .join(' ');
}

export function Table<Row>(props: TableProps<Row>): React.ReactElement {
  const { columns, lines, height, treeColumn } = props;
  const t = useTheme();
  const header = columns.map((c) => fit(c.header, c.width, c.align === 'right')).join(' ');
  const bodyH = Math.max(0, height - 1);
  const sel = props.selectedKey === undefined ? -1 : lines.findIndex((l) => l.key === props.selectedKey);
  const off = scrollOffset(sel, lines.length, bodyH);
  const visible = lines.slice(off, off + bodyH);
  return (
    <Box flexDirection="column">
      <Text bold>{header}</Text>
      {visible.length === 0 && props.empty ? <Text dimColor>{props.empty}</Text> : null}
      {visible.map((l) => (
        <Text key={l.key} inverse={l.key === props.selectedKey} color={t.c(TONE_COLOR[l.tone ?? 'normal'])} bold={!t.color && l.tone === 'alert'} dimColor={!t.color && l.tone === 'dim'} wrap="truncate">
          {l.key === props.selectedKey ? lineText(columns, l, treeColumn) : lineText(columns, l, treeColumn).trimEnd()}
        </Text>
      ))}
    </Box>
  );
}
