/**
 * The one full-screen runner of the TUIs (`nsx top`, the dashboard): enter the alternate screen (restored on
 * every way out: src/tui/terminal.ts), render the app with Ink, start the data sources once Ink has mounted and
 * put stdin in raw mode (a first sample of a large host blocks the event loop for a while, and keys typed
 * before raw mode would sit in the terminal's line buffer), wait until the app exits, then stop the sources and
 * restore the terminal — also when rendering failed.
 *
 * q and Ctrl-C are keys of the apps (src/tui/keys.ts isQuitKey): Ink's own Ctrl-C handling sees only a read
 * that is exactly Ctrl-C, not one that arrives with other keys.
 */
import type React from 'react';
import { enterFullScreen } from './terminal.js';

export interface FullScreenOptions {
  /** the app; `unmount` ends the run (e.g. to hand the terminal to a shell) */
  readonly element: (unmount: () => void) => React.ReactElement;
  /** start sampling (called once, after the first paint) */
  readonly start: (unmount: () => void) => void;
  /** stop sampling (called once, whatever happened) */
  readonly stop: () => void;
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
}

/** Delay between the first paint and the start of sampling. */
const START_DELAY_MS = 50;

export async function runFullScreen(o: FullScreenOptions): Promise<void> {
  const { render } = await import('ink');
  const stdout = o.stdout ?? process.stdout;
  const stdin = o.stdin ?? process.stdin;
  // While a shell started from the TUI owns the terminal, a read still pending on our stdin fails with EIO (a
  // background read): expected and harmless. Any other stdin error is a real one.
  const onStdinError = (e: NodeJS.ErrnoException) => {
    if (e?.code !== 'EIO') throw e;
  };
  stdin.on('error', onStdinError);
  const term = enterFullScreen({ stdout, stdin });
  let starter: NodeJS.Timeout | undefined;
  try {
    let unmount = () => {};
    const app = render(
      o.element(() => unmount()),
      { stdout, stdin, exitOnCtrlC: false, patchConsole: false },
    );
    unmount = () => app.unmount();
    starter = setTimeout(() => o.start(unmount), START_DELAY_MS);
    await app.waitUntilExit();
  } finally {
    clearTimeout(starter); // also when Ink failed: a late start would keep the process alive
    o.stop();
    term.restore();
    stdin.off('error', onStdinError);
  }
}
