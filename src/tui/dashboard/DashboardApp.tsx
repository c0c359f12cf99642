/**
 * `<DashboardApp>`: the interactive dashboard (`nsx` on a terminal). Three linked views — Cgroups (the live
 * `nsx top` tree), Namespaces (a tree by owner user namespace), Processes (the `nsx ps` table with live CPU and
 * memory) — with drill-down (cgroup → processes → process → namespaces → processes sharing one), breadcrumbs,
 * search, help, and `e` to enter a process or namespace (the caller leaves the TUI and runs the shell).
 * State lives in the reducer (state.ts) and the sampler hooks; this component lays out and maps keys to actions.
 */
import React, { useEffect, useMemo } from 'react';
import { Box, Text, useApp } from 'ink';
import type { TopSnapshot } from '../../model/rates.js';
import { withFdHolders, type FdHeld, type NsfsMount } from '../../model/namespace.js';
import type { NsType } from '../../parse/nsid-link.js';
import { NS_TYPES } from '../../parse/nsid-link.js';
import type { ProcessTable, PsDetail, PsProcess } from '../../services/ps.js';
import { PS_FIELDS, sortProcesses, type PsFieldCtx } from '../../fields/ps.js';
import { Header, type HostFacts } from '../components/Header.js';
import { Table, scrollOffset, type TableLine } from '../components/Table.js';
import { whyMarks } from '../why-marks.js';
import { HelpOverlay, helpMaxOffset } from '../components/HelpOverlay.js';
import { useTopFrame } from '../hooks/use-top-frame.js';
import { useSamplerControl, type Controllable } from '../hooks/use-sampler-control.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { useAsyncValue } from '../hooks/use-async-value.js';
import { useSamplerError, type ErrorSource, type Subscribable } from '../hooks/use-sampler.js';
import { useKeys } from '../hooks/use-keys.js';
import { useReducerRef } from '../hooks/use-reducer-ref.js';
import { isQuitKey, type KeyPress } from '../keys.js';
import { navOf, textEditOf } from '../list-nav.js';
import { ThemeContext, makeTheme } from '../theme.js';
import { nameOfRow, shortIds } from '../names.js';
import { useCgroupIdentities } from '../hooks/use-identities.js';
import { useErrorList, type ErrorList } from '../hooks/use-error-list.js';
import { escapeControl } from '../../output/escape.js';
import { visibleRows, type DisplayRow } from '../top/state.js';
import { topColumns } from '../top/columns.js';
import { Breadcrumbs } from './Breadcrumbs.js';
import { ProcessDetailView, detailLines } from './ProcessDetailView.js';
import { WhyView, wrapReport } from './WhyView.js';
import { namespaceColumns, processColumns } from './columns.js';
import { useDashboardData, type RelationsLoader } from './use-dashboard-data.js';
import { useFdHeld } from './use-fd-held.js';
import { DASH_KEYS, currentLevel, dashReducer, focusOf, initialDashState, levelKey, type DashState, type Level } from './state.js';
import { cgroupMatches, focusKeyIn, hostCounts, restrictFrame, namespaceLines, namespaceMatches, processMatches, processesInCgroup, processesInNamespace, type NsLine, type ViewId } from './model.js';

/**
 * What `e` asks the caller to run: `nsx enter -t PID -a`, only the given namespace types of PID, or (a namespace
 * no process is in, held by a bind mount) `nsx enter --TYPE=FILE` through that file.
 */
export interface EnterRequest {
  readonly pid?: number;
  /** the nsfs file to enter through (with exactly one type) */
  readonly file?: string;
  /** or a process's descriptor of the namespace (`/proc/PID/fd/FD`, with exactly one type) */
  readonly fd?: { readonly pid: number; readonly fd: number };
  /** undefined = all the target's namespaces (-a) */
  readonly types?: readonly NsType[];
}

export interface DashboardAppProps {
  /** the `nsx top` sampler for the Cgroups view (paused while another view is shown) */
  readonly topSampler: Subscribable<TopSnapshot> & Controllable & Partial<ErrorSource>;
  /** the process-table sampler (src/services/ps.ts ProcessCollector) */
  readonly procSampler: Subscribable<ProcessTable> & Controllable & Partial<ErrorSource>;
  readonly initial?: DashState;
  /** told which cgroups the Cgroups view shows or may show next (a page either side): the collector reads those in full */
  readonly cgroupFocus?: (paths: readonly string[]) => void;
  /** cgroup layout for the header */
  readonly layout?: string;
  /** namespaces held by nsfs mounts, and `ip netns` names */
  readonly nsfs?: readonly NsfsMount[];
  readonly netnsNames?: ReadonlyMap<number, readonly string[]>;
  /** owner/parent relations of namespaces (the caller does the I/O) */
  readonly loadRelations?: RelationsLoader;
  /** one process in full (the caller does the I/O) */
  readonly loadDetail?: (pid: number) => PsDetail | undefined;
  readonly loadFacts?: () => Promise<HostFacts> | HostFacts;
  /** descriptors and sockets holding namespaces, for these PIDs (the caller does the I/O) */
  readonly loadHeld?: (pids: readonly number[], ownNet: ReadonlyMap<number, number>) => Promise<readonly FdHeld[]>;
  /** `nsx why` of a cgroup path or `pid:PID`, as report lines (the caller samples the window) */
  readonly loadWhy?: (target: string) => Promise<readonly string[]>;
  /** the session's error list (failed samples and details, kept by the caller): counted in the header, listed in help */
  readonly errors?: ErrorList;
  /** true when `e` can run; otherwise the reason shown instead */
  readonly canEnter?: true | string;
  /** `e`: the caller unmounts, runs the shell, and renders again with `state` */
  readonly onEnter?: (req: EnterRequest, state: DashState) => void;
  readonly onQuit?: (state: DashState) => void;
  readonly size?: { readonly columns: number; readonly rows: number };
  readonly ascii?: boolean;
  /** colours (default on; off for NO_COLOR / --color=never) */
  readonly color?: boolean;
  /** replaying a recording (`nsx --at`): its time-travel keys, taken before the dashboard's own (src/record/time-travel.ts) */
  readonly timeTravel?: TimeTravelKeys;
}

/** What the dashboard needs of a replay's time travel. */
export interface TimeTravelKeys {
  /** a notice ('' for none) when the key was one of its keys, undefined otherwise */
  key(k: KeyPress): string | undefined;
  /** the status line: the recorded time shown */
  label(): string;
  readonly keys: ReadonlyArray<readonly [string, string]>;
}

/** For samplers without error reporting. */
const NO_ERRORS: ErrorSource = { onError: () => () => {} };

type Body =
  | { kind: 'cgroups'; lines: TableLine<DisplayRow>[]; matches: readonly string[] }
  | { kind: 'procs'; lines: TableLine<PsProcess>[] }
  | { kind: 'ns'; lines: TableLine<NsLine>[] }
  | { kind: 'detail'; pid: number }
  | { kind: 'why'; target: string; run: number };

export function DashboardApp(props: DashboardAppProps): React.ReactElement {
  const { exit } = useApp();
  const size = useTerminalSize(props.size ?? {});
  // keys can arrive faster than renders (a slow host, a paste): handlers read the state through stRef
  const [st, dispatch, stRef] = useReducerRef(dashReducer, props.initial ?? initialDashState());
  const theme = useMemo(() => makeTheme(props.color ?? true), [props.color]);
  // read only what the visible view needs: the process table refreshes 5× slower under the Cgroups tree (it only
  // feeds the header counts there), the cgroup sampler pauses outside the Cgroups view
  const baseInterval = useMemo(() => props.procSampler.intervalMs, [props.procSampler]);
  const cgroupsOnly = st.view === 'cgroups' && st.stack.length === 0;
  useSamplerControl(props.procSampler, { paused: st.paused, intervalMs: cgroupsOnly ? baseInterval * 5 : baseInterval });
  useSamplerControl(props.topSampler, { paused: st.paused || st.view !== 'cgroups', intervalMs: props.topSampler.intervalMs });
  const top = useTopFrame(props.topSampler as Subscribable<TopSnapshot> & { readonly intervalMs: number });
  // under the Cgroups tree the process table only feeds the header: shown with the next cgroup refresh (≤ 1 interval)
  const data = useDashboardData(props.procSampler, props.nsfs, props.loadRelations, cgroupsOnly && !st.paused);
  const names = useCgroupIdentities(top.frame);
  // descriptors and sockets that hold namespaces: only while a namespace list is shown, new processes at once and
  // every process at least once a minute (use-fd-held.ts)
  const level0 = currentLevel(st);
  const nsShown = (st.view === 'namespaces' && !level0) || level0?.kind === 'process-ns';
  const held = useFdHeld(props.loadHeld, data.table, nsShown);
  const namespaces = useMemo(() => (held?.length ? withFdHolders(data.namespaces, held) : data.namespaces), [data.namespaces, held]);
  // host facts every 5 s, shown with the next refresh (every view redraws each sample): no frame of their own
  const facts = useAsyncValue(props.loadFacts, [props.loadFacts], 5000, { quiet: true }).value;
  // failed samples are shown as `nsx top` shows them (the views keep their last data; the next sample retries)
  const cgroupError = useSamplerError(props.topSampler.onError ? (props.topSampler as ErrorSource & Subscribable<TopSnapshot>) : NO_ERRORS);
  const errorList = useErrorList(props.errors);
  const processError = useSamplerError(props.procSampler.onError ? (props.procSampler as ErrorSource & Subscribable<ProcessTable>) : NO_ERRORS);
  const procs = data.table?.procs ?? [];
  const ref = data.table?.reference.ns ?? {};
  const fctx: PsFieldCtx = { reference: ref, cpuPercent: data.cpu };
  const cpuField = PS_FIELDS.find((f) => f.id === 'CPU%')!;
  const level = currentLevel(st);
  const width = size.columns;
  const bodyH = Math.max(3, size.rows - 5);
  const needle = st.search;

  const cgroupPaths = useMemo(() => new Set(top.frame?.rows.map((r) => r.path) ?? []), [top.frame]);
  const procLines = (list: readonly PsProcess[]): TableLine<PsProcess>[] =>
    sortProcesses(list.filter((p) => processMatches(p, needle)), cpuField, fctx, true).map((p) => ({ key: String(p.pid), row: p, tone: p.kernelThread ? 'dim' : 'normal' }));

  const cgroupsOnlyTree = st.view === 'cgroups' && !level && !needle;
  const body: Body = useMemo((): Body => {
    if (!level) {
      if (st.view === 'cgroups') {
        if (!top.frame) return { kind: 'cgroups', lines: [], matches: [] };
        const matches = needle ? cgroupMatches(top.frame, procs, needle, names) : [];
        const frame = needle ? restrictFrame(top.frame, matches) : top.frame;
        const rows = visibleRows(frame, { order: 'cpu', reverse: false, filter: '', collapsed: new Set(), depth: undefined }, props.ascii);
        return { kind: 'cgroups', lines: rows.map((r) => ({ key: r.row.path, row: r, prefix: r.prefix, tone: r.row.throttled_by ? 'alert' : 'normal' })), matches };
      }
      if (st.view === 'namespaces') {
        const lines = namespaceLines(namespaces, data.byPid, props.netnsNames, props.ascii).filter((l) => namespaceMatches(l, needle, data.byPid, ref));
        return { kind: 'ns', lines: lines.map((l) => ({ key: String(l.ns.inode), row: l, prefix: l.prefix })) };
      }
      return { kind: 'procs', lines: procLines(procs) };
    }
    switch (level.kind) {
      case 'cgroup-procs':
        return { kind: 'procs', lines: procLines(processesInCgroup(procs, level.path, true)) };
      case 'ns-procs':
        return { kind: 'procs', lines: procLines(processesInNamespace(procs, level.inode)) };
      case 'process':
        return { kind: 'detail', pid: level.pid };
      case 'why':
        return { kind: 'why', target: level.target, run: level.run };
      case 'process-ns': {
        const p = data.byPid.get(level.pid);
        const mine = new Set(NS_TYPES.map((t) => p?.ns[t]).filter((x): x is number => x !== undefined));
        const lines = namespaceLines(namespaces.filter((n) => mine.has(n.inode)), data.byPid, props.netnsNames, props.ascii, namespaces)
          .map((l) => ({ ...l, prefix: '' }))
          .sort((a, b) => NS_TYPES.indexOf(a.ns.type) - NS_TYPES.indexOf(b.ns.type))
          .filter((l) => namespaceMatches(l, needle, data.byPid, ref));
        return { kind: 'ns', lines: lines.map((l) => ({ key: String(l.ns.inode), row: l, tone: ref[l.ns.type] === l.ns.inode ? 'dim' : 'normal' })) };
      }
    }
    // the Cgroups tree without a search does not depend on the process table: a process sample does not rebuild it
  }, [level, st.view, top.frame, cgroupsOnlyTree ? undefined : data, cgroupsOnlyTree ? undefined : namespaces, needle, props.ascii, props.netnsNames, names]);

  const detailPid = body.kind === 'detail' ? body.pid : undefined;
  const detailResult = useAsyncValue(detailPid !== undefined && props.loadDetail ? () => props.loadDetail!(detailPid) : undefined, [detailPid, data.seq]);
  const detail = detailResult.value;
  const shownDetail = detail?.pid === detailPid ? detail : undefined;
  // the detail scrolls: its "keys" are line offsets
  const detailKeys = shownDetail ? detailLines(shownDetail, width).map((_, i) => String(i)).slice(0, Math.max(1, detailLines(shownDetail, width).length - (bodyH - 1) + 1)) : [];
  // `w`: the diagnosis of the target (sampled over a window by the caller), again on each press
  const whyTarget = body.kind === 'why' ? body.target : undefined;
  const whyResult = useAsyncValue(whyTarget !== undefined && props.loadWhy ? () => props.loadWhy!(whyTarget) : undefined, [whyTarget, body.kind === 'why' ? body.run : 0]);
  const whyLines = useMemo(() => (whyResult.value ? wrapReport(whyResult.value, width) : undefined), [whyResult.value, width]);
  const whyKeys = whyLines ? whyLines.map((_, i) => String(i)).slice(0, Math.max(1, whyLines.length - (bodyH - 1) + 1)) : [];
  const listKeys = useMemo(() => (body.kind === 'detail' || body.kind === 'why' ? [] : body.lines.map((l) => l.key)), [body]);
  const keys: string[] = body.kind === 'detail' ? detailKeys : body.kind === 'why' ? whyKeys : listKeys;
  const lk = levelKey(st.view, st.stack);
  const wanted = st.selected[lk];
  // the tree keeps the ancestors of matches: without a selection, the first row that matches itself
  const firstMatch = body.kind === 'cgroups' && needle ? body.lines.find((l) => body.matches.includes(l.key))?.key : undefined;
  const selectedKey = wanted !== undefined && keys.includes(wanted) ? wanted : (firstMatch ?? keys[0]);

  // the Cgroups view marks the rows in view whose `nsx why` verdict is not clean (diagnosed over the last interval)
  const inView = useMemo(() => {
    if (body.kind !== 'cgroups') return [];
    const sel = selectedKey === undefined ? -1 : body.lines.findIndex((l) => l.key === selectedKey);
    const off = scrollOffset(sel, body.lines.length, bodyH - 1);
    return body.lines.slice(off, off + bodyH - 1).map((l) => l.key);
  }, [body, selectedKey, bodyH]);
  // the rows in view and a page either side: what the cgroup collector reads in full
  const focusKeys = useMemo(() => {
    if (body.kind !== 'cgroups') return undefined;
    const page = bodyH - 1;
    const sel = selectedKey === undefined ? -1 : body.lines.findIndex((l) => l.key === selectedKey);
    const off = scrollOffset(sel, body.lines.length, page);
    return body.lines.slice(Math.max(0, off - page), off + 2 * page).map((l) => l.key).join('\n');
  }, [body, selectedKey, bodyH]);
  const setFocus = props.cgroupFocus;
  useEffect(() => {
    if (setFocus && focusKeys !== undefined) setFocus(focusKeys === '' ? [] : focusKeys.split('\n'));
  }, [setFocus, focusKeys]);
  const marks = useMemo(() => whyMarks(top.prev, top.next, inView), [top.next, inView.join('\n')]);
  // the Cgroups columns (sparkline scales over the rows) once per frame, not on every key
  const cgroupCols = useMemo(
    () => (body.kind === 'cgroups' ? topColumns({ width, ctx: {}, cpu: top.cpu, memory: top.memory, ascii: props.ascii, rows: body.lines.map((l) => l.row), names, marks }) : undefined),
    [body, width, top.seq, props.ascii, names, marks],
  );
  const selectedMark = body.kind === 'cgroups' && selectedKey !== undefined ? marks.get(selectedKey) : undefined;

  const crumbs = st.stack.map((l: Level) => {
    switch (l.kind) {
      case 'cgroup-procs': {
        const name = nameOfRow(l.path, names.get(l.path));
        return name !== undefined ? `${name} (${shortIds(l.path)})` : l.path;
      }
      case 'process': {
        const p = data.byPid.get(l.pid);
        return `PID ${l.pid}${p ? ' ' + p.comm : ''}`;
      }
      case 'process-ns':
        return 'namespaces';
      case 'ns-procs':
        return `${l.nsType} ${l.inode}`;
      case 'why':
        return `why ${l.target}`;
    }
  });

  /** `w`: diagnose the selected cgroup or process (the same report as `nsx why -v`) */
  const explain = () => {
    if (!props.loadWhy) {
      dispatch({ type: 'message', text: 'w (why) is not available here' });
      return;
    }
    if (body.kind === 'why') {
      dispatch({ type: 'back' });
      dispatch({ type: 'push', level: { kind: 'why', target: body.target, run: body.run + 1 } });
      return;
    }
    const f = focusOf(st, selectedKey);
    if (!f || f.kind === 'ns') {
      dispatch({ type: 'message', text: 'w explains a cgroup or a process: select one' });
      return;
    }
    dispatch({ type: 'push', level: { kind: 'why', target: f.kind === 'cgroup' ? f.path : `pid:${f.pid}`, run: 0 } });
  };

  const drill = () => {
    if (body.kind === 'why') return;
    if (body.kind === 'detail') {
      dispatch({ type: 'push', level: { kind: 'process-ns', pid: body.pid } });
      return;
    }
    if (selectedKey === undefined) return;
    if (body.kind === 'cgroups') dispatch({ type: 'push', level: { kind: 'cgroup-procs', path: selectedKey } });
    else if (body.kind === 'ns') {
      const ns = namespaces.find((n) => String(n.inode) === selectedKey);
      if (ns) dispatch({ type: 'push', level: { kind: 'ns-procs', inode: ns.inode, nsType: ns.type } });
    } else dispatch({ type: 'push', level: { kind: 'process', pid: Number(selectedKey) } });
  };

  const enter = () => {
    if (props.canEnter !== true) {
      dispatch({ type: 'message', text: typeof props.canEnter === 'string' ? props.canEnter : 'entering is not available here' });
      return;
    }
    const f = focusOf(st, selectedKey);
    if (!f) return;
    if (f.kind === 'cgroup') {
      dispatch({ type: 'message', text: 'select a process or a namespace to enter (Enter lists the processes of this cgroup)' });
      return;
    }
    if (f.kind === 'process') {
      props.onEnter?.({ pid: f.pid }, stRef.current);
      return;
    }
    const ns = namespaces.find((n) => n.inode === f.inode);
    const holder = level?.kind === 'process-ns' ? level.pid : ns?.pids[0];
    if (ns && holder === undefined && ns.nsfs.length) {
      props.onEnter?.({ file: ns.nsfs[0], types: [ns.type] }, stRef.current);
      return;
    }
    const fd = ns?.fds?.[0];
    if (ns && holder === undefined && fd) {
      props.onEnter?.({ fd: { pid: fd.pid, fd: fd.fd }, types: [ns.type] }, stRef.current);
      return;
    }
    if (!ns || holder === undefined) {
      dispatch({ type: 'message', text: 'no process or bind mount holds this namespace: nothing to enter through' });
      return;
    }
    props.onEnter?.({ pid: holder, types: [ns.type] }, stRef.current);
  };

  const switchTo = (v: ViewId | 1 | -1) => {
    const f = focusOf(st, selectedKey);
    const sel = (view: ViewId) => focusKeyIn(view, f, procs, ref, cgroupPaths);
    if (typeof v === 'number') dispatch({ type: 'cycle-view', by: v, select: sel });
    else dispatch({ type: 'view', view: v, select: sel(v) });
  };

  // the help fits the body: taller than the screen, it scrolls (↑ ↓ PgUp PgDn g G)
  const helpProps = {
    title: 'nsx dashboard — keys',
    keys: props.timeTravel ? [...DASH_KEYS, ...props.timeTravel.keys] : DASH_KEYS,
    notes: ['Dim rows: kernel threads, namespaces shared with PID 1. Red: throttled. ! (yellow): nsx why finds something.', ...errorList.slice(-8).map((e) => `error: ${e.source}: ${escapeControl(e.message)}${e.count > 1 ? ` (×${e.count})` : ''}`)],
    width: Math.min(width, 120),
    height: bodyH,
  };

  useKeys((k: KeyPress) => {
    const now = stRef.current;
    // a notice (why `e` failed, what `e` needs) stays until the next key
    if (now.message !== undefined) dispatch({ type: 'message' });
    const travelled = now.editingSearch ? undefined : props.timeTravel?.key(k);
    if (travelled !== undefined) {
      dispatch({ type: 'message', text: travelled || undefined });
      return;
    }
    if (now.editingSearch) {
      const edit = textEditOf(k);
      if (edit?.kind === 'end') dispatch({ type: 'search-end' });
      else if (edit?.kind === 'cancel') dispatch({ type: 'search-cancel' });
      else if (edit?.kind === 'backspace') dispatch({ type: 'search-backspace' });
      else if (edit?.kind === 'input') dispatch({ type: 'search-input', text: edit.text });
      return;
    }
    if (isQuitKey(k)) {
      props.onQuit?.(stRef.current);
      exit();
      return;
    }
    if (k.paste) return; // pasted text is for the search, not a string of commands
    const nav = navOf(k, bodyH - 1);
    const input = k.ctrl || k.meta ? '' : k.input;
    if (now.help && nav) dispatch({ type: 'help-scroll', nav, max: helpMaxOffset(helpProps) });
    else if (k.name === 'tab') switchTo(k.shift ? -1 : 1);
    else if (input === '1') switchTo('cgroups');
    else if (input === '2') switchTo('namespaces');
    else if (input === '3') switchTo('processes');
    else if (nav) dispatch({ type: 'nav', nav, keys, from: selectedKey });
    else if (k.name === 'return' || k.name === 'right') drill();
    else if (k.name === 'escape' || k.name === 'left' || k.name === 'backspace' || k.name === 'delete') dispatch({ type: 'back' });
    else if (input === '/') dispatch({ type: 'search-start' });
    else if (input === 'e') enter();
    else if (input === 'w') explain();
    else if (input === ' ') dispatch({ type: 'pause' });
    else if (input === '?' || input === 'h') dispatch({ type: 'help' });
  }, stRef, (a, b) => a !== b && !b.editingSearch);

  const counts = data.table ? hostCounts(data.table, namespaces, names.values()) : undefined;
  const status: [string, string][] = counts
    ? [
        ['processes', String(counts.processes)],
        ['namespaces', String(namespaces.length)],
        ['cgroups', String(top.frame?.rows.length ?? '-')],
        ['containers', String(counts.containers)],
        ['pods', String(counts.pods)],
        ...(errorList.length ? ([['errors', String(errorList.reduce((n, e) => n + e.count, 0))]] as [string, string][]) : []),
      ]
    : [['processes', 'reading…']];
  const errors = [cgroupError ? `cgroup sample failed: ${cgroupError}` : '', processError ? `process sample failed: ${processError}` : '', body.kind === 'detail' && detailResult.error ? `process detail: ${detailResult.error}` : '', data.relationsError && st.view === 'namespaces' ? `namespace relations: ${data.relationsError}` : ''].filter(Boolean);
  const notice = [props.timeTravel?.label() ?? '', st.message ?? '', ...errors, st.paused ? 'PAUSED' : '', selectedMark ? `why: ${selectedMark} (w: more)` : ''].filter(Boolean).join(' · ') || undefined;

  let pane: React.ReactElement;
  if (st.help) {
    pane = <HelpOverlay {...helpProps} offset={st.helpOffset} />;
  } else if (body.kind === 'why') {
    pane = <WhyView target={body.target} lines={whyResult.value} error={whyResult.error} height={bodyH - 1} width={width} offset={Number(selectedKey ?? 0)} />;
  } else if (body.kind === 'detail') {
    pane = <ProcessDetailView pid={body.pid} detail={shownDetail} width={width} height={bodyH - 1} offset={Number(selectedKey ?? 0)} />;
  } else if (body.kind === 'cgroups') {
    const cols = cgroupCols ?? [];
    const lines = marks.size ? body.lines.map((l) => (marks.has(l.key) && l.tone !== 'alert' ? { ...l, tone: 'warn' as const } : l)) : body.lines;
    pane = <Table columns={cols} lines={lines} selectedKey={selectedKey} height={bodyH} treeColumn="NAME" empty={top.frame ? 'no cgroups match' : 'reading cgroups…'} />;
  } else if (body.kind === 'ns') {
    pane = <Table columns={namespaceColumns(width)} lines={body.lines} selectedKey={selectedKey} height={bodyH} treeColumn="NS" empty={data.table ? 'no namespaces match' : 'reading…'} />;
  } else {
    pane = <Table columns={processColumns(width, fctx)} lines={body.lines} selectedKey={selectedKey} height={bodyH} empty={data.table ? 'no processes match' : 'reading processes…'} />;
  }

  return (
    <ThemeContext.Provider value={theme}>
    <Box flexDirection="column" width={width}>
      <Header title="nsx" facts={facts} layout={props.layout} status={status} notice={notice} />
      <Breadcrumbs view={st.view} crumbs={crumbs} search={st.search} editingSearch={st.editingSearch} />
      {pane}
      <Text dimColor wrap="truncate">
        Tab/1-3 views · Enter drill down · Esc back · / search · e enter · ? help · q quit
      </Text>
    </Box>
    </ThemeContext.Provider>
  );
}
