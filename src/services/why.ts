/**
 * `nsx why TARGET` service: resolve the target to its cgroup in each hierarchy, sample the path from the root
 * to it at the start and the end of a window (thread states in between), read the kernel log, and hand it all
 * to the pure diagnosis (src/model/why/, worded by src/output/why-words.ts).
 *
 *   resolveWhyTarget(paths, layout, target): WhyTarget
 *   readWhySample(paths, layout, target, opts): WhySample        — one instant (I/O)
 *   why({ paths, target, durationMs, intervalMs? }): Promise<WhyResult>
 *
 * Reads (each chain from the hierarchy root, or the mount's root inside a cgroup namespace, down to the target),
 * every cgroup file through the one sample mapping (src/readers/cgroupfs/sample.ts, groups cpu, memory, pids,
 * cpuset, psi; plain reads):
 *   cpu      each cgroup on the path; the children of every ancestor that has a quota (their CPU time)
 *   cpuset   each cgroup on the path (effective CPUs)
 *   memory   each cgroup on the path (limits, usage, memory.events(.local), failcnt, oom_control)
 *   pids     each cgroup on the path (pids.current, pids.max, pids.events)
 *   psi      the target's cpu.pressure and memory.pressure (cgroup2, when the target is a cgroup2 group)
 *   threads  the target's processes (cgroup.procs of its subtree), then /proc/PID/task/TID/stat and schedstat
 *   /proc/uptime, /sys/devices/system/cpu/online, the kernel log (src/readers/kmsg.ts)
 */
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { HostPaths } from '../host/paths.js';
import { readWhole } from '../host/read.js';
import { Tolerance, type Incompleteness, wrap } from '../host/tolerance.js';
import { NotFoundError, ParseError, UsageError } from '../errors.js';
import { hierarchyForController, normalizeCgroupPath, type CgroupLayout, type Hierarchy } from '../model/cgroup.js';
import type { CgroupSample, StatGroup } from '../model/cgroup-sample.js';
import { parentPath } from '../model/throttle.js';
import { identifyCgroupPath } from '../model/identity.js';
import { cpuListCount, parseCpuList } from '../parse/cgroup-files.js';
import { parseStat } from '../parse/stat.js';
import { readCgroupLayout, cgroupDir } from '../readers/cgroupfs/layout.js';
import { planCgroupSample, plainSource, sampleCgroup, type CgroupFileSource, type SamplePlan } from '../readers/cgroupfs/sample.js';
import { walkCgroupTree } from '../readers/cgroupfs/tree.js';
import { readProcessCgroups } from '../readers/cgroupfs/members.js';
import { readKernelLog } from '../readers/kmsg.js';
import { resolveHostTarget } from '../readers/runtimes/running.js';
import { runtimeIndexFor } from '../readers/runtimes/index.js';
import { isContainerTarget, parseContainerTarget } from '../model/container-target.js';
import type { Diagnosis, WhyChain, WhyNode, WhySample } from '../model/why/types.js';
import { diagnose } from '../output/why-words.js';

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

/** One plan per group (each resource's chain is its own hierarchy's path) and one plain file source. */
export interface WhyCtx {
  readonly paths: HostPaths;
  readonly layout: CgroupLayout;
  readonly tol: Tolerance;
  readonly errors: string[];
  readonly src: CgroupFileSource;
  readonly plans: Readonly<Record<'cpu' | 'memory' | 'pids' | 'cpuset' | 'psi', SamplePlan>>;
}

function makeCtx(paths: HostPaths, layout: CgroupLayout, tol: Tolerance, errors: string[]): WhyCtx {
  const plan = (g: StatGroup) => planCgroupSample(layout, { groups: [g] });
  return {
    paths,
    layout,
    tol,
    errors,
    src: plainSource(paths, tol),
    plans: { cpu: plan('cpu'), memory: plan('memory'), pids: plan('pids'), cpuset: plan('cpuset'), psi: plan('psi') },
  };
}

/** The sample of one group of `path` (through the one mapping); its errors are collected. */
function sampleOf(c: WhyCtx, group: keyof WhyCtx['plans'], path: string): CgroupSample | undefined {
  const s = sampleCgroup(c.src, c.plans[group], path);
  if (s?.errors) c.errors.push(...s.errors);
  return s;
}

function chain<T>(c: WhyCtx, controller: string, t: WhyTarget, read: (path: string) => T | undefined): WhyChain<T> | undefined {
  const h = hierarchyForController(c.layout, controller);
  const p = h ? t.pathOf.get(h.key) : undefined;
  if (!h || p === undefined || p.includes('/..')) return undefined;
  const nodes: WhyNode<T>[] = chainPaths(h, p).map((path) => {
    const v = read(path);
    return v === undefined ? { path } : { path, v };
  });
  if (nodes[nodes.length - 1].v === undefined) return undefined;
  return { version: h.version, nodes };
}

function cpusetOf(c: WhyCtx, path: string): number | undefined {
  const s = sampleOf(c, 'cpuset', path)?.cpuset;
  const list = s?.cpus_effective ?? s?.cpus;
  return list ? cpuListCount(list) : undefined;
}

/** Above this many processes in the target's subtree, threads are not sampled. */
const MAX_THREAD_PROCS = 256;

/** Threads of the target's subtree (in the cpu hierarchy): how many, how many runnable, CPU time each. */
function readThreads(c: WhyCtx, t: WhyTarget): WhySample['threads'] {
  const h = hierarchyForController(c.layout, 'cpu') ?? c.layout.hierarchies[0];
  const p = h ? t.pathOf.get(h.key) : undefined;
  // the hierarchy's root is the whole host: per-thread states are not worth their cost there
  if (!h || p === undefined || p === h.mountRoot) return undefined;
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
  // a host-sized subtree (the root cgroup, a whole slice): per-thread states would cost more than the window
  if (pids.length > MAX_THREAD_PROCS) return undefined;
  let total = 0;
  let runnable = 0;
  let seen = 0;
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
    seen++;
    for (const tid of tids) {
      const dir = join(taskDir, tid);
      let st;
      try {
        const text = wrap(undefined, join(dir, 'stat'), readWhole, 'gone');
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
        const ss = wrap(undefined, join(dir, 'schedstat'), readWhole, 'gone');
        const ns = ss?.trim().split(/\s+/)[0];
        if (ns !== undefined && /^\d+$/.test(ns)) usec = Number(ns) / 1000;
      } catch (e) {
        c.tol.absorb(e, dir);
      }
      usec ??= st.utimeTicks !== undefined && st.stimeTicks !== undefined ? (st.utimeTicks + st.stimeTicks) * 10_000 : undefined;
      if (usec !== undefined) cpu[tid] = usec;
    }
  }
  // members listed but none readable in /proc (a recorded host, or all gone): unknown, not zero
  if (pids.length > 0 && seen === 0) return undefined;
  return { total, runnable, cpu_usec: cpu };
}

function readUptime(paths: HostPaths): number | undefined {
  const t = wrap(undefined, join(paths.proc, 'uptime'), readWhole, 'gone');
  const n = t?.trim().split(/\s+/)[0];
  return n !== undefined && /^\d+(\.\d+)?$/.test(n) ? Number(n) : undefined;
}

function readHostCpus(paths: HostPaths, errors: string[]): number | undefined {
  const f = join(paths.sys, 'devices/system/cpu/online');
  const list = parsed(wrap(undefined, f, readWhole, 'gone'), parseCpuList, errors, f);
  return list ? cpuListCount(list) : undefined;
}

/** Read everything the diagnosis needs at one instant. */
export function readWhySample(paths: HostPaths, layout: CgroupLayout, t: WhyTarget, tol: Tolerance = new Tolerance(), errors: string[] = [], ctx?: WhyCtx): WhySample {
  const c = ctx ?? makeCtx(paths, layout, tol, errors);
  // a cgroup that exists but has none of a group's files (a recorded host's root) is an empty record, not absent
  const group = <K extends 'cpu' | 'memory' | 'pids'>(k: K, p: string): NonNullable<CgroupSample[K]> | undefined => {
    const s = sampleOf(c, k, p);
    return s ? ((s[k] ?? {}) as NonNullable<CgroupSample[K]>) : undefined;
  };
  const cpu = chain(c, 'cpu', t, (p) => group('cpu', p));
  const v2 = layout.hierarchies.find((h) => h.version === 2);
  const v2path = v2 ? t.pathOf.get(v2.key) : undefined;
  let psi: WhySample['psi'];
  // PSI of the cgroup2 group only when it is the target itself (on a hybrid host the v2 group of a process is often
  // the root, whose pressure is the whole host's)
  const main = (cpu ?? undefined)?.nodes.at(-1)?.path ?? t.pathOf.get(hierarchyForController(layout, 'memory')?.key ?? '');
  if (v2 && v2path !== undefined && (layout.kind === 'unified' || v2path === main)) {
    const s = sampleOf(c, 'psi', v2path)?.psi;
    if (s && (s.cpu || s.memory)) psi = { ...(s.cpu ? { cpu: s.cpu } : {}), ...(s.memory ? { memory: s.memory } : {}) };
  }
  // who else spends the quota of an ancestor: its children's CPU time
  const cpu_children: Record<string, { path: string; usage_usec?: number; label?: string }[]> = {};
  const index = runtimeIndexFor(paths);
  const hc = hierarchyForController(layout, 'cpu');
  if (cpu && hc) {
    for (const n of cpu.nodes.slice(0, -1)) {
      if (typeof n.v?.max_usec !== 'number') continue;
      const dir = cgroupDir(paths, hc, n.path);
      let kids: string[] = [];
      try {
        kids = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      } catch (e) {
        tol.absorb(e, dir);
      }
      cpu_children[n.path] = kids.slice(0, 200).map((k) => {
        const p = n.path === '/' ? `/${k}` : `${n.path}/${k}`;
        const u = sampleOf(c, 'cpu', p)?.cpu?.usage_usec;
        // who else spends the quota, by name where a runtime's metadata names it (a pod's containers)
        const id = index.identify(p);
        const label = id && id.cgroup === p && id.label !== p.slice(p.lastIndexOf('/') + 1) ? id.label : undefined;
        return { path: p, ...(u !== undefined ? { usage_usec: u } : {}), ...(label ? { label } : {}) };
      });
    }
  }
  const s: WhySample = {
    mono_ms: performance.now(),
    uptime_s: readUptime(paths),
    host_cpus: readHostCpus(paths, errors),
    cpu,
    cpuset: chain(c, 'cpuset', t, (p) => cpusetOf(c, p)),
    memory: chain(c, 'memory', t, (p) => group('memory', p)),
    pids: chain(c, 'pids', t, (p) => group('pids', p)),
    ...(psi ? { psi } : {}),
    ...(Object.keys(cpu_children).length ? { cpu_children } : {}),
    threads: readThreads(c, t),
  };
  // plain data: no undefined members
  for (const k of Object.keys(s) as (keyof WhySample)[]) if (s[k] === undefined) delete (s as unknown as Record<string, unknown>)[k];
  return s;
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
  const ctx = makeCtx(opts.paths, layout, tol, errors);
  const first = readWhySample(opts.paths, layout, t, tol, errors, ctx);
  if (!first.cpu && !first.memory && !first.pids) throw new NotFoundError(`nsx why: ${opts.target}: no such cgroup`, opts.target);
  let last = first;
  const between: WhySample[] = [];
  // a recorded host does not change: one sample
  if (opts.paths.live && opts.durationMs > 0) {
    const step = Math.max(10, opts.intervalMs ?? 100);
    const end = performance.now() + opts.durationMs;
    // threads every `step` when the first sample had them (not for host-sized subtrees)
    const withThreads = first.threads !== undefined;
    for (;;) {
      const left = end - performance.now();
      if (left <= 0) break;
      await sleep(withThreads ? Math.min(step, left) : left);
      if (!withThreads || end - performance.now() <= step / 2) continue;
      const threads = readThreads(ctx, t);
      if (threads) between.push({ mono_ms: performance.now(), threads });
    }
    last = readWhySample(opts.paths, layout, t, tol, errors, ctx);
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
