/**
 * Cgroup layout detection: reads `/proc/self/mountinfo` (fallback `/proc/1/mountinfo`), `/proc/cgroups`,
 * `/proc/self/cgroup` (ids of named hierarchies) and the cgroup2 root's `cgroup.controllers`.
 *
 *   readCgroupLayout(paths): CgroupLayout          — I/O
 *   buildCgroupLayout(input): CgroupLayout          — pure (mounts + /proc/cgroups + /proc/self/cgroup)
 *   cgroupDir(paths, hierarchy, cgroupPath): string — where a cgroup's directory is under this root
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { hostPath } from '../../host/paths.js';
import { readWhole } from '../../host/read.js';
import { parseMountinfo, type MountinfoEntry } from '../../parse/mountinfo.js';
import { parseProcCgroups, parseWordList } from '../../parse/cgroup-files.js';
import { parseProcCgroup, hierarchyKey, type ProcCgroupEntry } from '../../parse/proc-cgroup.js';
import { layoutKind, type CgroupLayout, type ControllerInfo, type Hierarchy } from '../../model/cgroup.js';
import { NotFoundError, ParseError } from '../../errors.js';
import { wrap } from '../../host/tolerance.js';

/** Controllers a v1 mount can carry, used when /proc/cgroups is unavailable. */
const KNOWN_V1 = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event',
  'hugetlb', 'pids', 'rdma', 'misc', 'debug',
]);

/** v1 controllers whose job cgroup2 does without a controller of that name (cpu.stat, io.stat, BPF, cgroup.freeze, always-on perf). */
const V2_IMPLICIT = new Set(['cpuacct', 'blkio', 'devices', 'freezer', 'perf_event']);

export interface LayoutInput {
  /** mountinfo entries (any; only cgroup/cgroup2 are used) */
  readonly mounts: readonly MountinfoEntry[];
  /** /proc/cgroups rows ([] when absent) */
  readonly controllers: readonly ControllerInfo[];
  /** /proc/self/cgroup entries ([] when absent): gives the ids of named hierarchies */
  readonly self: readonly ProcCgroupEntry[];
  /** cgroup.controllers at the cgroup2 root, when mounted */
  readonly v2Controllers?: readonly string[];
}

/** Build the layout from already-read inputs. Pure. */
export function buildCgroupLayout(input: LayoutInput): CgroupLayout {
  const known = new Set(input.controllers.map((c) => c.name));
  const isCtrl = (o: string) => (known.size ? known.has(o) : KNOWN_V1.has(o));
  const byKey = new Map<string, { version: 1 | 2; controllers: string[]; name?: string; mounts: { mp: string; root: string }[] }>();
  for (const m of input.mounts) {
    if (m.fsType !== 'cgroup' && m.fsType !== 'cgroup2') continue;
    let controllers: string[] = [];
    let name: string | undefined;
    if (m.fsType === 'cgroup') {
      for (const o of m.superOptions.split(',')) {
        if (o.startsWith('name=')) name = o.slice(5);
        else if (isCtrl(o)) controllers.push(o);
      }
      controllers.sort();
    } else {
      controllers = [...(input.v2Controllers ?? [])];
    }
    const key = m.fsType === 'cgroup2' ? '' : hierarchyKey(controllers, name);
    let h = byKey.get(key);
    if (!h) byKey.set(key, (h = { version: m.fsType === 'cgroup2' ? 2 : 1, controllers, name, mounts: [] }));
    h.mounts.push({ mp: m.mountPoint, root: m.root });
  }
  const hierarchies: Hierarchy[] = [];
  for (const [key, h] of byKey) {
    // prefer a mount showing the whole hierarchy, then the shortest mount point
    const mounts = [...h.mounts].sort((a, b) => Number(a.root !== '/') - Number(b.root !== '/') || a.mp.length - b.mp.length);
    let id = 0;
    let numCgroups: number | undefined;
    if (h.version === 1) {
      const row = input.controllers.find((c) => h.controllers.includes(c.name) && c.hierarchy > 0);
      const self = input.self.find((e) => e.hierarchyId > 0 && hierarchyKey(e.controllers, e.name) === key);
      id = row?.hierarchy ?? self?.hierarchyId ?? 0;
      numCgroups = row?.numCgroups;
    }
    const root = mounts[0].root.includes('/..') ? '/' : mounts[0].root;
    hierarchies.push({
      id,
      version: h.version,
      key,
      controllers: h.controllers,
      ...(h.name !== undefined ? { name: h.name } : {}),
      mounts: mounts.map((m) => m.mp),
      mountRoot: root,
      ...(numCgroups !== undefined ? { numCgroups } : {}),
    });
  }
  hierarchies.sort((a, b) => a.version - b.version || a.id - b.id || a.key.localeCompare(b.key));
  const hasV1 = hierarchies.some((h) => h.version === 1);
  const hasV2 = hierarchies.some((h) => h.version === 2);
  const attached = new Set(hierarchies.flatMap((h) => h.controllers));
  const unattached = input.controllers
    .filter((c) => c.hierarchy === 0 && c.enabled && !attached.has(c.name) && !(hasV2 && V2_IMPLICIT.has(c.name)))
    .map((c) => c.name);
  return { kind: layoutKind(hasV1, hasV2), hierarchies, controllers: [...input.controllers], unattached };
}

/** Read the layout of the host under `paths`. */
export function readCgroupLayout(paths: HostPaths): CgroupLayout {
  // under --root, `self` is nsx itself (in a container: the container's own mounts, the host's cgroupfs at
  // /host/sys/…), not the host: the host's init (PID 1 of the host's procfs) comes first there
  const [first, second] = paths.live ? ['self', '1'] : ['1', 'self'];
  const miPath = join(paths.proc, `${first}/mountinfo`);
  let mi = wrap(undefined, miPath, readWhole, 'gone');
  let miSource = miPath;
  if (mi === undefined) {
    miSource = join(paths.proc, `${second}/mountinfo`);
    mi = wrap(undefined, miSource, readWhole, 'gone');
  }
  if (mi === undefined) throw new NotFoundError(`${miPath}: no mountinfo; cannot find cgroup mounts`, miPath);
  const mounts = parseMountinfo(mi, miSource);
  const pcPath = join(paths.proc, 'cgroups');
  const pc = wrap(undefined, pcPath, readWhole, 'gone');
  const controllers = pc === undefined ? [] : parseProcCgroups(pc, pcPath);
  const selfPath = join(paths.proc, 'self/cgroup');
  let self: ProcCgroupEntry[] = [];
  const st = wrap(undefined, join(paths.proc, `${first}/cgroup`), readWhole, 'gone') ?? wrap(undefined, join(paths.proc, `${second}/cgroup`), readWhole, 'gone');
  if (st !== undefined) {
    try {
      self = parseProcCgroup(st, selfPath);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      self = []; // ids of named hierarchies are a nicety; a broken file must not hide the layout
    }
  }
  const v2 = mounts.find((m) => m.fsType === 'cgroup2');
  let v2Controllers: string[] | undefined;
  if (v2) {
    const t = wrap(undefined, join(hostPath(paths, v2.mountPoint), 'cgroup.controllers'), readWhole, 'gone');
    v2Controllers = t === undefined ? [] : parseWordList(t);
  }
  return buildCgroupLayout({ mounts, controllers, self, v2Controllers });
}

/**
 * The directory of `cgroupPath` in `h` under this root. When the hierarchy is mounted at a sub-cgroup
 * (containers: mount root `/docker/<id>`), paths below that root are mapped onto the mount.
 */
export function cgroupDir(paths: HostPaths, h: Hierarchy, cgroupPath: string): string {
  if (cgroupPath.split('/').some((c) => c === '..' || c === '.')) {
    throw new NotFoundError(`${cgroupPath}: not a cgroup path (outside this cgroup namespace)`, cgroupPath);
  }
  const base = hostPath(paths, h.mounts[0]);
  let rel = cgroupPath;
  if (h.mountRoot !== '/' && (rel === h.mountRoot || rel.startsWith(h.mountRoot + '/'))) rel = rel.slice(h.mountRoot.length);
  return rel === '' || rel === '/' ? base : join(base, rel);
}

