/**
 * What every command receives besides its own argv: the host paths (`--root`), output streams and the
 * global flags. Commands parse their own flags, then call a service with an options object.
 */
import type { Writable } from 'node:stream';
import type { HostPaths } from '../host/paths.js';
import type { OptionSpec } from './getopt.js';

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
