/**
 * The sampling path of `nsx top`: the same files and the same parsers as the cgroup model's
 * `readCgroupStats` (src/readers/cgroupfs/stats.ts; test/sampler/fast-read.test.ts checks that both agree),
 * but built for reading the same ~12 files of thousands of cgroups every second:
 *
 * - files stay open between samples and are re-read with one `pread(fd, buf, 0)` into a shared buffer
 *   (cgroupfs regenerates the content at offset 0): one syscall per file instead of open/fstat/read/close;
 * - a cached fd whose cgroup was removed fails with ENODEV: the file is reopened and the cgroup's generation
 *   bumps — that generation is the reset token (`TopCounters.inode`), so a cgroup removed and recreated
 *   between samples gets no rates;
 * - files found absent are remembered until the next `setPaths()` (when the tree is re-listed), so missing
 *   files (PSI outside cgroup2, v1 roots without pids files) cost nothing per sample;
 * - only the files the requested stat groups need; of `memory.stat` only the inactive_file key is taken
 *   (`pickFlatKeyed`, checked against `parseFlatKeyed`); v1 `cpu.stat` of a cgroup without quota, which
 *   cannot change, is reused (see `v1CpuStat`).
 *
 * Files read, as in stats.ts:
 *   cpu     v2 cpu.stat cpu.max;  v1 cpu.stat cpu.cfs_quota_us cpu.cfs_period_us, cpuacct.usage cpuacct.stat;
 *           both cpu.stat.local (kernel ≥ 6.8: throttled time whoever's limit it was)
 *   memory  v2 memory.current memory.max memory.high memory.stat;  v1 memory.usage_in_bytes memory.limit_in_bytes memory.stat
 *   io      v2 io.stat;  v1 blkio.throttle.io_service_bytes_recursive / io_serviced_recursive (else the non-recursive ones)
 *   pids    pids.current pids.max
 *   psi     cgroup2 only: cpu.pressure memory.pressure io.pressure
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { HostPaths } from '../host/paths.js';
import { isAbsent } from '../host/read.js';
import { fromFsError, ParseError } from '../errors.js';
import { parseBlkio, parseCpuMax, parseFlatKeyed, parseIoStat, parseLimit, parsePressure, parseSingleInt } from '../parse/cgroup-files.js';
import { hierarchyForController, type CgroupLayout, type Hierarchy, type Pressure, type StatGroup } from '../model/cgroup.js';
import { cgroupDir } from '../readers/cgroupfs/layout.js';
import type { PsiCounters, TopCounters } from '../model/rates.js';

const ENODEV_LIKE = new Set(['ENODEV', 'EBADF', 'ESTALE']);
/** fd slot states besides an open fd (≥ 0) */
const NOT_OPEN = -1;
const ABSENT = -2;

/** One cgroup's sampled files: full paths (in plan order) and their fds. */
interface CgroupFiles {
  readonly path: string;
  readonly files: readonly (string | undefined)[];
  /** its directory in each sampled hierarchy */
  readonly dirs: readonly string[];
  readonly fds: Int32Array;
  /** bumped when a cached fd went stale (the cgroup was removed; recreated if it opens again) */
  gen: number;
  /** v1 `cpu.stat` of a cgroup without quota (see TopReader.read) */
  cpuStat?: { readonly gen: number; readonly value: Record<string, number> | undefined };
}

/** One file of the plan: which hierarchy, which name. */
interface FileSpec {
  readonly h: Hierarchy | undefined;
  readonly name: string;
}

/** The files each stat group needs, per cgroup version (see the header comment). */
function planFiles(hs: TopHierarchies, groups: ReadonlySet<StatGroup>): FileSpec[] {
  const out: FileSpec[] = [];
  const add = (h: Hierarchy | undefined, ...names: string[]) => {
    if (h) for (const name of names) out.push({ h, name });
  };
  if (groups.has('cpu')) {
    if (hs.cpu?.version === 2) add(hs.cpu, 'cpu.stat', 'cpu.max', 'cpu.stat.local');
    else {
      add(hs.cpu, 'cpu.stat', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.stat.local');
      add(hs.cpuacct, 'cpuacct.usage', 'cpuacct.stat');
    }
  }
  if (groups.has('memory')) {
    if (hs.memory?.version === 2) add(hs.memory, 'memory.current', 'memory.max', 'memory.high', 'memory.stat');
    else add(hs.memory, 'memory.usage_in_bytes', 'memory.limit_in_bytes', 'memory.stat');
  }
  if (groups.has('io')) {
    if (hs.io?.version === 2) add(hs.io, 'io.stat');
    else add(hs.io, 'blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_serviced_recursive', 'blkio.throttle.io_service_bytes', 'blkio.throttle.io_serviced');
  }
  if (groups.has('pids')) add(hs.pids, 'pids.current', 'pids.max');
  if (groups.has('psi')) add(hs.v2, 'cpu.pressure', 'memory.pressure', 'io.pressure');
  return out;
}

/**
 * Reads the sampled files of a set of cgroups, keeping them open between samples. `setPaths()` (after each
 * tree listing) says which cgroups exist; `read(path)` returns one cgroup's counters.
 */
export class TopReader {
  private readonly plan: readonly FileSpec[];
  private readonly index = new Map<string, number>();
  private readonly hs: TopHierarchies;
  private entries = new Map<string, CgroupFiles>();
  private buf = Buffer.allocUnsafe(1 << 16);
  private openCount = 0;
  private staleSeen = false;

  constructor(
    private readonly paths: HostPaths,
    layout: CgroupLayout,
    private readonly groups: ReadonlySet<StatGroup>,
    private maxOpen = 16_384,
  ) {
    this.hs = resolveTopHierarchies(layout);
    this.plan = planFiles(this.hs, groups);
    // file names are unique within a plan (each comes from one hierarchy)
    this.plan.forEach((f, i) => this.index.set(f.name, i));
  }

  /**
   * The cgroups to read from now on. Known cgroups keep their open files (their "absent" marks are forgotten:
   * files may have appeared); cgroups no longer listed have their files closed.
   */
  setPaths(list: readonly string[]): void {
    const next = new Map<string, CgroupFiles>();
    for (const path of list) {
      let e = this.entries.get(path);
      if (e) {
        for (let i = 0; i < e.fds.length; i++) if (e.fds[i] === ABSENT) e.fds[i] = NOT_OPEN;
        e.cpuStat = undefined; // re-read at least once per listing (a quota set and removed within one interval)
      } else {
        const dirs = new Map<Hierarchy, string>();
        const files = this.plan.map(({ h, name }) => {
          if (!h) return undefined;
          let d = dirs.get(h);
          if (d === undefined) {
            try {
              d = cgroupDir(this.paths, h, path);
            } catch {
              d = ''; // not a path this hierarchy can have (`..`): its files are absent
            }
            dirs.set(h, d);
          }
          return d === '' ? undefined : d + '/' + name;
        });
        e = { path, files, dirs: [...dirs.values()].filter((d) => d !== ''), fds: new Int32Array(this.plan.length).fill(NOT_OPEN), gen: 0 };
      }
      next.set(path, e);
    }
    for (const [path, e] of this.entries) if (!next.has(path)) this.closeEntry(e);
    this.entries = next;
  }

  /** Whether a stale fd (a removed cgroup) was seen since the last call. */
  takeStale(): boolean {
    const s = this.staleSeen;
    this.staleSeen = false;
    return s;
  }

  /** Number of files kept open. */
  get size(): number {
    return this.openCount;
  }

  close(): void {
    for (const e of this.entries.values()) this.closeEntry(e);
    this.entries.clear();
  }

  private closeEntry(e: CgroupFiles): void {
    for (let i = 0; i < e.fds.length; i++) {
      if (e.fds[i] >= 0) {
        try {
          closeSync(e.fds[i]);
        } catch {
          // already closed
        }
        this.openCount--;
      }
      e.fds[i] = NOT_OPEN;
    }
  }

  /**
   * open(2), living within the process's fd limit: on EMFILE/ENFILE keep fewer files open (close some cached
   * ones, lower the cap) and try again; files beyond the cap are then read with open/read/close each time
   * (for those, a recreated cgroup is only noticed when its counters went backwards).
   */
  private openFile(file: string): number {
    try {
      return openSync(file, 'r');
    } catch (err) {
      const code = (err as { code?: string }).code;
      if ((code !== 'EMFILE' && code !== 'ENFILE') || this.openCount === 0) throw err;
      this.maxOpen = Math.max(0, Math.floor(this.openCount / 2));
      this.shed(this.openCount - this.maxOpen);
      return openSync(file, 'r');
    }
  }

  /** Close up to `n` cached fds (they are reopened on demand, or read without caching past the cap). */
  private shed(n: number): void {
    for (const e of this.entries.values()) {
      for (let i = 0; i < e.fds.length && n > 0; i++) {
        if (e.fds[i] < 0) continue;
        try {
          closeSync(e.fds[i]);
        } catch {
          // already closed
        }
        e.fds[i] = NOT_OPEN;
        this.openCount--;
        n--;
      }
      if (n <= 0) return;
    }
  }

  private readFd(fd: number): string {
    for (;;) {
      const n = readSync(fd, this.buf, 0, this.buf.length, 0);
      if (n < this.buf.length) return this.buf.toString('latin1', 0, n);
      this.buf = Buffer.allocUnsafe(this.buf.length * 2);
    }
  }

  /** Text of plan file `i` of `e`, or undefined when absent. Other errors throw NsxError. */
  private text(e: CgroupFiles, i: number): string | undefined {
    const file = e.files[i];
    let fd = e.fds[i];
    if (file === undefined || fd === ABSENT) return undefined;
    if (fd >= 0) {
      try {
        return this.readFd(fd);
      } catch (err) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
        this.openCount--;
        e.fds[i] = NOT_OPEN;
        const code = (err as { code?: string }).code;
        if (!code || !ENODEV_LIKE.has(code)) throw fromFsError(err, file);
        e.gen++;
        this.staleSeen = true;
      }
    }
    try {
      fd = this.openFile(file);
    } catch (err) {
      if (isAbsent(err)) {
        e.fds[i] = ABSENT;
        return undefined;
      }
      throw fromFsError(err, file);
    }
    try {
      const t = this.readFd(fd);
      if (this.openCount < this.maxOpen) {
        e.fds[i] = fd;
        this.openCount++;
      } else closeSync(fd);
      return t;
    } catch (err) {
      closeSync(fd);
      if (isAbsent(err)) return undefined;
      throw fromFsError(err, file);
    }
  }

  /**
   * The counters of one listed cgroup; undefined when none of its files could be read (it vanished) or it
   * was not listed by `setPaths`.
   */
  read(path: string): TopCounters | undefined {
    const e = this.entries.get(path);
    if (!e) return undefined;
    let found = false;
    const memo: unknown[] = [];
    const get = <T>(h: Hierarchy | undefined, name: string, parse: (t: string, s?: string) => T): T | undefined => {
      const i = h ? this.index.get(name) : undefined;
      if (i === undefined || this.plan[i].h !== h) return undefined;
      if (i in memo) return memo[i] as T | undefined;
      let v: T | undefined;
      if (name === 'cpu.stat' && h!.version === 1) v = this.v1CpuStat(e, get) as T | undefined;
      else {
        const t = this.text(e, i);
        if (t !== undefined) found = true;
        v = t === undefined ? undefined : parsed(t, e.files[i]!, parse);
      }
      memo[i] = v;
      return v;
    };
    const c = sampleCounters(this.hs, this.groups, get);
    // no sampled file: vanished — or a directory without them (fake hosts; rare on a real kernel)
    if (!found && !e.dirs.some((d) => existsSync(d))) return undefined;
    return { path, inode: `g${e.gen}`, ...c };
  }

  /**
   * v1 `cpu.stat` (nr_periods, nr_throttled, throttled_time) of a cgroup whose `cpu.cfs_quota_us` is -1 cannot
   * change: the bandwidth period timer stops without a quota (kernel do_sched_cfs_period_timer returns before
   * counting when quota is RUNTIME_INF) and nothing throttles. So while the quota stays unlimited, the values
   * read at the first such sample are reused (the file is read again as soon as a quota is set, and after the
   * cgroup was recreated, and at every re-listing of the tree — which bounds the staleness should a quota be set
   * and removed again within one interval). This saves one read per cgroup per sample on the common
   * unlimited cgroups.
   */
  private v1CpuStat(e: CgroupFiles, get: Getter): Record<string, number> | undefined {
    const quota = get(this.hs.cpu, 'cpu.cfs_quota_us', parseLimit);
    if (quota === 'max' && e.cpuStat && e.cpuStat.gen === e.gen) return e.cpuStat.value;
    const i = this.index.get('cpu.stat')!;
    const t = this.text(e, i);
    const value = t === undefined ? undefined : parsed(t, e.files[i]!, parseFlatKeyed);
    e.cpuStat = quota === 'max' ? { gen: e.gen, value } : undefined;
    return value;
  }
}

/** The hierarchies that carry each sampled controller (resolved once per layout). */
export interface TopHierarchies {
  readonly cpu?: Hierarchy;
  readonly cpuacct?: Hierarchy;
  readonly memory?: Hierarchy;
  readonly io?: Hierarchy;
  readonly pids?: Hierarchy;
  readonly v2?: Hierarchy;
}

export function resolveTopHierarchies(layout: CgroupLayout): TopHierarchies {
  const hasV1Blkio = layout.hierarchies.some((h) => h.version === 1 && h.controllers.includes('blkio'));
  return {
    cpu: hierarchyForController(layout, 'cpu'),
    cpuacct: hierarchyForController(layout, 'cpuacct'),
    memory: hierarchyForController(layout, 'memory'),
    io: hierarchyForController(layout, hasV1Blkio ? 'blkio' : 'io'),
    pids: hierarchyForController(layout, 'pids'),
    v2: layout.hierarchies.find((h) => h.version === 2),
  };
}

function parsed<T>(text: string | undefined, file: string, parse: (t: string, s?: string) => T): T | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text, file);
  } catch (e) {
    if (e instanceof ParseError) return undefined; // a broken file is absent for the sampler; `nsx cg show` reports it
    throw e;
  }
}

const div = (v: number | undefined, d: number) => (v === undefined ? undefined : v / d);
/** USER_HZ is 100 on every Linux architecture nsx runs on. */
const USEC_PER_TICK = 10_000;

function psi(p: Pressure | undefined): PsiCounters | undefined {
  if (!p) return undefined;
  return { some_avg10: p.some?.avg10, full_avg10: p.full?.avg10, some_total_usec: p.some?.total_usec, full_total_usec: p.full?.total_usec };
}

function sumOps(devs: { ops: Record<string, number> }[] | undefined, op: string): number | undefined {
  let s: number | undefined;
  for (const d of devs ?? []) if (d.ops[op] !== undefined) s = (s ?? 0) + d.ops[op];
  return s;
}

function sumFields(devs: { fields: Record<string, number> }[] | undefined, k: string): number | undefined {
  let s: number | undefined;
  for (const d of devs ?? []) if (d.fields[k] !== undefined) s = (s ?? 0) + d.fields[k];
  return s;
}

/**
 * The values of a few `keys` of a flat-keyed file (`memory.stat` has 40–60 lines; the sampler needs one), with
 * the semantics of `parseFlatKeyed` (the cgroup parser; test/sampler/fast-read.test.ts checks they agree):
 * a key found cleanly at the start of a line with an integer value is taken directly; anything unusual about
 * a wanted key (indented, repeated, a non-integer value) defers to the full `parseFlatKeyed`.
 */
export function pickFlatKeyed(text: string, keys: readonly string[], source = '<string>'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) {
    if (!text.includes(k)) continue;
    const at = text.startsWith(k + ' ') ? 0 : text.indexOf('\n' + k + ' ') + 1;
    if (at <= 0 && !text.startsWith(k + ' ')) return pickFrom(parseFlatKeyed(text, source), keys);
    const start = at + k.length + 1;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const v = text.slice(start, end);
    if (!/^\d{1,15}$/.test(v) || text.indexOf('\n' + k + ' ', start) >= 0 || text.indexOf(k, end) >= 0) return pickFrom(parseFlatKeyed(text, source), keys);
    out[k] = Number(v);
  }
  return out;
}

function pickFrom(all: Record<string, number>, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(all, k)) out[k] = all[k];
  return out;
}

const V1_INACTIVE = ['total_inactive_file'];
const V2_INACTIVE = ['inactive_file'];

type Getter = <T>(h: Hierarchy | undefined, name: string, parse: (t: string, s?: string) => T) => T | undefined;

/** Set `k` only when the value exists (absent keys stay absent, never undefined-valued). */
function put<K extends keyof TopCounters>(o: { -readonly [P in keyof TopCounters]?: TopCounters[P] }, k: K, v: TopCounters[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

/** Map the sampled files of one cgroup (through `get`) onto TopCounters, units normalised as in stats.ts. */
function sampleCounters(hs: TopHierarchies, groups: ReadonlySet<StatGroup>, get: Getter): Omit<TopCounters, 'path'> {
  const out: { -readonly [K in keyof TopCounters]?: TopCounters[K] } = {};
  if (groups.has('cpu')) {
    const cpu = hs.cpu;
    if (cpu?.version === 2) {
      const st = get(cpu, 'cpu.stat', parseFlatKeyed) ?? {};
      const max = get(cpu, 'cpu.max', parseCpuMax);
      put(out, 'usage_usec', st.usage_usec);
      put(out, 'user_usec', st.user_usec);
      put(out, 'system_usec', st.system_usec);
      put(out, 'nr_periods', st.nr_periods);
      put(out, 'nr_throttled', st.nr_throttled);
      put(out, 'throttled_usec', st.throttled_usec);
      put(out, 'cpu_quota_usec', max?.max_usec);
      put(out, 'cpu_period_usec', max?.period_usec);
      put(out, 'local_throttled_usec', get(cpu, 'cpu.stat.local', parseFlatKeyed)?.throttled_usec);
    } else {
      const st = get(cpu, 'cpu.stat', parseFlatKeyed) ?? {};
      const ast = get(hs.cpuacct, 'cpuacct.stat', parseFlatKeyed) ?? {};
      put(out, 'usage_usec', div(get(hs.cpuacct, 'cpuacct.usage', parseSingleInt), 1000));
      put(out, 'user_usec', ast.user === undefined ? undefined : ast.user * USEC_PER_TICK);
      put(out, 'system_usec', ast.system === undefined ? undefined : ast.system * USEC_PER_TICK);
      put(out, 'nr_periods', st.nr_periods);
      put(out, 'nr_throttled', st.nr_throttled);
      put(out, 'throttled_usec', div(st.throttled_time, 1000));
      put(out, 'cpu_quota_usec', get(cpu, 'cpu.cfs_quota_us', parseLimit));
      put(out, 'cpu_period_usec', get(cpu, 'cpu.cfs_period_us', parseSingleInt));
      put(out, 'local_throttled_usec', div(get(cpu, 'cpu.stat.local', parseFlatKeyed)?.throttled_time, 1000));
    }
  }
  if (groups.has('memory') && hs.memory) {
    const v2 = hs.memory.version === 2;
    const cur = get(hs.memory, v2 ? 'memory.current' : 'memory.usage_in_bytes', parseSingleInt);
    const stat = get(hs.memory, 'memory.stat', (t, src) => pickFlatKeyed(t, v2 ? V2_INACTIVE : V1_INACTIVE, src));
    const inactive = v2 ? stat?.inactive_file : stat?.total_inactive_file;
    put(out, 'memory_bytes', cur);
    put(out, 'memory_working_set_bytes', cur === undefined ? undefined : Math.max(0, cur - (inactive ?? 0)));
    put(out, 'memory_max_bytes', get(hs.memory, v2 ? 'memory.max' : 'memory.limit_in_bytes', parseLimit));
    if (v2) put(out, 'memory_high_bytes', get(hs.memory, 'memory.high', parseLimit));
  }
  if (groups.has('io') && hs.io) {
    if (hs.io.version === 2) {
      const st = get(hs.io, 'io.stat', parseIoStat);
      put(out, 'io_read_bytes', sumFields(st, 'rbytes'));
      put(out, 'io_write_bytes', sumFields(st, 'wbytes'));
      put(out, 'io_read_ios', sumFields(st, 'rios'));
      put(out, 'io_write_ios', sumFields(st, 'wios'));
    } else {
      const bytes = get(hs.io, 'blkio.throttle.io_service_bytes_recursive', parseBlkio) ?? get(hs.io, 'blkio.throttle.io_service_bytes', parseBlkio);
      const ios = get(hs.io, 'blkio.throttle.io_serviced_recursive', parseBlkio) ?? get(hs.io, 'blkio.throttle.io_serviced', parseBlkio);
      put(out, 'io_read_bytes', sumOps(bytes?.devices, 'Read'));
      put(out, 'io_write_bytes', sumOps(bytes?.devices, 'Write'));
      put(out, 'io_read_ios', sumOps(ios?.devices, 'Read'));
      put(out, 'io_write_ios', sumOps(ios?.devices, 'Write'));
    }
  }
  if (groups.has('pids') && hs.pids) {
    put(out, 'tasks', get(hs.pids, 'pids.current', parseSingleInt));
    put(out, 'tasks_max', get(hs.pids, 'pids.max', parseLimit));
  }
  if (groups.has('psi') && hs.v2) {
    const c = get(hs.v2, 'cpu.pressure', parsePressure);
    const m = get(hs.v2, 'memory.pressure', parsePressure);
    const i = get(hs.v2, 'io.pressure', parsePressure);
    if (c || m || i) out.psi = { cpu: psi(c), memory: psi(m), io: psi(i) };
  }
  return out;
}
