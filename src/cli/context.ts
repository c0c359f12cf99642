/**
 * What every command receives besides its own argv: the host paths (`--root`), output streams and the
 * global flags — the CliContext, made once per run by `makeContext` (and again by a command given global
 * options after its name: ./common.ts). Commands parse their own flags, then call a service with an options
 * object.
 */
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { hostPaths, type HostPaths } from '../host/paths.js';
import { openHostRoot } from '../host/manifest.js';
import { UsageError } from '../errors.js';
import { escapeControl } from '../output/escape.js';
import { maskUnpacked } from '../host/unpacked.js';
// a few lines with no imports of their own (Ink itself is imported only when a TUI starts)
import { setInkColor } from '../services/ink-loader.js';
import type { OptionSpec } from './getopt.js';
import { commandOutput } from './out.js';

export interface CliContext {
  /** The host to read (live `/` or a fake host from `--root`). */
  readonly paths: HostPaths;
  /** What the user passed to `--root` (a directory or a manifest file), if anything. */
  readonly rootArg?: string;
  /** What --color[=WHEN] / --no-color asked for (`auto` when neither was given). */
  readonly colorMode?: ColorMode;
  /**
   * Colour on or off, resolved once from `colorMode`: `always` → on, `never` → off, `auto` → on when stdout
   * is a terminal, NO_COLOR is unset or empty, and TERM is not `dumb` (https://no-color.org). Views and
   * the TUIs read this field only.
   */
  readonly color: boolean;
  /** `--debug`: print stack traces. */
  readonly debug: boolean;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** stdout is a terminal */
  readonly isTTY: boolean;
  /** stdin is a terminal */
  readonly stdinTTY: boolean;
  /** terminal width when stdout is a terminal */
  readonly columns?: number;
  readonly rows?: number;
  /** Print a one-line warning to stderr, prefixed with `nsx: `. */
  warn(message: string): void;
}

export type ColorMode = 'auto' | 'always' | 'never';

/** Colour on or off for a mode (see CliContext.color). */
export function resolveColor(mode: ColorMode, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (mode !== 'auto') return mode === 'always';
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** A command module exports `command: Command`. */
export interface Command {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** one line for `nsx --help` */
  readonly summary: string;
  /** full `nsx CMD --help` text */
  readonly help: string;
  /** Its option table (the same one it parses with): man pages and shell completions are made from it. */
  readonly options?: readonly OptionSpec[];
  /** Parse argv (global options already removed when given before the command) and run; resolve to the exit code. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}

/** Options accepted after the command name as well as before it (all commands but `enter`, where -r/--root is nsenter's). */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'root', arg: 'required' },
  { name: 'color', arg: 'optional', values: ['auto', 'always', 'never'] },
  { name: 'no-color', arg: 'none' },
  { name: 'debug', arg: 'none' },
  { name: 'help', short: 'h', arg: 'none' },
  { name: 'version', short: 'V', arg: 'none' },
];

/** The global options of a run: what `makeContext` is made from. */
export interface Globals {
  readonly root?: string;
  readonly color: ColorMode;
  readonly debug: boolean;
}

/** The color mode given by --color[=WHEN] / --no-color among parsed options (undefined when neither). */
export function colorOption(opts: Record<string, unknown>, prog: string): ColorMode | undefined {
  if (opts['no-color']) return 'never';
  const c = opts.color;
  if (c === undefined) return undefined;
  if (c === true || c === '') return 'always';
  const v = String(c).toLowerCase();
  if (v === 'auto' || v === 'always' || v === 'never') return v;
  throw new UsageError(`${prog}: invalid argument '${c}' for '--color' (auto, always or never)\nTry '${prog} --help' for more information.`);
}

/** Build the context for a run. Unpacks a manifest `--root` to a temporary directory (removed at exit). */
export async function makeContext(g: Globals): Promise<CliContext> {
  let rootDir = g.root;
  if (rootDir !== undefined) {
    const host = openHostRoot(rootDir);
    if (host.cleanup) process.once('exit', host.cleanup);
    rootDir = host.dir;
  }
  const { stdout, stderr, isTTY, columns, rows } = commandOutput();
  const color = resolveColor(g.color, isTTY, process.env);
  setInkColor(color);
  return {
    paths: hostPaths(rootDir),
    rootArg: g.root,
    colorMode: g.color,
    color,
    debug: g.debug,
    stdout,
    stderr,
    isTTY,
    // asked only by the TUIs: neither process.stdin (a stream) nor node:tty (with node:net) is loaded for `nsx ls`
    get stdinTTY() {
      return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(0);
    },
    columns,
    rows,
    warn: (m: string) => void stderr.write(`nsx: ${escapeControl(maskUnpacked(m))}\n`),
  };
}
