/**
 * The dashboard's cgroup collector: `nsx top`'s collector (src/sampler/collect.ts) in two tiers, so that a
 * refresh of the Cgroups view costs what the view needs rather than every counter of every cgroup.
 *
 * - Every cgroup, every refresh: the files of the sort key, the header and the sparklines — CPU usage, the CPU
 *   quota and throttling (`TOP_BASE_FILES`: throttle attribution and the THROTTLED-BY column need them for any
 *   row) and memory usage: the registry's `files` of CPU% and MEM. Three kept fds per cgroup on v1 (cpuacct.usage,
 *   cpu.cfs_quota_us, memory.usage_in_bytes; cpu.stat/cfs_period_us/stat.local are read once per listing while
 *   no quota applies, src/sampler/fd-source.ts), likewise on v2 (cpu.stat, cpu.max, memory.current).
 * - The cgroups in focus (the rows on screen, a page above and below, and their ancestors; set by the view
 *   with `setFocus`), every refresh: everything `nsx top` reads (`core` detail: memory limit and memory.stat,
 *   IO, pids.max, user/system CPU, PSI on cgroup2), through a second fd cache of their files only; their
 *   samples are the first tier's with these groups laid over.
 *
 * Freshness: a row that enters the focus (a jump by more than a page, a new search) shows TASKS and MEMMAX from
 * the next refresh (≤ one interval) and IOR/S, IOW/S from the one after (rates need two samples): `-` until
 * then, never a stale or false value. Everything the tree is sorted, filtered, coloured and counted by (CPU%,
 * throttling, memory, paths, identities) is read for every cgroup at every refresh, as before.
 */
import { existsSync } from 'node:fs';
import type { HostPaths } from '../host/paths.js';
import { Tolerance } from '../host/tolerance.js';
import type { CgroupLayout, Hierarchy, StatGroup } from '../model/cgroup.js';
import type { CgroupSample, CgroupSnapshot } from '../model/cgroup-sample.js';
import { parentPath } from '../model/throttle.js';
import { cgroupDir } from '../readers/cgroupfs/layout.js';
import { DERIVED_MEMORY_STAT_KEYS, planCgroupSample, sampleCgroup } from '../readers/cgroupfs/sample.js';
import { makeCollector, type Collector } from '../sampler/collect.js';
import { FdSource } from '../sampler/fd-source.js';
import { TOP_FIELDS, filesForFields } from '../fields/top.js';

/**
 * Columns whose values every cgroup needs at every refresh: the sort key (CPU%) and the two sparklines (CPU%,
 * MEM), whose last minute must be there when a row scrolls into view. With TOP_BASE_FILES (quota, throttling).
 */
export const DASHBOARD_ALL_ROWS_FIELDS: readonly string[] = ['CPU%', 'MEM'];

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

export function makeDashboardCollector(o: { readonly paths: HostPaths; readonly layout?: CgroupLayout; readonly clock?: () => number; readonly now?: () => Date }): DashboardCollector {
  const all = makeCollector({
    paths: o.paths,
    layout: o.layout,
    files: filesForFields(TOP_FIELDS.filter((f) => DASHBOARD_ALL_ROWS_FIELDS.includes(f.id))),
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
