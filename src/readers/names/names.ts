/**
 * Friendly names from local metadata only (no runtime API, no sockets): optional decoration of what
 * src/model/identity.ts derives from cgroup paths. Everything here may be absent; nothing else depends on it.
 *
 *   readNetnsNames(paths): Map<inode, names[]>   — nsfs bind mounts under `/run/netns/` (`ip netns add NAME`),
 *                                                   from `/proc/self/mountinfo` (see readers/nsfs/mounts.ts)
 *   readDockerName(paths, id): string | undefined — `/var/lib/docker/containers/<id>/config.v2.json` `Name`
 *   NameCache                                     — memoises Docker names per id for a long-running view
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { hostPath } from '../../host/paths.js';
import { readTextOrUndefined } from '../../host/read.js';
import { classifyTolerable } from '../../host/tolerance.js';
import { readNsfsMounts } from '../nsfs/mounts.js';
import type { NsfsMount } from '../../model/namespace.js';
import type { Identity } from '../../model/identity.js';

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
  try {
    const j = JSON.parse(text) as { Name?: unknown };
    if (typeof j?.Name !== 'string') return undefined;
    const n = j.Name.replace(/^\//, '');
    return n === '' ? undefined : n;
  } catch {
    return undefined;
  }
}

/** The Docker name of a container id (full 64-hex id), or undefined when the host has no such metadata. */
export function readDockerName(paths: HostPaths, id: string): string | undefined {
  if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
  const p = join(hostPath(paths, '/var/lib/docker/containers'), id, 'config.v2.json');
  try {
    const t = readTextOrUndefined(p);
    return t === undefined ? undefined : parseDockerConfigName(t);
  } catch (e) {
    if (classifyTolerable(e)) return undefined; // unreadable metadata: no name, not an error
    throw e;
  }
}

/** Memoised friendly names for identities (one file read per container id per cache lifetime). */
export class NameCache {
  private readonly docker = new Map<string, string | undefined>();
  constructor(private readonly paths: HostPaths) {}

  /** Friendly name of an identity (Docker containers only for now), or undefined. */
  nameOf(id: Identity | undefined): string | undefined {
    if (!id || id.kind !== 'container' || id.runtime !== 'docker') return undefined;
    if (!this.docker.has(id.id)) this.docker.set(id.id, readDockerName(this.paths, id.id));
    return this.docker.get(id.id);
  }
}
