/**
 * The `nsx ps` service: processes with their namespaces, cgroups and container identity.
 *
 * - `collectProcesses(o)`: the process table. Per process it reads `/proc/PID/stat` (times, RSS in pages, threads),
 *   `status` (user, NSpid), `cmdline`, `cgroup` and the 8 `ns/*` links. `ProcessCollector` does the same
 *   repeatedly for the dashboard and re-reads all but `stat` of a known process (same PID and start time) only every
 *   `refreshEvery` collections, so a 1 s refresh costs one file per process most of the time. RSS = stat rss ×
 *   the page size, learnt from the first process whose status VmRSS gives it (4096 until then).
 * - `readProcessDetail(paths, pid)`: one process in full (NSpid chain, the 8 namespaces with their holder counts,
 *   uid/gid maps, every hierarchy's cgroup with its limits and usage, the container, the root mount and its
 *   overlay layers).
 * Namespaces are compared with the reference namespaces: PID 1's, or kthreadd's (PID 2, always in the initial
 * namespaces) when PID 1's links cannot be read, or nsx's own as a last resort.
 */
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { readTextOrUndefined } from '../host/read.js';
import { Tolerance, classifyTolerable, type Incompleteness } from '../host/tolerance.js';
import { NotFoundError } from '../errors.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import { parseProcCgroup, type ProcCgroupEntry } from '../parse/proc-cgroup.js';
import { parseIdMap, type IdMapRange } from '../parse/id-map.js';
import type { MountinfoEntry } from '../parse/mountinfo.js';
import { readPids } from '../readers/procfs/pids.js';
import { readStat } from '../readers/procfs/stat.js';
import { readStatus } from '../readers/procfs/status.js';
import { readCmdline } from '../readers/procfs/cmdline.js';
import { readNsLinks } from '../readers/procfs/ns.js';
import { readMountinfo } from '../readers/procfs/mountinfo.js';
import { readNsfsMounts } from '../readers/nsfs/mounts.js';
import { readUserNames } from '../readers/etc/passwd.js';
import { readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { readCgroupStats } from '../readers/cgroupfs/stats.js';
import { NameCache, readNetnsNames } from '../readers/names/names.js';
import { identifyCgroupPaths, type Identity } from '../model/identity.js';
import { targetSelector } from '../model/container-target.js';
import { identityPathsOf } from '../readers/runtimes/running.js';
import type { CgroupLayout, CgroupStats, StatGroup } from '../model/cgroup.js';
import { groupNamespaces, type NamespaceRecord } from '../model/namespace.js';

/** USER_HZ: the unit of the times in /proc/PID/stat. */
export const USER_HZ = 100;

/** One row of the process table. Plain serialisable data; strings are raw (escape before printing). */
export interface PsProcess {
  readonly pid: number;
  readonly ppid?: number;
  /** effective UID */
  readonly uid?: number;
  readonly user?: string;
  readonly comm: string;
  /** argv; empty for kernel threads */
  readonly argv: readonly string[];
  /** argv joined with spaces, or `[comm]` when there is none (ps's convention) */
  readonly command: string;
  readonly state?: string;
  readonly threads?: number;
  readonly kernelThread: boolean;
  /** namespace inode per type */
  readonly ns: Readonly<Partial<Record<NsType, number>>>;
  /** PID in each nested pid namespace, outermost first (status NSpid) */
  readonly nspid?: readonly number[];
  /** every line of /proc/PID/cgroup */
  readonly cgroups: readonly ProcCgroupEntry[];
  /** the cgroup path shown for the process (see primaryCgroupPath) */
  readonly cgroup?: string;
  readonly container?: Identity;
  /** friendly container name from local metadata, when known */
  readonly containerName?: string;
  readonly utimeTicks?: number;
  readonly stimeTicks?: number;
  readonly starttimeTicks?: number;
  readonly rssBytes?: number;
}

export interface ProcessTable {
  /** monotonic milliseconds when the collection finished */
  readonly mono_ms: number;
  readonly procs: readonly PsProcess[];
  /** the reference namespaces (PID 1's, see the module comment) and whose they are */
  readonly reference: { readonly pid: number | 'self'; readonly ns: Readonly<Partial<Record<NsType, number>>> };
  readonly incomplete: boolean;
  readonly skipped: Incompleteness;
}

const PF_KTHREAD = 0x00200000;

/**
 * The path shown as a process's cgroup: the one whose container/unit identity is most specific; otherwise the
 * name=systemd path (as `nsx ls` shows), else the cgroup2 one, else the first; but never the root `/` when another
 * hierarchy places the process deeper (a v1 cpu cgroup of its own on a hybrid host).
 */
export function primaryCgroupPath(entries: readonly ProcCgroupEntry[], identity?: Identity): string | undefined {
  if (entries.length === 0) return undefined;
  if (identity) {
    const withId = entries.find((e) => stripNs(e.path).startsWith(identity.cgroup));
    if (withId) return withId.path;
  }
  const sd = entries.find((e) => e.name === 'systemd');
  const v2 = entries.find((e) => e.hierarchyId === 0);
  const first = sd ?? v2 ?? entries[0];
  if (first.path !== '/') return first.path;
  const order = (e: ProcCgroupEntry) => (e.controllers.includes('cpu') ? 0 : e.controllers.includes('memory') ? 1 : e.hierarchyId === 0 ? 2 : 3);
  const deeper = entries.filter((e) => e.path !== '/').sort((a, b) => order(a) - order(b))[0];
  return (deeper ?? first).path;
}

function stripNs(p: string): string {
  let s = p;
  while (s.startsWith('/..')) s = s.slice(3);
  return s === '' ? '/' : s;
}

/** Paths in preference order for identity: cgroup2 and name=systemd first, then the controllers. */
export function identityOf(entries: readonly ProcCgroupEntry[]): Identity | undefined {
  const pref = (e: ProcCgroupEntry) => (e.hierarchyId === 0 ? 0 : e.name === 'systemd' ? 1 : 2);
  return identifyCgroupPaths([...entries].sort((a, b) => pref(a) - pref(b)).map((e) => e.path));
}

interface Slow {
  readonly starttime?: number;
  readonly uid?: number;
  readonly nspid?: readonly number[];
  readonly argv: string[];
  readonly ns: Partial<Record<NsType, number>>;
  readonly cgroups: ProcCgroupEntry[];
  readonly container?: Identity;
  readonly containerName?: string;
  readonly cgroup?: string;
  age: number;
}

export interface CollectorOptions {
  readonly paths: HostPaths;
  /** re-read cmdline, namespaces and cgroups of a known process every this many collections (default 1 = always) */
  readonly refreshEvery?: number;
  /** only these PIDs (default: all) */
  readonly pids?: readonly number[];
  /** monotonic clock in ms (tests freeze it; default performance.now) */
  readonly clock?: () => number;
}

/** Collects the process table, repeatedly if asked (the dashboard keeps one collector). */
export class ProcessCollector {
  private readonly slow = new Map<number, Slow>();
  private users?: Map<number, string>;
  private readonly names: NameCache;
  private reference?: ProcessTable['reference'];
  /** bytes per page (stat's rss is in pages): learnt from status VmRSS; 4096 until then */
  private pageSize?: number;

  constructor(private readonly o: CollectorOptions) {
    this.names = new NameCache(o.paths);
  }

  collect(): ProcessTable {
    const { paths } = this.o;
    const every = Math.max(1, this.o.refreshEvery ?? 1);
    const tol = new Tolerance();
    this.users ??= readUserNames(paths);
    const pids = this.o.pids ?? readPids(paths);
    const procs: PsProcess[] = [];
    const seen = new Set<number>();
    for (const pid of pids) {
      try {
        const p = this.readOne(pid, every, tol);
        if (p) {
          procs.push(p);
          seen.add(pid);
        }
      } catch (e) {
        tol.absorb(e, join(paths.proc, String(pid)));
      }
    }
    for (const pid of this.slow.keys()) if (!seen.has(pid)) this.slow.delete(pid);
    if (!this.reference || this.reference.pid === 'self') this.reference = this.readReference(procs);
    return { mono_ms: (this.o.clock ?? (() => performance.now()))(), procs, reference: this.reference, incomplete: tol.incomplete, skipped: tol.toJSON() };
  }

  private readOne(pid: number, every: number, tol: Tolerance): PsProcess | undefined {
    const { paths } = this.o;
    const st = readStat(paths, pid);
    const kernelThread = st.flags !== undefined && (st.flags & PF_KTHREAD) !== 0;
    let slow = this.slow.get(pid);
    if (!slow || slow.starttime !== st.starttimeTicks || ++slow.age >= every) {
      const status = readStatus(paths, pid);
      // the page size, from the first process whose status VmRSS and stat rss describe the same pages
      if (this.pageSize === undefined && status.vmRssBytes && st.rssPages) {
        this.pageSize = 2 ** Math.round(Math.log2(status.vmRssBytes / st.rssPages));
      }
      const argv = kernelThread ? [] : readCmdline(paths, pid);
      let ns: Partial<Record<NsType, number>> = {};
      try {
        ns = readNsLinks(paths, pid, NS_TYPES);
      } catch (e) {
        // namespace links can be denied while the rest of the process is readable (PID 1 in some VMs)
        if (classifyTolerable(e) !== 'denied') throw e;
        tol.absorb(e, join(paths.proc, String(pid), 'ns'));
      }
      const cgText = readTextOrUndefined(join(paths.proc, String(pid), 'cgroup'));
      let cgroups: ProcCgroupEntry[] = [];
      if (cgText !== undefined) {
        try {
          cgroups = parseProcCgroup(cgText, join(paths.proc, String(pid), 'cgroup'));
        } catch {
          cgroups = []; // a malformed cgroup file hides the cgroup, not the process
        }
      }
      const container = this.names.index.locatePaths(identityPathsOf(cgroups)); // path forms + containerd tasks
      slow = {
        starttime: st.starttimeTicks,
        uid: status.uid?.effective,
        nspid: status.nspid,
        argv,
        ns,
        cgroups,
        container,
        containerName: this.names.nameOf(container),
        cgroup: primaryCgroupPath(cgroups, container),
        // spread the re-reads of known processes over the `every` ticks instead of all at once
        age: slow === undefined ? pid % every : 0,
      };
      this.slow.set(pid, slow);
    }
    const uid = slow.uid;
    return {
      pid,
      ppid: st.ppid,
      uid,
      user: uid === undefined ? undefined : this.users?.get(uid),
      comm: st.comm,
      argv: slow.argv,
      command: slow.argv.length ? slow.argv.join(' ') : `[${st.comm}]`,
      state: st.state,
      threads: st.numThreads,
      kernelThread,
      ns: slow.ns,
      nspid: slow.nspid,
      cgroups: slow.cgroups,
      cgroup: slow.cgroup,
      // names joined at every collection: a rename shows on the next refresh (issue 9)
      container: this.names.index.enrich(slow.container),
      containerName: this.names.nameOf(slow.container),
      utimeTicks: st.utimeTicks,
      stimeTicks: st.stimeTicks,
      starttimeTicks: st.starttimeTicks,
      rssBytes: kernelThread || st.rssPages === undefined ? undefined : st.rssPages * (this.pageSize ?? 4096),
    };
  }

  private readReference(procs: readonly PsProcess[]): ProcessTable['reference'] {
    for (const pid of [1, 2]) {
      const p = procs.find((x) => x.pid === pid);
      if (p && Object.keys(p.ns).length > 0) return { pid, ns: p.ns };
      try {
        const ns = readNsLinks(this.o.paths, pid, NS_TYPES);
        if (Object.keys(ns).length > 0) return { pid, ns };
      } catch {
        // not readable: try the next candidate
      }
    }
    const self = procs.find((x) => x.pid === process.pid);
    return { pid: 'self', ns: self?.ns ?? {} };
  }
}

/** The process table, once. */
export function collectProcesses(o: CollectorOptions): ProcessTable {
  return new ProcessCollector(o).collect();
}

export interface PsFilter {
  /** runtime:id, id prefix, short id, name, pod UID or unit (case-insensitive substring of the label or name) */
  readonly container?: string;
  /** processes whose cgroup (in any hierarchy) is this path or below it */
  readonly cgroup?: string;
  /** processes in the namespace with this inode */
  readonly ns?: number;
}

/** Does a process's container match a `--container` pattern? */
export function matchesContainer(p: PsProcess, pattern: string): boolean {
  const c = p.container;
  if (!c) return false;
  const q = pattern.toLowerCase();
  const hay = [c.label, c.id, c.shortId, c.podUid, c.unit, p.containerName, `${c.runtime}:${c.id}`].filter((s): s is string => !!s);
  return hay.some((h) => h.toLowerCase() === q || h.toLowerCase().startsWith(q) || (q.length >= 3 && h.toLowerCase().includes(q)));
}

/** Is `path` the cgroup `root` or below it? */
export function underCgroup(path: string, root: string): boolean {
  const r = root.length > 1 && root.endsWith('/') ? root.slice(0, -1) : root;
  return r === '/' || path === r || path.startsWith(r + '/');
}

/** Apply the `--container`, `--cgroup` and `--ns` filters (all must hold). Pure. */
export function filterProcesses(procs: readonly PsProcess[], f: PsFilter): PsProcess[] {
  // one resolver for every command (issue 9): exact name/id first, a unique prefix, ambiguity refused
  const inContainer = f.container === undefined ? undefined : targetSelector(f.container, procs.map((p) => p.container), 'nsx ps');
  return procs.filter(
    (p) =>
      (inContainer === undefined || inContainer(p.container)) &&
      (f.cgroup === undefined || p.cgroups.some((e) => underCgroup(e.path, f.cgroup!))) &&
      (f.ns === undefined || Object.values(p.ns).includes(f.ns)),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// One process in full

export interface PsNamespace {
  readonly type: NsType;
  readonly inode: number;
  /** same namespace as the reference process (PID 1) */
  readonly shared_with_init: boolean | null;
  /** number of processes in it */
  readonly nprocs: number;
  /** nsfs bind mounts holding it */
  readonly nsfs: readonly string[];
  /** `ip netns` names of a network namespace */
  readonly names?: readonly string[];
}

export interface PsCgroup {
  readonly hierarchy_id: number;
  readonly version: 1 | 2;
  readonly controllers: readonly string[];
  readonly name: string | null;
  readonly path: string;
  /** limits and current usage of this cgroup for the controllers of this hierarchy (null when unreadable) */
  readonly stats: CgroupStats | null;
}

export interface PsRootMount {
  readonly fstype: string;
  readonly source: string;
  readonly options: string;
  readonly lowerdir?: readonly string[];
  readonly upperdir?: string;
  readonly workdir?: string;
}

export interface PsDetail {
  readonly pid: number;
  readonly ppid: number | null;
  readonly comm: string;
  readonly command: readonly string[];
  readonly state: string | null;
  readonly uid: number | null;
  readonly user: string | null;
  readonly gid: number | null;
  readonly threads: number | null;
  readonly rss_bytes: number | null;
  readonly nspid: readonly number[] | null;
  readonly reference_pid: number | 'self';
  readonly namespaces: readonly PsNamespace[];
  readonly uid_map: readonly IdMapRange[] | null;
  readonly gid_map: readonly IdMapRange[] | null;
  readonly cgroups: readonly PsCgroup[];
  readonly container: (Identity & { readonly name?: string }) | null;
  readonly root_mount: PsRootMount | null;
}

/** Stat groups a hierarchy's controllers give (v2: all the root offers, plus pressure). */
function groupsFor(controllers: readonly string[], version: 1 | 2): StatGroup[] {
  const g = new Set<StatGroup>();
  for (const c of controllers) {
    if (c === 'cpu' || c === 'cpuacct') g.add('cpu');
    else if (c === 'memory') g.add('memory');
    else if (c === 'blkio' || c === 'io') g.add('io');
    else if (c === 'pids') g.add('pids');
    else if (c === 'cpuset') g.add('cpuset');
  }
  if (version === 2) g.add('psi');
  return [...g];
}

/** Split overlayfs options (`lowerdir=a:b,upperdir=…`), honouring `\:` and `\,` escapes. Pure. */
export function overlayLayers(superOptions: string): Pick<PsRootMount, 'lowerdir' | 'upperdir' | 'workdir'> {
  const opts = superOptions.split(/(?<!\\),/);
  const out: { lowerdir?: string[]; upperdir?: string; workdir?: string } = {};
  for (const o of opts) {
    const eq = o.indexOf('=');
    if (eq < 0) continue;
    const k = o.slice(0, eq);
    const v = o.slice(eq + 1);
    if (k === 'lowerdir') out.lowerdir = v.split(/(?<!\\):/).filter(Boolean).map((s) => s.replace(/\\([:,])/g, '$1'));
    else if (k === 'upperdir') out.upperdir = v.replace(/\\([:,])/g, '$1');
    else if (k === 'workdir') out.workdir = v.replace(/\\([:,])/g, '$1');
  }
  return out;
}

/** The mount at `/` of a mountinfo table (the last one mounted there wins) with its overlay layers. Pure. */
export function rootMountOf(entries: readonly MountinfoEntry[]): PsRootMount | null {
  let root: MountinfoEntry | undefined;
  for (const e of entries) if (e.mountPoint === '/') root = e;
  if (!root) return null;
  return {
    fstype: root.fsType,
    source: root.source,
    options: root.superOptions,
    ...(root.fsType === 'overlay' ? overlayLayers(root.superOptions) : {}),
  };
}

function readIdMap(paths: HostPaths, pid: number, name: 'uid_map' | 'gid_map'): IdMapRange[] | null {
  const p = join(paths.proc, String(pid), name);
  const t = readTextOrUndefined(p);
  return t === undefined ? null : parseIdMap(t, p);
}

export interface DetailContext {
  readonly table: ProcessTable;
  readonly namespaces: readonly NamespaceRecord[];
  readonly layout?: CgroupLayout;
  readonly netnsNames: ReadonlyMap<number, readonly string[]>;
  readonly nsfs: ReadonlyMap<number, readonly string[]>;
}

/** Read what the detail of any process needs once (all processes' namespaces, the layout, names). */
export function readDetailContext(paths: HostPaths, table?: ProcessTable): DetailContext {
  const t = table ?? collectProcesses({ paths });
  let layout: CgroupLayout | undefined;
  try {
    layout = readCgroupLayout(paths);
  } catch {
    layout = undefined; // no cgroup mounts: the detail shows paths without stats
  }
  const nsfs = new Map<number, string[]>();
  try {
    for (const m of readNsfsMounts(paths)) nsfs.set(m.inode, [...(nsfs.get(m.inode) ?? []), m.mountPoint]);
  } catch {
    // mountinfo unreadable: no nsfs holders shown
  }
  return { table: t, namespaces: groupNamespaces(t.procs), layout, netnsNames: readNetnsNames(paths), nsfs };
}

/** One process in full. NotFoundError when there is no such process. */
export function readProcessDetail(paths: HostPaths, pid: number, ctx: DetailContext = readDetailContext(paths)): PsDetail {
  let p = ctx.table.procs.find((x) => x.pid === pid);
  if (!p) {
    const one = collectProcesses({ paths, pids: [pid] });
    p = one.procs[0];
    if (!p) throw new NotFoundError(`${pid}: no such process`, join(paths.proc, String(pid)));
  }
  const status = readStatus(paths, pid);
  const byIno = new Map(ctx.namespaces.map((n) => [n.inode, n] as const));
  const ref = ctx.table.reference.ns;
  const namespaces: PsNamespace[] = [];
  for (const type of NS_TYPES) {
    const inode = p.ns[type];
    if (inode === undefined) continue;
    const names = type === 'net' ? ctx.netnsNames.get(inode) : undefined;
    namespaces.push({
      type,
      inode,
      shared_with_init: ref[type] === undefined ? null : ref[type] === inode,
      nprocs: byIno.get(inode)?.pids.length ?? 1,
      nsfs: ctx.nsfs.get(inode) ?? [],
      ...(names ? { names } : {}),
    });
  }
  const cgroups: PsCgroup[] = p.cgroups.map((e) => {
    const version: 1 | 2 = e.hierarchyId === 0 ? 2 : 1;
    const h = ctx.layout?.hierarchies.find((x) => (version === 2 ? x.version === 2 : x.version === 1 && (x.id === e.hierarchyId || (e.name !== undefined && x.name === e.name))));
    const controllers = version === 2 ? (h?.controllers ?? []) : e.controllers;
    let stats: CgroupStats | null = null;
    const groups = groupsFor(controllers, version);
    if (ctx.layout && h && groups.length && !e.path.startsWith('/..')) {
      try {
        stats = readCgroupStats(paths, ctx.layout, e.path, { groups, tolerance: new Tolerance() });
      } catch {
        stats = null; // the cgroup vanished or is outside our cgroup namespace
      }
    }
    return { hierarchy_id: e.hierarchyId, version, controllers: [...controllers], name: e.name ?? null, path: e.path, stats };
  });
  let root: PsRootMount | null = null;
  try {
    root = rootMountOf(readMountinfo(paths, pid));
  } catch {
    root = null; // mountinfo unreadable (kernel thread, vanished, denied)
  }
  const idmap = (n: 'uid_map' | 'gid_map') => {
    try {
      return readIdMap(paths, pid, n);
    } catch {
      return null;
    }
  };
  return {
    pid,
    ppid: p.ppid ?? null,
    comm: p.comm,
    command: p.argv,
    state: p.state ?? null,
    uid: p.uid ?? null,
    user: p.user ?? null,
    gid: status.gid?.effective ?? null,
    threads: p.threads ?? null,
    rss_bytes: p.rssBytes ?? null,
    nspid: p.nspid ?? null,
    reference_pid: ctx.table.reference.pid,
    namespaces,
    uid_map: idmap('uid_map'),
    gid_map: idmap('gid_map'),
    cgroups,
    container: p.container ?? null, // with runtime metadata joined (name, image, pod, compose)
    root_mount: root,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The service the command calls

export interface PsOptions {
  readonly paths: HostPaths;
  /** PIDs to show in full; empty → the table */
  readonly pids: readonly number[];
  readonly filter: PsFilter;
}

export type PsResult =
  | { readonly mode: 'table'; readonly table: ProcessTable; readonly rows: readonly PsProcess[] }
  | { readonly mode: 'detail'; readonly details: readonly PsDetail[] };

export function runPs(o: PsOptions): PsResult {
  if (o.pids.length === 0) {
    const table = collectProcesses({ paths: o.paths });
    return { mode: 'table', table, rows: filterProcesses(table.procs, o.filter) };
  }
  const ctx = readDetailContext(o.paths);
  return { mode: 'detail', details: o.pids.map((pid) => readProcessDetail(o.paths, pid, ctx)) };
}
