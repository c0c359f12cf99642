/**
 * The cgroup tree walk: readdir with file types from a cgroup's directory down, in one hierarchy (v2 or a
 * v1 hierarchy) or in all of them merged by path (a v1 host as users think of it: `/docker/<id>` is one
 * cgroup whatever the controller). Reads only what is asked: `cgroup.procs` when `members`, and
 * `cgroup.controllers`/`cgroup.subtree_control` when `controllers`. Cgroups removed mid-walk are skipped
 * through the Tolerance.
 *
 *   walkCgroupTree(paths, layout, { view, root?, depth?, members?, controllers?, tolerance? }): CgroupNode
 *   listCgroupPaths(paths, layout, { view, root?, tolerance? }): string[]      (pre-order, root first)
 *   countCgroups(paths, hierarchy, tolerance?): number                         (directories in the hierarchy)
 *   cgroupExists(paths, hierarchy, path): boolean
 *   estimateCgroupCount(paths, layout, hierarchies): number | undefined       (without walking)
 *   v2CgroupCount(paths, hierarchy): number | undefined                       (cgroup2 root's cgroup.stat)
 */
import { readdirSync, statSync } from 'node:fs';
import { readWhole } from '../../host/read.js';
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { Tolerance, wrap } from '../../host/tolerance.js';
import { NotFoundError, ParseError } from '../../errors.js';
import { parseFlatKeyed, parsePidList, parseWordList } from '../../parse/cgroup-files.js';
import { viewHierarchies, type CgroupLayout, type CgroupNode, type CgroupView, type Hierarchy } from '../../model/cgroup.js';
import { cgroupDir } from './layout.js';

export interface WalkOptions {
  readonly view: CgroupView;
  /** cgroup path to start from (default: the hierarchy root) */
  readonly root?: string;
  /** levels below the root to include (default: unlimited; 0 = the root only) */
  readonly depth?: number;
  /** read `cgroup.procs` of every cgroup */
  readonly members?: boolean;
  /** v2: read `cgroup.controllers` and `cgroup.subtree_control` */
  readonly controllers?: boolean;
  readonly tolerance?: Tolerance;
}

interface MutableNode {
  path: string;
  name: string;
  hierarchies: string[];
  inode?: number;
  pids?: number[];
  controllers?: string[];
  subtreeControl?: string[];
  children: MutableNode[];
}

function baseName(path: string): string {
  return path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1);
}

/** Read a small file of this cgroup; absent → undefined, gone/denied recorded (`wrap`), a broken file → undefined. */
function readSmall<T>(dir: string, file: string, parse: (t: string, s?: string) => T, tol: Tolerance): T | undefined {
  const p = join(dir, file);
  const t = wrap(tol, p, () => readWhole(p));
  if (t === undefined) return undefined;
  try {
    return parse(t, p);
  } catch (e) {
    if (e instanceof ParseError) return undefined; // a membership list that does not parse is no membership
    throw e;
  }
}

/**
 * Does this directory have no subdirectory? A directory's link count is 2 + its subdirectories on cgroupfs
 * (kernfs), tmpfs and ext4, so nlink 2 means a leaf and its readdir (30-odd control files on cgroupfs) can be
 * skipped; any other count (btrfs reports 1) means "look". Most cgroups are leaves.
 */
function isLeaf(dir: string, tol: Tolerance): boolean {
  const st = wrap(tol, dir, () => statSync(dir, { throwIfNoEntry: true }));
  return st === undefined || st.nlink === 2;
}

function walkHierarchy(dir: string, path: string, name: string, key: string, depthLeft: number, opts: WalkOptions, tol: Tolerance, inode?: number, leaf = false): MutableNode {
  const node: MutableNode = { path, name, hierarchies: [key], children: [] };
  if (inode !== undefined) node.inode = inode;
  if (opts.members) node.pids = readSmall(dir, 'cgroup.procs', parsePidList, tol) ?? [];
  if (opts.controllers && key === '') {
    node.controllers = readSmall(dir, 'cgroup.controllers', parseWordList, tol);
    node.subtreeControl = readSmall(dir, 'cgroup.subtree_control', parseWordList, tol);
  }
  if (depthLeft <= 0 || leaf) return node;
  const entries = wrap(tol, dir, () => readdirSync(dir, { withFileTypes: true }));
  if (!entries) return node;
  const names: string[] = [];
  for (const e of entries) if (e.isDirectory()) names.push(e.name);
  names.sort();
  // plain concatenation: `dir` is already normal and entry names hold no '/'
  const prefix = path === '/' ? '/' : path + '/';
  for (const n of names) {
    const d = dir + '/' + n;
    node.children.push(walkHierarchy(d, prefix + n, n, key, depthLeft - 1, opts, tol, undefined, depthLeft > 1 && isLeaf(d, tol)));
  }
  return node;
}

function mergeInto(a: MutableNode, b: MutableNode): void {
  a.hierarchies.push(...b.hierarchies);
  if (b.pids) a.pids = a.pids ? [...new Set([...a.pids, ...b.pids])].sort((x, y) => x - y) : b.pids;
  a.controllers ??= b.controllers;
  a.subtreeControl ??= b.subtreeControl;
  const mine = new Map(a.children.map((c) => [c.name, c]));
  for (const c of b.children) {
    const m = mine.get(c.name);
    if (m) mergeInto(m, c);
    else a.children.push(c);
  }
}

function freeze(n: MutableNode): CgroupNode {
  const children = n.children.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)).map(freeze);
  const out: { -readonly [K in keyof CgroupNode]: CgroupNode[K] } = { path: n.path, name: n.name, hierarchies: n.hierarchies, children };
  if (n.inode !== undefined) out.inode = n.inode;
  if (n.pids !== undefined) out.pids = n.pids;
  if (n.controllers !== undefined) out.controllers = n.controllers;
  if (n.subtreeControl !== undefined) out.subtreeControl = n.subtreeControl;
  return out;
}

/** Walk the tree of a view from `root`. Throws NotFoundError when no hierarchy of the view has `root`. */
export function walkCgroupTree(paths: HostPaths, layout: CgroupLayout, opts: WalkOptions): CgroupNode {
  const tol = opts.tolerance ?? new Tolerance();
  const hs = viewHierarchies(layout, opts.view);
  let merged: MutableNode | undefined;
  for (const h of hs) {
    const root = opts.root ?? h.mountRoot;
    const dir = cgroupDir(paths, h, root);
    const st = wrap(undefined, dir, () => statSync(dir), 'gone');
    if (!st?.isDirectory()) continue;
    const ino = st.ino;
    const n = walkHierarchy(dir, root, baseName(root), h.key, opts.depth ?? Infinity, opts, tol, ino);
    if (merged) mergeInto(merged, n);
    else merged = n;
  }
  if (!merged) {
    const what = opts.root ?? '/';
    throw new NotFoundError(`${what}: no such cgroup${hs.length === 0 ? ' (no cgroup hierarchy is mounted for this view)' : ''}`, what);
  }
  return freeze(merged);
}

/** All cgroup paths of a view below `root` (pre-order, sorted by name at each level). */
export function listCgroupPaths(paths: HostPaths, layout: CgroupLayout, opts: { view: CgroupView; root?: string; tolerance?: Tolerance }): string[] {
  const out: string[] = [];
  const visit = (n: CgroupNode) => {
    out.push(n.path);
    for (const c of n.children) visit(c);
  };
  visit(walkCgroupTree(paths, layout, { view: opts.view, root: opts.root, tolerance: opts.tolerance }));
  return out;
}

/** Number of cgroups (directories, the root included) in one hierarchy. */
export function countCgroups(paths: HostPaths, h: Hierarchy, tolerance: Tolerance = new Tolerance()): number {
  const count = (dir: string): number => {
    let n = 1;
    const entries = wrap(tolerance, dir, () => readdirSync(dir, { withFileTypes: true }));
    if (!entries) return 0;
    for (const e of entries) if (e.isDirectory()) n += count(join(dir, e.name));
    return n;
  };
  return count(cgroupDir(paths, h, h.mountRoot));
}

/** Is `path` a cgroup directory in `h`? (false when absent or outside this cgroup namespace) */
export function cgroupExists(paths: HostPaths, h: Hierarchy, path: string): boolean {
  if (path.split('/').some((c) => c === '..' || c === '.')) return false; // outside this cgroup namespace
  const dir = cgroupDir(paths, h, path);
  return wrap(undefined, dir, () => statSync(dir))?.isDirectory() ?? false;
}

/**
 * How many cgroups a walk of `hs` would visit, without walking: `cgroup.stat` nr_descendants + 1 at the
 * cgroup2 root, /proc/cgroups num_cgroups for v1; undefined when unknown (a named hierarchy such as
 * name=systemd has no /proc/cgroups row).
 */
export function estimateCgroupCount(paths: HostPaths, layout: CgroupLayout, hs: readonly Hierarchy[]): number | undefined {
  let est: number | undefined;
  for (const h of hs) {
    let n = h.numCgroups ?? (h.version === 2 ? v2CgroupCount(paths, h) : undefined);
    // a named v1 hierarchy (name=systemd) is in no /proc/cgroups row: its size is unknown. Borrowing a
    // controller's count badly under-estimates it (systemd mirrors every unit there), which made `cg tree`
    // read thousands of cgroup.procs where a few dozen /proc/PID/cgroup would do: leave it unknown.
    if (n === undefined && h.name === undefined) n = Math.max(0, ...layout.controllers.filter((c) => c.hierarchy > 0).map((c) => c.numCgroups)) || undefined;
    if (n !== undefined) est = (est ?? 0) + n;
  }
  return est;
}

/** cgroup2: live cgroups of the hierarchy from the root's `cgroup.stat` (nr_descendants + 1), without walking. */
export function v2CgroupCount(paths: HostPaths, h: Hierarchy): number | undefined {
  if (!cgroupExists(paths, h, h.mountRoot)) return undefined;
  const d = readSmall(cgroupDir(paths, h, h.mountRoot), 'cgroup.stat', parseFlatKeyed, new Tolerance());
  return d?.nr_descendants === undefined ? undefined : d.nr_descendants + 1;
}
