/**
 * The CLI core that every entry shares (the whole program ./main.ts, and each short command's file in
 * ./entries/): global options, command dispatch, `nsx help [COMMAND]`, `--version`, and the one error handler —
 * one escaped line, exit 2 for usage and 1 for runtime errors, a stack trace only with --debug.
 *
 *   runMain(argv, program)    run a command line with the commands `program` has
 *   commandWord(argv)         the command word main() runs (bin/nsx checks its guess of a short command with it)
 */
import { errnoOf, errnoSentence, NsxError, UsageError } from '../errors.js';
import { escapeControl } from '../output/escape.js';
import { maskUnpacked } from '../host/unpacked.js';
import { getopt } from './getopt.js';
import { colorOption, GLOBAL_OPTIONS, makeContext, type CliContext, type Globals } from './context.js';
import type { CommandModule } from './load-command.js';
import { versionLine } from './version.js';
import { commandOutput } from './out.js';
import { commandOf } from './table.js';

/** What a program can run: its commands, and (the whole program only) what `nsx` alone and `nsx help` do. */
export interface Program {
  /** The module of the command a word names (its name or an alias); undefined when the program has none such. */
  command(word: string): (() => Promise<CommandModule>) | undefined;
  /** `nsx --help`, `nsx help`, `nsx --version` and `nsx` with no command: the whole program only (./main.ts). */
  readonly whole?: {
    readonly usage: string;
    versionReport(): Promise<string>;
    /** No command word: the dashboard, or with --json the host summary. */
    none(argv: string[], ctx: CliContext, help: boolean): Promise<number>;
  };
}

const HINT = /\n(Try '[^'\n]*' for more information\.)$/;

/**
 * One message for the terminal: every control character escaped (a newline in a cgroup name or a path
 * stays on the line as \x0a); only a final "Try 'nsx --help' …" hint goes on its own line.
 */
export function escapeMessage(message: string, prog = 'nsx'): string {
  const m = HINT.exec(message);
  const body = m ? message.slice(0, m.index) : message;
  // a message that names its command without `nsx` (`ls: …`) is not named twice
  const own = prog !== 'nsx' && body.startsWith(`${prog.slice(4)}: `) ? body.slice(prog.length - 2) : body;
  const line = escapeControl(/^nsx[ :]/.test(own) ? own : `${prog}: ${own}`);
  return m ? `${line}\n${m[1]}` : line;
}

/**
 * Print an error as one line (or a stack with --debug) and return the exit code. `prog` (`nsx ls`) prefixes a
 * message that does not name its command itself: every error reads `nsx CMD: SUBJECT: what is wrong`.
 */
export function reportError(e: unknown, debug: boolean, stderr: NodeJS.WritableStream = process.stderr, prog = 'nsx'): number {
  if (debug) stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  if (e instanceof NsxError) {
    if (!debug) stderr.write(escapeMessage(maskUnpacked(e.message), prog) + '\n');
    return e.exitCode;
  }
  // a system error that no layer turned into an NsxError: still a plain sentence, not an "internal error"
  const code = errnoOf(e);
  const sentence = code !== undefined ? errnoSentence(code) : undefined;
  if (sentence !== undefined) {
    const path = (e as { path?: unknown }).path;
    if (!debug) stderr.write(escapeMessage(maskUnpacked(`${prog}: ${typeof path === 'string' ? `${path}: ` : ''}${sentence}`)) + '\n');
    return 1;
  }
  if (!debug) stderr.write(`${prog}: internal error: ${escapeControl((e as Error)?.message ?? String(e))} (run with --debug for details)\n`);
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

/** The arguments after the command word (those its command parses), or undefined when there is no command word. */
export function commandRest(argv: readonly string[]): string[] | undefined {
  const { rest, word } = splitCommand(argv);
  return word === undefined ? undefined : rest.slice(1);
}

/** What only the whole program does (`nsx help`, `nsx` alone, …): a short command's file never gets there. */
function whole(p: Program): NonNullable<Program['whole']> {
  if (!p.whole) throw new Error('this is a short command file: nsx alone, nsx help and nsx --version run through the whole program');
  return p.whole;
}

async function help(p: Program, name: string | undefined, globals: Globals): Promise<number> {
  if (name === undefined) {
    commandOutput().stdout.write(whole(p).usage);
    return 0;
  }
  const load = p.command(name);
  if (!load) throw new UsageError(`nsx: unknown command '${name}'\nTry 'nsx --help' for more information.`);
  const ctx = await makeContext(globals);
  return (await load()).command.run(['--help'], ctx);
}

/** Run one command line; the exit code goes to process.exitCode. */
export async function runMain(argv: string[], p: Program): Promise<void> {
  const debug = argv.includes('--debug');
  // a reader closing the pipe (nsx ls | head) is not an error: see commandOutput (out.ts), which handles
  // the errors of writes to stdout (the stream itself is created only when a command needs it)
  let prog = 'nsx';
  try {
    const { pre, rest, word } = splitCommand(argv);
    const name = word !== undefined ? commandOf(word) : undefined;
    if (name !== undefined && name !== 'dashboard') prog = `nsx ${name}`;
    const g = getopt(pre, GLOBAL_OPTIONS, { prog: 'nsx' });
    const globals: Globals = { root: g.opts.root as string | undefined, color: colorOption(g.opts, 'nsx') ?? 'auto', debug };
    if (g.opts.version) {
      commandOutput().stdout.write(word === undefined && !rest.length ? await whole(p).versionReport() : versionLine() + '\n');
      return;
    }
    if (word === 'help') {
      if (rest.length > 2) throw new UsageError(`nsx help: too many arguments\nTry 'nsx --help' for more information.`);
      process.exitCode = await help(p, rest[1], globals);
      return;
    }
    if (word === undefined && g.opts.help) {
      commandOutput().stdout.write(whole(p).usage);
      return;
    }
    const load = word !== undefined ? p.command(word) : undefined;
    if (word !== undefined && !load) throw new UsageError(`nsx: unknown command '${word}'\nTry 'nsx --help' for more information.`);
    const ctx = await makeContext(globals);
    if (!load) {
      process.exitCode = await whole(p).none(rest, ctx, !!g.opts.help);
      return;
    }
    let cmdArgv = rest.slice(1);
    if (g.opts.help && !cmdArgv.includes('--help')) cmdArgv = ['--help', ...cmdArgv];
    process.exitCode = await (await load()).command.run(cmdArgv, ctx);
  } catch (e) {
    process.exitCode = reportError(e, debug, process.stderr, prog);
  }
}
