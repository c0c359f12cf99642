/**
 * The dashboard's cgroup collector: `nsx top`'s collector (src/sampler/collect.ts) in two tiers, so that a
 * refresh of the Cgroups view costs what the view needs rather than every counter of every cgroup.
 *
 * - Every cgroup, every refresh: what the tree is sorted by and what the sparklines draw — CPU usage and memory
 *   usage (the field registry's `files` of CPU% and MEM): two kept fds, two `pread`s per cgroup (v1
 *   cpuacct.usage and memory.usage_in_bytes; v2 cpu.stat and memory.current).
 * - The cgroups in focus (the rows on screen, a page above and below, and their ancestors; set by the view
 *   with `setFocus`), every refresh: everything `nsx top` reads (`core` detail: CPU quota and throttling, memory
 *   limit and memory.stat, IO, tasks, PSI on cgroup2), through a second fd cache of their files only; their
 *   samples are the first tier's with these groups laid over. Throttle attribution (THR%, THROTTLED-BY, the red
 *   rows) and the `nsx why` marks of a row need only the row and its ancestors: all in focus.
 *
 * Freshness: a row that enters the focus (a jump by more than a page, a new search) shows its limits, tasks and
 * throttling from the next refresh (≤ one interval) and its IO and throttling rates from the one after (rates
 * need two samples): `-` until then, never a stale or false value. What the tree is sorted, filtered and counted
 * by (CPU%, paths, identities) and the sparklines' last minute are read for every cgroup at every refresh.
 *
 * A recorded host (`--root`) is sampled once (no rates to compute, nothing changes): that one sample reads every
 * value of every cgroup, as `nsx top -b -n 1` does (`oneShot`), since the focus is known only after it is drawn.
 */
import { existsSync } from 'node:fs';
import type { HostPaths } from '../host/paths.js';
import { Tolerance } from '../host/tolerance.js';
import { hierarchyForController, type CgroupLayout, type Hierarchy, type StatGroup } from '../model/cgroup.js';
import type { CgroupSample, CgroupSnapshot } from '../model/cgroup-sample.js';
import { parentPath } from '../model/throttle.js';
import { cgroupDir, readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { DERIVED_MEMORY_STAT_KEYS, planCgroupSample, sampleCgroup } from '../readers/cgroupfs/sample.js';
import { makeCollector, type Collector } from '../sampler/collect.js';
import { FdSource } from '../sampler/fd-source.js';
import { TOP_FIELDS } from '../fields/top.js';

/**
 * Columns whose values every cgroup needs at every refresh: the sort key (CPU%) and the two sparklines (CPU%,
 * MEM), whose last minute must be there when a row scrolls into view.
 */
export const DASHBOARD_ALL_ROWS_FIELDS: readonly string[] = ['CPU%', 'MEM'];

/**
 * The files of DASHBOARD_ALL_ROWS_FIELDS on this layout. The registry names a file of each version (CPU usage is
 * v2 `cpu.stat` or v1 `cpuacct.usage`); v1 `cpu.stat` holds only throttling counters (read for rows in focus).
 */
export function allRowsFiles(layout: CgroupLayout): string[] {
  const cpuV1 = hierarchyForController(layout, 'cpu')?.version === 1;
  const files = new Set<string>();
  for (const f of TOP_FIELDS) if (DASHBOARD_ALL_ROWS_FIELDS.includes(f.id)) for (const x of f.files ?? []) files.add(x);
  if (cpuV1) files.delete('cpu.stat');
  return [...files];
}

/** The stat groups the Cgroups view reads for rows in focus (what `nsx top`'s collector reads by default). */
const FOCUS_GROUPS: readonly StatGroup[] = ['cpu', 'memory', 'io', 'pids', 'psi'];

/** Re-check which hierarchies hold the cgroups in focus every this many samples (and when the focus changes). */
const FOCUS_RELIST_EVERY = 10;

export interface DashboardCollector extends Collector {
  /** The cgroups the view shows (and may show next): read in full from the next sample on. */
  setFocus(paths: Iterable<string>): void;
}

/** The focus with every ancestor, parents before children. */
function withAncestors(paths: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const p of paths) for (let q: string | undefined = p; q !== undefined && !out.has(q); q = parentPath(q)) out.add(q);
  const depth = (p: string) => (p === '/' ? 0 : p.split('/').length - 1);
  return [...out].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A sample with the groups `full` read laid over `base` (identity and generations stay `base`'s). */
function overlay(base: CgroupSample, full: CgroupSample | undefined): CgroupSample {
  if (!full) return base;
  const out: { -readonly [K in keyof CgroupSample]: CgroupSample[K] } = { ...base };
  if (full.cpu) out.cpu = full.cpu;
  if (full.memory) out.memory = full.memory;
  if (full.io) out.io = full.io;
  if (full.pids) out.pids = full.pids;
  if (full.psi) out.psi = full.psi;
  if (full.errors) out.errors = [...(base.errors ?? []), ...full.errors];
  return out;
}

export interface DashboardCollectorOptions {
  readonly paths: HostPaths;
  readonly layout?: CgroupLayout;
  readonly clock?: () => number;
  readonly now?: () => Date;
  /**
   * Every value of every cgroup in each sample (no tiers, the focus is ignored): for a recorded host, sampled
   * once before anything is drawn. Default false.
   */
  readonly oneShot?: boolean;
}

/** The collector the dashboard uses for this host: tiered on the live host, everything at once on a recorded one. */
export function dashboardCollectorFor(paths: HostPaths, layout?: CgroupLayout): DashboardCollector {
  return makeDashboardCollector({ paths, layout, oneShot: !paths.live });
}

export function makeDashboardCollector(o: DashboardCollectorOptions): DashboardCollector {
  const known = o.layout ?? readCgroupLayout(o.paths);
  const all = makeCollector({
    paths: o.paths,
    layout: known,
    // one shot: every core file of every group (what `nsx top` reads)
    files: o.oneShot ? undefined : allRowsFiles(known),
    // a cgroup only in hierarchies this tier does not read (pids, blkio) is still a row of the tree
    keepListed: true,
    clock: o.clock,
    now: o.now,
  });
  const layout = all.layout;
  const plan = planCgroupSample(layout, { groups: FOCUS_GROUPS, detail: 'core', memoryStatKeys: DERIVED_MEMORY_STAT_KEYS });
  const source = new FdSource(o.paths, plan);
  let focus: string[] = [];
  let focusKey = '';
  let relist = true;
  let sinceList = 0;
  let tol = new Tolerance();

  const list = () => {
    // a cgroup is read only in the hierarchies that hold it (no failed opens elsewhere)
    const byHierarchy = new Map<Hierarchy, string[]>();
    for (const h of plan.hierarchies) byHierarchy.set(h, focus.filter((p) => existsSync(cgroupDir(o.paths, h, p))));
    source.setListing(byHierarchy, { refresh: true });
    relist = false;
    sinceList = 0;
  };

  const collect = (() => {
    const snap: CgroupSnapshot = all();
    if (focus.length === 0) {
      tol = all.tolerance();
      return snap;
    }
    if (relist || ++sinceList >= FOCUS_RELIST_EVERY) list();
    const t = new Tolerance();
    source.tolerance = t;
    const full = new Map<string, CgroupSample>();
    for (const p of focus) {
      const s = sampleCgroup(source, plan, p);
      if (s) full.set(p, s);
    }
    if (source.takeStale()) relist = true;
    tol = all.tolerance();
    tol.denied.push(...t.denied);
    return { ...snap, cgroups: snap.cgroups.map((c) => overlay(c, full.get(c.path))) };
  }) as DashboardCollector;
  Object.defineProperty(collect, 'layout', { value: layout });
  Object.defineProperty(collect, 'tolerance', { value: () => tol });
  Object.defineProperty(collect, 'close', {
    value: () => {
      all.close();
      source.close();
    },
  });
  Object.defineProperty(collect, 'setFocus', {
    value: (paths: Iterable<string>) => {
      if (o.oneShot) return; // every cgroup is read in full already
      const next = withAncestors(paths);
      const key = next.join('\n');
      if (key === focusKey) return;
      focus = next;
      focusKey = key;
      relist = true;
    },
  });
  return collect;
}
