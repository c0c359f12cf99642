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
  /** Colour allowed (a terminal, no `--no-color`, no NO_COLOR). */
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

/** A command module exports `command: Command`. */
export interface Command {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** one line for `nsx --help` */
  readonly summary: string;
  /** full `nsx CMD --help` text */
  readonly help: string;
  /** Parse argv (global options already removed when given before the command) and run; resolve to the exit code. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}

/** Options accepted after the command name as well as before it (all commands but `enter`, where -r/--root is nsenter's). */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'root', arg: 'required' },
  { name: 'no-color', arg: 'none' },
  { name: 'debug', arg: 'none' },
  { name: 'help', short: 'h', arg: 'none' },
  { name: 'version', short: 'V', arg: 'none' },
];
