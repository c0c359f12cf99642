/**
 * Helpers shared by command modules: parse argv with the command's options plus the global ones,
 * apply a per-command `--root`/`--no-color` to the context, and print help.
 */
import { getopt, type OptionSpec, type ParsedArgs } from './getopt.js';
import { GLOBAL_OPTIONS, type CliContext } from './context.js';
import { VERSION, makeContext } from './main.js';

export interface CommandArgs {
  readonly args: ParsedArgs;
  readonly ctx: CliContext;
  /** true when --help or --version was handled: the command should return 0 at once */
  readonly done: boolean;
}

/**
 * Parse a command's argv. Global options given after the command are honoured (a new context is made when
 * `--root` or `--no-color` appear). Prints help/version itself.
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
  const args = getopt(argv, all, { prog: opts.prog, stopAtPositional: opts.stopAtPositional });
  if (args.opts.help) {
    ctx.stdout.write(help.endsWith('\n') ? help : help + '\n');
    return { args, ctx, done: true };
  }
  if (args.opts.version && withGlobals) {
    ctx.stdout.write(`nsx ${VERSION}\n`);
    return { args, ctx, done: true };
  }
  let c = ctx;
  if (withGlobals && (args.opts.root !== undefined || args.opts['no-color'] || args.opts.debug)) {
    c = await makeContext({
      root: (args.opts.root as string | undefined) ?? ctx.rootArg,
      noColor: !!args.opts['no-color'] || !ctx.color,
      debug: !!args.opts.debug || ctx.debug,
    });
  }
  return { args, ctx: c, done: false };
}
