/**
 * The pids diagnosis of `nsx why`: forks refused by a pids.max on the path, a limit hit above the target, a
 * count near its limit. Data only: the sentences are src/output/why-words.ts's.
 *
 * Kernel facts (kernel/cgroup/pids.c): v1 `pids.events` max counts forks refused to tasks of that very cgroup;
 * v2 (≥ 6.9) counts limit hits at the cgroup whose limit was hit and above (`pids.events.local` max: that
 * cgroup only).
 */
import type { EffectiveLimit, WhyFinding, WhyInput } from './types.js';
import { effective, n_, nodeAt, target, type Delta, type PartResult } from './common.js';

export function diagnosePids(inp: WhyInput, d: Delta, win: boolean): PartResult<never> {
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
      lifetime: { events_max: v.events_max ?? n_(v.events, 'max') ?? null },
    };
  });
  const findings: WhyFinding[] = [];
  // Fork failures of the target's own count: v1 and v2 before 6.9 count them in the forking cgroup. An
  // ancestor's count may come from another of its children (v1: its own tasks; v2 ≥ 6.9: limit hits at it or
  // below, from any branch), so it is reported apart, as a limit of the path that was hit.
  const tr = rows[rows.length - 1];
  const failures = tr.events_max ?? 0;
  const lifetime = tr.lifetime.events_max ?? 0;
  const upHit = [...rows.slice(0, -1)].reverse().find((r) => (r.events_max ?? 0) > 0 && typeof r.max === 'number');
  const kernelCause = (inp.kernel?.fork_rejected ?? []).filter((f) => f.cgroup === t.path || f.cgroup.startsWith(t.path + '/')).pop();
  if (failures > 0 || (lifetime > 0 && win)) {
    const now = failures > 0;
    // the limit that was full: least headroom on the path (at the failure it had none), else the tightest
    const cause = (tight && tight.current >= tight.max - 1 ? tight.path : eff?.binding?.path) ?? null;
    const row = rows.find((r) => r.path === cause);
    findings.push({
      id: 'pids.max',
      severity: now ? 'critical' : 'warning',
      resource: 'pids',
      cgroup: cause,
      evidence: { events_max: now ? failures : 0, lifetime: { events_max: lifetime }, cause, path_counters: rows },
      facts: {
        kind: 'pids.refused',
        count: now ? failures : lifetime,
        when: now ? (win ? 'window' : 'creation') : 'earlier',
        cause,
        max: row?.max ?? null,
        current: row?.current ?? null,
        kernel_cgroup: kernelCause?.cgroup ?? null,
      },
    });
  } else if (upHit) {
    findings.push({
      id: 'pids.max',
      severity: 'warning',
      resource: 'pids',
      cgroup: upHit.path,
      evidence: { cgroup: upHit.path, events_max: upHit.events_max, path_counters: rows },
      facts: { kind: 'pids.hit-above', cgroup: upHit.path, max: upHit.max, count: upHit.events_max!, window: win, current: upHit.current, kernel_cgroup: kernelCause?.cgroup ?? null },
    });
  } else if (tight && tight.current >= 0.9 * tight.max) {
    findings.push({
      id: 'pids.near-limit',
      severity: 'warning',
      resource: 'pids',
      cgroup: tight.path,
      evidence: { ...tight },
      facts: { kind: 'pids.near-limit', cgroup: tight.path, current: tight.current, max: tight.max },
    });
  }
  return { findings, evidence: { path: t.path, version: b.version, binding: tight, path_counters: rows }, limits };
}
