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
 *   new CgroupListing(paths, hierarchy, root, depth?)                         (one hierarchy's subtree, kept
 *       current by re-listing only the directories that changed: see the class)
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
  /** give up (walkCgroupTreeWithin returns undefined) once more than this many cgroups were met */
  readonly limit?: number;
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

/** Thrown inside a walk that met more cgroups than its limit (caught by walkCgroupTreeWithin). */
class OverLimit {
  constructor(readonly met: number) {}
}

function walkHierarchy(dir: string, path: string, name: string, key: string, depthLeft: number, opts: WalkOptions, tol: Tolerance, inode?: number, leaf = false, met?: { n: number }): MutableNode {
  if (met && ++met.n > opts.limit!) throw new OverLimit(met.n);
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
    node.children.push(walkHierarchy(d, prefix + n, n, key, depthLeft - 1, opts, tol, undefined, depthLeft > 1 && isLeaf(d, tol), met));
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

/**
 * Walk the tree of a view from `root`, unless it holds more than `opts.limit` cgroups (counted in each hierarchy
 * of the view): then undefined, having stopped there. Throws NotFoundError when no hierarchy of the view has `root`.
 */
export function walkCgroupTreeWithin(paths: HostPaths, layout: CgroupLayout, opts: WalkOptions & { limit: number }): CgroupNode | undefined {
  try {
    return walkCgroupTree(paths, layout, opts);
  } catch (e) {
    if (e instanceof OverLimit) return undefined;
    throw e;
  }
}

/** Walk the tree of a view from `root`. Throws NotFoundError when no hierarchy of the view has `root`. */
export function walkCgroupTree(paths: HostPaths, layout: CgroupLayout, opts: WalkOptions): CgroupNode {
  const tol = opts.tolerance ?? new Tolerance();
  const hs = viewHierarchies(layout, opts.view);
  const met = opts.limit === undefined ? undefined : { n: 0 };
  let merged: MutableNode | undefined;
  for (const h of hs) {
    const root = opts.root ?? h.mountRoot;
    const dir = cgroupDir(paths, h, root);
    const st = wrap(undefined, dir, () => statSync(dir), 'gone');
    if (!st?.isDirectory()) continue;
    const ino = st.ino;
    const n = walkHierarchy(dir, root, baseName(root), h.key, opts.depth ?? Infinity, opts, tol, ino, false, met);
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

/* ------------------------------------------------------------------ incremental listing */

/** What a listing knows of one directory: its identity and link count when last looked at, its subdirectories. */
interface DirState {
  readonly ino: number;
  readonly nlink: number;
  /** subdirectory names, sorted; undefined below the depth limit (not listed) */
  names: string[] | undefined;
}

/** What one `reset` or `update` did. */
export interface ListingUpdate {
  /** the set of cgroups changed */
  readonly changed: boolean;
  /** cgroups that appeared and that went */
  readonly added: number;
  readonly removed: number;
  /** directories stat'ed, and re-listed (readdir) */
  readonly checked: number;
  readonly relisted: number;
  /** false when the root itself is gone */
  readonly found: boolean;
}

interface Work {
  checked: number;
  relisted: number;
  added: number;
  removed: number;
}

/**
 * One hierarchy's cgroups below `root` (to `depth` levels), kept current without walking the tree again
 * (issue 18, point 6). What the kernel gives, measured on 6.18 (test/truth/cgroups.test.ts):
 *   - a cgroup directory's link count is 2 + its subdirectories (kernfs, as tmpfs and ext4), so a child made or
 *     removed changes its parent's `st_nlink` at once;
 *   - kernfs does not touch a directory's mtime or ctime when a child is made or removed (only when the
 *     directory has had its attributes set), so mtime tells nothing;
 *   - a removed directory's path no longer stats, and one removed and made again under the same name has a new
 *     inode number;
 *   - cgroup2's `cgroup.stat` nr_descendants counts the live cgroups below a cgroup and changes at once; v1's
 *     `/proc/cgroups` num_cgroups counts a hierarchy's cgroups including dying ones, freed later (RCU, and a
 *     memory cgroup may stay dying while pages are charged to it), so it goes down late.
 * `update({ leaves: false })` stats the directories that have subdirectories (and the root) and re-lists
 * (readdir) only those whose link count changed, plus the parents of those gone or replaced; directories made
 * below are walked (new subtrees). That notices every cgroup made or removed except one made inside a leaf or a
 * leaf replaced under its old name; `update({ leaves: true })` stats every directory and notices those too. The
 * caller decides which, from cheap signals (see src/sampler/collect.ts). A file system whose directories do not
 * count their subdirectories (link count below 2, btrfs) is re-listed every time.
 */
export class CgroupListing {
  private readonly dirs = new Map<string, DirState>();
  private order: string[] | undefined;
  readonly root: string;

  constructor(
    private readonly paths: HostPaths,
    readonly hierarchy: Hierarchy,
    root: string,
    private readonly depth = Infinity,
  ) {
    this.root = root;
  }

  private dirOf(path: string): string {
    return cgroupDir(this.paths, this.hierarchy, path);
  }

  /** The cgroups known, parents first, sorted by name at each level (the order of walkCgroupTree). */
  list(): readonly string[] {
    if (this.order) return this.order;
    const out: string[] = [];
    const visit = (p: string) => {
      out.push(p);
      const names = this.dirs.get(p)?.names;
      if (!names) return;
      const prefix = p === '/' ? '/' : p + '/';
      for (const n of names) visit(prefix + n);
    };
    if (this.dirs.has(this.root)) visit(this.root);
    return (this.order = out);
  }

  has(path: string): boolean {
    return this.dirs.has(path);
  }

  get size(): number {
    return this.dirs.size;
  }

  private levelOf(path: string): number {
    if (path === this.root) return 0;
    const rel = this.root === '/' ? path : path.slice(this.root.length);
    let n = 0;
    for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) n++;
    return n;
  }

  /** readdir: the subdirectory names of `dir`, sorted; undefined when it cannot be listed (gone/denied). */
  private readNames(dir: string, tol: Tolerance): string[] | undefined {
    const entries = wrap(tol, dir, () => readdirSync(dir, { withFileTypes: true }));
    if (!entries) return undefined;
    const names: string[] = [];
    for (const e of entries) if (e.isDirectory()) names.push(e.name);
    return names.sort();
  }

  /** Walk a (new) subtree from `path`, whose stat is `st`. */
  private walk(path: string, st: { ino: number; nlink: number }, tol: Tolerance, w: Work): void {
    const state: DirState = { ino: st.ino, nlink: st.nlink, names: undefined };
    this.dirs.set(path, state);
    w.added++;
    if (this.levelOf(path) >= this.depth) return;
    // a leaf (link count 2) has no subdirectory: no readdir
    if (st.nlink === 2) {
      state.names = [];
      return;
    }
    const dir = this.dirOf(path);
    w.relisted++;
    const names = this.readNames(dir, tol) ?? [];
    state.names = [];
    const prefix = path === '/' ? '/' : path + '/';
    for (const n of names) {
      const cst = wrap(tol, dir + '/' + n, () => statSync(dir + '/' + n, { throwIfNoEntry: true }));
      w.checked++;
      if (!cst?.isDirectory()) continue;
      state.names.push(n);
      this.walk(prefix + n, cst, tol, w);
    }
  }

  private forget(path: string, w: Work): void {
    const st = this.dirs.get(path);
    if (!st) return;
    this.dirs.delete(path);
    w.removed++;
    const prefix = path === '/' ? '/' : path + '/';
    for (const n of st.names ?? []) this.forget(prefix + n, w);
  }

  /** List the whole subtree again. */
  reset(tol: Tolerance = new Tolerance()): ListingUpdate {
    const w: Work = { checked: 1, relisted: 0, added: 0, removed: this.dirs.size };
    this.dirs.clear();
    this.order = undefined;
    const dir = this.dirOf(this.root);
    const st = wrap(undefined, dir, () => statSync(dir), 'gone');
    if (!st?.isDirectory()) return { changed: true, found: false, ...w };
    this.walk(this.root, st, tol, w);
    return { changed: true, found: true, ...w };
  }

  /**
   * Bring the listing up to date: stat the known directories (with `leaves`, every one; else those with
   * subdirectories and the root), re-list those whose link count changed (or that do not count links) and the
   * parents of those gone or replaced (new inode), and walk what appeared.
   */
  update(tol: Tolerance = new Tolerance(), o: { leaves?: boolean } = {}): ListingUpdate {
    if (!this.dirs.has(this.root)) return this.reset(tol);
    const leaves = o.leaves ?? true;
    const w: Work = { checked: 0, relisted: 0, added: 0, removed: 0 };
    const dirty = new Map<string, { ino: number; nlink: number }>();
    const gone: string[] = [];
    for (const [path, state] of this.dirs) {
      if (!leaves && state.names !== undefined && state.names.length === 0 && path !== this.root) continue;
      const dir = this.dirOf(path);
      w.checked++;
      const st = wrap(undefined, dir, () => statSync(dir, { throwIfNoEntry: false }), 'gone');
      if (!st || !st.isDirectory() || st.ino !== state.ino) gone.push(path);
      else if (state.names !== undefined && (st.nlink !== state.nlink || st.nlink < 2)) dirty.set(path, st);
    }
    if (gone.length === 0 && dirty.size === 0) return { changed: false, found: true, ...w };
    if (gone.includes(this.root)) {
      const r = this.reset(tol);
      return { ...r, checked: r.checked + w.checked };
    }
    for (const path of gone) {
      if (!this.dirs.has(path)) continue; // inside a subtree already forgotten
      this.forget(path, w);
      const parent = path.slice(0, path.lastIndexOf('/')) || '/';
      const ps = this.dirs.get(parent);
      if (!ps?.names) continue;
      const name = path.slice(path.lastIndexOf('/') + 1);
      ps.names = ps.names.filter((n) => n !== name);
      // the parent is listed again: a directory made again under the old name is found there
      if (!dirty.has(parent)) {
        const dir = this.dirOf(parent);
        const st = wrap(undefined, dir, () => statSync(dir, { throwIfNoEntry: false }), 'gone');
        if (st) dirty.set(parent, st);
      }
    }
    for (const [path, st] of dirty) {
      const state = this.dirs.get(path);
      if (!state || state.names === undefined) continue; // forgotten meanwhile
      const dir = this.dirOf(path);
      w.relisted++;
      const names = this.readNames(dir, tol);
      if (names === undefined) continue; // gone since its stat: the next update sees it
      const cur: DirState = { ino: st.ino, nlink: st.nlink, names: [] };
      this.dirs.set(path, cur);
      const old = new Set(state.names);
      const prefix = path === '/' ? '/' : path + '/';
      for (const n of names) {
        if (old.has(n)) {
          cur.names!.push(n);
          continue;
        }
        const cst = wrap(tol, dir + '/' + n, () => statSync(dir + '/' + n, { throwIfNoEntry: true }));
        w.checked++;
        if (!cst?.isDirectory()) continue;
        cur.names!.push(n);
        this.walk(prefix + n, cst, tol, w);
      }
      const now = new Set(names);
      for (const n of state.names) if (!now.has(n)) this.forget(prefix + n, w);
    }
    const changed = w.added > 0 || w.removed > 0;
    if (changed) this.order = undefined;
    return { changed, found: true, ...w };
  }
}
