/**
 * The `nsx top` collector: one `CgroupSnapshot` of the cgroups in view — the tree listed by the cgroup walk
 * (src/readers/cgroupfs/tree.ts), each cgroup sampled by THE mapping (`sampleCgroup`,
 * src/readers/cgroupfs/sample.ts) over the fd-cached source (src/sampler/fd-source.ts). A cgroup is a path
 * merged across the hierarchies that carry the sampled controllers (v1: cpu, cpuacct, memory, blkio, pids; v2:
 * the one tree), read only in the hierarchies that hold it. The tree is walked once, then kept current without
 * walking it again (`CgroupListing.update()`: a stat of known directories, readdir only of those whose link count
 * changed), as far as the counts say (`treeCounts`; see `lookByCount` below), after a stale fd or a cgroup that
 * vanished while read (then at once, in the same sample), and every LOOK_ALL_EVERY (v1) and REWALK_EVERY samples;
 * each sample reads only the files the visible
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
import { CgroupListing, walkCgroupTree, type ListingUpdate } from '../readers/cgroupfs/tree.js';
import type { CgroupNode } from '../model/cgroup.js';
import type { CgroupSample, CgroupSnapshot } from '../model/cgroup-sample.js';
import { parentPath } from '../model/throttle.js';
import { DERIVED_MEMORY_STAT_KEYS, planCgroupSample, sampleCgroup, type SamplePlan } from '../readers/cgroupfs/sample.js';
import { parseFlatKeyed, parseProcCgroups } from '../parse/cgroup-files.js';
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
  /**
   * what keeping the tree current has cost so far: directories stat'ed and re-listed (readdir), incremental
   * updates and full walks (tests and benchmarks)
   */
  readonly work: () => { checked: number; relisted: number; updates: number; fullWalks: number };
}

/**
 * Sample every cgroup of `list` (those gone are counted in `t` and in `vanished`; those `unread` says no read
 * hierarchy holds are bare samples). Kept apart from the collector so that the hot
 * per-cgroup code is compiled on its own, not again with each change elsewhere in a sample.
 */
function sampleAll(source: FdSource, plan: SamplePlan, list: readonly string[], t: Tolerance, unread?: (path: string) => boolean): { cgroups: CgroupSample[]; vanished: number } {
  const cgroups: CgroupSample[] = [];
  let vanished = 0;
  for (const p of list) {
    const c = sampleCgroup(source, plan, p);
    if (c) cgroups.push(c);
    else if (unread?.(p)) cgroups.push({ path: p, inodes: {} });
    else vanished++;
  }
  t.gone += vanished;
  return { cgroups, vanished };
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

/** Look at the whole tree (a stat of each directory) at least every this many samples, even when nothing says it changed. */
export const REWALK_EVERY = 60;

/** v1: look at every directory (a stat each) at least every this many samples (see makeCollector's lookByCount). */
export const LOOK_ALL_EVERY = 10;

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

/**
 * The count a hierarchy's listing is checked against at each sample: cgroup2, `cgroup.stat` nr_descendants of
 * `root` (the live cgroups below it); v1, `/proc/cgroups` num_cgroups of the hierarchy (all of it, dying
 * cgroups included). Undefined when unknown.
 */
export function treeCounts(paths: HostPaths, layout: CgroupLayout, hs: readonly Hierarchy[], root: string): Map<Hierarchy, number | undefined> {
  const out = new Map<Hierarchy, number | undefined>();
  const pcPath = join(paths.proc, 'cgroups');
  const pc = hs.some((h) => h.version === 1) ? wrap(undefined, pcPath, readWhole, 'gone') : undefined;
  const rows = pc === undefined ? [] : parseProcCgroups(pc, pcPath);
  for (const h of hs) {
    if (h.version === 2) {
      const f = join(cgroupDir(paths, h, root), 'cgroup.stat');
      const text = wrap(undefined, f, readWhole, 'gone');
      out.set(h, text === undefined ? undefined : parseFlatKeyed(text, f).nr_descendants);
    } else out.set(h, rows.find((r) => r.hierarchy === h.id && h.id > 0)?.numCgroups);
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
  // names from the runtimes' files, re-read when they change (issue 9); timed by the sampler's monotonic clock:
  // the index's default, performance.now(), makes Node load perf_hooks (~10 ms of a first frame)
  const index = new RuntimeIndex(o.paths, { now: monotonicMs });
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
  /** per hierarchy: its cgroups in view, kept current by re-listing only what changed (CgroupListing) */
  const listings = new Map<Hierarchy, CgroupListing>();
  /** per hierarchy: its cgroup count at the last sample (see treeCounts) */
  const lastCount = new Map<Hierarchy, number | undefined>();
  let sinceWalk = 0;
  const work = { checked: 0, relisted: 0, updates: 0, fullWalks: 0 };
  /**
   * Bring the listings up to date (a full walk the first time, else `look`, which may skip a hierarchy) and hand
   * the changed ones to the fd source; the union in walk order, or undefined when nothing changed. `refresh`:
   * the periodic pass (gated files read again).
   */
  const relist = (look: (h: Hierarchy, l: CgroupListing) => ListingUpdate | undefined, refresh: boolean, t: Tolerance): string[] | undefined => {
    const changed: Hierarchy[] = [];
    for (const h of walked) {
      let l = listings.get(h);
      let u: ListingUpdate | undefined;
      if (!l) {
        listings.set(h, (l = new CgroupListing(o.paths, h, root, o.depth)));
        u = l.reset(t);
        work.fullWalks++;
      } else u = look(h, l);
      if (u) {
        work.checked += u.checked;
        work.relisted += u.relisted;
      }
      if (u?.changed || refresh) changed.push(h);
    }
    if (changed.length === 0 && list !== undefined) return undefined;
    if (![...listings.values()].some((l) => l.size)) t.gone++; // the view's root was removed: an empty sample
    // ancestors are read (for throttle attribution) in every hierarchy; parents come before children
    const byHierarchy = new Map<Hierarchy, string[]>();
    const union = new Set<string>(ancestors);
    for (const h of walked) {
      const mine = listings.get(h)?.list() ?? [];
      if (changed.includes(h)) byHierarchy.set(h, [...ancestors, ...mine]);
      for (const p of mine) union.add(p);
    }
    if (refresh) sinceWalk = 0;
    source.setListing(byHierarchy, { refresh });
    return [...union];
  };
  /** Every directory of every hierarchy. */
  const lookAll = (t: Tolerance) => (_h: Hierarchy, l: CgroupListing) => {
    work.updates++;
    return l.update(t, { leaves: true });
  };
  /**
   * What to look at in a hierarchy at a sample: the directories with subdirectories (a stat each; readdir where
   * one changed), then every directory when that does not account for the change of its count (treeCounts)
   * since the last sample: a cgroup made inside a leaf.
   *   cgroup2: nr_descendants below the view's root is exact and immediate, so the check is exact.
   *   v1: /proc/cgroups num_cgroups is the whole hierarchy's and counts dying cgroups, freed late (RCU; a memory
   *   cgroup stays while pages are charged to it): only a rise above what was found is sure to mean more, so
   *   every directory is also looked at every LOOK_ALL_EVERY samples. A cgroup made inside a leaf while as many
   *   dying ones were freed (the count did not rise) shows within LOOK_ALL_EVERY samples, any other at the next.
   * A leaf removed and made again under its name is caught when the old one's files vanish while read (see
   * collect), else at the periodic look.
   */
  const lookByCount = (counts: Map<Hierarchy, number | undefined>, t: Tolerance) => (h: Hierarchy, l: CgroupListing): ListingUpdate | undefined => {
    const now = counts.get(h);
    const before = lastCount.get(h);
    work.updates++;
    if (h.version === 1 && sinceWalk % LOOK_ALL_EVERY === 0) return l.update(t, { leaves: true });
    const u = l.update(t, { leaves: false });
    const explained = now === undefined || before === undefined ? true : h.version === 2 ? now - before === u.added - u.removed : now - before <= u.added;
    if (explained) return u;
    work.updates++;
    const v = l.update(t, { leaves: true });
    return { changed: u.changed || v.changed, found: v.found, added: u.added + v.added, removed: u.removed + v.removed, checked: u.checked + v.checked, relisted: u.relisted + v.relisted };
  };
  const collect = (() => {
    const t = new Tolerance();
    source.tolerance = t;
    const mono = clock();
    const timestamp = now().toISOString();
    const counts = treeCounts(o.paths, layout, walked, root);
    const refresh = list === undefined || ++sinceWalk >= REWALK_EVERY;
    // every directory periodically and after a stale fd (a removed cgroup); else as the counts say
    const stale = source.takeStale();
    const all = refresh || stale;
    list = relist(all ? lookAll(t) : lookByCount(counts, t), refresh, t) ?? list;
    for (const h of walked) lastCount.set(h, counts.get(h));
    // keepListed: a cgroup in none of the read hierarchies is a bare sample, not a vanished one
    const unread = o.keepListed ? (p: string) => !plan.hierarchies.some((h) => listings.get(h)?.has(p)) : undefined;
    source.begin(mono); // (the batch of this sample: src/sampler/fd-source.ts)
    const first = sampleAll(source, plan, list!, t, unread);
    let cgroups = first.cgroups;
    // a cgroup vanished while we read: the tree changed in a way the counts did not show (one removed, another
    // made): look again now, so that this sample already has the new ones
    if (first.vanished || source.takeStale()) {
      const before = new Set(list);
      const again = relist(lookAll(t), false, t);
      if (again) {
        list = again;
        const known = new Set(again);
        const added = again.filter((p) => !before.has(p));
        cgroups = cgroups.filter((c) => known.has(c.path));
        if (added.length) {
          const more = sampleAll(source, plan, added, t, unread).cgroups;
          const byPath = new Map([...cgroups, ...more].map((c) => [c.path, c]));
          cgroups = again.flatMap((p) => byPath.get(p) ?? []);
        }
      }
    }
    tol = t;
    return { mono_ms: mono, timestamp, cgroups, layout: layout.kind, identities: identitiesOf(index, cgroups) };
  }) as unknown as Collector;
  Object.defineProperty(collect, 'layout', { value: layout });
  Object.defineProperty(collect, 'tolerance', { value: () => tol });
  Object.defineProperty(collect, 'close', { value: () => source.close() });
  Object.defineProperty(collect, 'work', { value: () => ({ ...work }) });
  return collect;
}
