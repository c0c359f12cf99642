/** `nsx ps [PID…]`: parse flags, call the ps service, print a table, JSON or one process in full. */
import { normalizeCgroupPath } from '../../model/cgroup.js';
import type { Command, CliContext } from '../context.js';
import { parseCommandArgs } from '../common.js';
import { parseIntArg, type OptionSpec } from '../getopt.js';
import { UsageError } from '../../errors.js';
import { columnsHelp, formatCell, headerOf, jsonCell, jsonKeyOf, selectFields } from '../../fields/registry.js';
import { PS_DEFAULT, PS_FIELDS, formatPsDetail, sortProcesses, type PsFieldCtx } from '../../fields/ps.js';
import { runPs } from '../../services/ps.js';
import { renderTable } from '../../output/table.js';
import { formatJson } from '../../output/json.js';

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
];

const HELP = `Usage: nsx ps [options] [PID...]

Processes with their namespaces, cgroups and containers. Without PID: a table, one row per process.
With PIDs: each process in full (command line, user, NSpid chain, its 8 namespaces with holder counts,
uid/gid maps, its cgroup in every hierarchy with limits and usage, its container/unit, its root mount and
overlay layers).

Options:
  -c, --container X   only processes of container X (runtime:id, id prefix, name, pod UID or unit)
  -g, --cgroup PATH   only processes whose cgroup (in any hierarchy) is PATH or below it
  -N, --ns INODE      only processes in the namespace with this inode
  -s, --sort COL      sort by column COL (prefix with - for descending: --sort=-RSS); default PID
  -o, --output LIST   columns to show (+LIST appends to the default)
      --output-all    all columns
  -J, --json          JSON output
  -r, --raw           raw output (no alignment, escaped spaces)
  -n, --noheadings    no header line
  -u, --notruncate    do not truncate columns to the terminal width
  -H, --list-columns  list the columns and exit
  -h, --help          this help

Namespace columns show the inode only where it differs from PID 1's (JSON always has it).

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
    const ns = o.ns === undefined ? undefined : parseIntArg('nsx ps', 'namespace inode', o.ns as string, { min: 1 });
    const filter = { container: o.container as string | undefined, cgroup: o.cgroup === undefined ? undefined : normalizeCgroupPath(o.cgroup as string), ns };
    if (pids.length && (filter.container !== undefined || filter.cgroup !== undefined || ns !== undefined)) {
      throw new UsageError('nsx ps: --container, --cgroup and --ns filter the table; they cannot be combined with PIDs');
    }
    const fields = selectFields(PS_FIELDS, PS_DEFAULT, o.output as string | undefined, { all: !!o['output-all'], prog: 'nsx ps' });
    let sortSpec = o.sort as string | undefined;
    let descending = false;
    if (sortSpec?.startsWith('-')) {
      descending = true;
      sortSpec = sortSpec.slice(1);
    }
    const sortField = sortSpec === undefined ? undefined : selectFields(PS_FIELDS, [], sortSpec, { prog: 'nsx ps' })[0];

    const res = runPs({ paths: ctx.paths, pids, filter });
    if (res.mode === 'detail') {
      if (o.json) ctx.stdout.write(formatJson({ processes: res.details }) + '\n');
      else ctx.stdout.write(res.details.map((d) => formatPsDetail(d, { termWidth: ctx.isTTY && !o.notruncate ? ctx.columns : undefined })).join('\n'));
      return 0;
    }
    const fctx: PsFieldCtx = { reference: res.table.reference.ns, raw: !!o.raw };
    const rows = sortField ? sortProcesses(res.rows, sortField, fctx, descending) : res.rows;
    if (o.json) {
      ctx.stdout.write(
        formatJson({
          processes: rows.map((p) => Object.fromEntries(fields.map((f) => [jsonKeyOf(f), jsonCell(f, p, fctx)]))),
          ...(res.table.incomplete ? { incomplete: true, skipped: res.table.skipped } : {}),
        }) + '\n',
      );
      return 0;
    }
    ctx.stdout.write(
      renderTable(
        fields.map((f) => ({ header: headerOf(f), align: f.align, trunc: f.trunc, width: f.width })),
        rows.map((p) => ({ cells: fields.map((f) => formatCell(f, p, fctx)) })),
        { raw: !!o.raw, noHeadings: !!o.noheadings, noTruncate: !!o.notruncate, termWidth: ctx.isTTY ? ctx.columns : undefined },
      ),
    );
    if (res.table.incomplete) ctx.warn(`ps: ${res.table.skipped.denied.length} files could not be read (permission denied); the table is incomplete`);
    return 0;
  },
};
