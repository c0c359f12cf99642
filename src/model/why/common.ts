/**
 * What the three diagnoses (./cpu.ts, ./memory.ts, ./pids.ts) share: walking a chain, the effective limit on
 * a path, counter deltas, thread and pressure statistics. Pure.
 */
import type { Limit } from '../cgroup.js';
import { toNumber, type KeyedInts } from '../cgroup-sample.js';
import { counterDelta } from '../rates.js';
import type { EffectiveLimit, LimitAlong, Resource, WhyChain, WhyFinding, WhyInput, WhyNode } from './types.js';

/** Δ of a counter between the first and the last sample, or the later value itself in cumulative mode. */
export type Delta = (a: number | undefined, b: number | undefined) => number | null;

/** What one resource's diagnosis returns. */
export interface PartResult<Clean> {
  readonly findings: WhyFinding[];
  /** the resource's evidence object of the JSON (null: the resource is not there) */
  readonly evidence: Record<string, unknown> | null;
  readonly limits: EffectiveLimit[];
  /** what the clean line says of this resource, when anything */
  readonly clean?: Clean;
}

/** Round for the JSON evidence (counters in ns/1000 carry float noise). */
export function round(x: number | null, digits: number): number | null {
  if (x === null) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A raw keyed map value as a number. */
export const n_ = (m: KeyedInts | undefined, k: string): number | undefined => toNumber(m?.[k]);

/** The target: the last node of a chain. */
export const target = <T>(c: WhyChain<T> | undefined): WhyNode<T> | undefined => c?.nodes[c.nodes.length - 1];

export function nodeAt<T>(c: WhyChain<T> | undefined, path: string): T | undefined {
  return c?.nodes.find((n) => n.path === path)?.v;
}

/** Every cgroup on the path setting a finite limit, and the tightest (ties: the deepest, nearest the target). */
export function effective<T>(
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

/** Thread counts over the samples: all threads, runnable at most and on average, how many ran in the window. */
export function threadStats(inp: WhyInput): { total: number; max_runnable: number; mean_runnable: number; ran: number | null; samples: number } | null {
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

/** The target's PSI of one resource: the kernel's avg10 and the stalled share of the window. */
export function pressureOf(inp: WhyInput, r: 'cpu' | 'memory', dt: number | null) {
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

/** The some and full shares a sentence names (the window's share, else avg10); full null when neither is known. */
export function someFull(psi: { some_percent: number | null; some_avg10: number | null; full_percent: number | null; full_avg10: number | null }): { some: number; full: number | null } {
  return { some: psi.some_percent ?? psi.some_avg10 ?? 0, full: psi.full_percent != null || psi.full_avg10 != null ? (psi.full_percent ?? psi.full_avg10 ?? 0) : null };
}
