/**
 * The cgroup model: plain serialisable types and pure functions. No I/O here.
 *
 * STABLE API (used by the sampler / `nsx top` / dashboard — do not change shapes, only add fields):
 *
 *   type CgroupLayoutKind = 'unified' | 'hybrid' | 'legacy' | 'none'
 *   interface CgroupLayout { kind, hierarchies: Hierarchy[], controllers: ControllerInfo[], unattached: string[] }
 *   interface Hierarchy { id, version, key, controllers, name?, mounts, mountRoot, numCgroups? }
 *   type CgroupView = { kind: 'v2' } | { kind: 'v1'; key: string } | { kind: 'merged' }
 *   The per-cgroup sample (CgroupSample, StatGroup, cgroupRecreated) is in ./cgroup-sample.ts.
 *
 * Readers (src/readers/cgroupfs/):
 *   readCgroupLayout(paths): CgroupLayout
 *   readCgroupSample(paths, layout, cgroupPath, { groups? }): CgroupSample   (sample.ts)
 *   walkCgroupTree(paths, layout, { view?, root?, depth?, members?, tolerance? }): CgroupNode
 *   listCgroupPaths(paths, layout, { view?, root?, tolerance? }): string[]
 *
 * Cgroup paths are always absolute within their hierarchy (`/`, `/docker/<id>`), as /proc/PID/cgroup shows them.
 */

/** `none`: no cgroup filesystem is mounted (a chroot, a capture without cgroupfs). */
export type CgroupLayoutKind = 'unified' | 'hybrid' | 'legacy' | 'none';

/* The values of a sample (limits, pressure) are defined with the sample (./cgroup-sample.ts), which this module
   builds on; they are re-exported here for the layout's users. */
import type { Limit } from './cgroup-sample.js';
export type { Limit, Pressure, PressureLine } from './cgroup-sample.js';

/** One mounted cgroup hierarchy (v1 hierarchy or the cgroup2 tree). */
export interface Hierarchy {
  /** Hierarchy id as in /proc/cgroups and /proc/PID/cgroup (0 for cgroup2; v1 named hierarchies get theirs from /proc/self/cgroup). */
  readonly id: number;
  readonly version: 1 | 2;
  /** Stable key: sorted controllers plus `name=x`; `''` for cgroup2 (see hierarchyKey in parse/proc-cgroup). */
  readonly key: string;
  /** Attached controllers (v1), or on v2 those available at the root (`cgroup.controllers`). */
  readonly controllers: string[];
  /** `name=` of a named v1 hierarchy (e.g. `systemd`). */
  readonly name?: string;
  /** Mount points as the host sees them (absolute); the first is the one read. */
  readonly mounts: string[];
  /** Which cgroup the first mount shows (mountinfo root field; `/` normally). */
  readonly mountRoot: string;
  /** Number of cgroups (from /proc/cgroups for v1; counted by the walk for v2 when known). */
  readonly numCgroups?: number;
}

/** One row of /proc/cgroups. */
export interface ControllerInfo {
  readonly name: string;
  /** 0 when not attached to any v1 hierarchy (available to cgroup2). */
  readonly hierarchy: number;
  readonly numCgroups: number;
  readonly enabled: boolean;
}

export interface CgroupLayout {
  readonly kind: CgroupLayoutKind;
  readonly hierarchies: Hierarchy[];
  /** /proc/cgroups rows (empty when the file is absent). */
  readonly controllers: ControllerInfo[];
  /**
   * Enabled controllers that the kernel knows but no mounted hierarchy has (hierarchy 0 in /proc/cgroups, not in
   * cgroup2's `cgroup.controllers`); when cgroup2 is mounted, the v1-only names it replaces without a controller
   * (cpuacct, blkio, devices, freezer, perf_event) are left out.
   */
  readonly unattached: string[];
}

/** Which tree to walk: the cgroup2 tree, one v1 hierarchy (by key), or all hierarchies merged by path. */
export type CgroupView = { readonly kind: 'v2' } | { readonly kind: 'v1'; readonly key: string } | { readonly kind: 'merged' };

/* The sample types live in ./cgroup-sample.ts; the old names stay as aliases for callers not yet migrated. */
export type { StatGroup, CgroupSample, CpuSample, MemorySample, IoSample, IoDevice, IoMax, PidsSample, PsiSample, CpusetSample, ProcsSample, KeyedInts, Int } from './cgroup-sample.js';
export { ALL_STAT_GROUPS, cgroupRecreated, toNumber } from './cgroup-sample.js';
/** @deprecated the one sample type is CgroupSample (src/model/cgroup-sample.ts) */
export type CgroupStats = import('./cgroup-sample.js').CgroupSample;
/** @deprecated use CpuSample */
export type CpuStats = import('./cgroup-sample.js').CpuSample;
/** @deprecated use MemorySample */
export type MemoryStats = import('./cgroup-sample.js').MemorySample;
/** @deprecated use IoSample */
export type IoStats = import('./cgroup-sample.js').IoSample;
/** @deprecated use PidsSample */
export type PidsStats = import('./cgroup-sample.js').PidsSample;
/** @deprecated use PsiSample */
export type PsiStats = import('./cgroup-sample.js').PsiSample;
/** @deprecated use CpusetSample */
export type CpusetStats = import('./cgroup-sample.js').CpusetSample;

/** One node of a walked tree. */
export interface CgroupNode {
  readonly path: string;
  /** last path component ('/' for the root) */
  readonly name: string;
  /** hierarchy keys that have this path (merged view); one entry otherwise */
  readonly hierarchies: string[];
  /** directory inode (first hierarchy) */
  readonly inode?: number;
  /** member PIDs (cgroup.procs), when members were requested; undefined otherwise */
  readonly pids?: number[];
  /** v2: cgroup.controllers / cgroup.subtree_control when requested */
  readonly controllers?: string[];
  readonly subtreeControl?: string[];
  readonly children: CgroupNode[];
}

/** CPU limit as a number of CPUs (quota/period), or 'max' / undefined. */
export function cpuLimitCpus(cpu: import('./cgroup-sample.js').CpuSample | undefined): Limit | undefined {
  if (!cpu || cpu.max_usec === undefined) return undefined;
  if (cpu.max_usec === 'max') return 'max';
  if (!cpu.period_usec) return undefined;
  return cpu.max_usec / cpu.period_usec;
}

/** Join a cgroup path with a child name. */
export function joinCgroupPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/** Normalise a user-supplied cgroup path: leading '/', no trailing '/', no empty or '.' components. Pure. */
export function normalizeCgroupPath(p: string): string {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  return '/' + parts.join('/');
}

/** The layout kind from which cgroup filesystems are mounted. */
export function layoutKind(hasV1: boolean, hasV2: boolean): CgroupLayoutKind {
  if (hasV1 && hasV2) return 'hybrid';
  if (hasV1) return 'legacy';
  return hasV2 ? 'unified' : 'none';
}

/** The default view: v2 when unified, else merged. */
export function defaultView(layout: CgroupLayout): CgroupView {
  return layout.kind === 'unified' ? { kind: 'v2' } : { kind: 'merged' };
}

/** The hierarchy of a view key ('' = cgroup2). */
export function hierarchyByKey(layout: CgroupLayout, key: string): Hierarchy | undefined {
  return layout.hierarchies.find((h) => h.key === key);
}

/** The hierarchy that carries a controller: a v1 hierarchy that has it, else cgroup2 (if mounted). */
export function hierarchyForController(layout: CgroupLayout, controller: string): Hierarchy | undefined {
  const v1 = layout.hierarchies.find((h) => h.version === 1 && h.controllers.includes(controller));
  if (v1) return v1;
  return layout.hierarchies.find((h) => h.version === 2);
}

/** Hierarchies a view spans. */
export function viewHierarchies(layout: CgroupLayout, view: CgroupView): Hierarchy[] {
  switch (view.kind) {
    case 'v2':
      return layout.hierarchies.filter((h) => h.version === 2);
    case 'v1':
      return layout.hierarchies.filter((h) => h.key === view.key);
    default:
      return layout.hierarchies;
  }
}

/** Path depth below `root` (`/a/b` under `/` → 2), or -1 when `path` is not `root` or below it. */
export function depthBelow(root: string, path: string): number {
  if (path === root) return 0;
  const prefix = root === '/' ? '/' : root + '/';
  if (!path.startsWith(prefix)) return -1;
  return path.slice(prefix.length).split('/').length;
}

/**
 * The tree of the cgroups that hold processes (and their ancestors up to `root`), built from a
 * path → PIDs membership map (see readMembershipFromProc). Paths above `root`, outside the cgroup
 * namespace (`/..`) or deeper than `depth` below it are left out. Pure.
 */
export function treeFromMembership(root: string, hierarchies: string[], membership: ReadonlyMap<string, readonly number[]>, depth = Infinity): CgroupNode {
  interface M { path: string; name: string; pids: number[]; children: Map<string, M> }
  const top: M = { path: root, name: root === '/' ? '/' : root.slice(root.lastIndexOf('/') + 1), pids: [], children: new Map() };
  for (const [path, pids] of membership) {
    const d = depthBelow(root, path);
    if (d < 0 || d > depth || path.includes('/..')) continue;
    let cur = top;
    if (d > 0) {
      const rel = path.slice(root === '/' ? 1 : root.length + 1).split('/');
      for (const part of rel) {
        let next = cur.children.get(part);
        if (!next) cur.children.set(part, (next = { path: joinCgroupPath(cur.path, part), name: part, pids: [], children: new Map() }));
        cur = next;
      }
    }
    cur.pids.push(...pids);
  }
  const freeze = (m: M): CgroupNode => ({
    path: m.path,
    name: m.name,
    hierarchies,
    pids: [...new Set(m.pids)].sort((a, b) => a - b),
    children: [...m.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(freeze),
  });
  return freeze(top);
}

/** A copy of a walked tree with member PIDs taken from a membership map (path → PIDs). Pure. */
export function withMembership(node: CgroupNode, membership: ReadonlyMap<string, readonly number[]>): CgroupNode {
  return { ...node, pids: [...(membership.get(node.path) ?? [])], children: node.children.map((c) => withMembership(c, membership)) };
}
