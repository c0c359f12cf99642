/**
 * `nsx why` in words: the sentences of each finding and its causes, the verdict lines and the units they are
 * written in, from the diagnosis as data (src/model/why/, `analyseWhy`). The text renderer
 * (./why-text.ts) prints them; the JSON carries them as `text`, `causes` and `verdict`.
 *
 *   describeWhy(analysis): Diagnosis     the analysis with its sentences (the JSON shape)
 *   diagnose(input): Diagnosis            analyseWhy + describeWhy (services/why.ts, the TUI's marks)
 */
import { analyseWhy } from '../model/why/diagnose.js';
import type { CleanFacts, CpuCause, Diagnosis, Finding, FindingFacts, MemoryLimitAt, QuotaChild, WhyAnalysis, WhyFinding, WhyInput, When } from '../model/why/types.js';

/* ------------------------------------------------------------------ units */

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

/** Where a limit is set, as the clean line says it: `its own`, or the ancestor's path. */
const whose = (limitPath: string, targetPath: string): string => (limitPath === targetPath ? 'its own' : limitPath);

/** ` since it was created` when counted over the cgroup's life (no window). */
const sinceCreation = (window: boolean): string => (window ? '' : ' since it was created');

const WHEN: Record<When, string> = { window: ' in the window', creation: ' since it was created', earlier: ' earlier (before the window)' };

/** ` (limit 64 MiB, 63 MiB used now)`, or nothing when the cgroup sets no limit. */
function limitText(l: MemoryLimitAt): string {
  return l.max_bytes !== null ? ` (limit ${fmtBytes(l.max_bytes)}${l.current_bytes !== null ? `, ${fmtBytes(l.current_bytes)} used now` : ''})` : '';
}

/** `, all 10 %` when the full share is known. */
const fullText = (full: number | null): string => (full !== null ? `, all ${fmtPct(full)}` : '');

/* ------------------------------------------------------------------ CPU */

/** A child's CPU: CPUs over a window, else its share of the quota's CPU time since creation. */
function amount(c: QuotaChild, total: number): string {
  return c.usage_cpus !== null ? ` ${Number(c.usage_cpus.toFixed(2))}` : c.usage_usec !== null && total > 0 ? ` ${fmtPct((c.usage_usec / total) * 100)} of the CPU time` : '';
}

function cpuCause(c: CpuCause): string {
  switch (c.kind) {
    case 'bursts':
      return `average use ${fmtCpus(c.used_cpus)} is only ${fmtPct((c.used_cpus / c.max_cpus) * 100)} of the quota: it runs out within bursts, not on average`;
    case 'whole-quota':
      return `it uses its whole quota (${fmtCpus(c.used_cpus)} of ${fmtCpus(c.max_cpus)}): the work needs more CPU than the limit grants`;
    case 'parallel':
      return `up to ${c.max_runnable} runnable threads${c.ran !== null ? ` (${c.ran} ran)` : ''} against a quota of ${fmtCpus(c.max_cpus)}: running on ${plural(c.cpus_at_once, 'CPU')} at once they spend each ${fmtMs(c.period_usec)} period's quota in ${fmtMs(c.spent_usec)}, then wait ${fmtMs(c.period_usec - c.spent_usec)}`;
    case 'woke-together':
      return `${c.ran} threads ran during the window against a quota of ${fmtCpus(c.max_cpus)}: when they wake together the quota runs out early in the period`;
    case 'tight-period':
      return `the period is ${fmtMs(c.period_usec)} (default 100 ms): the ${fmtMs(c.max_usec)} quota per period leaves no room for a longer burst`;
    case 'shared': {
      const list = c.others
        .slice(0, 3)
        .map((o) => `${o.path}${o.label ? ` (${o.label})` : ''}${amount(o, c.total_usec)}`)
        .join(', ');
      const mine = c.mine ? amount(c.mine, c.total_usec) : '';
      return `the quota is ${c.by}'s, shared by ${plural(c.count, c.unit)}: ${list}${c.others.length > 3 ? `, +${c.others.length - 3} more` : ''}${mine ? `; this one's branch${mine}` : ''}`;
    }
    case 'ancestor':
      return `the quota is set on ${c.by}, an ancestor: this cgroup has none of its own, and its own cpu.stat shows no throttling`;
    case 'burst':
      return `burst allowance ${fmtMs(c.max_burst_usec)} per period${c.nr_bursts !== null ? `, used in ${plural(c.nr_bursts, 'period')}` : ''}`;
    case 'pressure':
      return `CPU pressure: some tasks waited ${fmtPct(c.some)} of the time${fullText(c.full)}`;
  }
}

/* ------------------------------------------------------------------ findings */

/** The one line of a finding and its causes. */
function words(f: FindingFacts): { text: string; causes: string[] } {
  switch (f.kind) {
    case 'cpu.quota': {
      const quota = `quota ${fmtCpus(f.max_cpus)}${f.period_usec !== 100_000 ? ` per ${fmtMs(f.period_usec)}` : ''}`;
      const shared = f.shared ? ` shared by ${plural(f.shared.count, f.shared.unit)}` : '';
      const use = f.used_cpus !== null ? ` using ${Number(f.used_cpus.toFixed(2))} of it` : '';
      const causes = f.causes.map(cpuCause);
      if (!f.throttled) return { text: `CPU at the limit of ${f.by} (${quota}${use})`, causes };
      const window = f.since_creation ? ' since it was created' : '';
      const text =
        f.periods_percent !== null
          ? `CPU throttled in ${fmtPct(f.periods_percent)} of periods${window} by ${f.by} (${quota}${shared}${use})${f.throttled_usec !== null ? `, ${fmtMs(f.throttled_usec)} throttled` : ''}`
          : `CPU throttled ${plural(f.nr_throttled!, 'time')}${window} by ${f.by} (${quota}${shared}${use})`;
      return { text, causes };
    }
    case 'cpu.pressure':
      return {
        text: `CPU contention without a binding quota: some tasks waited ${fmtPct(f.some)} of the time (cpu.pressure)`,
        causes: f.weight ? [`${f.weight.name} ${f.weight.value} at ${f.weight.path}`] : [],
      };
    case 'memory.oom-kill': {
      const victims = f.victims.map((r) => `${r.task ?? '?'}[${r.pid ?? '?'}]${r.anon_rss_kb !== undefined ? ` ${fmtBytes(r.anon_rss_kb * 1024)} anon` : ''}`);
      const n = plural(f.count, 'process', 'processes');
      return {
        text:
          f.host_constraint !== null
            ? `${n} OOM-killed${WHEN[f.when]}: the host ran out of memory (${f.host_constraint}), not a cgroup limit`
            : `${n} OOM-killed${WHEN[f.when]} by the memory limit of ${f.cause ?? 'an unknown cgroup'}${limitText(f.limit)}`,
        causes: [
          ...(victims.length ? [`killed: ${victims.join(', ')}${f.oom_memcg ? ` (kernel: oom_memcg=${f.oom_memcg})` : ''}`] : []),
          ...(f.named_from ? [`named from ${f.named_from}`] : []),
        ],
      };
    }
    case 'memory.oom':
      return {
        text: `the memory limit of ${f.cgroup}${limitText(f.limit)} ran out ${plural(f.count, 'time')}${sinceCreation(f.window)} (OOM) without a kill of ${f.own ? 'its' : "this cgroup's"} tasks`,
        causes: f.own ? [] : [`the limit is an ancestor's: another of its children's tasks ${f.ancestor_killed ? 'were killed' : 'hit it'}`],
      };
    case 'memory.under-oom':
      return { text: `tasks are stalled in an OOM at ${f.cgroup} (memory.oom_control under_oom 1${f.kill_disabled ? ', oom_kill_disable 1' : ''})${limitText(f.limit)}`, causes: [] };
    case 'memory.max':
      return {
        text: `reached the memory limit of ${f.cgroup}${limitText(f.limit)} ${plural(f.count, 'time')}${sinceCreation(f.window)} (${f.counter})${f.killed ? '' : ': reclaim kept it under'}`,
        causes: [],
      };
    case 'memory.high':
      return {
        text: `slowed by memory.high of ${f.cgroup}${f.high_bytes !== null ? ` (${fmtBytes(f.high_bytes)})` : ''}: ${plural(f.count, 'time')} over it${sinceCreation(f.window)} (reclaim and throttling)`,
        causes: [],
      };
    case 'memory.near-limit':
      return { text: `working set ${fmtBytes(f.working_set_bytes)} is ${fmtPct(f.percent)} of the memory limit of ${f.cgroup} (${fmtBytes(f.max_bytes)})`, causes: [] };
    case 'memory.pressure':
      return { text: `memory pressure: some tasks stalled on memory ${fmtPct(f.some)} of the time${fullText(f.full)} (memory.pressure)`, causes: [] };
    case 'pids.refused':
      return {
        text: `fork failed ${plural(f.count, 'time')}${WHEN[f.when]}: pids.max ${f.max ?? '?'} of ${f.cause ?? '?'} reached${f.current !== null ? ` (${f.current} tasks now)` : ''}`,
        causes: f.kernel_cgroup !== null ? [`kernel: fork rejected by pids controller in ${f.kernel_cgroup}`] : [],
      };
    case 'pids.hit-above':
      return {
        text: `pids.max ${f.max} of ${f.cgroup} was hit ${plural(f.count, 'time')}${sinceCreation(f.window)} (by this cgroup or another below it)${f.current !== null ? `; ${f.current} tasks now` : ''}`,
        causes: f.kernel_cgroup !== null ? [`kernel: fork rejected by pids controller in ${f.kernel_cgroup}`] : [],
      };
    case 'pids.near-limit':
      return { text: `${f.current} tasks of pids.max ${f.max} at ${f.cgroup}: new forks will soon fail`, causes: [] };
  }
}

/** A finding with its sentence and causes, in the JSON's key order. */
function describeFinding(f: WhyFinding): Finding {
  const { text, causes } = words(f.facts);
  return { id: f.id, severity: f.severity, resource: f.resource, cgroup: f.cgroup, text, causes, evidence: f.evidence };
}

/** `cpu 0.02 of 0.5 CPU (its own); memory 12 MiB of 256 MiB (its own)`, or nothing. */
function cleanSummary(s: CleanFacts): string {
  const parts: string[] = [];
  if (s.cpu) {
    const q = s.cpu.quota;
    parts.push(
      s.cpu.used_cpus !== null
        ? `cpu ${Number(s.cpu.used_cpus.toFixed(2))}${q ? ` of ${fmtCpus(q.value as number)} (${whose(q.path, s.cpu.path)})` : ' CPU, no quota'}`
        : `cpu quota ${fmtCpus(q!.value as number)} (${whose(q!.path, s.cpu.path)})`,
    );
  }
  if (s.memory) {
    const m = s.memory.max;
    parts.push(`memory ${fmtBytes(s.memory.current_bytes)}${m ? ` of ${fmtBytes(m.value as number)} (${whose(m.path, s.memory.path)})` : ', no limit'}`);
  }
  return parts.length ? ` (${parts.join('; ')})` : '';
}

const LABEL = { critical: 'ERROR', warning: 'WARN', info: 'note' } as const;

/** The analysis with its sentences: the verdict lines (worst first, or the one clean line) and each finding's words. */
export function describeWhy(a: WhyAnalysis): Diagnosis {
  const findings = a.findings.map(describeFinding);
  const span = a.mode === 'window' ? `over ${Number(a.window_s!.toFixed(1))} s` : 'since creation';
  const verdict = a.clean
    ? [`clean: ${a.path} was not throttled, hit no memory limit and refused no fork ${span}${cleanSummary(a.summary)}`]
    : findings.map((f) => `${LABEL[f.severity]}: ${f.text}`);
  return {
    target: a.target,
    path: a.path,
    version: a.version,
    mode: a.mode,
    window_s: a.window_s,
    clean: a.clean,
    verdict,
    findings,
    limits: a.limits,
    cpu: a.cpu,
    memory: a.memory,
    pids: a.pids,
    kernel: a.kernel,
  };
}

/** The diagnosis of one cgroup from two samples of its path, in words (src/model/why/diagnose.ts, then describeWhy). Pure. */
export function diagnose(inp: WhyInput): Diagnosis {
  return describeWhy(analyseWhy(inp));
}
