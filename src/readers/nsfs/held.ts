/**
 * Namespaces held through descriptors, read from `/proc/PID/fd/N` (lsns 2.41 `read_opened_namespaces`):
 *   - an nsfs file a process opened (`readlink` → `net:[4026532001]`, also on a fake host);
 *   - a socket (`socket:[N]`): its network namespace comes from SIOCGSKNS on a duplicate of the socket taken
 *     with pidfd_getfd (native-bindings/nsfs.ts; live host only, root, Linux ≥ 5.6). Each socket inode is
 *     asked once. A socket in the netns its process is a member of is not reported (nothing new is held).
 */
import { join } from 'node:path';
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import type { HostPaths } from '../../host/paths.js';
import { listDir, readLink } from '../../host/read.js';
import type { Tolerance } from '../../host/tolerance.js';
import { parseNsLink, type NsType } from '../../parse/nsid-link.js';
import type { FdHeld } from '../../model/namespace.js';

export interface HeldOptions {
  /** namespace types wanted (a socket is looked at only when `net` is one of them) */
  readonly types: readonly NsType[];
  /** PID → its own net namespace inode (sockets there are not reported), when known */
  readonly ownNet?: ReadonlyMap<number, number>;
}

/** The text of a `socket:[N]` link → N, else undefined (pure). */
export function parseSocketLink(text: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

type NativeSock = (pid: number, fd: number) => number | undefined;

/** Read the descriptors of `pids`. Tolerates vanished and unreadable processes (recorded in `tol`). */
export async function readFdHeld(paths: HostPaths, pids: readonly number[], o: HeldOptions, tol: Tolerance): Promise<FdHeld[]> {
  const out: FdHeld[] = [];
  const wantSockets = o.types.includes('net') && paths.live;
  let sockNs: NativeSock | undefined;
  const sockCache = new Map<number, number | undefined>();
  for (const pid of pids) {
    const dir = join(paths.proc, String(pid), 'fd');
    let fds: string[];
    try {
      fds = listDir(dir);
    } catch (e) {
      tol.absorb(e, dir);
      continue;
    }
    for (const name of fds) {
      if (!/^\d+$/.test(name)) continue;
      let text: string;
      try {
        text = readLink(`${dir}/${name}`);
      } catch {
        continue; // the descriptor was closed meanwhile (or the process is gone): nothing is held by it
      }
      const fd = Number(name);
      const ns = text.endsWith(']') ? parseNsLink(text) : undefined;
      if (ns) {
        if (o.types.includes(ns.type)) out.push({ pid, fd, kind: 'nsfs', type: ns.type, inode: ns.inode });
        continue;
      }
      if (text.startsWith('/') && paths.live) {
        // a namespace opened through a bind mount reads as its path (`/run/netns/x`): stat tells (nsfs device)
        const held = await nsfsByStat(paths, `${dir}/${name}`, o.types);
        if (held) out.push({ pid, fd, kind: 'nsfs', ...held });
        continue;
      }
      if (!wantSockets) continue;
      const sock = parseSocketLink(text);
      if (sock === undefined) continue;
      if (!sockCache.has(sock)) {
        sockNs ??= await loadSocketReader();
        sockCache.set(sock, sockNs(pid, fd));
      }
      const ino = sockCache.get(sock);
      if (ino !== undefined && ino !== o.ownNet?.get(pid)) out.push({ pid, fd, kind: 'socket', type: 'net', inode: ino });
    }
  }
  return out;
}

let nsfsDev: number | undefined;

/** The namespace behind a descriptor that `stat` puts on the nsfs device, with its type (NS_GET_NSTYPE). */
async function nsfsByStat(paths: HostPaths, fdPath: string, types: readonly NsType[]): Promise<{ type: NsType; inode: number } | undefined> {
  let st;
  try {
    nsfsDev ??= statSync(join(paths.proc, 'self', 'ns', 'net')).dev;
    st = statSync(fdPath);
  } catch {
    return undefined;
  }
  if (st.dev !== nsfsDev) return undefined;
  try {
    const nsfs = await import('../../../native-bindings/nsfs.js');
    const fd = openSync(fdPath, 'r');
    try {
      const type = nsfs.nsType(fd) as NsType | undefined;
      return type && types.includes(type) ? { type, inode: st.ino } : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** SIOCGSKNS through koffi; every failure (gone, closed, not allowed, old kernel) means "unknown". */
async function loadSocketReader(): Promise<NativeSock> {
  let nsfs: typeof import('../../../native-bindings/nsfs.js');
  try {
    nsfs = await import('../../../native-bindings/nsfs.js');
  } catch {
    return () => undefined;
  }
  let broken = false;
  return (pid, fd) => {
    if (broken) return undefined;
    let nsfd: number;
    try {
      nsfd = nsfs.socketNetnsFd(pid, fd);
    } catch (e) {
      // a kernel without pidfd_getfd or SIOCGSKNS: stop asking
      if (e instanceof nsfs.SyscallError && (e.code === 'ENOSYS' || e.code === 'ENOTTY')) broken = true;
      else if (!(e instanceof nsfs.SyscallError)) broken = true; // koffi unavailable
      return undefined;
    }
    try {
      return fstatSync(nsfd).ino;
    } finally {
      closeSync(nsfd);
    }
  };
}
