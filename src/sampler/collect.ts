/**
 * The `nsx top` collector: one `CgroupSnapshot` of the cgroups in view — the tree listed by the cgroup walk
 * (src/readers/cgroupfs/tree.ts), each cgroup sampled by THE mapping (`sampleCgroup`,
 * src/readers/cgroupfs/sample.ts) over the fd-cached source (src/sampler/fd-source.ts). A cgroup is a path
 * merged across the hierarchies that carry the sampled controllers (v1: cpu, cpuacct, memory, blkio, pids; v2:
 * the one tree), read only in the hierarchies that hold it. The tree is re-listed when it may have changed (see
 * `treeSignature`, stale fds, and every REWALK_EVERY samples); each sample reads only the files the visible
 * columns need (`files`, from the field registry), and is stamped with the monotonic clock. Cgroups that
 * vanish mid-sample are skipped (Tolerance).
 */
import { RuntimeIndex } from '../readers/runtimes/index.js';
import type { Identity } from '../model/identity.js';
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { readWhole } from '../host/read.js';
import { Tolerance, wrap } from '../host/tolerance.js';
import { NotFoundError } from '../errors.js';
import { normalizeCgroupPath, type CgroupLayout, type Hierarchy, type StatGroup } from '../model/cgroup.js';
import { readCgroupLayout, cgroupDir } from '../readers/cgroupfs/layout.js';
import { walkCgroupTree } from '../readers/cgroupfs/tree.js';
import type { CgroupNode } from '../model/cgroup.js';
import type { CgroupSample, CgroupSnapshot } from '../model/cgroup-sample.js';
import { parentPath } from '../model/throttle.js';
import { DERIVED_MEMORY_STAT_KEYS, planCgroupSample, sampleCgroup, type SamplePlan } from '../readers/cgroupfs/sample.js';
import { parseProcCgroups } from '../parse/cgroup-files.js';
import { FdSource, type FdOps } from './fd-source.js';
import { monotonicMs } from './sampler.js';

/** v1 controllers whose hierarchies make up `nsx top`'s merged tree. */
export const TOP_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'blkio', 'pids'] as const;

export interface CollectOptions {
  readonly paths: HostPaths;
  /** the cgroup the view starts at (default `/`) */
  readonly root?: string;
  /** levels below the root to sample (default: all) */
  readonly depth?: number;
  /** stat groups to read (default: cpu, memory, io, pids, psi) */
  readonly groups?: readonly StatGroup[];
  /** only these files (the visible columns' `files` in the field registry); default: every core file of the groups */
  readonly files?: readonly string[];
  /** `core` (default): the files `top` shows; `full`: every file of the groups (the exporter) */
  readonly detail?: 'core' | 'full';
  /** monotonic clock in ms (tests freeze it) */
  readonly clock?: () => number;
  /** wall clock (tests freeze it) */
  readonly now?: () => Date;
  /** layout, when already read */
  readonly layout?: CgroupLayout;
  /**
   * List the tree in the hierarchies the `groups` would read whatever `files` says, and keep cgroups that none
   * of the read hierarchies holds as bare samples (path and no values) instead of counting them gone: a plan
   * that reads fewer hierarchies (`files`, the dashboard's every-cgroup tier) still yields the same tree.
   * Default false.
   */
  readonly keepListed?: boolean;
  /** at most this many files kept open (default: the fd source's, from the process's fd limit) */
  readonly maxOpen?: number;
  /** the fd source's syscall layer (default: plain open/pread/close), e.g. a limit cache (src/exporter/limit-cache.ts) */
  readonly ops?: FdOps;
}

/** The hierarchies `nsx top` walks: the one cgroup2 tree when unified, else the v1 ones of TOP_CONTROLLERS. */
export function topHierarchies(layout: CgroupLayout): Hierarchy[] {
  if (layout.kind === 'unified') return layout.hierarchies.filter((h) => h.version === 2);
  const out: Hierarchy[] = [];
  for (const c of TOP_CONTROLLERS) {
    const h = layout.hierarchies.find((x) => x.version === 1 && x.controllers.includes(c));
    if (h && !out.includes(h)) out.push(h);
  }
  return out;
}

/** The union of cgroup paths under `root` (to `depth` levels) across the top hierarchies, parents first. */
export function listTopPaths(paths: HostPaths, layout: CgroupLayout, root: string, depth: number | undefined, tol: Tolerance): string[] {
  return [...listTopTree(paths, layout, root, depth, tol).paths];
}

/** The cgroups under `root` per hierarchy (`byHierarchy`) and their union in walk order (`paths`). */
export function listTopTree(
  paths: HostPaths,
  layout: CgroupLayout,
  root: string,
  depth: number | undefined,
  tol: Tolerance,
  hierarchies: readonly Hierarchy[] = topHierarchies(layout),
): { paths: Set<string>; byHierarchy: Map<Hierarchy, Set<string>> } {
  const seen = new Set<string>();
  const byHierarchy = new Map<Hierarchy, Set<string>>();
  let found = false;
  for (const h of hierarchies) {
    let tree: CgroupNode;
    try {
      tree = walkCgroupTree(paths, layout, { view: h.version === 2 ? { kind: 'v2' } : { kind: 'v1', key: h.key }, root, depth, tolerance: tol });
    } catch (e) {
      if (e instanceof NotFoundError) continue;
      throw e;
    }
    found = true;
    const mine = new Set<string>();
    byHierarchy.set(h, mine);
    const visit = (n: CgroupNode) => {
      seen.add(n.path);
      mine.add(n.path);
      for (const c of n.children) visit(c);
    };
    visit(tree);
  }
  if (!found) throw new NotFoundError(`${root}: no such cgroup`, root);
  return { paths: seen, byHierarchy };
}

export interface Collector {
  /** Take one snapshot. */
  (): CgroupSnapshot;
  readonly layout: CgroupLayout;
  /** what the last sample could not read (vanished cgroups, denied files) */
  readonly tolerance: () => Tolerance;
  /** close the files kept open */
  readonly close: () => void;
}

/**
 * Sample every cgroup of `list` (those gone are counted in `t`; those `unread` says no read hierarchy holds are
 * bare samples). Kept apart from the collector so that the hot
 * per-cgroup code is compiled on its own, not again with each change elsewhere in a sample.
 */
function sampleAll(source: FdSource, plan: SamplePlan, list: readonly string[], t: Tolerance, unread?: (path: string) => boolean): CgroupSample[] {
  const cgroups: CgroupSample[] = [];
  for (const p of list) {
    const c = sampleCgroup(source, plan, p);
    if (c) cgroups.push(c);
    else if (unread?.(p)) cgroups.push({ path: p, inodes: {} });
    else t.gone++;
  }
  return cgroups;
}

/** Container, pod and machine identities of the sampled cgroups, by path. */
function identitiesOf(index: RuntimeIndex, cgroups: readonly CgroupSample[]): Record<string, Identity> {
  const identities: Record<string, Identity> = {};
  for (const c of cgroups) {
    const i = index.identify(c.path);
    if (i && i.kind !== 'unit' && i.kind !== 'slice') identities[c.path] = i;
  }
  return identities;
}

/** Re-list the tree at least every this many samples, even when nothing says it changed (renames). */
export const REWALK_EVERY = 60;

/**
 * What changes when cgroups are created or removed, per hierarchy: its `num_cgroups` in `/proc/cgroups` (v1)
 * or the root's `cgroup.stat` (nr_descendants, nr_dying_descendants; cgroup2). A removal followed by a
 * creation is noticed by the fd cache (stale fds) instead.
 */
export function treeSignatures(paths: HostPaths, layout: CgroupLayout, hs: readonly Hierarchy[]): Map<Hierarchy, string> {
  const out = new Map<Hierarchy, string>();
  const pcPath = join(paths.proc, 'cgroups');
  const pc = hs.some((h) => h.version === 1) ? wrap(undefined, pcPath, readWhole, 'gone') : undefined;
  const rows = pc === undefined ? [] : parseProcCgroups(pc, pcPath);
  for (const h of hs) {
    if (h.version === 2) out.set(h, wrap(undefined, join(cgroupDir(paths, h, h.mountRoot), 'cgroup.stat'), readWhole, 'gone') ?? '');
    else out.set(h, rows.filter((r) => r.hierarchy === h.id && h.id > 0).map((r) => r.numCgroups).join(',') || '?');
  }
  return out;
}

/** All hierarchies' signatures as one string (see treeSignatures). */
export function treeSignature(paths: HostPaths, layout: CgroupLayout): string {
  return [...treeSignatures(paths, layout, layout.hierarchies).values()].join('|');
}

/**
 * Make a collector for the sampler. Throws NotFoundError at once when `root` is not a cgroup. Keeps files
 * open between samples (src/sampler/fast-read.ts); `close()` releases them.
 */
export function makeCollector(o: CollectOptions): Collector {
  const layout = o.layout ?? readCgroupLayout(o.paths);
  const root = normalizeCgroupPath(o.root ?? '/');
  const groups = o.groups ?? ['cpu', 'memory', 'io', 'pids', 'psi'];
  const clock = o.clock ?? monotonicMs;
  const now = o.now ?? (() => new Date());
  const plan = planCgroupSample(layout, { groups, detail: o.detail ?? 'core', files: o.files, memoryStatKeys: o.detail === 'full' ? undefined : DERIVED_MEMORY_STAT_KEYS });
  const source = new FdSource(o.paths, plan, o.maxOpen, o.ops);
  const index = new RuntimeIndex(o.paths); // names from the runtimes' files, re-read when they change (issue 9)
  // the tree is listed in the hierarchies `top` walks and in those the plan reads (cgroup2 for PSI on hybrid)
  const walked = [...topHierarchies(layout)];
  // (with keepListed: those the groups would read whatever `files` says, so that the tree is the same)
  const treePlan = o.keepListed && o.files ? planCgroupSample(layout, { groups, detail: o.detail ?? 'core' }) : plan;
  for (const h of treePlan.hierarchies) if (!walked.includes(h)) walked.push(h);
  // the ancestors of the view's root take part in throttle attribution
  const ancestors: string[] = [];
  for (let p = parentPath(root); p !== undefined; p = parentPath(p)) ancestors.unshift(p);
  // fail early and clearly on a bad CGROUP argument
  listTopPaths(o.paths, layout, root, 0, new Tolerance());
  let tol = new Tolerance();
  let list: string[] | undefined;
  /** per hierarchy: its cgroups in view (walk order) and the signature they were listed at */
  const listed = new Map<Hierarchy, { paths: Set<string>; sig: string }>();
  let sinceWalk = 0;
  /** Re-list the `stale` hierarchies (all of them when `all`) and hand the listing to the fd source; the union. */
  const relist = (stale: Hierarchy[], sigs: Map<Hierarchy, string>, all: boolean, t: Tolerance): string[] => {
    let rootFound = false;
    for (const h of stale) {
      let mine = new Set<string>();
      try {
        mine = listTopTree(o.paths, layout, root, o.depth, t, [h]).byHierarchy.get(h) ?? mine;
        rootFound = true;
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
      listed.set(h, { paths: mine, sig: sigs.get(h)! });
    }
    if (!rootFound && ![...listed.values()].some((l) => l.paths.size)) t.gone++; // the view's root was removed: an empty sample
    // ancestors are read (for throttle attribution) in every hierarchy; parents come before children
    const byHierarchy = new Map<Hierarchy, string[]>();
    const union = new Set<string>(ancestors);
    for (const h of walked) {
      const mine = listed.get(h)?.paths ?? new Set<string>();
      if (stale.includes(h)) byHierarchy.set(h, [...ancestors, ...mine]);
      for (const p of mine) union.add(p);
    }
    if (all) sinceWalk = 0;
    source.setListing(byHierarchy, { refresh: all });
    return [...union];
  };
  const collect = (() => {
    const t = new Tolerance();
    source.tolerance = t;
    const mono = clock();
    const timestamp = now().toISOString();
    const sigs = treeSignatures(o.paths, layout, walked);
    const all = list === undefined || source.takeStale() || ++sinceWalk >= REWALK_EVERY;
    // re-list only the hierarchies that changed (a cgroup created or removed there)
    const stale = walked.filter((h) => all || listed.get(h)?.sig !== sigs.get(h));
    if (stale.length) list = relist(stale, sigs, all, t);
    // keepListed: a cgroup in none of the read hierarchies is a bare sample, not a vanished one
    const unread = o.keepListed ? (p: string) => !plan.hierarchies.some((h) => listed.get(h)?.paths.has(p)) : undefined;
    const cgroups = sampleAll(source, plan, list!, t, unread);
    tol = t;
    return { mono_ms: mono, timestamp, cgroups, layout: layout.kind, identities: identitiesOf(index, cgroups) };
  }) as unknown as Collector;
  Object.defineProperty(collect, 'layout', { value: layout });
  Object.defineProperty(collect, 'tolerance', { value: () => tol });
  Object.defineProperty(collect, 'close', { value: () => source.close() });
  return collect;
}
