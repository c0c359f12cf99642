/**
 * Table columns of the dashboard's process lists and Namespaces view, fitted to the terminal width. Process
 * columns come from the `nsx ps` registry (src/fields/ps.ts); the Namespaces view has its own small registry
 * here (its rows are tree lines of the namespace model). The flexible column (COMMAND) takes what is left.
 */
import { fitColumns } from '../fit-columns.js';
import { formatCell, headerOf, type Field } from '../../fields/registry.js';
import { PS_FIELDS, type PsFieldCtx } from '../../fields/ps.js';
import type { PsProcess } from '../../services/ps.js';
import type { TableColumn } from '../components/Table.js';
import { keepTail } from '../top/columns.js';
import type { NsLine } from './model.js';

interface Spec {
  readonly id: string;
  readonly width: number;
  /** dropped first on narrow terminals (lowest first) */
  readonly prio: number;
  /** cut from the left (paths) */
  readonly tail?: boolean;
}

const PROC_SPECS: readonly Spec[] = [
  { id: 'PID', width: 7, prio: 9 },
  { id: 'USER', width: 10, prio: 5 },
  { id: 'CPU%', width: 6, prio: 8 },
  { id: 'RSS', width: 6, prio: 7 },
  { id: 'CONTAINER', width: 24, prio: 6 },
  { id: 'NS', width: 23, prio: 4 },
  { id: 'CGROUP', width: 32, prio: 3, tail: true },
  { id: 'COMMAND', width: 20, prio: 10 },
];

/** Columns of a process list (Processes view, a cgroup's or a namespace's processes). */
export function processColumns(width: number, ctx: PsFieldCtx): TableColumn<PsProcess>[] {
  const widths = fitColumns(PROC_SPECS, width, 'COMMAND');
  const out: TableColumn<PsProcess>[] = [];
  for (const s of PROC_SPECS) {
    const w = widths.get(s.id);
    if (w === undefined) continue;
    const f = PS_FIELDS.find((x) => x.id === s.id)!;
    out.push({
      id: s.id,
      header: headerOf(f),
      width: w,
      align: f.align,
      cell: (p) => {
        const t = formatCell(f, p, ctx);
        return s.tail ? keepTail(t, w) : t;
      },
    });
  }
  return out;
}

/** The Namespaces view's registry: one namespace per tree line. */
export const NS_VIEW_FIELDS: readonly Field<NsLine, unknown>[] = [
  { id: 'NS', json: 'ns', type: 'number', help: 'namespace inode (the tree nests by owner user namespace)', get: (l) => l.ns.inode },
  { id: 'TYPE', json: 'type', type: 'string', help: 'namespace type', get: (l) => l.ns.type },
  { id: 'NPROCS', json: 'nprocs', type: 'number', align: 'right', help: 'processes in it', get: (l) => l.ns.pids.length },
  { id: 'PID', json: 'pid', type: 'number', align: 'right', help: 'lowest PID in it', get: (l) => l.pid ?? null },
  { id: 'COMMAND', json: 'command', type: 'string', help: 'command of the lowest PID', get: (l) => l.command ?? null },
  { id: 'HOLDERS', json: 'holders', type: 'string', help: 'what keeps it alive: member PIDs, PID:fd descriptors, sockets, bind mounts (ip netns names), namespaces it owns or parents', get: (l) => l.holders },
];

const NS_SPECS: readonly Spec[] = [
  { id: 'NS', width: 22, prio: 10 },
  { id: 'TYPE', width: 6, prio: 9 },
  { id: 'NPROCS', width: 6, prio: 8 },
  { id: 'PID', width: 7, prio: 7 },
  { id: 'COMMAND', width: 20, prio: 10 },
  { id: 'HOLDERS', width: 40, prio: 6 },
];

export function namespaceColumns(width: number): TableColumn<NsLine>[] {
  const widths = fitColumns(NS_SPECS, width, 'COMMAND', [{ id: 'HOLDERS', max: 60 }]);
  const out: TableColumn<NsLine>[] = [];
  for (const s of NS_SPECS) {
    const w = widths.get(s.id);
    if (w === undefined) continue;
    const f = NS_VIEW_FIELDS.find((x) => x.id === s.id)!;
    out.push({ id: s.id, header: headerOf(f), width: w, align: f.align, cell: (l) => formatCell(f, l, undefined) });
  }
  return out;
}
