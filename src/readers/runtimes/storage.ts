/**
 * Podman and CRI-O containers from containers/storage's own files (no API, no libpod database):
 * - `<graphroot>/<driver>-containers/containers.json`: `[{id, names[], image, metadata}]`, `metadata` being a JSON
 *   string with `name`, `image-name` (and for CRI-O `pod-name`, `pod-id`);
 * - `<graphroot>/<driver>-images/images.json`: `[{id, names[]}]` (image names when metadata lacks them);
 * - CRI-O's per-container OCI bundle `<runroot>/<driver>-containers/<id>/userdata/config.json`, whose annotations
 *   name the pod (`io.kubernetes.pod.*`) and container.
 * Graph roots: rootful `/var/lib/containers/storage`, rootless `$HOME/.local/share/containers/storage` of each home
 * under `/home` (and `/root`); run root `/run/containers/storage`.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { hostPath } from '../../host/paths.js';
import type { ContainerMeta, Runtime } from '../../model/identity.js';
import { obj, parseJsonOrUndefined, str, stringMap, type FileCache } from './file-cache.js';
import { kubernetesMeta } from './kubernetes.js';
import { podmanDbContainer, readPodmanDb } from './podman-db.js';

export interface StorageContainer {
  readonly id: string;
  readonly names: readonly string[];
  /** image id */
  readonly imageId?: string;
  /** image name recorded at creation (`localhost/nsx-busybox:latest`) */
  readonly imageName?: string;
  /** name from metadata (CRI-O: `k8s_<container>_<pod>_<ns>_<uid>_<n>`) */
  readonly metaName?: string;
  readonly podName?: string;
}

/** Pure: containers.json → containers (malformed entries skipped). */
export function parseStorageContainers(text: string): StorageContainer[] {
  const j = parseJsonOrUndefined(text);
  if (!Array.isArray(j)) return [];
  const out: StorageContainer[] = [];
  for (const c of j) {
    const id = str(c, 'id');
    if (id === undefined) continue;
    const names = Array.isArray((c as { names?: unknown }).names) ? ((c as { names: unknown[] }).names.filter((n) => typeof n === 'string') as string[]) : [];
    const md = str(c, 'metadata');
    const m = md !== undefined ? parseJsonOrUndefined(md) : undefined;
    out.push({ id, names, imageId: str(c, 'image'), imageName: str(m, 'image-name'), metaName: str(m, 'name'), podName: str(m, 'pod-name') });
  }
  return out;
}

/** Pure: images.json → image id → first name. */
export function parseStorageImages(text: string): Map<string, string> {
  const j = parseJsonOrUndefined(text);
  const out = new Map<string, string>();
  if (!Array.isArray(j)) return out;
  for (const i of j) {
    const id = str(i, 'id');
    const names = (i as { names?: unknown }).names;
    if (id !== undefined && Array.isArray(names) && typeof names[0] === 'string') out.set(id, names[0]);
  }
  return out;
}

const DRIVERS = ['overlay', 'vfs', 'btrfs', 'zfs', 'devmapper', 'aufs'];

/** Pure: `graphroot` / `runroot` of containers/storage's `storage.conf` (TOML `key = "value"` lines). */
export function parseStorageConf(text: string): { graphroot?: string; runroot?: string } {
  const out: { graphroot?: string; runroot?: string } = {};
  for (const l of text.split('\n')) {
    const m = /^\s*(graphroot|runroot)\s*=\s*["']([^"']+)["']/.exec(l);
    if (m && m[2].startsWith('/')) out[m[1] as 'graphroot' | 'runroot'] = m[2];
  }
  return out;
}

function storageConf(paths: HostPaths, cache: FileCache): { graphroot?: string; runroot?: string } {
  return cache.get(hostPath(paths, '/etc/containers/storage.conf'), parseStorageConf) ?? {};
}

/** Graph roots to look in: rootful (storage.conf's graphroot, else the default), then each rootless home. */
export function storageRoots(paths: HostPaths, cache: FileCache): string[] {
  const conf = storageConf(paths, cache).graphroot;
  const roots = [hostPath(paths, '/var/lib/containers/storage')];
  if (conf !== undefined && conf !== '/var/lib/containers/storage') roots.unshift(hostPath(paths, conf));
  for (const h of cache.list(hostPath(paths, '/home'))) roots.push(join(hostPath(paths, '/home'), h, '.local/share/containers/storage'));
  roots.push(hostPath(paths, '/root/.local/share/containers/storage'));
  return roots;
}

/** The storage record of container `id` in any graph root, with its image name; undefined when none. */
export function findStorageContainer(paths: HostPaths, cache: FileCache, id: string): { c: StorageContainer; root: string; driver: string; image?: string } | undefined {
  for (const root of storageRoots(paths, cache)) {
    for (const d of DRIVERS) {
      const list = cache.get(join(root, `${d}-containers`, 'containers.json'), parseStorageContainers);
      const c = list?.find((x) => x.id === id);
      if (!c) continue;
      const image = c.imageName ?? (c.imageId !== undefined ? cache.get(join(root, `${d}-images`, 'images.json'), parseStorageImages)?.get(c.imageId) : undefined);
      return { c, root, driver: d, ...(image !== undefined ? { image } : {}) };
    }
  }
  return undefined;
}

/** Pure: annotations of an OCI bundle `config.json` (and its cgroupsPath), undefined when not JSON. */
export function parseOciConfig(text: string): { annotations: Record<string, string>; cgroupsPath?: string; hostname?: string } | undefined {
  const j = parseJsonOrUndefined(text);
  if (j === null || typeof j !== 'object' || Array.isArray(j)) return undefined;
  return { annotations: stringMap(obj(j, 'annotations')), cgroupsPath: str(obj(j, 'linux'), 'cgroupsPath'), hostname: str(j, 'hostname') };
}

/** Identity metadata of a Podman (`libpod-<id>`) or CRI-O (`crio-<id>`) container; undefined when unknown. */
export function readStorageMeta(paths: HostPaths, cache: FileCache, id: string, runtime: Runtime): ContainerMeta | undefined {
  if (!/^[0-9a-f]{12,128}$/.test(id)) return undefined;
  const found = findStorageContainer(paths, cache, id);
  let k8s: ContainerMeta | undefined;
  if (runtime !== 'podman') {
    // CRI-O's bundle: run root first (where the running container's is), then the graph root
    const runroot = hostPath(paths, storageConf(paths, cache).runroot ?? '/run/containers/storage');
    for (const base of [runroot, found?.root].filter((x): x is string => x !== undefined)) {
      for (const d of found ? [found.driver] : DRIVERS) {
        const oci = cache.get(join(base, `${d}-containers`, id, 'userdata', 'config.json'), parseOciConfig);
        if (oci) k8s = kubernetesMeta(oci.annotations);
        if (k8s) break;
      }
      if (k8s) break;
    }
  }
  if (!found && !k8s) return undefined;
  // Podman's own database: Compose labels (podman-compose), its pod, the image as given
  const pdb = runtime === 'podman' && found ? podmanDbContainer(readPodmanDb(cache, found.root), id) : undefined;
  const name = k8s?.name ?? found?.c.names[0] ?? found?.c.metaName;
  const image = k8s?.image ?? found?.image ?? pdb?.image;
  const pod = k8s?.pod ?? pdb?.pod;
  return {
    runtime: runtime === 'podman' ? 'podman' : 'cri-o',
    ...(name !== undefined ? { name } : {}),
    ...(image !== undefined ? { image } : {}),
    ...(pod ? { pod } : {}),
    ...(pdb?.compose ? { compose: pdb.compose } : {}),
    ...(k8s?.sandbox ? { sandbox: true } : {}),
  };
}
