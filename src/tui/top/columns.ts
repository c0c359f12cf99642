/**
 * The `nsx top` TUI columns: registry fields plus the CPU and memory sparklines, fitted to the terminal width
 * (the tree column takes what is left; low-priority columns are dropped first on narrow terminals).
 */
import { fitColumns } from '../fit-columns.js';
import { formatCell } from '../../fields/registry.js';
import { fieldById, type TopFieldCtx } from '../../fields/top.js';
import type { SeriesLike } from '../series-ring.js';
import { sparkline } from '../sparkline.js';
import type { TableColumn } from '../components/Table.js';
import type { DisplayRow } from './state.js';
import type { Identity } from '../../model/identity.js';
import { nameOfRow } from '../names.js';

interface Spec {
  readonly id: string;
  readonly width: number;
  /** higher = kept longer */
  readonly prio: number;
  readonly header?: string;
}

/** Columns in display order. NAME (the tree) is flexible. */
const SPECS: readonly Spec[] = [
  { id: 'NAME', width: 16, prio: 100, header: 'CGROUP' },
  { id: 'TASKS', width: 5, prio: 8 },
  { id: 'CPU%', width: 6, prio: 10 },
  { id: 'CPU~', width: 10, prio: 2 },
  { id: 'CPUMAX', width: 6, prio: 6 },
  { id: 'MEM', width: 6, prio: 9 },
  { id: 'MEM~', width: 10, prio: 1 },
  { id: 'MEMMAX', width: 6, prio: 5 },
  { id: 'IOR/S', width: 8, prio: 3 },
  { id: 'IOW/S', width: 8, prio: 3 },
  { id: 'THR%', width: 5, prio: 7 },
  { id: 'BY', width: 14, prio: 4, header: 'THROTTLED-BY' },
];

export interface TopColumnsInput {
  readonly width: number;
  readonly ctx: TopFieldCtx;
  readonly cpu: SeriesLike;
  readonly memory: SeriesLike;
  readonly ascii?: boolean;
  /** the rows shown: the sparkline columns take one scale over them */
  readonly rows?: readonly DisplayRow[];
  /** identity per cgroup path: container rows show their name (src/tui/hooks/use-identities.ts) */
  readonly names?: ReadonlyMap<string, Identity>;
  /** cgroups whose `nsx why` verdict is not clean: marked `!` before the name (src/tui/why-marks.ts) */
  readonly marks?: ReadonlyMap<string, string>;
}

/** Full scale of the CPU sparkline column: the highest CPU% of the rows' series, at least one CPU (100 %). */
export const CPU_SCALE_FLOOR = 100;

/** The largest value in the series of `keys` (0 when none). */
export function seriesMax(store: SeriesLike, keys: Iterable<string>): number {
  if (store.max) return store.max(keys);
  let max = 0;
  for (const k of keys) for (const v of store.get(k)) if (v !== null && v > max) max = v;
  return max;
}

/** Cut a path from the left (`…slice/web`): the end of a cgroup path is what identifies it. */
export function keepTail(s: string, w: number): string {
  return s.length <= w ? s : '…' + s.slice(s.length - (w - 1));
}

/** Choose and size the columns for `width`; returns Table column specs over display rows. */
export function topColumns(o: TopColumnsInput): TableColumn<DisplayRow>[] {
  const widths = fitColumns(SPECS, o.width, 'NAME', [{ id: 'BY', max: 16 }]);
  const chosen = SPECS.filter((c) => widths.has(c.id));
  // one scale per sparkline column: a steady 20 % row and a steady 200 % row must not look alike
  const paths = (o.rows ?? []).map((d) => d.row.path);
  const cpuMax = widths.has('CPU~') ? Math.max(CPU_SCALE_FLOOR, seriesMax(o.cpu, paths)) : 0;
  const memMax = widths.has('MEM~') ? seriesMax(o.memory, paths) : 0;
  return chosen.map((c): TableColumn<DisplayRow> => {
    const w = widths.get(c.id)!;
    if (c.id === 'CPU~') return { id: c.id, header: 'CPU 1m', width: w, cell: (d) => sparkline(o.cpu.get(d.row.path), w, { max: cpuMax, ascii: o.ascii }) };
    if (c.id === 'MEM~') {
      return {
        id: c.id,
        header: 'MEM 1m',
        width: w,
        cell: (d) => sparkline(o.memory.get(d.row.path), w, { max: memMax, ascii: o.ascii }),
      };
    }
    const f = fieldById(c.id);
    if (c.id === 'NAME') {
      return {
        id: c.id,
        header: c.header ?? 'CGROUP',
        width: w,
        cell: (d) => {
          const base = d.prefix === '' && d.row.depth === 0 ? d.row.path : formatCell(f, d.row, o.ctx);
          const name = nameOfRow(d.row.path, o.names?.get(d.row.path));
          return (o.marks?.has(d.row.path) ? '! ' : '') + (name !== undefined ? `${name} (${base})` : base) + (d.collapsed ? ' +' : '');
        },
      };
    }
    if (c.id === 'BY') {
      // the binding cgroup and its limit: `…slice/web 0.20`
      return {
        id: c.id,
        header: c.header ?? 'THROTTLED-BY',
        width: w,
        cell: (d) => {
          const lim = d.row.throttled_by_cpus !== null ? ` ${d.row.throttled_by_cpus.toFixed(2)}` : '';
          return keepTail(formatCell(f, d.row, o.ctx), w - lim.length) + lim;
        },
      };
    }
    return { id: c.id, header: c.header ?? f.header ?? f.id, width: w, align: f.align, cell: (d) => formatCell(f, d.row, o.ctx) };
  });
}
