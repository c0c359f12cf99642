/**
 * `<TopApp>`: the `nsx top` TUI. Header with host facts, the collapsible cgroup tree with registry columns and
 * sparklines (throttled rows in red with the limit that binds them), a detail pane for the selected cgroup,
 * a help overlay, `/` filter, sort keys, `+`/`-` interval, space to pause, `q` to quit. State lives in hooks
 * (sampler subscription, UI reducer); this component only lays out and maps keys to actions.
 */
import React, { useMemo } from 'react';
import { Box, Text, useApp } from 'ink';
import type { TopSnapshot } from '../../model/rates.js';
import { Header, type HostFacts } from '../components/Header.js';
import { Table, type TableLine } from '../components/Table.js';
import { HelpOverlay, helpMaxOffset } from '../components/HelpOverlay.js';
import { DetailPane, type DetailProcess } from '../components/DetailPane.js';
import { useTopFrame } from '../hooks/use-top-frame.js';
import { useSamplerControl, type Controllable } from '../hooks/use-sampler-control.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { useAsyncValue } from '../hooks/use-async-value.js';
import { useSamplerError, type ErrorSource, type Subscribable } from '../hooks/use-sampler.js';
import { useKeys } from '../hooks/use-keys.js';
import { useReducerRef } from '../hooks/use-reducer-ref.js';
import { isQuitKey, type KeyPress } from '../keys.js';
import { navOf, shownSelection, textEditOf } from '../list-nav.js';
import { ThemeContext, makeTheme } from '../theme.js';
import { nameOfRow } from '../names.js';
import { useCgroupIdentities } from '../hooks/use-identities.js';
import { TOP_KEYS, topReducer, visibleRows, type DisplayRow, type TopUiState } from './state.js';
import { topColumns } from './columns.js';
import type { TopOrder } from '../../fields/top.js';

export interface TopAppProps {
  /** the running sampler (started and stopped by the caller) */
  readonly sampler: Subscribable<TopSnapshot> & Controllable & Partial<ErrorSource>;
  /** the cgroup the view starts at */
  readonly root: string;
  readonly initial: TopUiState;
  readonly raw?: boolean;
  /** cgroup layout for the header */
  readonly layout?: string;
  /** host facts loader (files under the root: src/readers/host-facts.ts), refreshed every 5 s */
  readonly loadFacts?: () => Promise<HostFacts> | HostFacts;
  /** the processes of a cgroup (the caller does the reading) */
  readonly loadProcesses?: (path: string) => DetailProcess[];
  /** fixed terminal size (tests); default: the real terminal, following resizes */
  readonly size?: { readonly columns: number; readonly rows: number };
  readonly ascii?: boolean;
  /** colours (default on; off for NO_COLOR / --color=never) */
  readonly color?: boolean;
  /** called when the user quits (q or Ctrl-C) */
  readonly onQuit?: () => void;
}

/** For samplers without error reporting. */
const NO_ERRORS: ErrorSource = { onError: () => () => {} };

const ORDER_KEYS: Record<string, TopOrder> = { c: 'cpu', m: 'memory', i: 'io', t: 'tasks', T: 'throttle', p: 'pressure', n: 'path' };

function fmtInterval(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(2).replace(/0+$/, '')}s`;
}

export function TopApp(props: TopAppProps): React.ReactElement {
  const { exit } = useApp();
  const size = useTerminalSize(props.size ?? {});
  const [st, dispatch, stRef] = useReducerRef(topReducer, props.initial);
  useSamplerControl(props.sampler, st);
  const { frame, cpu, memory, seq } = useTopFrame(props.sampler, props.root);
  const names = useCgroupIdentities(frame);
  const facts = useAsyncValue(props.loadFacts, [props.loadFacts], 5000).value;
  const sampleError = useSamplerError(props.sampler.onError ? (props.sampler as ErrorSource & Subscribable<TopSnapshot>) : NO_ERRORS);
  const rows: DisplayRow[] = useMemo(() => (frame ? visibleRows(frame, st, props.ascii) : []), [frame, st.order, st.reverse, st.filter, st.collapsed, st.depth, props.ascii]);
  const rowKeys = useMemo(() => rows.map((r) => r.row.path), [rows]);
  const theme = useMemo(() => makeTheme(props.color ?? true), [props.color]);
  const selectedKey = shownSelection(rowKeys, st.selected);
  const selectedRow = selectedKey !== undefined ? frame?.byPath.get(selectedKey) : undefined;
  const procResult = useAsyncValue(st.detail && selectedKey !== undefined && props.loadProcesses ? () => props.loadProcesses!(selectedKey) : undefined, [st.detail, selectedKey, seq]);
  const processes = procResult.value;

  const act = dispatch;
  // the help fits between the header and the key line: taller than that, it scrolls
  const helpProps = { title: 'nsx top — keys', keys: TOP_KEYS, width: Math.min(size.columns, 120), height: Math.max(4, size.rows - 3), notes: ['red rows: CPU-throttled; THROTTLED-BY names the cgroup whose quota binds', "'-': no value yet (first sample) or not available on this host"] };
  useKeys((k: KeyPress) => {
    const now = stRef.current;
    if (now.editingFilter) {
      const edit = textEditOf(k);
      if (edit?.kind === 'end') act({ type: 'filter-end' });
      else if (edit?.kind === 'cancel') act({ type: 'filter-cancel' });
      else if (edit?.kind === 'backspace') act({ type: 'filter-backspace' });
      else if (edit?.kind === 'input') act({ type: 'filter-input', text: edit.text });
      return;
    }
    if (isQuitKey(k)) {
      props.onQuit?.();
      exit();
      return;
    }
    if (k.paste) return; // pasted text is for the filter, not a string of commands
    const nav = navOf(k, size.rows - 6);
    const input = k.ctrl || k.meta ? '' : k.input;
    if (now.help && nav) act({ type: 'help-scroll', nav, max: helpMaxOffset(helpProps) });
    else if (nav) act({ type: 'nav', nav, keys: rowKeys });
    else if (k.name === 'left') act({ type: 'collapse', path: selectedKey });
    else if (k.name === 'right') act({ type: 'expand', path: selectedKey });
    else if (k.name === 'return') act({ type: 'toggle', path: selectedKey });
    else if (input === 'C') act({ type: 'collapse-all', paths: rows.filter((r) => r.hasChildren).map((r) => r.row.path) });
    else if (input === 'E') act({ type: 'expand-all' });
    else if (/^[0-9]$/.test(input)) act({ type: 'depth', depth: input === '0' ? undefined : Number(input) });
    else if (ORDER_KEYS[input]) act({ type: 'order', order: ORDER_KEYS[input] });
    else if (input === 'r') act({ type: 'reverse' });
    else if (input === '/') act({ type: 'filter-start' });
    else if (input === 'd' || (k.name === 'tab' && !k.shift)) act({ type: 'detail' });
    else if (input === '+') act({ type: 'interval', factor: 2 });
    else if (input === '-') act({ type: 'interval', factor: 0.5 });
    else if (input === ' ') act({ type: 'pause' });
    else if (input === 'h' || input === '?') act({ type: 'help' });
    else if (k.name === 'escape') act({ type: 'close' });
  }, stRef, (a, b) => a !== b && !b.editingFilter);

  const ctx = { raw: props.raw };
  const columns = topColumns({ width: size.columns, ctx, cpu, memory, ascii: props.ascii, rows, names });
  const lines: TableLine<DisplayRow>[] = rows.map((d) => ({
    key: d.row.path,
    row: d,
    prefix: d.prefix,
    tone: d.row.throttled_by ? 'alert' : d.row.rates.cpu_percent === null && seq > 1 ? 'dim' : 'normal',
  }));
  const status: [string, string][] = [
    ['every', fmtInterval(st.intervalMs)],
    ['sort', `${st.order}${st.reverse ? ' (reversed)' : ''}`],
    ['cgroups', frame ? `${rows.length}/${frame.rows.length}` : '…'],
    ['depth', st.depth === undefined ? 'all' : String(st.depth)],
  ];
  if (st.filter || st.editingFilter) status.push(['filter', st.filter + (st.editingFilter ? '▏' : '')]);
  const throttled = frame ? frame.rows.filter((r) => r.throttled_by).length : 0;
  const notice = [sampleError ? `sample failed: ${sampleError}` : '', st.detail && procResult.error ? `processes: ${procResult.error}` : '', st.paused ? 'PAUSED' : '', throttled ? `${throttled} throttled` : '', seq === 1 ? 'first sample: rates from the next one' : ''].filter(Boolean).join(' · ');
  const detailH = st.detail && selectedRow ? Math.min(size.rows - 6, Math.max(20, Math.floor(size.rows / 2))) : 0;
  const tableH = Math.max(2, size.rows - 3 - detailH);
  return (
    <ThemeContext.Provider value={theme}>
    <Box flexDirection="column" width={size.columns}>
      <Header title="nsx top" facts={facts} layout={props.layout} status={status} notice={notice || undefined} />
      {st.help ? (
        <HelpOverlay {...helpProps} offset={st.helpOffset} />
      ) : (
        <Table columns={columns} lines={lines} selectedKey={selectedKey} height={tableH} treeColumn="NAME" empty={frame ? 'no cgroup matches' : 'sampling…'} />
      )}
      {st.detail && selectedRow && !st.help ? (
        <DetailPane row={selectedRow} name={nameOfRow(selectedRow.path, names.get(selectedRow.path)) ?? names.get(selectedRow.path)?.label} cpuSeries={cpu.get(selectedRow.path)} memorySeries={memory.get(selectedRow.path)} processes={processes} width={size.columns} height={detailH} raw={props.raw} />
      ) : null}
      <Text dimColor wrap="truncate">
        q quit · h help · / filter · c m i t T p n sort · ←→ fold · d detail · space pause · +/- interval
      </Text>
    </Box>
    </ThemeContext.Provider>
  );
}
