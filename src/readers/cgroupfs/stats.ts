/**
 * Limits and counters of one cgroup, read from whichever hierarchy carries each controller
 * (v1 hierarchy with that controller, else cgroup2). Reads only the files of the requested groups.
 *
 *   readCgroupStats(paths, layout, cgroupPath, { groups?, tolerance? }): CgroupStats
 *
 * Files read (under `<mount>/<cgroupPath>/`):
 *   cpu     v2: cpu.stat cpu.max cpu.max.burst cpu.weight
 *           v1: cpu.stat cpu.cfs_quota_us cpu.cfs_period_us cpu.cfs_burst_us cpu.shares, cpuacct.usage cpuacct.stat
 *   memory  v2: memory.current .peak .max .high .low .min .swap.current .swap.max .stat .events
 *           v1: memory.usage_in_bytes .max_usage_in_bytes .limit_in_bytes .soft_limit_in_bytes .failcnt .stat
 *   io      v2: io.stat io.max;  v1: blkio.throttle.io_service_bytes(_recursive) blkio.throttle.io_serviced(_recursive)
 *   pids    pids.current pids.max pids.events
 *   psi     v2 only: cpu.pressure memory.pressure io.pressure
 *   cpuset  v2: cpuset.cpus cpuset.cpus.effective cpuset.mems cpuset.mems.effective
 *           v1: cpuset.cpus cpuset.effective_cpus cpuset.mems cpuset.effective_mems
 * Units are normalised here: ns → µs (÷1000), USER_HZ ticks → µs (×10000), `-1`/2^63 → 'max'.
 * A missing file is undefined; a file that does not parse is undefined and listed in `errors` with its path.
 */
import { join } from 'node:path';
import { statSync } from 'node:fs';
import type { HostPaths } from '../../host/paths.js';
import { readTextOrUndefined } from '../../host/read.js';
import { Tolerance } from '../../host/tolerance.js';
import { NotFoundError, ParseError } from '../../errors.js';
import {
  parseBlkio, parseCpuList, parseCpuMax, parseFlatKeyed, parseIoMax, parseIoStat, parseLimit, parsePressure, parseSingleInt,
} from '../../parse/cgroup-files.js';
import {
  ALL_STAT_GROUPS, hierarchyForController, type CgroupLayout, type CgroupStats, type CpuStats, type CpusetStats, type Hierarchy,
  type IoDevice, type IoStats, type MemoryStats, type PidsStats, type PsiStats, type StatGroup,
} from '../../model/cgroup.js';
import { cgroupDir } from './layout.js';

export interface ReadStatsOptions {
  /** which groups to read (default: all) */
  readonly groups?: readonly StatGroup[];
  /** absorb permission errors here instead of throwing */
  readonly tolerance?: Tolerance;
}

/** Reads files of one cgroup directory, parsing them and collecting parse errors. */
class DirReader {
  constructor(
    readonly dir: string,
    private readonly errors: string[],
    private readonly tolerance?: Tolerance,
  ) {}

  text(name: string): string | undefined {
    const p = join(this.dir, name);
    try {
      return readTextOrUndefined(p);
    } catch (e) {
      if (!this.tolerance) throw e;
      this.tolerance.absorb(e, p);
      return undefined;
    }
  }

  get<T>(name: string, parse: (text: string, source?: string) => T): T | undefined {
    const t = this.text(name);
    if (t === undefined) return undefined;
    const p = join(this.dir, name);
    try {
      return parse(t, p);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.errors.push(e.message);
      return undefined;
    }
  }
}

/** Drop undefined members so that JSON and deepEqual see only what exists; undefined when nothing does. */
function compact<T extends object>(o: T): T | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length ? (out as T) : undefined;
}

const div = (v: number | undefined, d: number) => (v === undefined ? undefined : v / d);
const mul = (v: number | undefined, m: number) => (v === undefined ? undefined : v * m);
/** USER_HZ is 100 on every Linux architecture nsx runs on. */
const USEC_PER_TICK = 10_000;

function readCpu(r: (c: string) => DirReader | undefined): CpuStats | undefined {
  const cpu = r('cpu');
  if (cpu && versionOf.get(cpu) === 2) {
    const st = cpu.get('cpu.stat', parseFlatKeyed) ?? {};
    const max = cpu.get('cpu.max', parseCpuMax);
    return compact<CpuStats>({
      usage_usec: st.usage_usec,
      user_usec: st.user_usec,
      system_usec: st.system_usec,
      nr_periods: st.nr_periods,
      nr_throttled: st.nr_throttled,
      throttled_usec: st.throttled_usec,
      nr_bursts: st.nr_bursts,
      burst_usec: st.burst_usec,
      max_usec: max?.max_usec,
      period_usec: max?.period_usec,
      max_burst_usec: cpu.get('cpu.max.burst', parseSingleInt),
      weight: cpu.get('cpu.weight', parseSingleInt),
    });
  }
  const acct = r('cpuacct');
  const st = cpu?.get('cpu.stat', parseFlatKeyed) ?? {};
  const ast = acct?.get('cpuacct.stat', parseFlatKeyed) ?? {};
  return compact<CpuStats>({
    usage_usec: div(acct?.get('cpuacct.usage', parseSingleInt), 1000),
    user_usec: mul(ast.user, USEC_PER_TICK),
    system_usec: mul(ast.system, USEC_PER_TICK),
    nr_periods: st.nr_periods,
    nr_throttled: st.nr_throttled,
    throttled_usec: div(st.throttled_time, 1000),
    nr_bursts: st.nr_bursts,
    burst_usec: div(st.burst_time, 1000),
    max_usec: cpu?.get('cpu.cfs_quota_us', parseLimit),
    period_usec: cpu?.get('cpu.cfs_period_us', parseSingleInt),
    max_burst_usec: cpu?.get('cpu.cfs_burst_us', parseSingleInt),
    shares: cpu?.get('cpu.shares', parseSingleInt),
  });
}

function workingSet(current: number | undefined, inactive: number | undefined): number | undefined {
  if (current === undefined) return undefined;
  return Math.max(0, current - (inactive ?? 0));
}

function readMemory(m: DirReader | undefined): MemoryStats | undefined {
  if (!m) return undefined;
  if (versionOf.get(m) === 2) {
    const current_bytes = m.get('memory.current', parseSingleInt);
    const stat = m.get('memory.stat', parseFlatKeyed);
    return compact<MemoryStats>({
      current_bytes,
      peak_bytes: m.get('memory.peak', parseSingleInt),
      max_bytes: m.get('memory.max', parseLimit),
      high_bytes: m.get('memory.high', parseLimit),
      low_bytes: m.get('memory.low', parseLimit),
      min_bytes: m.get('memory.min', parseLimit),
      swap_current_bytes: m.get('memory.swap.current', parseSingleInt),
      swap_max_bytes: m.get('memory.swap.max', parseLimit),
      stat,
      events: m.get('memory.events', parseFlatKeyed),
      working_set_bytes: workingSet(current_bytes, stat?.inactive_file),
    });
  }
  const current_bytes = m.get('memory.usage_in_bytes', parseSingleInt);
  const stat = m.get('memory.stat', parseFlatKeyed);
  return compact<MemoryStats>({
    current_bytes,
    peak_bytes: m.get('memory.max_usage_in_bytes', parseSingleInt),
    max_bytes: m.get('memory.limit_in_bytes', parseLimit),
    soft_limit_bytes: m.get('memory.soft_limit_in_bytes', parseLimit),
    failcnt: m.get('memory.failcnt', parseSingleInt),
    stat,
    working_set_bytes: workingSet(current_bytes, stat?.total_inactive_file),
  });
}

function sum(devs: IoDevice[], k: keyof IoDevice): number | undefined {
  let s: number | undefined;
  for (const d of devs) if (d[k] !== undefined) s = (s ?? 0) + (d[k] as number);
  return s;
}

function ioTotals(devices: IoDevice[], max?: IoStats['max']): IoStats | undefined {
  return compact<IoStats>({
    devices,
    rbytes: sum(devices, 'rbytes'),
    wbytes: sum(devices, 'wbytes'),
    rios: sum(devices, 'rios'),
    wios: sum(devices, 'wios'),
    max,
  });
}

function readIo(io: DirReader | undefined): IoStats | undefined {
  if (!io) return undefined;
  if (versionOf.get(io) === 2) {
    const st = io.get('io.stat', parseIoStat);
    const devices = (st ?? []).map(({ major, minor, fields: f }) =>
      compact<IoDevice>({ major, minor, rbytes: f.rbytes, wbytes: f.wbytes, rios: f.rios, wios: f.wios, dbytes: f.dbytes, dios: f.dios })!,
    );
    const max = io.get('io.max', parseIoMax);
    if (st === undefined && max === undefined) return undefined;
    return ioTotals(devices, max);
  }
  const bytes = io.get('blkio.throttle.io_service_bytes_recursive', parseBlkio) ?? io.get('blkio.throttle.io_service_bytes', parseBlkio);
  const ios = io.get('blkio.throttle.io_serviced_recursive', parseBlkio) ?? io.get('blkio.throttle.io_serviced', parseBlkio);
  if (!bytes && !ios) return undefined;
  const byDev = new Map<string, { major: number; minor: number; rbytes?: number; wbytes?: number; dbytes?: number; rios?: number; wios?: number; dios?: number }>();
  const dev = (major: number, minor: number) => {
    const k = `${major}:${minor}`;
    let d = byDev.get(k);
    if (!d) byDev.set(k, (d = { major, minor }));
    return d;
  };
  for (const d of bytes?.devices ?? []) Object.assign(dev(d.major, d.minor), { rbytes: d.ops.Read, wbytes: d.ops.Write, dbytes: d.ops.Discard });
  for (const d of ios?.devices ?? []) Object.assign(dev(d.major, d.minor), { rios: d.ops.Read, wios: d.ops.Write, dios: d.ops.Discard });
  return ioTotals([...byDev.values()].map((d) => compact<IoDevice>(d)!));
}

function readPids(p: DirReader | undefined): PidsStats | undefined {
  if (!p) return undefined;
  return compact<PidsStats>({
    current: p.get('pids.current', parseSingleInt),
    max: p.get('pids.max', parseLimit),
    events_max: p.get('pids.events', parseFlatKeyed)?.max,
  });
}

function readPsi(v2: DirReader | undefined): PsiStats | undefined {
  if (!v2) return undefined;
  return compact<PsiStats>({
    cpu: v2.get('cpu.pressure', parsePressure),
    memory: v2.get('memory.pressure', parsePressure),
    io: v2.get('io.pressure', parsePressure),
  });
}

function readCpuset(c: DirReader | undefined): CpusetStats | undefined {
  if (!c) return undefined;
  const v2 = versionOf.get(c) === 2;
  return compact<CpusetStats>({
    cpus: c.get('cpuset.cpus', parseCpuList),
    cpus_effective: c.get(v2 ? 'cpuset.cpus.effective' : 'cpuset.effective_cpus', parseCpuList),
    mems: c.get('cpuset.mems', parseCpuList),
    mems_effective: c.get(v2 ? 'cpuset.mems.effective' : 'cpuset.effective_mems', parseCpuList),
  });
}

/** The cgroup version behind each DirReader (kept outside the class so it stays a plain reader). */
const versionOf = new WeakMap<DirReader, 1 | 2>();

/**
 * Read the stats of `cgroupPath` (absolute within the hierarchies, e.g. `/docker/abc`).
 * Throws NotFoundError when no hierarchy has that cgroup.
 */
export function readCgroupStats(paths: HostPaths, layout: CgroupLayout, cgroupPath: string, opts: ReadStatsOptions = {}): CgroupStats {
  const groups = new Set(opts.groups ?? ALL_STAT_GROUPS);
  const errors: string[] = [];
  const inodes: Record<string, number> = {};
  let inode: number | undefined;
  const readers = new Map<Hierarchy, DirReader | null>();
  const forHierarchy = (h: Hierarchy | undefined): DirReader | undefined => {
    if (!h) return undefined;
    let r = readers.get(h);
    if (r === undefined) {
      const dir = cgroupDir(paths, h, cgroupPath);
      r = null;
      try {
        const st = statSync(dir);
        if (st.isDirectory()) {
          inodes[h.key] = st.ino;
          inode ??= st.ino;
          r = new DirReader(dir, errors, opts.tolerance);
          versionOf.set(r, h.version);
        }
      } catch (e) {
        if (opts.tolerance) opts.tolerance.absorb(e, dir);
        else if ((e as { code?: string }).code !== 'ENOENT' && (e as { code?: string }).code !== 'ENOTDIR') throw e;
      }
      readers.set(h, r);
    }
    return r ?? undefined;
  };
  const ctrl = (c: string) => forHierarchy(hierarchyForController(layout, c));
  const v2 = layout.hierarchies.find((h) => h.version === 2);
  const stats: Record<string, unknown> = { path: cgroupPath };
  if (groups.has('cpu')) stats.cpu = readCpu(ctrl);
  if (groups.has('memory')) stats.memory = readMemory(ctrl('memory'));
  if (groups.has('io')) stats.io = readIo(ctrl(layout.hierarchies.some((h) => h.version === 1 && h.controllers.includes('blkio')) ? 'blkio' : 'io'));
  if (groups.has('pids')) stats.pids = readPids(ctrl('pids'));
  if (groups.has('psi')) stats.psi = readPsi(forHierarchy(v2));
  if (groups.has('cpuset')) stats.cpuset = readCpuset(ctrl('cpuset'));
  if (Object.keys(inodes).length === 0) {
    // nothing requested found it: check every hierarchy before calling it absent
    for (const h of layout.hierarchies) forHierarchy(h);
    if (Object.keys(inodes).length === 0) throw new NotFoundError(`${cgroupPath}: no such cgroup`, cgroupPath);
  }
  for (const k of Object.keys(stats)) if (stats[k] === undefined) delete stats[k];
  return { ...stats, inode, inodes, ...(errors.length ? { errors } : {}) } as CgroupStats;
}
