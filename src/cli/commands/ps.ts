/** `nsx ps [PID…]`: parse flags, call the ps service, print a table, JSON or one process in full. */
import { identityJson } from '../../model/identity.js';
import { normalizeCgroupPath } from '../../model/cgroup.js';
import type { Command, CliContext } from '../context.js';
import { parseCommandArgs } from '../common.js';
import { parseIntArg, type OptionSpec } from '../getopt.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { columnsHelp, jsonCell, jsonKeyOf, selectFields } from '../../fields/registry.js';
import { PS_DEFAULT, PS_DEFAULT_JSON, PS_FIELDS, formatPsDetail, psDetailJson, parsePsSort, psNeedsStat, renderPsTable, sortProcessesBy, withCommandAndArgv, type PsFieldCtx } from '../../fields/ps.js';
import { cpuPercentSinceStart } from '../../model/process.js';
import { runPs } from '../../services/ps.js';
import { formatJson } from '../../output/json.js';
import { AT_OPTIONS, replayHelp, replayWindow } from '../replay-options.js';
import { loadRecord } from '../../services/record-loader.js';
import { countOf } from '../../output/words.js';

const SPECS: OptionSpec[] = [
  { name: 'json', short: 'J', arg: 'none' },
  { name: 'raw', short: 'r', arg: 'none' },
  { name: 'noheadings', short: 'n', arg: 'none' },
  { name: 'notruncate', short: 'u', arg: 'none' },
  { name: 'output', short: 'o', arg: 'required' },
  { name: 'output-all', arg: 'none' },
  { name: 'sort', short: 's', arg: 'required' },
  { name: 'container', short: 'c', arg: 'required' },
  { name: 'cgroup', short: 'g', arg: 'required' },
  { name: 'ns', short: 'N', arg: 'required' },
  { name: 'list-columns', short: 'H', arg: 'none' },
  ...AT_OPTIONS,
];

const HELP = `Usage: nsx ps [options] [PID...]

Processes with their namespaces, cgroups and containers. Without PID: a table, one row per process.
With PIDs: each process in full (command line, user, NSpid chain, its 8 namespaces with holder counts,
uid/gid maps, its cgroup in every hierarchy with limits and usage, its container/unit, its root mount and
overlay layers).

Options:
  -c, --container X   only processes of container X: NAME, ID, unique ID prefix, RUNTIME:ID, pod:NS/NAME,
                      pod UID or unit (an ambiguous prefix is refused, listing the candidates)
  -g, --cgroup PATH   only processes whose cgroup (in any hierarchy) is PATH or below it
  -N, --ns INODE      only processes in the namespace with this inode
                      (a filter that matches no process is an error: a message on stderr, exit status 1)
  -s, --sort LIST     sort by these columns in turn, each prefixed with - for descending (-s USER,-RSS);
                      default PID
  -o, --output LIST   columns to show (+LIST appends to the default); names are case-insensitive
      --output-all    all columns
  -J, --json          JSON output
  -r, --raw           raw output (no alignment, escaped spaces)
  -n, --noheadings    no header line
  -u, --notruncate    do not truncate columns to the terminal width
  -H, --list-columns  list the columns and exit
${replayHelp(false)}
  -h, --help          this help

The default columns fit 80 columns: NS lists the namespace types in which a process differs from PID 1
(mnt,net,pid,uts,ipc,usr,cg,tm); the per-type inode columns (MNTNS … TIMENS) show the inode only where it
differs from PID 1's. JSON has every inode by default, and the command both as 'command' (a string) and
'argv' (an array). Cells cut to fit the terminal end in '…'; COMMAND gives way last.
CPU% is the CPU time since the process started divided by its elapsed time, as procps ps computes %CPU
(the dashboard shows it over the last refresh interval instead).

Columns:
${columnsHelp(PS_FIELDS)}
`;

export const command: Command = {
  options: SPECS,
  name: 'ps',
  summary: 'processes with their namespaces, cgroups and containers',
  help: HELP,
  async run(argv: string[], ctx0: CliContext): Promise<number> {
    const { args, ctx, done } = await parseCommandArgs(argv, SPECS, ctx0, HELP, { prog: 'nsx ps' });
    if (done) return 0;
    const o = args.opts;
    if (o['list-columns']) {
      ctx.stdout.write(columnsHelp(PS_FIELDS) + '\n');
      return 0;
    }
    const pids = args.positionals.map((p) => parseIntArg('nsx ps', 'PID', p, { min: 1 }));
    for (const [k, v] of [['container', o.container], ['cgroup', o.cgroup], ['ns', o.ns], ['output', o.output], ['sort', o.sort]] as const) {
      if (typeof v === 'string' && v.trim() === '') throw new UsageError(k === 'output' ? 'nsx ps: no output columns' : `nsx ps: --${k}: empty value`);
    }
    const ns = o.ns === undefined ? undefined : parseIntArg('nsx ps', 'namespace inode', o.ns as string, { min: 1 });
    const filter = { container: o.container as string | undefined, cgroup: o.cgroup === undefined ? undefined : normalizeCgroupPath(o.cgroup as string), ns };
    if (pids.length && (filter.container !== undefined || filter.cgroup !== undefined || ns !== undefined)) {
      throw new UsageError('nsx ps: --container, --cgroup and --ns filter the table; they cannot be combined with PIDs');
    }
    const output = o.output as string | undefined;
    if (output !== undefined && output.replace(/^\+/, '').split(',').every((c) => c.trim() === '')) throw new UsageError('nsx ps: no output columns');
    let fields = selectFields(PS_FIELDS, o.json ? PS_DEFAULT_JSON : PS_DEFAULT, output, { all: !!o['output-all'], prog: 'nsx ps' });
    if (fields.length === 0) throw new UsageError('nsx ps: no output columns');
    if (o.json) fields = withCommandAndArgv(fields);
    const sortKeys = o.sort === undefined ? [] : parsePsSort(o.sort as string);

    const w = replayWindow(o, 'nsx ps', false);
    const replay = w ? (await loadRecord('nsx ps')).openReplay(w, 'nsx ps', ['processes', 'namespaces', 'cgroups']) : undefined;
    const stat = psNeedsStat([...fields, ...sortKeys.map((k) => k.field)]);
    const res = replay ? (await loadRecord('nsx ps')).replayPs(replay, { pids, filter }) : runPs({ paths: ctx.paths, pids, filter, stat });
    for (const m of replay?.rec.warnings ?? []) ctx.warn(m);
    if (res.mode === 'detail') {
      if (o.json) ctx.stdout.write(formatJson({ processes: res.details.map(psDetailJson) }) + '\n');
      else ctx.stdout.write(res.details.map((d) => formatPsDetail(d, { termWidth: ctx.isTTY && !o.notruncate ? ctx.columns : undefined })).join('\n'));
      return 0;
    }
    if (res.rows.length === 0 && (filter.container !== undefined || filter.cgroup !== undefined || ns !== undefined)) {
      // nsx ps: SUBJECT: what is wrong — the filters given are the subject
      const what = [
        filter.container !== undefined ? `--container ${filter.container}` : '',
        filter.cgroup !== undefined ? `--cgroup ${filter.cgroup}` : '',
        ns !== undefined ? `--ns ${ns}` : '',
      ].filter(Boolean);
      const unread = res.table.incomplete ? ` (${countOf(res.table.skipped.denied.length, 'file')} could not be read: permission denied)` : '';
      throw new NotFoundError(`nsx ps: ${what.join(' ')}: no process matches${unread}`);
    }
    // CPU% outside the dashboard: since each process started (CPU time / elapsed), as procps ps computes %CPU
    const cpuShown = fields.some((f) => f.id === 'CPU%') || sortKeys.some((k) => k.field.id === 'CPU%');
    const cpuPercent = res.table.uptime_s === undefined || !cpuShown ? undefined : cpuPercentSinceStart(res.rows, res.table.uptime_s);
    const fctx: PsFieldCtx = { reference: res.table.reference.ns, raw: !!o.raw, cpuPercent };
    const rows = sortKeys.length ? sortProcessesBy(res.rows, sortKeys, fctx) : res.rows;
    if (o.json) {
      ctx.stdout.write(
        formatJson({
          processes: rows.map((p) => ({
            ...Object.fromEntries(fields.map((f) => [jsonKeyOf(f), jsonCell(f, p, fctx)])),
            // with CONTAINER, the structured identity record too (issue 9)
            ...(fields.some((f) => f.id === 'CONTAINER') ? { identity: identityJson(p.container) } : {}),
          })),
          ...(res.table.incomplete ? { incomplete: true, skipped: res.table.skipped } : {}),
        }) + '\n',
      );
      return 0;
    }
    ctx.stdout.write(renderPsTable(fields, rows, fctx, { raw: !!o.raw, noHeadings: !!o.noheadings, noTruncate: !!o.notruncate, termWidth: ctx.isTTY ? ctx.columns : undefined }));
    if (res.table.incomplete) ctx.warn(`ps: ${countOf(res.table.skipped.denied.length, 'file')} could not be read (permission denied); the table is incomplete`);
    return 0;
  },
};
