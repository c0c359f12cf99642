/**
 * Containers the runtimes keep on disk whether running or not (Docker's containers directory, containers/storage's
 * containers.json), to say why a target names nothing running: `container:web: not running (docker:1f1d6e2d4940,
 * stopped)`. Read only on that error path.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import type { Identity } from '../../model/identity.js';
import { matchContainer, type ContainerTarget } from '../../model/container-target.js';
import type { FileCache } from './file-cache.js';
import { dockerContainersDir, parseDockerConfig } from './docker.js';
import { parseStorageContainers, storageRoots } from './storage.js';

/** Container records of Docker and Podman/CRI-O storage as identities (kind container; no cgroup known). */
export function readKnownContainers(paths: HostPaths, cache: FileCache): Identity[] {
  const out: Identity[] = [];
  const mk = (runtime: Identity['runtime'], id: string, name: string | undefined): Identity => {
    const ref = `${runtime}:${id.slice(0, 12)}`;
    return { runtime, kind: 'container', id, shortId: id.slice(0, 12), ref, label: name ?? ref, ...(name !== undefined ? { name } : {}), cgroup: '' };
  };
  const dir = dockerContainersDir(paths, cache);
  for (const id of cache.list(dir)) {
    if (!/^[0-9a-f]{64}$/.test(id)) continue;
    const c = cache.get(join(dir, id, 'config.v2.json'), parseDockerConfig);
    if (c && c.running !== true) out.push(mk('docker', id, c.name));
  }
  for (const root of storageRoots(paths, cache)) {
    for (const d of cache.list(root).filter((x) => x.endsWith('-containers'))) {
      for (const c of cache.get(join(root, d, 'containers.json'), parseStorageContainers) ?? []) out.push(mk('podman', c.id, c.names[0]));
    }
  }
  return out;
}

/** ` (docker:1f1d6e2d4940 web exists but is not running)` for a target that matches only stopped containers. */
export function notRunningHint(paths: HostPaths, cache: FileCache, t: ContainerTarget, running: readonly Identity[]): string {
  if (t.kind !== 'container') return '';
  const isRunning = (i: Identity) => running.some((r) => r.runtime === i.runtime && r.id === i.id);
  const r = matchContainer(t, readKnownContainers(paths, cache).filter((i) => !isRunning(i)));
  if ('none' in r) return '';
  const list = 'ok' in r ? [r.ok] : r.ambiguous;
  return ` (${list.slice(0, 3).map((i) => `${i.ref}${i.name !== undefined ? ` ${i.name}` : ''}`).join(', ')}${list.length > 3 ? ', …' : ''} ${list.length > 1 ? 'exist' : 'exists'} but ${list.length > 1 ? 'are' : 'is'} not running)`;
}
