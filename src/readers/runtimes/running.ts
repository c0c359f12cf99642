/**
 * The containers running on a host, from `/proc/PID/cgroup` of every process joined with runtime metadata, and
 * the one host-level resolver of `container:` / `pod:` targets that every command calls (enter -t, cg show,
 * ps -c, top filters, the dashboard, why, the exporter).
 *
 * Reads: `/proc` (the PID list), `/proc/PID/cgroup`, and the metadata files of src/readers/runtimes/.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { Tolerance } from '../../host/tolerance.js';
import { readPids } from '../procfs/pids.js';
import { procCgroupEntriesOrNone } from '../procfs/cgroup.js';
import { identityPaths } from '../../model/process-cgroup.js';
import type { Identity } from '../../model/identity.js';
import { isContainerTarget, matchContainer, parseContainerTarget, pickPod, unresolvedError, type ContainerTarget, type PodMatch } from '../../model/container-target.js';
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
