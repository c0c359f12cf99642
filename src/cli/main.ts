/**
 * nsx entry point: global options, command dispatch (lazy imports keep `nsx ls` from loading the TUI or
 * FFI code), and the one error handler: a one-line message, exit 2 for usage and 1 for runtime errors,
 * a stack trace only with --debug.
 */
import { hostPaths } from '../host/paths.js';
import { isNsxError, UsageError } from '../errors.js';
import { escapeControl } from '../output/escape.js';
import { getopt } from './getopt.js';
import type { CliContext, Command } from './context.js';
import { GLOBAL_OPTIONS } from './context.js';

export const VERSION = '0.1.0';

type Loader = () => Promise<{ command: Command }>;

/** Command name → lazy module. Aliases map to the same loader. */
const COMMANDS: Record<string, Loader> = {
  ls: () => import('./commands/ls.js'),
  cg: () => import('./commands/cg.js'),
  cgroups: () => import('./commands/cg.js'),
  enter: () => import('./commands/enter.js'),
  top: () => import('./commands/top.js'),
  ps: () => import('./commands/ps.js'),
  dashboard: () => import('./commands/dashboard.js'),
  exporter: () => import('./commands/exporter.js'),
};

export const USAGE = `Usage: nsx [--root DIR] [--no-color] [--debug] [COMMAND] [OPTIONS]

Linux namespaces and cgroups in one tool.

Commands:
  (none)        the interactive dashboard on a terminal; a host summary otherwise
  ls            list namespaces (lsns-compatible)
  cg            cgroup layout, hierarchies, trees and one cgroup in full (alias: cgroups)
  enter         run a program in a process's namespaces (nsenter-compatible)
  top           live per-cgroup CPU, memory, IO, tasks, throttling and pressure
  ps            processes with their namespaces, cgroups and containers
  exporter      Prometheus metrics of cgroups over HTTP (cAdvisor-compatible, with throttling attribution)

Global options (before or after the command; for enter, before it):
  --root DIR    inspect a fake host: DIR/proc, DIR/sys, DIR/etc (DIR may be a fixture manifest file)
  --no-color    no colours
  --debug       print stack traces on errors
  -h, --help    show help (nsx COMMAND --help for a command)
  -V, --version show the version

Run 'nsx COMMAND --help' for the options of a command.
`;

interface Globals {
  root?: string;
  noColor: boolean;
  debug: boolean;
}

/** Build the context for a run. Unpacks a manifest `--root` to a temporary directory (removed at exit). */
export async function makeContext(g: Globals): Promise<CliContext> {
  let rootDir = g.root;
  if (rootDir !== undefined) {
    const { isManifestFile, unpackManifest } = await import('../host/manifest.js');
    const { existsSync } = await import('node:fs');
    if (!existsSync(rootDir)) throw new UsageError(`nsx: --root: ${rootDir}: no such file or directory`);
    if (isManifestFile(rootDir)) {
      const host = unpackManifest(rootDir);
      process.once('exit', () => host.cleanup());
      rootDir = host.dir;
    }
  }
  const out = process.stdout;
  const isTTY = !!out.isTTY;
  const color = isTTY && !g.noColor && process.env.NO_COLOR === undefined;
  return {
    paths: hostPaths(rootDir),
    rootArg: g.root,
    color,
    debug: g.debug,
    stdout: out,
    stderr: process.stderr,
    isTTY,
    stdinTTY: !!process.stdin.isTTY,
    columns: isTTY ? out.columns : undefined,
    rows: isTTY ? out.rows : undefined,
    warn: (m: string) => void process.stderr.write(`nsx: ${escapeLines(m)}\n`),
  };
}

/** Escape control characters line by line: messages carry paths and names (cgroups, files, commands). */
function escapeLines(m: string): string {
  return m.split('\n').map(escapeControl).join('\n');
}

/** Print an error as one line (or a stack with --debug) and return the exit code. */
export function reportError(e: unknown, debug: boolean, stderr: NodeJS.WritableStream = process.stderr): number {
  if (debug) stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  if (isNsxError(e)) {
    if (!debug) {
      const msg = escapeLines(e.message.startsWith('nsx') ? e.message : `nsx: ${e.message}`);
      stderr.write(msg + '\n');
    }
    return e.exitCode;
  }
  if (!debug) stderr.write(`nsx: internal error: ${escapeLines((e as Error)?.message ?? String(e))} (run with --debug for details)\n`);
  return 1;
}

export async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  // a reader closing the pipe (nsx ls | head) is not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`nsx: cannot write the output: ${e.message}\n`); // ENOSPC, EIO…: not a success
    process.exit(1);
  });
  try {
    // global options up to the command word
    let i = 0;
    const pre: string[] = [];
    while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--') {
      pre.push(argv[i]);
      if ((argv[i] === '--root') && i + 1 < argv.length) pre.push(argv[++i]);
      i++;
    }
    const g = getopt(pre, GLOBAL_OPTIONS, { prog: 'nsx' });
    const rest = argv.slice(i);
    const name = rest[0];
    if (g.opts.version) {
      process.stdout.write(`nsx ${VERSION}\n`);
      return;
    }
    if (name === undefined || name === '--') {
      if (g.opts.help) {
        process.stdout.write(USAGE);
        return;
      }
    }
    const loader = name !== undefined && name !== '--' ? COMMANDS[name] : undefined;
    if (name !== undefined && name !== '--' && !loader) throw new UsageError(`nsx: unknown command '${name}'\nTry 'nsx --help' for more information.`);
    const ctx = await makeContext({ root: g.opts.root as string | undefined, noColor: !!g.opts['no-color'], debug });
    const mod = loader ? await loader() : await import('./commands/dashboard.js');
    const cmdArgv = loader ? rest.slice(1) : rest.filter((a) => a !== '--');
    if (g.opts.help && !cmdArgv.includes('--help')) cmdArgv.unshift('--help');
    process.exitCode = await mod.command.run(cmdArgv, ctx);
  } catch (e) {
    process.exitCode = reportError(e, debug);
  }
}
