/**
 * Namespace relations (PNS, ONS), NETNSID and owner UID for a set of namespaces.
 *
 * Live host: open one file of each namespace (`/proc/PID/ns/TYPE` of a member process, trying the next
 * member if one vanished, or its nsfs mount point) and ask the kernel through native-bindings/nsfs.ts
 * (loaded here with a dynamic import, so that callers that do not need relations never load koffi).
 * Fake host: read the recorded `nsx-ns-relations` file at the root (see src/parse/ns-relations.ts).
 */
import { join } from 'node:path';
import { closeSync } from 'node:fs';
import type { HostPaths } from '../../host/paths.js';
import { hostPath } from '../../host/paths.js';
import { readWhole } from '../../host/read.js';
import type { Tolerance } from '../../host/tolerance.js';
import { parseNsRelations } from '../../parse/ns-relations.js';
import type { NamespaceRecord } from '../../model/namespace.js';
import { nsLinkPath } from '../procfs/ns.js';
import { wrap } from '../../host/tolerance.js';
import * as nsfs from '../../../native-bindings/nsfs.js';

export interface RelationNeeds {
  /** PNS and ONS */
  readonly relations?: boolean;
  /** NETNSID of net namespaces */
  readonly netnsid?: boolean;
  /** owner UID, only for namespaces without processes */
  readonly ownerUid?: boolean;
  /**
   * also find the parents and owners that no process holds (lsns does for --tree=owner|parent); only those
   * of these types are returned
   */
  readonly ghosts?: readonly string[];
}

/** Name of the recorded-relations file at the root of a fake host. */
export const RELATIONS_FILE = 'nsx-ns-relations';

/**
 * Fill `parent`, `owner`, `netnsid`, `ownerUid` of the records in place, as far as `needs` asks. Returns the
 * namespaces found only as someone's parent or owner (with `needs.ghosts`; NPROCS 0), else [].
 */
export async function readNamespaceRelations(
  paths: HostPaths,
  nss: NamespaceRecord[],
  needs: RelationNeeds,
  tol: Tolerance,
): Promise<NamespaceRecord[]> {
  const targets = nss.filter((ns) => needs.relations || (needs.netnsid && ns.type === 'net') || (needs.ownerUid && ns.pids.length === 0));
  if (targets.length === 0) return [];
  if (!paths.live) {
    const p = join(paths.root, RELATIONS_FILE);
    const text = wrap(undefined, p, readWhole, 'gone');
    if (text === undefined) return [];
    const rec = parseNsRelations(text, p);
    for (const ns of targets) {
      const r = rec.get(ns.inode);
      if (!r) continue;
      if (needs.relations) {
        ns.parent = r.parent ?? 0;
        ns.owner = r.owner ?? 0;
      }
      if (needs.netnsid && ns.type === 'net') ns.netnsid = r.netnsid;
      if (r.ownerUid !== undefined) ns.ownerUid = r.ownerUid;
    }
    return [];
  }
  const netlink = needs.netnsid ? nsfs.openNetnsidQuery() : undefined;
  try {
    for (const ns of targets) {
      const apply = (r: import('../../../native-bindings/nsfs.js').NsRelations): boolean => {
        if (r.inode !== ns.inode) return false; // the PID was reused by a process in another namespace
        if (needs.relations) {
          ns.parent = r.parent;
          ns.owner = r.owner;
        }
        if (ns.type === 'net' && needs.netnsid) ns.netnsid = r.netnsid;
        ns.ownerUid = r.ownerUid;
        return true;
      };
      let done = false;
      for (const f of nsFiles(paths, ns)) {
        try {
          if (apply(nsfs.readNsRelations(f, { netlink: ns.type === 'net' ? netlink : undefined }))) {
            done = true;
            break;
          }
        } catch (e) {
          if (e instanceof nsfs.SyscallError) {
            // an ioctl the kernel does not support: leave the cells empty
            done = true;
            break;
          }
          tol.absorb(e, f);
        }
      }
      // a netns held only by sockets has no file to open: ask a socket (SIOCGSKNS) for an fd of it
      for (const h of done ? [] : (ns.sockets ?? [])) {
        let fd: number;
        try {
          fd = nsfs.socketNetnsFd(h.pid, h.fd);
        } catch (e) {
          if (e instanceof nsfs.SyscallError) continue;
          throw e;
        }
        try {
          if (apply(nsfs.readNsRelationsFd(fd, { netlink }))) break;
        } catch (e) {
          if (!(e instanceof nsfs.SyscallError)) throw e;
        } finally {
          closeSync(fd);
        }
      }
    }
  } finally {
    netlink?.close();
  }
  return needs.ghosts && needs.relations ? findGhosts(paths, nss, needs.ghosts, nsfs, tol) : [];
}

/** Files that open a namespace: the links of its member processes, then its nsfs bind mounts. */
function nsFiles(paths: HostPaths, ns: NamespaceRecord): string[] {
  return [
    ...ns.pids.map((pid) => nsLinkPath(paths, pid, ns.type)),
    ...ns.nsfs.map((m) => hostPath(paths, m)),
    ...(ns.fds ?? []).map((h) => join(paths.proc, String(h.pid), 'fd', String(h.fd))),
  ];
}

type NsfsModule = typeof import('../../../native-bindings/nsfs.js');

function findGhosts(paths: HostPaths, nss: readonly NamespaceRecord[], types: readonly string[], nsfs: NsfsModule, tol: Tolerance): NamespaceRecord[] {
  const known = new Set(nss.map((ns) => ns.inode));
  const ghosts: NamespaceRecord[] = [];
  for (const ns of nss) {
    const missing = [ns.parent, ns.owner].some((id) => id !== undefined && id !== 0 && !known.has(id));
    if (!missing) continue;
    for (const f of nsFiles(paths, ns)) {
      try {
        for (const r of nsfs.discoverRelated(f, (ino) => known.has(ino))) {
          known.add(r.inode);
          if (r.type === undefined || !types.includes(r.type)) continue;
          ghosts.push({ inode: r.inode, type: r.type as NamespaceRecord['type'], pids: [], nsfs: [], parent: r.parent, owner: r.owner, ownerUid: r.ownerUid });
        }
        break;
      } catch (e) {
        if (e instanceof nsfs.SyscallError) break;
        tol.absorb(e, f);
      }
    }
  }
  return ghosts;
}
