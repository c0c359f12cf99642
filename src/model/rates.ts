/**
 * The cgroup model (after below's `CgroupModel::new(sample, last, elapsed)`): from one `CgroupSample`
 * (src/model/cgroup-sample.ts) and the previous one, the view-ready values and the rates. Pure, no I/O.
 *
 *   cgroupModel(sample, last?, dt_s?): CgroupModel        { path, values, rates }
 *   cgroupValues(sample): CgroupValues                    flat current values (what `top` columns show)
 *   computeRates(last, sample, dt_s): CgroupRates
 *   snapshotRates(prevSnapshot, nextSnapshot): Map<path, CgroupRates>
 *
 * Rules (below's): a rate exists only when both samples have the counter, the later value is ≥ the earlier
 * one, the interval is positive, and the cgroup directory is the same one (identity unchanged: a cgroup
 * removed and recreated between samples restarts its counters from zero); otherwise the rate is `null` —
 * never zero, never negative. The first sample has no rates at all.
 * CPU% = Δusage / Δt × 100 (100 % = one CPU); throttled_percent = Δthrottled time / Δt × 100 (% of wall
 * time); IO in bytes/s and operations/s; PSI totals as % of wall time stalled.
 */

import { cgroupRecreated, type CgroupSample, type CgroupSnapshot } from './cgroup-sample.js';
import type { Limit, Pressure } from './cgroup.js';
export type { Limit };

/** One PSI resource (`cpu.pressure`, …): avg10 in %, totals in µs. */
export interface PsiCounters {
  readonly some_avg10?: number;
  readonly full_avg10?: number;
  readonly some_total_usec?: number;
  readonly full_total_usec?: number;
}

/**
 * The current values of one cgroup, flattened from its sample (units in the key names, undefined = absent,
 * `'max'` = unlimited). Derived, never read: `cgroupValues(sample)`. The names are the sample's, group and key
 * joined with `_` (`memory.current_bytes` → `memory_current_bytes`): the one vocabulary of docs/json.md.
 */
export interface CgroupValues {
  /** cgroup path, `/` for the root (v1: the path merged across hierarchies). */
  readonly path: string;
  readonly cpu_usage_usec?: number;
  readonly cpu_user_usec?: number;
  readonly cpu_system_usec?: number;
  readonly cpu_nr_periods?: number;
  readonly cpu_nr_throttled?: number;
  readonly cpu_throttled_usec?: number;
  /** `cpu.stat.local` throttled time: this cgroup's tasks throttled by its own or an ancestor's limit. */
  readonly cpu_local_throttled_usec?: number;
  readonly cpu_max_usec?: Limit;
  readonly cpu_period_usec?: number;
  readonly memory_current_bytes?: number;
  /** current − inactive_file (clamped at 0). */
  readonly memory_working_set_bytes?: number;
  readonly memory_max_bytes?: Limit;
  readonly memory_high_bytes?: Limit;
  readonly io_rbytes?: number;
  readonly io_wbytes?: number;
  readonly io_rios?: number;
  readonly io_wios?: number;
  readonly pids_current?: number;
  readonly pids_max?: Limit;
  readonly psi?: { readonly cpu?: PsiCounters; readonly memory?: PsiCounters; readonly io?: PsiCounters };
}

/** @deprecated the flat values of a sample are `CgroupValues` (`cgroupValues(sample)`) */
export type TopCounters = CgroupValues;

/** One sample of the cgroups in view (the one snapshot type: `CgroupSnapshot`). */
export type TopSnapshot = CgroupSnapshot;

function psiValues(p: Pressure | undefined): PsiCounters | undefined {
  if (!p) return undefined;
  return { some_avg10: p.some?.avg10, full_avg10: p.full?.avg10, some_total_usec: p.some?.total_usec, full_total_usec: p.full?.total_usec };
}

/** Values already derived from a sample (samples are immutable; each is derived twice, as `next` then `prev`). */
const valuesOf = new WeakMap<CgroupSample, CgroupValues>();

/** The flat current values of a sample. Pure (memoised per sample object). */
export function cgroupValues(s: CgroupSample): CgroupValues {
  let v = valuesOf.get(s);
  if (!v) valuesOf.set(s, (v = deriveValues(s)));
  return v;
}

function deriveValues(s: CgroupSample): CgroupValues {
  const c = s.cpu;
  const m = s.memory;
  const io = s.io;
  const out: { -readonly [K in keyof CgroupValues]: CgroupValues[K] } = { path: s.path };
  const put = <K extends keyof CgroupValues>(k: K, v: CgroupValues[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  if (c) {
    put('cpu_usage_usec', c.usage_usec);
    put('cpu_user_usec', c.user_usec);
    put('cpu_system_usec', c.system_usec);
    put('cpu_nr_periods', c.nr_periods);
    put('cpu_nr_throttled', c.nr_throttled);
    put('cpu_throttled_usec', c.throttled_usec);
    put('cpu_local_throttled_usec', c.local_throttled_usec);
    put('cpu_max_usec', c.max_usec);
    put('cpu_period_usec', c.period_usec);
  }
  if (m) {
    put('memory_current_bytes', m.current_bytes);
    put('memory_working_set_bytes', m.working_set_bytes);
    put('memory_max_bytes', m.max_bytes);
    put('memory_high_bytes', m.high_bytes);
  }
  if (io) {
    put('io_rbytes', io.rbytes);
    put('io_wbytes', io.wbytes);
    put('io_rios', io.rios);
    put('io_wios', io.wios);
  }
  if (s.pids) {
    put('pids_current', s.pids.current);
    put('pids_max', s.pids.max);
  }
  if (s.psi && (s.psi.cpu || s.psi.memory || s.psi.io)) out.psi = { cpu: psiValues(s.psi.cpu), memory: psiValues(s.psi.memory), io: psiValues(s.psi.io) };
  return out;
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
  readonly cpu_throttled_percent: number | null;
  /** Δnr_throttled / Δnr_periods × 100: share of enforcement periods that throttled. */
  readonly cpu_throttled_periods_percent: number | null;
  /** Δ(cpu.stat.local throttled time) / Δt × 100. */
  readonly cpu_local_throttled_percent: number | null;
  readonly psi: { readonly cpu: PsiRates | null; readonly memory: PsiRates | null; readonly io: PsiRates | null };
  /** Raw deltas over the interval, for throttle attribution. */
  readonly delta: {
    readonly cpu_usage_usec: number | null;
    readonly cpu_nr_periods: number | null;
    readonly cpu_nr_throttled: number | null;
    readonly cpu_local_throttled_usec: number | null;
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
  cpu_throttled_percent: null,
  cpu_throttled_periods_percent: null,
  cpu_local_throttled_percent: null,
  psi: NO_PSI,
  delta: { cpu_usage_usec: null, cpu_nr_periods: null, cpu_nr_throttled: null, cpu_local_throttled_usec: null },
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
export function sameCgroup(prev: CgroupSample, next: CgroupSample): boolean {
  return prev.path === next.path && !cgroupRecreated(prev, next);
}

/**
 * Rates of one cgroup between two samples `dt_s` seconds apart. With no previous sample, or a recreated
 * cgroup, every counter rate is null (PSI averages, which are not counters, are still reported).
 */
export function computeRates(last: CgroupSample | undefined, sample: CgroupSample, dt_s: number | null): CgroupRates {
  return ratesOfValues(last && sameCgroup(last, sample) ? cgroupValues(last) : undefined, cgroupValues(sample), dt_s);
}

/** The model of one cgroup: its sample, its flat values and its rates against `last`. */
export interface CgroupModel {
  readonly path: string;
  readonly sample: CgroupSample;
  readonly values: CgroupValues;
  readonly rates: CgroupRates;
}

/** below's `CgroupModel::new(sample, last, elapsed)`: values of `sample`, rates against `last` over `dt_s`. Pure. */
export function cgroupModel(sample: CgroupSample, last?: CgroupSample, dt_s: number | null = null): CgroupModel {
  // the same sample object as last time (the fd source's memo: nothing changed): every delta is 0 whatever the
  // interval, so the model is the same for any positive dt
  if (last === sample && dt_s !== null && dt_s > 0) {
    let m = steadyModels.get(sample);
    if (!m) steadyModels.set(sample, (m = modelOf(sample, sample, dt_s)));
    return m;
  }
  return modelOf(sample, last, dt_s);
}

/** Models of samples compared with themselves (see cgroupModel). */
const steadyModels = new WeakMap<CgroupSample, CgroupModel>();

function modelOf(sample: CgroupSample, last: CgroupSample | undefined, dt_s: number | null): CgroupModel {
  const values = cgroupValues(sample);
  const prev = last && sameCgroup(last, sample) ? cgroupValues(last) : undefined;
  return { path: sample.path, sample, values, rates: ratesOfValues(prev, values, dt_s) };
}

function ratesOfValues(prev: CgroupValues | undefined, next: CgroupValues, dt_s: number | null): CgroupRates {
  const p = prev && dt_s !== null && dt_s > 0 ? prev : undefined;
  const dt = p ? dt_s : null;
  const dPeriods = counterDelta(p?.cpu_nr_periods, next.cpu_nr_periods);
  const dThrottled = counterDelta(p?.cpu_nr_throttled, next.cpu_nr_throttled);
  return {
    cpu_percent: usecPercent(p?.cpu_usage_usec, next.cpu_usage_usec, dt),
    cpu_user_percent: usecPercent(p?.cpu_user_usec, next.cpu_user_usec, dt),
    cpu_system_percent: usecPercent(p?.cpu_system_usec, next.cpu_system_usec, dt),
    io_read_bps: perSecond(p?.io_rbytes, next.io_rbytes, dt),
    io_write_bps: perSecond(p?.io_wbytes, next.io_wbytes, dt),
    io_read_iops: perSecond(p?.io_rios, next.io_rios, dt),
    io_write_iops: perSecond(p?.io_wios, next.io_wios, dt),
    cpu_throttled_percent: usecPercent(p?.cpu_throttled_usec, next.cpu_throttled_usec, dt),
    cpu_throttled_periods_percent: dPeriods !== null && dThrottled !== null && dPeriods > 0 ? Math.min(100, (dThrottled / dPeriods) * 100) : dPeriods === 0 && dThrottled === 0 ? 0 : null,
    cpu_local_throttled_percent: usecPercent(p?.cpu_local_throttled_usec, next.cpu_local_throttled_usec, dt),
    psi: next.psi
      ? { cpu: psiRates(p?.psi?.cpu, next.psi.cpu, dt), memory: psiRates(p?.psi?.memory, next.psi.memory, dt), io: psiRates(p?.psi?.io, next.psi.io, dt) }
      : NO_PSI,
    delta: {
      cpu_usage_usec: counterDelta(p?.cpu_usage_usec, next.cpu_usage_usec),
      cpu_nr_periods: dPeriods,
      cpu_nr_throttled: dThrottled,
      cpu_local_throttled_usec: counterDelta(p?.cpu_local_throttled_usec, next.cpu_local_throttled_usec),
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
  const out = new Map<string, CgroupRates>();
  for (const m of snapshotModels(prev, next).values()) out.set(m.path, m.rates);
  return out;
}

/** The model of every cgroup of `next` (keyed by path) against `prev`. */
export function snapshotModels(prev: CgroupSnapshot | undefined, next: CgroupSnapshot): Map<string, CgroupModel> {
  const dt = intervalSeconds(prev, next);
  const earlier = prev?.cgroups ?? [];
  // successive samples usually list the same cgroups in the same order: match by index, by path otherwise
  let before: Map<string, CgroupSample> | undefined;
  const out = new Map<string, CgroupModel>();
  for (let i = 0; i < next.cgroups.length; i++) {
    const c = next.cgroups[i];
    let last: CgroupSample | undefined = earlier[i];
    if ((last === undefined && earlier.length > 0) || (last !== undefined && last.path !== c.path)) {
      if (!before) {
        before = new Map();
        for (const e of earlier) before.set(e.path, e);
      }
      last = before.get(c.path);
    }
    out.set(c.path, cgroupModel(c, last, dt));
  }
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
