/**
 * Read processes into `ProcessSample`s (src/model/process.ts), once or repeatedly (the dashboard keeps one reader).
 *
 * Per process: `/proc/PID/stat` (state, times, threads, RSS in pages, start time, flags) every time; `status`
 * (effective UID, NSpid), `cmdline`, `cgroup` (src/readers/procfs/cgroup.ts) and the 8 `ns/*` links when the
 * process is new — a PID with a start time not seen before — and then every `refreshEvery` reads if it ran
 * meanwhile (its stat changed), every 12 × `refreshEvery` reads if it did not: a process must run to change its
 * argv, ids or namespaces. Its cgroup, which another process can change, is re-read every 2 × `refreshEvery`
 * reads in between.
 * Re-reads are spread over the ticks. A process whose stat text
 * and slow parts did not change gets the very same sample object back, so callers can reuse what they derived
 * from it. With `keepOpen` (a live host), the stat file of each process stays open and is re-read with pread:
 * one syscall per process per tick instead of four; the kernel invalidates the descriptor when the process
 * exits (ESRCH), so a reused PID is never read through it.
 *
 * Failures: a process that vanished or is not ours to read is recorded in the caller's Tolerance and skipped;
 * namespace links that are denied while the rest is readable (PID 1 in some VMs) leave `ns` empty; a malformed
 * cgroup file hides the cgroups, not the process. Anything else propagates.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import type { HostPaths } from '../../host/paths.js';
import { latin1, readAll, readText, type ReadBuffer } from '../../host/read.js';
import { classifyTolerable, wrap, type Tolerance } from '../../host/tolerance.js';
import { ParseError, errnoOf, fromFsError, isNsxError } from '../../errors.js';
import { NS_TYPES, type NsType } from '../../parse/nsid-link.js';
import type { ProcCgroupEntry } from '../../parse/proc-cgroup.js';
import { parseStat, type ProcStat } from '../../parse/stat.js';
import { parseStatusIds } from '../../parse/status.js';
import { parseCmdline } from '../../parse/cmdline.js';
import { isKernelThread, type ProcessSample } from '../../model/process.js';
import { readPidDirUid, readPids } from './pids.js';
import { readNsLink, readNsLinks } from './ns.js';
import { readStatus } from './status.js';
import { ProcCgroupInterner, readProcCgroupText } from './cgroup.js';
import { KeptReads, scanPageSize, scanProcesses, type ProcScan } from './scan.js';

export interface ProcessReaderOptions {
  readonly paths: HostPaths;
  /** re-read status, cmdline, namespaces and cgroups of a known process every this many reads (default 1 = always) */
  readonly refreshEvery?: number;
  /** only these PIDs (default: all) */
  readonly pids?: readonly number[];
  /** keep each process's stat file open between reads (repeated reads of a live host) */
  readonly keepOpen?: boolean;
  /** read new processes in one batch when the addon is there (default true; false: file by file) */
  readonly batch?: boolean;
  /** a single read (`nsx ps`): keep nothing for a next one */
  readonly once?: boolean;
  /**
   * read /proc/PID/stat (default true). false, for a single batch read (`once`) whose table shows none of stat's
   * numbers (`nsx ps`'s default columns): `/proc/PID/comm` is read instead, cheaper for the kernel and nothing to
   * convert, and the sample's state, ppid, flags, times, threads, start time and RSS are absent (not read). Read
   * file by file (no addon), stat is read all the same: more fields, the same comm.
   */
  readonly stat?: boolean;
}

/** What a sample takes from stat: the comm always (from the comm file when stat is not read), the rest when read. */
type StatPart = Pick<ProcStat, 'comm'> & Partial<ProcStat>;

/** The parts of a sample re-read only every `refreshEvery` reads. */
interface Slow {
  readonly uid?: number;
  readonly nspid?: readonly number[];
  readonly argv: readonly string[];
  readonly ns: Readonly<Partial<Record<NsType, number>>>;
  readonly cgroups: readonly ProcCgroupEntry[];
}

interface Known {
  starttime?: number;
  /** the stat bytes last read, one char per byte (a string: a Buffer per process costs a view object and pool slack) */
  stat: string;
  /** the last sample (its uid, nspid, argv, ns and cgroups are the slow parts last read) */
  sample: ProcessSample;
  /** reads since the last full read of the slow parts */
  age: number;
  /** the stat text changed since then (the process ran) */
  ran: boolean;
  fd?: number;
  /** single-threaded processes: /proc/PID/schedstat kept open instead of stat, and its last bytes */
  schedFd?: number;
  sched?: string;
  /** the last read that saw it */
  gen?: number;
  /** the read in which the caller said it did not run (`read`'s `unchanged`): nothing of it is read */
  quietGen?: number;
  /** read `keptGen`: its kept descriptor `keptFd` was read in the batch (KeptReads) as entry `keptAt` */
  keptGen?: number;
  keptFd?: number;
  keptAt?: number;
}

/** A new entry, every field there from the start (one compact shape for all entries, no property-array growth). */
function knownOf(starttime: number | undefined, stat: string, sample: ProcessSample, age: number, ran: boolean): Known {
  return { starttime, stat, sample, age, ran, fd: undefined, schedFd: undefined, sched: undefined, gen: undefined, quietGen: undefined, keptGen: undefined, keptFd: undefined, keptAt: undefined };
}

/** An idle process's slow parts are re-read this many times less often than a running one's. */
const IDLE_FACTOR = 12;
/** A process's cgroup file is re-read every this many × `refreshEvery` reads (between full reads). */
const CGROUP_FACTOR = 2;

const EMPTY: readonly never[] = [];

/** Distinct command lines and namespace sets a long-lived reader keeps one copy of (past it: starts afresh). */
const INTERN_MAX = 20_000;

/** New processes are read in one batch (src/readers/procfs/scan.ts) from this many on. */
const BATCH_MIN = 2;

/** Is the running kernel at least MAJOR.MINOR (os.release())? */
function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release());
  return !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}

/** The soft RLIMIT_NOFILE of this process (from /proc/self/limits), or 1024 when unknown. */
function openFileLimit(paths: HostPaths): number {
  const t = readText(join(paths.proc, 'self', 'limits'));
  const m = /^Max open files\s+(\d+)/m.exec(t);
  return m ? Number(m[1]) : 1024;
}

/**
 * Descriptors kept open by all readers of this process together: at most a third of the soft RLIMIT_NOFILE (the
 * cgroup sampler keeps files open too); beyond it, stat files are opened and closed on each read.
 */
const fdBudget: { open: number; max?: number } = { open: 0 };

/** Is this the error of a full descriptor table (the process's, EMFILE, or the system's, ENFILE)? */
function tableFull(e: unknown): boolean {
  const code = isNsxError(e) ? e.errno : errnoOf(e);
  return code === 'EMFILE' || code === 'ENFILE';
}

/** Kept descriptors given back at once when the descriptor table is full (see ProcessReader.shed). */
const SHED = 512;

/** How many stat descriptors the readers of this process keep open (tests, diagnostics). */
export function keptStatDescriptors(): number {
  return fdBudget.open;
}

export class ProcessReader {
  private readonly known = new Map<number, Known>();
  private readonly rb: ReadBuffer = { buf: Buffer.allocUnsafe(4096) };
  private readonly sb: ReadBuffer = { buf: Buffer.allocUnsafe(256) };
  /** /proc/PID/schedstat exists on this kernel (CONFIG_SCHED_INFO) */
  private readonly schedstat: boolean;
  /** cgroup files of many processes are alike: one parsed copy */
  private readonly cgroups = new ProcCgroupInterner();
  private readonly keepOpen: boolean;
  /** bytes per page (stat's rss is in pages): learnt from status VmRSS; undefined until then */
  pageSize?: number;

  constructor(private readonly o: ProcessReaderOptions) {
    this.keepOpen = !!o.keepOpen && o.paths.live;
    if (this.keepOpen) fdBudget.max ??= Math.floor(openFileLimit(o.paths) / 3);
    this.schedstat = this.keepOpen && existsSync(join(o.paths.proc, 'self', 'schedstat'));
    this.ownerIsEuid = o.paths.live && kernelAtLeast(4, 11);
    if (o.paths.live) this.pageSize = scanPageSize();
  }

  /** the owner of /proc/PID is the effective UID of the process (see statusNeeded) */
  private readonly ownerIsEuid: boolean;

  /**
   * Read every process (or the chosen PIDs), in PID order. Vanished and denied processes go to `tol`. `each` is
   * called with every sample as soon as it is read (before the next process is).
   * `unchanged(sample)`: the caller knows that this known process did not run since its last read (its cgroup's
   * CPU time did not move): its last sample is kept without reading anything (the PID is still listed).
   */
  read(tol: Tolerance, each?: (s: ProcessSample) => void, unchanged?: (last: ProcessSample) => boolean): ProcessSample[] {
    const { paths } = this.o;
    const every = Math.max(1, this.o.refreshEvery ?? 1);
    const pids = this.o.pids ?? this.listPids();
    const out: ProcessSample[] = [];
    const gen = ++this.gen;
    // processes not seen before (all of them the first time): their files in one batch when the addon is there
    // and the caller's verdict on each known process, asked once, before any read: those that did not run are
    // not read at all (neither in the batch of kept descriptors nor one by one)
    let fresh: number[] | undefined;
    let quiet = 0;
    const batch = this.o.batch !== false;
    for (const pid of pids) {
      const k = this.known.get(pid);
      if (k === undefined) {
        if (batch) (fresh ??= []).push(pid);
      } else if (unchanged && unchanged(k.sample)) {
        k.quietGen = gen;
        quiet++;
      }
    }
    const pre = fresh && fresh.length >= BATCH_MIN ? this.scan(fresh) : undefined;
    if (this.keepOpen && this.known.size - quiet >= BATCH_MIN) this.readKept(pids, gen);
    try {
      for (const pid of pids) {
        const known = unchanged ? this.known.get(pid) : undefined;
        if (known && known.quietGen === gen) {
          known.gen = gen;
          out.push(known.sample);
          each?.(known.sample);
          continue;
        }
        let s: ProcessSample;
        try {
          s = this.readOne(pid, every, tol, pre);
          const k = this.known.get(pid);
          if (k) k.gen = gen;
        } catch (e) {
          this.forget(pid);
          tol.absorb(e, join(paths.proc, String(pid)));
          continue;
        }
        out.push(s);
        each?.(s);
      }
    } finally {
      pre?.close();
    }
    // processes not seen this time (exited): forget them and close their descriptors
    if (out.length !== this.known.size) {
      const gone: number[] = [];
      this.known.forEach((k, pid) => {
        if (k.gen !== gen) gone.push(pid);
      });
      for (const pid of gone) this.forget(pid);
    }
    return out;
  }

  /**
   * The files of new processes in one batch (src/readers/procfs/scan.ts): stat, cmdline, cgroup and the namespace
   * links, with the owner of each process directory, and status where it is needed (see statusNeeded).
   */
  private scan(fresh: readonly number[]): ProcScan | undefined {
    const files = [this.o.once && this.o.stat === false ? 'comm' : 'stat', 'cmdline', 'cgroup'] as const;
    if (!this.ownerIsEuid || this.pageSize === undefined) return scanProcesses(this.o.paths, fresh, { files, links: true, status: {} });
    this.procPidNs ??= this.readProcPidNs() ?? null;
    return scanProcesses(this.o.paths, fresh, { files, links: true, owner: true, status: { unlessPidNs: this.procPidNs ?? undefined } });
  }

  /** The PIDs of /proc; a full descriptor table (see shed) makes a reader that keeps files keep fewer first. */
  private listPids(): number[] {
    try {
      return readPids(this.o.paths);
    } catch (e) {
      if (!this.keepOpen || !tableFull(e)) throw e;
      this.shed();
      return readPids(this.o.paths);
    }
  }

  /** The batched reads of kept descriptors (undefined: no addon, or not yet made) */
  private kept?: KeptReads | null;

  /**
   * Read the kept descriptor of every known process of this read in one call (its schedstat, else its stat):
   * didNotRun and statBytes take the bytes from there instead of reading the descriptor themselves.
   */
  private readKept(pids: readonly number[], gen: number): void {
    if (this.kept === undefined) this.kept = KeptReads.open() ?? null;
    if (!this.kept) return;
    const fds = new Int32Array(this.known.size);
    const who: Known[] = [];
    for (const pid of pids) {
      const k = this.known.get(pid);
      if (k === undefined || k.quietGen === gen) continue;
      const fd = k.schedFd ?? k.fd;
      if (fd === undefined || who.length === fds.length) continue;
      fds[who.length] = fd;
      who.push(k!);
    }
    if (who.length < BATCH_MIN || !this.kept.read(fds.subarray(0, who.length))) return;
    for (let i = 0; i < who.length; i++) {
      who[i].keptGen = gen;
      who[i].keptFd = fds[i];
      who[i].keptAt = i;
    }
  }

  /** Entry of `fd` of `k` in this read's batch of kept descriptors, or -1 when it was not read there. */
  private keptEntry(k: Known, fd: number): number {
    return k.keptGen === this.gen && k.keptFd === fd ? k.keptAt! : -1;
  }

  /** The number of the current read (entries seen in it carry it). */
  private gen = 0;

  /** Close the descriptors kept open. */
  close(): void {
    for (const pid of [...this.known.keys()]) this.forget(pid);
  }

  private forget(pid: number): void {
    const k = this.known.get(pid);
    if (!k) return;
    this.closeFd(k);
    this.known.delete(pid);
  }

  private closeFd(k: Known): void {
    if (k.fd !== undefined) {
      const fd = k.fd;
      k.fd = undefined;
      fdBudget.open--;
      closeSync(fd);
    }
    this.closeSched(k);
  }

  private closeSched(k: Known): void {
    if (k.schedFd === undefined) return;
    const fd = k.schedFd;
    k.schedFd = undefined;
    k.sched = undefined;
    fdBudget.open--;
    closeSync(fd);
  }

  /**
   * Has this single-threaded process run since the last call? /proc/PID/schedstat (run time, wait time, time
   * slices of its one thread) is unchanged exactly when it did not. It is cheaper for the kernel than stat, so
   * its descriptor is the one kept. Read before stat, so that a run in between shows the next time. False when
   * unknown (first call, no descriptor to spare, the process exited).
   */
  private didNotRun(pid: number, k: Known): boolean {
    const path = `${this.o.paths.proc}/${pid}/schedstat`;
    if (k.schedFd === undefined) {
      if (fdBudget.open >= fdBudget.max! + (k.fd !== undefined ? 1 : 0)) return false;
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        // the descriptor table is full: keep fewer (unknown: the stat read that follows says)
        if (tableFull(e)) {
          this.shed();
          return false;
        }
        // exited: the stat read that follows says so; anything else is a real failure
        const err = fromFsError(e, path);
        if (classifyTolerable(err) !== 'gone') throw err;
        return false;
      }
      k.schedFd = fd;
      fdBudget.open++;
      if (k.fd !== undefined) {
        // one descriptor per process: the stat one goes
        closeSync(k.fd);
        k.fd = undefined;
        fdBudget.open--;
      }
    }
    let n: number;
    let buf = this.sb.buf;
    let at = 0;
    const ke = this.keptEntry(k, k.schedFd);
    try {
      if (ke >= 0) {
        n = this.kept!.length(ke);
        if (n < 0) throw this.kept!.error(ke, path);
        buf = this.kept!.buf;
        at = this.kept!.offset(ke);
      } else n = readAll(k.schedFd, this.sb, true);
    } catch (e) {
      const err = fromFsError(e, path);
      if (classifyTolerable(err) !== 'gone') throw err;
      this.closeSched(k);
      return false;
    }
    if (k.sched !== undefined && sameBytes(buf, at, n, k.sched)) return true;
    k.sched = latin1(buf, at, at + n);
    return false;
  }

  /**
   * Read /proc/PID/stat (through the kept descriptor when there is one) into the reader's buffer; returns its
   * length. No string or view is made here: an unchanged stat allocates nothing.
   */
  private statBytes(pid: number, k: Known | undefined): number {
    if (k?.fd !== undefined) {
      try {
        const ke = this.keptEntry(k, k.fd);
        if (ke < 0) return readAll(k.fd, this.rb, true);
        const n = this.kept!.length(ke);
        if (n < 0) throw this.kept!.error(ke, `${this.o.paths.proc}/${pid}/stat`);
        if (this.rb.buf.length < n) this.rb.buf = Buffer.allocUnsafe(Math.max(n, this.rb.buf.length * 2));
        const at = this.kept!.offset(ke);
        this.kept!.buf.copy(this.rb.buf, 0, at, at + n);
        return n;
      } catch (e) {
        // the process behind the descriptor exited (ESRCH); the PID may already be someone else's: open it again
        const err = fromFsError(e, `${this.o.paths.proc}/${pid}/stat`);
        if (classifyTolerable(err) !== 'gone') throw err;
      }
      this.closeFd(k);
    }
    const path = `${this.o.paths.proc}/${pid}/stat`;
    let fd: number | undefined;
    if (this.keepOpen && k?.schedFd === undefined && fdBudget.open < fdBudget.max!) {
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        // the descriptor table is full: keep fewer, and read this one without keeping it
        if (!tableFull(e)) throw fromFsError(e, path);
        this.shed();
      }
    }
    if (fd !== undefined) {
      let n: number;
      try {
        n = readAll(fd, this.rb, true);
      } catch (e) {
        closeSync(fd);
        throw fromFsError(e, path);
      }
      if (k) {
        k.fd = fd;
        fdBudget.open++;
      } else this.pendingFd = fd;
      return n;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const once = openSync(path, 'r');
        try {
          return readAll(once, this.rb);
        } finally {
          closeSync(once);
        }
      } catch (e) {
        if (attempt > 0 || !tableFull(e) || !this.keepOpen) throw fromFsError(e, path);
        this.shed();
      }
    }
  }

  /**
   * The descriptor table is full (EMFILE, ENFILE: other readers of this process keep files too, the dashboard's
   * cgroup sampler two per cgroup): keep SHED fewer descriptors from now on, and close kept ones down to that, so
   * that this read, the other readers and whatever the user does next (`e`: nsx enter) find descriptors free.
   */
  private shed(): void {
    fdBudget.max = Math.max(0, fdBudget.open - SHED);
    for (const k of this.known.values()) {
      if (fdBudget.open <= fdBudget.max) break;
      this.closeFd(k);
    }
  }

  /** A descriptor opened for a process not yet known (adopted once its entry exists). */
  private pendingFd?: number;

  private readOne(pid: number, every: number, tol: Tolerance, pre: ProcScan | undefined): ProcessSample {
    const { paths } = this.o;
    let k = this.known.get(pid);
    if (!k && pre?.has(pid)) return this.readNew(pid, tol, pre);
    // a single-threaded process that did not run keeps its stat, except on the ticks its parts are due (RSS can
    // shrink under reclaim while it sleeps)
    if (k && this.schedstat && k.sample.numThreads === 1 && this.didNotRun(pid, k) && (k.age + 1) % every !== 0) {
      k.age++;
      return k.sample;
    }
    if (k && k.schedFd !== undefined && k.sample.numThreads !== 1) this.closeSched(k);
    const n = this.statBytes(pid, k);
    const pending = this.pendingFd;
    this.pendingFd = undefined;
    const same = k !== undefined && sameBytes(this.rb.buf, 0, n, k.stat);
    if (k) {
      k.age++;
      if (!same) k.ran = true;
    }
    // the full slow read: new processes; known ones that ran since their last one, every `every` reads; idle ones
    // (stat unchanged: they cannot have changed their argv, namespaces or ids) every IDLE_FACTOR × `every` reads
    const full = !k || (k.age >= every && k.ran) || k.age >= every * IDLE_FACTOR;
    // another process can move this one to another cgroup while it sleeps: its cgroup file every `every` reads
    const cgroupOnly = !full && every > 1 && k!.age % (every * CGROUP_FACTOR) === 0;
    if (k && same && !full) {
      if (!cgroupOnly) return k.sample;
      const cgroups = this.readCgroups(pid);
      if (sameCgroups(cgroups, k.sample.cgroups)) return k.sample;
    }
    let st: ProcStat;
    try {
      st = parseStat(this.rb.buf.toString('utf8', 0, n), `${paths.proc}/${pid}/stat`);
    } catch (e) {
      if (pending !== undefined) closeSync(pending);
      throw e;
    }
    if (k && k.starttime !== st.starttimeTicks) {
      // the PID was reused: nothing of the old process applies
      this.forget(pid);
      k = undefined;
    }
    let slow: Slow | undefined = k?.sample;
    let age = k?.age ?? 0;
    let ran = k?.ran ?? false;
    // a new comm is an execve (runc init becoming the container's command): its argv, ids and namespaces now
    if (!k || full || st.comm !== k.sample.comm) {
      try {
        slow = this.readSlow(pid, st, tol);
      } catch (e) {
        if (pending !== undefined) closeSync(pending);
        throw e;
      }
      // spread the re-reads of known processes over the `every` ticks instead of all at once
      age = k === undefined ? pid % every : 0;
      ran = false;
    } else if (cgroupOnly) {
      const cgroups = this.readCgroups(pid);
      if (!sameCgroups(cgroups, slow!.cgroups)) slow = { ...slow!, cgroups };
    }
    const sample = sampleOf(pid, st, slow!);
    if (k) {
      if (!same) k.stat = latin1(this.rb.buf, 0, n);
      k.sample = sample;
      k.age = age;
      k.ran = ran;
    } else {
      const fresh = knownOf(st.starttimeTicks, latin1(this.rb.buf, 0, n), sample, age, ran);
      if (pending !== undefined) {
        fresh.fd = pending;
        fdBudget.open++;
      }
      this.known.set(pid, fresh);
    }
    return sample;
  }

  /** A process not known before, from a batch read: what `readOne` makes of it, from the same bytes. */
  private readNew(pid: number, tol: Tolerance, pre: ProcScan): ProcessSample {
    const source = `${this.o.paths.proc}/${pid}/stat`;
    if (this.o.once) {
      // nothing is kept: no copy of the bytes
      const st: StatPart = this.o.stat === false ? { comm: commOf(pre.text(pid, 'comm')) } : parseStat(pre.text(pid, 'stat'), source);
      return sampleOf(pid, st, this.readSlow(pid, st, tol, pre));
    }
    const n = pre.bytesInto(pid, 'stat', this.rb);
    const st = parseStat(this.rb.buf.toString('utf8', 0, n), source);
    const slow = this.readSlow(pid, st, tol, pre);
    const sample = sampleOf(pid, st, slow);
    this.known.set(pid, knownOf(st.starttimeTicks, latin1(this.rb.buf, 0, n), sample, pid % Math.max(1, this.o.refreshEvery ?? 1), false));
    return sample;
  }

  /** The 8 namespace links; denied ones leave them all out (recorded in `tol`). */
  private readNs(pid: number, tol: Tolerance, pre?: ProcScan): Partial<Record<NsType, number>> {
    try {
      return pre?.nsLinks(pid) ?? readNsLinks(this.o.paths, pid, NS_TYPES);
    } catch (e) {
      // namespace links can be denied while the rest of the process is readable (PID 1 in some VMs)
      if (classifyTolerable(e) !== 'denied') throw e;
      tol.absorb(e, `${this.o.paths.proc}/${pid}/ns`);
      return {};
    }
  }

  /**
   * Must `/proc/PID/status` be read for the effective UID and NSpid of a process in these namespaces? Not on a
   * live host, Linux 4.11 or later, once the page size is known, for a process in the PID namespace of the proc
   * mount: there NSpid is the PID alone, and the owner of `/proc/PID` is the effective UID — since 4.11
   * the directory, unlike the files in it, is owned by the euid even for a non-dumpable process (fs/proc/base.c
   * `task_dump_owner`); procps reads it there too. status is the costliest file of a process for the kernel.
   */
  private statusNeeded(pidNs: number | undefined): boolean {
    if (this.pageSize === undefined || pidNs === undefined || !this.ownerIsEuid) return true;
    this.procPidNs ??= this.readProcPidNs() ?? null;
    return pidNs !== this.procPidNs;
  }

  /**
   * The PID namespace of the proc mount: nsx's own when its status NSpid has one level (nsx is in that namespace;
   * PID 1's links may be denied even to root, in some VMs). Undefined when it cannot be told.
   */
  private readProcPidNs(): number | undefined {
    const { paths } = this.o;
    const self = wrap(undefined, `${paths.proc}/self/status`, () => readStatus(paths, 'self'));
    if (self?.nspid?.length !== 1 || self.nspid[0] !== process.pid) return undefined;
    return wrap(undefined, `${paths.proc}/${process.pid}/ns/pid`, () => readNsLink(paths, process.pid, 'pid'));
  }

  /** the PID namespace of the proc mount, null when unknown; undefined until asked */
  private procPidNs?: number | null;

  /** /proc/PID/cgroup; a malformed or absent file gives no cgroups (it hides the cgroups, not the process). */
  private readCgroups(pid: number, pre?: ProcScan): readonly ProcCgroupEntry[] {
    try {
      const text = pre ? pre.text(pid, 'cgroup') : readProcCgroupText(this.o.paths, pid);
      return this.cgroups.parse(text, `${this.o.paths.proc}/${pid}/cgroup`);
    } catch (e) {
      if (!(e instanceof ParseError) && classifyTolerable(e) !== 'gone') throw e;
      return EMPTY;
    }
  }

  /**
   * A long-lived reader keeps one copy of what many processes share (thousands of workers with one command
   * line, all of a host's processes in a handful of namespace sets): argv by cmdline text, the namespace links by
   * their inodes, each frozen (samples are immutable). A single read (`once`) keeps nothing.
   */
  private readonly argvs = new Map<string, readonly string[]>();
  private readonly nsSets = new Map<string, Readonly<Partial<Record<NsType, number>>>>();

  private argvOf(text: string): readonly string[] {
    if (this.o.once) return parseCmdline(text);
    let a = this.argvs.get(text);
    if (a === undefined) {
      if (this.argvs.size >= INTERN_MAX) this.argvs.clear();
      this.argvs.set(text, (a = Object.freeze(parseCmdline(text))));
    }
    return a;
  }

  private nsOf(ns: Readonly<Partial<Record<NsType, number>>>): Readonly<Partial<Record<NsType, number>>> {
    if (this.o.once) return ns;
    let key = '';
    for (const t of NS_TYPES) key += `${ns[t] ?? ''},`;
    let x = this.nsSets.get(key);
    if (x === undefined) {
      if (this.nsSets.size >= INTERN_MAX) this.nsSets.clear();
      this.nsSets.set(key, (x = Object.isFrozen(ns) ? ns : Object.freeze({ ...ns })));
    }
    return x;
  }

  /** status, cmdline, ns links and cgroup of one process. */
  private readSlow(pid: number, st: StatPart, tol: Tolerance, pre?: ProcScan): Slow {
    const { paths } = this.o;
    const argv = isKernelThread(st) ? EMPTY : this.argvOf(pre ? pre.text(pid, 'cmdline') : readText(`${paths.proc}/${pid}/cmdline`));
    const ns = this.nsOf(this.readNs(pid, tol, pre));
    const cgroups = this.readCgroups(pid, pre);
    let uid: number | undefined;
    let nspid: readonly number[] | undefined;
    if (this.statusNeeded(ns.pid)) {
      // (latin1 from a batch: the keys read are ASCII, and a UTF-8 name cannot fake a line start)
      const status = parseStatusIds(pre?.hasStatus(pid) ? pre.latin1(pid, 'status') : readText(`${paths.proc}/${pid}/status`));
      // the page size, from the first process whose status VmRSS and stat rss describe the same pages
      if (this.pageSize === undefined && status.vmRssBytes && st.rssPages) this.pageSize = 2 ** Math.round(Math.log2(status.vmRssBytes / st.rssPages));
      uid = status.uid?.effective;
      nspid = status.nspid;
    } else {
      // what status would say, without making the kernel write its ~55 lines: see statusNeeded
      uid = pre ? pre.owner(pid) : readPidDirUid(paths, pid);
      nspid = [pid];
    }
    const prev: Slow | undefined = this.known.get(pid)?.sample;
    return {
      uid,
      nspid,
      argv: prev && sameStrings(prev.argv, argv) ? prev.argv : argv,
      ns: prev && sameNs(prev.ns, ns) ? prev.ns : ns,
      cgroups: prev && sameCgroups(prev.cgroups, cgroups) ? prev.cgroups : cgroups,
    };
  }
}

/** The text of /proc/PID/comm without its final newline (the comm itself may hold any other byte). */
function commOf(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function sampleOf(pid: number, st: StatPart, slow: Slow): ProcessSample {
  return {
    pid,
    comm: st.comm,
    state: st.state,
    ppid: st.ppid,
    flags: st.flags,
    utimeTicks: st.utimeTicks,
    stimeTicks: st.stimeTicks,
    numThreads: st.numThreads,
    starttimeTicks: st.starttimeTicks,
    rssPages: st.rssPages,
    uid: slow.uid,
    nspid: slow.nspid,
    argv: slow.argv,
    ns: slow.ns,
    cgroups: slow.cgroups,
  };
}

/** Are the `n` bytes of `buf` at `at` the chars of `s` (one char per byte, as `latin1` makes it)? */
function sameBytes(buf: Buffer, at: number, n: number, s: string): boolean {
  if (s.length !== n) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameNs(a: Readonly<Partial<Record<NsType, number>>>, b: Readonly<Partial<Record<NsType, number>>>): boolean {
  for (const t of NS_TYPES) if (a[t] !== b[t]) return false;
  return true;
}

function sameCgroups(a: readonly ProcCgroupEntry[], b: readonly ProcCgroupEntry[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x.path === b[i].path && x.hierarchyId === b[i].hierarchyId));
}

/** One process's sample, read once; undefined when it vanished or is not ours to read (recorded in `tol`). */
export function readProcessSample(paths: HostPaths, pid: number, tol: Tolerance): ProcessSample | undefined {
  return new ProcessReader({ paths, pids: [pid] }).read(tol)[0];
}
