/**
 * The replay options every reading command takes (`top`, `ps`, `cg tree`, `ls`, `why`, the dashboard): which
 * instant or window of the recording in `--dir` (default /var/lib/nsx, as `nsx record`) to show instead of the
 * live host. Parsing only; the recording is opened by src/record/replay.ts.
 *
 *   --at TIME            one instant (ISO 8601, Unix seconds, or relative: -10m)
 *   --from TIME --to TIME   a window (either end may be left out: the recording's)
 *   --since DURATION     from DURATION ago to the recording's end
 *   --dir DIR            the recording (default /var/lib/nsx)
 */
import type { OptionSpec } from './getopt.js';
import { UsageError } from '../errors.js';
import { parseDuration, parseTime } from '../record/time.js';
import { DEFAULT_DIR } from '../record/store-paths.js';
import type { ReplayWindow } from '../record/replay.js';

/** The options of a command that replays one instant (`--at`, `--dir`). */
export const AT_OPTIONS: readonly OptionSpec[] = [
  { name: 'at', arg: 'required' },
  { name: 'dir', arg: 'required' },
];

/** The options of a command that also replays a window (`--from`, `--to`, `--since`). */
export const REPLAY_OPTIONS: readonly OptionSpec[] = [
  ...AT_OPTIONS,
  { name: 'from', arg: 'required' },
  { name: 'to', arg: 'required' },
  { name: 'since', arg: 'required' },
];

/**
 * Help lines for the replay options (`ranges`: the command takes --from/--to/--since too), indented as the
 * command's own long options (`indent` spaces before `--`; lsns-style help uses 1).
 */
export function replayHelp(ranges: boolean, indent = 6): string {
  const pad = ' '.repeat(indent);
  return [
    `${pad}--at TIME          replay the recording (nsx record) at TIME: ISO 8601, 03:12, Unix seconds, or -10m`,
    ...(ranges
      ? [`${pad}--from TIME        replay a window of the recording from TIME (default: its start)`, `${pad}--to TIME          … to TIME (default: its end)`, `${pad}--since DURATION   replay from DURATION ago (e.g. 1h) to the end of the recording`]
      : []),
    `${pad}--dir DIR          the recording to replay (default ${DEFAULT_DIR})`,
  ].join('\n');
}

/**
 * The replay window asked for, or undefined for the live host. `ranges`: whether the command takes a window
 * (--from/--to/--since) besides --at.
 */
export function replayWindow(opts: Record<string, unknown>, prog: string, ranges: boolean, now = Date.now()): ReplayWindow | undefined {
  const at = opts.at as string | undefined;
  const from = opts.from as string | undefined;
  const to = opts.to as string | undefined;
  const since = opts.since as string | undefined;
  const dir = (opts.dir as string | undefined) ?? DEFAULT_DIR;
  if (at === undefined && from === undefined && to === undefined && since === undefined) {
    if (opts.dir !== undefined) throw new UsageError(`${prog}: --dir names a recording to replay: give --at TIME${ranges ? ', --from TIME or --since DURATION' : ''} too`);
    return undefined;
  }
  if (!ranges && (from !== undefined || to !== undefined || since !== undefined)) throw new UsageError(`${prog}: replays one instant: use --at TIME`);
  if (at !== undefined && (from !== undefined || to !== undefined || since !== undefined)) throw new UsageError(`${prog}: --at cannot be combined with --from, --to or --since`);
  if (since !== undefined && from !== undefined) throw new UsageError(`${prog}: --since and --from both give the start: use one`);
  if (dir === '') throw new UsageError(`${prog}: --dir: empty value`);
  if (at !== undefined) return { dir, at: parseTime(at, now, prog) };
  const a = since !== undefined ? now - parseDuration(since, prog, '--since duration') : from !== undefined ? parseTime(from, now, prog) : undefined;
  const b = to !== undefined ? parseTime(to, now, prog) : undefined;
  if (a !== undefined && b !== undefined && b < a) throw new UsageError(`${prog}: --to is before ${since !== undefined ? 'the --since start' : '--from'}`);
  return { dir, ...(a !== undefined ? { from: a } : {}), ...(b !== undefined ? { to: b } : {}) };
}

const REPLAY_LONG = ['at', 'from', 'to', 'since'];

/**
 * Whether a command line asks for a replay: a long option that is one of the replay options or a prefix of one
 * (getopt takes unambiguous prefixes), before any `--`. A false positive only costs the whole program's start.
 */
export function replayAsked(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (!a.startsWith('--')) continue;
    const name = a.slice(2).split('=')[0];
    if (name.length && REPLAY_LONG.some((o) => o.startsWith(name))) return true;
  }
  return false;
}

