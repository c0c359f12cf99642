/**
 * The `nsx ls` service: walk the processes of a host, group their namespaces, add the ones held only by nsfs
 * bind mounts, relate them when asked, and return rows plus what was read about the processes shown.
 *
 * Reads only what the selected columns need: the namespace links always (readlink, no FFI); `stat` for the
 * parent PIDs only with the process tree (all processes) or the PPID column (shown processes); the owner UID,
 * command line and cgroup only for the processes shown (one per namespace); koffi only for PNS/ONS, NETNSID,
 * owner/parent trees and the owner of namespaces held only by a mount.
 */
import type { IdentityJson } from '../model/identity.js';
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { Tolerance, type Incompleteness } from '../host/tolerance.js';
import { NotFoundError, ParseError } from '../errors.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import type { ProcCgroupEntry } from '../parse/proc-cgroup.js';
import {
  groupNamespaces,
  withNsfsMounts,
  withFdHolders,
  namespaceRows,
  processRows,
  type NamespaceRecord,
  type TreeKind,
} from '../model/namespace.js';
import type { ProcessRecord } from '../model/process.js';
import { readPids, pidExists, readPidDirUid } from '../readers/procfs/pids.js';
import { readNsLinks } from '../readers/procfs/ns.js';
import { readCmdlineText } from '../readers/procfs/cmdline.js';
import { lsnsCommandLine, cmdlineArgv } from '../parse/lsns-cmdline.js';
import { readComm } from '../readers/procfs/comm.js';
import { readNsfsMounts } from '../readers/nsfs/mounts.js';
import { readUserNames } from '../readers/etc/passwd.js';
import type { LsNeed, LsProcInfo, LsTreeRow } from '../fields/ls.js';
import { readFdHeld } from '../readers/nsfs/held.js';
import { readNamespaceRelations } from '../readers/nsfs/relations.js';
import { readStat } from '../readers/procfs/stat.js';
import { readStatus } from '../readers/procfs/status.js';
import { readProcCgroup } from '../readers/procfs/cgroup.js';
import { identityJson } from '../model/identity.js';
import { runtimeIndexFor } from '../readers/runtimes/index.js';
import { identityPaths, primaryCgroupPath } from '../model/process-cgroup.js';

export interface LsOptions {
  readonly paths: HostPaths;
  /** namespace types to list (lsns -t); empty or undefined = all 8 */
  readonly types?: readonly NsType[];
  /** only namespaces of this process (lsns -p) */
  readonly task?: number;
  /** list the processes of this namespace instead (lsns positional argument) */
  readonly namespace?: number;
  readonly tree: TreeKind;
  /** arrange as the tree but return rows flat (no selected column draws the tree) */
  readonly flat?: boolean;
  /** only namespaces without processes (lsns -P) */
  readonly persistent?: boolean;
  /** what the selected columns need (see LS_FIELDS) */
  readonly needs: ReadonlySet<LsNeed>;
  /** walk `/proc/PID/fd` for namespaces held by descriptors and sockets (default true, as lsns 2.41) */
  readonly fds?: boolean;
}

export interface LsResult {
  /** 'namespaces': one row per namespace; 'processes': one row per process of `namespace` */
  readonly mode: 'namespaces' | 'processes';
  readonly namespaces: readonly NamespaceRecord[];
  readonly rows: readonly LsTreeRow[];
  /** what was read about the processes shown */
  readonly procs: ReadonlyMap<number, LsProcInfo>;
  readonly users: ReadonlyMap<number, string>;
  /** true when permission errors hid processes or namespaces */
  readonly incomplete: boolean;
  readonly skipped: Incompleteness;
  /** descriptor directories (`/proc/PID/fd`) that could not be read: holders there are unknown */
  readonly fdsSkipped: Incompleteness;
}

/** The cgroup path nsx shows for a process: name=systemd (v1/hybrid), else the cgroup2 line, else the first. */
export function pickCgroupPath(entries: readonly ProcCgroupEntry[]): string | undefined {
  const sd = entries.find((e) => e.name === 'systemd');
  const v2 = entries.find((e) => e.hierarchyId === 0);
  return (sd ?? v2 ?? entries[0])?.path;
}

function collectPids(rows: readonly LsTreeRow[], out: Set<number>): Set<number> {
  for (const r of rows) {
    if (r.pid !== undefined) out.add(r.pid);
    collectPids(r.children, out);
  }
  return out;
}

export async function listNamespaces(o: LsOptions): Promise<LsResult> {
  const { paths, needs } = o;
  const tol = new Tolerance();
  // descriptors of processes we may not look into (another user's, as non-root) do not make the list incomplete
  // in lsns's sense; they are counted apart
  const fdTol = new Tolerance();
  const types: readonly NsType[] = o.types && o.types.length ? o.types : NS_TYPES;
  const mode = o.namespace !== undefined ? 'processes' : 'namespaces';
  const tree = o.tree;
  // the process tree needs every PPID, unless no column draws it (then only the per-namespace order is kept)
  const allPpids = tree === 'process' && (!o.flat || o.namespace !== undefined);


  if (o.task !== undefined && !pidExists(paths, o.task)) throw new NotFoundError(`nsx ls: PID ${o.task}: no such process`, join(paths.proc, String(o.task)), 'ESRCH');

  // 1. the walk: namespace links of every process (and the PPID when the process tree needs it)
  const procs: ProcessRecord[] = [];
  const ppid = new Map<number, number>();
  for (const pid of readPids(paths)) {
    try {
      const ns = readNsLinks(paths, pid, types);
      if (allPpids) {
        const st = readStat(paths, pid);
        if (st.ppid !== undefined) ppid.set(pid, st.ppid);
      }
      procs.push({ pid, ns });
    } catch (e) {
      if (e instanceof ParseError) continue; // a stat that does not parse: skip the process as lsns does
      tol.absorb(e, join(paths.proc, String(pid), 'ns'));
    }
  }

  // 2. namespaces, plus those held only by nsfs bind mounts
  let nss = groupNamespaces(procs, types);
  try {
    nss = withNsfsMounts(nss, readNsfsMounts(paths), types);
  } catch (e) {
    tol.absorb(e, join(paths.proc, 'self', 'mountinfo'));
  }
  // namespaces held through descriptors: nsfs files opened by a process, sockets of a netns (lsns 2.41)
  if (o.fds !== false) {
    const ownNet = new Map<number, number>();
    for (const p of procs) if (p.ns.net !== undefined) ownNet.set(p.pid, p.ns.net);
    nss = withFdHolders(nss, await readFdHeld(paths, procs.map((p) => p.pid), { types, ownNet }, fdTol), types);
  }

  let target: NamespaceRecord | undefined;
  if (o.namespace !== undefined) {
    target = nss.find((ns) => ns.inode === o.namespace);
    if (!target) throw new NotFoundError(`nsx ls: namespace ${o.namespace}: not found (no process, mount or descriptor holds it); try nsx ls -o NS`);
  }

  // 3. relations, NETNSID, owners (FFI on the live host, the recorded file on a fake one)
  const wantRel = needs.has('relations') || needs.has('holders') || tree === 'owner' || tree === 'parent';
  const wantNetnsid = needs.has('netnsid');
  const wantOwnerUid = needs.has('uid') && nss.some((ns) => ns.pids.length === 0);
  if (wantRel || wantNetnsid || wantOwnerUid) {
    // lsns also shows, in owner/parent trees, the parents and owners that no process holds ("ghosts")
    // (with -t, the owning user namespaces stay as ancestor rows, NPROCS 0, as lsns keeps them)
    const ghostTypes = !target && (tree === 'owner' || tree === 'parent') ? [...new Set<NsType>([...types, 'user'])] : undefined;
    const ghosts = await readNamespaceRelations(
      paths,
      target ? [target] : nss,
      { relations: wantRel, netnsid: wantNetnsid, ownerUid: wantOwnerUid, ghosts: ghostTypes },
      tol,
    );
    if (ghosts.length) nss = [...nss, ...ghosts].sort((a, b) => a.inode - b.inode);
  }

  // 4. rows
  const rows: LsTreeRow[] = target
    ? processRows(target, { tree, ppid, flat: o.flat })
    : namespaceRows(nss, { tree, task: o.task, persistent: o.persistent, ppid, flat: o.flat });

  // 5. details of the processes shown
  const info = new Map<number, LsProcInfo>();
  const live = paths.live;
  for (const pid of collectPids(rows, new Set())) {
    const d: { ppid?: number; uid?: number; command?: string; argv?: string[]; cgroup?: string; container?: string; identity?: IdentityJson | null } = {};
    const base = join(paths.proc, String(pid));
    try {
      if (needs.has('ppid')) d.ppid = ppid.get(pid) ?? readStat(paths, pid).ppid;
      // lsns takes the owner of /proc/PID (the effective UID); a fake host's files are not owned by it
      if (needs.has('uid')) d.uid = live ? readPidDirUid(paths, pid) : readStatus(paths, pid).uid?.effective;
      if (needs.has('command') || needs.has('argv')) {
        const text = readCmdlineText(paths, pid);
        if (needs.has('command')) d.command = lsnsCommandLine(text) ?? readComm(paths, pid);
        if (needs.has('argv')) d.argv = cmdlineArgv(text);
      }
      if (needs.has('cgroup')) {
        // the one reader of /proc/PID/cgroup and the one primary-cgroup rule, as ps and the dashboard use
        const entries = readProcCgroup(paths, pid);
        const index = runtimeIndexFor(paths);
        const located = index.locatePaths(identityPaths(entries));
        d.cgroup = primaryCgroupPath(entries, located);
        const id = index.enrich(located); // names from the runtimes' files (issue 9)
        d.container = id?.label;
        d.identity = identityJson(id);
      }
    } catch (e) {
      if (!(e instanceof ParseError)) tol.absorb(e, base);
    }
    info.set(pid, d);
  }

  const users = needs.has('uid') ? readUserNames(paths) : new Map<number, string>();
  return { mode, namespaces: nss, rows, procs: info, users, incomplete: tol.incomplete, skipped: tol.toJSON(), fdsSkipped: fdTol.toJSON() };
}
