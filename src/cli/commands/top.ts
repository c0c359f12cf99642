/** `nsx top` — live per-cgroup CPU, memory, IO, tasks, throttling and pressure (flags only; see services/top). */
import { GLOBAL_OPTIONS, type Command } from '../context.js';
import { parseCommandArgs } from '../common.js';
import { getopt, parseIntArg, type OptionSpec } from '../getopt.js';
import { UsageError } from '../../errors.js';
import { columnsHelp, fieldByName } from '../../fields/registry.js';
import { TOP_FIELDS, TOP_ORDERS, type TopOrder } from '../../fields/top.js';
import { runTop } from '../../services/top.js';
import { REPLAY_OPTIONS, replayHelp, replayWindow } from '../replay-options.js';
import { loadRecord } from '../../services/record-loader.js';

const SPECS: readonly OptionSpec[] = [
  { name: 'delay', short: 'd', arg: 'required' },
  { name: 'iterations', short: 'n', arg: 'required' },
  { name: 'batch', short: 'b', arg: 'none' },
  { name: 'json', short: 'J', arg: 'none' },
  { name: 'order', arg: 'required', values: Object.keys(TOP_ORDERS) },
  { name: 'reverse', arg: 'none' },
  { name: 'depth', arg: 'required' },
  { name: 'raw', short: 'r', arg: 'none' },
  { name: 'output', short: 'o', arg: 'required' },
  { name: 'noheadings', short: 'H', arg: 'none', aliases: ['no-headings'] },
  // systemd-cgtop's order shortcuts
  { name: 'order-path', short: 'p', arg: 'none' },
  { name: 'order-tasks', short: 't', arg: 'none' },
  { name: 'order-cpu', short: 'c', arg: 'none' },
  { name: 'order-memory', short: 'm', arg: 'none' },
  { name: 'order-io', short: 'i', arg: 'none' },
  ...REPLAY_OPTIONS,
];

const HELP = `Usage: nsx top [CGROUP|container:NAME|pod:NAMESPACE/NAME] [options]

Live per-cgroup CPU, memory, IO, tasks, CFS throttling and pressure, with limits beside usage and the
cgroup whose CPU limit throttles each row. An interactive TUI on a terminal; plain tables off a terminal
or with -b; one JSON object per sample with --json.

Options:
  -d, --delay SECONDS     time between samples (default 1; fractions allowed)
  -n, --iterations N      stop after N samples (default: run until quit)
  -b, --batch             plain tables even on a terminal
  -J, --json              NDJSON: one object per sample (implies batch)
      --order KEY         cpu | memory | io | tasks | throttle | pressure | path (default cpu)
  -p, -t, -c, -m, -i      order by path, tasks, CPU, memory, IO (as systemd-cgtop)
      --reverse           reverse the order
      --depth N           show N levels below CGROUP (default: all)
  -r, --raw               exact numbers instead of human units
  -o, --output LIST       columns (LIST replaces, +LIST appends), batch tables only
  -H, --noheadings        no table header
      --root DIR          a fake host (one sample, no rates)
${replayHelp(true)}
  -h, --help              this help

The first sample has no rates: '-' in tables, null in JSON. CPU% counts 100 per CPU.

Columns:
${columnsHelp(TOP_FIELDS)}
`;

/**
 * An `--order` key, case-insensitive: `cpu`, `memory`, … or the column that key sorts by, named by id or header
 * (`CPU%`, `MEM`, `CGROUP`).
 */
export function parseOrder(v: string): TopOrder {
  const k = v.trim().toLowerCase();
  if (k in TOP_ORDERS) return k as TopOrder;
  const f = fieldByName(TOP_FIELDS, v);
  const byColumn = f && (Object.keys(TOP_ORDERS) as TopOrder[]).find((o) => TOP_ORDERS[o] === f.id);
  if (byColumn) return byColumn;
  throw new UsageError(`nsx top: invalid --order argument: '${v}' (${Object.keys(TOP_ORDERS).join(', ')}, or the column it sorts by)`);
}

/** Parse `-d`: seconds as a positive decimal (systemd-cgtop accepts fractions too). */
export function parseDelay(v: string): number {
  const t = v.trim().replace(/s$/, '');
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(t)) throw new UsageError(`nsx top: invalid delay argument: '${v}'`);
  const ms = Math.round(Number(t) * 1000);
  if (!(ms >= 10) || ms > 86_400_000) throw new UsageError(`nsx top: invalid delay argument: '${v}' (10 ms to 1 day)`);
  return ms;
}

/**
 * Whether a command line (the arguments after `top`) asks for the TUI on a terminal: false when it asks for
 * tables or JSON (-b, --json) or only for help; undefined when it cannot be parsed (the command reports that).
 */
export function topWantsTui(argv: readonly string[] | undefined): boolean | undefined {
  if (argv === undefined) return undefined;
  try {
    const o = getopt(argv, [...SPECS, ...GLOBAL_OPTIONS.filter((g) => !SPECS.some((s) => s.name === g.name || (g.short && s.short === g.short)))], { prog: 'nsx top' }).opts;
    return !(o.json || o.batch || o.help || o.version);
  } catch (e) {
    if (e instanceof UsageError) return undefined;
    throw e;
  }
}

export const command: Command = {
  options: SPECS,
  name: 'top',
  summary: 'live per-cgroup CPU, memory, IO, tasks, throttling and pressure',
  help: HELP,
  async run(argv, ctx0) {
    const { args, ctx, done } = await parseCommandArgs(argv, SPECS, ctx0, HELP, { prog: 'nsx top' });
    if (done) return 0;
    const o = args.opts;
    if (args.positionals.length > 1) throw new UsageError(`nsx top: too many arguments\nTry 'nsx top --help' for more information.`);
    // the last of --order / -p -t -c -m -i wins, as in systemd-cgtop
    let order: TopOrder = 'cpu';
    for (const [name, v] of args.seen) {
      if (name === 'order') order = parseOrder(v as string);
      else if (name.startsWith('order-')) order = name.slice(6) as TopOrder;
    }
    const intervalMs = o.delay !== undefined ? parseDelay(o.delay as string) : 1000;
    const iterations = o.iterations !== undefined ? parseIntArg('nsx top', 'iterations', o.iterations as string, { min: 1 }) : undefined;
    const depth = o.depth !== undefined ? parseIntArg('nsx top', 'depth', o.depth as string, { min: 0 }) : undefined;
    const json = !!o.json;
    const tui = !json && !o.batch && ctx.isTTY && ctx.stdinTTY;
    const w = replayWindow(o, 'nsx top', true);
    const replay = w ? (await loadRecord('nsx top')).openReplay(w, 'nsx top', ['cgroups']) : undefined;
    return runTop({
      replay,
      paths: ctx.paths,
      root: args.positionals[0],
      intervalMs,
      iterations,
      mode: json ? 'json' : tui ? 'tui' : 'batch',
      order,
      reverse: !!o.reverse,
      depth,
      raw: !!o.raw,
      output: o.output as string | undefined,
      noHeadings: !!o.noheadings,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
      termWidth: ctx.isTTY ? ctx.columns : undefined,
      color: ctx.color,
      warn: ctx.warn,
    });
  },
};
