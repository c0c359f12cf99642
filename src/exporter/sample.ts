/**
 * The exporter's sample: everything one scrape's series are built from, read at once. Plain serialisable data
 * (saved samples double as golden inputs). The mapping to series is src/exporter/series.ts (pure); this module is
 * the only one of the exporter that does I/O, and it reads cgroups only through the cgroup model's readers
 * (src/readers/cgroupfs: the tree walk and the one stats reader).
 *
 *   makeSampler(o): ExporterSampler     — keeps the layout and small caches (device names, runtime names)
 *   sampler.sample(): ExporterSample
 *
 * Which cgroups are read: every cgroup of the hierarchies that carry cpu, cpuacct, memory, blkio and pids (v1 and
 * hybrid: merged by path, as `nsx top` and cAdvisor's raw handler see them; v2: the one tree), to `--depth`;
 * those the selector rejects are still read when they are an ancestor of a selected one (effective limits and
 * throttle attribution walk up the path), but get no series.
 */
import type { HostPaths } from '../host/paths.js';
import { Tolerance } from '../host/tolerance.js';
import { NotFoundError } from '../errors.js';
import { type CgroupLayout, type CgroupLayoutKind, type CgroupNode, type CgroupStats, type Hierarchy, type StatGroup } from '../model/cgroup.js';
import type { Identity } from '../model/identity.js';
import { parentPath } from '../model/throttle.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import { readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { walkCgroupTree } from '../readers/cgroupfs/tree.js';
import { readCgroupStats } from '../readers/cgroupfs/stats.js';
import { RuntimeIndex } from '../readers/runtimes/index.js';
import { readPids } from '../readers/procfs/pids.js';
import { readNsLinks } from '../readers/procfs/ns.js';
import { readBlockDeviceName } from '../readers/sysfs/block.js';
import { makeSelector, type SelectOptions } from './select.js';

/** v1 controllers whose hierarchies make up the exporter's merged tree (as cAdvisor's raw handler reads them). */
export const EXPORTER_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'blkio', 'pids'] as const;
const GROUPS: readonly StatGroup[] = ['cpu', 'memory', 'io', 'pids', 'psi'];

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
  /** limits and counters (the cgroup model's stats) */
  readonly stats: CgroupStats;
  /** lines of `cgroup.procs` in the cpu hierarchy (cAdvisor's container_processes), when read */
  readonly processes?: number;
  /** first member PID (for the namespace comparison with the host) */
  readonly firstPid?: number;
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
  /** re-read namespaces at most this often (ms; default 30 s): they change rarely and cost one readlink per process and type */
  readonly namespacesMaxAgeMs?: number;
  /** monotonic clock (tests freeze it) */
  readonly clock?: () => number;
}

export interface ExporterSampler {
  readonly layout: CgroupLayout;
  sample(): ExporterSample;
}

/** The hierarchies the exporter walks: the cgroup2 tree when unified, else the v1 ones of EXPORTER_CONTROLLERS. */
export function exporterHierarchies(layout: CgroupLayout): Hierarchy[] {
  if (layout.kind === 'unified') return layout.hierarchies.filter((h) => h.version === 2);
  const out: Hierarchy[] = [];
  for (const c of EXPORTER_CONTROLLERS) {
    const h = layout.hierarchies.find((x) => x.version === 1 && x.controllers.includes(c));
    if (h && !out.includes(h)) out.push(h);
  }
  return out;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

export function makeSampler(o: SamplerOptions): ExporterSampler {
  const layout = o.layout ?? readCgroupLayout(o.paths);
  const select = makeSelector(o);
  const clock = o.clock ?? monotonicMs;
  const devices = new Map<string, string | undefined>();
  // identity from the path joined with the runtimes' local files; metadata re-checked at most every 5 s
  const runtimes = new RuntimeIndex(o.paths, { recheckMs: 5000, now: clock });
  let ns: { at: number; summary: NamespaceSummary } | undefined;
  const hs = exporterHierarchies(layout);
  const cpuH = layout.kind === 'unified' ? hs[0] : hs.find((h) => h.controllers.includes('cpu')) ?? hs[0];


  return {
    layout,
    sample(): ExporterSample {
      const t0 = clock();
      const tol = new Tolerance();
      // the union of paths across the hierarchies; member PIDs from the cpu hierarchy's cgroup.procs
      const members = new Map<string, readonly number[]>();
      const order: string[] = [];
      const seen = new Set<string>();
      for (const h of hs) {
        let tree: CgroupNode;
        try {
          tree = walkCgroupTree(o.paths, layout, {
            view: h.version === 2 ? { kind: 'v2' } : { kind: 'v1', key: h.key },
            root: '/',
            depth: o.depth,
            members: h === cpuH,
            tolerance: tol,
          });
        } catch (e) {
          if (e instanceof NotFoundError) continue;
          throw e;
        }
        const visit = (n: CgroupNode) => {
          if (!seen.has(n.path)) {
            seen.add(n.path);
            order.push(n.path);
          }
          if (n.pids) members.set(n.path, n.pids);
          for (const c of n.children) visit(c);
        };
        visit(tree);
      }
      // selected cgroups and their ancestors
      const identities = new Map<string, Identity | undefined>();
      const wanted = new Set<string>();
      const selected = new Set<string>();
      for (const p of order) {
        const id = runtimes.identify(p);
        identities.set(p, id);
        if (!select(p, id)) continue;
        selected.add(p);
        for (let a: string | undefined = p; a !== undefined && !wanted.has(a); a = parentPath(a)) wanted.add(a);
      }
      const cgroups: ExporterCgroup[] = [];
      const now = clock();
      for (const p of order) {
        if (!wanted.has(p)) continue;
        let stats: CgroupStats;
        try {
          stats = readCgroupStats(o.paths, layout, p, { groups: GROUPS, tolerance: tol });
        } catch (e) {
          if (e instanceof NotFoundError) {
            tol.gone++;
            continue;
          }
          throw e;
        }
        for (const d of stats.io?.devices ?? []) {
          const k = `${d.major}:${d.minor}`;
          if (!devices.has(k)) devices.set(k, readBlockDeviceName(o.paths, d.major, d.minor));
        }
        const pids = members.get(p);
        const identity = identities.get(p);
        cgroups.push({
          path: p,
          stats,
          ...(pids !== undefined ? { processes: pids.length } : {}),
          ...(pids !== undefined && pids.length ? { firstPid: pids[0] } : {}),
          selected: selected.has(p),
          ...(identity ? { identity } : {}),
          ...(identity?.cgroup === p ? ((n) => (n ? { names: n } : {}))(labelsOf(identity)) : {}),
        });
      }
      if (o.namespaces !== false && (!ns || now - ns.at > (o.namespacesMaxAgeMs ?? 30_000))) {
        ns = { at: now, summary: readNamespaceSummary(o.paths, cgroups, tol) };
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
        denied: tol.denied,
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
export function readNamespaceSummary(paths: HostPaths, cgroups: readonly ExporterCgroup[], tol: Tolerance): NamespaceSummary {
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
      const links = readNsLinks(paths, pid, NS_TYPES);
      if (pid === 1) host = links;
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
      if (!c.selected || c.firstPid === undefined || c.identity?.kind !== 'container' || c.identity.cgroup !== c.path) continue;
      try {
        const l = readNsLinks(paths, c.firstPid, NS_TYPES);
        sharedWithHost[c.path] = NS_TYPES.filter((t) => l[t] !== undefined && l[t] === host![t]);
      } catch (e) {
        tol.absorb(e, `${paths.proc}/${c.firstPid}/ns`);
      }
    }
  }
  return { counts, sharedWithHost };
}
