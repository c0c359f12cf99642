/** `nsx ls` — list namespaces, a drop-in for util-linux lsns (options, columns, defaults, JSON shape). */
import type { Command, CliContext } from '../context.js';
import type { OptionSpec } from '../getopt.js';
import { parseCommandArgs } from '../common.js';
import { parseIntArg } from '../getopt.js';
import { AT_OPTIONS, replayHelp, replayWindow } from '../replay-options.js';
import { UsageError } from '../../errors.js';
import { renderTable } from '../../output/table.js';
import { parseFilterArg } from '../../fields/scols-filter.js';
import { renderLsText } from '../../fields/ls-text.js';
import { LS_FIELDS, LSNS_COLUMNS, defaultColumns, NAMESPACE_COLUMNS, needsOf, renderLsJson, renderListColumnsJson, listColumnsRows, filterFields, filterLsRows } from '../../fields/ls.js';
import { selectFields, columnsHelp } from '../../fields/registry.js';
import { isNsType, NS_TYPES } from '../../parse/nsid-link.js';
import { listNamespaces } from '../../services/ls.js';
import { withDropInStatus } from '../drop-in.js';
import { loadRecord } from '../../services/record-loader.js';

const HELP = `Usage:
 nsx ls [options] [<namespace>]

List system namespaces (lsns-compatible).

Options:
 -J, --json             use JSON output format
 -l, --list             use list format output
 -n, --noheadings       don't print headings
 -o, --output <list>    define which output columns to use (+LIST appends to the defaults)
     --output-all       output all columns
 -P, --persistent       namespaces without processes (held by an nsfs bind mount)
 -p, --task <pid>       print process namespaces
 -r, --raw              use the raw output format
 -u, --notruncate       don't truncate text in columns
 -W, --nowrap           don't use multi-line representation
 -t, --type <name>      namespace type (mnt, net, ipc, user, pid, uts, cgroup, time); repeatable
 -T, --tree[=<rel>]     use tree format (parent, owner, or process); default owner
 -Q, --filter <expr>    print only the rows that match the expression (libsmartcols filter:
                        ==, !=, <, <=, >, >=, =~, !~, and, or, not, parentheses;
                        e.g. 'USER != "root" and NPROCS > 1')
 -q, --quiet            no warning when some processes could not be read
 -H, --list-columns     list the available columns (with --raw or --json: machine-readable)
${replayHelp(false, 1)}

Global options: --root DIR, --no-color, --debug, -h/--help, -V/--version

Exit status: 0 on success; 1 on any error, usage errors included (as lsns).

Available output columns:
`;

const SPECS: readonly OptionSpec[] = [
  { name: 'json', short: 'J', arg: 'none' },
  { name: 'list', short: 'l', arg: 'none' },
  { name: 'noheadings', short: 'n', arg: 'none' },
  { name: 'output', short: 'o', arg: 'required' },
  { name: 'output-all', arg: 'none' },
  { name: 'persistent', short: 'P', arg: 'none' },
  { name: 'task', short: 'p', arg: 'required' },
  { name: 'raw', short: 'r', arg: 'none' },
  { name: 'notruncate', short: 'u', arg: 'none' },
  { name: 'nowrap', short: 'W', arg: 'none' },
  { name: 'type', short: 't', arg: 'required', repeatable: true, values: NS_TYPES },
  { name: 'tree', short: 'T', arg: 'optional', values: ['owner', 'parent', 'process'] },
  { name: 'list-columns', short: 'H', arg: 'none' },
  { name: 'filter', short: 'Q', arg: 'required' },
  { name: 'quiet', short: 'q', arg: 'none' },
  ...AT_OPTIONS,
];

const EXCLUSIVE: ReadonlyArray<readonly [string, string]> = [
  ['json', 'raw'],
  ['persistent', 'task'],
];

/** lsns's exit statuses: 1 for usage errors too (src/cli/drop-in.ts). */
function run(argv: string[], ctx0: CliContext): Promise<number> {
  return withDropInStatus(() => runLs(argv, ctx0));
}

async function runLs(argv: string[], ctx0: CliContext): Promise<number> {
  const { args, ctx, done } = await parseCommandArgs(argv, SPECS, ctx0, HELP + columnsHelp(LS_FIELDS), { prog: 'nsx ls' });
  if (done) return 0;
  const o = args.opts;
  if (o['list-columns']) {
    if (o.json) ctx.stdout.write(renderListColumnsJson(LS_FIELDS));
    else {
      const rows = listColumnsRows(LS_FIELDS).map((r) => ({ cells: [r.holder, r.type, r.description] }));
      const cols = [{ header: 'HOLDER', align: 'right' as const }, { header: 'TYPE' }, { header: 'DESCRIPTION' }];
      ctx.stdout.write(renderTable(cols, rows, { noHeadings: true, raw: !!o.raw, scols: true }));
    }
    return 0;
  }
  for (const [a, b] of EXCLUSIVE) {
    if (o[a] !== undefined && o[b] !== undefined) throw new UsageError(`nsx ls: --${a} and --${b}: mutually exclusive options`);
  }
  // a type given twice counts once (`-t net -t net`)
  const types = [...new Set((o.type as string[] | undefined) ?? [])].map((t) => {
    if (!isNsType(t)) throw new UsageError(`nsx ls: -t ${t}: unknown namespace type; try ${NS_TYPES.slice(0, -1).join(', ')} or ${NS_TYPES[NS_TYPES.length - 1]}`);
    return t;
  });
  let tree: 'none' | 'process' | 'owner' | 'parent' = 'none';
  if (o.tree !== undefined) {
    const v = o.tree === true ? 'owner' : String(o.tree).replace(/^=/, '');
    if (v !== 'owner' && v !== 'parent' && v !== 'process') throw new UsageError(`nsx ls: --tree=${v}: unknown tree type; try owner, parent or process`);
    tree = v;
  }
  const task = o.task !== undefined ? parseIntArg('nsx ls', 'PID', String(o.task), { min: 1 }) : undefined;
  if (args.positionals.length > 1)
    throw new UsageError(`nsx ls: ${args.positionals.slice(1).join(' ')}: too many arguments (one namespace at most)\nTry 'nsx ls --help' for more information.`);
  let namespace: number | undefined;
  if (args.positionals.length === 1) {
    if (task !== undefined) throw new UsageError('nsx ls: --task and <namespace>: mutually exclusive options');
    const a = args.positionals[0];
    if (!/^\d+$/.test(a) || !Number.isSafeInteger(Number(a))) throw new UsageError(`nsx ls: namespace '${a}': not an inode number; try one from the NS column (nsx ls -o NS)`);
    namespace = Number(a);
  }
  // lsns: defaults (and the default process tree) apply only when --output-all was not given
  let defaults: string[];
  if (o['output-all']) defaults = [...LSNS_COLUMNS];
  else {
    defaults = namespace !== undefined ? NAMESPACE_COLUMNS : defaultColumns(types.includes('net'));
    if (tree === 'none' && !o.list) tree = 'process';
  }
  const fields = selectFields(LS_FIELDS, defaults, o.output as string | undefined, { prog: 'nsx ls' });
  if (fields.length === 0) throw new UsageError(`nsx ls: no output columns\nTry 'nsx ls --help' for more information.`);
  const treeColumn = tree === 'process' ? 'COMMAND' : tree === 'none' ? undefined : 'NS';
  const drawsTree = treeColumn !== undefined && fields.some((f) => f.id === treeColumn);
  const filter = o.filter !== undefined ? parseFilterArg('nsx ls', String(o.filter)) : null;
  const needs = needsOf([...fields, ...filterFields(filter)]);

  const w = replayWindow(o, 'nsx ls', false);
  const replay = w ? (await loadRecord('nsx ls')).openReplay(w, 'nsx ls', ['processes', 'namespaces']) : undefined;
  const lsOpts = { types, task, namespace, tree, flat: !drawsTree, persistent: !!o.persistent, needs };
  const res = replay ? (await loadRecord('nsx ls')).replayLs(replay, lsOpts) : await listNamespaces({ paths: ctx.paths, ...lsOpts });
  for (const m of replay?.rec.warnings ?? []) ctx.warn(m);
  const vctx = { procs: res.procs, users: res.users, namespaces: res.namespaces };
  const rows = filterLsRows(res.rows, filter, vctx);
  if (o.json) {
    ctx.stdout.write(renderLsJson(fields, rows, vctx, res.incomplete ? { incomplete: true } : {}));
  } else {
    ctx.stdout.write(
      renderLsText(fields, rows, vctx, {
        raw: !!o.raw,
        noHeadings: !!o.noheadings,
        noTruncate: !!o.notruncate,
        noWrap: !!o.nowrap || !!o.raw,
        termWidth: ctx.columns,
        treeColumn: drawsTree ? treeColumn : undefined,
      }),
    );
    if (res.incomplete && !o.quiet) ctx.warn(incompleteWarning(res.skipped.denied));
  }
  return 0;
}

/**
 * The warning when permission errors hid namespaces: names what could not be read (up to three paths), e.g.
 * `warning: the list is incomplete: permission denied: /proc/1/ns (-q silences this)`.
 */
export function incompleteWarning(denied: readonly string[]): string {
  const shown = denied.slice(0, 3).join(', ');
  const more = denied.length > 3 ? ` and ${denied.length - 3} more` : '';
  return `warning: the list is incomplete: permission denied: ${shown}${more} (-q silences this)`;
}

export const command: Command = {
  options: SPECS,
  name: 'ls',
  summary: 'list namespaces (lsns-compatible)',
  help: HELP,
  run,
};
