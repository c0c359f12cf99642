/**
 * The dashboard's UI state and its reducer (pure): the view (Cgroups, Namespaces, Processes), the drill-down
 * stack (cgroup → its processes → one process → its namespaces → the processes sharing one), the selection of
 * every level (kept when going back), search, help, pause. No React here.
 */
import type { NsType } from '../../parse/nsid-link.js';
import { VIEWS, type Focus, type ViewId } from './model.js';
import { navigate, type Nav } from '../list-nav.js';

/** One drill-down level above a view's own list. */
export type Level =
  | { readonly kind: 'cgroup-procs'; readonly path: string }
  | { readonly kind: 'process'; readonly pid: number }
  | { readonly kind: 'process-ns'; readonly pid: number }
  | { readonly kind: 'ns-procs'; readonly inode: number; readonly nsType: NsType }
  /** `nsx why` of a cgroup path or `pid:PID`; `run` counts the `w` presses (a new press diagnoses again) */
  | { readonly kind: 'why'; readonly target: string; readonly run: number };

export interface DashState {
  readonly view: ViewId;
  readonly stack: readonly Level[];
  /** selected item key per level (see levelKey) */
  readonly selected: Readonly<Record<string, string>>;
  /** case-insensitive search of the current list; '' = none */
  readonly search: string;
  readonly editingSearch: boolean;
  readonly help: boolean;
  /** first line of the help shown when it is taller than the screen */
  readonly helpOffset?: number;
  readonly paused: boolean;
  /** a one-line notice (e.g. why `e` did nothing) */
  readonly message?: string;
}

export function initialDashState(view: ViewId = 'cgroups'): DashState {
  return { view, stack: [], selected: {}, search: '', editingSearch: false, help: false, paused: false };
}

function levelId(l: Level): string {
  switch (l.kind) {
    case 'cgroup-procs':
      return `cg:${l.path}`;
    case 'process':
      return `p:${l.pid}`;
    case 'process-ns':
      return `pns:${l.pid}`;
    case 'ns-procs':
      return `ns:${l.inode}`;
    case 'why':
      return `why:${l.target}`;
  }
}

/** The key under which the selection of the current level is kept. */
export function levelKey(view: ViewId, stack: readonly Level[]): string {
  return [view, ...stack.map(levelId)].join('>');
}

export function currentLevel(st: DashState): Level | undefined {
  return st.stack[st.stack.length - 1];
}

export type DashAction =
  | { type: 'view'; view: ViewId; select?: string }
  | { type: 'cycle-view'; by: 1 | -1; select?: (v: ViewId) => string | undefined }
  /** move the selection through the current list's keys (src/tui/list-nav.ts) */
  | { type: 'nav'; nav: Nav; keys: readonly string[]; from?: string }
  | { type: 'select'; key: string }
  | { type: 'push'; level: Level; select?: string }
  | { type: 'back' }
  | { type: 'search-start' | 'search-end' | 'search-cancel' | 'search-backspace' }
  | { type: 'search-input'; text: string }
  | { type: 'help' | 'pause' }
  /** scroll the help (`max`: its largest useful offset at this size) */
  | { type: 'help-scroll'; nav: Nav; max: number }
  | { type: 'message'; text?: string };

export function dashReducer(st: DashState, a: DashAction): DashState {
  const key = levelKey(st.view, st.stack);
  switch (a.type) {
    case 'view':
    case 'cycle-view': {
      const view = a.type === 'view' ? a.view : VIEWS[(VIEWS.indexOf(st.view) + a.by + VIEWS.length) % VIEWS.length];
      const select = a.type === 'view' ? a.select : a.select?.(view);
      const selected = select === undefined ? st.selected : { ...st.selected, [levelKey(view, [])]: select };
      return { ...st, view, stack: [], selected, search: '', editingSearch: false, help: false, message: undefined };
    }
    case 'nav': {
      if (a.keys.length === 0) return st;
      return { ...st, selected: { ...st.selected, [key]: navigate(a.keys, a.from ?? st.selected[key], a.nav)! }, message: undefined };
    }
    case 'select':
      return { ...st, selected: { ...st.selected, [key]: a.key } };
    case 'push': {
      const stack = [...st.stack, a.level];
      const selected = a.select === undefined ? st.selected : { ...st.selected, [levelKey(st.view, stack)]: a.select };
      return { ...st, stack, selected, search: '', editingSearch: false, message: undefined };
    }
    case 'back':
      if (st.help) return { ...st, help: false };
      if (st.editingSearch || st.search) return { ...st, search: '', editingSearch: false };
      if (st.stack.length === 0) return st.message ? { ...st, message: undefined } : st;
      return { ...st, stack: st.stack.slice(0, -1), message: undefined };
    case 'search-start':
      return { ...st, editingSearch: true, search: '' };
    case 'search-end':
      return { ...st, editingSearch: false };
    case 'search-cancel':
      return { ...st, editingSearch: false, search: '' };
    case 'search-backspace':
      return { ...st, search: st.search.slice(0, -1) };
    case 'search-input': {
      // a new search selects its first match
      const selected = { ...st.selected };
      delete selected[key];
      return { ...st, search: st.search + a.text, selected };
    }
    case 'help':
      return { ...st, help: !st.help, helpOffset: 0 };
    case 'help-scroll': {
      const cur = st.helpOffset ?? 0;
      const next = a.nav.kind === 'home' ? 0 : a.nav.kind === 'end' ? a.max : cur + a.nav.by;
      return { ...st, helpOffset: Math.max(0, Math.min(a.max, next)) };
    }
    case 'pause':
      return { ...st, paused: !st.paused };
    case 'message':
      return { ...st, message: a.text };
  }
}

/** What the current selection is about (for `e`, and to carry the selection to another view). */
export function focusOf(st: DashState, selectedKey: string | undefined): Focus | undefined {
  const l = currentLevel(st);
  if (!l) {
    if (selectedKey === undefined) return undefined;
    if (st.view === 'cgroups') return { kind: 'cgroup', path: selectedKey };
    if (st.view === 'namespaces') return { kind: 'ns', inode: Number(selectedKey) };
    return { kind: 'process', pid: Number(selectedKey) };
  }
  switch (l.kind) {
    case 'process':
      return { kind: 'process', pid: l.pid };
    case 'process-ns':
      return selectedKey === undefined ? { kind: 'process', pid: l.pid } : { kind: 'ns', inode: Number(selectedKey) };
    case 'why':
      return l.target.startsWith('pid:') ? { kind: 'process', pid: Number(l.target.slice(4)) } : { kind: 'cgroup', path: l.target };
    default:
      return selectedKey === undefined ? undefined : { kind: 'process', pid: Number(selectedKey) };
  }
}

/** Every key, for the help overlay and the README. */
export const DASH_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['Tab Shift-Tab 1 2 3', 'switch view: Cgroups, Namespaces, Processes (the selection follows)'],
  ['↑ ↓ j k PgUp PgDn g G', 'move the selection (scroll the process detail)'],
  ['Enter →', 'drill down: cgroup → processes → process → namespaces → processes sharing one'],
  ['Esc ← Backspace', 'back one level (or clear the search, close help)'],
  ['/', 'search by name, PID, container, cgroup path or namespace inode (Enter keeps it)'],
  ['e', 'enter the selected process (all its namespaces) or namespace with your $SHELL'],
  ['w', 'why: diagnose the selected cgroup or process (nsx why: throttling, memory, OOM kills, pids)'],
  ['space', 'pause / resume the refresh'],
  ['? h', 'this help'],
  ['q Ctrl-C', 'quit'],
];
