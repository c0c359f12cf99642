/**
 * Throttle attribution (pure): for each cgroup, which CPU limit bound it during an interval — its own, or
 * an ancestor's. The kernel counts `nr_throttled`/`throttled_time` only in the cgroup whose own quota ran out
 * (measured here: a busy child without a quota under a parent with `cfs_quota_us` shows `nr_throttled 0`
 * while the parent counts every period), so a child's throttling must be found by walking up the tree.
 *
 * A cgroup with a quota *binds* over the interval when its own throttling counter rose (Δnr_throttled > 0)
 * or, lacking counters, when its usage reached its quota (Δusage ≥ SATURATION × quota/period × Δt).
 * A cgroup is attributed to the nearest binding cgroup among itself and its ancestors, provided it was
 * itself affected: it used CPU in the interval, or its `cpu.stat.local` throttled time rose (the kernel's
 * own per-cgroup "throttled, whoever's limit it was" counter, where present).
 */
import { quotaCpus, type CgroupModel, type Limit } from './rates.js';

/** Usage at or above this share of the quota counts as an exhausted quota. */
export const SATURATION = 0.9;

/** What attribution needs to know about one cgroup over one interval. */
export interface ThrottleInput {
  readonly path: string;
  readonly cpu_max_usec?: Limit;
  readonly cpu_period_usec?: number;
  /** Δ over the interval (null = unknown). */
  readonly d_usage_usec: number | null;
  readonly d_nr_throttled: number | null;
  readonly d_local_throttled_usec: number | null;
}

/** Parent path of a cgroup path (`/a/b` → `/a`, `/a` → `/`, `/` → undefined). */
export function parentPath(path: string): string | undefined {
  if (path === '/' || path === '') return undefined;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Does this cgroup's own quota bind over an interval of `dt_s` seconds? */
export function quotaBinds(c: ThrottleInput, dt_s: number | null): boolean {
  const cpus = quotaCpus(c.cpu_max_usec, c.cpu_period_usec);
  if (cpus === null) return false;
  if (c.d_nr_throttled !== null) return c.d_nr_throttled > 0 || saturated(c, cpus, dt_s);
  return saturated(c, cpus, dt_s);
}

function saturated(c: ThrottleInput, cpus: number, dt_s: number | null): boolean {
  if (c.d_usage_usec === null || dt_s === null || !(dt_s > 0)) return false;
  return c.d_usage_usec >= SATURATION * cpus * dt_s * 1e6;
}

/**
 * Attribute throttling for every cgroup in `items` (keyed by path). Returns path → the path of the cgroup
 * whose limit binds it, or null. Ancestors missing from `items` are skipped (they cannot be judged).
 */
export function attributeThrottling(items: ReadonlyMap<string, ThrottleInput>, dt_s: number | null): Map<string, string | null> {
  const binds = new Map<string, boolean>();
  const bound = (p: string): boolean => {
    let b = binds.get(p);
    if (b === undefined) {
      const it = items.get(p);
      b = it ? quotaBinds(it, dt_s) : false;
      binds.set(p, b);
    }
    return b;
  };
  const out = new Map<string, string | null>();
  for (const [path, it] of items) {
    let by: string | null = null;
    if (bound(path)) by = path;
    else if ((it.d_usage_usec ?? 0) > 0 || (it.d_local_throttled_usec ?? 0) > 0) {
      for (let a = parentPath(path); a !== undefined; a = parentPath(a)) {
        if (bound(a)) {
          by = a;
          break;
        }
      }
    }
    out.set(path, by);
  }
  return out;
}

/**
 * Attribution over the models of one interval (`snapshotModels(prev, next)`): path → binding cgroup's path, or
 * null (a path missing from the map: null too). The same rule as attributeThrottling; only cgroups with a quota
 * (the only ones that can bind) are judged.
 */
export function attributeModels(models: Iterable<CgroupModel>, dt_s: number | null): Map<string, string | null> {
  const list = Array.isArray(models) ? (models as readonly CgroupModel[]) : [...models];
  const binding = new Set<string>();
  for (const { values: c, rates: r } of list) {
    if (quotaCpus(c.cpu_max_usec, c.cpu_period_usec) === null) continue;
    const it: ThrottleInput = {
      path: c.path,
      cpu_max_usec: c.cpu_max_usec,
      cpu_period_usec: c.cpu_period_usec,
      d_usage_usec: r.delta.cpu_usage_usec,
      d_nr_throttled: r.delta.cpu_nr_throttled,
      d_local_throttled_usec: r.delta.cpu_local_throttled_usec,
    };
    if (quotaBinds(it, dt_s)) binding.add(c.path);
  }
  const out = new Map<string, string | null>();
  // nothing binds: every cgroup's answer is null (callers read a missing path as null)
  if (binding.size === 0) return out;
  for (const { values: c, rates: r } of list) {
    let by: string | null = null;
    if (binding.has(c.path)) by = c.path;
    else if (binding.size > 0 && ((r.delta.cpu_usage_usec ?? 0) > 0 || (r.delta.cpu_local_throttled_usec ?? 0) > 0)) {
      for (let a = parentPath(c.path); a !== undefined; a = parentPath(a)) {
        if (binding.has(a)) {
          by = a;
          break;
        }
      }
    }
    out.set(c.path, by);
  }
  return out;
}
