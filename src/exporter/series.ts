/**
 * Sample → series: the one mapping from the exporter's sample (src/exporter/sample.ts) to metric families.
 * Pure: no I/O, no clock. `seriesOf(prev, next)` takes the previous sample too, for what needs an interval
 * (which cgroup's CPU quota throttled whom, src/model/throttle.ts).
 *
 * cAdvisor-compatible families (same names, units, types and labels as cAdvisor's Prometheus collector,
 * lib/metrics/prometheus.go and lib/container/libcontainer/handler.go, so dashboards and alerts work unchanged):
 *   labels `id` (cgroup path), and when known `name`, `image`, `pod`, `namespace`, `container`;
 *   a label with no value is left out (Prometheus treats an empty label as absent).
 *   - CPU: usage/user/system from cpu.stat usage_usec/user_usec/system_usec (v1 cpuacct.usage, cpuacct.stat);
 *     `container_cpu_usage_seconds_total{cpu="total"}` as cAdvisor without per-CPU metrics.
 *   - CFS periods and throttling only for a cgroup with its own quota (cAdvisor's `Quota != 0` condition);
 *     `container_spec_cpu_quota` likewise; `container_spec_cpu_shares` is cpu.shares, or on v2 cpu.weight converted
 *     as cAdvisor does (2 + (w − 1) × 262142 / 9999).
 *   - memory: usage = memory.current / usage_in_bytes; working set = usage − inactive_file (v1 total_inactive_file),
 *     clamped at 0; rss = anon / total_rss; cache = file / total_cache; swap = memory.swap.current / total_swap
 *     (the sample model's derived values, as cAdvisor computes them);
 *     failcnt = memory.failcnt (v1) or memory.events `max` (v2); `container_spec_memory_limit_bytes` is 0 for no
 *     limit (cAdvisor reports 0 for anything above 2^62); oom events = memory.events `oom_kill` (v2) or
 *     memory.oom_control `oom_kill` (v1).
 *   - tasks: processes = lines of cgroup.procs (cpu hierarchy; cgroup2 when unified); threads = pids.current; threads_max = pids.max
 *     (0 = no limit, as cAdvisor).
 *   - IO: `container_blkio_device_usage_total{device,major,minor,operation}` in bytes, operation Read/Write
 *     (and Discard where the kernel counts it); device `/dev/NAME` or empty when unknown.
 *   - PSI (cgroup2 only): stalled = `full` total, waiting = `some` total, in seconds.
 * Which counters exist is decided by the sample: absent stays absent (no zero is made up), except where
 * cAdvisor's own convention is 0 (unlimited limits above).
 *
 * nsx families (what no other exporter has):
 *   nsx_cgroup_cpu_throttled_by_info{id,by}             the cgroup whose quota bound `id` over the last interval
 *   nsx_cgroup_cpu_cfs_{periods,throttled_periods}_total{id,by}, nsx_cgroup_cpu_cfs_throttled_seconds_total{id,by}
 *       for every cgroup, the CFS counters of each cgroup on its path (itself or an ancestor) that has a quota:
 *       throttling is visible where only an ancestor's quota binds (the kernel counts it in the ancestor only)
 *   nsx_cgroup_cpu_local_throttled_seconds_total{id}     cpu.stat.local: this cgroup's tasks throttled by any quota (kernel ≥ 6.8),
 *                                                        for cgroups with a quota on their path
 *   nsx_cgroup_cpu_effective_limit_cores{id,by}          min quota/period along the path, and which cgroup sets it
 *   nsx_cgroup_memory_effective_limit_bytes{id,by}       min memory limit along the path
 *   nsx_cgroup_memory_events_total{id,event}, nsx_cgroup_memory_events_local_total{id,event}   memory.events(.local)
 *   nsx_cgroup_pids_peak{id}, nsx_cgroup_pressure_irq_stalled_seconds_total{id},
 *   nsx_cgroup_descendants{id}, nsx_cgroup_dying_descendants{id}   cgroup v2 features (block "v2 features" below)
 *   nsx_namespaces{type}                                 namespaces per type on the host
 *   nsx_container_host_namespace_info{id,…,type}         a container sharing a namespace of that type with PID 1
 */
import type { Limit } from '../model/cgroup.js';
import { toNumber, type CgroupSample, type Int } from '../model/cgroup-sample.js';
import { attributeModels, parentPath } from '../model/throttle.js';
import { quotaCpus, snapshotModels } from '../model/rates.js';
import type { ExporterCgroup, ExporterIdentity, ExporterSample } from './sample.js';

export type MetricType = 'counter' | 'gauge';

export interface FamilyDef {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
}

export interface Series {
  readonly labels: Record<string, string>;
  /** the same object as `labels`, for prom-client (which caches the rendering of a value's sharedLabels) */
  readonly sharedLabels?: Record<string, string>;
  readonly value: number;
}

const c = (name: string, help: string): FamilyDef => ({ name, help, type: 'counter' });
const g = (name: string, help: string): FamilyDef => ({ name, help, type: 'gauge' });

/** Every family the exporter can expose, in exposition order (fixed: registered once with prom-client). */
export const CATALOGUE: readonly FamilyDef[] = [
  // cAdvisor-compatible
  c('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed in seconds.'),
  c('container_cpu_user_seconds_total', 'Cumulative user cpu time consumed in seconds.'),
  c('container_cpu_system_seconds_total', 'Cumulative system cpu time consumed in seconds.'),
  c('container_cpu_cfs_periods_total', 'Number of elapsed enforcement period intervals.'),
  c('container_cpu_cfs_throttled_periods_total', 'Number of throttled period intervals.'),
  c('container_cpu_cfs_throttled_seconds_total', 'Total time duration the container has been throttled.'),
  g('container_spec_cpu_quota', 'CPU quota of the container.'),
  g('container_spec_cpu_period', 'CPU period of the container.'),
  g('container_spec_cpu_shares', 'CPU share of the container.'),
  g('container_memory_usage_bytes', 'Current memory usage in bytes, including all memory regardless of when it was accessed'),
  g('container_memory_max_usage_bytes', 'Maximum memory usage recorded in bytes'),
  g('container_memory_working_set_bytes', 'Current working set in bytes.'),
  g('container_memory_rss', 'Size of RSS in bytes.'),
  g('container_memory_cache', 'Number of bytes of page cache memory.'),
  g('container_memory_mapped_file', 'Size of memory mapped files in bytes.'),
  g('container_memory_swap', 'Container swap usage in bytes.'),
  // a counter in cAdvisor, typed gauge here: an OpenMetrics counter must end in _total, and the name must stay as dashboards know it
  g('container_memory_failcnt', 'Number of memory usage hits limits'),
  g('container_spec_memory_limit_bytes', 'Memory limit for the container.'),
  c('container_oom_events_total', 'Count of out of memory events observed for the container'),
  g('container_processes', 'Number of processes running inside the container.'),
  g('container_threads', 'Number of threads running inside the container'),
  g('container_threads_max', 'Maximum number of threads allowed inside the container, infinity if value is zero'),
  c('container_blkio_device_usage_total', 'Blkio Device bytes usage'),
  c('container_pressure_cpu_stalled_seconds_total', 'Total time duration no tasks in the container could make progress due to CPU congestion.'),
  c('container_pressure_cpu_waiting_seconds_total', 'Total time duration tasks in the container have waited due to CPU congestion.'),
  c('container_pressure_memory_stalled_seconds_total', 'Total time duration no tasks in the container could make progress due to memory congestion.'),
  c('container_pressure_memory_waiting_seconds_total', 'Total time duration tasks in the container have waited due to memory congestion.'),
  c('container_pressure_io_stalled_seconds_total', 'Total time duration no tasks in the container could make progress due to IO congestion.'),
  c('container_pressure_io_waiting_seconds_total', 'Total time duration tasks in the container have waited due to IO congestion.'),
  // nsx
  g('nsx_cgroup_cpu_throttled_by_info', 'The cgroup (by) whose CPU quota throttled this cgroup (id) over the last sampling interval: itself or an ancestor.'),
  c('nsx_cgroup_cpu_cfs_periods_total', 'Enforcement periods of the CPU quota of cgroup `by` (this cgroup or an ancestor with a quota).'),
  c('nsx_cgroup_cpu_cfs_throttled_periods_total', 'Periods in which the CPU quota of cgroup `by` (this cgroup or an ancestor) ran out, throttling this cgroup and its siblings under `by`.'),
  c('nsx_cgroup_cpu_cfs_throttled_seconds_total', 'Time the subtree of cgroup `by` (this cgroup or an ancestor) spent throttled by its CPU quota, in seconds.'),
  c('nsx_cgroup_cpu_local_throttled_seconds_total', "cpu.stat.local throttled time: this cgroup's own tasks throttled, by its own quota or an ancestor's (kernel ≥ 6.8), in seconds."),
  g('nsx_cgroup_cpu_effective_limit_cores', 'The tightest CPU quota along the path (quota/period, in CPUs), and the cgroup (by) that sets it.'),
  g('nsx_cgroup_memory_effective_limit_bytes', 'The tightest memory limit along the path, and the cgroup (by) that sets it.'),
  c('nsx_cgroup_memory_events_total', 'memory.events of the cgroup (its subtree): low, high, max, oom, oom_kill, … (cgroup v2).'),
  c('nsx_cgroup_memory_events_local_total', 'memory.events.local of the cgroup: events of the cgroup itself, not its descendants (cgroup v2).'),
  // v2 features (issue 23): pids.peak, irq.pressure, cgroup.stat; absent files give no series
  g('nsx_cgroup_pids_peak', 'pids.peak: the most tasks the cgroup has held at once.'),
  c('nsx_cgroup_pressure_irq_stalled_seconds_total', "irq.pressure full total: time the cgroup's tasks could not run while the CPU served interrupts (cgroup v2 with IRQ time accounting), in seconds."),
  g('nsx_cgroup_descendants', 'cgroup.stat nr_descendants: live cgroups below this one (cgroup v2).'),
  g('nsx_cgroup_dying_descendants', 'cgroup.stat nr_dying_descendants: cgroups below this one that were removed but are still held by the kernel, e.g. by memory still charged to them (cgroup v2).'),
  g('nsx_namespaces', 'Namespaces of this type held by processes on the host.'),
  g('nsx_container_host_namespace_info', "A container whose processes share a namespace of this type with the host's PID 1 (e.g. host network)."),
  g('nsx_exporter_cgroups', 'Cgroups read by the last sample (selected or ancestors of selected ones).'),
  g('nsx_exporter_sample_duration_seconds', 'Wall time the last sample took to read.'),
  g('nsx_exporter_sample_incomplete_files', 'Files the last sample could not read for lack of permission.'),
];

const USEC = 1e6;
/** cAdvisor's specMemoryValue: limits above 2^62 (no limit) are reported as 0. */
const MAX_MEMORY = 2 ** 62;

/** cAdvisor's convertCPUWeightToCPULimit: cgroup2 cpu.weight (1–10000) → v1-style shares. */
export function weightToShares(weight: number): number | undefined {
  if (!(weight >= 1 && weight <= 10000)) return undefined;
  return 2 + Math.floor(((weight - 1) * 262142) / 9999);
}

function num(l: Limit | undefined): number | undefined {
  return typeof l === 'number' ? l : undefined;
}

/** The cAdvisor label set of a cgroup: id, then name, image, pod, namespace, container when known. */
export function baseLabels(cg: ExporterCgroup): Record<string, string> {
  const l: Record<string, string> = { id: cg.path };
  const n = cg.names;
  if (n?.name) l.name = n.name;
  if (n?.image) l.image = n.image;
  if (n?.pod) l.pod = n.pod;
  if (n?.namespace) l.namespace = n.namespace;
  if (n?.container) l.container = n.container;
  return l;
}

type Labels = Readonly<Record<string, string>>;

const sameNames = (a: ExporterIdentity | undefined, b: ExporterIdentity | undefined): boolean =>
  a === b || (a?.name === b?.name && a?.image === b?.image && a?.pod === b?.pod && a?.namespace === b?.namespace && a?.container === b?.container);

interface CgroupSeries {
  readonly stats: CgroupSample;
  readonly ancestors: readonly CgroupSample[];
  readonly by: string | null | undefined;
  readonly shared: readonly string[] | undefined;
  readonly devices: string;
  readonly series: ReadonlyArray<readonly [string, Series]>;
}

const sameItems = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** One cgroup's label sets: its base set and the base set plus one more label (`cpu`, `event`, `by`, …). */
class CgroupLabels {
  readonly base: Labels;
  readonly names: ExporterIdentity | undefined;
  /** sets with one more label, by `k=v` (made when first asked: most cgroups need one or two) */
  private more: Map<string, Labels> | undefined;
  private cpuTotal: Labels | undefined;
  /** what this cgroup's series were made of last scrape, and the series (seriesOf reuses them when all is the same) */
  last: CgroupSeries | undefined;
  epoch = 0;

  constructor(cg: ExporterCgroup) {
    this.base = baseLabels(cg);
    this.names = cg.names;
  }

  private kept(key: string): Labels | undefined {
    return this.more?.get(key);
  }

  private keep(key: string, l: Labels): Labels {
    (this.more ??= new Map()).set(key, l);
    return l;
  }

  with(k: string, v: string): Labels {
    // the one set almost every cgroup has, without a key string per scrape
    if (k === 'cpu' && v === 'total') return (this.cpuTotal ??= { ...this.base, cpu: 'total' });
    const key = `${k}=${v}`;
    return this.kept(key) ?? this.keep(key, { ...this.base, [k]: v });
  }

  /** `{id, k: v}` without the names (`nsx_cgroup_cpu_throttled_by_info`). */
  idWith(k: string, v: string): Labels {
    const key = `\0${k}=${v}`;
    return this.kept(key) ?? this.keep(key, { id: this.base.id, [k]: v });
  }

  /** `container_blkio_device_usage_total`'s set: base, device, major, minor, operation. */
  blkio(device: string, major: number, minor: number, operation: string): Labels {
    const key = `\0io=${major}:${minor}:${operation}:${device}`;
    return this.kept(key) ?? this.keep(key, { ...this.base, device, major: String(major), minor: String(minor), operation });
  }
}

/**
 * The label sets of the series, kept from one scrape to the next: a cgroup's label objects are made once and
 * reused as long as it exists with the same names. prom-client renders a value's `sharedLabels` object once and
 * keeps the text (a WeakMap keyed by the object), so a label set is escaped and joined once per cgroup, not once
 * per series and scrape. The sets of a cgroup that is gone from a sample are dropped at the end of that scrape
 * (`seriesOf`): removed cgroups leave no series and no memory behind.
 */
export class LabelSets {
  private readonly cgroups = new Map<string, CgroupLabels>();
  private readonly host = new Map<string, Labels>();
  private epoch = 0;
  static readonly NONE: Labels = {};

  /** Start a scrape. */
  begin(): void {
    this.epoch++;
  }

  /** The label sets of a cgroup in this scrape (new when its names changed). */
  of(cg: ExporterCgroup): CgroupLabels {
    let c = this.cgroups.get(cg.path);
    if (!c || !sameNames(c.names, cg.names)) this.cgroups.set(cg.path, (c = new CgroupLabels(cg)));
    c.epoch = this.epoch;
    return c;
  }

  /** A host-level set with one label (`nsx_namespaces{type}`). */
  hostWith(k: string, v: string): Labels {
    const key = `${k}=${v}`;
    let l = this.host.get(key);
    if (!l) this.host.set(key, (l = { [k]: v }));
    return l;
  }

  /** End a scrape: forget the cgroups not seen in it. */
  end(): void {
    for (const [p, c] of this.cgroups) if (c.epoch !== this.epoch) this.cgroups.delete(p);
  }

  /** Number of cgroups with label sets kept (tests). */
  get size(): number {
    return this.cgroups.size;
  }
}

/** Throttle attribution over the interval between two samples: path → binding cgroup's path (or null). */
export function throttledBy(prev: ExporterSample | undefined, next: ExporterSample): Map<string, string | null> {
  if (!prev) return new Map();
  // only a cgroup with a CPU quota on its path (itself or an ancestor) can be attributed to one: judge those
  // (and the quota'd ancestors, which are among them) and leave the others out, whose answer is null anyway
  const limited = new Set<string>();
  const quota = (c: ExporterCgroup) => quotaCpus(c.stats.cpu?.max_usec, c.stats.cpu?.period_usec) !== null;
  for (const c of next.cgroups) {
    const p = parentPath(c.path);
    if (quota(c) || (p !== undefined && limited.has(p))) limited.add(c.path);
  }
  // parents come before children in a sample; a child listed before its parent is caught by a second pass
  for (const c of next.cgroups) {
    if (limited.has(c.path)) continue;
    for (let a = parentPath(c.path); a !== undefined; a = parentPath(a)) if (limited.has(a)) limited.add(c.path);
  }
  if (limited.size === 0) return new Map();
  const dt = (next.mono_ms - prev.mono_ms) / 1000;
  const snap = (s: ExporterSample) => ({ mono_ms: s.mono_ms, timestamp: '', cgroups: s.cgroups.filter((c) => limited.has(c.path)).map((c) => c.stats) });
  return attributeModels(snapshotModels(snap(prev), snap(next)).values(), dt > 0 ? dt : null);
}

/**
 * Build every family's series from a sample (and the previous one, for throttle attribution). No I/O; `labels`
 * (kept by the scraper between scrapes) only caches label objects: the result is the same without it.
 * A series' `sharedLabels` is its `labels` object (prom-client's cached rendering of a label set).
 */
export function seriesOf(prev: ExporterSample | undefined, next: ExporterSample, labels: LabelSets = new LabelSets()): Map<string, Series[]> {
  const out = new Map<string, Series[]>();
  for (const f of CATALOGUE) out.set(f.name, []);
  /** the series made for the cgroup being built (kept with its label sets, for reuse while nothing changes) */
  let made: Array<readonly [string, Series]> = [];
  const put = (name: string, l: Labels, value: Int | undefined) => {
    const v = toNumber(value);
    if (v === undefined || !Number.isFinite(v)) return;
    const x: Series = { labels: l, sharedLabels: l, value: v };
    out.get(name)!.push(x);
    made.push([name, x]);
  };
  const byPath = new Map<string, ExporterCgroup>();
  for (const cg of next.cgroups) byPath.set(cg.path, cg);
  const by = throttledBy(prev, next);
  // blkio labels name devices: a change in the device names is a change for every cgroup
  let devices = '';
  for (const k in next.devices) devices += `${k}=${next.devices[k]};`;
  labels.begin();

  for (const cg of next.cgroups) {
    if (!cg.selected) continue;
    const ls = labels.of(cg);
    const s = cg.stats;
    const b = by.get(cg.path);
    const shared = next.namespaces?.sharedWithHost[cg.path];
    // everything a cgroup's series are made of: its sample (the sampler hands back the same object while its
    // files are unchanged), its ancestors' (effective limits, CFS counters along the path), the throttle
    // attribution, host namespaces and device names; all the same as last scrape → the same series objects
    const anc: CgroupSample[] = [];
    for (let a = parentPath(cg.path); a !== undefined; a = parentPath(a)) {
      const ac = byPath.get(a);
      if (ac) anc.push(ac.stats);
    }
    const last = ls.last;
    if (last && last.stats === s && last.by === b && last.shared === shared && last.devices === devices && sameItems(last.ancestors, anc)) {
      for (const [name, x] of last.series) out.get(name)!.push(x);
      continue;
    }
    made = [];
    const L = ls.base;
    const cpu = s.cpu;
    if (cpu) {
      put('container_cpu_usage_seconds_total', ls.with('cpu', 'total'), cpu.usage_usec === undefined ? undefined : cpu.usage_usec / USEC);
      put('container_cpu_user_seconds_total', L, cpu.user_usec === undefined ? undefined : cpu.user_usec / USEC);
      put('container_cpu_system_seconds_total', L, cpu.system_usec === undefined ? undefined : cpu.system_usec / USEC);
      const quota = num(cpu.max_usec);
      if (quota !== undefined && quota > 0) {
        put('container_cpu_cfs_periods_total', L, cpu.nr_periods);
        put('container_cpu_cfs_throttled_periods_total', L, cpu.nr_throttled);
        put('container_cpu_cfs_throttled_seconds_total', L, cpu.throttled_usec === undefined ? undefined : cpu.throttled_usec / USEC);
        put('container_spec_cpu_quota', L, quota);
      }
      put('container_spec_cpu_period', L, cpu.period_usec);
      put('container_spec_cpu_shares', L, cpu.shares ?? (cpu.weight !== undefined ? weightToShares(cpu.weight) : undefined));
    }
    const mem = s.memory;
    if (mem) {
      const st = mem.stat;
      put('container_memory_usage_bytes', L, mem.current_bytes);
      put('container_memory_max_usage_bytes', L, mem.peak_bytes);
      put('container_memory_working_set_bytes', L, mem.working_set_bytes);
      put('container_memory_rss', L, mem.rss_bytes);
      put('container_memory_cache', L, mem.cache_bytes);
      put('container_memory_mapped_file', L, st?.file_mapped ?? st?.total_mapped_file);
      put('container_memory_swap', L, mem.swap_bytes);
      put('container_memory_failcnt', L, mem.failcnt ?? mem.events?.max);
      if (mem.max_bytes !== undefined) put('container_spec_memory_limit_bytes', L, mem.max_bytes === 'max' || mem.max_bytes > MAX_MEMORY ? 0 : mem.max_bytes);
      // v2 memory.events oom_kill; v1 memory.oom_control oom_kill (kernel ≥ 4.13)
      put('container_oom_events_total', L, mem.events?.oom_kill ?? mem.oom_control?.oom_kill);
      if (mem.events) for (const event in mem.events) put('nsx_cgroup_memory_events_total', ls.with('event', event), mem.events[event]);
      if (mem.events_local) for (const event in mem.events_local) put('nsx_cgroup_memory_events_local_total', ls.with('event', event), mem.events_local[event]);
    }
    put('container_processes', L, s.procs?.nr_procs);
    if (s.pids) {
      put('container_threads', L, s.pids.current);
      if (s.pids.max !== undefined) put('container_threads_max', L, s.pids.max === 'max' ? 0 : s.pids.max);
    }
    for (const d of s.io?.devices ?? []) {
      const device = next.devices[`${d.major}:${d.minor}`] ?? '';
      put('container_blkio_device_usage_total', ls.blkio(device, d.major, d.minor, 'Read'), d.rbytes);
      put('container_blkio_device_usage_total', ls.blkio(device, d.major, d.minor, 'Write'), d.wbytes);
      put('container_blkio_device_usage_total', ls.blkio(device, d.major, d.minor, 'Discard'), d.dbytes);
    }
    if (s.psi) {
      for (const r of ['cpu', 'memory', 'io'] as const) {
        const p = s.psi[r];
        if (!p) continue;
        put(`container_pressure_${r}_stalled_seconds_total`, L, p.full?.total_usec === undefined ? undefined : p.full.total_usec / USEC);
        put(`container_pressure_${r}_waiting_seconds_total`, L, p.some?.total_usec === undefined ? undefined : p.some.total_usec / USEC);
      }
    }

    // v2 features (issue 23)
    put('nsx_cgroup_pids_peak', L, s.pids?.peak);
    const irq = s.psi?.irq?.full?.total_usec;
    put('nsx_cgroup_pressure_irq_stalled_seconds_total', L, irq === undefined ? undefined : irq / USEC);
    put('nsx_cgroup_descendants', L, s.cgroup?.nr_descendants);
    put('nsx_cgroup_dying_descendants', L, s.cgroup?.nr_dying_descendants);

    // nsx: throttling along the path, effective limits
    if (b) put('nsx_cgroup_cpu_throttled_by_info', ls.idWith('by', b), 1);
    let cpuLim: { cores: number; by: string } | undefined;
    let memLim: { bytes: number; by: string } | undefined;
    for (let a: string | undefined = cg.path; a !== undefined; a = parentPath(a)) {
      const ac = byPath.get(a);
      if (!ac) continue;
      const acpu = ac.stats.cpu;
      const cores = quotaCpus(acpu?.max_usec, acpu?.period_usec);
      if (cores !== null && cores > 0) {
        if (!cpuLim || cores < cpuLim.cores) cpuLim = { cores, by: a };
        const bl = ls.with('by', a);
        put('nsx_cgroup_cpu_cfs_periods_total', bl, acpu?.nr_periods);
        put('nsx_cgroup_cpu_cfs_throttled_periods_total', bl, acpu?.nr_throttled);
        put('nsx_cgroup_cpu_cfs_throttled_seconds_total', bl, acpu?.throttled_usec === undefined ? undefined : acpu.throttled_usec / USEC);
      }
      const mb = num(ac.stats.memory?.max_bytes);
      if (mb !== undefined && mb <= MAX_MEMORY && (!memLim || mb < memLim.bytes)) memLim = { bytes: mb, by: a };
    }
    if (cpuLim) put('nsx_cgroup_cpu_effective_limit_cores', ls.with('by', cpuLim.by), cpuLim.cores);
    // only where a quota on the path can throttle it (one series fewer for every unlimited cgroup)
    if (cpuLim && cpu?.local_throttled_usec !== undefined) put('nsx_cgroup_cpu_local_throttled_seconds_total', L, cpu.local_throttled_usec / USEC);
    if (memLim) put('nsx_cgroup_memory_effective_limit_bytes', ls.with('by', memLim.by), memLim.bytes);

    for (const t of shared ?? []) put('nsx_container_host_namespace_info', ls.with('type', t), 1);
    ls.last = { stats: s, ancestors: anc, by: b, shared, devices, series: made };
  }
  made = []; // the host's series below belong to no cgroup
  labels.end();
  const counts = next.namespaces?.counts ?? {};
  for (const type in counts) put('nsx_namespaces', labels.hostWith('type', type), counts[type as keyof typeof counts]);
  put('nsx_exporter_cgroups', LabelSets.NONE, next.cgroups.length);
  put('nsx_exporter_sample_duration_seconds', LabelSets.NONE, next.read_ms / 1000);
  put('nsx_exporter_sample_incomplete_files', LabelSets.NONE, next.denied.length);
  return out;
}
