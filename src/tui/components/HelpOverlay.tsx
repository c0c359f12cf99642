/**
 * `<HelpOverlay>`: a boxed list of keys and what they do (the `h`/`?` screen of a TUI), in two columns: a
 * description too long for its line wraps within its own column, never under the keys.
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
  readonly width?: number;
}

export function HelpOverlay(props: HelpOverlayProps): React.ReactElement {
  const t = useTheme();
  const w = Math.max(...props.keys.map(([k]) => k.length));
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={props.width}>
      <Text bold>{props.title}</Text>
      {props.keys.map(([k, h]) => (
        <Box key={k} flexDirection="row">
          <Box width={w + 1} flexShrink={0}>
            <Text color={t.c('cyan')} bold={!t.color}>
              {k}
            </Text>
          </Box>
          <Box flexGrow={1} flexShrink={1}>
            <Text wrap="wrap">{h}</Text>
          </Box>
        </Box>
      ))}
      {(props.notes ?? []).map((n) => (
        <Text key={n} dimColor wrap="wrap">
          {n}
        </Text>
      ))}
    </Box>
  );
}
