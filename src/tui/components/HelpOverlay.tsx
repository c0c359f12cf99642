/** `<HelpOverlay>`: a boxed list of keys and what they do (the `h`/`?` screen of a TUI). */
import React from 'react';
import { Box, Text } from 'ink';

export interface HelpOverlayProps {
  readonly title: string;
  /** [keys, what they do] */
  readonly keys: ReadonlyArray<readonly [string, string]>;
  /** extra lines under the key list (e.g. what the colours mean) */
  readonly notes?: readonly string[];
  readonly width?: number;
}

export function HelpOverlay(props: HelpOverlayProps): React.ReactElement {
  const w = Math.max(...props.keys.map(([k]) => k.length));
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={props.width}>
      <Text bold>{props.title}</Text>
      {props.keys.map(([k, h]) => (
        <Text key={k}>
          <Text color="cyan">{k.padEnd(w)}</Text> {h}
        </Text>
      ))}
      {(props.notes ?? []).map((n) => (
        <Text key={n} dimColor>
          {n}
        </Text>
      ))}
    </Box>
  );
}
