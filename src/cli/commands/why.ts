/**
 * `nsx why TARGET`: why a cgroup is throttled, short of memory, OOM-killed or refused forks. Parses flags,
 * calls src/services/why.ts, prints the verdict (text) or the whole diagnosis (JSON).
 */
import type { Command } from '../context.js';
import { parseCommandArgs } from '../common.js';
import type { OptionSpec } from '../getopt.js';
import { UsageError } from '../../errors.js';
import { formatJson } from '../../output/json.js';
import { escapeControl } from '../../output/escape.js';
import { formatWhyText } from '../../output/why-text.js';
import { why } from '../../services/why.js';
import { REPLAY_OPTIONS, replayHelp, replayWindow } from '../replay-options.js';
import { loadRecord } from '../../services/record-loader.js';
import { countOf } from '../../output/words.js';

// the text report lives beside the sentences it prints (src/output/); exported here too for test/why/
export { formatWhyText };

const HELP = `Usage:
  nsx why TARGET [options]

Explain why a cgroup is throttled, short of memory, OOM-killed or refused forks: the limit that binds
(its own or an ancestor's), and the evidence. TARGET is one of
  pid:PID                the cgroups of a process
  /PATH | cgroup:/PATH   a cgroup path (as /proc/PID/cgroup shows it)
  container:NAME|ID      a container (name, id or unambiguous id prefix)
  pod:NAMESPACE/NAME     a Kubernetes pod

Options:
      --for DURATION     sample over this window (default 5s; e.g. 500ms, 10s, 1m; 0 = counters since creation)
  -J, --json             the full diagnosis as JSON (verdict, findings with evidence, limits along the path)
  -v, --verbose          also print the limits along the path and each finding's evidence summary
      --root DIR|FILE    read another host (a directory or a fixture manifest); one sample, no window
${replayHelp(true)}
                         a recording is diagnosed over the interval ending at --at (with --for, the window
                         ending there) or over the window, and lists the throttling episodes, OOM kills (with
                         the limit in force) and refused forks in it
  -h, --help             this help

Exit status: 0 whether or not something was found (see the verdict or "clean" in JSON); 1 on errors, 2 on usage.
See docs/why.md for what each finding means and how to act on it.
`;

const SPECS: readonly OptionSpec[] = [
  { name: 'for', arg: 'required' },
  { name: 'json', short: 'J', arg: 'none' },
  { name: 'verbose', short: 'v', arg: 'none' },
  ...REPLAY_OPTIONS,
];

/** `5`, `5s`, `500ms`, `1.5s`, `2m` → ms. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new UsageError(`nsx why: invalid duration: '${v}' (e.g. 500ms, 5s, 1m)`);
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (n > 3_600_000) throw new UsageError(`nsx why: invalid duration: '${v}' (at most 1h)`);
  return n;
}

export const command: Command = {
  options: SPECS,
  name: 'why',
  summary: 'why a cgroup is throttled, short of memory, OOM-killed or refused forks',
  help: HELP,
  async run(argv, ctx0) {
    const { args, ctx, done } = await parseCommandArgs(argv, SPECS, ctx0, HELP, { prog: 'nsx why' });
    if (done) return 0;
    const o = args.opts;
    if (args.positionals.length !== 1) throw new UsageError(`nsx why: expected one TARGET (pid:PID, a cgroup path, container:NAME, pod:NS/NAME)\nTry 'nsx why --help' for more information.`);
    const durationMs = o.for !== undefined ? parseDuration(o.for as string) : 5000;
    const w = replayWindow(o, 'nsx why', true);
    if (w) {
      if (o.for !== undefined && w.at === undefined) throw new UsageError('nsx why: --for applies to the live host and to --at; a window (--from, --since) is diagnosed whole');
      const rw = await loadRecord('nsx why');
      // a pid: target is found among the recorded processes; otherwise the cgroups and events are enough
      const replay = rw.openReplay(w, 'nsx why', args.positionals[0].startsWith('pid:') ? ['cgroups', 'processes'] : ['cgroups']);
      const rr = rw.replayWhy(replay, args.positionals[0], o.for !== undefined ? durationMs : undefined);
      for (const m of replay.rec.warnings) ctx.warn(m);
      ctx.stdout.write(o.json ? formatJson(rr) : formatWhyText(rr, !!o.verbose) + rw.formatEpisodes(rr));
      return 0;
    }
    const r = await why({ paths: ctx.paths, target: args.positionals[0], durationMs });
    if (r.incomplete) ctx.warn(`incomplete: permission denied on ${countOf(r.incomplete.denied.length, 'path')}, e.g. ${escapeControl(r.incomplete.denied[0] ?? '')}`);
    ctx.stdout.write(o.json ? formatJson(r) : formatWhyText(r, !!o.verbose));
    return 0;
  },
};
