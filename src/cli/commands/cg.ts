/**
 * `nsx cg` (alias `nsx cgroups`): cgroup layout and hierarchies; `cg tree`, `cg show`, `cg ps`.
 * Parses flags only, calls src/services/cg.ts, formats through src/fields/cg.ts.
 */
import type { Command, CliContext } from '../context.js';
import { parseCommandArgs } from '../common.js';
import { parseIntArg, type OptionSpec } from '../getopt.js';
import { UsageError } from '../../errors.js';
import { formatJson } from '../../output/json.js';
import { renderTable, truncateTo, type TableRow } from '../../output/table.js';
import { escapeControl } from '../../output/escape.js';
import { formatCell, headerOf, jsonKeyOf, type Field } from '../../fields/registry.js';
import { HIERARCHY_FIELDS, PS_FIELDS, TREE_FIELDS, SHOW_FIELDS, type CgFieldCtx, type ShowGroupName, type TreeRow } from '../../fields/cg.js';
import { cgPs, cgShow, cgSummary, cgTree, type CgShowResult, type CgTreeNode } from '../../services/cg.js';
import { explainMissingCgroup } from '../../services/cg-hint.js';
import type { Incompleteness } from '../../host/tolerance.js';
import { AT_OPTIONS, replayHelp, replayWindow } from '../replay-options.js';
import { loadRecord } from '../../services/record-loader.js';
import { countOf } from '../../output/words.js';

const HELP = `Usage:
  nsx cg [options]                       cgroup layout and one row per hierarchy
  nsx cg tree [PATH] [options]           the cgroup tree with member processes (like systemd-cgls)
  nsx cg show PATH|pid:PID [options]     every limit and counter of one cgroup, grouped by controller
  nsx cg ps PID [options]                where PID sits in every hierarchy
  (PATH may also be container:NAME|ID[-PREFIX]|RUNTIME:ID or pod:NAMESPACE/NAME: that container's cgroup)

Options:
  -J, --json             JSON output (shapes: docs/cg.md, docs/schemas/)
  -r, --raw              exact numbers; raw table output
  -n, --noheadings       do not print table headings
      --depth N          (tree) levels below PATH to show
  -a, --all              (tree) show cgroups without processes too
  -k, --kernel           (tree) include kernel threads
  -c, --controller NAME  (tree) the hierarchy of controller NAME (or name=systemd, merged, v2)
      --root DIR|FILE    read another host (a directory or a fixture manifest)
${replayHelp(false).replace('replay the recording', '(tree) replay the recording')}
  -h, --help             this help

Columns of 'nsx cg':
${HIERARCHY_FIELDS.map((f) => `  ${f.id.padEnd(12)} ${f.help}`).join('\n')}
`;

const SPECS: readonly OptionSpec[] = [
  { name: 'json', short: 'J', arg: 'none' },
  { name: 'raw', short: 'r', arg: 'none' },
  { name: 'noheadings', short: 'n', arg: 'none' },
  { name: 'depth', arg: 'required' },
  { name: 'all', short: 'a', arg: 'none' },
  { name: 'kernel', short: 'k', arg: 'none' },
  { name: 'controller', short: 'c', arg: 'required' },
  ...AT_OPTIONS,
];

function table<Row>(fields: readonly Field<Row, CgFieldCtx>[], rows: readonly Row[], ctx: CliContext, o: { raw: boolean; noHeadings: boolean }): string {
  const fctx: CgFieldCtx = { raw: o.raw };
  return renderTable(
    fields.map((f) => ({ header: headerOf(f), align: f.align, trunc: f.trunc })),
    rows.map((r) => ({ cells: fields.map((f) => formatCell(f, r, fctx)) })),
    { raw: o.raw, noHeadings: o.noHeadings, termWidth: ctx.isTTY ? ctx.columns : undefined },
  );
}

function warnIncomplete(ctx: CliContext, inc: Incompleteness | undefined): void {
  if (inc && inc.denied.length) ctx.warn(`incomplete: permission denied on ${countOf(inc.denied.length, 'path')}, e.g. ${escapeControl(inc.denied[0])}`);
}

function treeRows(n: CgTreeNode): TableRow {
  const fctx: CgFieldCtx = {};
  const cells = (r: TreeRow) => TREE_FIELDS.map((f) => formatCell(f, r, fctx));
  return {
    cells: cells({ kind: 'cgroup', node: n }),
    children: [...n.processes.map((p) => ({ cells: cells({ kind: 'process', pid: p.pid, command: p.command }) })), ...n.children.map(treeRows)],
  };
}

function showText(r: CgShowResult, raw: boolean, width?: number): string {
  const out: string[] = [];
  out.push(`cgroup ${escapeControl(r.path)}${r.container ? `  (${escapeControl(r.container)})` : ''}  layout ${r.layout}`);
  for (const h of r.hierarchies) {
    const ctl = [...h.controllers, ...(h.name ? [`name=${h.name}`] : [])].join(',') || '-';
    out.push(`  v${h.version} ${ctl.padEnd(16)} ${escapeControl(h.mount)}${h.path !== r.path ? `  at ${escapeControl(h.path)}` : ''}`);
    if (h.cgroup_controllers) out.push(`     available: ${h.cgroup_controllers.join(' ') || '-'}  enabled for children: ${h.subtree_control?.join(' ') || '-'}`);
  }
  out.push(`processes ${r.processes.length}${r.nr_threads !== null ? `  threads ${r.nr_threads}` : ''}`);
  for (const p of r.processes) {
    const line = `  ${String(p.pid).padStart(7)} ${escapeControl(p.command)}`;
    out.push(width !== undefined ? truncateTo(line, width) : line); // a terminal: one line per process
  }
  const fctx: CgFieldCtx = { raw };
  for (const g of Object.keys(SHOW_FIELDS) as ShowGroupName[]) {
    const grp = r[g];
    if (!grp) continue;
    const rows = SHOW_FIELDS[g].filter((f) => f.text !== false && grp[jsonKeyOf(f)] !== null && grp[jsonKeyOf(f)] !== undefined);
    if (rows.length === 0) continue;
    out.push(`${g} (v${grp.version}${grp.path !== r.path ? ` ${escapeControl(grp.path)}` : ''})`);
    const w = Math.max(...rows.map((f) => f.id.length));
    for (const f of rows) out.push(`  ${f.id.padEnd(w)}  ${escapeControl(formatCell(f, grp, fctx))}`);
  }
  for (const e of r.errors) out.push(`error: ${escapeControl(e)}`);
  return out.join('\n') + '\n';
}

export const command: Command = {
  options: SPECS,
  name: 'cg',
  aliases: ['cgroups'],
  summary: 'cgroup layout, hierarchies, trees, one cgroup in full',
  help: HELP,
  async run(argv, ctx0) {
    const { args, ctx, done } = await parseCommandArgs(argv, SPECS, ctx0, HELP, { prog: 'nsx cg' });
    if (done) return 0;
    const o = args.opts;
    const json = !!o.json;
    const raw = !!o.raw;
    const noHeadings = !!o.noheadings;
    const [sub, ...rest] = args.positionals;
    const write = (s: string) => ctx.stdout.write(s);
    const only = (allowed: string[]) => {
      for (const k of ['depth', 'all', 'kernel', 'controller', 'at', 'dir']) {
        if (o[k] !== undefined && !allowed.includes(k)) throw new UsageError(`nsx cg: --${k}: applies to 'nsx cg tree' only`);
      }
    };
    switch (sub) {
      case undefined: {
        only([]);
        const r = cgSummary({ paths: ctx.paths });
        if (json) write(formatJson(r));
        else {
          write(`layout: ${r.layout}${r.layout === 'none' ? ' (no cgroup filesystem is mounted)' : ''}\n`);
          if (r.hierarchies.length) write(table(HIERARCHY_FIELDS, r.hierarchies, ctx, { raw, noHeadings }));
          if (r.unattached.length) write(`unattached controllers (hierarchy 0): ${r.unattached.join(',')}\n`);
        }
        warnIncomplete(ctx, r.incomplete);
        return 0;
      }
      case 'tree': {
        if (rest.length > 1) throw new UsageError('nsx cg tree: expected at most one PATH');
        const depth = o.depth === undefined ? undefined : parseIntArg('nsx cg', 'depth', String(o.depth), { min: 0 });
        const w = replayWindow(o, 'nsx cg tree', false);
        const replay = w ? (await loadRecord('nsx cg tree')).openReplay(w, 'nsx cg tree', ['processes', 'cgroups']) : undefined;
        const controller = o.controller as string | undefined;
        const topts = { path: rest[0], depth, all: !!o.all, kernel: !!o.kernel, controller };
        let r: ReturnType<typeof cgTree>;
        if (replay) r = (await loadRecord('nsx cg tree')).replayCgTree(replay, topts);
        else {
          try {
            r = cgTree({ paths: ctx.paths, ...topts });
          } catch (e) {
            // not in the default tree: name the hierarchies that have it, and the -c that shows it
            throw explainMissingCgroup(e, ctx.paths, rest[0], controller);
          }
        }
        for (const m of replay?.rec.warnings ?? []) ctx.warn(m);
        if (json) write(formatJson(r));
        else {
          const fields = TREE_FIELDS;
          write(renderTable(fields.map((f) => ({ header: headerOf(f), tree: true, trunc: f.trunc })), [treeRows(r.tree)], {
            raw, noHeadings, termWidth: ctx.isTTY ? ctx.columns : undefined,
          }));
        }
        warnIncomplete(ctx, r.incomplete);
        return 0;
      }
      case 'show': {
        only([]);
        if (rest.length !== 1) throw new UsageError('nsx cg show: expected one cgroup PATH or pid:PID');
        const r = cgShow({ paths: ctx.paths, target: rest[0] });
        write(json ? formatJson(r) : showText(r, raw, ctx.isTTY ? ctx.columns : undefined));
        warnIncomplete(ctx, r.incomplete);
        return 0;
      }
      case 'ps': {
        only([]);
        if (rest.length !== 1) throw new UsageError('nsx cg ps: expected one PID');
        const pid = parseIntArg('nsx cg', 'PID', rest[0], { min: 1 });
        const r = cgPs({ paths: ctx.paths, pid });
        write(json ? formatJson(r) : table(PS_FIELDS, r.cgroups, ctx, { raw, noHeadings }));
        return 0;
      }
      default:
        throw new UsageError(`nsx cg: unknown subcommand '${sub}' (expected tree, show or ps)`);
    }
  },
};
