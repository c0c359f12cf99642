/** `<Sparkline>`: a series as block characters (src/tui/sparkline.ts), scaled to `max` or the series' maximum. */
import React from 'react';
import { Text } from 'ink';
import { sparkline } from '../sparkline.js';
import { useTheme } from '../theme.js';

export interface SparklineProps {
  /** oldest first; null = no value at that point */
  readonly values: readonly (number | null)[];
  readonly width: number;
  /** full scale (default: the largest value shown) */
  readonly max?: number;
  readonly color?: string;
  readonly ascii?: boolean;
}

export function Sparkline(props: SparklineProps): React.ReactElement {
  const t = useTheme();
  return <Text color={t.c(props.color)}>{sparkline(props.values, props.width, { max: props.max, ascii: props.ascii })}</Text>;
}
