/**
 * The memory diagnosis of `nsx why`: OOM kills (and whose limit caused them), OOMs without a kill, limit hits
 * answered by reclaim, memory.high throttling, a working set near its limit, pressure. Data only: the
 * sentences are src/output/why-words.ts's.
 *
 * Kernel facts (mm/memcontrol.c): v2 `max` and `oom` events are raised on the cgroup whose limit was hit
 * (`memory.events.local` there; `memory.events` propagates them to ancestors); `oom_kill` on the victim's cgroup
 * (and ancestors). v1: `failcnt` rises only on the counter that hit its limit; `memory.oom_control` `oom_kill`
 * counts kills of tasks in the cgroup or below.
 */
import type { OomKillReport } from '../../parse/kmsg.js';
import type { CleanFacts, EffectiveLimit, MemoryLimitAt, WhyFinding, WhyInput } from './types.js';
import { effective, n_, nodeAt, pressureOf, someFull, target, type Delta, type PartResult } from './common.js';

export function diagnoseMemory(inp: WhyInput, d: Delta, dt: number | null, win: boolean): PartResult<NonNullable<CleanFacts['memory']>> {
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
  let tight: { path: string; max_bytes: number; current_bytes: number; working_set_bytes?: number } | null = null;
  for (const n of b.nodes) {
    const m = n.v?.max_bytes;
    if (typeof m !== 'number' || n.v?.current_bytes === undefined) continue;
    if (!tight || m - n.v.current_bytes < tight.max_bytes - tight.current_bytes) tight = { path: n.path, max_bytes: m, current_bytes: n.v.current_bytes, working_set_bytes: n.v.working_set_bytes };
  }
  const ev: Record<string, unknown> = {
    path: t.path,
    version: b.version,
    current_bytes: tv.current_bytes ?? null,
    working_set_bytes: tv.working_set_bytes ?? null,
    binding: tight,
  };
  const findings: WhyFinding[] = [];
  // counters along the path
  const rows = b.nodes.map((n) => {
    const p = nodeAt(a, n.path) ?? {};
    const v = n.v ?? {};
    const ev2 = (k: string, local = false) => (local ? d(n_(p.events_local, k), n_(v.events_local, k)) : d(n_(p.events, k), n_(v.events, k)));
    const life = (k: string, local = false) => (local ? n_(v.events_local, k) : n_(v.events, k)) ?? null;
    return {
      path: n.path,
      max_bytes: v.max_bytes ?? null,
      high_bytes: v.high_bytes ?? null,
      current_bytes: v.current_bytes ?? null,
      events_max: ev2('max'),
      events_local_max: ev2('max', true),
      events_high: ev2('high'),
      events_local_high: ev2('high', true),
      events_oom: ev2('oom'),
      events_local_oom: ev2('oom', true),
      oom_kill: v2 ? ev2('oom_kill') : d(n_(p.oom_control, 'oom_kill'), n_(v.oom_control, 'oom_kill')),
      failcnt: d(p.failcnt, v.failcnt),
      oom_control_under_oom: n_(v.oom_control, 'under_oom') ?? null,
      oom_control_oom_kill_disable: n_(v.oom_control, 'oom_kill_disable') ?? null,
      lifetime: {
        oom_kill: v2 ? life('oom_kill') : (n_(v.oom_control, 'oom_kill') ?? null),
        events_oom: life('oom'),
        events_local_oom: life('oom', true),
        events_max: life('max'),
        events_local_max: life('max', true),
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
  const hasLocal = rows.some((r) => r.events_local_oom !== null || r.events_local_max !== null);
  const causeOf = (local: (r: Row) => number | null, hier: (r: Row) => number | null, ancestors = !v2): string | null => {
    if (hasLocal) {
      for (let i = rows.length - 1; i >= 0; i--) if (pos(local(rows[i]))) return rows[i].path;
      return null;
    }
    const cand = ancestors ? rows : rows.slice(-1);
    for (let i = cand.length - 1; i >= 0; i--) if (pos(hier(cand[i])) && cand[i].max_bytes !== null && cand[i].max_bytes !== 'max') return cand[i].path;
    for (let i = cand.length - 1; i >= 0; i--) if (pos(hier(cand[i]))) return cand[i].path;
    return null;
  };
  const countAt = (p: string, local: (r: Row) => number | null, hier: (r: Row) => number | null): number => {
    const r = rows.find((x) => x.path === p)!;
    return (hasLocal ? local(r) : hier(r)) ?? 0;
  };
  /** the limit of `p` and its usage now, as the sentences name them */
  const limitAt = (p: string | null): MemoryLimitAt => {
    const r = rows.find((x) => x.path === p);
    return { max_bytes: r && typeof r.max_bytes === 'number' ? r.max_bytes : null, current_bytes: r?.current_bytes ?? null };
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
        ? causeOf((r) => r.events_local_oom, (r) => (v2 ? r.events_oom : r.failcnt), true)
        : causeOf((r) => r.lifetime.events_local_oom, (r) => (v2 ? r.lifetime.events_oom : r.lifetime.failcnt), true);
      cause = fromCounters ?? max?.binding?.path ?? null;
      how = fromCounters ? (v2 ? (hasLocal ? 'memory.events.local oom' : 'memory.events oom') : 'memory.failcnt') : max?.binding ? 'tightest memory limit' : '';
    }
    const constraintHost = lastK && lastK.constraint !== 'CONSTRAINT_MEMCG';
    findings.push({
      id: 'memory.oom-kill',
      severity: killsNow ? 'critical' : 'warning',
      resource: 'memory',
      cgroup: constraintHost ? null : cause,
      evidence: { in_window: killsNow, oom_kill: kills, lifetime: { oom_kill: life }, cause, named_from: how, kernel: kReports.slice(-3) },
      facts: {
        kind: 'memory.oom-kill',
        count: n,
        when: killsNow ? (win ? 'window' : 'creation') : 'earlier',
        host_constraint: constraintHost ? lastK.constraint : null,
        cause,
        limit: limitAt(cause),
        victims: shown.slice(-3).map((r) => ({ task: r.task, pid: r.pid, anon_rss_kb: r.anon_rss_kb })),
        oom_memcg: lastK?.oom_memcg ?? null,
        named_from: how,
      },
    });
  }
  // OOM without a kill (oom_kill_disable, or the victim was elsewhere) / under_oom
  const oomNow = causeOf((r) => r.events_local_oom, (r) => r.events_oom);
  if (!findings.length && oomNow) {
    const n = countAt(oomNow, (r) => r.events_local_oom, (r) => r.events_oom);
    const self = oomNow === t.path;
    findings.push({
      id: 'memory.oom',
      severity: self ? 'critical' : 'warning',
      resource: 'memory',
      cgroup: oomNow,
      evidence: { cgroup: oomNow, events_oom: n },
      facts: { kind: 'memory.oom', cgroup: oomNow, limit: limitAt(oomNow), count: n, window: win, own: self, ancestor_killed: pos(rows.find((r) => r.path === oomNow)?.oom_kill) },
    });
  }
  const frozen = rows.find((r) => pos(r.oom_control_under_oom));
  if (frozen) {
    findings.push({
      id: 'memory.oom',
      severity: 'critical',
      resource: 'memory',
      cgroup: frozen.path,
      evidence: {},
      facts: { kind: 'memory.under-oom', cgroup: frozen.path, limit: limitAt(frozen.path), kill_disabled: pos(frozen.oom_control_oom_kill_disable) },
    });
  }
  // limit hits answered by reclaim
  const hitCause = causeOf((r) => r.events_local_max, (r) => (v2 ? r.events_max : r.failcnt));
  if (hitCause) {
    const n = countAt(hitCause, (r) => r.events_local_max, (r) => (v2 ? r.events_max : r.failcnt));
    const killed = findings.some((f) => f.id === 'memory.oom-kill' || f.id === 'memory.oom');
    findings.push({
      id: 'memory.max',
      severity: findings.some((f) => f.id === 'memory.oom-kill') ? 'info' : 'warning',
      resource: 'memory',
      cgroup: hitCause,
      evidence: { cgroup: hitCause, events_max: n },
      facts: {
        kind: 'memory.max',
        cgroup: hitCause,
        limit: limitAt(hitCause),
        count: n,
        window: win,
        counter: v2 ? (hasLocal ? 'memory.events.local max' : 'memory.events max') : 'memory.failcnt',
        killed,
      },
    });
  }
  const highCause = v2 ? causeOf((r) => r.events_local_high, (r) => r.events_high) : null;
  if (highCause) {
    const r = rows.find((x) => x.path === highCause)!;
    const n = countAt(highCause, (x) => x.events_local_high, (x) => x.events_high);
    findings.push({
      id: 'memory.high',
      severity: 'warning',
      resource: 'memory',
      cgroup: highCause,
      evidence: { cgroup: highCause, events_high: n },
      facts: { kind: 'memory.high', cgroup: highCause, high_bytes: typeof r.high_bytes === 'number' ? r.high_bytes : null, count: n, window: win },
    });
  }
  // near the limit
  if (tight && !findings.length) {
    const ws = tight.working_set_bytes ?? tight.current_bytes;
    const pct = (ws / tight.max_bytes) * 100;
    if (pct >= 90) {
      findings.push({
        id: 'memory.near-limit',
        severity: 'warning',
        resource: 'memory',
        cgroup: tight.path,
        evidence: { ...tight },
        facts: { kind: 'memory.near-limit', cgroup: tight.path, working_set_bytes: ws, percent: pct, max_bytes: tight.max_bytes },
      });
    }
  }
  const psi = pressureOf(inp, 'memory', dt);
  ev.psi = psi;
  const mp = psi ? (psi.some_percent ?? psi.some_avg10 ?? 0) : 0;
  if (psi && mp >= 5) {
    findings.push({
      id: 'memory.pressure',
      severity: mp >= 20 ? 'critical' : 'warning',
      resource: 'memory',
      cgroup: tight?.path ?? null,
      evidence: { psi },
      facts: { kind: 'memory.pressure', ...someFull(psi) },
    });
  }
  const clean = tv.current_bytes !== undefined ? { path: t.path, current_bytes: tv.current_bytes, max: max?.binding ?? null } : undefined;
  return { findings, evidence: ev, limits, clean };
}
