/**
 * The containers running on a host, and the one host-level resolver of `container:` / `pod:` targets that every
 * command calls (enter -t, cg show, ps -c, top filters, the dashboard, why, the exporter).
 *
 * Two ways to list them: from the runtimes' own files (the cgroups they say their containers run in, checked
 * against the cgroup tree, members from each cgroup's `cgroup.procs`: `readRunningFromRuntimes`), which the
 * resolver tries first; and from `/proc/PID/cgroup` of every process joined with runtime metadata
 * (`readRunningContainers`: 150–300 ms at 5,000 processes), which it falls back to when the first names nothing
 * that matches (a runtime nsx has no files for, a fake host without them).
 *
 * Reads: the metadata files of src/readers/runtimes/, the cgroup tree and `cgroup.procs`; for the fallback `/proc`
 * (the PID list) and `/proc/PID/cgroup`.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { Tolerance } from '../../host/tolerance.js';
import { readPids } from '../procfs/pids.js';
import { procCgroupEntriesOrNone } from '../procfs/cgroup.js';
import { identityPaths } from '../../model/process-cgroup.js';
import type { Identity } from '../../model/identity.js';
import { isContainerTarget, matchContainer, matchPod, parseContainerTarget, pickPod, unresolvedError, type ContainerTarget, type PodMatch } from '../../model/container-target.js';
import { NotFoundError, NsxError } from '../../errors.js';
import type { CgroupLayout, CgroupNode } from '../../model/cgroup.js';
import { readCgroupLayout } from '../cgroupfs/layout.js';
import { cgroupExists, walkCgroupTree } from '../cgroupfs/tree.js';
import { readContainerCgroupCandidates } from './candidates.js';
import { notRunningHint } from './known.js';
import { RuntimeIndex, runtimeIndexFor } from './index.js';
import { countOf } from '../../output/words.js';

/** A running container (or machine) and its processes. */
export interface RunningContainer {
  readonly identity: Identity;
  /** its processes, ascending */
  readonly pids: readonly number[];
}

/** Paths of one process in preference order for identity: the one rule of src/model/process-cgroup.ts. */
export const identityPathsOf = identityPaths;

/** Parse /proc/PID/cgroup leniently: a malformed file names no container (src/readers/procfs/cgroup.ts). */
export const procCgroupEntries = procCgroupEntriesOrNone;

/** Identity of a process from the text of its /proc/PID/cgroup (most specific path; metadata joined). */
export function identityOfProcCgroup(index: RuntimeIndex, text: string | undefined, source = 'cgroup'): Identity | undefined {
  return index.identifyPaths(identityPathsOf(procCgroupEntries(text, source)));
}

/**
 * Every running container (kind `container`) and nspawn machine of the host, by identity, with its PIDs.
 * `tol` collects processes that vanished or could not be read.
 */
export function readRunningContainers(paths: HostPaths, o: { index?: RuntimeIndex; tolerance?: Tolerance } = {}): RunningContainer[] {
  const index = o.index ?? runtimeIndexFor(paths);
  const tol = o.tolerance ?? new Tolerance();
  const by = new Map<string, { identity: Identity; pids: number[] }>();
  for (const pid of readPids(paths)) {
    const f = join(paths.proc, String(pid), 'cgroup');
    let text: string;
    try {
      text = readText(f);
    } catch (e) {
      tol.absorb(e, f); // exited meanwhile, or not ours to read
      continue;
    }
    const id = identityOfProcCgroup(index, text, f);
    if (!id || (id.kind !== 'container' && id.kind !== 'machine')) continue;
    const key = `${id.runtime}\0${id.kind}\0${id.id}`;
    const cur = by.get(key);
    if (cur) cur.pids.push(pid);
    else by.set(key, { identity: id, pids: [pid] });
  }
  return [...by.values()].map((c) => ({ identity: c.identity, pids: c.pids.sort((a, b) => a - b) }));
}

/**
 * Every running container the runtimes' files name (src/readers/runtimes/candidates.ts), without looking at any
 * process: a candidate cgroup that exists (cgroup2 first, then name=systemd, then any v1 hierarchy) and whose
 * subtree holds a process is a running container, its PIDs the union of that subtree's `cgroup.procs`; its
 * identity is the one a process there gets (the runtime index on the path). Containers in no such place are
 * missing here (the resolver then falls back to the /proc scan).
 */
export function readRunningFromRuntimes(paths: HostPaths, o: { index?: RuntimeIndex; tolerance?: Tolerance; layout?: CgroupLayout } = {}): RunningContainer[] {
  const index = o.index ?? runtimeIndexFor(paths);
  const tol = o.tolerance ?? new Tolerance();
  let layout: CgroupLayout;
  try {
    layout = o.layout ?? readCgroupLayout(paths);
  } catch (e) {
    if (e instanceof NsxError) return []; // no cgroup mounts known (a captured host without mountinfo): the scan decides
    throw e;
  }
  const order = [
    ...layout.hierarchies.filter((h) => h.version === 2),
    ...layout.hierarchies.filter((h) => h.name === 'systemd'),
    ...layout.hierarchies.filter((h) => h.version === 1 && h.name !== 'systemd'),
  ];
  const by = new Map<string, { identity: Identity; pids: number[] }>();
  const seen = new Set<string>();
  for (const c of readContainerCgroupCandidates(paths, index.cache)) {
    for (const path of c.alternatives) {
      if (seen.has(path)) break;
      const h = order.find((x) => cgroupExists(paths, x, path));
      if (!h) continue;
      seen.add(path);
      const id = index.identify(path);
      if (!id || (id.kind !== 'container' && id.kind !== 'machine')) break;
      const pids = new Set<number>();
      const visit = (n: CgroupNode) => {
        for (const p of n.pids ?? []) pids.add(p);
        n.children.forEach(visit);
      };
      try {
        visit(walkCgroupTree(paths, { ...layout, hierarchies: [h] }, { view: { kind: 'merged' }, root: path, members: true, tolerance: tol }));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        break; // removed meanwhile: not running
      }
      if (pids.size === 0) break; // a cgroup left behind, or a container between start and stop
      const key = `${id.runtime}\0${id.kind}\0${id.id}`;
      const cur = by.get(key);
      if (cur) for (const p of pids) cur.pids.push(p);
      else by.set(key, { identity: id, pids: [...pids] });
      break;
    }
  }
  return [...by.values()].map((c) => ({ identity: c.identity, pids: [...new Set(c.pids)].sort((a, b) => a - b) }));
}

/** A resolved target on the host: what it is, where its cgroup is, and its processes. */
export interface HostTarget {
  /** the container (for `pod:` targets: the pod's containers) */
  readonly containers: readonly Identity[];
  /** the container's cgroup, or the pod's */
  readonly cgroup: string;
  /** every process of it, ascending (the first is the one `enter` joins) */
  readonly pids: readonly number[];
  /** set for `pod:` targets */
  readonly pod?: PodMatch;
}

/**
 * Resolve `container:…` / `pod:…` against the running containers of the host. Throws NotFoundError (none) or an
 * NsxError listing the candidates (ambiguous); both exit 1. `cmd` prefixes the message (`nsx enter`).
 */
export function resolveHostTarget(paths: HostPaths, t: ContainerTarget, o: { cmd?: string; index?: RuntimeIndex; running?: readonly RunningContainer[] } = {}): HostTarget {
  const cmd = o.cmd ?? 'nsx';
  const tol = new Tolerance();
  if (o.running === undefined) {
    // first without a /proc scan: what the runtimes' files name; the same rules decide (exact beats a prefix,
    // ambiguity is refused); only a target that names none of those is looked for among all processes
    const fromRuntimes = readRunningFromRuntimes(paths, { index: o.index, tolerance: tol });
    const ids = fromRuntimes.map((r) => r.identity);
    const found = t.kind === 'container' ? !('none' in matchContainer(t, ids)) : !('none' in matchPod(t, ids));
    if (found) return resolveHostTarget(paths, t, { ...o, running: fromRuntimes });
  }
  const running = o.running ?? readRunningContainers(paths, { index: o.index, tolerance: tol });
  const extra = tol.incomplete ? ` (${countOf(tol.denied.length, 'process', 'processes')} could not be read)` : '';
  const ids = running.map((r) => r.identity);
  const pidsOf = (i: Identity) => running.filter((r) => r.identity.runtime === i.runtime && r.identity.id === i.id).flatMap((r) => r.pids);
  if (t.kind === 'container') {
    const r = matchContainer(t, ids);
    if (!('ok' in r)) {
      const cache = (o.index ?? runtimeIndexFor(paths)).cache;
      let hint = 'none' in r ? notRunningHint(paths, cache, t, ids) : '';
      if ('none' in r && cache.denied.size) hint += ` (runtime metadata not readable, e.g. ${[...cache.denied][0]}: names and images need root)`;
      throw unresolvedError(cmd, t, r, extra + hint);
    }
    return { containers: [r.ok], cgroup: r.ok.cgroup, pids: pidsOf(r.ok) };
  }
  const p = pickPod(cmd, t, ids, extra);
  const pids = p.containers.flatMap(pidsOf).sort((a, b) => a - b);
  return { containers: p.containers, cgroup: p.cgroup ?? p.containers[0]?.cgroup ?? '/', pids, pod: p };
}

/** Does this identity belong to the resolved target (same container, or one of the pod's)? */
export function inHostTarget(t: HostTarget, i: Identity | undefined): boolean {
  return !!i && t.containers.some((c) => c.runtime === i.runtime && c.id === i.id);
}

/**
 * For commands that take a cgroup PATH (`cg show`, `cg tree`, `top`): the cgroup of a `container:…`/`pod:…`
 * target (resolved as `enter -t` does; throws when none or ambiguous), or undefined when `text` is not such a
 * target (then it is a path).
 */
export function cgroupOfTarget(paths: HostPaths, text: string, cmd: string, index?: RuntimeIndex): string | undefined {
  if (!isContainerTarget(text)) return undefined;
  return resolveHostTarget(paths, parseContainerTarget(text, cmd), { cmd, index }).cgroup;
}
