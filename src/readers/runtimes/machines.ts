/**
 * LXC containers and systemd-nspawn machines from their local files:
 * - LXC: `/var/lib/lxc/<name>/config` (its existence confirms the name; `lxc.rootfs.path`, or the download
 *   template's `-d DIST -r RELEASE` comment, stands for the image);
 * - machined: `/run/systemd/machines/<name>` (`NAME=`, `SCOPE=`, `ROOT=`, `CLASS=`, `LEADER=`).
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { hostPath } from '../../host/paths.js';
import type { ContainerMeta } from '../../model/identity.js';
import type { FileCache } from './file-cache.js';

/** Pure: what an LXC config says about the container's image. */
export function parseLxcConfig(text: string): { image?: string; utsname?: string } {
  let rootfs: string | undefined;
  let utsname: string | undefined;
  let image: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const params = /^#\s*Parameters passed to the template:\s*(.*)$/.exec(line);
    if (params) {
      const a = params[1].split(/\s+/);
      const opt = (s: string, l: string) => {
        const i = a.findIndex((x) => x === s || x === l);
        return i >= 0 ? a[i + 1] : undefined;
      };
      const dist = opt('-d', '--dist');
      const rel = opt('-r', '--release');
      if (dist !== undefined) image = rel !== undefined ? `${dist}:${rel}` : dist;
      continue;
    }
    const m = /^([a-z0-9_.]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'lxc.rootfs.path' || m[1] === 'lxc.rootfs') rootfs = m[2];
    if (m[1] === 'lxc.uts.name' || m[1] === 'lxc.utsname') utsname = m[2];
  }
  const img = image ?? rootfs;
  return { ...(img !== undefined ? { image: img } : {}), ...(utsname !== undefined ? { utsname } : {}) };
}

/** LXC container `name` (under `/var/lib/lxc`), or undefined when LXC has no such container there. */
export function readLxcMeta(paths: HostPaths, cache: FileCache, name: string): ContainerMeta | undefined {
  if (name.includes('/') || name === '.' || name === '..') return undefined;
  const c = cache.get(join(hostPath(paths, '/var/lib/lxc'), name, 'config'), parseLxcConfig);
  if (!c) return undefined;
  return { runtime: 'lxc', name, ...(c.image !== undefined ? { image: c.image } : {}) };
}

/** Pure: a machined state file (`KEY=VALUE` lines). */
export function parseMachineFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

/** A systemd-nspawn / machined machine by name, or undefined. */
export function readMachineMeta(paths: HostPaths, cache: FileCache, name: string): ContainerMeta | undefined {
  if (name.includes('/') || name === '.' || name === '..') return undefined;
  const m = cache.get(join(hostPath(paths, '/run/systemd/machines'), name), parseMachineFile);
  if (!m) return undefined;
  return { runtime: 'nspawn', name: m.NAME ?? name, ...(m.ROOT !== undefined ? { image: m.ROOT } : {}) };
}
