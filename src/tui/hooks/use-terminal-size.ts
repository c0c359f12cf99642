/**
 * `useTerminalSize(fixed?)`: the terminal's columns and rows, updated on resize (Ink's stdout 'resize' event).
 * `fixed` overrides either dimension (tests render at a fixed width/height).
 */
import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

export function useTerminalSize(fixed: Partial<TerminalSize> = {}): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => ({ columns: fixed.columns ?? stdout?.columns ?? 80, rows: fixed.rows ?? stdout?.rows ?? 24 });
  const [size, setSize] = useState<TerminalSize>(read);
  useEffect(() => {
    if (!stdout) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout, fixed.columns, fixed.rows]);
  return fixed.columns !== undefined && fixed.rows !== undefined ? { columns: fixed.columns, rows: fixed.rows } : size;
}
