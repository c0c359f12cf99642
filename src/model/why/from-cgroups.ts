/**
 * A WhySample from the cgroup samples a sampler already holds (the dashboard, `top`'s marks): no reads of its
 * own. Pure.
 */
import type { CgroupSample } from '../cgroup-sample.js';
import { cpuListCount } from '../../parse/cgroup-files.js';
import { parentPath } from '../throttle.js';
import type { WhyChain, WhySample } from './types.js';

/** parent path → child paths of one set of samples, built once per set (the dashboard asks for every row). */
const CHILDREN = new WeakMap<ReadonlyMap<string, CgroupSample>, Map<string, string[]>>();
function childrenIndex(samples: ReadonlyMap<string, CgroupSample>): Map<string, string[]> {
  let idx = CHILDREN.get(samples);
  if (!idx) {
    idx = new Map();
    for (const p of samples.keys()) {
      const parent = parentPath(p);
      if (parent === undefined) continue;
      const l = idx.get(parent);
      if (l) l.push(p);
      else idx.set(parent, [p]);
    }
    CHILDREN.set(samples, idx);
  }
  return idx;
}

/**
 * A WhySample from the cgroup samples a sampler already holds (path → CgroupSample, v1 paths merged across
 * hierarchies as `top` and the dashboard keep them): the chain of `path`'s ancestors found in the map, and the
 * children of every ancestor with a quota. Threads are not known there (no runnable-thread cause); pass the
 * two results of two refreshes to `diagnose()`. Pure.
 *
 *   const d = diagnose({ target: path, first: whySampleFromCgroups(prev, path, o1), last: whySampleFromCgroups(cur, path, o2) });
 *   row.why = d.clean ? null : d.verdict[0];
 *
 * Cost: about 0.1–0.2 ms of CPU per cgroup here (2,051 cgroups, all throttled: 350 ms), so diagnose the rows in
 * view, or all rows every few refreshes, rather than 2,000 rows every second.
 */
export function whySampleFromCgroups(
  samples: ReadonlyMap<string, CgroupSample>,
  path: string,
  o: { readonly mono_ms: number; readonly version: 1 | 2; readonly host_cpus?: number },
): WhySample {
  const paths: string[] = [];
  for (let p: string | undefined = path; p !== undefined; p = parentPath(p)) if (samples.has(p)) paths.unshift(p);
  const mk = <T>(get: (s: CgroupSample) => T | undefined): WhyChain<T> | undefined => {
    const nodes = paths.map((p) => {
      const v = get(samples.get(p)!);
      return v === undefined ? { path: p } : { path: p, v };
    });
    return nodes.length && nodes[nodes.length - 1].v !== undefined ? { version: o.version, nodes } : undefined;
  };
  const cpu = mk((s) => s.cpu);
  const cpu_children: Record<string, { path: string; usage_usec?: number }[]> = {};
  for (const n of cpu?.nodes.slice(0, -1) ?? []) {
    if (typeof n.v?.max_usec !== 'number') continue;
    const kids: { path: string; usage_usec?: number }[] = [];
    for (const p of childrenIndex(samples).get(n.path) ?? []) {
      const u = samples.get(p)!.cpu?.usage_usec;
      kids.push(u === undefined ? { path: p } : { path: p, usage_usec: u });
    }
    cpu_children[n.path] = kids;
  }
  const t = samples.get(path);
  const psi = t?.psi && (t.psi.cpu || t.psi.memory) ? { ...(t.psi.cpu ? { cpu: t.psi.cpu } : {}), ...(t.psi.memory ? { memory: t.psi.memory } : {}) } : undefined;
  const memory = mk((s) => s.memory);
  const pids = mk((s) => s.pids);
  const cpuset = mk((s) => {
    const l = s.cpuset?.cpus_effective ?? s.cpuset?.cpus;
    return l ? cpuListCount(l) : undefined;
  });
  return {
    mono_ms: o.mono_ms,
    ...(o.host_cpus !== undefined ? { host_cpus: o.host_cpus } : {}),
    ...(cpu ? { cpu } : {}),
    ...(cpuset ? { cpuset } : {}),
    ...(memory ? { memory } : {}),
    ...(pids ? { pids } : {}),
    ...(psi ? { psi } : {}),
    ...(Object.keys(cpu_children).length ? { cpu_children } : {}),
  };
}
