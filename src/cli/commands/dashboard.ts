/**
 * `nsx` with no command: the interactive dashboard on a terminal; otherwise a short host summary and the usage,
 * exit 0; with --summary the summary alone (also on a terminal); with --json, the summary as JSON.
 */
import type { Command, CliContext } from '../context.js';
import { parseCommandArgs } from '../common.js';
import { parseIntArg, type OptionSpec } from '../getopt.js';
import { UsageError } from '../../errors.js';
import { USAGE } from '../usage.js';
import { runDashboard, hostSummary, formatSummary } from '../../services/dashboard.js';
import { formatJson } from '../../output/json.js';
import { AT_OPTIONS, replayHelp, replayWindow } from '../replay-options.js';
import { loadRecord } from '../../services/record-loader.js';

const SPECS: OptionSpec[] = [
  { name: 'summary', short: 's', arg: 'none' },
  { name: 'json', short: 'J', arg: 'none' },
  { name: 'interval', short: 'i', arg: 'required' },
  ...AT_OPTIONS,
];

const HELP = `Usage: nsx [--root DIR] [--summary] [--json] [--interval MS]

The interactive dashboard: Cgroups (the live nsx top tree), Namespaces (a tree by owner user namespace) and
Processes (nsx ps with live CPU and memory), linked: Enter drills down (cgroup → processes → process →
namespaces → processes sharing one), Esc goes back, e enters the selected process or namespace with your shell.
Without a terminal, a host summary and the usage are printed instead.

Options:
  -s, --summary       print the summary alone, even on a terminal
  -J, --json          print the summary as JSON
  -i, --interval MS   refresh interval in milliseconds (default 1000, 250 to 60000)
  --root DIR          explore a recorded host (a directory or a fixture manifest)
${replayHelp(false)}
                      with time-travel keys: [ ] one interval, { } one minute, n N the next/previous event
                      (OOM kill, refused fork, cgroup created or removed, container renamed), t a time

Colours follow --color / --no-color and NO_COLOR (https://no-color.org).
Global options and the commands: nsx --help.
`;

export const command: Command = {
  options: SPECS,
  name: 'dashboard',
  summary: 'the interactive dashboard (nsx with no command)',
  help: HELP,
  async run(argv: string[], ctx0: CliContext): Promise<number> {
    const { args, ctx, done } = await parseCommandArgs(argv, SPECS, ctx0, HELP, { prog: 'nsx' });
    if (done) return 0;
    if (args.positionals.length) throw new UsageError(`nsx: unknown command '${args.positionals[0]}'\nTry 'nsx --help' for more information.`);
    const intervalMs = args.opts.interval === undefined ? 1000 : parseIntArg('nsx', 'interval', args.opts.interval as string, { min: 250, max: 60000, unit: 'ms' });
    const w = replayWindow(args.opts, 'nsx', false);
    if (w) {
      const record = await loadRecord('nsx');
      const replay = record.openReplay(w, 'nsx');
      for (const m of replay.rec.warnings) ctx.warn(m);
      if (ctx.isTTY && ctx.stdinTTY && !args.opts.summary && !args.opts.json) return record.runDashboardReplay({ replay, color: ctx.color });
      const s = record.replaySummary(replay);
      ctx.stdout.write(args.opts.json ? formatJson(s) + '\n' : `${replay.describe()}\n${formatSummary(s)}`);
      return 0;
    }
    if (args.opts.json) {
      ctx.stdout.write(formatJson(hostSummary(ctx.paths)) + '\n');
      return 0;
    }
    return runDashboard({
      paths: ctx.paths,
      stdout: ctx.stdout,
      interactive: ctx.isTTY && ctx.stdinTTY && !args.opts.summary,
      intervalMs,
      usage: USAGE,
      summaryOnly: !!args.opts.summary,
      // colours as --color/NO_COLOR say (the TUI keeps inverse and bold without them)
      startTui: async (t) => (await import('../../tui/index.js')).runDashboardTui({ ...t, color: ctx.color }),
    });
  },
};
