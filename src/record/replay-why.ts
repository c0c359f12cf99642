/**
 * `nsx why TARGET --at TIME` / `--since DURATION` / `--from … --to …`: the diagnosis of a recorded window, with
 * the same pure diagnosis as live (src/model/why.ts `diagnose`, fed by `whySampleFromCgroups` from the recorded
 * cgroup samples, and the recorded kernel events), plus what happened inside it, interval by interval:
 *
 *   - throttling episodes: consecutive intervals in which the target was throttled, with the cgroup whose quota
 *     bound it (itself or an ancestor) and that quota;
 *   - OOM kills: each one the kernel reported (time, victim, the cgroup whose limit was hit and the limit in force
 *     at that moment: the last sample before the kill), or, without a readable kernel log, the intervals in which
 *     the OOM-kill counters rose;
 *   - pids limits hit: intervals in which a fork was refused, with the cgroup whose pids.max was reached and that
 *     limit, and the kernel's "fork rejected" records.
 * `--at TIME` diagnoses the recorded interval that ends at TIME (`--for D`: the window of D ending there).
 */
import { NotFoundError } from '../errors.js';
import type { CgroupSample } from '../model/cgroup-sample.js';
import { isContainerTarget } from '../model/container-target.js';
import { identifyCgroupPath } from '../model/identity.js';
import { hierarchyOf } from '../model/process-cgroup.js';
import { quotaCpus } from '../model/rates.js';
import { whySampleFromCgroups } from '../model/why/from-cgroups.js';
import type { Finding, WhySample } from '../model/why/types.js';
import { diagnose } from '../output/why-words.js';
import type { WhyResult } from '../services/why.js';
import type { Replay } from './replay.js';
import type { KernelEvent, RecordedState } from './state.js';
import { isoSecond } from './time.js';

/** One thing that happened inside the window. */
export interface WhyEpisode {
  /** the finding: cpu.throttled, memory.oom-kill, memory.oom, memory.max, memory.high, pids.max */
  readonly id: string;
  readonly resource: 'cpu' | 'memory' | 'pids';
  /** the cgroup whose limit is responsible (the binding quota, the OOM's cgroup, the full pids.max) */
  readonly cgroup: string | null;
  readonly from: string;
  readonly to: string;
  readonly from_ms: number;
  readonly to_ms: number;
  /** recorded intervals it spans */
  readonly intervals: number;
  readonly severity: 'critical' | 'warning' | 'info';
  /**
   * The limit in force at the start of the episode, in the cgroup named by `cgroup`, under the one vocabulary's
   * names (docs/json.md): `cpu.max_cpus` for a throttling, `memory.max_bytes` for memory, `pids.max` for pids
   * (null: not recorded there).
   */
  readonly cpu?: { readonly max_cpus: number | null };
  readonly memory?: { readonly max_bytes: number | 'max' | null } | { readonly high_bytes: number | 'max' | null };
  readonly pids?: { readonly max: number | 'max' | null };
  /** one line saying what happened */
  readonly text: string;
  /** for an OOM kill from the kernel log: the victim */
  readonly victim?: { readonly task?: string; readonly pid?: number; readonly task_memcg?: string; readonly anon_rss_kb?: number };
}

export interface ReplayWhyResult extends WhyResult {
  readonly replay: { readonly dir: string; readonly from: string; readonly to: string; readonly frames: number };
  readonly episodes: readonly WhyEpisode[];
}

const EPISODE_FINDINGS = new Set(['cpu.throttled', 'memory.oom-kill', 'memory.oom', 'memory.max', 'memory.high', 'pids.max']);

/** cgroup samples of a state by path (memoised). */
const byPath = new WeakMap<RecordedState, Map<string, CgroupSample>>();
function samplesOf(st: RecordedState): Map<string, CgroupSample> {
  let m = byPath.get(st);
  if (!m) byPath.set(st, (m = new Map(st.cgroups.map((c) => [c.path, c] as const))));
  return m;
}

function whySample(st: RecordedState, path: string): WhySample {
  const version = st.host.layout?.kind === 'unified' ? 2 : 1;
  const s = whySampleFromCgroups(samplesOf(st), path, { mono_ms: st.host.mono_us / 1000, version, ...(st.host.host_cpus !== undefined ? { host_cpus: st.host.host_cpus } : {}) });
  return st.host.uptime_s !== undefined ? { ...s, uptime_s: st.host.uptime_s } : s;
}

/** The cgroup of a `pid:PID` target in a recorded window: where it last was (the cpu hierarchy's path, as live). */
function pidPath(states: readonly RecordedState[], pid: number): string | undefined {
  for (let i = states.length - 1; i >= 0; i--) {
    const p = states[i].processes.find((x) => x.pid === pid);
    if (!p) continue;
    const layout = states[i].host.layout;
    const known = samplesOf(states[i]);
    const pick = (c: string) => p.cgroups.find((e) => layout && hierarchyOf(layout, e)?.controllers.includes(c))?.path;
    return [pick('cpu'), pick('memory'), p.cgroups.find((e) => e.hierarchyId === 0)?.path].find((x) => x !== undefined && known.has(x)) ?? pick('cpu') ?? p.cgroups[0]?.path;
  }
  return undefined;
}

function kernelOf(states: readonly RecordedState[]): { oom_kills: (KernelEvent & { kind: 'oom-kill' })[]; fork_rejected: (KernelEvent & { kind: 'fork-rejected' })[]; readable: boolean } {
  const ev = states.slice(1).flatMap((s) => s.events);
  return {
    oom_kills: ev.filter((e): e is KernelEvent & { kind: 'oom-kill' } => e.kind === 'oom-kill'),
    fork_rejected: ev.filter((e): e is KernelEvent & { kind: 'fork-rejected' } => e.kind === 'fork-rejected'),
    readable: states.every((s) => s.host.kernel_log?.readable !== false),
  };
}

/** The limit a finding's cgroup had in a state. */
function limitOf(f: Finding, st: RecordedState): { limit: number | 'max' | null; in_force: Pick<WhyEpisode, 'cpu' | 'memory' | 'pids'> } {
  const s = f.cgroup === null ? undefined : samplesOf(st).get(f.cgroup);
  if (f.resource === 'cpu') {
    const max_cpus = quotaCpus(s?.cpu?.max_usec, s?.cpu?.period_usec);
    return { limit: max_cpus, in_force: { cpu: { max_cpus } } };
  }
  if (f.id === 'memory.high') {
    const high_bytes = s?.memory?.high_bytes ?? null;
    return { limit: high_bytes, in_force: { memory: { high_bytes } } };
  }
  if (f.resource === 'memory') {
    const max_bytes = s?.memory?.max_bytes ?? null;
    return { limit: max_bytes, in_force: { memory: { max_bytes } } };
  }
  const max = s?.pids?.max ?? null;
  return { limit: max, in_force: { pids: { max } } };
}

const within = (p: string | undefined, base: string) => p !== undefined && (base === '/' || p === base || p.startsWith(base + '/'));

/** The diagnosis and episodes of `target` over the replayed window (see the module comment). */
export function replayWhy(r: Replay, target: string, forMs?: number): ReplayWhyResult {
  let states: RecordedState[];
  if (r.isRange) states = [...r.rec.range(r.rec.timeAt(r.cursor.first), r.rec.timeAt(r.cursor.last), true)];
  else {
    const { prev, state } = r.cursor.current();
    states = forMs ? [...r.rec.range(state.time_ms - forMs, state.time_ms, true)] : prev ? [prev, state] : [state];
  }
  if (states.length === 0) throw new NotFoundError(`${r.prog}: no frame recorded in the window`, r.rec.dir);
  const m = /^pid:(\d+)$/.exec(target);
  const path = m ? pidPath(states, Number(m[1])) : isContainerTarget(target) || target.startsWith('/') || target.startsWith('cgroup:') ? r.cgroupOf(target.replace(/^cgroup:/, '')) : r.cgroupOf(target);
  if (path === undefined || !states.some((s) => samplesOf(s).has(path))) {
    throw new NotFoundError(`${r.prog}: ${target}: ${m ? 'no such process' : 'no such cgroup'} in the recording from ${isoSecond(states[0].time_ms)} to ${isoSecond(states[states.length - 1].time_ms)}`, target);
  }
  // the diagnosis over the whole window: from the first frame that has the cgroup to the last one
  const have = states.filter((s) => samplesOf(s).has(path));
  const first = have[0];
  const last = have[have.length - 1];
  const kernel = kernelOf(states);
  const d = diagnose({ target, first: whySample(first, path), last: whySample(last, path), kernel });
  // episodes, interval by interval
  const episodes: WhyEpisode[] = [];
  const open = new Map<string, { e: WhyEpisode; end: number }>();
  for (let i = 1; i < states.length; i++) {
    const a = states[i - 1];
    const b = states[i];
    const k = { oom_kills: b.events.filter((e) => e.kind === 'oom-kill'), fork_rejected: b.events.filter((e) => e.kind === 'fork-rejected'), readable: kernel.readable };
    // the counters need the cgroup at both ends of the interval (and one boot); what the kernel reported does not:
    // a cgroup made less than an interval before its task was killed is in no earlier frame
    const counted = samplesOf(a).has(path) && samplesOf(b).has(path) && a.host.boot_id === b.host.boot_id;
    const di = counted ? diagnose({ target, first: whySample(a, path), last: whySample(b, path), kernel: k as never }) : { findings: [] };
    for (const f of di.findings) {
      if (!EPISODE_FINDINGS.has(f.id) || f.severity === 'info') continue;
      // kills the kernel reported are listed one by one below
      if (f.id === 'memory.oom-kill' && k.oom_kills.some((e) => within(e.task_memcg, path))) continue;
      const key = `${f.id}\0${f.cgroup}`;
      const o = open.get(key);
      if (o && o.end === a.time_ms) {
        const e = { ...o.e, to_ms: b.time_ms, to: isoSecond(b.time_ms), intervals: o.e.intervals + 1, severity: o.e.severity === 'critical' || f.severity === 'critical' ? 'critical' : 'warning' } as WhyEpisode;
        episodes[episodes.indexOf(o.e)] = e;
        open.set(key, { e, end: b.time_ms });
        continue;
      }
      const lim = limitOf(f, a);
      const e: WhyEpisode = { id: f.id, resource: f.resource, cgroup: f.cgroup, from_ms: a.time_ms, to_ms: b.time_ms, from: isoSecond(a.time_ms), to: isoSecond(b.time_ms), intervals: 1, severity: f.severity, ...lim.in_force, text: episodeText(f, lim.limit) };
      episodes.push(e);
      open.set(key, { e, end: b.time_ms });
    }
    // each OOM kill the kernel reported in this interval, with the limit in force before it
    for (const e of k.oom_kills) {
      if (e.kind !== 'oom-kill' || !(within(e.task_memcg, path) || within(path, e.oom_memcg ?? '\0'))) continue;
      const oom = e.oom_memcg;
      // the limit in force: the last sample before the kill (the one after it when the cgroup is new)
      const s = oom === undefined ? undefined : (samplesOf(a).get(oom) ?? samplesOf(b).get(oom));
      const limit = s?.memory?.max_bytes ?? null;
      const byHost = e.constraint !== 'CONSTRAINT_MEMCG';
      episodes.push({
        id: 'memory.oom-kill',
        resource: 'memory',
        cgroup: byHost ? null : (oom ?? null),
        from_ms: e.time_ms,
        to_ms: e.time_ms,
        from: isoSecond(e.time_ms),
        to: isoSecond(e.time_ms),
        intervals: 1,
        severity: 'critical',
        memory: { max_bytes: limit },
        text: byHost
          ? `${e.task ?? '?'}[${e.pid ?? '?'}] OOM-killed: the host ran out of memory (${e.constraint})`
          : `${e.task ?? '?'}[${e.pid ?? '?'}] in ${e.task_memcg ?? '?'} OOM-killed by the memory limit of ${oom ?? '?'}${typeof limit === 'number' ? ` (${fmtMiB(limit)} in force)` : limit === 'max' ? ' (no limit recorded there)' : ''}`,
        victim: { ...(e.task !== undefined ? { task: e.task } : {}), ...(e.pid !== undefined ? { pid: e.pid } : {}), ...(e.task_memcg !== undefined ? { task_memcg: e.task_memcg } : {}), ...(e.anon_rss_kb !== undefined ? { anon_rss_kb: e.anon_rss_kb } : {}) },
      });
    }
    for (const e of k.fork_rejected) {
      if (e.kind !== 'fork-rejected' || !(within(e.cgroup, path) || within(path, e.cgroup))) continue;
      const s = samplesOf(a).get(e.cgroup) ?? samplesOf(b).get(e.cgroup);
      episodes.push({ id: 'pids.max', resource: 'pids', cgroup: e.cgroup, from_ms: e.time_ms, to_ms: e.time_ms, from: isoSecond(e.time_ms), to: isoSecond(e.time_ms), intervals: 1, severity: 'critical', pids: { max: s?.pids?.max ?? null }, text: `kernel: fork rejected by the pids controller in ${e.cgroup}${s?.pids?.max !== undefined ? ` (pids.max ${s.pids.max})` : ''}` });
    }
  }
  episodes.sort((x, y) => x.from_ms - y.from_ms || x.id.localeCompare(y.id));
  const listed = withoutCountedKills(episodes, states);
  const id = identifyCgroupPath(path);
  const h = last.host;
  return {
    ...d,
    label: last.identities[path]?.label ?? (id && id.cgroup === path ? id.label : null),
    kernel_log: { readable: kernel.readable, ...(kernel.readable ? {} : { reason: h.kernel_log?.reason ?? 'not readable while recording' }) },
    ...(h.denied?.length ? { incomplete: { gone: h.gone ?? 0, denied: [...h.denied] } } : {}),
    replay: { dir: r.rec.dir, from: isoSecond(first.time_ms), to: isoSecond(last.time_ms), frames: states.length },
    episodes: listed,
  };
}

/**
 * The kills the kernel reported stand for the counters' kills: an OOM kill seen only in a cgroup's counters
 * (memory.events, memory.oom_control) is dropped when the kernel reported a kill under the same cgroup near it.
 * The counters of a cgroup are read in full when it moved, so they can show the kill an interval or two away
 * from the kernel's record of it (which itself waits one read for its "Killed process" line).
 */
function withoutCountedKills(episodes: WhyEpisode[], states: readonly RecordedState[]): WhyEpisode[] {
  const kernel = episodes.filter((e) => e.id === 'memory.oom-kill' && e.victim !== undefined);
  if (!kernel.length) return episodes;
  const iv = states.find((s) => s.host.interval_ms !== undefined)?.host.interval_ms ?? 5000;
  const slack = 3 * iv;
  return episodes.filter(
    (e) => e.id !== 'memory.oom-kill' || e.victim !== undefined || !kernel.some((k) => k.cgroup === e.cgroup && k.from_ms >= e.from_ms - slack && k.from_ms <= e.to_ms + slack),
  );
}

/** What an episode was, in one line (the interval's own sentence holds its figures; an episode spans several). */
function episodeText(f: Finding, limit: number | 'max' | null): string {
  const at = f.cgroup ?? 'an unknown cgroup';
  const num = typeof limit === 'number';
  switch (f.id) {
    case 'cpu.throttled':
      return `CPU throttled by the quota of ${at}${num ? ` (${Number(limit.toFixed(3))} CPUs)` : ''}`;
    case 'pids.max':
      return `forks refused: pids.max${limit !== null ? ` ${limit}` : ''} of ${at} reached`;
    case 'memory.oom-kill':
      return `OOM kill under the memory limit of ${at}${num ? ` (${fmtMiB(limit)} in force)` : ''}`;
    case 'memory.oom':
      return `out of memory at ${at}${num ? ` (limit ${fmtMiB(limit)})` : ''} without a kill`;
    case 'memory.max':
      return `at the memory limit of ${at}${num ? ` (${fmtMiB(limit)})` : ''}: reclaim`;
    case 'memory.high':
      return `above memory.high of ${at}${num ? ` (${fmtMiB(limit)})` : ''}: throttled and reclaimed`;
    default:
      return f.text;
  }
}

function fmtMiB(b: number): string {
  return b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GiB` : `${(b / 1024 ** 2).toFixed(1)} MiB`;
}

/** The episodes as text lines (after the verdict of `nsx why`). */
export function formatEpisodes(r: ReplayWhyResult): string {
  const out = [`recorded ${r.replay.from} to ${r.replay.to} (${r.replay.frames} frames, ${r.replay.dir})`];
  if (r.episodes.length === 0) out.push('  no throttling, OOM kill or refused fork in this window');
  for (const e of r.episodes) {
    const when = e.from === e.to ? e.from : `${e.from} to ${e.to}`;
    out.push(`  ${when}  ${e.text}${e.intervals > 1 ? ` (${e.intervals} intervals)` : ''}`);
  }
  return out.join('\n') + '\n';
}
