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
 *   - CFS burst (kernel ≥ 5.14): `container_cpu_cfs_burst_{periods,seconds}_total` from cpu.stat nr_bursts and
 *     burst_usec (v1 burst_time), where a quota is set (as the other CFS series).
 *   - memory: usage = memory.current / usage_in_bytes; working set = usage − inactive_file (v1 total_inactive_file),
 *     clamped at 0; rss = anon / total_rss; cache = file / total_cache; swap = memory.swap.current / total_swap
 *     (the sample model's derived values, as cAdvisor computes them);
 *     failcnt = memory.failcnt (v1) or memory.events `max` (v2), a counter as in cAdvisor; `container_spec_memory_limit_bytes` is 0 for no
 *     limit (cAdvisor reports 0 for anything above 2^62); oom events = memory.events `oom_kill` (v2) or
 *     memory.oom_control `oom_kill` (v1); `container_memory_total_{active,inactive}_file_bytes` = memory.stat
 *     active_file/inactive_file (v1 total_*); `container_memory_failures_total{failure_type,scope}` = memory.stat
 *     pgfault/pgmajfault, scope `container` (v1: the cgroup's own) and `hierarchy` (v1: total_pgfault…; v2 counts
 *     both the same, as cAdvisor).
 *   - network (`container_network_{receive,transmit}_{bytes,packets,packets_dropped,errors}_total{interface}`):
 *     `/proc/PID/net/dev` of the cgroup that carries its network namespace (one per namespace: a pod's sandbox, a
 *     container with its own; the host's goes to `/`), without `lo`, `veth*`, `docker*`, `nerdctl*` (as cAdvisor).
 *   - disk (`container_fs_{reads,writes}_bytes_total{device}`, `container_fs_{reads,writes}_total{device}`): the
 *     per-device IO counters (io.stat rbytes/wbytes/rios/wios; v1 blkio io_service_bytes/io_serviced); a device
 *     whose name is unknown is `/dev/block/MAJ:MIN` (these families have no major/minor labels to tell them apart).
 *   - `container_start_time_seconds` (the cgroup directory's earliest mtime, as cAdvisor's raw handler),
 *     `container_last_seen` (the sample's wall clock), `container_file_descriptors` (open fds of the cgroup's
 *     processes), whole seconds as cAdvisor.
 *   - tasks: processes = lines of cgroup.procs (in the pids hierarchy, where threads are counted too; without one
 *     the cpu hierarchy, cAdvisor's; cgroup2 when unified); threads = pids.current; threads_max = pids.max
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
 *   nsx_exporter_*                                       the exporter's own: cgroups read, sample time, incomplete
 *                                                        files, failed reads by reason, open files and their kernel memory
 *
 * Values are the nearest double to the exact decimal the kernel counts: seconds are made from whole µs (or ns) with
 * one division (`seconds()`), so they print as the shortest exact decimal (`0.021192617`, not float noise).
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
  /** the family's index in CATALOGUE (the series a cgroup keeps between scrapes say where they go) */
  readonly f?: number;
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
  c('container_cpu_cfs_burst_periods_total', 'Number of periods when burst occurs.'),
  c('container_cpu_cfs_burst_seconds_total', 'Total time duration the container has been bursted.'),
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
  // a counter as in cAdvisor (in OpenMetrics typed `unknown`, registry.ts: there a counter's samples must end in _total)
  c('container_memory_failcnt', 'Number of memory usage hits limits'),
  c('container_memory_failures_total', 'Cumulative count of memory allocation failures.'),
  g('container_memory_total_active_file_bytes', 'Current total active file in bytes.'),
  g('container_memory_total_inactive_file_bytes', 'Current total inactive file in bytes.'),
  g('container_spec_memory_limit_bytes', 'Memory limit for the container.'),
  c('container_oom_events_total', 'Count of out of memory events observed for the container'),
  g('container_processes', 'Number of processes running inside the container.'),
  g('container_threads', 'Number of threads running inside the container'),
  g('container_threads_max', 'Maximum number of threads allowed inside the container, infinity if value is zero'),
  c('container_blkio_device_usage_total', 'Blkio Device bytes usage'),
  c('container_fs_reads_bytes_total', 'Cumulative count of bytes read'),
  c('container_fs_reads_total', 'Cumulative count of reads completed'),
  c('container_fs_writes_bytes_total', 'Cumulative count of bytes written'),
  c('container_fs_writes_total', 'Cumulative count of writes completed'),
  c('container_network_receive_bytes_total', 'Cumulative count of bytes received'),
  c('container_network_receive_errors_total', 'Cumulative count of errors encountered while receiving'),
  c('container_network_receive_packets_dropped_total', 'Cumulative count of packets dropped while receiving'),
  c('container_network_receive_packets_total', 'Cumulative count of packets received'),
  c('container_network_transmit_bytes_total', 'Cumulative count of bytes transmitted'),
  c('container_network_transmit_errors_total', 'Cumulative count of errors encountered while transmitting'),
  c('container_network_transmit_packets_dropped_total', 'Cumulative count of packets dropped while transmitting'),
  c('container_network_transmit_packets_total', 'Cumulative count of packets transmitted'),
  g('container_file_descriptors', 'Number of open file descriptors for the container.'),
  g('container_start_time_seconds', 'Start time of the container since unix epoch in seconds.'),
  g('container_last_seen', 'Last time a container was seen by the exporter'),
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
  c('nsx_cgroup_cpu_local_throttled_seconds_total', "cpu.stat.local throttled time: this cgroup's own tasks throttled, by its own quota or an ancestor's (kernel 6.8 or later), in seconds."),
  g('nsx_cgroup_cpu_effective_limit_cores', 'The tightest CPU quota along the path (quota/period, in CPUs), and the cgroup (by) that sets it.'),
  g('nsx_cgroup_memory_effective_limit_bytes', 'The tightest memory limit along the path, and the cgroup (by) that sets it.'),
  c('nsx_cgroup_memory_events_total', 'memory.events of the cgroup (its subtree): low, high, max, oom, oom_kill, ... (cgroup v2).'),
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
  c('nsx_exporter_read_errors_total', 'Reads that failed (their series are left out of the scrape), by reason: the errno (EIO, EINVAL, ...), or parse for a file that did not parse.'),
  g('nsx_exporter_open_files', 'Cgroup files kept open between scrapes (at most --max-open-files).'),
  g('nsx_exporter_max_open_files', 'The budget of cgroup files kept open: --max-open-files, lowered by the fd limit.'),
  g('nsx_exporter_open_files_kernel_bytes', 'Kernel memory the open cgroup files pin (an estimate: about a page each), charged to the memory cgroup of the exporter.'),
];

/** A family's index in CATALOGUE. */
const FAMILY = new Map(CATALOGUE.map((f, i) => [f.name, i]));

/**
 * Seconds from µs, as the nearest double to the exact decimal: whole µs (v2) divided once; µs made from ns (v1,
 * `ns / 1000` at ingest) taken back to whole ns first and divided once — no double rounding, so the value prints
 * as the shortest exact decimal (what Go's strconv 'g' -1 prints for the kernel's count). Exact while the ns
 * count is below 2^52 (52 days of CPU time).
 */
export function seconds(usec: number): number {
  return Number.isInteger(usec) ? usec / 1e6 : Math.round(usec * 1000) / 1e9;
}

const sec = (usec: number | undefined): number | undefined => (usec === undefined ? undefined : seconds(usec));

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

/** prom-client's label value escaping: backslash, newline, double quote. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** `k="v",…` of a label object, in its key order (prom-client's rendering of a label set); one flat string. */
function labelText(l: Labels): string {
  const parts: string[] = [];
  for (const k in l) parts.push(`${k}="${escapeLabel(l[k])}"`);
  return parts.join(',');
}

/** A rendered label set back to its object (tests and the generic rendering path: `SeriesMap`'s Map face). */
export function parseLabelSet(set: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(set); m; m = re.exec(set)) out[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return out;
}

const sameNames = (a: ExporterIdentity | undefined, b: ExporterIdentity | undefined): boolean =>
  a === b || (a?.name === b?.name && a?.image === b?.image && a?.pod === b?.pod && a?.namespace === b?.namespace && a?.container === b?.container);

/**
 * Some series, compact: for each, its family (index in CATALOGUE), its rendered label set and its value (plain
 * arrays: a number array holds unboxed doubles, a string array shares one rendered set among a cgroup's series).
 * A cgroup's rows are kept between scrapes while what they are made of is unchanged (`seriesOf`).
 */
export interface Rows {
  readonly fams: number[];
  readonly sets: string[];
  readonly vals: number[];
  /** the cgroup's path (a cgroup's rows; the rendering cache cuts the rows into chunks by it) */
  readonly key?: string;
}

const newRows = (key?: string): Rows => (key === undefined ? { fams: [], sets: [], vals: [] } : { fams: [], sets: [], vals: [], key });

/**
 * A run of consecutive cgroups' rows and their rendered lines per family (`\nname{labels} value`…; null for none),
 * as UTF-8 bytes outside V8's heap: at 10,000 cgroups the kept text is 20 MB, which the heap limit of the image
 * (`--max-old-space-size`) need not hold.
 */
interface Chunk {
  readonly rows: readonly Rows[];
  readonly texts: readonly (Buffer | null)[];
}

/**
 * The rendered text of runs of cgroups, kept from one scrape to the next (`LabelSets` holds it): a run whose rows
 * are the very objects of last time (each cgroup's series unchanged) is not rendered again. Runs are cut where a
 * cgroup's path hashes to a boundary (and at most every MAX_CHUNK cgroups), so a cgroup added or removed changes
 * one run, not every run after it.
 */
export class RenderCache {
  chunks = new Map<string, Chunk>();
}

const MAX_CHUNK = 128;

/** Is `key` (a cgroup path) where a new run starts? About one path in 32 (FNV-1a). */
function boundary(key: string): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 32 === 0;
}

/** The lines of some rows per family: `\nname{labels} value` each, as UTF-8 bytes (null for a family without series). */
function renderRows(rows: readonly Rows[]): (Buffer | null)[] {
  const by: string[][] = CATALOGUE.map(() => []);
  for (const r of rows) {
    const { fams, sets, vals } = r;
    for (let i = 0; i < fams.length; i++) by[fams[i]].push(NAMES[fams[i]] + sets[i] + ' ' + valueText(vals[i]));
  }
  return by.map((l) => (l.length === 0 ? null : Buffer.from('\n' + l.join('\n'), 'utf8')));
}

interface CgroupSeries {
  readonly cg: ExporterCgroup;
  readonly stats: CgroupSample;
  /** what the series take from each ancestor (`pathPart`), nearest first */
  readonly ancestors: readonly PathPart[];
  readonly by: string | null | undefined;
  readonly shared: readonly string[] | undefined;
  readonly devices: string;
  readonly rows: Rows;
}

/** Everything but the sample the series of a cgroup are made of, the same as last time (see seriesOf). */
const sameExtras = (a: ExporterCgroup, b: ExporterCgroup) => a.start_time_s === b.start_time_s && a.processes === b.processes && a.fds === b.fds && a.net === b.net;

/**
 * What a cgroup's series take from one of its ancestors: its CPU quota (and then its CFS counters, which the
 * nsx_cgroup_cpu_cfs_* series of its descendants carry) and its memory limit. Descendants compare these, not the
 * ancestor's whole sample: the root's sample changes at every scrape (the host is busy), its limits do not.
 */
interface PathPart {
  readonly cores: number | null;
  readonly periods?: number;
  readonly throttled?: number;
  readonly throttled_usec?: number;
  readonly mem?: number;
}

const PARTS = new WeakMap<CgroupSample, PathPart>();

function pathPart(s: CgroupSample): PathPart {
  let p = PARTS.get(s);
  if (p === undefined) {
    const c = s.cpu;
    const cores = quotaCpus(c?.max_usec, c?.period_usec);
    const mem = num(s.memory?.max_bytes);
    p = cores !== null && cores > 0 ? { cores, periods: c?.nr_periods, throttled: c?.nr_throttled, throttled_usec: c?.throttled_usec, mem } : { cores, mem };
    PARTS.set(s, p);
  }
  return p;
}

const samePart = (a: PathPart, b: PathPart) =>
  a === b || (a.cores === b.cores && a.periods === b.periods && a.throttled === b.throttled && a.throttled_usec === b.throttled_usec && a.mem === b.mem);

function sameParts(a: readonly PathPart[], b: readonly PathPart[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!samePart(a[i], b[i])) return false;
  return true;
}

/**
 * One cgroup's label sets, rendered: its base set (`id`, and `name`, `image`, `pod`, `namespace`, `container`
 * when known) and the base set plus more labels (`cpu`, `event`, `by`, `device`, …), made when its series are
 * built. Kept between scrapes with the cgroup's last series.
 */
class CgroupLabels {
  /** `id="…",name="…"` (no braces) */
  readonly inner: string;
  /** `{…}` */
  readonly base: string;
  readonly names: ExporterIdentity | undefined;
  /** what this cgroup's series were made of last scrape, and the series (seriesOf reuses them when all is the same) */
  last: CgroupSeries | undefined;
  epoch = 0;

  constructor(cg: ExporterCgroup) {
    this.inner = labelText(baseLabels(cg));
    this.base = ['{', this.inner, '}'].join('');
    this.names = cg.names;
  }

  /** The base set plus `k="v"` pairs (given in order). One flat string (a join): rows keep it. */
  with(...kv: string[]): string {
    const parts = ['{', this.inner];
    for (let i = 0; i < kv.length; i += 2) parts.push(',', kv[i], '="', escapeLabel(kv[i + 1]), '"');
    parts.push('}');
    return parts.join('');
  }

  /** `{id="…",k="v"}` without the names (`nsx_cgroup_cpu_throttled_by_info`). */
  idWith(id: string, k: string, v: string): string {
    return ['{id="', escapeLabel(id), '",', k, '="', escapeLabel(v), '"}'].join('');
  }
}

/**
 * The label sets and last series of each cgroup, kept from one scrape to the next: a cgroup's sets are rendered
 * once and reused as long as it exists with the same names, and its series (`Rows`) while what they are made of
 * is unchanged. The state of a cgroup that is gone from a sample is dropped at the end of that scrape
 * (`seriesOf`): removed cgroups leave no series and no memory behind.
 */
export class LabelSets {
  private readonly cgroups = new Map<string, CgroupLabels>();
  private epoch = 0;
  /** the rendered runs of cgroups (registry.ts), kept with the series they were rendered from */
  readonly render = new RenderCache();
  /** the empty label set */
  static readonly NONE = '';

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
  hostWith(k: string, v: string): string {
    return `{${k}="${escapeLabel(v)}"}`;
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

/** The exposition name of each family's samples (the same in both formats: see registry.ts). */
const NAMES = CATALOGUE.map((f) => f.name);

/** prom-client's value text: JavaScript's shortest round-trip decimal. */
function valueText(v: number): string {
  return Number.isNaN(v) ? 'Nan' : !Number.isFinite(v) ? (v < 0 ? '-Inf' : '+Inf') : `${v}`;
}

/**
 * One scrape's series: a Map from family name to its series (the generic face, built when first asked for: tests,
 * prom-client), over the compact rows the scrape was made of (`rows`, in exposition order, each cgroup's as kept
 * between scrapes). `bodies()` renders every family's sample lines from the rows at once, without a Series object:
 * what the exporter serves (registry.ts).
 */
export class SeriesMap extends Map<string, Series[]> {
  private built = false;

  constructor(
    readonly rows: readonly Rows[],
    private readonly cache: RenderCache = new RenderCache(),
  ) {
    super();
  }

  /**
   * The exposition: each family's HELP/TYPE lines (`heads`) and its sample lines (`name{labels} value`, in
   * exposition order), `sep` between families and `end` after the last, as one string (prom-client's layout; see
   * registry.ts). The cgroups' lines come in runs rendered once and kept while their rows are the same objects
   * (RenderCache); the rest (container_last_seen, the host's) are rendered each time. Assembled as UTF-8 bytes
   * outside V8's heap and served (and gzipped) as they are: at 10,000 cgroups the text is ≈ 25 MB, which as a
   * string would sit in V8's old space beside the ≈ 70 MB the exporter keeps live there and push it past the
   * image's `--max-old-space-size=96` (a scrape with 5,000 processes on the host aborted Node so).
   */
  render(heads: readonly Buffer[], sep: Buffer, end: Buffer): Buffer {
    return Buffer.concat(this.renderChunks(heads, sep, end));
  }

  /**
   * The same exposition as its pieces, in order (the cached runs' bytes themselves, not copies): served and
   * gzipped piece by piece, a scrape never holds the whole text at once (≈ 25 MB at 10,000 cgroups).
   */
  renderChunks(heads: readonly Buffer[], sep: Buffer, end: Buffer): Buffer[] {
    const chunks: Chunk[] = [];
    const next = new Map<string, Chunk>();
    const rest: Rows[] = [];
    let run: Rows[] = [];
    const close = () => {
      if (run.length === 0) return;
      const key = run[0].key!;
      let c = this.cache.chunks.get(key) ?? next.get(key);
      if (!c || c.rows.length !== run.length || c.rows.some((r, i) => r !== run[i])) c = { rows: run, texts: renderRows(run) };
      next.set(key, c);
      chunks.push(c);
      run = [];
    };
    for (const r of this.rows) {
      if (r.key === undefined) {
        rest.push(r);
        continue;
      }
      if (run.length >= MAX_CHUNK || (run.length > 0 && boundary(r.key))) close();
      run.push(r);
    }
    close();
    this.cache.chunks = next;
    const tail = renderRows(rest);
    const out: Buffer[] = [];
    for (let f = 0; f < CATALOGUE.length; f++) {
      if (f > 0) out.push(sep);
      out.push(heads[f]);
      for (const c of chunks) if (c.texts[f] !== null) out.push(c.texts[f]!);
      if (tail[f] !== null) out.push(tail[f]!);
    }
    out.push(end);
    return out;
  }

  private build(): void {
    if (this.built) return;
    this.built = true;
    const by: Series[][] = CATALOGUE.map(() => []);
    const objs = new Map<string, Record<string, string>>();
    for (const r of this.rows) {
      for (let i = 0; i < r.fams.length; i++) {
        let l = objs.get(r.sets[i]);
        if (!l) objs.set(r.sets[i], (l = parseLabelSet(r.sets[i])));
        by[r.fams[i]].push({ labels: l, sharedLabels: l, value: r.vals[i], f: r.fams[i] });
      }
    }
    for (let f = 0; f < CATALOGUE.length; f++) super.set(CATALOGUE[f].name, by[f]);
  }

  override get(k: string): Series[] | undefined {
    this.build();
    return super.get(k);
  }
  override has(k: string): boolean {
    this.build();
    return super.has(k);
  }
  override get size(): number {
    this.build();
    return super.size;
  }
  override keys(): MapIterator<string> {
    this.build();
    return super.keys();
  }
  override values(): MapIterator<Series[]> {
    this.build();
    return super.values();
  }
  override entries(): MapIterator<[string, Series[]]> {
    this.build();
    return super.entries();
  }
  override [Symbol.iterator](): MapIterator<[string, Series[]]> {
    this.build();
    return super[Symbol.iterator]();
  }
  override forEach(cb: (v: Series[], k: string, m: Map<string, Series[]>) => void, thisArg?: unknown): void {
    this.build();
    super.forEach(cb, thisArg);
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

/** cAdvisor's ignoredDevicePrefixes (container/libcontainer/handler.go): interfaces it does not report. */
const IGNORED_INTERFACES = /^(lo|veth|docker|nerdctl)/i;

/**
 * Build every family's series from a sample (and the previous one, for throttle attribution). No I/O; `labels`
 * (kept by the scraper between scrapes) keeps each cgroup's rendered label sets and last series: the result is
 * the same without it. The result is a `SeriesMap`: a Map of Series by family name, rendered by registry.ts
 * straight from its rows.
 */
export function seriesOf(prev: ExporterSample | undefined, next: ExporterSample, labels: LabelSets = new LabelSets()): SeriesMap {
  const all: Rows[] = [];
  /** the rows being made (a cgroup's, kept with its label sets for reuse while nothing changes; then the host's) */
  let made = newRows();
  const put = (name: string, set: string, value: Int | undefined) => {
    const v = toNumber(value);
    if (v === undefined || !Number.isFinite(v)) return;
    made.fams.push(FAMILY.get(name)!);
    made.sets.push(set);
    made.vals.push(v);
  };
  const byPath = new Map<string, ExporterCgroup>();
  for (const cg of next.cgroups) byPath.set(cg.path, cg);
  const by = throttledBy(prev, next);
  // blkio labels name devices: a change in the device names is a change for every cgroup
  let devices = '';
  for (const k in next.devices) devices += `${k}=${next.devices[k]};`;
  labels.begin();
  const lastSeen = FAMILY.get('container_last_seen')!;
  // container_last_seen: the sample's wall clock, for every cgroup at every scrape (outside the reuse below)
  const seen = newRows();

  for (const cg of next.cgroups) {
    if (!cg.selected) continue;
    const ls = labels.of(cg);
    const s = cg.stats;
    const b = by.get(cg.path);
    const shared = next.namespaces?.sharedWithHost[cg.path];
    if (next.wall_s !== undefined) {
      seen.fams.push(lastSeen);
      seen.sets.push(ls.base);
      seen.vals.push(next.wall_s);
    }
    // everything a cgroup's series are made of: its sample (the sampler hands back the same object while its
    // files are unchanged), its ancestors' (effective limits, CFS counters along the path), the throttle
    // attribution, host namespaces, device names, start time, fds and network; all the same as last scrape →
    // the same series objects
    const anc: PathPart[] = [];
    for (let a = parentPath(cg.path); a !== undefined; a = parentPath(a)) {
      const ac = byPath.get(a);
      if (ac) anc.push(pathPart(ac.stats));
    }
    const last = ls.last;
    if (last && last.stats === s && last.by === b && last.shared === shared && last.devices === devices && sameExtras(last.cg, cg) && sameParts(last.ancestors, anc)) {
      all.push(last.rows);
      continue;
    }
    made = newRows(cg.path);
    const L = ls.base;
    const cpu = s.cpu;
    if (cpu) {
      put('container_cpu_usage_seconds_total', ls.with('cpu', 'total'), sec(cpu.usage_usec));
      put('container_cpu_user_seconds_total', L, sec(cpu.user_usec));
      put('container_cpu_system_seconds_total', L, sec(cpu.system_usec));
      const quota = num(cpu.max_usec);
      if (quota !== undefined && quota > 0) {
        put('container_cpu_cfs_periods_total', L, cpu.nr_periods);
        put('container_cpu_cfs_throttled_periods_total', L, cpu.nr_throttled);
        put('container_cpu_cfs_throttled_seconds_total', L, sec(cpu.throttled_usec));
        put('container_cpu_cfs_burst_periods_total', L, cpu.nr_bursts);
        put('container_cpu_cfs_burst_seconds_total', L, sec(cpu.burst_usec));
        put('container_spec_cpu_quota', L, quota);
      }
      put('container_spec_cpu_period', L, cpu.period_usec);
      put('container_spec_cpu_shares', L, cpu.shares ?? (cpu.weight !== undefined ? weightToShares(cpu.weight) : undefined));
    }
    const mem = s.memory;
    if (mem) {
      const st = mem.stat;
      const v1 = st?.total_inactive_file !== undefined || st?.total_rss !== undefined;
      put('container_memory_usage_bytes', L, mem.current_bytes);
      put('container_memory_max_usage_bytes', L, mem.peak_bytes);
      put('container_memory_working_set_bytes', L, mem.working_set_bytes);
      put('container_memory_rss', L, mem.rss_bytes);
      put('container_memory_cache', L, mem.cache_bytes);
      put('container_memory_mapped_file', L, st?.file_mapped ?? st?.total_mapped_file);
      put('container_memory_swap', L, mem.swap_bytes);
      put('container_memory_failcnt', L, mem.failcnt ?? mem.events?.max);
      put('container_memory_total_active_file_bytes', L, v1 ? st?.total_active_file : st?.active_file);
      put('container_memory_total_inactive_file_bytes', L, v1 ? st?.total_inactive_file : st?.inactive_file);
      // cAdvisor: the cgroup's own faults (v1 pgfault) and its subtree's (v1 total_pgfault); v2 counts the subtree in both
      for (const t of ['pgfault', 'pgmajfault'] as const) {
        put('container_memory_failures_total', ls.with('failure_type', t, 'scope', 'container'), st?.[t]);
        put('container_memory_failures_total', ls.with('failure_type', t, 'scope', 'hierarchy'), v1 ? st?.[`total_${t}`] : st?.[t]);
      }
      if (mem.max_bytes !== undefined) put('container_spec_memory_limit_bytes', L, mem.max_bytes === 'max' || mem.max_bytes > MAX_MEMORY ? 0 : mem.max_bytes);
      // v2 memory.events oom_kill; v1 memory.oom_control oom_kill (kernel ≥ 4.13)
      put('container_oom_events_total', L, mem.events?.oom_kill ?? mem.oom_control?.oom_kill);
      if (mem.events) for (const event in mem.events) put('nsx_cgroup_memory_events_total', ls.with('event', event), mem.events[event]);
      if (mem.events_local) for (const event in mem.events_local) put('nsx_cgroup_memory_events_local_total', ls.with('event', event), mem.events_local[event]);
    }
    put('container_processes', L, cg.processes);
    if (s.pids) {
      put('container_threads', L, s.pids.current);
      if (s.pids.max !== undefined) put('container_threads_max', L, s.pids.max === 'max' ? 0 : s.pids.max);
    }
    put('container_file_descriptors', L, cg.fds);
    for (const d of s.io?.devices ?? []) {
      const device = next.devices[`${d.major}:${d.minor}`] ?? '';
      const mm = ['device', device, 'major', String(d.major), 'minor', String(d.minor), 'operation'];
      put('container_blkio_device_usage_total', ls.with(...mm, 'Read'), d.rbytes);
      put('container_blkio_device_usage_total', ls.with(...mm, 'Write'), d.wbytes);
      put('container_blkio_device_usage_total', ls.with(...mm, 'Discard'), d.dbytes);
      // (no major/minor labels here: a device whose name is unknown is named by its udev link, unique)
      const dl = ls.with('device', device || `/dev/block/${d.major}:${d.minor}`);
      put('container_fs_reads_bytes_total', dl, d.rbytes);
      put('container_fs_reads_total', dl, d.rios);
      put('container_fs_writes_bytes_total', dl, d.wbytes);
      put('container_fs_writes_total', dl, d.wios);
    }
    for (const n of cg.net ?? []) {
      if (IGNORED_INTERFACES.test(n.name)) continue;
      const il = ls.with('interface', n.name);
      put('container_network_receive_bytes_total', il, n.rx_bytes);
      put('container_network_receive_packets_total', il, n.rx_packets);
      put('container_network_receive_packets_dropped_total', il, n.rx_drop);
      put('container_network_receive_errors_total', il, n.rx_errs);
      put('container_network_transmit_bytes_total', il, n.tx_bytes);
      put('container_network_transmit_packets_total', il, n.tx_packets);
      put('container_network_transmit_packets_dropped_total', il, n.tx_drop);
      put('container_network_transmit_errors_total', il, n.tx_errs);
    }
    if (s.psi) {
      for (const r of ['cpu', 'memory', 'io'] as const) {
        const p = s.psi[r];
        if (!p) continue;
        put(`container_pressure_${r}_stalled_seconds_total`, L, sec(p.full?.total_usec));
        put(`container_pressure_${r}_waiting_seconds_total`, L, sec(p.some?.total_usec));
      }
    }
    put('container_start_time_seconds', L, cg.start_time_s);

    // v2 features (issue 23)
    put('nsx_cgroup_pids_peak', L, s.pids?.peak);
    put('nsx_cgroup_pressure_irq_stalled_seconds_total', L, sec(s.psi?.irq?.full?.total_usec));
    put('nsx_cgroup_descendants', L, s.cgroup?.nr_descendants);
    put('nsx_cgroup_dying_descendants', L, s.cgroup?.nr_dying_descendants);

    // nsx: throttling along the path, effective limits
    if (b) put('nsx_cgroup_cpu_throttled_by_info', ls.idWith(cg.path, 'by', b), 1);
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
        put('nsx_cgroup_cpu_cfs_throttled_seconds_total', bl, sec(acpu?.throttled_usec));
      }
      const mb = num(ac.stats.memory?.max_bytes);
      if (mb !== undefined && mb <= MAX_MEMORY && (!memLim || mb < memLim.bytes)) memLim = { bytes: mb, by: a };
    }
    if (cpuLim) put('nsx_cgroup_cpu_effective_limit_cores', ls.with('by', cpuLim.by), cpuLim.cores);
    // only where a quota on the path can throttle it (one series fewer for every unlimited cgroup)
    if (cpuLim && cpu?.local_throttled_usec !== undefined) put('nsx_cgroup_cpu_local_throttled_seconds_total', L, seconds(cpu.local_throttled_usec));
    if (memLim) put('nsx_cgroup_memory_effective_limit_bytes', ls.with('by', memLim.by), memLim.bytes);

    for (const t of shared ?? []) put('nsx_container_host_namespace_info', ls.with('type', t), 1);
    // kept until the cgroup changes: arrays of their exact length (push leaves room to grow)
    const rows: Rows = { fams: made.fams.slice(), sets: made.sets.slice(), vals: made.vals.slice(), key: cg.path };
    ls.last = { cg, stats: s, ancestors: anc.slice(), by: b, shared, devices, rows };
    all.push(rows);
  }
  all.push(seen);
  made = newRows(); // the host's series below belong to no cgroup
  all.push(made);
  labels.end();
  const counts = next.namespaces?.counts ?? {};
  for (const type in counts) put('nsx_namespaces', labels.hostWith('type', type), counts[type as keyof typeof counts]);
  put('nsx_exporter_cgroups', LabelSets.NONE, next.cgroups.length);
  // whole ns, divided once: the shortest exact decimal
  put('nsx_exporter_sample_duration_seconds', LabelSets.NONE, Math.round(next.read_ms * 1e6) / 1e9);
  put('nsx_exporter_sample_incomplete_files', LabelSets.NONE, next.denied.length);
  const self = next.self;
  if (self) {
    for (const reason of Object.keys(self.read_errors).sort()) put('nsx_exporter_read_errors_total', labels.hostWith('reason', reason), self.read_errors[reason]);
    put('nsx_exporter_open_files', LabelSets.NONE, self.open_files);
    put('nsx_exporter_max_open_files', LabelSets.NONE, self.max_open_files);
    put('nsx_exporter_open_files_kernel_bytes', LabelSets.NONE, self.open_files_kernel_bytes);
  }
  return new SeriesMap(all, labels.render);
}
