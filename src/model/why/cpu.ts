/**
 * The CPU diagnosis of `nsx why`: which quota binds (its own or an ancestor's: ../throttle.ts attributes it),
 * how often it throttled, and why — low average use, parallel threads, a tight period, siblings sharing an
 * ancestor's quota, the burst allowance, pressure. Data only: the sentences are src/output/why-words.ts's.
 *
 * Kernel facts (kernel/sched/fair.c): `nr_throttled`/`throttled_time` count only in the cgroup whose own quota
 * ran out; a child under a parent's quota shows 0. `cpu.stat.local` (v1 and v2, ≥ 6.7) counts time this
 * cgroup's tasks were throttled by any ancestor.
 */
import { attributeThrottling, type ThrottleInput } from '../throttle.js';
import { quotaCpus } from '../rates.js';
import type { CleanFacts, CpuCause, FindingFacts, QuotaChild, Severity, WhyFinding, WhyInput, EffectiveLimit } from './types.js';
import { effective, nodeAt, pressureOf, round, someFull, target, threadStats, type Delta, type PartResult } from './common.js';

export function diagnoseCpu(inp: WhyInput, d: Delta, dt: number | null): PartResult<NonNullable<CleanFacts['cpu']>> {
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
      cpu_max_usec: v?.max_usec,
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
  const findings: WhyFinding[] = [];
  const threads = threadStats(inp);
  evidence.threads = threads;
  const psi = pressureOf(inp, 'cpu', dt);
  evidence.psi = psi;

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
    const children: QuotaChild[] = (inp.last.cpu_children?.[by] ?? []).map((c) => {
      const before = earlier.get(c.path);
      const du = d(before?.usage_usec, c.usage_usec);
      return { path: c.path, ...(c.label ? { label: c.label } : {}), usage_usec: round(du, 0), usage_cpus: round(du !== null && dt ? du / dt / 1e6 : null, 3) };
    });
    const active = children.filter((c) => (c.usage_usec ?? 0) > 0);
    // "containers" when the runtimes name every one of them (a pod's containers, a --cgroup-parent)
    const kind: 'container' | 'cgroup' = active.length > 0 && active.every((c) => 'label' in c) ? 'container' : 'cgroup';
    const ev: Record<string, unknown> = {
      cgroup: by,
      max_usec: bv.max_usec,
      period_usec: period,
      max_cpus: qCpus,
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
    const causes: CpuCause[] = [];
    // 1. low average use: the quota is spent in bursts
    if (bUsed !== null && pct !== null && pct > 0 && bUsed < 0.8 * qCpus) {
      causes.push({ kind: 'bursts', used_cpus: bUsed, max_cpus: qCpus });
      ev.low_average = true;
    } else if (bUsed !== null && bUsed >= 0.8 * qCpus) {
      causes.push({ kind: 'whole-quota', used_cpus: bUsed, max_cpus: qCpus });
    }
    // 2. more runnable threads than the quota's CPUs
    const par = Math.max(threads?.max_runnable ?? 0, 0);
    const avail = Math.min(...[par, cpusetCount, hostCpus].filter((x): x is number => typeof x === 'number' && x > 0));
    if (threads && par > 1 && par > qCpus && Number.isFinite(avail) && avail > qCpus) {
      const spent = (period * qCpus) / avail;
      causes.push({ kind: 'parallel', max_runnable: par, ran: threads.ran, max_cpus: qCpus, cpus_at_once: avail, period_usec: period, spent_usec: spent });
      ev.parallelism = { max_runnable: par, cpus_at_once: avail, quota_spent_usec: Math.round(spent) };
    } else if (threads && threads.ran !== null && threads.ran > 1 && threads.ran > qCpus && ev.low_average) {
      causes.push({ kind: 'woke-together', ran: threads.ran, max_cpus: qCpus });
    }
    // 3. a tight period
    if (period < 100_000) {
      causes.push({ kind: 'tight-period', period_usec: period, max_usec: typeof bv.max_usec === 'number' ? bv.max_usec : 0 });
      ev.tight_period = true;
    }
    // 4. an ancestor's quota shared by siblings
    if (!own) {
      const mine = children.find((c) => t.path === c.path || t.path.startsWith(c.path + '/'));
      const others = active.filter((c) => c !== mine).sort((x, y) => (y.usage_usec ?? 0) - (x.usage_usec ?? 0));
      if (others.length) {
        // CPUs over a window; share of the quota's CPU time since creation otherwise
        const total = children.reduce((x, c) => x + (c.usage_usec ?? 0), 0);
        causes.push({ kind: 'shared', by, count: active.length + (mine && !active.includes(mine) ? 1 : 0), unit: kind, others, mine: mine ?? null, total_usec: total });
      } else {
        causes.push({ kind: 'ancestor', by });
      }
      ev.shared = { by, children: active.length };
    }
    // 5. burst
    if ((bv.max_burst_usec ?? 0) > 0) causes.push({ kind: 'burst', max_burst_usec: bv.max_burst_usec!, nr_bursts: dBursts });
    // 6. pressure
    if (psi && (psi.some_percent ?? psi.some_avg10 ?? 0) > 0) causes.push({ kind: 'pressure', ...someFull(psi) });

    const throttled = (dThr ?? 0) > 0;
    const facts: FindingFacts = {
      kind: 'cpu.quota',
      throttled,
      by,
      max_cpus: qCpus,
      period_usec: period,
      shared: !own && active.length > 1 ? { count: active.length, unit: kind } : null,
      used_cpus: bUsed,
      since_creation: inp.first.mono_ms === inp.last.mono_ms,
      periods_percent: pct,
      nr_throttled: dThr,
      throttled_usec: dThrUsec,
      causes,
    };
    if (throttled) {
      const sev: Severity = pct === null ? 'warning' : pct >= 20 ? 'critical' : pct >= 1 ? 'warning' : 'info';
      findings.push({ id: 'cpu.throttled', severity: sev, resource: 'cpu', cgroup: by, evidence: ev, facts });
    } else {
      findings.push({ id: 'cpu.at-limit', severity: 'warning', resource: 'cpu', cgroup: by, evidence: ev, facts });
    }
  } else if (psi && (psi.some_percent ?? psi.some_avg10 ?? 0) >= 10) {
    const w = weights?.along.length ? weights.along[weights.along.length - 1] : undefined;
    findings.push({
      id: 'cpu.pressure',
      severity: 'warning',
      resource: 'cpu',
      cgroup: null,
      evidence: { psi },
      facts: { kind: 'cpu.pressure', some: psi.some_percent ?? psi.some_avg10 ?? 0, weight: w ? { name: weightName, value: w.value, path: w.path } : null },
    });
  }
  const q = quota?.binding ?? null;
  const clean = cpusUsed !== null || q ? { path: t.path, used_cpus: cpusUsed, quota: q } : undefined;
  return { findings, evidence, limits, clean };
}
