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
}

export function ProcessDetailView(props: ProcessDetailViewProps): React.ReactElement {
  if (!props.detail) return <Text dimColor>{`PID ${props.pid}: gone or not readable`}</Text>;
  const lines = formatPsDetail(props.detail, { termWidth: props.width }).split('\n').slice(0, Math.max(1, props.height));
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate">
          {l === '' ? ' ' : l}
        </Text>
      ))}
      <Text dimColor>Enter: its namespaces · e: enter it · Esc: back</Text>
    </Box>
  );
}
