/**
 * Helpers shared by command modules: parse argv with the command's options plus the global ones,
 * apply a per-command `--root`/`--color`/`--debug` to the context, and print help.
 */
import { getopt, type OptionSpec, type ParsedArgs } from './getopt.js';
import { colorOption, GLOBAL_OPTIONS, makeContext, type CliContext } from './context.js';
import { versionLine } from './version.js';
import { UsageError } from '../errors.js';
import { accessSync, constants, statSync } from 'node:fs';
import { wrap } from '../host/tolerance.js';

export interface CommandArgs {
  readonly args: ParsedArgs;
  readonly ctx: CliContext;
  /** true when --help or --version was handled: the command should return 0 at once */
  readonly done: boolean;
}

/**
 * For a command that does not take the global options after its name (`enter`, whose -r/--root is
 * nsenter's): an option it does not know that is a global one gets a hint to move it before the command.
 */
function misplacedGlobal(e: unknown, argv: readonly string[], specs: readonly OptionSpec[], prog: string): unknown {
  if (!(e instanceof UsageError)) return e;
  const m = /unrecognized option '--([^'=]+)'/.exec(e.message);
  if (!m) return e;
  const g = GLOBAL_OPTIONS.find((s) => (s.long ?? s.name) === m[1] || (s.long ?? s.name).startsWith(m[1]));
  if (!g || specs.some((s) => (s.long ?? s.name) === (g.long ?? g.name))) return e;
  const word = prog.replace(/^nsx /, '');
  const given = argv.find((a) => a.startsWith(`--${m[1]}`)) ?? `--${m[1]}`;
  return new UsageError(`${prog}: '${given}' is a global option: put it before '${word}' (nsx ${given} ${word} …)\nTry '${prog} --help' for more information.`);
}

/**
 * `nsx enter --root X`: nsenter's `-r/--root[=DIR]` takes its value only after `=`, so X is the program.
 * When X is a directory or a file that is not executable (a fake host, surely not a program), say that the
 * global `--root` goes before the command.
 */
function globalRootAfterCommand(argv: readonly string[], prog: string): UsageError | undefined {
  const i = argv.indexOf('--root');
  const x = i >= 0 ? argv[i + 1] : undefined;
  if (x === undefined || x.startsWith('-')) return undefined;
  const st = statSync(x, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (st.isFile()) {
    // executable: a program, nsenter's --root with a program to run; not executable (EACCES): a manifest
    if (wrap(undefined, x, () => (accessSync(x, constants.X_OK), true))) return undefined;
  } else if (!st.isDirectory()) return undefined;
  const word = prog.replace(/^nsx /, '');
  return new UsageError(
    `${prog}: '--root ${x}': after '${word}', -r/--root is ${word}'s own option (the target's root directory, given as --root=DIR) and ${x} would be the program; to read a fake host, put the global option first: nsx --root ${x} ${word} …\nTry '${prog} --help' for more information.`,
  );
}

/**
 * Parse a command's argv. Global options given after the command are honoured (a new context is made when
 * `--root`, `--color`/`--no-color` or `--debug` appear). Prints help/version itself.
 */
export async function parseCommandArgs(
  argv: string[],
  specs: readonly OptionSpec[],
  ctx: CliContext,
  help: string,
  opts: { prog: string; stopAtPositional?: boolean; globals?: boolean } = { prog: 'nsx' },
): Promise<CommandArgs> {
  const withGlobals = opts.globals !== false;
  const all = withGlobals ? [...specs, ...GLOBAL_OPTIONS.filter((g) => !specs.some((s) => s.name === g.name || (g.short && s.short === g.short)))] : specs;
  let args: ParsedArgs;
  try {
    args = getopt(argv, all, { prog: opts.prog, stopAtPositional: opts.stopAtPositional });
  } catch (e) {
    throw withGlobals ? e : misplacedGlobal(e, argv, specs, opts.prog);
  }
  if (!withGlobals && specs.some((s) => s.name === 'root')) {
    const bad = globalRootAfterCommand(argv.slice(0, argv.length - args.positionals.length + 1), opts.prog);
    if (bad) throw bad;
  }
  if (args.opts.help) {
    ctx.stdout.write(help.endsWith('\n') ? help : help + '\n');
    return { args, ctx, done: true };
  }
  if (args.opts.version && withGlobals) {
    ctx.stdout.write(versionLine() + '\n');
    return { args, ctx, done: true };
  }
  let c = ctx;
  const color = withGlobals ? colorOption(args.opts, opts.prog) : undefined;
  if (withGlobals && (args.opts.root !== undefined || color !== undefined || args.opts.debug)) {
    c = await makeContext({
      root: (args.opts.root as string | undefined) ?? ctx.rootArg,
      color: color ?? ctx.colorMode ?? 'auto',
      debug: !!args.opts.debug || ctx.debug,
    });
  }
  return { args, ctx: c, done: false };
}
