/**
 * `nsx record` — the flight recorder (src/record/recorder.ts), `nsx record info` (what a recording holds) and
 * `nsx record export --openmetrics` (the exporter's series over a window, with timestamps, for
 * `promtool tsdb create-blocks-from openmetrics`). Flags only; see the services.
 */
import type { Command, CliContext } from '../context.js';
import { parseCommandArgs } from '../common.js';
import type { OptionSpec } from '../getopt.js';
import { UsageError } from '../../errors.js';
import { formatJson } from '../../output/json.js';
import { DEFAULT_DIR } from '../../record/store-paths.js';
import { parseDuration, parseSize } from '../../record/time.js';
import { replayWindow } from '../replay-options.js';
import { exportOpenMetrics, formatRecordInfo, recordInfo, runRecorder } from '../../record/api.js';

/** The recorder and replay, for the other commands (src/services/record-loader.ts: the whole program provides it from here). */
export * as recordModule from '../../record/api.js';

const HELP = `Usage:
  nsx record [--dir DIR] [--interval DURATION] [--retain DURATION] [--max-size SIZE]
  nsx record info [--dir DIR] [-J]
  nsx record export --openmetrics [--from TIME] [--to TIME | --since DURATION] [--dir DIR] > FILE

Record the host every interval — every cgroup's sample (CPU, memory with memory.stat and memory.events,
IO, tasks, PSI, limits, CFS), every process (command line, user, cgroup and namespaces; CPU and memory),
container, pod and unit identities, namespaces and what holds them, and the kernel's OOM kills and refused
forks — into DIR, for nsx top, ps, cg tree, ls, why and the dashboard to replay with --at TIME or
--from/--to. Runs until SIGTERM or SIGINT (the open segment is then sealed).

Options of nsx record:
      --dir DIR            where to record (default ${DEFAULT_DIR}; one recorder per directory)
  -i, --interval DURATION  time between samples (default 5s; e.g. 1s, 10s, 1m)
      --retain DURATION    remove what is older than this (e.g. 7d, 12h; default: keep)
      --max-size SIZE      keep DIR under this size, removing the oldest first (e.g. 500M, 2G)

nsx record info: the time range, frames, segments and size of the recording in DIR.
  -J, --json               as JSON

nsx record export: the exporter's metric families (nsx exporter, cAdvisor names) for every recorded
instant of the window, with timestamps, in the OpenMetrics text format:
      --openmetrics        the format (the only one; required)
      --from TIME        the window's start (default: the recording's)
      --to TIME          the window's end (default: the recording's)
      --since DURATION   from DURATION ago to the end (default: the whole recording)
  The text goes to standard output (redirect it to a file); a one-line summary to standard error.
  TIME is ISO 8601 (2026-12-08T03:12:00Z), Unix seconds, or relative to now (-10m).

Then: promtool tsdb create-blocks-from openmetrics FILE DATA_DIR, and move the blocks into Prometheus's
data directory. See docs/record.md.
`;

const SPECS: readonly OptionSpec[] = [
  { name: 'dir', arg: 'required' },
  { name: 'from', arg: 'required' },
  { name: 'to', arg: 'required' },
  { name: 'since', arg: 'required' },
  { name: 'interval', short: 'i', arg: 'required' },
  { name: 'retain', arg: 'required' },
  { name: 'max-size', arg: 'required' },
  { name: 'json', short: 'J', arg: 'none' },
  { name: 'openmetrics', arg: 'none' },
];

const only = (o: Record<string, unknown>, allowed: readonly string[], sub: string) => {
  for (const k of ['interval', 'retain', 'max-size', 'json', 'openmetrics', 'from', 'to', 'since']) {
    if (o[k] !== undefined && !allowed.includes(k)) throw new UsageError(`nsx record${sub ? ' ' + sub : ''}: --${k} does not apply here\nTry 'nsx record --help' for more information.`);
  }
};

async function record(ctx: CliContext, o: Record<string, unknown>): Promise<number> {
  only(o, ['interval', 'retain', 'max-size'], '');
  const intervalMs = o.interval !== undefined ? parseDuration(o.interval as string, 'nsx record', '--interval') : 5000;
  if (intervalMs < 100 || intervalMs > 3_600_000) throw new UsageError(`nsx record: --interval must be between 100ms and 1h`);
  const retainMs = o.retain !== undefined ? parseDuration(o.retain as string, 'nsx record', '--retain') : undefined;
  const maxBytes = o['max-size'] !== undefined ? parseSize(o['max-size'] as string, 'nsx record') : undefined;
  if (maxBytes !== undefined && maxBytes < 1_000_000) throw new UsageError(`nsx record: --max-size must be at least 1M`);
    return runRecorder({ paths: ctx.paths, dir: (o.dir as string | undefined) ?? DEFAULT_DIR, intervalMs, retainMs, maxBytes, log: (m) => ctx.stderr.write(`${m}\n`) });
}

export const command: Command = {
  options: SPECS,
  name: 'record',
  summary: 'record cgroups, processes, namespaces and OOM kills for replay (--at) and Prometheus backfill',
  help: HELP,
  async run(argv, ctx0) {
    const { args, ctx, done } = await parseCommandArgs(argv, SPECS, ctx0, HELP, { prog: 'nsx record' });
    if (done) return 0;
    const o = args.opts;
    const [sub, ...rest] = args.positionals;
    if (rest.length) throw new UsageError(`nsx record: too many arguments\nTry 'nsx record --help' for more information.`);
    const dir = (o.dir as string | undefined) ?? DEFAULT_DIR;
    switch (sub) {
      case undefined:
        return record(ctx, o);
      case 'info': {
        only(o, ['json'], 'info');
                const info = recordInfo(dir);
        if (o.json) ctx.stdout.write(formatJson(info));
        else ctx.stdout.write(formatRecordInfo(info));
        for (const w of info.warnings) ctx.warn(w);
        return 0;
      }
      case 'export': {
        only(o, ['openmetrics', 'from', 'to', 'since'], 'export');
        if (!o.openmetrics) throw new UsageError(`nsx record export: give the format: --openmetrics\nTry 'nsx record --help' for more information.`);
        // no window: the whole recording
        const w = (o.from ?? o.to ?? o.since) !== undefined ? replayWindow(o, 'nsx record export', true)! : { dir };
                return exportOpenMetrics({ window: w, stdout: ctx.stdout, warn: ctx.warn });
      }
      default:
        throw new UsageError(`nsx record: unknown subcommand '${sub}' (expected info or export)\nTry 'nsx record --help' for more information.`);
    }
  },
};
