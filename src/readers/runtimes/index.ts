/**
 * The runtime index: container identity from cgroup paths (src/model/identity.ts) joined with each runtime's local
 * metadata (this folder), cheap enough for the dashboard's 1 s refresh and always current: a path's own identity
 * is memoised, metadata files are stat'ed at most every `recheckMs` and re-read only when they changed (so a
 * `docker rename` reaches `ps`, `top` and an open dashboard on the next refresh). No runtime socket or API is used;
 * a host without any runtime (or a fake host without metadata) gets the path identities unchanged.
 *
 *   const index = new RuntimeIndex(paths);
 *   index.identify('/docker/<id>')          → Identity with name, image, compose, label = name
 *   index.identifyPaths(pathsOfOneProcess)  → the most specific (v2 / name=systemd paths first, as ps orders them)
 *   index.enrich(identity)                  → re-join a path identity kept from earlier with current metadata
 */
import type { HostPaths } from '../../host/paths.js';
import { identifyCgroupPath, withMeta, type ContainerMeta, type Identity, type IdentityKind, type PodRef } from '../../model/identity.js';
import { FileCache } from './file-cache.js';
import { readDockerMeta } from './docker.js';
import { readStorageMeta } from './storage.js';
import { containerdMeta, findContainerdTask, readContainerdImage, readContainerdTasks, type ContainerdTask } from './containerd.js';
import { readLxcMeta, readMachineMeta } from './machines.js';
import { readPodLogDirs } from './kubernetes.js';

const RANK: Record<IdentityKind, number> = { container: 5, pod: 4, machine: 3, unit: 2, slice: 1 };

export interface RuntimeIndexOptions {
  /** stat metadata files at most this often (ms; default 250) */
  readonly recheckMs?: number;
  /** monotonic clock (ms), for tests */
  readonly now?: () => number;
}

export class RuntimeIndex {
  readonly cache: FileCache;
  private readonly pure = new Map<string, Identity | null>();
  private readonly recheckMs: number;
  private readonly now: () => number;
  private tasksAt = -Infinity;
  private tasksByCgroup = new Map<string, ContainerdTask>();
  /** taskIdentity by path, valid until the tasks are listed again */
  private readonly byTask = new Map<string, Identity | null>();
  private podsAt = -Infinity;
  /** enriched identities by path identity: metadata cannot change before the files are stat'ed again */
  private readonly joined = new Map<Identity, { at: number; value: Identity }>();
  private pods = new Map<string, PodRef>();

  constructor(
    readonly paths: HostPaths,
    o: RuntimeIndexOptions = {},
  ) {
    this.recheckMs = o.recheckMs ?? 250;
    this.now = o.now ?? (() => performance.now());
    this.cache = new FileCache(this.recheckMs, this.now);
  }

  /** The path's own identity (memoised; pure). */
  private pathIdentity(path: string): Identity | undefined {
    let i = this.pure.get(path);
    if (i === undefined) {
      if (this.pure.size > 50_000) this.pure.clear();
      i = identifyCgroupPath(path) ?? null;
      this.pure.set(path, i);
    }
    return i ?? undefined;
  }

  /** containerd tasks by cgroup path (re-listed at most every recheckMs). */
  private tasks(): Map<string, ContainerdTask> {
    const t = this.now();
    if (t - this.tasksAt >= this.recheckMs) {
      this.tasksAt = t;
      const next = new Map(readContainerdTasks(this.paths, this.cache).filter((x) => x.cgroup !== undefined).map((x) => [x.cgroup!, x] as const));
      const same = next.size === this.tasksByCgroup.size && [...next].every(([k, v]) => this.tasksByCgroup.get(k)?.id === v.id);
      if (!same) this.byTask.clear();
      this.tasksByCgroup = next;
    }
    return this.tasksByCgroup;
  }

  /** Pods by UID from /var/log/pods (re-listed at most every recheckMs). */
  podByUid(uid: string): PodRef | undefined {
    const t = this.now();
    if (t - this.podsAt >= this.recheckMs) {
      this.podsAt = t;
      this.pods = readPodLogDirs(this.paths, this.cache);
    }
    return this.pods.get(uid);
  }

  /** A container known only from a containerd task whose cgroupsPath is this path or above it. */
  private taskIdentity(path: string): Identity | undefined {
    const tasks = this.tasks();
    if (tasks.size === 0) return undefined;
    const hit = this.byTask.get(path);
    if (hit !== undefined) return hit ?? undefined;
    if (this.byTask.size > 50_000) this.byTask.clear();
    const found = this.taskIdentityOf(path, tasks);
    this.byTask.set(path, found ?? null);
    return found;
  }

  private taskIdentityOf(path: string, tasks: Map<string, ContainerdTask>): Identity | undefined {
    let p = path.endsWith(' (deleted)') ? path.slice(0, -10) : path;
    while (p.startsWith('/..')) p = p.slice(3);
    for (let cur = p; cur.length > 1; cur = cur.slice(0, cur.lastIndexOf('/')) || '/') {
      const task = tasks.get(cur);
      if (!task) continue;
      const sub = p.slice(cur.length);
      const short = /^[0-9a-f]{13,}$/.test(task.id) ? task.id.slice(0, 12) : task.id;
      return { runtime: 'containerd', kind: 'container', id: task.id, shortId: short, label: `containerd:${short}`, ref: `containerd:${short}`, cgroup: cur, ...(sub ? { subpath: sub } : {}) };
    }
    return undefined;
  }

  /** Runtime metadata of a path identity, or undefined. */
  metaOf(i: Identity): ContainerMeta | undefined {
    const { paths, cache } = this;
    if (i.kind === 'machine' && i.runtime === 'nspawn') return readMachineMeta(paths, cache, i.id);
    if (i.kind !== 'container') return undefined;
    const task = (): ContainerMeta | undefined => {
      const t = findContainerdTask(paths, cache, i.id);
      if (!t) return undefined;
      const m = containerdMeta(t);
      // plain ctr / nerdctl bundles name no image: containerd's own store does
      if (m.image !== undefined || m.runtime !== 'containerd') return m;
      const image = readContainerdImage(paths, cache, t.namespace, t.id);
      return image !== undefined ? { ...m, image } : m;
    };
    switch (i.runtime) {
      case 'docker': {
        const d = readDockerMeta(paths, cache, i.id);
        if (d) return d;
        const t = task();
        // Docker's tasks (namespace moby) without config.v2.json: still Docker; any other namespace: containerd
        return t;
      }
      case 'podman':
        return readStorageMeta(paths, cache, i.id, 'podman');
      case 'cri-o':
        return readStorageMeta(paths, cache, i.id, 'cri-o');
      case 'containerd':
        return task();
      case 'kubernetes':
        return task() ?? readStorageMeta(paths, cache, i.id, 'cri-o') ?? readDockerMeta(paths, cache, i.id);
      case 'lxc':
        return readLxcMeta(paths, cache, i.id);
      case 'nspawn':
        return readMachineMeta(paths, cache, i.id);
      default:
        return undefined;
    }
  }

  /** Join a path identity with current metadata (undefined stays undefined). */
  enrich(i: Identity | undefined): Identity | undefined {
    if (!i) return undefined;
    if (i.kind !== 'container' && i.kind !== 'pod' && i.kind !== 'machine') return i;
    const t = this.now();
    const hit = this.joined.get(i);
    if (hit && t - hit.at < this.recheckMs) return hit.value;
    if (this.joined.size > 10_000) this.joined.clear();
    const value = withMeta(i, this.metaOf(i), (uid) => this.podByUid(uid));
    this.joined.set(i, { at: t, value });
    return value;
  }

  /** Identity of one cgroup path, with metadata. */
  identify(path: string): Identity | undefined {
    let i = this.pathIdentity(path);
    if (!i || i.kind !== 'container') i = this.taskIdentity(path) ?? i;
    return this.enrich(i);
  }

  /** The identity of one process's paths without metadata (path forms and containerd tasks), for keeping. */
  locatePaths(paths: Iterable<string>): Identity | undefined {
    let best: Identity | undefined;
    for (const p of paths) {
      let i = this.pathIdentity(p);
      if (!i || i.kind !== 'container') i = this.taskIdentity(p) ?? i;
      if (i && (!best || RANK[i.kind] > RANK[best.kind])) best = i;
    }
    return best;
  }

  /**
   * The most specific identity among one process's paths (pass cgroup2 and name=systemd first: on a tie the
   * first wins), with metadata.
   */
  identifyPaths(paths: Iterable<string>): Identity | undefined {
    return this.enrich(this.locatePaths(paths));
  }
}

/** One index per root for short-lived commands that do not keep their own. */
const shared = new Map<string, RuntimeIndex>();
export function runtimeIndexFor(paths: HostPaths): RuntimeIndex {
  let i = shared.get(paths.root);
  if (!i) shared.set(paths.root, (i = new RuntimeIndex(paths)));
  return i;
}
