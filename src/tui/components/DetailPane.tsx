/**
 * `<DetailPane>`: one cgroup in full — every field of the `nsx top` registry (limits beside usage, counters,
 * rates, throttle attribution, pressure), CPU and memory sparklines over the last minute, and its processes.
 * Pure rendering of what the caller passes (the processes are read by the caller's hook).
 */
import React from 'react';
import { Box, Text } from 'ink';
import { formatCell } from '../../fields/registry.js';
import { TOP_FIELDS, humanBytes } from '../../fields/top.js';
import type { TopRow } from '../../sampler/frame.js';
import { escapeControl } from '../../output/escape.js';
import { Sparkline } from './Sparkline.js';
import { useTheme } from '../theme.js';

export interface DetailProcess {
  readonly pid: number;
  /** command line (untrusted: escaped here) */
  readonly command: string;
}

export interface DetailPaneProps {
  readonly row: TopRow;
  /** the container (pod, unit) name of the cgroup, when known (else the path's label) */
  readonly name?: string;
  readonly cpuSeries: readonly (number | null)[];
  readonly memorySeries: readonly (number | null)[];
  /** member processes (undefined = not read yet) */
  readonly processes?: readonly DetailProcess[];
  readonly width: number;
  /** lines available */
  readonly height: number;
  readonly raw?: boolean;
}

/** Fields shown in the detail pane (the registry minus those that repeat the title). */
const DETAIL_FIELDS = TOP_FIELDS.filter((f) => !['PATH', 'NAME', 'PSI'].includes(f.id));

export function DetailPane(props: DetailPaneProps): React.ReactElement {
  const { row } = props;
  const t = useTheme();
  const ctx = { raw: props.raw };
  const cells = DETAIL_FIELDS.map((f) => `${(f.header ?? f.id).padEnd(12)} ${escapeControl(formatCell(f, row, ctx))}`);
  const colW = 34;
  const perLine = Math.max(1, Math.floor((props.width - 2) / colW));
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += perLine) lines.push(cells.slice(i, i + perLine).map((c) => c.slice(0, colW - 1).padEnd(colW)).join('').trimEnd());
  const sparkW = Math.max(10, Math.min(60, props.width - 24));
  const procRoom = Math.max(3, props.height - lines.length - 7);
  const procs = props.processes ?? [];
  const memMax = typeof row.counters.memory_max_bytes === 'number' ? row.counters.memory_max_bytes : undefined;
  return (
    <Box flexDirection="column" borderStyle="single" paddingX={1}>
      <Text bold wrap="truncate">
        {escapeControl(row.path)}
        {props.name ?? row.container ? `  [${escapeControl(props.name ?? row.container ?? '')}]` : ''}
        {row.throttled_by ? (
          <Text color={t.c('red')}>{`  throttled by ${escapeControl(row.throttled_by)}${row.throttled_by_cpus !== null ? ` (limit ${row.throttled_by_cpus.toFixed(2)} CPU)` : ''}`}</Text>
        ) : null}
      </Text>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate">
          {l}
        </Text>
      ))}
      <Text wrap="truncate">
        {'CPU% 1 min   '}
        <Sparkline values={props.cpuSeries} width={sparkW} color="green" max={row.cpu_limit_cpus !== null ? row.cpu_limit_cpus * 100 : undefined} />
      </Text>
      <Text wrap="truncate">
        {'memory 1 min '}
        <Sparkline values={props.memorySeries} width={sparkW} color="blue" max={memMax} />
        {memMax !== undefined ? ` of ${humanBytes(memMax)}` : ''}
      </Text>
      <Text bold>{`processes (${props.processes === undefined ? '…' : procs.length})`}</Text>
      {procs.slice(0, procRoom).map((p) => (
        <Text key={p.pid} wrap="truncate">
          {String(p.pid).padStart(8)} {escapeControl(p.command)}
        </Text>
      ))}
      {procs.length > procRoom && procRoom > 0 ? <Text dimColor>{`… ${procs.length - procRoom} more`}</Text> : null}
    </Box>
  );
}
