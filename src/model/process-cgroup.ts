/**
 * The one set of rules about a process's cgroups, from the lines of its `/proc/PID/cgroup`
 * (read by src/readers/procfs/cgroup.ts `readProcCgroup`, parsed by src/parse/proc-cgroup.ts):
 *
 * - `cgroupIdentity(entries)`: the container, pod or unit the process belongs to. Paths are offered to the
 *   identity model (src/model/identity.ts) cgroup2 first, then name=systemd, then the controllers'; the most
 *   specific identity wins, a tie goes to the first offered.
 * - `primaryCgroup(entries)`: THE cgroup shown for a process (`ps` CGROUP, `ls -o +CGROUP`, the dashboard):
 *   the path whose identity is the process's identity; otherwise name=systemd's, else cgroup2's, else the first
 *   line's; but never the root `/` when another hierarchy places the process deeper (a v1 cpu cgroup of its own
 *   on a hybrid host), where the cpu, then memory, then cgroup2 hierarchy is preferred.
 * - `hierarchyOf(layout, entry)`: the mounted hierarchy a line describes: cgroup2 for id 0; for v1 the hierarchy
 *   with the same key (sorted controllers plus `name=`), else the same id.
 * - `withinCgroup(path, base)`: is a path the cgroup `base` or below it.
 * Pure: no I/O.
 */
import type { CgroupLayout, Hierarchy } from './cgroup.js';
import { identifyCgroupPaths, systemdUnitOf, type Identity } from './identity.js';
import { hierarchyKey, type ProcCgroupEntry } from '../parse/proc-cgroup.js';

export type { ProcCgroupEntry } from '../parse/proc-cgroup.js';

/** `/../../x` (a path seen from inside a cgroup namespace) without its leading `/..` parts. */
export function stripNsPrefix(p: string): string {
  let s = p;
  while (s.startsWith('/..')) s = s.slice(3);
  return s === '' ? '/' : s;
}

function identityPreference(e: ProcCgroupEntry): number {
  return e.hierarchyId === 0 ? 0 : e.name === 'systemd' ? 1 : 2;
}

/** A process's cgroup paths in the order identity takes them: cgroup2, name=systemd, then the controllers'. */
export function identityPaths(entries: readonly ProcCgroupEntry[]): string[] {
  // a stable sort by preference (0, 1, 2), as three passes
  const out: string[] = [];
  for (let pref = 0; pref <= 2; pref++) for (const e of entries) if (identityPreference(e) === pref) out.push(e.path);
  return out;
}

/** The container, pod, machine or unit named by a process's cgroup paths (see the module comment). */
export function cgroupIdentity(entries: readonly ProcCgroupEntry[]): Identity | undefined {
  if (entries.length === 0) return undefined;
  return identifyCgroupPaths(identityPaths(entries));
}

function deeperPreference(e: ProcCgroupEntry): number {
  return e.controllers.includes('cpu') ? 0 : e.controllers.includes('memory') ? 1 : e.hierarchyId === 0 ? 2 : 3;
}

/** The line of `/proc/PID/cgroup` whose path is shown as the process's cgroup (see the module comment). */
export function primaryCgroup(entries: readonly ProcCgroupEntry[], identity: Identity | undefined = cgroupIdentity(entries)): ProcCgroupEntry | undefined {
  if (entries.length === 0) return undefined;
  if (identity) {
    const withId = entries.find((e) => stripNsPrefix(e.path).startsWith(identity.cgroup));
    if (withId) return withId;
  }
  const first = entries.find((e) => e.name === 'systemd') ?? entries.find((e) => e.hierarchyId === 0) ?? entries[0];
  if (first.path !== '/') return first;
  let deeper: ProcCgroupEntry | undefined;
  for (const e of entries) if (e.path !== '/' && (!deeper || deeperPreference(e) < deeperPreference(deeper))) deeper = e;
  return deeper ?? first;
}

/** The path of `primaryCgroup`. */
export function primaryCgroupPath(entries: readonly ProcCgroupEntry[], identity?: Identity): string | undefined {
  return primaryCgroup(entries, identity ?? cgroupIdentity(entries))?.path;
}

/** The mounted hierarchy a line of `/proc/PID/cgroup` describes (undefined: not mounted here). */
export function hierarchyOf(layout: CgroupLayout, e: Pick<ProcCgroupEntry, 'hierarchyId' | 'controllers' | 'name'>): Hierarchy | undefined {
  if (e.hierarchyId === 0) return layout.hierarchies.find((h) => h.version === 2);
  const key = hierarchyKey(e.controllers, e.name);
  return layout.hierarchies.find((h) => h.version === 1 && h.key === key) ?? layout.hierarchies.find((h) => h.version === 1 && h.id > 0 && h.id === e.hierarchyId);
}

/**
 * The systemd unit of a process, as `ps -o unit` says (`systemdUnitOf` of the path systemd tracks it by: the
 * name=systemd line on a v1 host, else the cgroup2 line); undefined when it is in no unit.
 */
export function systemdUnitOfProcess(entries: readonly ProcCgroupEntry[]): string | undefined {
  const e = entries.find((x) => x.name === 'systemd') ?? entries.find((x) => x.hierarchyId === 0);
  return e ? systemdUnitOf(e.path) : undefined;
}

/** Is `path` the cgroup `base` or below it? (`base` may end with `/`; `/` contains everything.) */
export function withinCgroup(path: string, base: string): boolean {
  const r = base.length > 1 && base.endsWith('/') ? base.slice(0, -1) : base;
  return r === '/' || path === r || path.startsWith(r + '/');
}

/** A process's cgroups with the two derived facts every view shows. */
export interface ProcessCgroups {
  /** every line of /proc/PID/cgroup */
  readonly entries: ProcCgroupEntry[];
  /** the container, pod or unit (see cgroupIdentity) */
  readonly identity?: Identity;
  /** the cgroup path shown for the process (see primaryCgroup) */
  readonly primary?: string;
}

/** The identity (from the path forms unless given) and primary path of parsed lines. Pure. */
export function processCgroupsOf(entries: ProcCgroupEntry[], located?: Identity): ProcessCgroups {
  const identity = located ?? cgroupIdentity(entries);
  const primary = primaryCgroup(entries, identity)?.path;
  return { entries, ...(identity ? { identity } : {}), ...(primary !== undefined ? { primary } : {}) };
}
