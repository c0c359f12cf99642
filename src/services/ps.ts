/**
 * The `nsx ps` service: processes with their namespaces, cgroups and container identity. It orchestrates; the
 * reading is in src/readers/procfs (process.ts: samples, cached between collections; cgroup.ts; id-map.ts), the
 * rows and rules in src/model (process.ts: `processRow`, the one mapping; process-cgroup.ts; process-filter.ts),
 * rendering in src/fields/ps.ts.
 *
 * - `ProcessCollector`: the process table, repeatedly if asked (the dashboard keeps one). Rows of processes
 *   whose sample did not change are the same objects as in the previous table. RSS = stat rss × the page size,
 *   learnt from the first process whose status VmRSS gives it (4096 until then).
 * - `readProcessDetail(paths, pid)`: one process in full (NSpid chain, the 8 namespaces with their holder counts,
 *   uid/gid maps, every hierarchy's cgroup with its limits and usage, the container, the root mount and its
 *   overlay layers).
 * Namespaces are compared with the reference namespaces: PID 1's, or kthreadd's (PID 2, always in the initial
 * namespaces) when PID 1's links cannot be read, or nsx's own as a last resort.
 */
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { Tolerance, classifyTolerable, wrap } from '../host/tolerance.js';
import { NotFoundError, ParseError } from '../errors.js';
import { NS_TYPES } from '../parse/nsid-link.js';
import { readNsLinks } from '../readers/procfs/ns.js';
import { readMountinfo } from '../readers/procfs/mountinfo.js';
import { readStatus } from '../readers/procfs/status.js';
import { readIdMap } from '../readers/procfs/id-map.js';
import { readUptime } from '../readers/procfs/uptime.js';
import { ProcessReader, readProcessSample } from '../readers/procfs/process.js';
import { readNsfsMounts } from '../readers/nsfs/mounts.js';
import { readUserNames } from '../readers/etc/passwd.js';
import { readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { readCgroupSample } from '../readers/cgroupfs/sample.js';
import { NameCache, readNetnsNames } from '../readers/names/names.js';
import type { CgroupLayout, CgroupStats, StatGroup } from '../model/cgroup.js';
import { groupNamespaces, type NamespaceRecord } from '../model/namespace.js';
import { hierarchyOf } from '../model/process-cgroup.js';
import { filterProcesses, type PsFilter } from '../model/process-filter.js';
import { moreSpecific, type Identity } from '../model/identity.js';
import type { ProcCgroupEntry } from '../parse/proc-cgroup.js';
import {
  locatedIdentity,
  primaryOf,
  processRow,
  withIdentity,
  rootMountOf,
  type RowContext,
  type ProcessReference,
  type ProcessSample,
  type ProcessTable,
  type PsCgroup,
  type PsDetail,
  type PsNamespace,
  type PsProcess,
  type PsRootMount,
} from '../model/process.js';

// What the views import from here today (types and rules live in src/model; these keep older imports working).
export type { ProcessTable, PsProcess, PsDetail, PsNamespace, PsCgroup, PsRootMount } from '../model/process.js';
export { USER_HZ, rootMountOf } from '../model/process.js';
export { overlayLayers } from '../parse/overlay.js';
export { primaryCgroupPath, cgroupIdentity as identityOf, withinCgroup as underCgroup } from '../model/process-cgroup.js';
export { filterProcesses, matchesContainer, type PsFilter } from '../model/process-filter.js';

export interface CollectorOptions {
  readonly paths: HostPaths;
  /** re-read cmdline, namespaces and cgroups of a known process every this many collections (default 1 = always) */
  readonly refreshEvery?: number;
  /** only these PIDs (default: all) */
  readonly pids?: readonly number[];
  /** monotonic clock in ms (tests freeze it; default performance.now) */
  readonly clock?: () => number;
  /** keep stat files open between collections (default: on a live host when refreshEvery > 1) */
  readonly keepOpen?: boolean;
  /** a single collection: keep nothing for a next one */
  readonly once?: boolean;
  /**
   * read /proc/PID/stat (default true); false for a single collection whose view shows none of its numbers (state,
   * parent, threads, times, RSS): those stay absent (src/readers/procfs/process.ts `stat`)
   */
  readonly stat?: boolean;
}

/**
 * "No identity", where an undefined one would be worked out again from the paths (processRow's and primaryOf's
 * defaults: ProcessCollector.collect knows it is none); never in a row. Its cgroup (a NUL) is no path's prefix.
 */
const NO_IDENTITY: Identity = Object.freeze({ runtime: 'systemd', kind: 'unit', id: '', shortId: '', label: '', ref: '', cgroup: '\0' });

/** Collects the process table, repeatedly if asked (the dashboard keeps one collector). */
export class ProcessCollector {
  private readonly reader: ProcessReader;
  private users?: Map<number, string>;
  private readonly names: NameCache;
  private reference?: ProcessReference;
  /** the row made from each sample object and its located identity, to reuse while the sample is unchanged */
  private rows = new WeakMap<ProcessSample, { row: PsProcess; located?: Identity }>();

  constructor(private readonly o: CollectorOptions) {
    this.names = new NameCache(o.paths);
    // a collector that re-reads slow parts only every N collections is a repeated one: keep stat files open
    const keepOpen = o.keepOpen ?? (o.paths.live && (o.refreshEvery ?? 1) > 1);
    this.reader = new ProcessReader({ paths: o.paths, refreshEvery: o.refreshEvery, pids: o.pids, keepOpen, once: o.once, stat: o.stat });
  }

  collect(): ProcessTable {
    const { paths } = this.o;
    const tol = new Tolerance();
    this.users ??= readUserNames(paths);
    const index = this.names.index;
    // container names are joined at every collection (a rename shows on the next refresh); the index memoises them
    const ctx: RowContext = {
      users: this.users,
      pageSize: this.reader.pageSize ?? 4096,
      locate: (p) => index.locatePaths(p),
      enrich: (id) => index.enrich(id),
      nameOf: (id) => this.names.nameOf(id),
    };
    // thousands of processes share a handful of cgroup files (one interned array per text: src/readers/procfs/
    // cgroup.ts) and paths, and so of identities: each path is located, each cgroup file's identity and primary
    // path found, and each identity's metadata joined, once per collection
    const byPath = new Map<string, Identity | null>();
    const byCgroups = new Map<readonly ProcCgroupEntry[], { located?: Identity; primary?: string }>();
    const joined = new Map<Identity | undefined, { container?: Identity; containerName?: string }>();
    const locateOne = (p: string): Identity | undefined => {
      let i = byPath.get(p);
      if (i === undefined) byPath.set(p, (i = index.locatePaths([p]) ?? null));
      return i ?? undefined;
    };
    const joinedOf = (id: Identity | undefined) => {
      let j = joined.get(id);
      if (!j) joined.set(id, (j = { container: ctx.enrich!(id), containerName: ctx.nameOf!(id) }));
      return j;
    };
    const once: RowContext = {
      ...ctx,
      // the same fold as index.locatePaths, over memoised answers per path
      locate: (paths) => paths.reduce<Identity | undefined>((best, p) => moreSpecific(best, locateOne(p)), undefined),
      enrich: (id) => joinedOf(id).container,
      nameOf: (id) => joinedOf(id).containerName,
    };
    // processRow works an identity given as undefined out again (its parameter's default): a process whose cgroups
    // name none is given NO_IDENTITY instead, which enrich and nameOf read as undefined (the row has no container)
    const rowCtx: RowContext = {
      ...once,
      enrich: (id) => joinedOf(id === NO_IDENTITY ? undefined : id).container,
      nameOf: (id) => joinedOf(id === NO_IDENTITY ? undefined : id).containerName,
    };
    const procs: PsProcess[] = [];
    const keep = !this.o.once;
    // each row as its sample is read: the rows are made while the batch reader's thread reads further
    this.reader.read(tol, (s) => {
      let e = keep ? this.rows.get(s) : undefined;
      if (!e) {
        let c = byCgroups.get(s.cgroups);
        if (!c) {
          const located = locatedIdentity(s, once);
          byCgroups.set(s.cgroups, (c = { located, primary: primaryOf(s.cgroups, located ?? NO_IDENTITY) }));
        }
        e = { row: processRow(s, rowCtx, c.located ?? NO_IDENTITY, c.primary), located: c.located };
        if (keep) this.rows.set(s, e);
      } else {
        e.row = withIdentity(e.row, e.located, once);
      }
      procs.push(e.row);
    });
    if (!this.reference || this.reference.pid === 'self') this.reference = this.readReference(procs);
    let uptime_s: number | undefined;
    try {
      uptime_s = readUptime(paths);
    } catch (e) {
      // a recorded host without /proc/uptime: CPU% since start stays absent
      if (!(e instanceof ParseError)) tol.absorb(e, join(paths.proc, 'uptime'));
    }
    return {
      mono_ms: (this.o.clock ?? (() => performance.now()))(),
      procs,
      reference: this.reference,
      incomplete: tol.incomplete,
      skipped: tol.toJSON(),
      ...(uptime_s !== undefined ? { uptime_s } : {}),
    };
  }

  /** Close what the collector keeps open. */
  close(): void {
    this.reader.close();
  }

  private readReference(procs: readonly PsProcess[]): ProcessReference {
    for (const pid of [1, 2]) {
      const p = procs.find((x) => x.pid === pid);
      if (p && Object.keys(p.ns).length > 0) return { pid, ns: p.ns };
      try {
        const ns = readNsLinks(this.o.paths, pid, NS_TYPES);
        if (Object.keys(ns).length > 0) return { pid, ns };
      } catch (e) {
        // not there or not readable: try the next candidate
        if (classifyTolerable(e) === undefined) throw e;
      }
    }
    const self = procs.find((x) => x.pid === process.pid);
    return { pid: 'self', ns: self?.ns ?? {} };
  }
}

/** The process table, once. */
export function collectProcesses(o: CollectorOptions): ProcessTable {
  return new ProcessCollector({ once: true, ...o }).collect();
}

// ---------------------------------------------------------------------------------------------------------------
// One process in full

/** Stat groups a hierarchy's controllers give (v2: all the root offers, plus pressure). */
export function groupsFor(controllers: readonly string[], version: 1 | 2): StatGroup[] {
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
  const tol = new Tolerance();
  let layout: CgroupLayout | undefined;
  try {
    layout = readCgroupLayout(paths);
  } catch (e) {
    // no cgroup mounts (or not readable): the detail shows paths without stats
    tol.absorb(e, join(paths.proc, 'self', 'mountinfo'));
  }
  const nsfs = new Map<number, string[]>();
  try {
    for (const m of readNsfsMounts(paths)) nsfs.set(m.inode, [...(nsfs.get(m.inode) ?? []), m.mountPoint]);
  } catch (e) {
    // mountinfo unreadable: no nsfs holders shown
    tol.absorb(e, join(paths.proc, 'self', 'mountinfo'));
  }
  return { table: t, namespaces: groupNamespaces(t.procs), layout, netnsNames: readNetnsNames(paths), nsfs };
}

/** One process in full. NotFoundError when there is no such process. */
export function readProcessDetail(paths: HostPaths, pid: number, ctx: DetailContext = readDetailContext(paths)): PsDetail {
  const tol = new Tolerance();
  const base = join(paths.proc, String(pid));
  let p = ctx.table.procs.find((x) => x.pid === pid);
  if (!p) {
    const s = readProcessSample(paths, pid, tol);
    if (!s) throw new NotFoundError(`${pid}: no such process`, base);
    const names = new NameCache(paths);
    p = processRow(s, { users: readUserNames(paths), pageSize: 4096, locate: (x) => names.index.locatePaths(x), enrich: (id) => names.index.enrich(id), nameOf: (id) => names.nameOf(id) });
  }
  const status = wrap(tol, join(base, 'status'), () => readStatus(paths, pid)) ?? null;
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
    const h = ctx.layout ? hierarchyOf(ctx.layout, e) : undefined;
    const controllers = version === 2 ? (h?.controllers ?? []) : e.controllers;
    let stats: CgroupStats | null = null;
    const groups = groupsFor(controllers, version);
    if (ctx.layout && h && groups.length && !e.path.startsWith('/..')) {
      // the cgroup vanished or is not ours to read: no stats
      stats = wrap(tol, e.path, () => readCgroupSample(paths, ctx.layout!, e.path, { groups, tolerance: new Tolerance() })) ?? null;
    }
    return { hierarchy_id: e.hierarchyId, version, controllers: [...controllers], name: e.name ?? null, path: e.path, stats };
  });
  // mountinfo unreadable (kernel thread, vanished, denied): no root mount
  const root: PsRootMount | null = wrap(tol, join(base, 'mountinfo'), () => rootMountOf(readMountinfo(paths, pid))) ?? null;
  return {
    pid,
    ppid: p.ppid ?? null,
    comm: p.comm,
    command: p.command,
    argv: p.argv,
    state: p.state ?? null,
    uid: p.uid ?? null,
    user: p.user ?? null,
    gid: status?.gid?.effective ?? null,
    threads: p.threads ?? null,
    rss_bytes: p.rssBytes ?? null,
    nspid: p.nspid ?? null,
    reference_pid: ctx.table.reference.pid,
    namespaces,
    uid_map: wrap(tol, join(base, 'uid_map'), () => readIdMap(paths, pid, 'uid_map')) ?? null,
    gid_map: wrap(tol, join(base, 'gid_map'), () => readIdMap(paths, pid, 'gid_map')) ?? null,
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
  /** the table's columns and sort keys need /proc/PID/stat (default true; see CollectorOptions.stat) */
  readonly stat?: boolean;
}

export type PsResult =
  | { readonly mode: 'table'; readonly table: ProcessTable; readonly rows: readonly PsProcess[] }
  | { readonly mode: 'detail'; readonly details: readonly PsDetail[] };

export function runPs(o: PsOptions): PsResult {
  // one pass over thousands of processes, then exit: V8's optimising compiler (its own thread) costs more CPU than
  // the code it makes saves here (`nsx ps` at 5,000 processes: ~30 ms of CPU less without it). node:v8 is loaded
  // only to say so (with the streams it needs, ~5 ms): not when Node was started with the flag
  if (!process.execArgv.includes('--no-opt')) process.getBuiltinModule('node:v8').setFlagsFromString('--no-opt');
  if (o.pids.length === 0) {
    // (a recorded host may lack comm files: stat is read there whatever the columns)
    const table = collectProcesses({ paths: o.paths, stat: o.stat !== false || !o.paths.live });
    return { mode: 'table', table, rows: filterProcesses(table.procs, o.filter) };
  }
  const ctx = readDetailContext(o.paths);
  return { mode: 'detail', details: o.pids.map((pid) => readProcessDetail(o.paths, pid, ctx)) };
}
