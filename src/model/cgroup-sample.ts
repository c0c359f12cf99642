/**
 * THE cgroup sample: everything nsx reads from one cgroup's files at one instant, as plain serialisable data
 * (after below's `CgroupSample`), and `cgroupModel(sample, last, dt)` — the view-ready values and the rates
 * between two samples (after below's `CgroupModel::new(sample, last, elapsed)`). No I/O here.
 *
 * One mapping fills it: `sampleCgroup(source, plan, path)` in src/readers/cgroupfs/sample.ts, from any
 * `CgroupFileSource` ("the text of file F of cgroup C in hierarchy H"): plain reads (`plainSource`, one-shot
 * commands and --root hosts) or open fds re-read with pread (`FdSource`, the sampler of `top`, the dashboard,
 * the exporter). `cg show`, `top`, `ps`, the dashboard, the exporter and `nsx why` all read this type.
 *
 * Rules of the shape (stable: fields are only ever added):
 * - Absent is not zero: a field is `undefined` (missing from the object, `null` in JSON views) when its file or
 *   key is absent; a group (`cpu`, `memory`, …) is absent when none of its files is there.
 * - Limits are `number | 'max'`: 'max' = unlimited (v2 `max`, v1 `-1`, v1 page-rounded 2^63).
 * - Units are normalised at ingest and named in the key: `_usec` (µs; v1 ns ÷ 1000, USER_HZ ticks × 10,000),
 *   `_bytes`; unit-less counts have no suffix.
 * - Exact integers: scalar fields are JS numbers (their values stay far below 2^53 once normalised, or are
 *   'max'); the raw keyed maps (`memory.stat`, `memory.events`, …) hold `number`, or `bigint` for a value above
 *   2^53 − 1 (v1 `hierarchical_memory_limit` 9223372036854771712), so JSON can print it exactly
 *   (src/output/json.ts serialises bigint as an exact integer). Use `toNumber()` to do arithmetic on them.
 * - `inodes` (hierarchy key → identity of the cgroup's directory: its inode, or the fd cache's generation)
 *   tells a cgroup removed and recreated between two samples: such a pair gives no rates.
 * - v1 and v2 map onto the same keys where the kernel means the same thing (the key's doc says which file);
 *   keys that exist on one version only say so.
 */
import type { Identity } from './identity.js';

/** A limit: a number in the unit named by its key, or 'max' for unlimited. */
export type Limit = number | 'max';

/** One line of a PSI file (`some` or `full`): averages in %, total stall time in µs. */
export interface PressureLine {
  readonly avg10?: number;
  readonly avg60?: number;
  readonly avg300?: number;
  readonly total_usec?: number;
}

/** A PSI file (`cpu.pressure`, …). */
export interface Pressure {
  readonly some?: PressureLine;
  readonly full?: PressureLine;
}

/** An exact integer of a raw keyed map: a number, or a bigint when above Number.MAX_SAFE_INTEGER. */
export type Int = number | bigint;

/** A raw flat-keyed file (`memory.stat`, `memory.events`, `pids.events`, …) as the kernel names its keys. */
export type KeyedInts = Readonly<Record<string, Int>>;

/** The stat groups a sample can hold; a plan reads only the files of the groups asked for. */
export type StatGroup = 'cpu' | 'memory' | 'io' | 'pids' | 'psi' | 'cpuset' | 'procs';
/** Every group but `procs` (which lists cgroup.procs/threads: costly on big cgroups). */
export const ALL_STAT_GROUPS: readonly StatGroup[] = ['cpu', 'memory', 'io', 'pids', 'psi', 'cpuset'];

/** A raw keyed map value as a number (bigints beyond 2^53 lose precision here, on purpose). */
export function toNumber(v: Int | undefined): number | undefined {
  return v === undefined ? undefined : typeof v === 'bigint' ? Number(v) : v;
}

export interface CpuSample {
  /** total CPU time: v2 cpu.stat usage_usec; v1 cpuacct.usage (ns / 1000) */
  readonly usage_usec?: number;
  /** v2 cpu.stat user_usec; v1 cpuacct.stat user (USER_HZ ticks × 10000) */
  readonly user_usec?: number;
  /** v2 cpu.stat system_usec; v1 cpuacct.stat system (ticks × 10000) */
  readonly system_usec?: number;
  /** CFS enforcement periods elapsed (cpu.stat nr_periods, v1 and v2) */
  readonly nr_periods?: number;
  /** periods in which this cgroup's own quota ran out (cpu.stat nr_throttled) */
  readonly nr_throttled?: number;
  /** v2 cpu.stat throttled_usec; v1 cpu.stat throttled_time (ns / 1000) */
  readonly throttled_usec?: number;
  /** cpu.stat nr_bursts (kernel ≥ 5.14) */
  readonly nr_bursts?: number;
  /** v2 cpu.stat burst_usec; v1 burst_time (ns / 1000) */
  readonly burst_usec?: number;
  /**
   * `cpu.stat.local` throttled time (kernel ≥ 6.8; v2 throttled_usec, v1 throttled_time ns / 1000): this
   * cgroup's tasks throttled by its own or an ancestor's limit.
   */
  readonly local_throttled_usec?: number;
  /** quota per period: v2 cpu.max first field; v1 cpu.cfs_quota_us (-1 → 'max') */
  readonly max_usec?: Limit;
  /** v2 cpu.max second field; v1 cpu.cfs_period_us */
  readonly period_usec?: number;
  /** v2 cpu.max.burst; v1 cpu.cfs_burst_us */
  readonly max_burst_usec?: number;
  /** v2 cpu.weight (1–10000) */
  readonly weight?: number;
  /** v1 cpu.shares (2–262144) */
  readonly shares?: number;
  /** v2 cpu.idle (0/1) */
  readonly idle?: number;
}

export interface MemorySample {
  /** v2 memory.current; v1 memory.usage_in_bytes */
  readonly current_bytes?: number;
  /** v2 memory.peak; v1 memory.max_usage_in_bytes */
  readonly peak_bytes?: number;
  /** v2 memory.max; v1 memory.limit_in_bytes */
  readonly max_bytes?: Limit;
  /** v2 memory.high */
  readonly high_bytes?: Limit;
  /** v2 memory.low */
  readonly low_bytes?: Limit;
  /** v2 memory.min */
  readonly min_bytes?: Limit;
  /** v1 memory.soft_limit_in_bytes */
  readonly soft_limit_bytes?: Limit;
  /** v2 memory.swap.current */
  readonly swap_current_bytes?: number;
  /** v2 memory.swap.max */
  readonly swap_max_bytes?: Limit;
  /** v2 memory.swap.high */
  readonly swap_high_bytes?: Limit;
  /** v1 memory.memsw.usage_in_bytes (memory + swap; only with swap accounting) */
  readonly memsw_current_bytes?: number;
  /** v1 memory.memsw.limit_in_bytes (memory + swap) */
  readonly memsw_max_bytes?: Limit;
  /** v1 memory.failcnt (times usage hit the limit) */
  readonly failcnt?: number;
  /** v1 memory.memsw.failcnt */
  readonly memsw_failcnt?: number;
  /** memory.stat as the kernel names it (v1 and v2 keys differ; bytes except event counts) */
  readonly stat?: KeyedInts;
  /** v2 memory.events (low high max oom oom_kill oom_group_kill): hierarchical */
  readonly events?: KeyedInts;
  /** v2 memory.events.local: the same events of this cgroup only */
  readonly events_local?: KeyedInts;
  /** v1 memory.oom_control (oom_kill_disable under_oom oom_kill) */
  readonly oom_control?: KeyedInts;
  /** derived: current − inactive_file (v2) / usage − total_inactive_file (v1), clamped at 0 (cAdvisor's working set) */
  readonly working_set_bytes?: number;
  /** derived: anonymous memory: v2 memory.stat anon; v1 total_rss (cAdvisor's rss) */
  readonly rss_bytes?: number;
  /** derived: page cache: v2 memory.stat file; v1 total_cache (cAdvisor's cache) */
  readonly cache_bytes?: number;
  /** derived: swap in use: v2 memory.swap.current; v1 memsw.usage − usage, else memory.stat total_swap (cAdvisor's swap) */
  readonly swap_bytes?: number;
}

/** Per-device IO counters (v2 io.stat; v1 blkio.throttle.io_service_bytes + io_serviced, `_recursive` preferred). */
export interface IoDevice {
  readonly major: number;
  readonly minor: number;
  readonly rbytes?: number;
  readonly wbytes?: number;
  readonly rios?: number;
  readonly wios?: number;
  readonly dbytes?: number;
  readonly dios?: number;
}

/** One io.max line. */
export interface IoMax {
  readonly major: number;
  readonly minor: number;
  readonly rbps?: Limit;
  readonly wbps?: Limit;
  readonly riops?: Limit;
  readonly wiops?: Limit;
}

export interface IoSample {
  readonly devices?: IoDevice[];
  /**
   * Sums over devices: a number (0 when the file lists no device, as v1's lone `Total 0`) whenever the file
   * that carries the key was read; undefined only when there is no IO data at all.
   */
  readonly rbytes?: number;
  readonly wbytes?: number;
  readonly rios?: number;
  readonly wios?: number;
  /** v2 io.max */
  readonly max?: IoMax[];
}

export interface PidsSample {
  /** pids.current */
  readonly current?: number;
  /** pids.max */
  readonly max?: Limit;
  /** pids.peak (kernel ≥ 6.1) */
  readonly peak?: number;
  /** pids.events max: forks refused because this cgroup's (or, v2, an ancestor's) pids.max was hit */
  readonly events_max?: number;
  /** pids.events as is (`max`, and on kernel ≥ 6.13 v2 `max.imposed`) */
  readonly events?: KeyedInts;
}

/** Members: `cgroup.procs` and `cgroup.threads` (v2) / `tasks` (v1) line counts (group `procs`). */
export interface ProcsSample {
  readonly nr_procs?: number;
  readonly nr_threads?: number;
}

export interface PsiSample {
  /** cgroup2 cpu.pressure: avg10/60/300 in %, total_usec */
  readonly cpu?: Pressure;
  readonly memory?: Pressure;
  readonly io?: Pressure;
  /** cgroup2 irq.pressure (kernel ≥ 6.1 with CONFIG_IRQ_TIME_ACCOUNTING; `full` only) */
  readonly irq?: Pressure;
}

export interface CpusetSample {
  /** v2 cpuset.cpus; v1 cpuset.cpus (list format, `0-3,8`) */
  readonly cpus?: string;
  /** v2 cpuset.cpus.effective; v1 cpuset.effective_cpus */
  readonly cpus_effective?: string;
  readonly mems?: string;
  readonly mems_effective?: string;
}

/** Everything read from one cgroup at one instant. Plain serialisable data (bigints in keyed maps only). */
export interface CgroupSample {
  /** cgroup path (`/`, `/docker/<id>`); on v1 one path merged across the hierarchies */
  readonly path: string;
  /** identity of the cgroup's directory in the first hierarchy that had it (reset detection) */
  readonly inode?: number;
  /** identity per hierarchy key (`''` = cgroup2): directory inode (plain reads) or fd-cache generation */
  readonly inodes: Readonly<Record<string, number>>;
  readonly cpu?: CpuSample;
  readonly memory?: MemorySample;
  readonly io?: IoSample;
  readonly pids?: PidsSample;
  readonly psi?: PsiSample;
  readonly cpuset?: CpusetSample;
  readonly procs?: ProcsSample;
  /** files that exist but did not parse: `path:line: message` (their values are left undefined) */
  readonly errors?: string[];
}

/** Was the cgroup removed and recreated between two samples (an identity changed in a hierarchy both saw)? */
export function cgroupRecreated(prev: CgroupSample, next: CgroupSample): boolean {
  for (const k in next.inodes) {
    const p = prev.inodes[k];
    if (p !== undefined && p !== next.inodes[k]) return true;
  }
  return false;
}

/** One sample of a set of cgroups. `mono_ms` is the monotonic clock (for Δt), `timestamp` wall time. */
export interface CgroupSnapshot {
  readonly mono_ms: number;
  /** ISO 8601 wall-clock time of the sample */
  readonly timestamp: string;
  readonly cgroups: readonly CgroupSample[];
  /** `unified`, `hybrid` or `legacy` (a CgroupLayoutKind of ./cgroup.ts), when known */
  readonly layout?: string;
  /** container/pod/machine identity of the cgroups that have one, with runtime metadata (names), by path */
  readonly identities?: Readonly<Record<string, Identity>>;
}
