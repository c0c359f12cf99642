/**
 * The `nsx top` TUI state and the pure functions on it: the key → action reducer and the visible rows of a
 * frame (tree folding, depth, filter, sibling sort). No React here, so all of it is tested directly.
 */
import { rowComparator, type TopOrder } from '../../fields/top.js';
import type { TopFrame, TopRow } from '../../sampler/frame.js';
import { navigate, type Nav } from '../list-nav.js';

export interface TopUiState {
  readonly order: TopOrder;
  readonly reverse: boolean;
  /** case-insensitive substring of the path; '' = none */
  readonly filter: string;
  /** typing a filter after `/` */
  readonly editingFilter: boolean;
  /** collapsed cgroup paths */
  readonly collapsed: ReadonlySet<string>;
  /** max depth below the view root (undefined = all) */
  readonly depth?: number;
  /** path of the selected row */
  readonly selected?: string;
  readonly help: boolean;
  /** first line of the help shown when it is taller than the screen */
  readonly helpOffset?: number;
  readonly detail: boolean;
  readonly paused: boolean;
  readonly intervalMs: number;
}

export function initialUiState(o: { order?: TopOrder; depth?: number; intervalMs: number; reverse?: boolean }): TopUiState {
  return { order: o.order ?? 'cpu', reverse: !!o.reverse, filter: '', editingFilter: false, collapsed: new Set(), depth: o.depth, help: false, detail: false, paused: false, intervalMs: o.intervalMs };
}

/** A row as displayed: the tree prefix, and whether it has (hidden) children. */
export interface DisplayRow {
  readonly row: TopRow;
  /** tree glyphs before the name (`├─ `, `│  └─ `) */
  readonly prefix: string;
  readonly hasChildren: boolean;
  readonly collapsed: boolean;
}

/**
 * The rows to show, in display order: depth-first from the view's roots, siblings sorted by the order key,
 * children of collapsed rows and rows deeper than `depth` hidden; with a filter, the matching rows and their
 * ancestors (so the tree still reads).
 */
export function visibleRows(frame: TopFrame, st: Pick<TopUiState, 'order' | 'reverse' | 'filter' | 'collapsed' | 'depth'>, ascii = false): DisplayRow[] {
  const cmp = rowComparator(st.order, st.reverse);
  const needle = st.filter.toLowerCase();
  let keep: Set<string> | undefined;
  if (needle) {
    keep = new Set();
    for (const r of frame.rows) {
      if (!r.path.toLowerCase().includes(needle)) continue;
      for (let p: string | undefined = r.path; p !== undefined && !keep.has(p); p = frame.byPath.get(p)?.parent) keep.add(p);
    }
  }
  const g = ascii ? { mid: '|-', last: '`-', vert: '| ', none: '  ' } : { mid: '├─', last: '└─', vert: '│ ', none: '  ' };
  const out: DisplayRow[] = [];
  const walk = (paths: readonly string[], indent: string, top: boolean) => {
    const rows = paths.map((p) => frame.byPath.get(p)!).filter((r) => r && (!keep || keep.has(r.path)));
    rows.sort(cmp);
    rows.forEach((row, i) => {
      const last = i === rows.length - 1;
      const kids = frame.children.get(row.path) ?? [];
      const visibleKids = keep ? kids.filter((k) => keep!.has(k)) : kids;
      const depthOk = st.depth === undefined || row.depth < st.depth;
      const collapsed = st.collapsed.has(row.path) || (!depthOk && visibleKids.length > 0);
      out.push({ row, prefix: top ? '' : indent + (last ? g.last : g.mid), hasChildren: visibleKids.length > 0, collapsed: collapsed && visibleKids.length > 0 });
      if (!collapsed && visibleKids.length) walk(visibleKids, top ? '' : indent + (last ? g.none : g.vert), false);
    });
  };
  walk(frame.roots, '', true);
  return out;
}

export type TopAction =
  | { type: 'order'; order: TopOrder }
  | { type: 'reverse' }
  /** move the selection through the shown rows' paths (src/tui/list-nav.ts) */
  | { type: 'nav'; nav: Nav; keys: readonly string[] }
  | { type: 'collapse' | 'expand' | 'toggle'; path?: string }
  | { type: 'collapse-all'; paths: readonly string[] }
  | { type: 'expand-all' }
  | { type: 'depth'; depth?: number }
  | { type: 'filter-start' | 'filter-end' | 'filter-cancel' }
  | { type: 'filter-input'; text: string }
  | { type: 'filter-backspace' }
  | { type: 'help' | 'detail' | 'pause' }
  | { type: 'help-scroll'; nav: Nav; max: number }
  | { type: 'interval'; factor: number }
  | { type: 'close' };

/** Interval bounds for `+`/`-`. */
export const MIN_INTERVAL_MS = 250;
export const MAX_INTERVAL_MS = 60_000;

export function topReducer(st: TopUiState, a: TopAction): TopUiState {
  switch (a.type) {
    case 'order':
      return st.order === a.order ? { ...st, reverse: !st.reverse } : { ...st, order: a.order, reverse: false };
    case 'reverse':
      return { ...st, reverse: !st.reverse };
    case 'nav': {
      const selected = navigate(a.keys, st.selected, a.nav);
      return selected === st.selected ? st : { ...st, selected };
    }
    case 'collapse':
    case 'expand':
    case 'toggle': {
      const p = a.path ?? st.selected;
      if (p === undefined) return st;
      const c = new Set(st.collapsed);
      const collapse = a.type === 'collapse' || (a.type === 'toggle' && !c.has(p));
      if (collapse) c.add(p);
      else c.delete(p);
      return { ...st, collapsed: c };
    }
    case 'collapse-all':
      return { ...st, collapsed: new Set(a.paths) };
    case 'expand-all':
      return { ...st, collapsed: new Set(), depth: undefined };
    case 'depth':
      return { ...st, depth: a.depth };
    case 'filter-start':
      return { ...st, editingFilter: true };
    case 'filter-end':
      return { ...st, editingFilter: false };
    case 'filter-cancel':
      return { ...st, editingFilter: false, filter: '' };
    case 'filter-input':
      return { ...st, filter: st.filter + a.text };
    case 'filter-backspace':
      return { ...st, filter: st.filter.slice(0, -1) };
    case 'help':
      return { ...st, help: !st.help, helpOffset: 0 };
    case 'help-scroll': {
      const next = a.nav.kind === 'home' ? 0 : a.nav.kind === 'end' ? a.max : (st.helpOffset ?? 0) + a.nav.by;
      return { ...st, helpOffset: Math.max(0, Math.min(a.max, next)) };
    }
    case 'detail':
      return { ...st, detail: !st.detail };
    case 'pause':
      return { ...st, paused: !st.paused };
    case 'interval': {
      const ms = Math.round(Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, st.intervalMs * a.factor)));
      return { ...st, intervalMs: ms };
    }
    case 'close':
      return st.help ? { ...st, help: false } : st.detail ? { ...st, detail: false } : st.filter ? { ...st, filter: '' } : st;
  }
}

/** The key map, for the help overlay (and docs). */
export const TOP_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['↑ ↓ j k PgUp PgDn g G', 'move the selection (g G: first, last)'],
  ['← → Enter', 'collapse / expand / toggle the selected cgroup'],
  ['C E', 'collapse all / expand all'],
  ['1-9 0', 'show depth 1-9 / all depths'],
  ['c m i t T p n', 'sort by CPU, memory, IO, tasks, throttling, pressure, path (again: reverse)'],
  ['r', 'reverse the order'],
  ['/', 'filter by path (Enter keeps it, Esc clears it)'],
  ['d Tab', 'detail pane of the selected cgroup'],
  ['+ -', 'slower / faster refresh'],
  ['space', 'pause / resume'],
  ['h ?', 'this help'],
  ['Esc', 'close help, detail or filter'],
  ['q Ctrl-C', 'quit'],
];
