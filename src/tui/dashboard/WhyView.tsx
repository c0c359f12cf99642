/**
 * `<WhyView>`: the `nsx why` diagnosis of a cgroup or a process in the detail pane (the same text as
 * `nsx why -v TARGET`: verdict lines worst first with their causes, the limits along the path), cut to the
 * pane's height and scrolled with ↑ ↓. Pure rendering of the lines the caller produced.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { escapeControl } from '../../output/escape.js';

export interface WhyViewProps {
  readonly target: string;
  /** the report's lines (undefined while the window is being sampled) */
  readonly lines?: readonly string[];
  /** why the diagnosis failed, if it did */
  readonly error?: string;
  readonly height: number;
  /** columns available: long report lines wrap, continuing under their own indentation */
  readonly width: number;
  /** first line shown */
  readonly offset?: number;
}

/** Wrap report lines to `width` at spaces, continuation lines indented two more than their line. Pure. */
export function wrapReport(lines: readonly string[], width: number): string[] {
  const out: string[] = [];
  const w = Math.max(20, width);
  for (const line of lines) {
    const indent = ' '.repeat((/^ */.exec(line)?.[0].length ?? 0) + 2);
    let rest = line;
    let first = true;
    while (rest.length > (first ? w : w - indent.length)) {
      const room = first ? w : w - indent.length;
      let cut = rest.lastIndexOf(' ', room);
      if (cut <= (first ? indent.length : 0)) cut = room;
      out.push((first ? '' : indent) + rest.slice(0, cut));
      rest = rest.slice(cut).replace(/^ +/, '');
      first = false;
    }
    out.push((first ? '' : indent) + rest);
  }
  return out;
}

export function WhyView(props: WhyViewProps): React.ReactElement {
  if (props.error !== undefined && !props.lines) return <Text>{`nsx why ${escapeControl(props.target)}: ${escapeControl(props.error)}`}</Text>;
  if (!props.lines) return <Text dimColor>{`nsx why ${escapeControl(props.target)}: sampling the window…`}</Text>;
  const all = wrapReport(props.lines, props.width);
  const h = Math.max(1, props.height);
  const off = Math.max(0, Math.min(props.offset ?? 0, all.length - h));
  const shown = all.slice(off, off + h);
  return (
    <Box flexDirection="column">
      {shown.map((l, i) => (
        <Text key={i} wrap="truncate">
          {l === '' ? ' ' : l}
        </Text>
      ))}
      <Text dimColor>{`w: again · Esc: back${all.length > h ? ` · ↑↓ scroll (${off + 1}-${off + shown.length}/${all.length})` : ''}`}</Text>
    </Box>
  );
}
