/**
 * Friendly names from local metadata only (no runtime API, no sockets): optional decoration of what
 * src/model/identity.ts derives from cgroup paths. Everything here may be absent; nothing else depends on it.
 *
 *   readNetnsNames(paths): Map<inode, names[]>   — nsfs bind mounts under `/run/netns/` (`ip netns add NAME`),
 *                                                   from `/proc/self/mountinfo` (see readers/nsfs/mounts.ts)
 *   readDockerName(paths, id): string | undefined — `/var/lib/docker/containers/<id>/config.v2.json` `Name`
 *   NameCache                                     — container names of every runtime for a long-running view
 *                                                   (a thin face of src/readers/runtimes/index.ts: RuntimeIndex)
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { FileCache } from '../runtimes/file-cache.js';
import { parseDockerConfig, readDockerConfig } from '../runtimes/docker.js';
import { classifyTolerable } from '../../host/tolerance.js';
import { readNsfsMounts } from '../nsfs/mounts.js';
import type { NsfsMount } from '../../model/namespace.js';
import type { Identity } from '../../model/identity.js';
import { RuntimeIndex } from '../runtimes/index.js';

/** Directories whose nsfs mounts are named network namespaces (iproute2). */
const NETNS_DIRS = ['/run/netns/', '/var/run/netns/'];

/** Pure: names of network namespaces from nsfs mounts (`/run/netns/blue` → inode → ['blue']). */
export function netnsNamesOf(mounts: readonly NsfsMount[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const m of mounts) {
    if (m.type !== 'net') continue;
    const dir = NETNS_DIRS.find((d) => m.mountPoint.startsWith(d));
    if (!dir) continue;
    const name = m.mountPoint.slice(dir.length);
    if (name === '' || name.includes('/')) continue;
    const list = out.get(m.inode) ?? [];
    if (!list.includes(name)) list.push(name);
    out.set(m.inode, list);
  }
  return out;
}

/** Named network namespaces of the host (empty when mountinfo cannot be read: names are optional). */
export function readNetnsNames(paths: HostPaths): Map<number, string[]> {
  try {
    return netnsNamesOf(readNsfsMounts(paths));
  } catch (e) {
    if (classifyTolerable(e) || (e as { kind?: string }).kind === 'not-found') return new Map();
    throw e;
  }
}

/** Pure: the container name in a Docker `config.v2.json` (`"Name": "/web"` → `web`), or undefined. */
export function parseDockerConfigName(text: string): string | undefined {
  return parseDockerConfig(text)?.name;
}

/** The Docker name of a container id (full 64-hex id), or undefined when the host has no such metadata. */
export function readDockerName(paths: HostPaths, id: string): string | undefined {
  return readDockerConfig(paths, new FileCache(), id)?.name;
}

/**
 * Friendly names of identities from every runtime's local files (Docker, Podman, containerd, CRI-O, LXC, nspawn,
 * Kubernetes pods), current: metadata is re-checked at most every 250 ms and re-read when it changed.
 */
export class NameCache {
  readonly index: RuntimeIndex;
  constructor(paths: HostPaths) {
    this.index = new RuntimeIndex(paths);
  }

  /** The name nsx prints for an identity (`web`, `POD/CONTAINER`), or undefined when metadata gives none. */
  nameOf(id: Identity | undefined): string | undefined {
    const e = this.index.enrich(id);
    return e && e.label !== e.ref ? e.label : undefined;
  }
}
