/**
 * Resolve `-t` to a PID: a PID as given, `cgroup:/path` (the lowest PID in that cgroup, else in its
 * subtree) or `container:PREFIX` (the lowest PID of the one container whose id starts with PREFIX, found
 * in /proc/PID/cgroup paths). Each resolution also returns a check, run again once the process is
 * pinned, that the pinned process is still the one that matched (so a PID reused in between is refused).
 *
 * Reads: `<cgroup mount>/<path>/cgroup.procs`, `/proc/PID/cgroup`, `/proc` (the PID list).
 */
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { listDirTyped, readText, readTextOrUndefined } from '../host/read.js';
import { Tolerance } from '../host/tolerance.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { TargetSpec } from './plan.js';
import { parseProcCgroup, type ProcCgroupEntry } from '../parse/proc-cgroup.js';

export interface ResolvedTarget {
  readonly pid: number;
  /** true when the text of the pinned process's /proc/PID/cgroup still matches what was resolved */
  readonly stillMatches?: (procCgroupText: string) => boolean;
}

/** Parse /proc/PID/cgroup leniently: a broken file matches nothing. */
function entriesOf(text: string | undefined, source: string): ProcCgroupEntry[] {
  if (text === undefined) return [];
  try {
    return parseProcCgroup(text, source);
  } catch {
    return [];
  }
}

/** true when `p` is `base` or below it. */
function within(p: string, base: string): boolean {
  return base === '/' || p === base || p.startsWith(base + '/');
}

/** Lowest PID listed in dir/cgroup.procs, else in the subtree below dir (undefined: none; null: no such dir). */
function lowestPidIn(dir: string, depth = 0): number | undefined | null {
  let kids;
  try {
    kids = listDirTyped(dir);
  } catch (e) {
    new Tolerance().absorb(e, dir); // no such cgroup (or not ours to read)
    return null;
  }
  const text = readTextOrUndefined(join(dir, 'cgroup.procs')) ?? '';
  let best: number | undefined;
  for (const l of text.split('\n')) if (/^\d+$/.test(l.trim())) best = Math.min(best ?? Infinity, Number(l.trim()));
  if (best !== undefined || depth > 64) return best;
  for (const k of kids) {
    if (!k.isDirectory()) continue;
    const p = lowestPidIn(join(dir, k.name), depth + 1);
    if (typeof p === 'number') best = Math.min(best ?? Infinity, p);
  }
  return best;
}

async function resolveCgroup(paths: HostPaths, cgPath: string): Promise<ResolvedTarget> {
  const { readCgroupLayout, cgroupDir } = await import('../readers/cgroupfs/layout.js');
  const layout = readCgroupLayout(paths);
  // cgroup2 first, then the v1 hierarchies (name=systemd holds every process on hybrid hosts)
  const order = [...layout.hierarchies].sort((a, b) => b.version - a.version);
  let found = false;
  let best: number | undefined;
  for (const h of order) {
    const p = lowestPidIn(cgroupDir(paths, h, cgPath));
    if (p === null) continue;
    found = true;
    if (p !== undefined) best = Math.min(best ?? Infinity, p);
  }
  if (!found) throw new NotFoundError(`nsx enter: cgroup:${cgPath}: no such cgroup in any mounted hierarchy`, cgPath);
  if (best === undefined) throw new NotFoundError(`nsx enter: cgroup:${cgPath}: no process in that cgroup or below it`, cgPath);
  return {
    pid: best,
    stillMatches: (text) => entriesOf(text, 'cgroup').some((e) => within(e.path, cgPath)),
  };
}

async function resolveContainer(paths: HostPaths, prefix: string): Promise<ResolvedTarget> {
  const [{ identifyCgroupPaths }, { readPids }] = await Promise.all([import('../model/identity.js'), import('../readers/procfs/pids.js')]);
  const idOf = (text: string | undefined, source: string): string | undefined => {
    const es = entriesOf(text, source);
    // cgroup2 and name=systemd paths first: they name the container on every layout
    es.sort((a, b) => Number(b.hierarchyId === 0 || b.name === 'systemd') - Number(a.hierarchyId === 0 || a.name === 'systemd'));
    const id = identifyCgroupPaths(es.map((e) => e.path));
    return id && id.kind === 'container' ? id.id : undefined;
  };
  const matches = new Map<string, number>();
  const tol = new Tolerance();
  for (const pid of readPids(paths)) {
    const f = join(paths.proc, String(pid), 'cgroup');
    let text: string;
    try {
      text = readText(f);
    } catch (e) {
      tol.absorb(e, f); // exited meanwhile, or not ours to read
      continue;
    }
    const id = idOf(text, f);
    if (id !== undefined && id.startsWith(prefix)) matches.set(id, Math.min(matches.get(id) ?? Infinity, pid));
  }
  if (matches.size === 0)
    throw new NotFoundError(
      `nsx enter: container:${prefix}: no running container has an id starting with '${prefix}'${tol.incomplete ? ` (${tol.denied.length} processes could not be read)` : ''}`,
    );
  if (matches.size > 1) {
    const ids = [...matches.keys()].map((i) => i.slice(0, 12)).sort();
    throw new UsageError(`nsx enter: container:${prefix}: ambiguous, ${matches.size} containers match (${ids.join(', ')}); give more of the id`);
  }
  const [[id, pid]] = [...matches];
  return { pid, stillMatches: (text) => idOf(text, 'cgroup') === id };
}

/** Resolve a target to a PID (no pinning yet: see prepare.ts). */
export async function resolveTarget(paths: HostPaths, t: TargetSpec): Promise<ResolvedTarget> {
  switch (t.kind) {
    case 'pid':
      return { pid: t.pid };
    case 'cgroup':
      return resolveCgroup(paths, t.path);
    case 'container':
      return resolveContainer(paths, t.prefix);
  }
}
