/**
 * `nsx why` — the diagnosis (pure, no I/O): from two samples of a cgroup's path (root → target) taken some
 * seconds apart, which limits bind it and why it is throttled, short of memory, OOM-killed or refused forks.
 *
 * PUBLIC API (the dashboard calls it too):
 *
 *   diagnose(input: WhyInput): Diagnosis
 *     input.first / input.last: WhySample (per resource the chain root → target, in that resource's hierarchy)
 *     input.samples?: the samples in between (only their thread counts are used)
 *     input.kernel?: OOM-kill and fork-rejected reports from the kernel log (src/parse/kmsg.ts)
 *   Diagnosis.clean, Diagnosis.verdict (one line per finding, worst first), Diagnosis.findings (evidence)
 *   whySampleFromCgroups(samples: Map<path, CgroupSample>, path, { mono_ms, version }): WhySample
 *     — for a sampler that already holds CgroupSamples (the dashboard): two of them → diagnose()
 *
 * With one sample (or two at the same instant: a recorded host) every counter is read as "since the cgroup
 * was created" (mode `cumulative`); with a window, counters are deltas over it and lifetime counts are
 * reported as earlier events.
 *
 * Kernel facts used (mm/memcontrol.c, kernel/sched/fair.c, kernel/cgroup/pids.c):
 * - CPU: `nr_throttled`/`throttled_time` count only in the cgroup whose own quota ran out; a child under a
 *   parent's quota shows 0 (attribution walks up: ./throttle.ts). `cpu.stat.local` (v1 and v2, ≥ 6.7)
 *   counts time this cgroup's tasks were throttled by any ancestor.
 * - Memory v2: `max` and `oom` events are raised on the cgroup whose limit was hit (`memory.events.local`
 *   there; `memory.events` propagates them to ancestors); `oom_kill` on the victim's cgroup (and ancestors).
 *   v1: `failcnt` rises only on the counter that hit its limit; `memory.oom_control` `oom_kill` counts kills
 *   of tasks in the cgroup or below.
 * - Pids: v1 `pids.events` max counts forks refused to tasks of that very cgroup; v2 (≥ 6.9) counts limit hits
 *   at the cgroup whose limit was hit and above (`pids.events.local` max: that cgroup only).
 */
import type { Limit, Pressure } from './cgroup.js';
import { toNumber, type CgroupSample, type CpuSample, type KeyedInts, type MemorySample, type PidsSample } from './cgroup-sample.js';
import { cpuListCount } from '../parse/cgroup-files.js';
import { attributeThrottling, parentPath, type ThrottleInput } from './throttle.js';
import { counterDelta, quotaCpus } from './rates.js';
import type { ForkRejectedReport, OomKillReport } from '../parse/kmsg.js';

/* ------------------------------------------------------------------ inputs */

/**
 * The per-cgroup values are the one sample model's groups (src/model/cgroup-sample.ts): `cpu`, `memory`,
 * `pids` of a CgroupSample, as `sampleCgroup()` reads them. Keyed maps (memory.events, oom_control, pids.events)
 * may hold bigints: read through toNumber().
 */
export type WhyCpu = CpuSample;
export type WhyMemory = MemorySample;
export type WhyPids = PidsSample;

/** One cgroup of a chain. */
export interface WhyNode<T> {
  readonly path: string;
  /** undefined when the cgroup could not be read (gone, denied) */
  readonly v?: T;
}

/** The cgroups from the root to the target (last) in one hierarchy. */
export interface WhyChain<T> {
  readonly version: 1 | 2;
  readonly nodes: readonly WhyNode<T>[];
}

export interface WhyThreads {
  /** threads in the target's subtree */
  readonly total: number;
  /** of them in state R at the instant */
  readonly runnable: number;
  /** per thread id: CPU time so far (µs), to count the threads that ran over the window */
  readonly cpu_usec?: Readonly<Record<string, number>>;
}

/** Everything read at one instant. Plain serialisable data. */
export interface WhySample {
  /** monotonic clock, ms */
  readonly mono_ms: number;
  /** CLOCK_BOOTTIME seconds (/proc/uptime), to place kernel log records */
  readonly uptime_s?: number;
  /** CPUs online on the host */
  readonly host_cpus?: number;
  readonly cpu?: WhyChain<WhyCpu>;
  /** effective CPU count of each cgroup (cpuset.cpus.effective / cpuset.effective_cpus) */
  readonly cpuset?: WhyChain<number>;
  readonly memory?: WhyChain<WhyMemory>;
  readonly pids?: WhyChain<WhyPids>;
  /** the target's PSI (cgroup2 only) */
  readonly psi?: { readonly cpu?: Pressure; readonly memory?: Pressure };
  /** children of the ancestors that have a CPU quota, with their CPU time: who else spends the quota */
  readonly cpu_children?: Readonly<Record<string, readonly { readonly path: string; readonly usage_usec?: number; readonly label?: string }[]>>;
  readonly threads?: WhyThreads;
}

export interface WhyInput {
  /** what the user asked about (`pid:123`, `container:web`), for the report */
  readonly target: string;
  readonly first: WhySample;
  readonly last: WhySample;
  /** samples in between (thread counts) */
  readonly samples?: readonly WhySample[];
  readonly kernel?: { readonly oom_kills: readonly OomKillReport[]; readonly fork_rejected?: readonly ForkRejectedReport[]; readonly readable: boolean };
}

/* ------------------------------------------------------------------ outputs */

export type Severity = 'critical' | 'warning' | 'info';
export type Resource = 'cpu' | 'memory' | 'pids';

export interface Finding {
  /** stable id: cpu.throttled, cpu.at-limit, cpu.pressure, memory.oom-kill, memory.oom, memory.max, memory.high, memory.near-limit, memory.pressure, pids.max, pids.near-limit */
  readonly id: string;
  readonly severity: Severity;
  readonly resource: Resource;
  /** the cgroup whose limit is responsible, when one is */
  readonly cgroup: string | null;
  /** one line, plain words, numbers */
  readonly text: string;
  /** explanations (CPU throttling causes), one line each */
  readonly causes: string[];
  readonly evidence: Record<string, unknown>;
}

/** One limit along the path. */
export interface LimitAlong {
  readonly path: string;
  readonly value: Limit;
}

export interface EffectiveLimit {
  readonly resource: Resource;
  /** cpu.quota (CPUs), cpu.period (µs), cpuset (CPUs), cpu.weight, cpu.shares, memory.max, memory.high, memory.swap.max, memory.memsw.max, pids.max */
  readonly limit: string;
  readonly unit: 'cpus' | 'usec' | 'bytes' | 'tasks' | 'weight' | 'shares';
  /** the tightest value on the path and where it is set; null when nothing on the path limits */
  readonly binding: LimitAlong | null;
  /** every cgroup on the path that sets one (root first) */
  readonly along: LimitAlong[];
}

export interface Diagnosis {
  readonly target: string;
  /** the target's path in the cpu (else memory, else pids) hierarchy */
  readonly path: string;
  readonly version: 1 | 2 | null;
  readonly mode: 'window' | 'cumulative';
  readonly window_s: number | null;
  readonly clean: boolean;
  /** one line per finding, worst first; a single line when clean */
  readonly verdict: string[];
  readonly findings: Finding[];
  readonly limits: EffectiveLimit[];
  readonly cpu: Record<string, unknown> | null;
  readonly memory: Record<string, unknown> | null;
  readonly pids: Record<string, unknown> | null;
  readonly kernel: { readonly readable: boolean; readonly oom_kills: OomKillReport[]; readonly fork_rejected: ForkRejectedReport[] } | null;
}

/* ------------------------------------------------------------------ helpers */

/** Round for the JSON evidence (counters in ns/1000 carry float noise). */
function round(x: number | null, digits: number): number | null {
  if (x === null) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Where a limit is set, as the clean line says it: `its own`, or the ancestor's path. */
const whose = (limitPath: string, targetPath: string): string => (limitPath === targetPath ? 'its own' : limitPath);

/** A raw keyed map value as a number. */
const n_ = (m: KeyedInts | undefined, k: string): number | undefined => toNumber(m?.[k]);

const SEV_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Format a byte count the way free(1) -h and systemd do: 1.5G, 64M, 512K, 100B (binary units). */
export function fmtBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v >= 100 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1)} ${u[i]}`;
}

/** CPUs with up to 2 decimals (`0.5`, `1`, `0.48`). */
export function fmtCpus(c: number): string {
  return `${Number(c.toFixed(2))} CPU`;
}

function fmtPct(p: number): string {
  return p >= 10 || p === 0 ? `${Math.round(p)} %` : `${Number(p.toFixed(1))} %`;
}

function fmtMs(usec: number): string {
  const ms = usec / 1000;
  if (ms >= 3_600_000) return `${Number((ms / 3_600_000).toFixed(1))} h`;
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Number(ms.toFixed(ms >= 10 ? 0 : 1))} ms`;
}

function plural(n: number, one: string, many = one + 's'): string {
  // thousands separated by commas (as toLocaleString('en-US'), which is too slow for the dashboard's every row)
  return `${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} ${n === 1 ? one : many}`;
}

const target = <T>(c: WhyChain<T> | undefined): WhyNode<T> | undefined => c?.nodes[c.nodes.length - 1];

/** Δ of a counter between two chains' node at `path`, or the later value itself in cumulative mode. */
type Delta = (a: number | undefined, b: number | undefined) => number | null;

function nodeAt<T>(c: WhyChain<T> | undefined, path: string): T | undefined {
  return c?.nodes.find((n) => n.path === path)?.v;
}

/** Every cgroup on the path setting a finite limit, and the tightest (ties: the deepest, nearest the target). */
function effective<T>(
  resource: Resource,
  limit: string,
  unit: EffectiveLimit['unit'],
  chain: WhyChain<T> | undefined,
  get: (v: T) => Limit | undefined,
  opts: { includeMax?: boolean; higherIsTighter?: boolean } = {},
): EffectiveLimit | undefined {
  if (!chain) return undefined;
  const along: LimitAlong[] = [];
  for (const n of chain.nodes) {
    const x = n.v === undefined ? undefined : get(n.v);
    if (x === undefined || (x === 'max' && !opts.includeMax)) continue;
    along.push({ path: n.path, value: x });
  }
  let binding: LimitAlong | null = null;
  for (const a of along) {
    if (a.value === 'max') continue;
    if (binding === null || binding.value === 'max' || a.value <= binding.value) binding = a;
  }
  return { resource, limit, unit, binding, along };
}

/* ------------------------------------------------------------------ CPU */

interface CpuResult {
  findings: Finding[];
  evidence: Record<string, unknown> | null;
  limits: EffectiveLimit[];
  cleanSummary?: string;
}

function diagnoseCpu(inp: WhyInput, d: Delta, dt: number | null): CpuResult {
  const a = inp.first.cpu;
  const b = inp.last.cpu;
  const limits: EffectiveLimit[] = [];
  if (!b || b.nodes.length === 0) return { findings: [], evidence: null, limits };
  const t = target(b)!;
  const quota = effective('cpu', 'cpu.quota', 'cpus', b, (v) => {
    const q = quotaCpus(v.max_usec, v.period_usec);
    return q === null ? undefined : q;
  });
  if (quota) limits.push(quota);
  const cpuset = effective('cpu', 'cpuset', 'cpus', inp.last.cpuset, (v) => v);
  // the cpuset that binds is where the count drops to the target's: the shallowest node with the target's count
  if (cpuset && cpuset.along.length) {
    const last = cpuset.along[cpuset.along.length - 1].value as number;
    const first = cpuset.along.find((x) => x.value === last) ?? null;
    limits.push({ ...cpuset, binding: first });
  }
  const weightName = b.version === 2 ? 'cpu.weight' : 'cpu.shares';
  const weights = effective('cpu', weightName, b.version === 2 ? 'weight' : 'shares', b, (v) => (b.version === 2 ? v.weight : v.shares));
  if (weights && weights.along.length) limits.push({ ...weights, binding: weights.along[weights.along.length - 1] });

  // throttle attribution over the chain
  const items = new Map<string, ThrottleInput>();
  for (const n of b.nodes) {
    const v = n.v;
    const p = nodeAt(a, n.path);
    items.set(n.path, {
      path: n.path,
      cpu_quota_usec: v?.max_usec,
      cpu_period_usec: v?.period_usec,
      d_usage_usec: d(p?.usage_usec, v?.usage_usec),
      d_nr_throttled: d(p?.nr_throttled, v?.nr_throttled),
      d_local_throttled_usec: d(p?.local_throttled_usec, v?.local_throttled_usec),
    });
  }
  const by = attributeThrottling(items, dt).get(t.path) ?? null;
  const tv = t.v;
  const tp = nodeAt(a, t.path);
  const usage = d(tp?.usage_usec, tv?.usage_usec);
  const cpusUsed = usage !== null && dt ? usage / dt / 1e6 : null;
  const localThr = d(tp?.local_throttled_usec, tv?.local_throttled_usec);
  const hostCpus = inp.last.host_cpus;
  const cpusetCount = inp.last.cpuset ? (target(inp.last.cpuset)?.v ?? undefined) : undefined;
  const evidence: Record<string, unknown> = {
    path: t.path,
    version: b.version,
    usage_usec: round(usage, 0),
    usage_cpus: round(cpusUsed, 3),
    local_throttled_usec: round(localThr, 0),
    host_cpus: hostCpus ?? null,
    cpuset_cpus: cpusetCount ?? null,
    throttled_by: by,
  };
  const findings: Finding[] = [];
  const threads = threadStats(inp);
  evidence.threads = threads;
  const psi = pressureOf(inp, 'cpu', dt);
  evidence.pressure = psi;

  if (by !== null) {
    const bv = nodeAt(b, by)!;
    const bp = nodeAt(a, by);
    const qCpus = quotaCpus(bv.max_usec, bv.period_usec)!;
    const dPer = d(bp?.nr_periods, bv.nr_periods);
    const dThr = d(bp?.nr_throttled, bv.nr_throttled);
    const dThrUsec = d(bp?.throttled_usec, bv.throttled_usec);
    const dUse = d(bp?.usage_usec, bv.usage_usec);
    const bUsed = dUse !== null && dt ? dUse / dt / 1e6 : null;
    const pct = dPer !== null && dThr !== null && dPer > 0 ? Math.min(100, (dThr / dPer) * 100) : null;
    const dBursts = d(bp?.nr_bursts, bv.nr_bursts);
    const dBurstUsec = d(bp?.burst_usec, bv.burst_usec);
    const period = bv.period_usec!;
    const own = by === t.path;
    const earlier = new Map((inp.first.cpu_children?.[by] ?? []).map((x) => [x.path, x]));
    const children = (inp.last.cpu_children?.[by] ?? []).map((c) => {
      const before = earlier.get(c.path);
      const du = d(before?.usage_usec, c.usage_usec);
      return { path: c.path, ...(c.label ? { label: c.label } : {}), usage_usec: round(du, 0), usage_cpus: round(du !== null && dt ? du / dt / 1e6 : null, 3) };
    });
    const active = children.filter((c) => (c.usage_usec ?? 0) > 0);
    // "containers" when the runtimes name every one of them (a pod's containers, a --cgroup-parent)
    const kind = active.length > 0 && active.every((c) => 'label' in c) ? 'container' : 'cgroup';
    const ev: Record<string, unknown> = {
      cgroup: by,
      max_usec: bv.max_usec,
      period_usec: period,
      quota_cpus: qCpus,
      max_burst_usec: bv.max_burst_usec ?? null,
      nr_periods: dPer,
      nr_throttled: dThr,
      throttled_periods_percent: pct,
      throttled_usec: round(dThrUsec, 0),
      nr_bursts: dBursts,
      burst_usec: round(dBurstUsec, 0),
      usage_cpus: round(bUsed, 3),
      children: own ? [] : children,
    };
    const causes: string[] = [];
    // 1. low average use: the quota is spent in bursts
    if (bUsed !== null && pct !== null && pct > 0 && bUsed < 0.8 * qCpus) {
      causes.push(`average use ${fmtCpus(bUsed)} is only ${fmtPct((bUsed / qCpus) * 100)} of the quota: it runs out within bursts, not on average`);
      ev.low_average = true;
    }    else if (bUsed !== null && bUsed >= 0.8 * qCpus) {
      causes.push(`it uses its whole quota (${fmtCpus(bUsed)} of ${fmtCpus(qCpus)}): the work needs more CPU than the limit grants`);
    }
    // 2. more runnable threads than the quota's CPUs
    const par = Math.max(threads?.max_runnable ?? 0, 0);
    const avail = Math.min(...[par, cpusetCount, hostCpus].filter((x): x is number => typeof x === 'number' && x > 0));
    if (threads && par > 1 && par > qCpus && Number.isFinite(avail) && avail > qCpus) {
      const spent = (period * qCpus) / avail;
      causes.push(
        `up to ${par} runnable threads${threads.ran !== null ? ` (${threads.ran} ran)` : ''} against a quota of ${fmtCpus(qCpus)}: running on ${plural(avail, 'CPU')} at once they spend each ${fmtMs(period)} period's quota in ${fmtMs(spent)}, then wait ${fmtMs(period - spent)}`,
      );
      ev.parallelism = { max_runnable: par, cpus_at_once: avail, quota_spent_usec: Math.round(spent) };
    } else if (threads && threads.ran !== null && threads.ran > 1 && threads.ran > qCpus && ev.low_average) {
      causes.push(`${threads.ran} threads ran during the window against a quota of ${fmtCpus(qCpus)}: when they wake together the quota runs out early in the period`);
    }
    // 3. a tight period
    if (period < 100_000) {
      causes.push(`the period is ${fmtMs(period)} (default 100 ms): the ${fmtMs(typeof bv.max_usec === 'number' ? bv.max_usec : 0)} quota per period leaves no room for a longer burst`);
      ev.tight_period = true;
    }
    // 4. an ancestor's quota shared by siblings
    if (!own) {
      const mine = children.find((c) => t.path === c.path || t.path.startsWith(c.path + '/'));
      const others = active.filter((c) => c !== mine).sort((x, y) => (y.usage_usec ?? 0) - (x.usage_usec ?? 0));
      if (others.length) {
        // CPUs over a window; share of the quota's CPU time since creation otherwise
        const total = children.reduce((x, c) => x + (c.usage_usec ?? 0), 0);
        const amount = (c: (typeof children)[number]) =>
          c.usage_cpus !== null ? ` ${Number(c.usage_cpus.toFixed(2))}` : c.usage_usec !== null && total > 0 ? ` ${fmtPct((c.usage_usec / total) * 100)} of the CPU time` : '';
        const list = others
          .slice(0, 3)
          .map((c) => `${c.path}${c.label ? ` (${c.label})` : ''}${amount(c)}`)
          .join(', ');
        causes.push(
          `the quota is ${by}'s, shared by ${plural(active.length + (mine && !active.includes(mine) ? 1 : 0), kind)}: ${list}${others.length > 3 ? `, +${others.length - 3} more` : ''}${mine && amount(mine) ? `; this one's branch${amount(mine)}` : ''}`,
        );
      } else {
        causes.push(`the quota is set on ${by}, an ancestor: this cgroup has none of its own, and its own cpu.stat shows no throttling`);
      }
      ev.shared = { by, children: active.length };
    }
    // 5. burst
    if ((bv.max_burst_usec ?? 0) > 0) causes.push(`burst allowance ${fmtMs(bv.max_burst_usec!)} per period${dBursts !== null ? `, used in ${plural(dBursts, 'period')}` : ''}`);
    // 6. pressure
    if (psi && (psi.some_percent ?? psi.some_avg10 ?? 0) > 0) causes.push(`CPU pressure: some tasks waited ${fmtPct(psi.some_percent ?? psi.some_avg10 ?? 0)} of the time${psi.full_percent != null || psi.full_avg10 != null ? `, all ${fmtPct(psi.full_percent ?? psi.full_avg10 ?? 0)}` : ''}`);

    const quotaTxt = `quota ${fmtCpus(qCpus)}${period !== 100_000 ? ` per ${fmtMs(period)}` : ''}`;
    const sharedTxt = !own && active.length > 1 ? ` shared by ${plural(active.length, kind)}` : '';
    const useTxt = bUsed !== null ? ` using ${Number(bUsed.toFixed(2))} of it` : '';
    if ((dThr ?? 0) > 0) {
      const window = inp.first.mono_ms === inp.last.mono_ms ? ' since it was created' : '';
      const text =
        pct !== null
          ? `CPU throttled in ${fmtPct(pct)} of periods${window} by ${by} (${quotaTxt}${sharedTxt}${useTxt})${dThrUsec !== null ? `, ${fmtMs(dThrUsec)} throttled` : ''}`
          : `CPU throttled ${plural(dThr!, 'time')}${window} by ${by} (${quotaTxt}${sharedTxt}${useTxt})`;
      const sev: Severity = pct === null ? 'warning' : pct >= 20 ? 'critical' : pct >= 1 ? 'warning' : 'info';
      findings.push({ id: 'cpu.throttled', severity: sev, resource: 'cpu', cgroup: by, text, causes, evidence: ev });
    } else {
      findings.push({
        id: 'cpu.at-limit',
        severity: 'warning',
        resource: 'cpu',
        cgroup: by,
        text: `CPU at the limit of ${by} (${quotaTxt}${useTxt})`,
        causes,
        evidence: ev,
      });
    }
  } else if (psi && (psi.some_percent ?? psi.some_avg10 ?? 0) >= 10) {
    findings.push({
      id: 'cpu.pressure',
      severity: 'warning',
      resource: 'cpu',
      cgroup: null,
      text: `CPU contention without a binding quota: some tasks waited ${fmtPct(psi.some_percent ?? psi.some_avg10 ?? 0)} of the time (cpu.pressure)`,
      causes: weights?.along.length ? [`${weightName} ${weights.along[weights.along.length - 1].value} at ${weights.along[weights.along.length - 1].path}`] : [],
      evidence: { pressure: psi },
    });
  }
  const q = quota?.binding;
  const cleanSummary =
    cpusUsed !== null
      ? `cpu ${Number(cpusUsed.toFixed(2))}${q ? ` of ${fmtCpus(q.value as number)} (${whose(q.path, t.path)})` : ' CPU, no quota'}`
      : q
        ? `cpu quota ${fmtCpus(q.value as number)} (${whose(q.path, t.path)})`
        : undefined;
  return { findings, evidence, limits, cleanSummary };
}

function threadStats(inp: WhyInput): { total: number; max_runnable: number; mean_runnable: number; ran: number | null; samples: number } | null {
  const all = [inp.first, ...(inp.samples ?? []), ...(inp.last !== inp.first ? [inp.last] : [])].filter((s) => s.threads);
  if (all.length === 0) return null;
  const rs = all.map((s) => s.threads!.runnable);
  let ran: number | null = null;
  const f = inp.first.threads?.cpu_usec;
  const l = inp.last.threads?.cpu_usec;
  if (l && inp.first !== inp.last && f) {
    ran = 0;
    for (const [tid, u] of Object.entries(l)) if (u > (f[tid] ?? 0)) ran++;
  }
  return {
    total: inp.last.threads?.total ?? all[all.length - 1].threads!.total,
    max_runnable: Math.max(...rs),
    mean_runnable: rs.reduce((x, y) => x + y, 0) / rs.length,
    ran,
    samples: rs.length,
  };
}

function pressureOf(inp: WhyInput, r: 'cpu' | 'memory', dt: number | null) {
  const b = inp.last.psi?.[r];
  if (!b) return null;
  const a = inp.first.psi?.[r];
  const pct = (x: number | undefined, y: number | undefined) => {
    const dd = counterDelta(x, y);
    return dd !== null && dt ? Math.min(100, dd / dt / 1e4) : null;
  };
  return {
    some_avg10: b.some?.avg10 ?? null,
    full_avg10: b.full?.avg10 ?? null,
    some_percent: round(pct(a?.some?.total_usec, b.some?.total_usec), 2),
    full_percent: round(pct(a?.full?.total_usec, b.full?.total_usec), 2),
  };
}

/* ------------------------------------------------------------------ memory */

function diagnoseMemory(inp: WhyInput, d: Delta, dt: number | null, win: boolean): CpuResult {
  const a = inp.first.memory;
  const b = inp.last.memory;
  const limits: EffectiveLimit[] = [];
  if (!b || b.nodes.length === 0) return { findings: [], evidence: null, limits };
  const t = target(b)!;
  const v2 = b.version === 2;
  const max = effective('memory', 'memory.max', 'bytes', b, (v) => v.max_bytes);
  const high = v2 ? effective('memory', 'memory.high', 'bytes', b, (v) => v.high_bytes) : undefined;
  const swap = v2 ? effective('memory', 'memory.swap.max', 'bytes', b, (v) => v.swap_max_bytes) : effective('memory', 'memory.memsw.max', 'bytes', b, (v) => v.memsw_max_bytes);
  for (const l of [max, high, swap]) if (l) limits.push(l);
  const tv = t.v ?? {};
  // headroom: the limit nearest to being hit (limit − usage of that cgroup)
  let tight: { path: string; limit: number; usage: number; ws?: number } | null = null;
  for (const n of b.nodes) {
    const m = n.v?.max_bytes;
    if (typeof m !== 'number' || n.v?.current_bytes === undefined) continue;
    if (!tight || m - n.v.current_bytes < tight.limit - tight.usage) tight = { path: n.path, limit: m, usage: n.v.current_bytes, ws: n.v.working_set_bytes };
  }
  const ev: Record<string, unknown> = {
    path: t.path,
    version: b.version,
    current_bytes: tv.current_bytes ?? null,
    working_set_bytes: tv.working_set_bytes ?? null,
    binding: tight,
  };
  const findings: Finding[] = [];
  // counters along the path
  const rows = b.nodes.map((n) => {
    const p = nodeAt(a, n.path) ?? {};
    const v = n.v ?? {};
    const ev2 = (k: string, local = false) => (local ? d(n_(p.events_local, k), n_(v.events_local, k)) : d(n_(p.events, k), n_(v.events, k)));
    const life = (k: string, local = false) => (local ? n_(v.events_local, k) : n_(v.events, k)) ?? null;
    return {
      path: n.path,
      limit: v.max_bytes ?? null,
      high: v.high_bytes ?? null,
      current_bytes: v.current_bytes ?? null,
      max: ev2('max'),
      max_local: ev2('max', true),
      high_events: ev2('high'),
      high_local: ev2('high', true),
      oom: ev2('oom'),
      oom_local: ev2('oom', true),
      oom_kill: v2 ? ev2('oom_kill') : d(n_(p.oom_control, 'oom_kill'), n_(v.oom_control, 'oom_kill')),
      failcnt: d(p.failcnt, v.failcnt),
      under_oom: n_(v.oom_control, 'under_oom') ?? null,
      oom_kill_disable: n_(v.oom_control, 'oom_kill_disable') ?? null,
      lifetime: {
        oom_kill: v2 ? life('oom_kill') : (n_(v.oom_control, 'oom_kill') ?? null),
        oom: life('oom'),
        oom_local: life('oom', true),
        max: life('max'),
        max_local: life('max', true),
        failcnt: v.failcnt ?? null,
      },
    };
  });
  ev.path_counters = rows;
  const tr = rows[rows.length - 1];
  const pos = (x: number | null | undefined) => typeof x === 'number' && x > 0;
  // Which cgroup's limit caused the OOM / the limit hits: the deepest on the path whose LOCAL counter rose
  // (v2 memory.events.local; v1 failcnt is per cgroup already). v2 memory.events is hierarchical: an ancestor's
  // count includes its other children's, so without local counters only the target's own count, or (`ancestors`,
  // when the target's own kills prove it was hit) the deepest ancestor with a limit, can be trusted.
  type Row = (typeof rows)[number];
  const hasLocal = rows.some((r) => r.oom_local !== null || r.max_local !== null);
  const causeOf = (local: (r: Row) => number | null, hier: (r: Row) => number | null, ancestors = !v2): string | null => {
    if (hasLocal) {
      for (let i = rows.length - 1; i >= 0; i--) if (pos(local(rows[i]))) return rows[i].path;
      return null;
    }
    const cand = ancestors ? rows : rows.slice(-1);
    for (let i = cand.length - 1; i >= 0; i--) if (pos(hier(cand[i])) && cand[i].limit !== null && cand[i].limit !== 'max') return cand[i].path;
    for (let i = cand.length - 1; i >= 0; i--) if (pos(hier(cand[i]))) return cand[i].path;
    return null;
  };
  const countAt = (p: string, local: (r: Row) => number | null, hier: (r: Row) => number | null): number => {
    const r = rows.find((x) => x.path === p)!;
    return (hasLocal ? local(r) : hier(r)) ?? 0;
  };
  const limitOf = (p: string | null) => {
    const r = rows.find((x) => x.path === p);
    return r && typeof r.limit === 'number' ? r.limit : null;
  };
  const usageOf = (p: string | null) => rows.find((x) => x.path === p)?.current_bytes ?? null;
  const limTxt = (p: string | null) => {
    const l = limitOf(p);
    const u = usageOf(p);
    return l !== null ? ` (limit ${fmtBytes(l)}${u !== null ? `, ${fmtBytes(u)} used now` : ''})` : '';
  };

  // kernel reports for this target (victim at or below it, or limit on its path)
  const within = (p: string | undefined, base: string) => p !== undefined && (base === '/' || p === base || p.startsWith(base + '/'));
  // the kills of tasks at or below the target
  const kReports = (inp.kernel?.oom_kills ?? []).filter((r) => within(r.task_memcg, t.path));
  const startUp = inp.first.uptime_s;
  const inWindow = (r: OomKillReport) => win && startUp !== undefined && r.usec !== undefined && r.usec / 1e6 >= startUp - 0.5;
  // in a window: the reports made during it; counters since creation: every report still in the log
  const kNow = win ? kReports.filter(inWindow) : kReports;
  ev.kernel_reports = kReports.slice(-10).map((r) => ({ ...r, in_window: win ? inWindow(r) : null }));

  // OOM kills
  const kills = tr.oom_kill;
  const life = tr.lifetime.oom_kill;
  const killsNow = pos(kills) || kNow.length > 0;
  if (killsNow || pos(life) || kReports.length) {
    const n = pos(kills) ? kills! : killsNow ? kNow.length : pos(life) ? life! : kReports.length;
    const shown = killsNow ? kNow : kReports;
    const lastK = shown[shown.length - 1];
    let cause = lastK?.oom_memcg ?? null;
    let how = cause ? 'kernel log oom_memcg' : '';
    if (!cause) {
      const fromCounters = killsNow
        ? causeOf((r) => r.oom_local, (r) => (v2 ? r.oom : r.failcnt), true)
        : causeOf((r) => r.lifetime.oom_local, (r) => (v2 ? r.lifetime.oom : r.lifetime.failcnt), true);
      cause = fromCounters ?? max?.binding?.path ?? null;
      how = fromCounters ? (v2 ? (hasLocal ? 'memory.events.local oom' : 'memory.events oom') : 'memory.failcnt') : max?.binding ? 'tightest memory limit' : '';
    }
    const when = killsNow ? (win ? ' in the window' : ' since it was created') : ' earlier (before the window)';
    const victims = shown.slice(-3).map((r) => `${r.task ?? '?'}[${r.pid ?? '?'}]${r.anon_rss_kb !== undefined ? ` ${fmtBytes(r.anon_rss_kb * 1024)} anon` : ''}`);
    const constraintHost = lastK && lastK.constraint !== 'CONSTRAINT_MEMCG';
    const text = constraintHost
      ? `${plural(n, 'process', 'processes')} OOM-killed${when}: the host ran out of memory (${lastK.constraint}), not a cgroup limit`
      : `${plural(n, 'process', 'processes')} OOM-killed${when} by the memory limit of ${cause ?? 'an unknown cgroup'}${limTxt(cause)}`;
    findings.push({
      id: 'memory.oom-kill',
      severity: killsNow ? 'critical' : 'warning',
      resource: 'memory',
      cgroup: constraintHost ? null : cause,
      text,
      causes: [
        ...(victims.length ? [`killed: ${victims.join(', ')}${lastK?.oom_memcg ? ` (kernel: oom_memcg=${lastK.oom_memcg})` : ''}`] : []),
        ...(how ? [`named from ${how}`] : []),
      ],
      evidence: { in_window: killsNow, oom_kill: kills, oom_kill_lifetime: life, cause, named_from: how, kernel: kReports.slice(-3) },
    });
  }
  // OOM without a kill (oom_kill_disable, or the victim was elsewhere) / under_oom
  const oomNow = causeOf((r) => r.oom_local, (r) => r.oom);
  if (!findings.length && oomNow) {
    const n = countAt(oomNow, (r) => r.oom_local, (r) => r.oom);
    const self = oomNow === t.path;
    findings.push({
      id: 'memory.oom',
      severity: self ? 'critical' : 'warning',
      resource: 'memory',
      cgroup: oomNow,
      text: `the memory limit of ${oomNow}${limTxt(oomNow)} ran out ${plural(n, 'time')}${win ? '' : ' since it was created'} (OOM) without a kill of ${self ? 'its' : 'this cgroup\'s'} tasks`,
      causes: self ? [] : [`the limit is an ancestor's: another of its children's tasks ${pos(rows.find((r) => r.path === oomNow)?.oom_kill) ? 'were killed' : 'hit it'}`],
      evidence: { cgroup: oomNow, count: n },
    });
  }
  const frozen = rows.find((r) => pos(r.under_oom));
  if (frozen) {
    findings.push({ id: 'memory.oom', severity: 'critical', resource: 'memory', cgroup: frozen.path, text: `tasks are stalled in an OOM at ${frozen.path} (memory.oom_control under_oom 1${pos(frozen.oom_kill_disable) ? ', oom_kill_disable 1' : ''})${limTxt(frozen.path)}`, causes: [], evidence: {} });
  }
  // limit hits answered by reclaim
  const hitCause = causeOf((r) => r.max_local, (r) => (v2 ? r.max : r.failcnt));
  if (hitCause) {
    const n = countAt(hitCause, (r) => r.max_local, (r) => (v2 ? r.max : r.failcnt));
    const killed = findings.some((f) => f.id === 'memory.oom-kill' || f.id === 'memory.oom');
    findings.push({
      id: 'memory.max',
      severity: findings.some((f) => f.id === 'memory.oom-kill') ? 'info' : 'warning',
      resource: 'memory',
      cgroup: hitCause,
      text: `reached the memory limit of ${hitCause}${limTxt(hitCause)} ${plural(n, 'time')}${win ? '' : ' since it was created'} (${v2 ? (hasLocal ? 'memory.events.local max' : 'memory.events max') : 'memory.failcnt'})${killed ? '' : ': reclaim kept it under'}`,
      causes: [],
      evidence: { cgroup: hitCause, count: n },
    });
  }
  const highCause = v2 ? causeOf((r) => r.high_local, (r) => r.high_events) : null;
  if (highCause) {
    const r = rows.find((x) => x.path === highCause)!;
    const n = countAt(highCause, (x) => x.high_local, (x) => x.high_events);
    findings.push({
      id: 'memory.high',
      severity: 'warning',
      resource: 'memory',
      cgroup: highCause,
      text: `slowed by memory.high of ${highCause}${typeof r.high === 'number' ? ` (${fmtBytes(r.high)})` : ''}: ${plural(n, 'time')} over it${win ? '' : ' since it was created'} (reclaim and throttling)`,
      causes: [],
      evidence: { cgroup: highCause, count: n },
    });
  }
  // near the limit
  if (tight && !findings.length) {
    const ws = tight.ws ?? tight.usage;
    const pct = (ws / tight.limit) * 100;
    if (pct >= 90) {
      findings.push({
        id: 'memory.near-limit',
        severity: 'warning',
        resource: 'memory',
        cgroup: tight.path,
        text: `working set ${fmtBytes(ws)} is ${fmtPct(pct)} of the memory limit of ${tight.path} (${fmtBytes(tight.limit)})`,
        causes: [],
        evidence: { ...tight },
      });
    }
  }
  const psi = pressureOf(inp, 'memory', dt);
  ev.pressure = psi;
  const mp = psi ? (psi.some_percent ?? psi.some_avg10 ?? 0) : 0;
  if (psi && mp >= 5) {
    findings.push({
      id: 'memory.pressure',
      severity: mp >= 20 ? 'critical' : 'warning',
      resource: 'memory',
      cgroup: tight?.path ?? null,
      text: `memory pressure: some tasks stalled on memory ${fmtPct(mp)} of the time${psi.full_percent != null || psi.full_avg10 != null ? `, all ${fmtPct(psi.full_percent ?? psi.full_avg10 ?? 0)}` : ''} (memory.pressure)`,
      causes: [],
      evidence: { pressure: psi },
    });
  }
  const cleanSummary =
    tv.current_bytes !== undefined
      ? `memory ${fmtBytes(tv.current_bytes)}${max?.binding ? ` of ${fmtBytes(max.binding.value as number)} (${whose(max.binding.path, t.path)})` : ', no limit'}`
      : undefined;
  return { findings, evidence: ev, limits, cleanSummary };
}

/* ------------------------------------------------------------------ pids */

function diagnosePids(inp: WhyInput, d: Delta, win: boolean): CpuResult {
  const a = inp.first.pids;
  const b = inp.last.pids;
  const limits: EffectiveLimit[] = [];
  if (!b || b.nodes.length === 0) return { findings: [], evidence: null, limits };
  const t = target(b)!;
  const eff = effective('pids', 'pids.max', 'tasks', b, (v) => v.max);
  if (eff) limits.push(eff);
  let tight: { path: string; max: number; current: number } | null = null;
  for (const n of b.nodes) {
    const m = n.v?.max;
    if (typeof m !== 'number' || n.v?.current === undefined) continue;
    if (!tight || m - n.v.current < tight.max - tight.current) tight = { path: n.path, max: m, current: n.v.current };
  }
  const rows = b.nodes.map((n) => {
    const p = nodeAt(a, n.path) ?? {};
    const v = n.v ?? {};
    return {
      path: n.path,
      max: v.max ?? null,
      current: v.current ?? null,
      events_max: d(p.events_max ?? n_(p.events, 'max'), v.events_max ?? n_(v.events, 'max')),
      lifetime_events_max: v.events_max ?? n_(v.events, 'max') ?? null,
    };
  });
  const findings: Finding[] = [];
  // Fork failures of the target's own count: v1 and v2 before 6.9 count them in the forking cgroup. An
  // ancestor's count may come from another of its children (v1: its own tasks; v2 ≥ 6.9: limit hits at it or
  // below, from any branch), so it is reported apart, as a limit of the path that was hit.
  const tr = rows[rows.length - 1];
  const failures = tr.events_max ?? 0;
  const lifetime = tr.lifetime_events_max ?? 0;
  const upHit = [...rows.slice(0, -1)].reverse().find((r) => (r.events_max ?? 0) > 0 && typeof r.max === 'number');
  const kernelCause = (inp.kernel?.fork_rejected ?? []).filter((f) => f.cgroup === t.path || f.cgroup.startsWith(t.path + '/')).pop();
  if (failures > 0 || (lifetime > 0 && win)) {
    const now = failures > 0;
    // the limit that was full: least headroom on the path (at the failure it had none), else the tightest
    const cause = (tight && tight.current >= tight.max - 1 ? tight.path : eff?.binding?.path) ?? null;
    const row = rows.find((r) => r.path === cause);
    const when = now ? (win ? ' in the window' : ' since it was created') : ' earlier (before the window)';
    findings.push({
      id: 'pids.max',
      severity: now ? 'critical' : 'warning',
      resource: 'pids',
      cgroup: cause,
      text: `fork failed ${plural(now ? failures : lifetime, 'time')}${when}: pids.max ${row?.max ?? '?'} of ${cause ?? '?'} reached${row?.current != null ? ` (${row.current} tasks now)` : ''}`,
      causes: kernelCause ? [`kernel: fork rejected by pids controller in ${kernelCause.cgroup}`] : [],
      evidence: { failures: now ? failures : 0, lifetime, cause, path_counters: rows },
    });
  } else if (upHit) {
    findings.push({
      id: 'pids.max',
      severity: 'warning',
      resource: 'pids',
      cgroup: upHit.path,
      text: `pids.max ${upHit.max} of ${upHit.path} was hit ${plural(upHit.events_max!, 'time')}${win ? '' : ' since it was created'} (by this cgroup or another below it)${upHit.current != null ? `; ${upHit.current} tasks now` : ''}`,
      causes: kernelCause ? [`kernel: fork rejected by pids controller in ${kernelCause.cgroup}`] : [],
      evidence: { cgroup: upHit.path, count: upHit.events_max, path_counters: rows },
    });
  } else if (tight && tight.current >= 0.9 * tight.max) {
    findings.push({
      id: 'pids.near-limit',
      severity: 'warning',
      resource: 'pids',
      cgroup: tight.path,
      text: `${tight.current} tasks of pids.max ${tight.max} at ${tight.path}: new forks will soon fail`,
      causes: [],
      evidence: { ...tight },
    });
  }
  return { findings, evidence: { path: t.path, version: b.version, binding: tight, path_counters: rows }, limits };
}

/* ------------------------------------------------------------------ entry point */

/** The diagnosis of one cgroup from two samples of its path (see the module comment). Pure. */
export function diagnose(inp: WhyInput): Diagnosis {
  const dtRaw = (inp.last.mono_ms - inp.first.mono_ms) / 1000;
  const win = inp.first !== inp.last && dtRaw > 0;
  const dt = win ? dtRaw : null;
  const d: Delta = win ? counterDelta : (_a, b) => (b === undefined ? null : b);
  const cpu = diagnoseCpu(inp, d, dt);
  const mem = diagnoseMemory(inp, d, dt, win);
  const pids = diagnosePids(inp, d, win);
  const findings = [...cpu.findings, ...mem.findings, ...pids.findings].sort((x, y) => SEV_RANK[x.severity] - SEV_RANK[y.severity]);
  const bad = findings.filter((f) => f.severity !== 'info');
  const chain = inp.last.cpu ?? inp.last.memory ?? inp.last.pids;
  const path = target(chain as WhyChain<unknown> | undefined)?.path ?? '/';
  const span = win ? `over ${Number(dtRaw.toFixed(1))} s` : 'since creation';
  const verdict = bad.length
    ? findings.map((f) => `${f.severity === 'critical' ? 'ERROR' : f.severity === 'warning' ? 'WARN' : 'note'}: ${f.text}`)
    : [`clean: ${path} was not throttled, hit no memory limit and refused no fork ${span}${[cpu.cleanSummary, mem.cleanSummary].filter(Boolean).length ? ` (${[cpu.cleanSummary, mem.cleanSummary].filter(Boolean).join('; ')})` : ''}`];
  return {
    target: inp.target,
    path,
    version: chain?.version ?? null,
    mode: win ? 'window' : 'cumulative',
    window_s: win ? dtRaw : null,
    clean: bad.length === 0,
    verdict,
    findings,
    limits: [...cpu.limits, ...mem.limits, ...pids.limits],
    cpu: cpu.evidence,
    memory: mem.evidence,
    pids: pids.evidence,
    kernel: inp.kernel ? { readable: inp.kernel.readable, oom_kills: [...inp.kernel.oom_kills].slice(-10), fork_rejected: [...(inp.kernel.fork_rejected ?? [])].slice(-10) } : null,
  };
}

/* ------------------------------------------------------------------ from a set of samples (the dashboard) */

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
