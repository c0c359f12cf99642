/**
 * nsx entry point: global options, command dispatch (lazy imports keep `nsx ls` from loading the TUI or
 * FFI code), `nsx help [COMMAND]`, `nsx --version`, and the one error handler: one escaped line, exit 2
 * for usage and 1 for runtime errors, a stack trace only with --debug.
 */
import { createRequire } from 'node:module';
import { hostPaths } from '../host/paths.js';
import { maskUnpacked } from '../host/unpacked.js';
import { errnoOf, errnoSentence, NsxError, UsageError } from '../errors.js';
import { escapeControl } from '../output/escape.js';
import { getopt } from './getopt.js';
import type { CliContext, ColorMode, Command } from './context.js';
import { GLOBAL_OPTIONS, resolveColor } from './context.js';
import { VERSION, versionLine } from './version.js';
// static: a few lines with no imports of their own (Ink itself is imported only when a TUI starts)
import { setInkColor } from '../services/ink-loader.js';
import { commandOutput } from './out.js';

export { VERSION };

type Loader = () => Promise<{ command: Command }>;

/**
 * Command name → lazy module (one line per command; an alias maps to the same loader). The order is the
 * order of `nsx --help`; the one-line summary shown there is the module's `command.summary`.
 */
export const COMMANDS: Record<string, Loader> = {
  ls: () => import('./commands/ls.js'),
  cg: () => import('./commands/cg.js'),
  cgroups: () => import('./commands/cg.js'),
  enter: () => import('./commands/enter.js'),
  top: () => import('./commands/top.js'),
  ps: () => import('./commands/ps.js'),
  dashboard: () => import('./commands/dashboard.js'),
  why: () => import('./commands/why.js'),
  exporter: () => import('./commands/exporter.js'),
  record: () => import('./commands/record.js'),
};

/** Names that are aliases of another command (not listed on their own in `nsx --help`). */
export const ALIASES: Readonly<Record<string, string>> = { cgroups: 'cg' };

/**
 * One line per command for `nsx --help`, kept here so that the usage prints without loading every command.
 * A command registered in COMMANDS but missing here is listed with its module's summary (test/docs checks
 * that the two agree).
 */
export const SUMMARIES: Readonly<Record<string, string>> = {
  ls: 'list namespaces (lsns-compatible)',
  cg: 'cgroup layout, hierarchies, trees and one cgroup in full (alias: cgroups)',
  enter: "run a program in a process's namespaces (nsenter-compatible)",
  top: 'live per-cgroup CPU, memory, IO, tasks, throttling and pressure',
  ps: 'processes with their namespaces, cgroups and containers',
  dashboard: 'the interactive dashboard (what nsx with no command starts on a terminal)',
  why: 'why a cgroup is throttled, short of memory, OOM-killed or refused forks',
  exporter: 'Prometheus metrics of cgroups over HTTP (cAdvisor-compatible, with throttling attribution)',
  record: 'record cgroups, processes, namespaces and OOM kills for replay (--at) and Prometheus backfill',
};

/** Registered command names in help order, aliases left out. */
export function commandNames(): string[] {
  return Object.keys(COMMANDS).filter((n) => !(n in ALIASES));
}

/** Every command (aliases folded in), its modules loaded: for man pages, completions and their tests. */
export async function loadCommands(): Promise<Array<{ name: string; aliases: string[]; summary: string; command: Command }>> {
  const out = [];
  for (const name of commandNames()) {
    const { command } = await COMMANDS[name]();
    out.push({ name, aliases: Object.keys(ALIASES).filter((a) => ALIASES[a] === name), summary: SUMMARIES[name] ?? command.summary, command });
  }
  return out;
}

function usage(): string {
  const names = commandNames();
  const lines = names.map((n) => `  ${n.padEnd(13)} ${SUMMARIES[n] ?? ''}`.trimEnd());
  return `Usage: nsx [GLOBAL OPTIONS] [COMMAND] [OPTIONS]
       nsx help [COMMAND]

Linux namespaces and cgroups in one tool.

Commands:
  (none)        the interactive dashboard on a terminal; a host summary otherwise
${lines.join('\n')}
  help          this help, or the help of one command

Global options (before or after the command; for enter, before it):
  --root DIR|FILE   inspect a fake host: DIR/proc, DIR/sys, DIR/etc (or a fixture manifest file)
  --color[=WHEN]    colours: auto (default: on a terminal, unless NO_COLOR is set), always or never
  --no-color        the same as --color=never
  --debug           print stack traces on errors
  -h, --help        show help (nsx help COMMAND, or nsx COMMAND --help, for a command)
  -V, --version     show the version, the commit and which optional parts work

Options of nsx with no command:
  -s, --summary     print the host summary even on a terminal
  -i, --interval MS the dashboard's refresh interval (default 1000)
      --json        the host summary as JSON

Environment:
  NO_COLOR              no colours with --color=auto (https://no-color.org)
  NSX_ENTER_HELPER      the nsx-enter helper program to use instead of the one built at install
  NODE_EXTRA_CA_CERTS   the nsx command starts Node without it (Node would parse that whole file at
                        every start; nsx makes no TLS connection); the programs nsx starts get it back

See the nsx(1) and nsx-COMMAND(1) manual pages, and docs/ in the source.
`;
}

/** `nsx --help` (built once from the command table). */
export const USAGE = usage();

interface Globals {
  root?: string;
  color: ColorMode;
  debug: boolean;
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
    const { openHostRoot } = await import('../host/manifest.js');
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

const HINT = /\n(Try '[^'\n]*' for more information\.)$/;

/**
 * One message for the terminal: every control character escaped (a newline in a cgroup name or a path
 * stays on the line as \x0a); only a final "Try 'nsx --help' …" hint goes on its own line.
 */
export function escapeMessage(message: string): string {
  const m = HINT.exec(message);
  const body = m ? message.slice(0, m.index) : message;
  const line = escapeControl(body.startsWith('nsx') ? body : `nsx: ${body}`);
  return m ? `${line}\n${m[1]}` : line;
}

/** Print an error as one line (or a stack with --debug) and return the exit code. */
export function reportError(e: unknown, debug: boolean, stderr: NodeJS.WritableStream = process.stderr): number {
  if (debug) stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  if (e instanceof NsxError) {
    if (!debug) stderr.write(escapeMessage(maskUnpacked(e.message)) + '\n');
    return e.exitCode;
  }
  // a system error that no layer turned into an NsxError: still a plain sentence, not an "internal error"
  const code = errnoOf(e);
  const sentence = code !== undefined ? errnoSentence(code) : undefined;
  if (sentence !== undefined) {
    const path = (e as { path?: unknown }).path;
    if (!debug) stderr.write(escapeMessage(maskUnpacked(`nsx: ${typeof path === 'string' ? `${path}: ` : ''}${sentence}`)) + '\n');
    return 1;
  }
  if (!debug) stderr.write(`nsx: internal error: ${escapeControl((e as Error)?.message ?? String(e))} (run with --debug for details)\n`);
  return 1;
}

/** The global options before the command word; the command word's index; what follows is the command's. */
function splitGlobals(argv: readonly string[]): { pre: string[]; at: number } {
  const pre: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--' || !a.startsWith('-') || a === '-') break;
    const long = a.startsWith('--') ? a.slice(2).split('=')[0] : undefined;
    const spec = long !== undefined ? GLOBAL_OPTIONS.find((s) => (s.long ?? s.name) === long) : a.length === 2 ? GLOBAL_OPTIONS.find((s) => s.short === a[1]) : undefined;
    // not a global option: it belongs to the dashboard (nsx --summary, nsx -i 500, nsx --json)
    if (!spec) break;
    pre.push(a);
    if (spec.arg === 'required' && !a.includes('=') && i + 1 < argv.length) pre.push(argv[++i]);
  }
  return { pre, at: i };
}

/** The global options, what follows them (after a `--`), and the command word when there is one. */
function splitCommand(argv: readonly string[]): { pre: string[]; rest: string[]; word: string | undefined } {
  const { pre, at } = splitGlobals(argv);
  let rest = argv.slice(at);
  if (rest[0] === '--') rest = rest.slice(1);
  return { pre, rest, word: rest[0] !== undefined && !rest[0].startsWith('-') ? rest[0] : undefined };
}

/** The command `main(argv)` runs (undefined: the dashboard or the host summary); bin/nsx checks its guess with it. */
export function commandWord(argv: readonly string[]): string | undefined {
  return splitCommand(argv).word;
}

async function help(name: string | undefined, ctx0: Globals): Promise<number> {
  if (name === undefined) {
    commandOutput().stdout.write(USAGE);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) throw new UsageError(`nsx: unknown command '${name}'\nTry 'nsx --help' for more information.`);
  const ctx = await makeContext(ctx0);
  return (await load()).command.run(['--help'], ctx);
}

/** `nsx --json`: the host summary as JSON. */
async function summaryJson(ctx: CliContext): Promise<number> {
  const [{ hostSummary }, { formatJson }] = await Promise.all([import('../services/dashboard.js'), import('../output/json.js')]);
  ctx.stdout.write(formatJson(hostSummary(ctx.paths)));
  return 0;
}

export async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  // a reader closing the pipe (nsx ls | head) is not an error: see commandOutput (out.ts), which handles
  // the errors of writes to stdout (the stream itself is created only when a command needs it)
  try {
    const { pre, rest, word } = splitCommand(argv);
    const g = getopt(pre, GLOBAL_OPTIONS, { prog: 'nsx' });
    const globals: Globals = { root: g.opts.root as string | undefined, color: colorOption(g.opts, 'nsx') ?? 'auto', debug };
    if (g.opts.version) {
      if (word === undefined && !rest.length) {
        const { versionReport } = await import('./version.js');
        commandOutput().stdout.write(await versionReport());
        return;
      }
      commandOutput().stdout.write(versionLine() + '\n');
      return;
    }
    if (word === 'help') {
      if (rest.length > 2) throw new UsageError(`nsx help: too many arguments\nTry 'nsx --help' for more information.`);
      process.exitCode = await help(rest[1], globals);
      return;
    }
    if (word === undefined && g.opts.help) {
      commandOutput().stdout.write(USAGE);
      return;
    }
    const loader = word !== undefined ? COMMANDS[word] : undefined;
    if (word !== undefined && !loader) throw new UsageError(`nsx: unknown command '${word}'\nTry 'nsx --help' for more information.`);
    const ctx = await makeContext(globals);
    let cmdArgv = word !== undefined ? rest.slice(1) : rest;
    if (word === undefined && (cmdArgv.includes('--json') || cmdArgv.includes('-J'))) {
      const other = cmdArgv.filter((a) => a !== '--json' && a !== '-J');
      if (other.length) throw new UsageError(`nsx: --json prints the host summary and takes no other option (got ${other.join(' ')})\nTry 'nsx --help' for more information.`);
      process.exitCode = await summaryJson(ctx);
      return;
    }
    const mod = loader ? await loader() : await import('./commands/dashboard.js');
    if (g.opts.help && !cmdArgv.includes('--help')) cmdArgv = ['--help', ...cmdArgv];
    process.exitCode = await mod.command.run(cmdArgv, ctx);
  } catch (e) {
    process.exitCode = reportError(e, debug);
  }
}
