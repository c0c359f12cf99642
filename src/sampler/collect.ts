/**
 * The `nsx top` collector: one `TopSnapshot` of the cgroups in view, read through the cgroup model's readers
 * (src/readers/cgroupfs). A cgroup is a path merged across the hierarchies that carry the sampled controllers
 * (v1: cpu, cpuacct, memory, blkio, pids; v2: the one tree). Each sample re-lists the tree (cgroups come and
 * go), reads only the stat groups the visible columns need, plus `cpu.stat.local` for throttle attribution,
 * and stamps the sample with the monotonic clock. Cgroups that vanish mid-sample are skipped (Tolerance).
 */
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { readTextOrUndefined } from '../host/read.js';
import { Tolerance } from '../host/tolerance.js';
import { NotFoundError, ParseError } from '../errors.js';
import { parseFlatKeyed } from '../parse/cgroup-files.js';
import { hierarchyForController, normalizeCgroupPath, type CgroupLayout, type Hierarchy, type StatGroup } from '../model/cgroup.js';
import { readCgroupLayout, cgroupDir } from '../readers/cgroupfs/layout.js';
import { readCgroupStats } from '../readers/cgroupfs/stats.js';
import { walkCgroupTree } from '../readers/cgroupfs/tree.js';
import type { CgroupNode } from '../model/cgroup.js';
import type { TopCounters, TopSnapshot } from '../model/rates.js';
import { parentPath } from '../model/throttle.js';
import { toTopCounters } from './counters.js';
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
  /** monotonic clock in ms (tests freeze it) */
  readonly clock?: () => number;
  /** wall clock (tests freeze it) */
  readonly now?: () => Date;
  /** layout, when already read */
  readonly layout?: CgroupLayout;
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
  const seen = new Set<string>();
  let found = false;
  for (const h of topHierarchies(layout)) {
    let tree: CgroupNode;
    try {
      tree = walkCgroupTree(paths, layout, { view: h.version === 2 ? { kind: 'v2' } : { kind: 'v1', key: h.key }, root, depth, tolerance: tol });
    } catch (e) {
      if (e instanceof NotFoundError) continue;
      throw e;
    }
    found = true;
    const visit = (n: CgroupNode) => {
      seen.add(n.path);
      for (const c of n.children) visit(c);
    };
    visit(tree);
  }
  if (!found) throw new NotFoundError(`${root}: no such cgroup`, root);
  return [...seen];
}

/**
 * `cpu.stat.local` throttled time in µs (v2 `throttled_usec`; v1 `throttled_time` in ns), or undefined where
 * the kernel has no such file (before 6.8) or the cgroup has no cpu directory.
 */
export function readLocalThrottledUsec(paths: HostPaths, layout: CgroupLayout, cgroupPath: string, tol?: Tolerance): number | undefined {
  const h = hierarchyForController(layout, 'cpu');
  if (!h) return undefined;
  const file = join(cgroupDir(paths, h, cgroupPath), 'cpu.stat.local');
  let text: string | undefined;
  try {
    text = readTextOrUndefined(file);
  } catch (e) {
    if (!tol) throw e;
    tol.absorb(e, file);
    return undefined;
  }
  if (text === undefined) return undefined;
  try {
    const kv = parseFlatKeyed(text, file);
    if (kv.throttled_usec !== undefined) return kv.throttled_usec;
    if (kv.throttled_time !== undefined) return kv.throttled_time / 1000;
    return undefined;
  } catch (e) {
    if (e instanceof ParseError) return undefined;
    throw e;
  }
}

export interface Collector {
  /** Take one snapshot. */
  (): TopSnapshot;
  readonly layout: CgroupLayout;
  /** what the last sample could not read (vanished cgroups, denied files) */
  readonly tolerance: () => Tolerance;
}

/** Make a collector for the sampler. Throws NotFoundError at once when `root` is not a cgroup. */
export function makeCollector(o: CollectOptions): Collector {
  const layout = o.layout ?? readCgroupLayout(o.paths);
  const root = normalizeCgroupPath(o.root ?? '/');
  const groups = o.groups ?? (['cpu', 'memory', 'io', 'pids', 'psi'] as StatGroup[]);
  const clock = o.clock ?? monotonicMs;
  const now = o.now ?? (() => new Date());
  const wantLocal = groups.includes('cpu');
  // the ancestors of the view's root take part in throttle attribution
  const ancestors: string[] = [];
  for (let p = parentPath(root); p !== undefined; p = parentPath(p)) ancestors.push(p);
  let tol = new Tolerance();
  const readOne = (path: string, t: Tolerance): TopCounters | undefined => {
    try {
      const s = readCgroupStats(o.paths, layout, path, { groups, tolerance: t });
      return toTopCounters(s, wantLocal ? readLocalThrottledUsec(o.paths, layout, path, t) : undefined);
    } catch (e) {
      if (e instanceof NotFoundError) {
        t.gone++;
        return undefined;
      }
      t.absorb(e, path);
      return undefined;
    }
  };
  // fail early and clearly on a bad CGROUP argument
  listTopPaths(o.paths, layout, root, 0, new Tolerance());
  const collect = (() => {
    const t = new Tolerance();
    const mono = clock();
    const timestamp = now().toISOString();
    let inView: string[] = [];
    try {
      inView = listTopPaths(o.paths, layout, root, o.depth, t);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      t.gone++; // the view's root was removed: an empty sample, not a crash
    }
    const list = [...ancestors, ...inView];
    const cgroups: TopCounters[] = [];
    for (const p of list) {
      const c = readOne(p, t);
      if (c) cgroups.push(c);
    }
    tol = t;
    return { mono_ms: mono, timestamp, cgroups, layout: layout.kind };
  }) as unknown as Collector;
  Object.defineProperty(collect, 'layout', { value: layout });
  Object.defineProperty(collect, 'tolerance', { value: () => tol });
  return collect;
}
