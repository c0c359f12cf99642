/**
 * The exporter's sample: everything one scrape's series are built from, read at once. Plain serialisable data.
 * The mapping to series is src/exporter/series.ts (pure); this module is the only one of the exporter that does
 * I/O, and it reads cgroups only through the cgroup model: the tree walk (src/readers/cgroupfs/tree.ts via
 * `listTopTree`), THE mapping `sampleCgroup` (src/readers/cgroupfs/sample.ts) over the fd-cached source
 * (src/sampler/fd-source.ts); identities through src/readers/runtimes.
 *
 *   makeSampler(o): ExporterSampler     — keeps the layout, open files and small caches (device names, identities)
 *   sampler.sample(): ExporterSample
 *
 * Which cgroups are read: the cgroups of the hierarchies that carry cpu, cpuacct, memory, blkio and pids (v1 and
 * hybrid: merged by path, as `nsx top` and cAdvisor's raw handler see them; v2: the one tree), to `--depth`, below
 * the include patterns' walk root; those the selector rejects are still read when they are an ancestor of a
 * selected one (effective limits and throttle attribution walk up the path), but get no series.
 */
import type { HostPaths } from '../host/paths.js';
import { Tolerance, wrap } from '../host/tolerance.js';
import type { CgroupLayout, CgroupLayoutKind, Hierarchy } from '../model/cgroup.js';
import type { CgroupSample, StatGroup } from '../model/cgroup-sample.js';
import type { Identity } from '../model/identity.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import { walkCgroupTree } from '../readers/cgroupfs/tree.js';
import { RuntimeIndex } from '../readers/runtimes/index.js';
import { readPids } from '../readers/procfs/pids.js';
import { NamespaceCache } from './ns-cache.js';
import { limitKeepingOps } from './limit-cache.js';
import { readBlockDeviceName } from '../readers/sysfs/block.js';
import { listTopTree, REWALK_EVERY, topHierarchies, treeSignatures } from '../sampler/collect.js';
import { FdSource } from '../sampler/fd-source.js';
import { DERIVED_MEMORY_STAT_KEYS, planCgroupSample, sampleCgroup } from '../readers/cgroupfs/sample.js';
import { readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { parentPath } from '../model/throttle.js';
import { makeSelector, walkPlanOf, type SelectOptions } from './select.js';

const GROUPS: readonly StatGroup[] = ['cpu', 'memory', 'io', 'pids', 'psi', 'procs'];
/**
 * The files the series need (v1 and v2 names; the mapping reads each from the hierarchy of its controller):
 * fewer files than the full plan is fewer syscalls per cgroup and scrape.
 */
export const EXPORTER_FILES: readonly string[] = [
  'cpu.stat', 'cpu.stat.local', 'cpu.max', 'cpu.weight', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares', 'cpuacct.usage', 'cpuacct.stat',
  'memory.current', 'memory.peak', 'memory.max', 'memory.swap.current', 'memory.stat', 'memory.events', 'memory.events.local',
  'memory.usage_in_bytes', 'memory.max_usage_in_bytes', 'memory.limit_in_bytes', 'memory.failcnt', 'memory.oom_control',
  'io.stat', 'blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes',
  'pids.current', 'pids.max', 'cpu.pressure', 'memory.pressure', 'io.pressure', 'cgroup.procs',
];

/** The memory.stat keys the series use (the derived working set, rss, cache, swap; mapped files): parsing only these is cheaper. */
export const MEMORY_STAT_KEYS: readonly string[] = [...DERIVED_MEMORY_STAT_KEYS, 'file_mapped', 'total_mapped_file'];

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
}

export interface NamespaceSummary {
  /** distinct namespaces per type among all processes */
  readonly counts: Partial<Record<NsType, number>>;
  /** per container cgroup path: the namespace types it shares with PID 1 */
  readonly sharedWithHost: Record<string, NsType[]>;
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
  /** monotonic clock (tests freeze it) */
  readonly clock?: () => number;
}

export interface ExporterSampler {
  readonly layout: CgroupLayout;
  sample(): ExporterSample;
  /** release the files kept open */
  close(): void;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * The sampler, built like `nsx top`'s collector (src/sampler/collect.ts) from the cgroup model's parts: the tree
 * listed by the cgroup walk only when it may have changed (`treeSignatures` of the hierarchies walked, stale fds, every REWALK_EVERY
 * samples), the selection applied at listing time (so `--include`, `--exclude`, `--depth` and `--containers-only`
 * cut the reading as well as the series), and every cgroup read by the one mapping (`sampleCgroup`) over files
 * kept open (`FdSource`), in the hierarchies that hold it. Then identities (src/readers/runtimes, metadata
 * re-checked at most every 5 s), device names and namespaces.
 */
export function makeSampler(o: SamplerOptions): ExporterSampler {
  const clock = o.clock ?? monotonicMs;
  const layout = o.layout ?? readCgroupLayout(o.paths);
  const plan = planCgroupSample(layout, { groups: GROUPS, detail: 'full', files: EXPORTER_FILES, memoryStatKeys: MEMORY_STAT_KEYS });
  // limits kept up to limitsMaxAgeMs below the fd source (limit-cache.ts); counters read at every sample
  const source = new FdSource(o.paths, plan, undefined, limitKeepingOps(o.limitsMaxAgeMs ?? 0, clock));
  const walked = [...topHierarchies(layout)];
  for (const h of plan.hierarchies) if (!walked.includes(h)) walked.push(h);
  const select = makeSelector(o);
  const devices = new Map<string, string | undefined>();
  const runtimes = new RuntimeIndex(o.paths, { recheckMs: 5000, now: clock });
  let ns: { at: number; summary: NamespaceSummary } | undefined;
  // links of processes seen unchanged at two refreshes are not read again (ns-cache.ts)
  const nsCache = new NamespaceCache();
  const procsH = plan.procs;
  let list: { path: string; selected: boolean }[] | undefined;
  // the walk starts below the include patterns' common directory; its ancestors are read for limits and attribution
  const { root: walkRoot, child: childFilter } = walkPlanOf(o.include);
  const ancestors: string[] = [];
  for (let a = parentPath(walkRoot); a !== undefined; a = parentPath(a)) ancestors.unshift(a);
  const depthBelowRoot = o.depth === undefined ? undefined : o.depth - (walkRoot === '/' ? 0 : walkRoot.split('/').length - 1);
  let signature: string | undefined;
  let sinceWalk = 0;

  /** The tree below the walk root; with a child filter, the root and its matching children's subtrees only. */
  const listTree = (tol: Tolerance): ReturnType<typeof listTopTree> => {
    if (!childFilter || depthBelowRoot === 0) return listTopTree(o.paths, layout, walkRoot, depthBelowRoot, tol, walked);
    const top = listTopTree(o.paths, layout, walkRoot, 1, tol, walked);
    const out: ReturnType<typeof listTopTree> = { paths: new Set([walkRoot]), byHierarchy: new Map() };
    for (const [h, ps] of top.byHierarchy) if (ps.has(walkRoot)) out.byHierarchy.set(h, new Set([walkRoot]));
    const prefix = walkRoot === '/' ? '/' : walkRoot + '/';
    for (const c of top.paths) {
      if (c === walkRoot || !childFilter.test(c.slice(prefix.length))) continue;
      let sub: ReturnType<typeof listTopTree>;
      try {
        sub = listTopTree(o.paths, layout, c, depthBelowRoot === undefined ? undefined : depthBelowRoot - 1, tol, walked);
      } catch (e) {
        tol.absorb(e, c, 'gone'); // removed since the top level was listed
        continue;
      }
      for (const p of sub.paths) out.paths.add(p);
      for (const [h, ps] of sub.byHierarchy) {
        let mine = out.byHierarchy.get(h);
        if (!mine) out.byHierarchy.set(h, (mine = new Set()));
        for (const p of ps) mine.add(p);
      }
    }
    return out;
  };

  /** List the tree and choose what to read: selected cgroups and their ancestors (limits and attribution walk up). */
  const relist = (tol: Tolerance) => {
    let tree: ReturnType<typeof listTopTree> = { paths: new Set(), byHierarchy: new Map() };
    try {
      if (depthBelowRoot === undefined || depthBelowRoot >= 0) tree = listTree(tol);
    } catch (e) {
      tol.absorb(e, walkRoot, 'gone');
    }
    const selected = new Set<string>();
    const wanted = new Set<string>();
    for (const a of ancestors) for (const h of walked) tree.byHierarchy.get(h)?.add(a) ?? tree.byHierarchy.set(h, new Set([a]));
    const all = [...ancestors, ...tree.paths];
    for (const p of all) {
      if (!select(p, runtimes.identify(p))) continue;
      selected.add(p);
      for (let a: string | undefined = p; a !== undefined && !wanted.has(a); a = parentPath(a)) wanted.add(a);
    }
    const byHierarchy = new Map<Hierarchy, Set<string>>();
    for (const [h, ps] of tree.byHierarchy) byHierarchy.set(h, new Set([...ps].filter((p) => wanted.has(p))));
    source.setListing(byHierarchy);
    list = all.filter((p) => wanted.has(p)).map((path) => ({ path, selected: selected.has(path) }));
  };

  return {
    layout,
    close: () => source.close(),
    sample(): ExporterSample {
      const t0 = clock();
      const tol = new Tolerance();
      source.tolerance = tol;
      // only the hierarchies walked: cgroups made in others (freezer, devices, name=systemd…) change nothing here
      const sig = [...treeSignatures(o.paths, layout, walked).values()].join('|');
      if (list === undefined || sig !== signature || source.takeStale() || ++sinceWalk >= REWALK_EVERY) {
        relist(tol);
        signature = sig;
        sinceWalk = 0;
      }
      const cgroups: ExporterCgroup[] = [];
      for (const { path, selected } of list!) {
        const stats = sampleCgroup(source, plan, path);
        if (!stats) {
          tol.gone++;
          continue;
        }
        for (const d of stats.io?.devices ?? []) {
          const k = `${d.major}:${d.minor}`;
          if (!devices.has(k)) devices.set(k, readBlockDeviceName(o.paths, d.major, d.minor));
        }
        const identity = runtimes.identify(path);
        const names = identity?.cgroup === path ? labelsOf(identity) : undefined;
        cgroups.push({ path, stats, selected, ...(identity ? { identity } : {}), ...(names ? { names } : {}) });
      }
      const now = clock();
      if (o.namespaces !== false && (!ns || now - ns.at > (o.namespacesMaxAgeMs ?? 60_000))) {
        ns = { at: now, summary: readNamespaceSummary(o.paths, layout, procsH, cgroups, tol, nsCache) };
      }
      const devs: Record<string, string> = {};
      for (const [k, v] of devices) if (v !== undefined) devs[k] = v;
      return {
        mono_ms: t0,
        layout: layout.kind,
        cgroups,
        devices: devs,
        ...(ns && o.namespaces !== false ? { namespaces: ns.summary } : {}),
        gone: tol.gone,
        denied: [...tol.denied],
        read_ms: clock() - t0,
      };
    },
  };
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
 * namespace is PID 1's (a container with the host's network or PID namespace). Vanished processes are skipped.
 */
export function readNamespaceSummary(
  paths: HostPaths,
  layout: CgroupLayout,
  procsH: Hierarchy | undefined,
  cgroups: readonly ExporterCgroup[],
  tol: Tolerance,
  cache: NamespaceCache = new NamespaceCache(1),
): NamespaceSummary {
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
  for (const pid of pids) {
    try {
      const links = cache.links(paths, pid);
      // the host's namespaces: PID 1's, or where PID 1's links cannot be read (some sandboxes deny even root),
      // kthreadd's (PID 2: kernel threads run in the initial namespaces)
      if (pid === 1 || (pid === 2 && host === undefined)) host = links;
      for (const t of NS_TYPES) if (links[t] !== undefined) sets.get(t)!.add(links[t]!);
    } catch (e) {
      tol.absorb(e, `${paths.proc}/${pid}/ns`);
    }
  }
  const counts: Partial<Record<NsType, number>> = {};
  for (const t of NS_TYPES) if (sets.get(t)!.size) counts[t] = sets.get(t)!.size;
  const sharedWithHost: Record<string, NsType[]> = {};
  if (host) {
    for (const c of cgroups) {
      if (!c.selected || !procsH || c.identity?.kind !== 'container' || c.identity.cgroup !== c.path || !c.stats.procs?.nr_procs) continue;
      const pid = firstMember(paths, layout, procsH, c.path, tol);
      if (pid === undefined) continue;
      try {
        const l = cache.links(paths, pid);
        sharedWithHost[c.path] = NS_TYPES.filter((t) => l[t] !== undefined && l[t] === host![t]);
      } catch (e) {
        tol.absorb(e, `${paths.proc}/${pid}/ns`);
      }
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
