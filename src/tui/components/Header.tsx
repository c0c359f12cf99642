/**
 * `<Header>`: host facts (CPUs, memory, load, kernel, cgroup layout) on the first line and the view's status
 * (interval, paused, order, filter, counts) on the second. Facts come from the caller (src/readers/host-facts.ts,
 * loaded lazily by the TUI runner); absent facts are left out.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { escapeControl } from '../../output/escape.js';
import { useTheme } from '../theme.js';

export interface HostFacts {
  readonly hostname?: string;
  readonly cpus?: number;
  readonly memTotalBytes?: number;
  readonly memUsedBytes?: number;
  /** 1/5/15 min load averages */
  readonly load?: readonly number[];
  readonly kernel?: string;
}

export interface HeaderProps {
  readonly title: string;
  readonly facts?: HostFacts;
  /** cgroup layout: unified / hybrid / legacy */
  readonly layout?: string;
  /** status items shown on the second line, in order (`label: value`) */
  readonly status: ReadonlyArray<readonly [string, string]>;
  /** a highlighted notice (paused, errors) */
  readonly notice?: string;
}

function gib(n: number): string {
  return `${(n / 1024 ** 3).toFixed(1)}G`;
}

export function Header(props: HeaderProps): React.ReactElement {
  const t = useTheme();
  const f = props.facts ?? {};
  const facts: string[] = [];
  if (f.hostname) facts.push(escapeControl(f.hostname));
  if (f.cpus !== undefined) facts.push(`${f.cpus} CPU${f.cpus === 1 ? '' : 's'}`);
  if (f.memTotalBytes !== undefined) facts.push(`mem ${f.memUsedBytes !== undefined ? gib(f.memUsedBytes) + '/' : ''}${gib(f.memTotalBytes)}`);
  if (f.load) facts.push(`load ${f.load.map((l) => l.toFixed(2)).join(' ')}`);
  if (f.kernel) facts.push(`kernel ${escapeControl(f.kernel)}`);
  if (props.layout) facts.push(`cgroups ${props.layout}`);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold color={t.c('cyan')}>
          {props.title}
        </Text>
        {facts.length ? '  ' + facts.join(' · ') : ''}
      </Text>
      <Text wrap="truncate">
        {props.status.map(([k, v]) => `${k}: ${v}`).join('  ')}
        {props.notice ? (
          <Text color={t.c('yellow')} bold>
            {'  '}
            {escapeControl(props.notice)}
          </Text>
        ) : null}
      </Text>
    </Box>
  );
}
