/**
 * Who is in a cgroup and where a process sits.
 *
 *   readMembers(paths, pids, tolerance): Member[]          — `/proc/PID/stat` (kernel-thread flag) + `/proc/PID/cmdline`
 *   readProcessCgroups(paths, layout, pid): ProcessCgroup[] — `/proc/PID/cgroup` matched to the layout's hierarchies
 *   readMembershipFromProc(paths, keys, tolerance)          — cgroup path → PIDs, from every `/proc/PID/cgroup`
 *   readThreadCount(dir, version): number | undefined      — `cgroup.threads` (v2) or `tasks` (v1) line count
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText, readWhole } from '../../host/read.js';
import { Tolerance, wrap } from '../../host/tolerance.js';
import { readStat } from '../../readers/procfs/stat.js';
import { readCmdlineString } from '../../readers/procfs/cmdline.js';
import { parseProcCgroup, hierarchyKey } from '../../parse/proc-cgroup.js';
import { parsePidList } from '../../parse/cgroup-files.js';
import { NotFoundError, ParseError } from '../../errors.js';
import { readdirSync } from 'node:fs';
import type { CgroupLayout, Hierarchy } from '../../model/cgroup.js';

/** PF_KTHREAD in /proc/PID/stat flags. */
const PF_KTHREAD = 0x00200000;

export interface Member {
  readonly pid: number;
  /** the command line (NULs → spaces), or `[comm]` for kernel threads and empty command lines; raw, escape before printing */
  readonly command: string;
  readonly kernelThread: boolean;
}

/**
 * Labels for member PIDs; processes that vanished are skipped (counted by the tolerance). Kernel threads are the
 * only processes with an empty command line and PF_KTHREAD set, so /proc/PID/stat is read only when cmdline is empty.
 */
export function readMembers(paths: HostPaths, pids: readonly number[], tolerance: Tolerance): Member[] {
  const out: Member[] = [];
  for (const pid of pids) {
    try {
      const cmd = readCmdlineString(paths, pid);
      if (cmd !== undefined) {
        out.push({ pid, command: cmd, kernelThread: false });
        continue;
      }
      const st = readStat(paths, pid);
      const kernelThread = st.flags !== undefined && (st.flags & PF_KTHREAD) !== 0;
      out.push({ pid, command: `[${st.comm}]`, kernelThread });
    } catch (e) {
      tolerance.absorb(e, join(paths.proc, String(pid)));
    }
  }
  return out;
}

/**
 * Cgroup membership seen from the process side: every PID of `/proc` and its path in each of `keys`
 * (hierarchy keys, `''` = cgroup2), from `/proc/PID/cgroup`. One read per process instead of one
 * `cgroup.procs` per cgroup: on a host with thousands of cgroups and hundreds of processes, far fewer reads.
 * Returns undefined when `/proc` lists no process (a captured cgroupfs without procfs).
 */
export function readMembershipFromProc(
  paths: HostPaths,
  keys: ReadonlySet<string>,
  tolerance: Tolerance,
  pids: readonly number[] | undefined = listProcPids(paths, tolerance),
): Map<string, number[]> | undefined {
  if (!pids || pids.length === 0) return undefined;
  const byPath = new Map<string, number[]>();
  for (const pid of pids) {
    const p = join(paths.proc, String(pid), 'cgroup');
    let entries;
    try {
      entries = parseProcCgroup(readText(p), p);
    } catch (e) {
      if (e instanceof ParseError) continue;
      tolerance.absorb(e, p);
      continue;
    }
    const mine = new Set<string>();
    for (const e of entries) {
      const key = e.hierarchyId === 0 ? '' : hierarchyKey(e.controllers, e.name);
      if (keys.has(key)) mine.add(e.path);
    }
    for (const path of mine) {
      const list = byPath.get(path);
      if (list) list.push(pid);
      else byPath.set(path, [pid]);
    }
  }
  for (const l of byPath.values()) l.sort((a, b) => a - b);
  return byPath;
}

/** PIDs listed in /proc (one readdir); undefined when /proc cannot be listed. */
export function listProcPids(paths: HostPaths, tolerance: Tolerance): number[] | undefined {
  let names: string[];
  try {
    names = readdirSync(paths.proc);
  } catch (e) {
    tolerance.absorb(e, paths.proc);
    return undefined;
  }
  const out: number[] = [];
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 48 && c <= 57 && /^\d+$/.test(n)) out.push(Number(n));
  }
  return out.sort((a, b) => a - b);
}

/** Where a process sits in one hierarchy. */
export interface ProcessCgroup {
  readonly hierarchyId: number;
  readonly version: 1 | 2;
  readonly controllers: string[];
  readonly name?: string;
  /** the path as /proc/PID/cgroup gives it (may start with `/..` inside a cgroup namespace) */
  readonly path: string;
  /** the hierarchy's mount point (host path), when mounted */
  readonly mount?: string;
  /** the hierarchy's key in the layout ('' = cgroup2), when mounted */
  readonly key?: string;
}

function matchHierarchy(layout: CgroupLayout, id: number, controllers: string[], name?: string): Hierarchy | undefined {
  if (id === 0) return layout.hierarchies.find((h) => h.version === 2);
  const key = hierarchyKey(controllers, name);
  return layout.hierarchies.find((h) => h.version === 1 && (h.key === key || (h.id === id && h.id > 0)));
}

/** Parse `/proc/PID/cgroup` and attach each line to its mounted hierarchy. NotFoundError when there is no such process. */
export function readProcessCgroups(paths: HostPaths, layout: CgroupLayout, pid: number): ProcessCgroup[] {
  const p = join(paths.proc, String(pid), 'cgroup');
  let text: string;
  try {
    text = readText(p);
  } catch (e) {
    if (e instanceof NotFoundError) throw new NotFoundError(`${pid}: no such process`, p);
    throw e;
  }
  return parseProcCgroup(text, p).map((e) => {
    const h = matchHierarchy(layout, e.hierarchyId, e.controllers, e.name);
    return {
      hierarchyId: e.hierarchyId,
      version: e.hierarchyId === 0 ? 2 : 1,
      controllers: e.hierarchyId === 0 ? (h?.controllers ?? []) : e.controllers,
      ...(e.name !== undefined ? { name: e.name } : {}),
      path: e.path,
      ...(h ? { mount: h.mounts[0], key: h.key } : {}),
    } satisfies ProcessCgroup;
  });
}

/** Number of threads in a cgroup directory (`cgroup.threads` on v2, `tasks` on v1); undefined when absent. */
export function readThreadCount(dir: string, version: 1 | 2): number | undefined {
  const t = wrap(undefined, join(dir, version === 2 ? 'cgroup.threads' : 'tasks'), readWhole, 'gone');
  return t === undefined ? undefined : parsePidList(t).length;
}
