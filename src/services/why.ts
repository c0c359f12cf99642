/**
 * `nsx why TARGET` service: resolve the target to its cgroup in each hierarchy, sample the path from the root
 * to it at the start and the end of a window (thread states in between), read the kernel log, and hand it all
 * to the pure diagnosis (src/model/why.ts).
 *
 *   resolveWhyTarget(paths, layout, target): WhyTarget
 *   readWhySample(paths, layout, target, opts): WhySample        — one instant (I/O)
 *   why({ paths, target, durationMs, intervalMs? }): Promise<WhyResult>
 *
 * Reads (each chain from the hierarchy root, or the mount's root inside a cgroup namespace, down to the target):
 *   cpu      through readCgroupStats (cpu.stat, cpu.max / cpu.cfs_*, cpuacct.usage, cpu.weight / cpu.shares)
 *            plus cpu.stat.local; the children of every ancestor that has a quota (their CPU time)
 *   cpuset   cpuset.cpus.effective / cpuset.effective_cpus
 *   memory   through readCgroupStats, plus memory.events.local, memory.oom_control, memory.memsw.limit_in_bytes
 *   pids     pids.current, pids.max, pids.events, pids.events.local
 *   psi      the target's cpu.pressure and memory.pressure (cgroup2)
 *   threads  the target's processes (cgroup.procs of its subtree), then /proc/PID/task/TID/stat and schedstat
 *   /proc/uptime, /sys/devices/system/cpu/online, the kernel log (src/readers/kmsg.ts)
 */
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { HostPaths } from '../host/paths.js';
import { readTextOrUndefined } from '../host/read.js';
import { Tolerance, type Incompleteness } from '../host/tolerance.js';
import { NotFoundError, ParseError, UsageError } from '../errors.js';
import { hierarchyForController, normalizeCgroupPath, type CgroupLayout, type CgroupStats, type Hierarchy, type StatGroup } from '../model/cgroup.js';
import { parentPath } from '../model/throttle.js';
import { identifyCgroupPath } from '../model/identity.js';
import { cpuListCount, parseCpuList, parseFlatKeyed, parseLimit } from '../parse/cgroup-files.js';
import { parseStat } from '../parse/stat.js';
import { readCgroupLayout, cgroupDir } from '../readers/cgroupfs/layout.js';
import { readCgroupStats } from '../readers/cgroupfs/stats.js';
import { walkCgroupTree } from '../readers/cgroupfs/tree.js';
import { readProcessCgroups } from '../readers/cgroupfs/members.js';
import { readKernelLog } from '../readers/kmsg.js';
import { resolveHostTarget } from '../readers/runtimes/running.js';
import { isContainerTarget, parseContainerTarget } from '../model/container-target.js';
import { diagnose, type Diagnosis, type WhyChain, type WhyCpu, type WhyMemory, type WhyNode, type WhyPids, type WhySample } from '../model/why.js';

/** Where the target sits: its path in each hierarchy (by layout key). */
export interface WhyTarget {
  /** as the user gave it */
  readonly spec: string;
  /** hierarchy key → cgroup path */
  readonly pathOf: ReadonlyMap<string, string>;
  /** container/unit label of the target's path, when it has one */
  readonly label: string | null;
}

export interface WhyResult extends Diagnosis {
  readonly label: string | null;
  readonly incomplete?: Incompleteness;
  readonly kernel_log: { readonly readable: boolean; readonly reason?: string };
}

/**
 * Resolve `pid:PID` (its cgroup in each hierarchy), a cgroup path (the same path in every hierarchy), or
 * `container:…`/`pod:…` through the identity resolver (src/readers/runtimes/running.ts): the container's or
 * pod's cgroup, the same path in every hierarchy (as runtimes create them).
 */
export function resolveWhyTarget(paths: HostPaths, layout: CgroupLayout, spec: string): WhyTarget {
  const pathOf = new Map<string, string>();
  const m = /^pid:(\d+)$/.exec(spec);
  let main: string | undefined;
  if (m) {
    for (const w of readProcessCgroups(paths, layout, Number(m[1]))) if (w.key !== undefined) pathOf.set(w.key, w.path);
    const cpu = hierarchyForController(layout, 'cpu');
    main = cpu ? pathOf.get(cpu.key) : undefined;
  } else if (spec.startsWith('/') || spec.startsWith('cgroup:') || !spec.includes(':')) {
    main = normalizeCgroupPath(spec.replace(/^cgroup:/, ''));
    for (const h of layout.hierarchies) pathOf.set(h.key, main);
  } else if (isContainerTarget(spec)) {
    // the host-level resolver shared by every command: exact name/id first, a unique prefix, ambiguity refused
    const r = resolveHostTarget(paths, parseContainerTarget(spec, 'nsx why'), { cmd: 'nsx why' });
    main = normalizeCgroupPath(r.cgroup);
    for (const h of layout.hierarchies) pathOf.set(h.key, main);
    const label = r.pod ? `pod:${r.pod.pod.namespace !== undefined ? r.pod.pod.namespace + '/' : ''}${r.pod.pod.name ?? r.pod.pod.uid}` : r.containers[0]?.label;
    return { spec, pathOf, label: label ?? null };
  } else {
    throw new UsageError(`nsx why: expected container:NAME|ID, pod:NS/NAME, pid:PID or a cgroup path, got '${spec}'`);
  }
  const id = main ? identifyCgroupPath(main) : undefined;
  return { spec, pathOf, label: id ? id.label : null };
}

/** The chain of paths from the hierarchy's visible root down to `path`. */
function chainPaths(h: Hierarchy, path: string): string[] {
  const out: string[] = [];
  for (let p: string | undefined = path; p !== undefined; p = parentPath(p)) {
    out.unshift(p);
    if (p === h.mountRoot) break;
  }
  return out;
}

/** Read one cgroup file as text (absent → undefined; denied/gone absorbed). */
function readFile(paths: HostPaths, h: Hierarchy, path: string, file: string, tol: Tolerance): string | undefined {
  const f = join(cgroupDir(paths, h, path), file);
  try {
    return readTextOrUndefined(f);
  } catch (e) {
    tol.absorb(e, f);
    return undefined;
  }
}

function parsed<T>(text: string | undefined, parse: (t: string, s?: string) => T, errors: string[], source: string): T | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text, source);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    errors.push(e.message);
    return undefined;
  }
}

function stats(paths: HostPaths, layout: CgroupLayout, path: string, group: StatGroup, tol: Tolerance): CgroupStats | undefined {
  try {
    return readCgroupStats(paths, layout, path, { groups: [group], tolerance: tol });
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

interface Ctx {
  readonly paths: HostPaths;
  readonly layout: CgroupLayout;
  readonly tol: Tolerance;
  readonly errors: string[];
}

function chain<T>(c: Ctx, controller: string, t: WhyTarget, read: (h: Hierarchy, path: string) => T | undefined): WhyChain<T> | undefined {
  const h = hierarchyForController(c.layout, controller);
  const p = h ? t.pathOf.get(h.key) : undefined;
  if (!h || p === undefined || p.includes('/..')) return undefined;
  const nodes: WhyNode<T>[] = chainPaths(h, p).map((path) => {
    const v = read(h, path);
    return v === undefined ? { path } : { path, v };
  });
  if (nodes[nodes.length - 1].v === undefined) return undefined;
  return { version: h.version, nodes };
}

function cpuOf(c: Ctx, h: Hierarchy, path: string): WhyCpu | undefined {
  const s = stats(c.paths, c.layout, path, 'cpu', c.tol)?.cpu;
  if (!s) return undefined;
  const local = parsed(readFile(c.paths, h, path, 'cpu.stat.local', c.tol), parseFlatKeyed, c.errors, `${path}/cpu.stat.local`);
  const localUsec = local?.throttled_usec ?? (local?.throttled_time !== undefined ? local.throttled_time / 1000 : undefined);
  return {
    usage_usec: s.usage_usec,
    nr_periods: s.nr_periods,
    nr_throttled: s.nr_throttled,
    throttled_usec: s.throttled_usec,
    nr_bursts: s.nr_bursts,
    burst_usec: s.burst_usec,
    quota_usec: s.max_usec,
    period_usec: s.period_usec,
    burst_max_usec: s.max_burst_usec,
    weight: s.weight,
    shares: s.shares,
    local_throttled_usec: localUsec,
  };
}

function memoryOf(c: Ctx, h: Hierarchy, path: string): WhyMemory | undefined {
  const s = stats(c.paths, c.layout, path, 'memory', c.tol)?.memory;
  if (!s) return undefined;
  const f = (name: string) => readFile(c.paths, h, path, name, c.tol);
  const src = (name: string) => `${path}/${name}`;
  const v2 = h.version === 2;
  return {
    current_bytes: s.current_bytes,
    working_set_bytes: s.working_set_bytes,
    max_bytes: s.max_bytes,
    high_bytes: s.high_bytes,
    swap_max_bytes: s.swap_max_bytes,
    swap_current_bytes: s.swap_current_bytes,
    failcnt: s.failcnt,
    events: s.events,
    ...(v2
      ? { events_local: parsed(f('memory.events.local'), parseFlatKeyed, c.errors, src('memory.events.local')) }
      : {
          oom_control: parsed(f('memory.oom_control'), parseFlatKeyed, c.errors, src('memory.oom_control')),
          memsw_max_bytes: parsed(f('memory.memsw.limit_in_bytes'), parseLimit, c.errors, src('memory.memsw.limit_in_bytes')),
        }),
  };
}

function pidsOf(c: Ctx, h: Hierarchy, path: string): WhyPids | undefined {
  const s = stats(c.paths, c.layout, path, 'pids', c.tol)?.pids;
  if (!s) return undefined;
  return {
    current: s.current,
    max: s.max,
    events: parsed(readFile(c.paths, h, path, 'pids.events', c.tol), parseFlatKeyed, c.errors, `${path}/pids.events`),
    events_local: parsed(readFile(c.paths, h, path, 'pids.events.local', c.tol), parseFlatKeyed, c.errors, `${path}/pids.events.local`),
  };
}

function cpusetOf(c: Ctx, _h: Hierarchy, path: string): number | undefined {
  const s = stats(c.paths, c.layout, path, 'cpuset', c.tol)?.cpuset;
  const list = s?.cpus_effective ?? s?.cpus;
  return list ? cpuListCount(list) : undefined;
}

/** Threads of the target's subtree (in the cpu hierarchy): how many, how many runnable, CPU time each. */
function readThreads(c: Ctx, t: WhyTarget): WhySample['threads'] {
  const h = hierarchyForController(c.layout, 'cpu') ?? c.layout.hierarchies[0];
  const p = h ? t.pathOf.get(h.key) : undefined;
  if (!h || p === undefined) return undefined;
  let root;
  try {
    root = walkCgroupTree(c.paths, { ...c.layout, hierarchies: [h] }, { view: h.version === 2 ? { kind: 'v2' } : { kind: 'v1', key: h.key }, root: p, members: true, tolerance: c.tol });
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  const pids: number[] = [];
  const collect = (n: typeof root) => {
    pids.push(...(n.pids ?? []));
    n.children.forEach(collect);
  };
  collect(root);
  let total = 0;
  let runnable = 0;
  const cpu: Record<string, number> = {};
  for (const pid of pids) {
    const taskDir = join(c.paths.proc, String(pid), 'task');
    let tids: string[];
    try {
      tids = readdirSync(taskDir);
    } catch (e) {
      c.tol.absorb(e, taskDir);
      continue;
    }
    for (const tid of tids) {
      const dir = join(taskDir, tid);
      let st;
      try {
        const text = readTextOrUndefined(join(dir, 'stat'));
        if (text === undefined) continue;
        st = parseStat(text, join(dir, 'stat'));
      } catch (e) {
        if (e instanceof ParseError) continue; // a thread exiting mid-read
        c.tol.absorb(e, dir);
        continue;
      }
      total++;
      if (st.state === 'R') runnable++;
      let usec: number | undefined;
      try {
        const ss = readTextOrUndefined(join(dir, 'schedstat'));
        const ns = ss?.trim().split(/\s+/)[0];
        if (ns !== undefined && /^\d+$/.test(ns)) usec = Number(ns) / 1000;
      } catch (e) {
        c.tol.absorb(e, dir);
      }
      usec ??= st.utimeTicks !== undefined && st.stimeTicks !== undefined ? (st.utimeTicks + st.stimeTicks) * 10_000 : undefined;
      if (usec !== undefined) cpu[tid] = usec;
    }
  }
  return { total, runnable, cpu_usec: cpu };
}

function readUptime(paths: HostPaths): number | undefined {
  const t = readTextOrUndefined(join(paths.proc, 'uptime'));
  const n = t?.trim().split(/\s+/)[0];
  return n !== undefined && /^\d+(\.\d+)?$/.test(n) ? Number(n) : undefined;
}

function readHostCpus(paths: HostPaths, errors: string[]): number | undefined {
  const f = join(paths.sys, 'devices/system/cpu/online');
  const list = parsed(readTextOrUndefined(f), parseCpuList, errors, f);
  return list ? cpuListCount(list) : undefined;
}

/** Read everything the diagnosis needs at one instant. */
export function readWhySample(paths: HostPaths, layout: CgroupLayout, t: WhyTarget, tol: Tolerance = new Tolerance(), errors: string[] = []): WhySample {
  const c: Ctx = { paths, layout, tol, errors };
  const cpu = chain(c, 'cpu', t, (h, p) => cpuOf(c, h, p));
  const v2 = layout.hierarchies.find((h) => h.version === 2);
  const v2path = v2 ? t.pathOf.get(v2.key) : undefined;
  let psi: WhySample['psi'];
  // PSI of the cgroup2 group only when it is the target itself (on a hybrid host the v2 group of a process is often
  // the root, whose pressure is the whole host's)
  const main = (cpu ?? undefined)?.nodes.at(-1)?.path ?? t.pathOf.get(hierarchyForController(layout, 'memory')?.key ?? '');
  if (v2 && v2path !== undefined && (layout.kind === 'unified' || v2path === main)) {
    const s = stats(paths, { ...layout, hierarchies: [v2] }, v2path, 'psi', tol)?.psi;
    if (s && (s.cpu || s.memory)) psi = { ...(s.cpu ? { cpu: s.cpu } : {}), ...(s.memory ? { memory: s.memory } : {}) };
  }
  // who else spends the quota of an ancestor: its children's CPU time
  const cpu_children: Record<string, { path: string; usage_usec?: number }[]> = {};
  const hc = hierarchyForController(layout, 'cpu');
  if (cpu && hc) {
    for (const n of cpu.nodes.slice(0, -1)) {
      if (typeof n.v?.quota_usec !== 'number') continue;
      const dir = cgroupDir(paths, hc, n.path);
      let kids: string[] = [];
      try {
        kids = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      } catch (e) {
        tol.absorb(e, dir);
      }
      cpu_children[n.path] = kids.slice(0, 200).map((k) => {
        const p = n.path === '/' ? `/${k}` : `${n.path}/${k}`;
        const u = stats(paths, layout, p, 'cpu', tol)?.cpu?.usage_usec;
        return u === undefined ? { path: p } : { path: p, usage_usec: u };
      });
    }
  }
  const s: WhySample = {
    mono_ms: performance.now(),
    uptime_s: readUptime(paths),
    host_cpus: readHostCpus(paths, errors),
    cpu,
    cpuset: chain(c, 'cpuset', t, (h, p) => cpusetOf(c, h, p)),
    memory: chain(c, 'memory', t, (h, p) => memoryOf(c, h, p)),
    pids: chain(c, 'pids', t, (h, p) => pidsOf(c, h, p)),
    ...(psi ? { psi } : {}),
    ...(Object.keys(cpu_children).length ? { cpu_children } : {}),
    threads: readThreads(c, t),
  };
  return JSON.parse(JSON.stringify(s)) as WhySample; // plain data: drop undefined members
}

export interface WhyOptions {
  readonly paths: HostPaths;
  readonly target: string;
  /** window length; 0 = one sample (counters since creation) */
  readonly durationMs: number;
  /** how often threads are sampled within the window (default 100 ms) */
  readonly intervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sample the target over the window and diagnose it. */
export async function why(opts: WhyOptions): Promise<WhyResult> {
  const layout = readCgroupLayout(opts.paths);
  const t = resolveWhyTarget(opts.paths, layout, opts.target);
  const tol = new Tolerance();
  const errors: string[] = [];
  const first = readWhySample(opts.paths, layout, t, tol, errors);
  if (!first.cpu && !first.memory && !first.pids) throw new NotFoundError(`nsx why: ${opts.target}: no such cgroup`, opts.target);
  let last = first;
  const between: WhySample[] = [];
  // a recorded host does not change: one sample
  if (opts.paths.live && opts.durationMs > 0) {
    const step = Math.max(10, opts.intervalMs ?? 100);
    const c: Ctx = { paths: opts.paths, layout, tol, errors };
    const end = performance.now() + opts.durationMs;
    for (;;) {
      const left = end - performance.now();
      if (left <= 0) break;
      await sleep(Math.min(step, left));
      if (end - performance.now() > step / 2) between.push({ mono_ms: performance.now(), threads: readThreads(c, t) });
    }
    last = readWhySample(opts.paths, layout, t, tol, errors);
  }
  const klog = readKernelLog(opts.paths);
  const d = diagnose({ target: opts.target, first, last, samples: between, kernel: klog });
  return {
    ...d,
    label: t.label,
    kernel_log: { readable: klog.readable, ...(klog.reason ? { reason: klog.reason } : {}) },
    ...(errors.length ? { errors } : {}),
    ...(tol.incomplete ? { incomplete: tol.toJSON() } : {}),
  };
}
