/**
 * `<ProcessDetailView>`: one process in full (the `nsx ps PID` text: command line, user, NSpid chain, its
 * namespaces with holder counts, uid/gid maps, its cgroups with limits and usage, container, root overlay),
 * cut to the pane's height. Pure rendering of the detail the caller read.
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { PsDetail } from '../../services/ps.js';
import { formatPsDetail } from '../../fields/ps.js';

export interface ProcessDetailViewProps {
  /** the detail (undefined while loading or when the process is gone) */
  readonly detail?: PsDetail;
  readonly pid: number;
  readonly width: number;
  readonly height: number;
  /** first line shown (↑ ↓ scroll) */
  readonly offset?: number;
}

/** The detail as lines (what the view shows and scrolls through). Pure. */
export function detailLines(detail: PsDetail, width: number): string[] {
  return formatPsDetail(detail, { termWidth: width }).replace(/\n$/, '').split('\n');
}

export function ProcessDetailView(props: ProcessDetailViewProps): React.ReactElement {
  if (!props.detail) return <Text dimColor>{`PID ${props.pid}: gone or not readable`}</Text>;
  const all = detailLines(props.detail, props.width);
  const h = Math.max(1, props.height);
  const off = Math.max(0, Math.min(props.offset ?? 0, all.length - h));
  const lines = all.slice(off, off + h);
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate">
          {l === '' ? ' ' : l}
        </Text>
      ))}
      <Text dimColor>{`Enter: its namespaces · e: enter it · Esc: back${all.length > h ? ` · ↑↓ scroll (${off + 1}-${off + lines.length}/${all.length})` : ''}`}</Text>
    </Box>
  );
}
