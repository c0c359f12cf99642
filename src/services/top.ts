/**
 * `nsx top` as a service: sample the cgroups in view every interval and render each frame as a plain table
 * (batch), one NDJSON object per sample (`--json`), or hand the sampler to the Ink TUI (loaded lazily).
 * On a static fixture host (`--root`) there is one sample, and rates are absent.
 */
import { identityJson } from '../model/identity.js';
import { cgroupOfTarget } from '../readers/runtimes/running.js';
import type { Writable } from 'node:stream';
import type { HostPaths } from '../host/paths.js';
import { UsageError } from '../errors.js';
import { formatCell, jsonCell, selectFields } from '../fields/registry.js';
import { TOP_DEFAULT_COLUMNS, TOP_FIELDS, TOP_JSON_FIELDS, filesForFields, groupsForFields, rowComparator, type TopField, type TopFieldCtx, type TopOrder } from '../fields/top.js';
import { renderTable, type TableRow } from '../output/table.js';
import { formatNdjson } from '../output/json.js';
import type { TopSnapshot } from '../model/rates.js';
import { buildFrame, type TopFrame, type TopRow } from '../sampler/frame.js';
import { Sampler, type Scheduler, type Stamped } from '../sampler/sampler.js';
import { makeCollector } from '../sampler/collect.js';
import { normalizeCgroupPath } from '../model/cgroup.js';
import type { Replay } from '../record/replay.js';
import { loadRecord } from './record-loader.js';
import { countOf } from '../output/words.js';
import { loadInkForTerminal } from './ink-loader.js';

export interface TopOptions {
  readonly paths: HostPaths;
  /** cgroup to start from (default `/`) */
  readonly root?: string;
  readonly intervalMs: number;
  /** number of samples (undefined = until interrupted; forced to 1 on a static --root host) */
  readonly iterations?: number;
  readonly mode: 'batch' | 'json' | 'tui';
  readonly order: TopOrder;
  readonly reverse?: boolean;
  /** levels below the root to show */
  readonly depth?: number;
  /** exact numbers instead of human units */
  readonly raw?: boolean;
  /** `-o` column list (LIST or +LIST) */
  readonly output?: string;
  readonly noHeadings?: boolean;
  readonly stdout: Writable;
  readonly stderr?: Writable;
  /** terminal width (batch tables on a terminal truncate the path column) */
  readonly termWidth?: number;
  readonly color?: boolean;
  /** tests: frozen clocks and a fake scheduler */
  readonly clock?: () => number;
  readonly now?: () => Date;
  readonly scheduler?: Scheduler;
  /** called for each warning line (vanished/denied objects) */
  readonly warn?: (m: string) => void;
  /** replay a recording (`--at`, `--from/--to`) instead of sampling the host (src/record/replay.ts) */
  readonly replay?: Replay;
}

/** Rows of a frame in output order: sorted by the order key (path order keeps the tree order). */
export function orderedRows(frame: TopFrame, order: TopOrder, reverse = false) {
  if (order === 'path' && !reverse) return [...frame.rows];
  return [...frame.rows].sort(rowComparator(order, reverse));
}

/** One NDJSON object for a frame: `{timestamp, interval_s, layout, cgroups: [...]}`. */
export function frameJson(frame: TopFrame, order: TopOrder, reverse = false, ctx: TopFieldCtx = {}): Record<string, unknown> {
  const cgroups = orderedRows(frame, order, reverse).map((r) => rowJson(r, ctx));
  return { timestamp: frame.timestamp, interval_s: frame.interval_s, layout: frame.layout ?? null, cgroups };
}

/** The JSON text of frame rows per `raw`: a frame row reused from the last frame keeps its text (not rebuilt). */
const jsonRows = [new WeakMap<TopRow, string>(), new WeakMap<TopRow, string>()];

/**
 * `formatNdjson(frameJson(…))` with `incomplete` after `cgroups` when given, byte for byte, made from each row's
 * own text: rows unchanged since the last frame (the same TopRow objects) are not converted again.
 */
export function frameNdjson(frame: TopFrame, order: TopOrder, reverse = false, ctx: TopFieldCtx = {}, incomplete?: unknown): string {
  const known = jsonRows[ctx.raw ? 1 : 0];
  const rows = orderedRows(frame, order, reverse).map((r) => {
    let t = known.get(r);
    if (t === undefined) known.set(r, (t = formatNdjson(rowJson(r, ctx)).slice(0, -1)));
    return t;
  });
  const head = formatNdjson({ timestamp: frame.timestamp, interval_s: frame.interval_s, layout: frame.layout ?? null });
  const tail = incomplete === undefined ? '' : `,"incomplete":${formatNdjson(incomplete).slice(0, -1)}`;
  return `${head.slice(0, -2)},"cgroups":[${rows.join(',')}]${tail}}\n`;
}

function rowJson(r: TopRow, ctx: TopFieldCtx): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of TOP_JSON_FIELDS) {
    o[f.json ?? f.id.toLowerCase()] = jsonCell(f, r, ctx);
    if (f.id === 'CONTAINER') o.identity = identityJson(r.identity); // the structured record (issue 9)
  }
  return o;
}

/**
 * The table rows of frame rows, per column set and mode: a frame row reused from the last frame (nothing
 * changed) keeps its table row, so its cells are not formatted again (and renderTable knows them too).
 */
const tableRows = new WeakMap<readonly TopField[], { raw: boolean; rows: WeakMap<TopRow, TableRow> }>();

/** A frame as a plain text table. */
export function frameTable(frame: TopFrame, fields: readonly TopField[], o: { order: TopOrder; reverse?: boolean; raw?: boolean; noHeadings?: boolean; termWidth?: number }): string {
  const ctx: TopFieldCtx = { raw: o.raw };
  const cols = fields.map((f) => ({ header: f.header ?? f.id, align: f.align, trunc: f.trunc, width: f.width }));
  let memo = tableRows.get(fields);
  if (!memo || memo.raw !== !!o.raw) tableRows.set(fields, (memo = { raw: !!o.raw, rows: new WeakMap() }));
  const known = memo.rows;
  const rows = orderedRows(frame, o.order, o.reverse).map((r) => {
    let t = known.get(r);
    if (!t) known.set(r, (t = { cells: fields.map((f) => formatCell(f, r, ctx)) }));
    return t;
  });
  return renderTable(cols, rows, { raw: o.raw, noHeadings: o.noHeadings, termWidth: o.termWidth });
}

/** Run `nsx top`. Resolves to the exit code. */
export async function runTop(o: TopOptions): Promise<number> {
  const fields = selectFields(TOP_FIELDS, TOP_DEFAULT_COLUMNS, o.output, { prog: 'nsx top', dedupe: true });
  if (o.depth !== undefined && o.depth < 0) throw new UsageError('nsx top: --depth must be ≥ 0');
  const root = o.replay ? o.replay.cgroupOf(o.root ?? '/') : (cgroupOfTarget(o.paths, o.root ?? '/', 'nsx top') ?? normalizeCgroupPath(o.root ?? '/'));
  // a batch table reads only the files of its columns; JSON and the TUI (columns toggled live) read them all
  const narrow = o.mode === 'batch';
  const groups = narrow ? groupsForFields(fields) : undefined;
  const files = narrow ? filesForFields(fields) : undefined;
  const r = o.replay ? (await loadRecord('nsx top')).replayTop(o.replay, root, o.depth) : undefined;
  const collect = r?.collector ?? makeCollector({ paths: o.paths, root, depth: o.depth, groups, files, clock: o.clock, now: o.now });
  const iterations = r ? r.iterations : o.paths.live ? o.iterations : 1;
  const sampler = r?.sampler ?? new Sampler<TopSnapshot>({ collect, intervalMs: o.intervalMs, scheduler: o.scheduler });
  optimiseLater(sampler);
  try {
    return await runSampling(o, fields, root, sampler, collect, iterations);
  } finally {
    collect.close();
  }
}

/**
 * The sample after which `nsx top` turns V8's optimising compiler (TurboFan) on when Node was started without it
 * (`node --no-opt`, as bin/nsx is asked to start `nsx top`). A run of a few samples (`-n 10`, a first screen)
 * costs less without it: the compiles of the per-cgroup code take more CPU than they save in ten samples (1,000
 * cgroups, `-b -d 0.1 -n 10`: 715 → 580 ms CPU in five v1 hierarchies, 374 → 215 ms in one). Compiled, a refresh
 * costs less (23 vs 31 ms, 8 vs 11 ms), which pays the compile back after ~20 (five hierarchies) to ~45 (one)
 * refreshes: a monitor left running for a minute is compiled then. Nothing else changes (the output is the same).
 */
export const OPTIMISE_AFTER = 60;

/** See OPTIMISE_AFTER (`execArgv` and `setFlags`: tests). */
export function optimiseLater<S extends Stamped>(
  sampler: Sampler<S>,
  execArgv: readonly string[] = process.execArgv,
  setFlags = (f: string) => process.getBuiltinModule('node:v8').setFlagsFromString(f),
): void {
  if (!execArgv.includes('--no-opt')) return;
  const off = sampler.subscribe(({ seq }) => {
    if (seq < OPTIMISE_AFTER) return;
    off();
    setFlags('--opt');
  });
}

async function runSampling(
  o: TopOptions,
  fields: readonly TopField[],
  root: string,
  sampler: Sampler<TopSnapshot>,
  collect: ReturnType<typeof makeCollector>,
  iterations: number | undefined,
): Promise<number> {
  if (o.mode === 'tui') {
    await loadInkForTerminal();
    // a static host is sampled once and stays on screen until q
    const { runTopTui } = await import('../tui/index.js');
    return runTopTui({ sampler, root, order: o.order, reverse: o.reverse, depth: o.depth, raw: o.raw, paths: o.paths, layout: collect.layout, iterations: o.iterations, once: !o.paths.live, color: o.color });
  }
  let first = true;
  let warnedDenied = false;
  return new Promise<number>((resolve, reject) => {
    const off = sampler.subscribe(({ prev, next, seq }) => {
      try {
        const frame = buildFrame(prev, next, root);
        const tol = collect.tolerance();
        if (o.mode === 'json') {
          // as `nsx cg`: files that could not be read for lack of permission make the sample incomplete
          o.stdout.write(frameNdjson(frame, o.order, o.reverse, { raw: o.raw }, tol.incomplete ? tol.toJSON() : undefined));
        } else {
          o.stdout.write((first ? '' : '\n') + frameTable(frame, fields, { order: o.order, reverse: o.reverse, raw: o.raw, noHeadings: o.noHeadings, termWidth: o.termWidth }));
        }
        first = false;
        if (tol.incomplete && !warnedDenied && o.warn) {
          warnedDenied = true;
          o.warn(`top: permission denied on ${countOf(tol.denied.length, 'file')} (e.g. ${tol.denied[0]}): values missing`);
        }
        if (iterations !== undefined && seq >= iterations) {
          off();
          sampler.stop();
          resolve(0);
        }
      } catch (e) {
        off();
        sampler.stop();
        reject(e);
      }
    });
    sampler.onError((e) => {
      off();
      sampler.stop();
      reject(e);
    });
    sampler.start();
  });
}
