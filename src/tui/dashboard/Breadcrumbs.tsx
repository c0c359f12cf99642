/**
 * `<Breadcrumbs>`: the view tabs (`1 Cgroups  2 Namespaces  3 Processes`, the current one highlighted) and
 * where the drill-down is (`Cgroups › /system.slice/docker-….scope › PID 2000 postgres › namespaces`).
 */
import React from 'react';
import { Box, Text } from 'ink';
import { escapeControl } from '../../output/escape.js';
import { useTheme } from '../theme.js';
import type { ViewId } from './model.js';

export interface BreadcrumbsProps {
  readonly view: ViewId;
  /** drill-down labels below the view (untrusted text is escaped here) */
  readonly crumbs: readonly string[];
  /** the search being typed or applied, if any */
  readonly search?: string;
  readonly editingSearch?: boolean;
}

const TITLES: Record<ViewId, string> = { cgroups: 'Cgroups', namespaces: 'Namespaces', processes: 'Processes' };
const ORDER: readonly ViewId[] = ['cgroups', 'namespaces', 'processes'];

export function Breadcrumbs(props: BreadcrumbsProps): React.ReactElement {
  const t = useTheme();
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {ORDER.map((v, i) => (
          <Text key={v} inverse={v === props.view} bold={v === props.view}>
            {` ${i + 1} ${TITLES[v]} `}
          </Text>
        ))}
        {props.search !== undefined && (props.search !== '' || props.editingSearch) ? (
          <Text color={t.c('yellow')}>{`  /${escapeControl(props.search)}${props.editingSearch ? '▏' : ''}`}</Text>
        ) : null}
      </Text>
      <Text wrap="truncate" color={t.c('cyan')}>
        {[TITLES[props.view], ...props.crumbs.map(escapeControl)].join(' › ')}
      </Text>
    </Box>
  );
}
