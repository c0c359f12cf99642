/**
 * Resolve `-t` to a PID: a PID as given, `cgroup:/path` (the lowest PID in that cgroup, else in its
 * subtree), or `container:NAME|ID|ID-PREFIX|RUNTIME:ID` / `pod:NAMESPACE/NAME` (the lowest PID of the one
 * container or pod it names: src/model/container-target.ts resolves, src/readers/runtimes/running.ts lists). Each resolution also returns a check, run again once the process is
 * pinned, that the pinned process is still the one that matched (so a PID reused in between is refused).
 *
 * Reads: `<cgroup mount>/<path>/cgroup.procs`, `/proc/PID/cgroup`, `/proc` (the PID list), runtime metadata.
 */
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { listDirTyped, readWhole } from '../host/read.js';
import { Tolerance, wrap } from '../host/tolerance.js';
import { NotFoundError } from '../errors.js';
import { containerTargetText, type ContainerTarget } from '../model/container-target.js';
import type { TargetSpec } from './plan.js';
import { procCgroupEntriesOrNone } from '../readers/procfs/cgroup.js';
import { readCgroupLayout, cgroupDir } from '../readers/cgroupfs/layout.js';
import { resolveHostTarget, identityOfProcCgroup } from '../readers/runtimes/running.js';
import { RuntimeIndex } from '../readers/runtimes/index.js';

export interface ResolvedTarget {
  readonly pid: number;
  /** true when the text of the pinned process's /proc/PID/cgroup still matches what was resolved */
  readonly stillMatches?: (procCgroupText: string) => boolean;
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
  const text = wrap(undefined, join(dir, 'cgroup.procs'), readWhole, 'gone') ?? '';
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
    stillMatches: (text) => procCgroupEntriesOrNone(text, 'cgroup').some((e) => within(e.path, cgPath)),
  };
}

/**
 * `container:…` / `pod:…`: the lowest PID of the one container (or pod) the target names, via the shared resolver
 * (exact name / full id / label first, then a unique id prefix; ambiguity refused listing the candidates). The
 * check run once the process is pinned: its /proc/PID/cgroup still names the same container (or pod).
 */
async function resolveContainer(paths: HostPaths, t: ContainerTarget): Promise<ResolvedTarget> {
  const index = new RuntimeIndex(paths);
  const r = resolveHostTarget(paths, t, { cmd: 'nsx enter', index });
  const pid = r.pids[0];
  if (pid === undefined) throw new NotFoundError(`nsx enter: ${containerTargetText(t)}: no process in it`, r.cgroup);
  const keys = new Set(r.containers.map((c) => `${c.runtime}\0${c.id}`));
  return {
    pid,
    stillMatches: (text) => {
      const i = identityOfProcCgroup(index, text);
      return !!i && keys.has(`${i.runtime}\0${i.id}`);
    },
  };
}

/** Resolve a target to a PID (no pinning yet: see prepare.ts). */
export async function resolveTarget(paths: HostPaths, t: TargetSpec): Promise<ResolvedTarget> {
  switch (t.kind) {
    case 'pid':
      return { pid: t.pid };
    case 'cgroup':
      return resolveCgroup(paths, t.path);
    case 'container':
    case 'pod':
      return resolveContainer(paths, t);
  }
}
