/**
 * Namespaces held by nsfs bind mounts (`ip netns add X` → `/run/netns/X`), from `/proc/self/mountinfo`:
 * entries with fstype `nsfs` whose root is `TYPE:[INODE]`.
 */
import type { HostPaths } from '../../host/paths.js';
import type { MountinfoEntry } from '../../parse/mountinfo.js';
import { parseNsLink } from '../../parse/nsid-link.js';
import type { NsfsMount } from '../../model/namespace.js';
import { readMountinfo } from '../procfs/mountinfo.js';

/** Pure: the nsfs mounts among mountinfo entries. */
export function nsfsMountsOf(entries: readonly MountinfoEntry[]): NsfsMount[] {
  const out: NsfsMount[] = [];
  for (const e of entries) {
    if (e.fsType !== 'nsfs') continue;
    const l = parseNsLink(e.root);
    if (l) out.push({ type: l.type, inode: l.inode, mountPoint: e.mountPoint });
  }
  return out;
}

/** Read `/proc/self/mountinfo` and return its nsfs mounts. */
export function readNsfsMounts(paths: HostPaths): NsfsMount[] {
  return nsfsMountsOf(readMountinfo(paths, 'self'));
}
