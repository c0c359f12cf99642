/**
 * The shapes of `nsx why`: what the diagnosis reads (WhySample, one instant of a cgroup's path), what it finds
 * (WhyAnalysis: structured findings, numbers only — src/model/why/diagnose.ts) and what is printed (Diagnosis:
 * the findings with their sentences — src/output/why-words.ts). Types only.
 */
import type { Limit, Pressure } from '../cgroup.js';
import type { CpuSample, MemorySample, PidsSample } from '../cgroup-sample.js';
import type { ForkRejectedReport, OomKillReport } from '../../parse/kmsg.js';

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

/* ------------------------------------------------------------------ limits */

export type Severity = 'critical' | 'warning' | 'info';
export type Resource = 'cpu' | 'memory' | 'pids';

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

/* ------------------------------------------------------------------ findings as data */

/** When counted: over the window, since the cgroup was created (one sample), or before the window. */
export type When = 'window' | 'creation' | 'earlier';

/** A memory limit as the sentences name it: its value and the usage of its cgroup now (null: none, unknown). */
export interface MemoryLimitAt {
  readonly max_bytes: number | null;
  readonly current_bytes: number | null;
}

/** A child of the cgroup whose quota binds, with the CPU it used. */
export interface QuotaChild {
  readonly path: string;
  readonly label?: string;
  readonly usage_usec: number | null;
  readonly usage_cpus: number | null;
}

/** Why a quota binds: each cause with its numbers (the sentences are src/output/why-words.ts's). */
export type CpuCause =
  /** low average use: the quota runs out within bursts */
  | { readonly kind: 'bursts'; readonly used_cpus: number; readonly max_cpus: number }
  /** the work uses the whole quota */
  | { readonly kind: 'whole-quota'; readonly used_cpus: number; readonly max_cpus: number }
  /** more runnable threads than the quota's CPUs, running at once */
  | { readonly kind: 'parallel'; readonly max_runnable: number; readonly ran: number | null; readonly max_cpus: number; readonly cpus_at_once: number; readonly period_usec: number; readonly spent_usec: number }
  /** several threads ran in the window and wake together */
  | { readonly kind: 'woke-together'; readonly ran: number; readonly max_cpus: number }
  /** a period shorter than the default */
  | { readonly kind: 'tight-period'; readonly period_usec: number; readonly max_usec: number }
  /** an ancestor's quota, spent by its other children too */
  | { readonly kind: 'shared'; readonly by: string; readonly count: number; readonly unit: 'container' | 'cgroup'; readonly others: readonly QuotaChild[]; readonly mine: QuotaChild | null; readonly total_usec: number }
  /** an ancestor's quota, no other child spending it */
  | { readonly kind: 'ancestor'; readonly by: string }
  /** the burst allowance */
  | { readonly kind: 'burst'; readonly max_burst_usec: number; readonly nr_bursts: number | null }
  /** CPU pressure while throttled */
  | { readonly kind: 'pressure'; readonly some: number; readonly full: number | null };

/** What each finding says, by kind: the numbers its sentence and causes are written from. */
export type FindingFacts =
  | {
      readonly kind: 'cpu.quota';
      /** throttled (cpu.throttled) or only at the limit (cpu.at-limit) */
      readonly throttled: boolean;
      readonly by: string;
      readonly max_cpus: number;
      readonly period_usec: number;
      /** shared by more than one active child of an ancestor's quota: how many, and what they are */
      readonly shared: { readonly count: number; readonly unit: 'container' | 'cgroup' } | null;
      readonly used_cpus: number | null;
      /** one sample (counters since creation) */
      readonly since_creation: boolean;
      readonly periods_percent: number | null;
      readonly nr_throttled: number | null;
      readonly throttled_usec: number | null;
      readonly causes: readonly CpuCause[];
    }
  | { readonly kind: 'cpu.pressure'; readonly some: number; readonly weight: { readonly name: string; readonly value: Limit; readonly path: string } | null }
  | {
      readonly kind: 'memory.oom-kill';
      readonly count: number;
      readonly when: When;
      /** the kernel's constraint when the host, not a cgroup, ran out of memory */
      readonly host_constraint: string | null;
      readonly cause: string | null;
      readonly limit: MemoryLimitAt;
      readonly victims: readonly { readonly task?: string; readonly pid?: number; readonly anon_rss_kb?: number }[];
      readonly oom_memcg: string | null;
      /** where the cause was read from (`kernel log oom_memcg`, `memory.events.local oom`, …), '' when unknown */
      readonly named_from: string;
    }
  | { readonly kind: 'memory.oom'; readonly cgroup: string; readonly limit: MemoryLimitAt; readonly count: number; readonly window: boolean; readonly own: boolean; readonly ancestor_killed: boolean }
  | { readonly kind: 'memory.under-oom'; readonly cgroup: string; readonly limit: MemoryLimitAt; readonly kill_disabled: boolean }
  | { readonly kind: 'memory.max'; readonly cgroup: string; readonly limit: MemoryLimitAt; readonly count: number; readonly window: boolean; readonly counter: string; readonly killed: boolean }
  | { readonly kind: 'memory.high'; readonly cgroup: string; readonly high_bytes: number | null; readonly count: number; readonly window: boolean }
  | { readonly kind: 'memory.near-limit'; readonly cgroup: string; readonly working_set_bytes: number; readonly percent: number; readonly max_bytes: number }
  | { readonly kind: 'memory.pressure'; readonly some: number; readonly full: number | null }
  | { readonly kind: 'pids.refused'; readonly count: number; readonly when: When; readonly cause: string | null; readonly max: Limit | null; readonly current: number | null; readonly kernel_cgroup: string | null }
  | { readonly kind: 'pids.hit-above'; readonly cgroup: string; readonly max: Limit | null; readonly count: number; readonly window: boolean; readonly current: number | null; readonly kernel_cgroup: string | null }
  | { readonly kind: 'pids.near-limit'; readonly cgroup: string; readonly current: number; readonly max: number };

/** What a finding is besides its words: what, how bad, whose limit, the evidence (printed as is in JSON). */
interface FindingBase {
  /** stable id: cpu.throttled, cpu.at-limit, cpu.pressure, memory.oom-kill, memory.oom, memory.max, memory.high, memory.near-limit, memory.pressure, pids.max, pids.near-limit */
  readonly id: string;
  readonly severity: Severity;
  readonly resource: Resource;
  /** the cgroup whose limit is responsible, when one is */
  readonly cgroup: string | null;
  readonly evidence: Record<string, unknown>;
}

/** A finding as data: with the facts its words are written from. */
export interface WhyFinding extends FindingBase {
  readonly facts: FindingFacts;
}

/** What the clean line says of CPU and memory when nothing was found. */
export interface CleanFacts {
  /** CPUs used over the window (null: no window) and the binding quota; `path`: the target in the cpu hierarchy */
  readonly cpu: { readonly path: string; readonly used_cpus: number | null; readonly quota: LimitAlong | null } | null;
  /** memory in use and the binding memory.max; `path`: the target in the memory hierarchy */
  readonly memory: { readonly path: string; readonly current_bytes: number; readonly max: LimitAlong | null } | null;
}

/** What a diagnosis is besides its findings and words. */
interface DiagnosisBase {
  readonly target: string;
  /** the target's path in the cpu (else memory, else pids) hierarchy */
  readonly path: string;
  readonly version: 1 | 2 | null;
  readonly mode: 'window' | 'cumulative';
  readonly window_s: number | null;
  readonly clean: boolean;
  readonly limits: EffectiveLimit[];
  readonly cpu: Record<string, unknown> | null;
  readonly memory: Record<string, unknown> | null;
  readonly pids: Record<string, unknown> | null;
  readonly kernel: { readonly readable: boolean; readonly oom_kills: OomKillReport[]; readonly fork_rejected: ForkRejectedReport[] } | null;
}

/** The diagnosis as data (src/model/why/diagnose.ts): the Diagnosis below without its sentences. */
export interface WhyAnalysis extends DiagnosisBase {
  /** worst first */
  readonly findings: WhyFinding[];
  readonly summary: CleanFacts;
}

/* ------------------------------------------------------------------ outputs (JSON) */

/** A finding as printed: with its line and its causes. */
export interface Finding extends FindingBase {
  /** one line, plain words, numbers */
  readonly text: string;
  /** explanations (CPU throttling causes), one line each */
  readonly causes: string[];
}

/** The diagnosis as printed (`nsx why --json`): with the verdict and the findings' words. */
export interface Diagnosis extends DiagnosisBase {
  /** one line per finding, worst first; a single line when clean */
  readonly verdict: string[];
  readonly findings: Finding[];
}
