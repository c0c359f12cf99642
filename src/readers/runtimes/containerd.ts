/**
 * containerd tasks (CRI and plain `ctr`/nerdctl) from containerd's runtime state, no socket: each running task's
 * OCI bundle `/run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/config.json` (v1 shim:
 * `io.containerd.runtime.v1.linux`). `linux.cgroupsPath` joins the task to its cgroup whatever the form
 * (`/default/<id>`, `/x/<id>`, systemd's `slice:prefix:name`); Kubernetes annotations `io.kubernetes.cri.*` name the
 * pod, the container and the image. Docker's own tasks live in namespace `moby`.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { hostPath } from '../../host/paths.js';
import type { ContainerMeta } from '../../model/identity.js';
import type { FileCache } from './file-cache.js';
import { kubernetesMeta } from './kubernetes.js';
import { parseOciConfig } from './storage.js';
import { BoltFile, containerdImageOf } from './bolt.js';

/** containerd's metadata store (bbolt): images of containers whose bundle does not name one. */
export const CONTAINERD_META_DB = '/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db';

/** The image of containerd container `id` in `namespace` from meta.db (re-read when the file changes). */
export function readContainerdImage(paths: HostPaths, cache: FileCache, namespace: string, id: string): string | undefined {
  return containerdImageOf(cache.getBytes(hostPath(paths, CONTAINERD_META_DB), (b) => new BoltFile(b)), namespace, id);
}

export const CONTAINERD_TASK_DIRS = ['/run/containerd/io.containerd.runtime.v2.task', '/run/containerd/io.containerd.runtime.v1.linux'];

export interface ContainerdTask {
  readonly namespace: string;
  readonly id: string;
  /** cgroupsPath from the bundle, as a cgroup path (systemd form expanded) */
  readonly cgroup?: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Pure: a cgroupsPath as a cgroup path. The systemd form `SLICE:PREFIX:NAME` becomes
 * `/<slice ancestors>/SLICE/PREFIX-NAME.scope` (`kubepods-besteffort-podX.slice:cri-containerd:ID` →
 * `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podX.slice/cri-containerd-ID.scope`).
 */
export function cgroupsPathToCgroup(p: string): string | undefined {
  if (p === '') return undefined;
  if (p.startsWith('/')) return p.length > 1 ? p.replace(/\/+$/, '') : p;
  const parts = p.split(':');
  if (parts.length !== 3) return '/' + p;
  const [slice, prefix, name] = parts;
  const scope = prefix === '' ? `${name}.scope` : `${prefix}-${name}.scope`;
  return slicePath(slice === '' ? 'system.slice' : slice) + '/' + scope;
}

/** Pure: the cgroup path of a systemd slice (`a-b-c.slice` → `/a.slice/a-b.slice/a-b-c.slice`; `-.slice` → `/`). */
export function slicePath(slice: string): string {
  if (slice === '-.slice' || !slice.endsWith('.slice')) return slice === '-.slice' ? '' : '/' + slice;
  const base = slice.slice(0, -'.slice'.length);
  const words = base.split('-');
  let acc = '';
  let out = '';
  for (const w of words) {
    acc = acc === '' ? w : `${acc}-${w}`;
    out += `/${acc}.slice`;
  }
  return out;
}

/** Every task in containerd's state (re-listed when the directories change; bundles re-read when they change). */
export function readContainerdTasks(paths: HostPaths, cache: FileCache): ContainerdTask[] {
  const out: ContainerdTask[] = [];
  for (const base of CONTAINERD_TASK_DIRS.map((d) => hostPath(paths, d))) {
    for (const ns of cache.list(base)) {
      for (const id of cache.list(join(base, ns))) {
        const oci = cache.get(join(base, ns, id, 'config.json'), parseOciConfig);
        if (!oci) continue;
        const cgroup = oci.cgroupsPath !== undefined ? cgroupsPathToCgroup(oci.cgroupsPath) : undefined;
        out.push({ namespace: ns, id, ...(cgroup !== undefined ? { cgroup } : {}), annotations: oci.annotations });
      }
    }
  }
  return out;
}

/** Pure: identity metadata of a containerd task (Docker's `moby` tasks are Docker's; k8s annotations name the pod). */
export function containerdMeta(t: ContainerdTask): ContainerMeta {
  if (t.namespace === 'moby') return { runtime: 'docker', namespace: 'moby' };
  const k8s = kubernetesMeta(t.annotations);
  if (k8s) return { runtime: 'containerd', namespace: t.namespace, ...k8s };
  // nerdctl passes its labels as annotations (`nerdctl/name`); plain `ctr run IMAGE ID`: the id is the user's name
  const name = t.annotations['nerdctl/name'] ?? (/^[0-9a-f]{64}$/.test(t.id) ? undefined : t.id);
  return { runtime: 'containerd', namespace: t.namespace, ...(name !== undefined ? { name } : {}) };
}

/** The task of container `id` in any namespace, or undefined. */
export function findContainerdTask(paths: HostPaths, cache: FileCache, id: string): ContainerdTask | undefined {
  for (const base of CONTAINERD_TASK_DIRS.map((d) => hostPath(paths, d))) {
    for (const ns of cache.list(base)) {
      const oci = cache.get(join(base, ns, id, 'config.json'), parseOciConfig);
      if (!oci) continue;
      const cgroup = oci.cgroupsPath !== undefined ? cgroupsPathToCgroup(oci.cgroupsPath) : undefined;
      return { namespace: ns, id, ...(cgroup !== undefined ? { cgroup } : {}), annotations: oci.annotations };
    }
  }
  return undefined;
}
