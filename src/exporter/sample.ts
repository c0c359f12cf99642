/**
 * The exporter's sample: everything one scrape's series are built from, read at once. Plain serialisable data.
 * The mapping to series is src/exporter/series.ts (pure); this module is the only one of the exporter that does
 * I/O, and it reads cgroups only through the cgroup model: the tree walk (src/readers/cgroupfs/tree.ts via
 * `listTopTree`), THE mapping `sampleCgroup` (src/readers/cgroupfs/sample.ts) over the fd-cached source
 * (src/sampler/fd-source.ts); identities through src/readers/runtimes.
 *
 *   makeSampler(o): ExporterSampler     — keeps the layout, open files and small caches (device names, identities)
 *   sampler.sample(): ExporterSample                 — at once (`--once`)
 *   await sampler.sampleAsync(): ExporterSample      — the same, in slices of a few ms that yield to the event loop
 *                                                      between them (the server: `/healthz` answers during a scrape)
 *
 * Partial samples: a file that cannot be read (EIO, EINVAL, … — not a vanished cgroup nor a denied file, which the
 * Tolerance counts) costs only its own values: the fd source reports it (`failures`), the sample goes on, and
 * `self.read_errors` counts it by reason (the errno; `parse` for a file that did not parse). The same holds for
 * the tree listing, the runtimes' files and the namespace reads: no single file fails a scrape.
 *
 * Which cgroups are read: the cgroups of the hierarchies that carry cpu, cpuacct, memory, blkio and pids (v1 and
 * hybrid: merged by path, as `nsx top` and cAdvisor's raw handler see them; v2: the one tree), to `--depth`, below
 * the include patterns' walk root; those the selector rejects are still read when they are an ancestor of a
 * selected one (effective limits and throttle attribution walk up the path), but get no series.
 */
import type { HostPaths } from '../host/paths.js';
import { Tolerance } from '../host/tolerance.js';
import { isNsxError } from '../errors.js';
import type { CgroupLayout, CgroupLayoutKind, Hierarchy } from '../model/cgroup.js';
import type { CgroupSample, StatGroup } from '../model/cgroup-sample.js';
import type { Identity } from '../model/identity.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import { walkCgroupTree } from '../readers/cgroupfs/tree.js';
import { RuntimeIndex } from '../readers/runtimes/index.js';
import { readPids } from '../readers/procfs/pids.js';
import { NamespaceCache } from './ns-cache.js';
import { LIMIT_FILES } from './limit-cache.js';
import { readBlockDeviceName } from '../readers/sysfs/block.js';
import { countFds } from '../readers/procfs/fds.js';
import { readNetDev } from '../readers/procfs/net-dev.js';
import { readNsLinks } from '../readers/procfs/ns.js';
import { parsePidList } from '../parse/cgroup-files.js';
import { wrap } from '../host/tolerance.js';
import { statSync } from 'node:fs';
import { readWholeLatin1 } from '../host/read.js';
import { cgroupDir } from '../readers/cgroupfs/layout.js';
import { listTopTree, REWALK_EVERY, topHierarchies, treeSignatures } from '../sampler/collect.js';
import { FdSource, KERNEL_BYTES_PER_OPEN_FILE, realFdOps, type FdOps } from '../sampler/fd-source.js';
import { DERIVED_MEMORY_STAT_KEYS, planCgroupSample, sampleCgroup } from '../readers/cgroupfs/sample.js';
import { readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { parentPath } from '../model/throttle.js';
import { makeSelector, walkPlanOf, type SelectOptions } from './select.js';
import type { NetDevice } from '../parse/net-dev.js';

// (no `procs`: members are read by the exporter itself, in the pids hierarchy and only where it holds tasks —
// `readMembers` below)
const GROUPS: readonly StatGroup[] = ['cpu', 'memory', 'io', 'pids', 'psi', 'cgroup'];
/**
 * The files the series need (v1 and v2 names; the mapping reads each from the hierarchy of its controller):
 * fewer files than the full plan is fewer syscalls per cgroup and scrape.
 */
export const EXPORTER_FILES: readonly string[] = [
  'cpu.stat', 'cpu.stat.local', 'cpu.max', 'cpu.weight', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares', 'cpuacct.usage', 'cpuacct.stat',
  'memory.current', 'memory.peak', 'memory.max', 'memory.swap.current', 'memory.stat', 'memory.events', 'memory.events.local',
  'memory.usage_in_bytes', 'memory.max_usage_in_bytes', 'memory.limit_in_bytes', 'memory.failcnt', 'memory.oom_control',
  'io.stat', 'blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes',
  'blkio.throttle.io_serviced_recursive', 'blkio.throttle.io_serviced',
  'pids.current', 'pids.max', 'cpu.pressure', 'memory.pressure', 'io.pressure',
  // v2 features (issue 23): the nsx_cgroup_pids_peak, _pressure_irq_…, _descendants and _dying_descendants series
  'pids.peak', 'irq.pressure', 'cgroup.stat',
];

/**
 * The memory.stat keys the series use (the derived working set, rss, cache, swap; mapped files; active/inactive
 * file; page faults, v1 own and total): parsing only these is cheaper.
 */
export const MEMORY_STAT_KEYS: readonly string[] = [
  ...DERIVED_MEMORY_STAT_KEYS, 'file_mapped', 'total_mapped_file', 'active_file', 'total_active_file',
  'pgfault', 'pgmajfault', 'total_pgfault', 'total_pgmajfault',
];

/** Names and Kubernetes coordinates of a container or pod, for the cAdvisor labels. */
export interface ExporterIdentity {
  /** runtime name (Docker/Podman/LXC name, nspawn machine), cAdvisor's `name` */
  readonly name?: string;
  readonly image?: string;
  /** Kubernetes pod name, namespace and container name */
  readonly pod?: string;
  readonly namespace?: string;
  readonly container?: string;
}

export interface ExporterCgroup {
  readonly path: string;
  /** limits and counters: the cgroup sample model (src/model/cgroup-sample.ts) */
  readonly stats: CgroupSample;
  /** gets series (false: read only as an ancestor of one that does) */
  readonly selected: boolean;
  readonly identity?: Identity;
  readonly names?: ExporterIdentity;
  /** when it was created: the earliest mtime of its directories, whole seconds since the epoch (cAdvisor's raw handler) */
  readonly start_time_s?: number;
  /**
   * its processes: the lines of its `cgroup.procs` in the members' hierarchy (`membersHierarchy`: the one with
   * the pids controller, else cpu's; cgroup2 when unified), for selected cgroups; undefined when that hierarchy
   * does not hold it
   */
  readonly processes?: number;
  /** open file descriptors of its processes (`/proc/PID/fd` of each PID in its cgroup.procs) */
  readonly fds?: number;
  /** the interfaces of its network namespace (`/proc/PID/net/dev`), when this cgroup carries that namespace's series */
  readonly net?: readonly NetDevice[];
}

export interface NamespaceSummary {
  /** distinct namespaces per type among all processes */
  readonly counts: Partial<Record<NsType, number>>;
  /** per container cgroup path: the namespace types it shares with PID 1 */
  readonly sharedWithHost: Record<string, NsType[]>;
}

/** The exporter's own state (`nsx_exporter_*`). */
export interface ExporterSelf {
  /** cgroup files kept open between samples, and the budget (`--max-open-files`, lowered by the fd limit) */
  readonly open_files: number;
  readonly max_open_files: number;
  /** estimated kernel memory those open files pin (KERNEL_BYTES_PER_OPEN_FILE each) */
  readonly open_files_kernel_bytes: number;
  /** failed reads since the start, by reason (the errno, or `parse`): a counter */
  readonly read_errors: Readonly<Record<string, number>>;
}

export interface ExporterSample {
  /** monotonic clock (ms) when the sample was taken */
  readonly mono_ms: number;
  readonly layout: CgroupLayoutKind;
  readonly cgroups: readonly ExporterCgroup[];
  /** `MAJ:MIN` → `/dev/NAME` for the devices in IO counters */
  readonly devices: Record<string, string>;
  readonly namespaces?: NamespaceSummary;
  /** what could not be read: vanished objects and denied files */
  readonly gone: number;
  readonly denied: readonly string[];
  /** how long reading took (ms) */
  readonly read_ms: number;
  /** the wall clock at the sample, whole seconds since the epoch (container_last_seen) */
  readonly wall_s?: number;
  /** the exporter's own state */
  readonly self?: ExporterSelf;
}

export interface SamplerOptions extends SelectOptions {
  readonly paths: HostPaths;
  readonly layout?: CgroupLayout;
  /** read namespace counts and host sharing (default true) */
  readonly namespaces?: boolean;
  /** re-read namespaces at most this often (ms; default 60 s): they change rarely and cost one readlink per process and type */
  readonly namespacesMaxAgeMs?: number;
  /** re-read limit files (quota, period, shares/weight, memory limit, pids.max) at most this often (ms; default 0: every sample) */
  readonly limitsMaxAgeMs?: number;
  /** keep at most this many cgroup files open between samples (default DEFAULT_MAX_OPEN_FILES) */
  readonly maxOpenFiles?: number;
  /** monotonic clock (tests freeze it) */
  readonly clock?: () => number;
  /** wall clock, ms since the epoch (tests freeze it; default Date.now) */
  readonly wallClock?: () => number;
  /** the fd source's syscall layer (tests inject failures) */
  readonly fdOps?: FdOps;
  /** sampleAsync yields to the event loop after this much work (ms; default 5) */
  readonly sliceMs?: number;
}

/**
 * Cgroup files kept open by default: ≈ 4.5 MB of kernel memory at most (KERNEL_BYTES_PER_OPEN_FILE each). A kept
 * file saves ≈ 4 µs per scrape (pread against openat/read/close relative to its directory, in the batch) and pins
 * 4.4 KB that no memory limit can reclaim; at a scrape every 15 s, memory is the dearer of the two: 8,192 kept
 * files (round 5's default) pinned 35 MB of a DaemonSet's 250 MB at 10,000 cgroups to save 33 ms per scrape
 * (2 millicores). The other files are read by open/read/close; their dentries stay reclaimable.
 */
export const DEFAULT_MAX_OPEN_FILES = 1024;
/**
 * The most cgroup files one batched read takes (FdSourceOptions.batchMaxItems): a sample is read in windows of this
 * many files, one window's bytes in memory at a time (≈ 0.5–5 MB; the whole sample at once was ≈ 40 MB at 10,000
 * cgroups, more than a DaemonSet's 256Mi left room for).
 */
export const EXPORTER_BATCH_MAX_ITEMS = 4096;

export interface ExporterSampler {
  readonly layout: CgroupLayout;
  /** one sample, at once */
  sample(): ExporterSample;
  /**
   * One sample, read in slices that yield to the event loop (every `sliceMs` of work), so that a server answers
   * other requests meanwhile. Calls made while one is running share its result; `sample()` must not be called then.
   */
  sampleAsync(): Promise<ExporterSample>;
  /** release the files kept open */
  close(): void;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

type Tree = ReturnType<typeof listTopTree>;

/** Drive a sampling generator to its end at once. */
function runSync<T>(g: Generator<void, T>): T {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/** Drive a sampling generator, yielding to the event loop (setImmediate) once `sliceMs` of work went by. */
async function runSliced<T>(g: Generator<void, T>, sliceMs: number): Promise<T> {
  let t0 = performance.now();
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    if (performance.now() - t0 >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      t0 = performance.now();
    }
  }
}

/**
 * The sampler, built like `nsx top`'s collector (src/sampler/collect.ts) from the cgroup model's parts: the tree
 * listed by the cgroup walk only when it may have changed (`treeSignatures` of the hierarchies walked, stale fds, every REWALK_EVERY
 * samples), the selection applied at listing time (so `--include`, `--exclude`, `--depth` and `--containers-only`
 * cut the reading as well as the series), and every cgroup read by the one mapping (`sampleCgroup`) over the fd
 * source (`FdSource`: counters through kept files within `--max-open-files`, the rest by open/read/close; limits
 * at most every `--limits-max-age`), in the hierarchies that hold it. Then identities (src/readers/runtimes,
 * metadata re-checked at most every 5 s), device names and namespaces.
 */
export function makeSampler(o: SamplerOptions): ExporterSampler {
  const clock = o.clock ?? monotonicMs;
  const layout = o.layout ?? readCgroupLayout(o.paths);
  const plan = planCgroupSample(layout, { groups: GROUPS, detail: 'full', files: EXPORTER_FILES, memoryStatKeys: MEMORY_STAT_KEYS });
  // failed reads by reason, since the start (a counter)
  const readErrors = new Map<string, number>();
  const failed = (reason: string) => readErrors.set(reason, (readErrors.get(reason) ?? 0) + 1);
  // counters read at every sample through kept files (within the budget); limits kept up to limitsMaxAgeMs
  const source = new FdSource(o.paths, plan, o.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES, o.fdOps ?? realFdOps, {
    aged: { files: LIMIT_FILES, maxAgeMs: o.limitsMaxAgeMs ?? 0 },
    failures: (reason) => failed(reason),
    // batched reads in windows of files (bounded memory at any tree size)
    batchMaxItems: EXPORTER_BATCH_MAX_ITEMS,
    // v1 hierarchical counters of a cgroup whose parent's did not move: from their last text (fd-source.ts), each
    // read for real at least every --limits-max-age (0: everything read at every sample)
    parentGate: { maxAgeMs: o.limitsMaxAgeMs ?? 0 },
  });
  const walked = [...topHierarchies(layout)];
  for (const h of plan.hierarchies) if (!walked.includes(h)) walked.push(h);
  const select = makeSelector(o);
  const devices = new Map<string, string | undefined>();
  const runtimes = new RuntimeIndex(o.paths, { recheckMs: 5000, now: clock });
  let ns: { at: number; summary: NamespaceSummary } | undefined;
  // links of processes seen unchanged at two refreshes are not read again (ns-cache.ts)
  const nsCache = new NamespaceCache();
  const procsH = membersHierarchy(plan);
  /** this sample's members of the selected cgroups (their PIDs), for their fds and network (processExtras) */
  let members = new Map<string, number[]>();
  let list: { path: string; selected: boolean }[] | undefined;
  // the walk starts below the include patterns' common directory; its ancestors are read for limits and attribution
  const { root: walkRoot, child: childFilter } = walkPlanOf(o.include);
  const ancestors: string[] = [];
  for (let a = parentPath(walkRoot); a !== undefined; a = parentPath(a)) ancestors.unshift(a);
  const depthBelowRoot = o.depth === undefined ? undefined : o.depth - (walkRoot === '/' ? 0 : walkRoot.split('/').length - 1);
  let signature: string | undefined;
  let sinceWalk = 0;
  const sliceMs = o.sliceMs ?? 5;

  /** An NsxError of one file or directory: counted by reason; anything else (a bug) propagates. */
  const absorb = (e: unknown): void => {
    if (!isNsxError(e)) throw e;
    failed(e.errno ?? e.kind);
  };

  /** `root`'s subtree (to `depth`) in hierarchy `h` into `out`; false when `h` does not hold `root`. */
  const listInto = (out: Tree, h: Hierarchy, root: string, depth: number | undefined, tol: Tolerance): boolean => {
    const sub = wrap(undefined, root, () => listTopTree(o.paths, layout, root, depth, tol, [h]), 'gone');
    if (sub === undefined) return false;
    for (const p of sub.paths) out.paths.add(p);
    let mine = out.byHierarchy.get(h);
    if (!mine) out.byHierarchy.set(h, (mine = new Set()));
    for (const p of sub.byHierarchy.get(h) ?? []) mine.add(p);
    return true;
  };

  /**
   * The tree below the walk root, one hierarchy (and with a child filter, one matching child's subtree) at a
   * time; with a child filter, the root and its matching children's subtrees only. Undefined when no hierarchy
   * holds the walk root.
   */
  function* listTree(tol: Tolerance): Generator<void, Tree | undefined> {
    const out: Tree = { paths: new Set(), byHierarchy: new Map() };
    let found = false;
    for (const h of walked) {
      if (!childFilter || depthBelowRoot === 0) {
        found = listInto(out, h, walkRoot, depthBelowRoot, tol) || found;
        yield;
        continue;
      }
      const top: Tree = { paths: new Set(), byHierarchy: new Map() };
      if (!listInto(top, h, walkRoot, 1, tol)) continue;
      found = true;
      out.paths.add(walkRoot);
      (out.byHierarchy.get(h) ?? out.byHierarchy.set(h, new Set()).get(h)!).add(walkRoot);
      const prefix = walkRoot === '/' ? '/' : walkRoot + '/';
      for (const c of top.paths) {
        if (c === walkRoot || !childFilter.test(c.slice(prefix.length))) continue;
        // removed since the top level was listed: gone
        if (!listInto(out, h, c, depthBelowRoot === undefined ? undefined : depthBelowRoot - 1, tol)) tol.gone++;
        yield;
      }
    }
    // the union in walk order: parents before children (the hierarchies' own orders merged)
    return found ? out : undefined;
  }

  /** List the tree and choose what to read: selected cgroups and their ancestors (limits and attribution walk up). */
  function* relist(tol: Tolerance): Generator<void, void> {
    let tree: Tree = { paths: new Set(), byHierarchy: new Map() };
    if (depthBelowRoot === undefined || depthBelowRoot >= 0) {
      const t = yield* listTree(tol);
      if (t) tree = t;
      else tol.gone++;
    }
    const selected = new Set<string>();
    const wanted = new Set<string>();
    for (const a of ancestors) for (const h of walked) tree.byHierarchy.get(h)?.add(a) ?? tree.byHierarchy.set(h, new Set([a]));
    // one string per cgroup path, whatever the hierarchy it was listed in (the walk makes one per hierarchy):
    // the fd source, the memo, the samples and the label sets all keep it
    const canon = new Map<string, string>();
    for (const p of list ?? []) canon.set(p.path, p.path);
    const intern = (p: string) => canon.get(p) ?? (canon.set(p, p), p);
    const all = [...ancestors, ...orderParentsFirst(tree.paths)].map(intern);
    for (const p of all) {
      if (!select(p, runtimes.identify(p))) continue;
      selected.add(p);
      for (let a: string | undefined = p; a !== undefined && !wanted.has(a); a = parentPath(a)) wanted.add(a);
    }
    const byHierarchy = new Map<Hierarchy, string[]>();
    for (const [h, ps] of tree.byHierarchy) byHierarchy.set(h, orderParentsFirst(ps).filter((p) => wanted.has(p)).map(intern));
    source.setListing(byHierarchy);
    list = all.filter((p) => wanted.has(p)).map((path) => ({ path, selected: selected.has(path) }));
    // start times of the selected cgroups listed for the first time (kept: a cgroup's creation does not change)
    const starts = new Map<string, number | null>();
    for (const { path, selected: sel } of list) {
      if (!sel) continue;
      let t = startTimes.get(path);
      if (t === undefined) {
        t = startTimeOf(path, byHierarchy, tol);
        yield;
      }
      starts.set(path, t);
    }
    startTimes = starts;
  }

  /** The earliest mtime of the cgroup's directories (cAdvisor's raw handler), whole seconds; null when unknown. */
  const startTimeOf = (path: string, byHierarchy: ReadonlyMap<Hierarchy, readonly string[]>, tol: Tolerance): number | null => {
    let low: number | undefined;
    for (const h of plan.hierarchies) {
      if (!listedIn(byHierarchy, h, path)) continue;
      const dir = cgroupDir(o.paths, h, path);
      const st = wrap(tol, dir, () => statSync(dir));
      if (st && (low === undefined || st.mtimeMs < low)) low = st.mtimeMs;
    }
    return low === undefined ? null : Math.floor(low / 1000);
  };
  /** per hierarchy, the paths listed in it (a set, for `listedIn`) */
  let listedSets = new WeakMap<readonly string[], Set<string>>();
  const listedIn = (byHierarchy: ReadonlyMap<Hierarchy, readonly string[]>, h: Hierarchy, path: string): boolean => {
    const l = byHierarchy.get(h);
    if (!l) return false;
    let set = listedSets.get(l);
    if (!set) listedSets.set(l, (set = new Set(l)));
    return set.has(path);
  };
  let startTimes = new Map<string, number | null>();

  /**
   * The PIDs in a cgroup's `cgroup.procs` in the members' hierarchy, or undefined when that hierarchy does not
   * hold it (or the file could not be read). Read only where the hierarchy holds tasks: in the pids hierarchy,
   * `pids.current` (read by the mapping this sample) counts every task of the cgroup and its descendants there,
   * so at 0 the list is empty without reading it — on a node most cgroups are pod and slice parents or idle,
   * and each list read is an open/read/close (≈ 10 µs, a dentry and inode charged to the exporter).
   */
  const readMembers = (path: string, stats: CgroupSample, tol: Tolerance): number[] | undefined => {
    if (!procsH || stats.inodes[procsH.key] === undefined) return undefined;
    if (procsH === plan.pids && stats.pids?.current === 0) return [];
    const file = `${cgroupDir(o.paths, procsH, path)}/cgroup.procs`;
    try {
      const text = wrap(tol, file, () => readWholeLatin1(file));
      return text === undefined ? undefined : parsePidList(text);
    } catch (e) {
      absorb(e);
      return undefined;
    }
  };
  const membersOf = (c: ExporterCgroup): number[] | undefined => members.get(c.path);

  /**
   * Per selected cgroup, what its processes hold: open fds (container_file_descriptors); and per network
   * namespace of a container (or the host's, for `/`), the interfaces of that namespace, on one cgroup: the pod's
   * sandbox when there is one, else the first container in it (cAdvisor reports a pod's network on its sandbox
   * only). A container in the host's network namespace carries none (the host's is `/`'s).
   */
  function* processExtras(cgroups: Mutable<ExporterCgroup>[], tol: Tolerance): Generator<void, void> {
    /** netns inode → the cgroup carrying it and the PID to read it from */
    const carriers = new Map<number, { cg: Mutable<ExporterCgroup>; pid: number }>();
    let hostNet: number | undefined;
    const netOf = (pid: number): number | undefined => {
      try {
        return wrap(tol, `${o.paths.proc}/${pid}/ns/net`, () => readNsLinks(o.paths, pid, ['net']).net);
      } catch (e) {
        absorb(e);
        return undefined;
      }
    };
    for (const c of cgroups) {
      if (!c.selected) continue;
      const pids = c.processes === undefined ? undefined : (membersOf(c) ?? []);
      if (pids !== undefined) {
        let fds: number | undefined = 0;
        for (const pid of pids) {
          let n: number | undefined;
          const denied = tol.denied.length;
          try {
            n = wrap(tol, `${o.paths.proc}/${pid}/fd`, () => countFds(o.paths, pid));
          } catch (e) {
            absorb(e);
          }
          // a process that exited meanwhile has no fds; one that cannot be read makes the sum unknown
          if (n === undefined && tol.denied.length > denied) fds = undefined;
          if (fds !== undefined) fds += n ?? 0;
        }
        if (fds !== undefined) c.fds = fds;
      }
      const isRoot = c.path === '/';
      const container = c.identity?.kind === 'container' && c.identity.cgroup === c.path;
      if (!isRoot && !container) continue;
      const pid = isRoot ? 1 : pids !== undefined && pids.length ? Math.min(...pids) : undefined;
      if (pid === undefined) continue;
      const ino = netOf(pid);
      if (ino === undefined) continue;
      if (isRoot) hostNet = ino;
      const had = carriers.get(ino);
      // `/` for the host's; a sandbox over a container that came first; else the first
      if (!had || isRoot || (c.identity?.kind === 'container' && c.identity.sandbox && !(had.cg.path === '/' || had.cg.identity?.sandbox))) carriers.set(ino, { cg: c, pid });
      yield;
    }
    if (hostNet === undefined) hostNet = netOf(1);
    for (const [ino, { cg, pid }] of carriers) {
      if (ino === hostNet && cg.path !== '/') continue;
      try {
        const net = wrap(tol, `${o.paths.proc}/${pid}/net/dev`, () => readNetDev(o.paths, pid));
        if (net !== undefined) cg.net = net;
      } catch (e) {
        absorb(e);
      }
      yield;
    }
  }

  function* steps(): Generator<void, ExporterSample> {
    const t0 = clock();
    const tol = new Tolerance();
    source.tolerance = tol;
    source.begin(t0);
    // only the hierarchies walked: cgroups made in others (freezer, devices, name=systemd…) change nothing here
    let sig: string | undefined;
    try {
      sig = [...treeSignatures(o.paths, layout, walked).values()].join('|');
    } catch (e) {
      absorb(e); // the tree is listed again (below) or kept as it was
    }
    if (list === undefined || sig !== signature || source.takeStale() || ++sinceWalk >= REWALK_EVERY) {
      try {
        yield* relist(tol);
        signature = sig;
      } catch (e) {
        absorb(e); // a directory that cannot be listed: the last listing stands (none at the start)
        list ??= [];
      }
      sinceWalk = 0;
      yield;
    }
    listedSets = new WeakMap();
    members = new Map();
    const cgroups: Mutable<ExporterCgroup>[] = [];
    for (const { path, selected } of list!) {
      let stats: CgroupSample | undefined;
      try {
        stats = sampleCgroup(source, plan, path);
      } catch (e) {
        absorb(e); // (the fd source reports its files' failures itself: this is a last resort)
        continue;
      }
      if (!stats) {
        tol.gone++;
        continue;
      }
      if (stats.errors) for (let i = 0; i < stats.errors.length; i++) failed('parse');
      for (const d of stats.io?.devices ?? []) {
        const k = `${d.major}:${d.minor}`;
        if (!devices.has(k)) devices.set(k, readBlockDeviceName(o.paths, d.major, d.minor));
      }
      const identity = runtimes.identify(path);
      const names = identity?.cgroup === path ? labelsOf(identity) : undefined;
      const cg: Mutable<ExporterCgroup> = { path, stats, selected, ...(identity ? { identity } : {}), ...(names ? { names } : {}) };
      if (selected) {
        const pids = readMembers(path, stats, tol);
        if (pids !== undefined) {
          cg.processes = pids.length;
          if (pids.length) members.set(path, pids);
        }
      }
      const start = selected ? startTimes.get(path) : undefined;
      if (start != null) cg.start_time_s = start;
      cgroups.push(cg);
      yield;
    }
    yield* processExtras(cgroups, tol);
    members = new Map(); // (not kept between samples)
    const now = clock();
    if (o.namespaces !== false && (!ns || now - ns.at > (o.namespacesMaxAgeMs ?? 60_000))) {
      const summary = yield* namespaceSummary(o.paths, layout, procsH, cgroups, tol, nsCache, absorb);
      ns = { at: now, summary };
    }
    const devs: Record<string, string> = {};
    for (const [k, v] of devices) if (v !== undefined) devs[k] = v;
    const errors: Record<string, number> = {};
    for (const [k, v] of readErrors) errors[k] = v;
    return {
      mono_ms: t0,
      layout: layout.kind,
      cgroups,
      devices: devs,
      ...(ns && o.namespaces !== false ? { namespaces: ns.summary } : {}),
      gone: tol.gone,
      denied: [...tol.denied],
      read_ms: clock() - t0,
      wall_s: Math.floor((o.wallClock ?? Date.now)() / 1000),
      self: {
        open_files: source.size,
        max_open_files: source.maxOpenFiles,
        open_files_kernel_bytes: source.size * KERNEL_BYTES_PER_OPEN_FILE,
        read_errors: errors,
      },
    };
  }

  let inflight: Promise<ExporterSample> | undefined;
  return {
    layout,
    close: () => source.close(),
    sample(): ExporterSample {
      if (inflight) throw new Error('nsx exporter: sample() called while sampleAsync() runs');
      return runSync(steps());
    },
    sampleAsync(): Promise<ExporterSample> {
      inflight ??= runSliced(steps(), sliceMs).finally(() => (inflight = undefined));
      return inflight;
    },
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Paths with every parent before its children (a hierarchy's walk order, or several merged). Pure. */
function orderParentsFirst(paths: Iterable<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    if (seen.has(p)) return;
    const parent = parentPath(p);
    if (parent !== undefined && all.has(parent)) add(parent);
    seen.add(p);
    out.push(p);
  };
  const all = new Set(paths);
  for (const p of all) add(p);
  return out;
}

/**
 * cAdvisor's identity labels from the identity record (kubelet's cAdvisor adds pod, namespace and container):
 * `name` = the runtime's container name, `image`; for Kubernetes `pod` and `namespace` (pod and container cgroups)
 * and `container` (the Kubernetes container name; none for the pod sandbox). Undefined when nothing is known.
 */
export function labelsOf(i: Identity): ExporterIdentity | undefined {
  if (i.kind !== 'container' && i.kind !== 'pod' && i.kind !== 'machine') return undefined;
  const k8s = i.pod !== undefined && (i.pod.name !== undefined || i.pod.namespace !== undefined);
  const out: { -readonly [K in keyof ExporterIdentity]: ExporterIdentity[K] } = {};
  if (i.kind !== 'pod' && i.name) out.name = i.name;
  if (i.image) out.image = i.image;
  if (k8s) {
    if (i.pod!.name) out.pod = i.pod!.name;
    if (i.pod!.namespace) out.namespace = i.pod!.namespace;
    if (i.kind === 'container' && !i.sandbox && i.name) out.container = i.name;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Namespaces per type among all processes (`/proc/PID/ns/*`), and for each container cgroup the types whose
 * namespace is PID 1's (a container with the host's network or PID namespace). Vanished processes are skipped;
 * a process whose links fail otherwise is left out and its error handed to `failed` (which rethrows what it
 * does not count). A generator: it yields between processes (the sampler's slices).
 */
export function* namespaceSummary(
  paths: HostPaths,
  layout: CgroupLayout,
  procsH: Hierarchy | undefined,
  cgroups: readonly ExporterCgroup[],
  tol: Tolerance,
  cache: NamespaceCache = new NamespaceCache(1),
  failed: (e: unknown) => void = (e) => {
    throw e;
  },
): Generator<void, NamespaceSummary> {
  cache.begin(paths);
  const sets = new Map<NsType, Set<number>>();
  for (const t of NS_TYPES) sets.set(t, new Set());
  let host: Partial<Record<NsType, number>> | undefined;
  let pids: number[] = [];
  try {
    pids = readPids(paths);
  } catch (e) {
    tol.absorb(e, paths.proc);
  }
  /** the links of a process, or undefined (vanished or denied: in `tol`; failed: handed to `failed`) */
  const linksOf = (pid: number) => {
    try {
      return cache.links(paths, pid);
    } catch (e) {
      try {
        tol.absorb(e, `${paths.proc}/${pid}/ns`);
      } catch (x) {
        failed(x);
      }
      return undefined;
    }
  };
  for (const pid of pids) {
    const links = linksOf(pid);
    if (links === undefined) continue;
    // the host's namespaces: PID 1's, or where PID 1's links cannot be read (some sandboxes deny even root),
    // kthreadd's (PID 2: kernel threads run in the initial namespaces)
    if (pid === 1 || (pid === 2 && host === undefined)) host = links;
    for (const t of NS_TYPES) if (links[t] !== undefined) sets.get(t)!.add(links[t]!);
    yield;
  }
  const counts: Partial<Record<NsType, number>> = {};
  for (const t of NS_TYPES) if (sets.get(t)!.size) counts[t] = sets.get(t)!.size;
  const sharedWithHost: Record<string, NsType[]> = {};
  if (host) {
    for (const c of cgroups) {
      if (!c.selected || !procsH || c.identity?.kind !== 'container' || c.identity.cgroup !== c.path || !c.processes) continue;
      let pid: number | undefined;
      try {
        pid = firstMember(paths, layout, procsH, c.path, tol);
      } catch (e) {
        failed(e);
      }
      if (pid === undefined) continue;
      const l = linksOf(pid);
      if (l !== undefined) sharedWithHost[c.path] = NS_TYPES.filter((t) => l[t] !== undefined && l[t] === host![t]);
      yield;
    }
  }
  cache.end();
  return { counts, sharedWithHost };
}

/** The lowest PID in `cgroup.procs` of one cgroup (the cgroup walk's members, depth 0), or undefined. */
function firstMember(paths: HostPaths, layout: CgroupLayout, h: Hierarchy, path: string, tol: Tolerance): number | undefined {
  const n = wrap(undefined, path, () => walkCgroupTree(paths, layout, { view: h.version === 2 ? { kind: 'v2' } : { kind: 'v1', key: h.key }, root: path, depth: 0, members: true, tolerance: tol }), 'gone');
  return n?.pids?.length ? Math.min(...n.pids) : undefined;
}

/**
 * Where the exporter counts a cgroup's processes (`container_processes`, and whose fds and network it reads):
 * the hierarchy with the pids controller, where `container_threads` (pids.current) is counted too — the two
 * counts from one hierarchy, and `pids.current` = 0 tells that the list is empty without reading it; without a
 * pids controller, the cpu hierarchy's (cAdvisor's choice; cgroup2 when unified). On v1 the hierarchies can place
 * a process differently (systemd with CPUAccounting off leaves services in the cpu hierarchy's root); container
 * runtimes place it at the same path in each.
 */
export function membersHierarchy(plan: { readonly pids?: Hierarchy; readonly procs?: Hierarchy }): Hierarchy | undefined {
  return plan.pids ?? plan.procs;
}
