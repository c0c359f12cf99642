/** The `nsx ps` filters (`--container`, `--cgroup`, `--ns`) and the dashboard's membership queries. Pure. */
import type { PsProcess } from './process.js';
import { withinCgroup } from './process-cgroup.js';
import { targetSelector } from './container-target.js';

export interface PsFilter {
  /** runtime:id, id prefix, short id, name, pod UID or unit (case-insensitive substring of the label or name) */
  readonly container?: string;
  /** processes whose cgroup (in any hierarchy) is this path or below it */
  readonly cgroup?: string;
  /** processes in the namespace with this inode */
  readonly ns?: number;
}

/** Does a process's container match a `--container` pattern? */
export function matchesContainer(p: PsProcess, pattern: string): boolean {
  const c = p.container;
  if (!c) return false;
  const q = pattern.toLowerCase();
  const hay = [c.label, c.id, c.shortId, c.podUid, c.unit, p.containerName, `${c.runtime}:${c.id}`].filter((s): s is string => !!s);
  return hay.some((h) => h.toLowerCase() === q || h.toLowerCase().startsWith(q) || (q.length >= 3 && h.toLowerCase().includes(q)));
}

/**
 * Apply the `--container`, `--cgroup` and `--ns` filters (all must hold). Returns a new array. The container is
 * resolved as every command resolves one (src/model/container-target.ts: exact name or id first, then a unique
 * prefix; an ambiguous one is refused with a UsageError listing the candidates).
 */
export function filterProcesses(procs: readonly PsProcess[], f: PsFilter): PsProcess[] {
  const inContainer = f.container === undefined ? undefined : targetSelector(f.container, procs.map((p) => p.container), 'nsx ps');
  return procs.filter(
    (p) =>
      (inContainer === undefined || inContainer(p.container)) &&
      (f.cgroup === undefined || p.cgroups.some((e) => withinCgroup(e.path, f.cgroup!))) &&
      (f.ns === undefined || Object.values(p.ns).includes(f.ns)),
  );
}
