/**
 * The recorder's cgroup collector: `nsx top`'s collector (src/sampler/collect.ts) in two tiers, as the
 * dashboard's (src/services/dashboard-cgroups.ts), so that a sample costs what changed rather than every file of
 * every cgroup:
 *
 * - every cgroup, every interval: its activity — CPU time and memory usage (v1 cpuacct.usage and
 *   memory.usage_in_bytes, v2 cpu.stat and memory.current): two kept fds, two `pread`s. Both count the whole
 *   subtree, so an ancestor of a busy cgroup is busy too; a fork, an exit, a refused fork or an OOM kill costs
 *   the cgroup's tasks CPU time, so tasks, pids.events and memory.events cannot move while CPU time stands still.
 * - a cgroup whose activity changed (the sample the fd source returns is a new object: its memo saw a file
 *   change), every interval: everything — every stat group at full detail (limits, CFS throttling, memory.stat,
 *   memory.events, IO, pids, PSI, cpuset) through THE mapping on a second fd source;
 * - a cgroup whose activity did not change: everything again every `fullEvery` intervals (default 60, staggered
 *   by path), so
 *   what can move without CPU time, memory usage or tasks moving (page cache reclaimed from an idle cgroup,
 *   writeback IO charged to it, a limit changed by hand) is at most that many intervals old.
 * The samples handed out are the full ones (a cgroup between two full reads gives the same object again: the
 * recording's codec skips it at once).
 */
import { existsSync } from 'node:fs';
import type { HostPaths } from '../host/paths.js';
import { Tolerance } from '../host/tolerance.js';
import { hierarchyForController, type CgroupLayout, type Hierarchy } from '../model/cgroup.js';
import { ALL_STAT_GROUPS, type CgroupSample, type CgroupSnapshot } from '../model/cgroup-sample.js';
import { cgroupDir } from '../readers/cgroupfs/layout.js';
import { planCgroupSample, sampleCgroup } from '../readers/cgroupfs/sample.js';
import { makeCollector, type Collector } from '../sampler/collect.js';
import { FdSource } from '../sampler/fd-source.js';

/** The activity files of a layout (see the module comment). */
export function activityFiles(layout: CgroupLayout): string[] {
  const cpu = hierarchyForController(layout, 'cpuacct') ?? hierarchyForController(layout, 'cpu');
  const mem = hierarchyForController(layout, 'memory');
  return [cpu?.version === 1 ? 'cpuacct.usage' : 'cpu.stat', mem?.version === 1 ? 'memory.usage_in_bytes' : 'memory.current'];
}

export interface RecordCollector extends Collector {
  /** Paths whose activity did not change at the last sample (their processes did not run either). */
  readonly idle: () => ReadonlySet<string>;
  /** full samples taken so far, and how many of them because the activity changed */
  readonly stats: { full: number; active: number };
}

export interface RecordCollectOptions {
  readonly paths: HostPaths;
  readonly layout: CgroupLayout;
  /** read an idle cgroup in full every this many samples (default 60: 5 minutes at 5 s) */
  readonly fullEvery?: number;
  /** files kept open by both tiers together at most (the activity tier gets 40 %, the full one the rest) */
  readonly maxOpen?: number;
  readonly clock?: () => number;
  readonly now?: () => Date;
}

/** A small stable hash of a path (which sample of the cycle reads it in full). */
function spread(path: string, n: number): number {
  let h = 0;
  for (let i = 0; i < path.length; i++) h = (h * 31 + path.charCodeAt(i)) | 0;
  return Math.abs(h) % n;
}

export function makeRecordCollector(o: RecordCollectOptions): RecordCollector {
  const layout = o.layout;
  const every = Math.max(1, o.fullEvery ?? 60);
  // the activity tier keeps what it needs (2 per cgroup); the full tier at most 4,096 (a kept fd holds a page of
  // kernel memory for its life: the files of the busiest cgroups are those kept, the others read and closed)
  const share1 = o.maxOpen === undefined ? undefined : Math.max(32, Math.floor(o.maxOpen * 0.4));
  const tier1 = makeCollector({ paths: o.paths, layout, groups: ALL_STAT_GROUPS, files: activityFiles(layout), keepListed: true, clock: o.clock, now: o.now, maxOpen: share1 });
  const plan = planCgroupSample(layout, { groups: ALL_STAT_GROUPS, detail: 'full' });
  const source = new FdSource(o.paths, plan, Math.min(4096, o.maxOpen === undefined ? 4096 : Math.max(32, o.maxOpen - share1!)));
  let listed: readonly string[] = [];
  let relist = true;
  /**
   * per path: the last activity sample, the last full sample handed out, and the sample number that saw it
   * (entries and the idle set are updated in place: nothing of a thousand cgroups' size is made per sample)
   */
  const last = new Map<string, { act: CgroupSample; full: CgroupSample; seen: number }>();
  const idle = new Set<string>();
  let tick = 0;
  let tol = new Tolerance();
  const stats = { full: 0, active: 0 };

  /** which hierarchies hold each listed cgroup (asked once per new cgroup: a stat per hierarchy) */
  let holds = new Map<string, readonly Hierarchy[]>();
  const list = (paths: readonly string[], all: boolean) => {
    // a cgroup is read only in the hierarchies that hold it (no failed opens elsewhere)
    const next = new Map<string, readonly Hierarchy[]>();
    for (const p of paths) next.set(p, (!all && holds.get(p)) || plan.hierarchies.filter((h) => existsSync(cgroupDir(o.paths, h, p))));
    holds = next;
    const byHierarchy = new Map<Hierarchy, string[]>(plan.hierarchies.map((h) => [h, []]));
    for (const [p, hs] of next) for (const h of hs) byHierarchy.get(h)!.push(p);
    source.setListing(byHierarchy, { refresh: all });
    listed = paths;
    relist = false;
  };

  const collect = (() => {
    const snap: CgroupSnapshot = tier1();
    const paths = snap.cgroups.map((c) => c.path);
    if (relist || paths.length !== listed.length || paths.some((p, i) => p !== listed[i])) list(paths, relist);
    const t = new Tolerance();
    source.tolerance = t;
    const cgroups: CgroupSample[] = [];
    for (const act of snap.cgroups) {
      const p = act.path;
      const was = last.get(p);
      const quiet = was !== undefined && was.act === act;
      let full = was?.full;
      if (!quiet || (tick + spread(p, every)) % every === 0 || full === undefined) {
        full = sampleCgroup(source, plan, p) ?? act;
        stats.full++;
        if (!quiet) stats.active++;
      }
      if (quiet) idle.add(p);
      else idle.delete(p);
      if (was) {
        was.act = act;
        was.full = full;
        was.seen = tick;
      } else last.set(p, { act, full, seen: tick });
      cgroups.push(full);
    }
    // cgroups no longer there
    if (last.size !== snap.cgroups.length) {
      for (const [p, e] of last) {
        if (e.seen === tick) continue;
        last.delete(p);
        idle.delete(p);
      }
    }
    if (source.takeStale()) relist = true;
    tick++;
    tol = tier1.tolerance();
    tol.gone += t.gone;
    tol.denied.push(...t.denied);
    return { ...snap, cgroups };
  }) as unknown as RecordCollector;
  Object.defineProperty(collect, 'layout', { value: layout });
  Object.defineProperty(collect, 'tolerance', { value: () => tol });
  Object.defineProperty(collect, 'idle', { value: () => idle });
  Object.defineProperty(collect, 'stats', { value: stats });
  Object.defineProperty(collect, 'close', {
    value: () => {
      tier1.close();
      source.close();
    },
  });
  return collect;
}
