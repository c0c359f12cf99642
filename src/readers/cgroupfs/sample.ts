/**
 * THE mapping from cgroup files to a `CgroupSample` (src/model/cgroup-sample.ts) — v1, v2 and hybrid — and the
 * plain-read file source (what to read: ./plan.ts). Every view of cgroup limits and counters reads through here (`cg show`, `top`, `ps`,
 * the dashboard, the exporter, `nsx why`); the fd-cached source for samplers is src/sampler/fd-source.ts.
 *
 *   const plan = planCgroupSample(layout, { groups: ['cpu', 'memory'] });        // once per layout
 *   const src = plainSource(paths, tolerance);                                     // or new FdSource(paths, plan)
 *   const s = sampleCgroup(src, plan, '/docker/abc');                              // CgroupSample | undefined
 *   const s2 = readCgroupSample(paths, layout, '/docker/abc', { groups });         // one-shot; NotFoundError if absent
 *
 * Files read (under `<mount>/<cgroupPath>/`, each from the hierarchy that carries its controller — a v1
 * hierarchy with it, else cgroup2), with `detail: 'core'` marked *:
 *   cpu     v2: cpu.stat* cpu.stat.local* cpu.max* cpu.max.burst cpu.weight cpu.idle
 *           v1: cpu.stat* cpu.stat.local* cpu.cfs_quota_us* cpu.cfs_period_us* cpu.cfs_burst_us cpu.shares,
 *               cpuacct.usage* cpuacct.stat*
 *   memory  v2: memory.current* .peak .max* .high* .low .min .swap.current .swap.max .swap.high .stat* .events .events.local
 *           v1: memory.usage_in_bytes* .max_usage_in_bytes .limit_in_bytes* .soft_limit_in_bytes .failcnt .stat*
 *               .memsw.usage_in_bytes .memsw.limit_in_bytes .memsw.failcnt .oom_control
 *   io      v2: io.stat* io.max;  v1: blkio.throttle.io_service_bytes_recursive* / io_serviced_recursive*
 *               (else blkio.throttle.io_service_bytes* / io_serviced*)
 *   pids    pids.current* pids.max* pids.peak pids.events
 *   psi     cgroup2 only: cpu.pressure* memory.pressure* io.pressure* irq.pressure
 *   cpuset  v2: cpuset.cpus cpuset.cpus.effective cpuset.mems cpuset.mems.effective
 *           v1: cpuset.cpus cpuset.effective_cpus cpuset.mems cpuset.effective_mems
 *   procs   cgroup.procs, and cgroup.threads (v2) / tasks (v1): line counts
 *   cgroup  cgroup2 only: cgroup.stat (descendants, dying descendants) cgroup.events (populated, frozen)
 * Units are normalised here: ns → µs (÷1000), USER_HZ ticks → µs (×10000), `-1`/2^63 → 'max'. A missing file is
 * undefined; a file that does not parse is undefined and listed in `errors` with its path. Tolerance of
 * vanished/denied files is the source's job (through `wrap`, src/host/tolerance.ts); other errors propagate.
 */
import { statSync } from 'node:fs';
import { readWhole } from '../../host/read.js';
import type { HostPaths } from '../../host/paths.js';
import { Tolerance, wrap } from '../../host/tolerance.js';
import { NotFoundError, ParseError } from '../../errors.js';
import {
  parseBlkio, parseCpuList, parseCpuMax, parseIoMax, parseIoStat, parseKeyedInts, parseLimit, parsePressure, parseSingleIntFast,
} from '../../parse/cgroup-files.js';
import type { CgroupLayout, Hierarchy } from '../../model/cgroup.js';
import {
  toNumber, type CgroupCoreSample, type CgroupSample, type CpuSample, type CpusetSample, type Int, type IoDevice, type IoSample, type MemorySample,
  type PidsSample, type ProcsSample, type PsiSample,
} from '../../model/cgroup-sample.js';
import { cgroupDir } from './layout.js';

/**
 * A source of cgroup file texts. Implementations decide how files are read and which failures are tolerated
 * (through `wrap`); the mapping only asks.
 */
export interface CgroupFileSource {
  /**
   * Identity of the directory of `path` in `h` (its inode, or a generation that changes when the cgroup was
   * removed and recreated); undefined when `h` does not hold `path`. Asked before any file of `h` is read.
   */
  identity(h: Hierarchy, path: string): number | undefined;
  /** Text of file `name` of cgroup `path` in `h`; undefined when absent (or tolerated). */
  text(h: Hierarchy, path: string, name: string): string | undefined;
  /**
   * Identity after the reads, when it may have changed during them (the fd source notices a removed and
   * recreated cgroup when a cached fd goes stale). Default: the identity first asked.
   */
  generation?(h: Hierarchy, path: string): number | undefined;
  /** The file's path as errors should name it (default `PATH/NAME` within the hierarchy). */
  fileName?(h: Hierarchy, path: string, name: string): string;
  /**
   * Optional memo (the fd source, src/sampler/fd-source.ts): called before the mapping reads cgroup `path` with
   * `plan`. When every answer the source gave the mapping's last run for this path (identities, file texts, in
   * order) is the same now, returns that run's result — the mapping is a pure function of those answers, so it
   * would build an equal sample. Otherwise undefined: the mapping runs, and `remember` is called with its result.
   */
  recall?(path: string, plan: SamplePlan): { readonly sample: CgroupSample | undefined } | undefined;
  /** The mapping's result after a `recall` that returned undefined (`ok` false: the mapping threw). */
  remember?(path: string, sample: CgroupSample | undefined, ok: boolean): void;
}

export { DERIVED_MEMORY_STAT_KEYS, planCgroupSample, type PlanOptions, type SamplePlan } from './plan.js';
import type { PlanOptions, SamplePlan } from './plan.js';
import { planCgroupSample } from './plan.js';

/**
 * The defined members of `o` only, so that JSON and deepEqual see only what exists; undefined when nothing
 * does. (A copy rather than `delete`, which would turn every sample object into a slow dictionary.)
 */
function compact<T extends object>(o: T): T | undefined {
  let out: Record<string, unknown> | undefined;
  for (const k in o) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) (out ??= {})[k] = v;
  }
  return out as T | undefined;
}

const div = (v: number | undefined, d: number) => (v === undefined ? undefined : v / d);
const mul = (v: number | undefined, m: number) => (v === undefined ? undefined : v * m);
/** USER_HZ is 100 on every Linux architecture nsx runs on. */
const USEC_PER_TICK = 10_000;
const num = toNumber;

/** ns → µs, exact while the ns value is a safe integer, and without bigint arithmetic leaking out. */
function nsToUsec(v: Int | undefined): number | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'bigint' ? Number(v / 1000n) + Number(v % 1000n) / 1000 : v / 1000;
}

function workingSet(current: number | undefined, inactive: number | undefined): number | undefined {
  if (current === undefined) return undefined;
  return Math.max(0, current - (inactive ?? 0));
}

function countLines(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  let n = 0;
  let start = 0;
  for (;;) {
    const e = t.indexOf('\n', start);
    const end = e < 0 ? t.length : e;
    if (end > start) n++;
    if (e < 0) return n;
    start = e + 1;
  }
}

/** Reads the files of one cgroup for the mapping: the plan decides which may be read, the source reads them. */
class Files {
  errors: string[] | undefined;
  readonly inodes: Record<string, number> = {};
  inode?: number;
  /** hierarchies asked, and the cgroup's path in each (null: not there) */
  private readonly asked: Hierarchy[] = [];
  private readonly at: (string | null)[] = [];

  constructor(
    private readonly src: CgroupFileSource,
    private readonly plan: SamplePlan,
    private readonly pathIn: ((h: Hierarchy) => string | undefined) | string,
  ) {}

  /** Identities as they are after the reads (see CgroupFileSource.generation). */
  regenerate(src: CgroupFileSource): void {
    this.inode = undefined;
    for (let i = 0; i < this.asked.length; i++) {
      const h = this.asked[i];
      const p = this.at[i];
      if (p === null) continue;
      const id = src.generation!(h, p);
      if (id === undefined) continue;
      this.inodes[h.key] = id;
      this.inode ??= id;
    }
  }

  /** The path of this cgroup in `h` when `h` holds it (asked once per hierarchy). */
  where(h: Hierarchy | undefined): string | undefined {
    if (!h) return undefined;
    const i = this.asked.indexOf(h);
    if (i >= 0) return this.at[i] ?? undefined;
    let p: string | null = null;
    const path = typeof this.pathIn === 'string' ? this.pathIn : this.pathIn(h);
    if (path !== undefined) {
      const id = this.src.identity(h, path);
      if (id !== undefined) {
        this.inodes[h.key] = id;
        this.inode ??= id;
        p = path;
      }
    }
    this.asked.push(h);
    this.at.push(p);
    return p ?? undefined;
  }

  text(h: Hierarchy | undefined, name: string): string | undefined {
    const path = this.where(h);
    if (path === undefined || !this.plan.files.get(h!)!.includes(name)) return undefined;
    return this.src.text(h!, path, name);
  }

  get<T>(h: Hierarchy | undefined, name: string, parse: (text: string, source: string) => T): T | undefined {
    const t = this.text(h, name);
    if (t === undefined) return undefined;
    try {
      return parse(t, name);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      // the source (a path) is named only when it failed: building it for every read costs
      const again = (() => {
        try {
          const p = this.where(h)!;
          parse(t, this.src.fileName ? this.src.fileName(h!, p, name) : `${p}/${name}`);
        } catch (x) {
          return x as Error;
        }
        return e;
      })();
      (this.errors ??= []).push(again.message);
      return undefined;
    }
  }
}

const keyed = (t: string, s: string) => parseKeyedInts(t, s);

function sampleCpu(f: Files, p: SamplePlan): CpuSample | undefined {
  const cpu = p.cpu;
  // the quota is read first: a sampler may skip files that cannot change without one (src/sampler/fd-source.ts)
  if (cpu?.version === 2) {
    const max = f.get(cpu, 'cpu.max', parseCpuMax);
    const st = f.get(cpu, 'cpu.stat', keyed) ?? {};
    return compact<CpuSample>({
      usage_usec: num(st.usage_usec),
      user_usec: num(st.user_usec),
      system_usec: num(st.system_usec),
      nr_periods: num(st.nr_periods),
      nr_throttled: num(st.nr_throttled),
      throttled_usec: num(st.throttled_usec),
      nr_bursts: num(st.nr_bursts),
      burst_usec: num(st.burst_usec),
      local_throttled_usec: num(f.get(cpu, 'cpu.stat.local', keyed)?.throttled_usec),
      max_usec: max?.max_usec,
      period_usec: max?.period_usec,
      max_burst_usec: f.get(cpu, 'cpu.max.burst', parseSingleIntFast),
      weight: f.get(cpu, 'cpu.weight', parseSingleIntFast),
      idle: f.get(cpu, 'cpu.idle', parseSingleIntFast),
    });
  }
  const acct = p.cpuacct?.version === 1 ? p.cpuacct : undefined;
  const quota = f.get(cpu, 'cpu.cfs_quota_us', parseLimit);
  const st = f.get(cpu, 'cpu.stat', keyed) ?? {};
  const ast = f.get(acct, 'cpuacct.stat', keyed) ?? {};
  return compact<CpuSample>({
    usage_usec: nsToUsec(f.get(acct, 'cpuacct.usage', (t, s) => parseKeyedUsage(t, s))),
    user_usec: mul(num(ast.user), USEC_PER_TICK),
    system_usec: mul(num(ast.system), USEC_PER_TICK),
    nr_periods: num(st.nr_periods),
    nr_throttled: num(st.nr_throttled),
    throttled_usec: nsToUsec(st.throttled_time),
    nr_bursts: num(st.nr_bursts),
    burst_usec: nsToUsec(st.burst_time),
    local_throttled_usec: nsToUsec(f.get(cpu, 'cpu.stat.local', keyed)?.throttled_time),
    max_usec: quota,
    period_usec: f.get(cpu, 'cpu.cfs_period_us', parseSingleIntFast),
    max_burst_usec: f.get(cpu, 'cpu.cfs_burst_us', parseSingleIntFast),
    shares: f.get(cpu, 'cpu.shares', parseSingleIntFast),
  });
}

/** cpuacct.usage (ns) exactly: it passes 2^53 after ~104 CPU-days. */
function parseKeyedUsage(t: string, s: string): Int {
  const tr = t.trim();
  if (tr.length > 15 && /^\d+$/.test(tr)) return BigInt(tr);
  return parseSingleIntFast(t, s);
}

function sampleMemory(f: Files, p: SamplePlan): MemorySample | undefined {
  const m = p.memory;
  if (!m || f.where(m) === undefined) return undefined;
  const want = p.memoryStatKeys;
  const stat = f.get(m, 'memory.stat', (t, s) => parseKeyedInts(t, s, want));
  if (m.version === 2) {
    const current_bytes = f.get(m, 'memory.current', parseSingleIntFast);
    const swap_current_bytes = f.get(m, 'memory.swap.current', parseSingleIntFast);
    return compact<MemorySample>({
      current_bytes,
      peak_bytes: f.get(m, 'memory.peak', parseSingleIntFast),
      max_bytes: f.get(m, 'memory.max', parseLimit),
      high_bytes: f.get(m, 'memory.high', parseLimit),
      low_bytes: f.get(m, 'memory.low', parseLimit),
      min_bytes: f.get(m, 'memory.min', parseLimit),
      swap_current_bytes,
      swap_max_bytes: f.get(m, 'memory.swap.max', parseLimit),
      swap_high_bytes: f.get(m, 'memory.swap.high', parseLimit),
      stat,
      events: f.get(m, 'memory.events', keyed),
      events_local: f.get(m, 'memory.events.local', keyed),
      working_set_bytes: workingSet(current_bytes, num(stat?.inactive_file)),
      rss_bytes: num(stat?.anon),
      cache_bytes: num(stat?.file),
      swap_bytes: swap_current_bytes,
    });
  }
  const current_bytes = f.get(m, 'memory.usage_in_bytes', parseSingleIntFast);
  const memsw = f.get(m, 'memory.memsw.usage_in_bytes', parseSingleIntFast);
  return compact<MemorySample>({
    current_bytes,
    peak_bytes: f.get(m, 'memory.max_usage_in_bytes', parseSingleIntFast),
    max_bytes: f.get(m, 'memory.limit_in_bytes', parseLimit),
    soft_limit_bytes: f.get(m, 'memory.soft_limit_in_bytes', parseLimit),
    memsw_current_bytes: memsw,
    memsw_max_bytes: f.get(m, 'memory.memsw.limit_in_bytes', parseLimit),
    failcnt: f.get(m, 'memory.failcnt', parseSingleIntFast),
    memsw_failcnt: f.get(m, 'memory.memsw.failcnt', parseSingleIntFast),
    stat,
    oom_control: f.get(m, 'memory.oom_control', keyed),
    working_set_bytes: workingSet(current_bytes, num(stat?.total_inactive_file)),
    rss_bytes: num(stat?.total_rss),
    cache_bytes: num(stat?.total_cache),
    swap_bytes: memsw !== undefined && current_bytes !== undefined ? Math.max(0, memsw - current_bytes) : num(stat?.total_swap),
  });
}

type DevAcc = { major: number; minor: number; rbytes?: number; wbytes?: number; rios?: number; wios?: number; dbytes?: number; dios?: number };

function sum(devs: readonly IoDevice[], k: 'rbytes' | 'wbytes' | 'rios' | 'wios'): number {
  let s = 0;
  for (const d of devs) s += d[k] ?? 0;
  return s;
}

function sampleIo(f: Files, p: SamplePlan): IoSample | undefined {
  const io = p.io;
  if (!io || f.where(io) === undefined) return undefined;
  if (io.version === 2) {
    const st = f.get(io, 'io.stat', parseIoStat);
    const max = f.get(io, 'io.max', parseIoMax);
    if (st === undefined && max === undefined) return undefined;
    const devices = (st ?? []).map(({ major, minor, fields: x }) =>
      compact<IoDevice>({ major, minor, rbytes: x.rbytes, wbytes: x.wbytes, rios: x.rios, wios: x.wios, dbytes: x.dbytes, dios: x.dios })!,
    );
    // sums exist exactly when io.stat was read (0 when it lists no device)
    return compact<IoSample>({
      devices: st ? devices : undefined,
      rbytes: st ? sum(devices, 'rbytes') : undefined,
      wbytes: st ? sum(devices, 'wbytes') : undefined,
      rios: st ? sum(devices, 'rios') : undefined,
      wios: st ? sum(devices, 'wios') : undefined,
      max,
    });
  }
  const bytes = f.get(io, 'blkio.throttle.io_service_bytes_recursive', parseBlkio) ?? f.get(io, 'blkio.throttle.io_service_bytes', parseBlkio);
  const ios = f.get(io, 'blkio.throttle.io_serviced_recursive', parseBlkio) ?? f.get(io, 'blkio.throttle.io_serviced', parseBlkio);
  if (!bytes && !ios) return undefined;
  const byDev = new Map<string, DevAcc>();
  const dev = (major: number, minor: number) => {
    const k = `${major}:${minor}`;
    let d = byDev.get(k);
    if (!d) byDev.set(k, (d = { major, minor }));
    return d;
  };
  for (const d of bytes?.devices ?? []) Object.assign(dev(d.major, d.minor), { rbytes: d.ops.Read, wbytes: d.ops.Write, dbytes: d.ops.Discard });
  for (const d of ios?.devices ?? []) Object.assign(dev(d.major, d.minor), { rios: d.ops.Read, wios: d.ops.Write, dios: d.ops.Discard });
  const devices = [...byDev.values()].map((d) => compact<IoDevice>(d)!);
  // a file that says only `Total 0` is a real 0, not "no data"
  return compact<IoSample>({
    devices,
    rbytes: bytes ? sum(devices, 'rbytes') : undefined,
    wbytes: bytes ? sum(devices, 'wbytes') : undefined,
    rios: ios ? sum(devices, 'rios') : undefined,
    wios: ios ? sum(devices, 'wios') : undefined,
  });
}

function samplePids(f: Files, p: SamplePlan): PidsSample | undefined {
  const h = p.pids;
  if (!h || f.where(h) === undefined) return undefined;
  const events = f.get(h, 'pids.events', keyed);
  return compact<PidsSample>({
    current: f.get(h, 'pids.current', parseSingleIntFast),
    max: f.get(h, 'pids.max', parseLimit),
    peak: f.get(h, 'pids.peak', parseSingleIntFast),
    events_max: num(events?.max),
    events,
  });
}

function samplePsi(f: Files, p: SamplePlan): PsiSample | undefined {
  const v2 = p.v2;
  if (!v2 || f.where(v2) === undefined) return undefined;
  return compact<PsiSample>({
    cpu: f.get(v2, 'cpu.pressure', parsePressure),
    memory: f.get(v2, 'memory.pressure', parsePressure),
    io: f.get(v2, 'io.pressure', parsePressure),
    irq: f.get(v2, 'irq.pressure', parsePressure),
  });
}

function sampleCpuset(f: Files, p: SamplePlan): CpusetSample | undefined {
  const c = p.cpuset;
  if (!c || f.where(c) === undefined) return undefined;
  const v2 = c.version === 2;
  return compact<CpusetSample>({
    cpus: f.get(c, 'cpuset.cpus', parseCpuList),
    cpus_effective: f.get(c, v2 ? 'cpuset.cpus.effective' : 'cpuset.effective_cpus', parseCpuList),
    mems: f.get(c, 'cpuset.mems', parseCpuList),
    mems_effective: f.get(c, v2 ? 'cpuset.mems.effective' : 'cpuset.effective_mems', parseCpuList),
  });
}

function sampleCgroupCore(f: Files, p: SamplePlan): CgroupCoreSample | undefined {
  const v2 = p.v2;
  if (!v2 || f.where(v2) === undefined) return undefined;
  const stat = f.get(v2, 'cgroup.stat', keyed);
  const events = f.get(v2, 'cgroup.events', keyed);
  return compact<CgroupCoreSample>({
    nr_descendants: num(stat?.nr_descendants),
    nr_dying_descendants: num(stat?.nr_dying_descendants),
    stat,
    populated: num(events?.populated),
    frozen: num(events?.frozen),
  });
}

function sampleProcs(f: Files, p: SamplePlan): ProcsSample | undefined {
  const h = p.procs;
  if (!h || f.where(h) === undefined) return undefined;
  return compact<ProcsSample>({
    nr_procs: countLines(f.text(h, 'cgroup.procs')),
    nr_threads: countLines(f.text(h, h.version === 2 ? 'cgroup.threads' : 'tasks')),
  });
}

export interface SampleOptions {
  /**
   * The cgroup's path in each hierarchy when they differ (a process's cgroups on v1: `/proc/PID/cgroup`);
   * undefined for a hierarchy = it does not hold the cgroup. Default: `path` everywhere.
   */
  readonly pathIn?: (h: Hierarchy) => string | undefined;
}

/**
 * THE mapping: one cgroup's files, through `src`, to a `CgroupSample`. Reads only the files of `plan`, only
 * in the hierarchies that hold the cgroup. Returns undefined when no hierarchy of the plan holds it.
 */
export function sampleCgroup(src: CgroupFileSource, plan: SamplePlan, path: string, opts: SampleOptions = {}): CgroupSample | undefined {
  if (opts.pathIn || !src.recall) return mapCgroup(src, plan, path, opts);
  const memo = src.recall(path, plan);
  if (memo) return memo.sample;
  let s: CgroupSample | undefined;
  let ok = false;
  try {
    s = mapCgroup(src, plan, path, opts);
    ok = true;
  } finally {
    src.remember?.(path, s, ok);
  }
  return s;
}

function mapCgroup(src: CgroupFileSource, plan: SamplePlan, path: string, opts: SampleOptions): CgroupSample | undefined {
  const f = new Files(src, plan, opts.pathIn ?? path);
  const g = plan.groups;
  const out: { -readonly [K in keyof CgroupSample]: CgroupSample[K] } = { path, inodes: f.inodes };
  if (g.has('cpu')) out.cpu = sampleCpu(f, plan);
  if (g.has('memory')) out.memory = sampleMemory(f, plan);
  if (g.has('io')) out.io = sampleIo(f, plan);
  if (g.has('pids')) out.pids = samplePids(f, plan);
  if (g.has('psi')) out.psi = samplePsi(f, plan);
  if (g.has('cpuset')) out.cpuset = sampleCpuset(f, plan);
  if (g.has('procs')) out.procs = sampleProcs(f, plan);
  if (g.has('cgroup')) out.cgroup = sampleCgroupCore(f, plan);
  // groups whose hierarchies were all absent tell nothing: is the cgroup anywhere in the plan?
  for (const h of plan.hierarchies) f.where(h);
  if (src.generation && f.inode !== undefined) f.regenerate(src);
  if (f.inode === undefined) return undefined;
  out.inode = f.inode;
  if (f.errors) out.errors = f.errors;
  return compact(out)!;
}

/**
 * Plain reads (open/read/close per file; stat per directory), for one-shot commands and --root hosts. Vanished
 * and denied files are absent and recorded in `tol` (`wrap`); other failures (EIO, …) propagate.
 */
export function plainSource(paths: HostPaths, tol: Tolerance = new Tolerance()): CgroupFileSource {
  const dirs = new Map<string, string | null>();
  const dirOf = (h: Hierarchy, path: string): string | undefined => {
    const k = `${h.key}\0${path}`;
    let d = dirs.get(k);
    if (d === undefined) {
      d = null;
      // a path outside this cgroup namespace (`/..`) is in no hierarchy here
      if (!path.split('/').some((c) => c === '..' || c === '.')) d = cgroupDir(paths, h, path);
      dirs.set(k, d);
    }
    return d ?? undefined;
  };
  return {
    identity(h, path) {
      const dir = dirOf(h, path);
      if (dir === undefined) return undefined;
      const st = wrap(tol, dir, () => statSync(dir));
      return st?.isDirectory() ? st.ino : undefined;
    },
    text(h, path, name) {
      const dir = dirOf(h, path);
      if (dir === undefined) return undefined;
      const file = dir + '/' + name;
      return wrap(tol, file, () => readWhole(file));
    },
    fileName(h, path, name) {
      return `${dirOf(h, path) ?? path}/${name}`;
    },
  };
}

export interface ReadSampleOptions extends PlanOptions, SampleOptions {
  /** absorb vanished/denied files here (default: a private one) */
  readonly tolerance?: Tolerance;
}

/**
 * One-shot: the sample of `cgroupPath` (absolute within the hierarchies, e.g. `/docker/abc`) by plain reads.
 * Throws NotFoundError when no hierarchy of the plan has that cgroup (nor any other hierarchy of the layout).
 */
export function readCgroupSample(paths: HostPaths, layout: CgroupLayout, cgroupPath: string, opts: ReadSampleOptions = {}): CgroupSample {
  const src = plainSource(paths, opts.tolerance);
  const plan = planCgroupSample(layout, opts);
  const s = sampleCgroup(src, plan, cgroupPath, opts);
  if (s) return s;
  // nothing requested found it: does any hierarchy have it at all?
  const inodes: Record<string, number> = {};
  for (const h of layout.hierarchies) {
    const p = opts.pathIn ? opts.pathIn(h) : cgroupPath;
    const id = p === undefined ? undefined : src.identity(h, p);
    if (id !== undefined) inodes[h.key] = id;
  }
  const first = Object.values(inodes)[0];
  if (first === undefined) throw new NotFoundError(`${cgroupPath}: no such cgroup`, cgroupPath);
  return { path: cgroupPath, inode: first, inodes };
}
