/**
 * Rates from two samples of cgroup counters (pure, no I/O), after below's rules:
 *
 * - a rate exists only when both samples have the counter, the later value is ≥ the earlier one, the
 *   interval is positive, and the cgroup directory is the same one (its inode did not change: a cgroup
 *   removed and recreated between samples restarts its counters from zero);
 * - otherwise the rate is `null` — never zero, never negative. The first sample has no rates at all.
 * - CPU% = Δusage / Δt × 100 (100 % = one CPU); throttled_percent = Δthrottled time / Δt × 100 (% of wall
 *   time); IO in bytes/s and operations/s; PSI totals as % of wall time stalled.
 *
 * `TopCounters` is the small raw record `nsx top` samples per cgroup (units in the key names, undefined =
 * absent, `'max'` = unlimited); src/sampler/collect.ts maps the cgroup model's stats onto it.
 */

import type { Identity } from './identity.js';
import type { Limit } from './cgroup.js';
export type { Limit };

/** One PSI resource (`cpu.pressure`, …): avg10 in %, totals in µs. */
export interface PsiCounters {
  readonly some_avg10?: number;
  readonly full_avg10?: number;
  readonly some_total_usec?: number;
  readonly full_total_usec?: number;
}

/** The raw counters and limits of one cgroup at one instant. Plain serialisable data. */
export interface TopCounters {
  /** cgroup path, `/` for the root (v1: the path merged across hierarchies). */
  readonly path: string;
  /**
   * identity of the cgroup directory: its inode number(s) (`toTopCounters`) or the sampling reader's generation
   * (`g0`, `g1`…, bumped when the cgroup's open files went stale); a change means the cgroup was recreated.
   */
  readonly inode?: string;
  readonly usage_usec?: number;
  readonly user_usec?: number;
  readonly system_usec?: number;
  readonly nr_periods?: number;
  readonly nr_throttled?: number;
  readonly throttled_usec?: number;
  /** `cpu.stat.local` throttled time: this cgroup's tasks throttled by its own or an ancestor's limit. */
  readonly local_throttled_usec?: number;
  readonly cpu_quota_usec?: Limit;
  readonly cpu_period_usec?: number;
  readonly memory_bytes?: number;
  /** current − inactive_file (clamped at 0). */
  readonly memory_working_set_bytes?: number;
  readonly memory_max_bytes?: Limit;
  readonly memory_high_bytes?: Limit;
  readonly io_read_bytes?: number;
  readonly io_write_bytes?: number;
  readonly io_read_ios?: number;
  readonly io_write_ios?: number;
  readonly tasks?: number;
  readonly tasks_max?: Limit;
  readonly psi?: { readonly cpu?: PsiCounters; readonly memory?: PsiCounters; readonly io?: PsiCounters };
}

/** One sample of the cgroups in view. `mono_ms` is the monotonic clock (for Δt), `timestamp` wall time. */
export interface TopSnapshot {
  readonly mono_ms: number;
  /** ISO 8601 wall-clock time of the sample. */
  readonly timestamp: string;
  readonly cgroups: readonly TopCounters[];
  /** `unified`, `hybrid` or `legacy`, when known. */
  readonly layout?: string;
  /** container/pod/machine identity of the cgroups that have one, with runtime metadata (names), by path */
  readonly identities?: Readonly<Record<string, Identity>>;
}

/** PSI of one resource over an interval. */
export interface PsiRates {
  readonly some_avg10: number | null;
  readonly full_avg10: number | null;
  /** Δsome total / Δt × 100: % of wall time some task stalled. */
  readonly some_percent: number | null;
  readonly full_percent: number | null;
}

/** Derived per-cgroup values over one interval; null = not computable (first sample, reset, absent). */
export interface CgroupRates {
  readonly cpu_percent: number | null;
  readonly cpu_user_percent: number | null;
  readonly cpu_system_percent: number | null;
  readonly io_read_bps: number | null;
  readonly io_write_bps: number | null;
  readonly io_read_iops: number | null;
  readonly io_write_iops: number | null;
  /** Δthrottled time / Δt × 100. */
  readonly throttled_percent: number | null;
  /** Δnr_throttled / Δnr_periods × 100: share of enforcement periods that throttled. */
  readonly throttled_periods_percent: number | null;
  /** Δ(cpu.stat.local throttled time) / Δt × 100. */
  readonly throttled_local_percent: number | null;
  readonly psi: { readonly cpu: PsiRates | null; readonly memory: PsiRates | null; readonly io: PsiRates | null };
  /** Raw deltas over the interval, for throttle attribution. */
  readonly delta: {
    readonly usage_usec: number | null;
    readonly nr_periods: number | null;
    readonly nr_throttled: number | null;
    readonly local_throttled_usec: number | null;
  };
}

/** later − earlier, or null when either is absent or the counter went backwards. */
export function counterDelta(earlier: number | undefined, later: number | undefined): number | null {
  if (earlier === undefined || later === undefined || !Number.isFinite(earlier) || !Number.isFinite(later)) return null;
  return later >= earlier ? later - earlier : null;
}

/** Δ per second, or null. */
export function perSecond(earlier: number | undefined, later: number | undefined, dt_s: number | null): number | null {
  const d = counterDelta(earlier, later);
  if (d === null || dt_s === null || !(dt_s > 0)) return null;
  const r = d / dt_s;
  return Number.isFinite(r) ? r : null;
}

/** Δ(µs counter) / Δt × 100 — % of wall time (100 = one CPU for CPU time). */
export function usecPercent(earlier: number | undefined, later: number | undefined, dt_s: number | null): number | null {
  const r = perSecond(earlier, later, dt_s);
  return r === null ? null : r / 1e4;
}

const NO_PSI = { cpu: null, memory: null, io: null } as const;

export const NO_RATES: CgroupRates = {
  cpu_percent: null,
  cpu_user_percent: null,
  cpu_system_percent: null,
  io_read_bps: null,
  io_write_bps: null,
  io_read_iops: null,
  io_write_iops: null,
  throttled_percent: null,
  throttled_periods_percent: null,
  throttled_local_percent: null,
  psi: NO_PSI,
  delta: { usage_usec: null, nr_periods: null, nr_throttled: null, local_throttled_usec: null },
};

function psiRates(a: PsiCounters | undefined, b: PsiCounters | undefined, dt_s: number | null): PsiRates | null {
  if (!b) return null;
  return {
    some_avg10: b.some_avg10 ?? null,
    full_avg10: b.full_avg10 ?? null,
    some_percent: usecPercent(a?.some_total_usec, b.some_total_usec, dt_s),
    full_percent: usecPercent(a?.full_total_usec, b.full_total_usec, dt_s),
  };
}

/** True when `prev` and `next` describe the same cgroup directory (not removed and recreated). */
export function sameCgroup(prev: TopCounters, next: TopCounters): boolean {
  return prev.path === next.path && (prev.inode === undefined || next.inode === undefined || prev.inode === next.inode);
}

/**
 * Rates of one cgroup between two samples `dt_s` seconds apart. With no previous sample, or a recreated
 * cgroup, every counter rate is null (PSI averages, which are not counters, are still reported).
 */
export function computeRates(prev: TopCounters | undefined, next: TopCounters, dt_s: number | null): CgroupRates {
  const p = prev && sameCgroup(prev, next) && dt_s !== null && dt_s > 0 ? prev : undefined;
  const dt = p ? dt_s : null;
  const dPeriods = counterDelta(p?.nr_periods, next.nr_periods);
  const dThrottled = counterDelta(p?.nr_throttled, next.nr_throttled);
  return {
    cpu_percent: usecPercent(p?.usage_usec, next.usage_usec, dt),
    cpu_user_percent: usecPercent(p?.user_usec, next.user_usec, dt),
    cpu_system_percent: usecPercent(p?.system_usec, next.system_usec, dt),
    io_read_bps: perSecond(p?.io_read_bytes, next.io_read_bytes, dt),
    io_write_bps: perSecond(p?.io_write_bytes, next.io_write_bytes, dt),
    io_read_iops: perSecond(p?.io_read_ios, next.io_read_ios, dt),
    io_write_iops: perSecond(p?.io_write_ios, next.io_write_ios, dt),
    throttled_percent: usecPercent(p?.throttled_usec, next.throttled_usec, dt),
    throttled_periods_percent: dPeriods !== null && dThrottled !== null && dPeriods > 0 ? Math.min(100, (dThrottled / dPeriods) * 100) : dPeriods === 0 && dThrottled === 0 ? 0 : null,
    throttled_local_percent: usecPercent(p?.local_throttled_usec, next.local_throttled_usec, dt),
    psi: next.psi
      ? { cpu: psiRates(p?.psi?.cpu, next.psi.cpu, dt), memory: psiRates(p?.psi?.memory, next.psi.memory, dt), io: psiRates(p?.psi?.io, next.psi.io, dt) }
      : NO_PSI,
    delta: {
      usage_usec: counterDelta(p?.usage_usec, next.usage_usec),
      nr_periods: dPeriods,
      nr_throttled: dThrottled,
      local_throttled_usec: counterDelta(p?.local_throttled_usec, next.local_throttled_usec),
    },
  };
}

/** Seconds between two snapshots by the monotonic clock; null when there is no previous one or time did not advance. */
export function intervalSeconds(prev: TopSnapshot | undefined, next: TopSnapshot): number | null {
  if (!prev) return null;
  const dt = (next.mono_ms - prev.mono_ms) / 1000;
  return dt > 0 && Number.isFinite(dt) ? dt : null;
}

/** Rates of every cgroup of `next` (keyed by path) against `prev`. */
export function snapshotRates(prev: TopSnapshot | undefined, next: TopSnapshot): Map<string, CgroupRates> {
  const dt = intervalSeconds(prev, next);
  const before = new Map<string, TopCounters>();
  for (const c of prev?.cgroups ?? []) before.set(c.path, c);
  const out = new Map<string, CgroupRates>();
  for (const c of next.cgroups) out.set(c.path, computeRates(before.get(c.path), c, dt));
  return out;
}

/** CPUs granted by a quota (quota / period), or null when unlimited/absent. */
export function quotaCpus(quota: Limit | undefined, period: number | undefined): number | null {
  if (quota === undefined || quota === 'max' || period === undefined || !(period > 0) || quota < 0) return null;
  return quota / period;
}

/** value / limit × 100, or null when either is absent or the limit is unlimited/zero. */
export function percentOf(value: number | null | undefined, limit: Limit | null | undefined): number | null {
  if (value === null || value === undefined || limit === null || limit === undefined || limit === 'max' || !(limit > 0)) return null;
  return (value / limit) * 100;
}
