/**
 * Terminal modes for full-screen TUIs: enter the alternate screen and hide the cursor, and restore both (and
 * stdin's cooked mode) exactly once — on a normal quit (`q`), Ctrl-C, SIGTERM/SIGHUP, and on a crash
 * (uncaught exception / unhandled rejection), so that a dying nsx never leaves the user's shell unusable.
 */

/** Switch to the alternate screen buffer, clear it, hide the cursor. */
export const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H\x1b[?25l';
/** Show the cursor, leave the alternate screen buffer. */
export const LEAVE_ALT_SCREEN = '\x1b[?25h\x1b[?1049l';

interface TtyIn {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

interface TtyOut {
  write(s: string): unknown;
}

export interface TerminalSession {
  /** Restore the terminal (idempotent) and remove the signal/crash handlers. */
  restore(): void;
  /** true once restored */
  readonly restored: boolean;
}

export interface TerminalOptions {
  readonly stdout: TtyOut;
  readonly stdin?: TtyIn;
  /** Called after restoring on SIGINT/SIGTERM/SIGHUP (default: exit with 128+signal). */
  readonly onSignal?: (sig: NodeJS.Signals) => void;
  /** Process to hook (tests pass a fake EventEmitter). */
  readonly proc?: NodeJS.EventEmitter;
  /** How to end the process after a signal or a crash (default process.exit; tests record it). */
  readonly exit?: (code: number) => void;
  /** Where a crash is reported (default stderr). */
  readonly report?: (message: string) => void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNUM: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/**
 * Enter full-screen mode and arrange for the terminal to be restored on every way out. Returns the session;
 * call `restore()` on a normal exit.
 */
export function enterFullScreen(opts: TerminalOptions): TerminalSession {
  const proc = opts.proc ?? process;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const report = opts.report ?? ((m: string) => void process.stderr.write(m));
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      if (opts.stdin?.isTTY && opts.stdin.setRawMode) opts.stdin.setRawMode(false);
    } catch (e) {
      // stdin already closed: say so, and restore the screen anyway
      report(`nsx: could not leave raw mode: ${(e as Error)?.message ?? String(e)}\n`);
    }
    opts.stdout.write(LEAVE_ALT_SCREEN);
    for (const s of SIGNALS) proc.removeListener(s, onSig);
    proc.removeListener('exit', restore);
    proc.removeListener('uncaughtException', onCrash);
    proc.removeListener('unhandledRejection', onCrash);
  };
  const onSig = (sig: NodeJS.Signals) => {
    restore();
    if (opts.onSignal) opts.onSignal(sig);
    else exit(128 + (SIGNUM[sig] ?? 1));
  };
  const onCrash = (e: unknown) => {
    restore();
    report(`nsx: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    exit(1);
  };
  for (const s of SIGNALS) proc.on(s, onSig);
  proc.on('exit', restore);
  proc.on('uncaughtException', onCrash);
  proc.on('unhandledRejection', onCrash);
  opts.stdout.write(ENTER_ALT_SCREEN);
  return {
    restore,
    get restored() {
      return restored;
    },
  };
}
