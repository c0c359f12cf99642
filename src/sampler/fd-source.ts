/**
 * The sampler's `CgroupFileSource` (src/readers/cgroupfs/sample.ts): the same mapping as every other reader,
 * fed by files kept open between samples and re-read with one `pread(fd, buf, 0)` each (cgroupfs regenerates
 * the content at offset 0): one syscall per file per sample instead of open/fstat/read/close.
 *
 * - Which cgroups exist in which hierarchy comes from the last tree listing (`setListing`): a cgroup is only
 *   ever read in the hierarchies that hold it, so no open fails for a hierarchy the cgroup is not in.
 * - A file found absent is remembered until the next listing (PSI outside cgroup2, v1 roots without pids files,
 *   cpu.stat.local on older kernels cost nothing per sample).
 * - A cached fd whose cgroup was removed fails with ENODEV: it is closed, the file reopened, and the cgroup's
 *   generation bumps (`generation()`): a cgroup removed and recreated between samples gets no rates, and
 *   `takeStale()` tells the collector to re-list the tree.
 * - CFS bandwidth files that cannot change while no quota applies are read once per listing, not per sample,
 *   and their fds are not kept: v1 `cpu.stat` and `cpu.cfs_period_us` while the cgroup's own
 *   `cpu.cfs_quota_us` is -1 (the kernel's period timer does not run without a quota: nr_periods,
 *   nr_throttled and throttled_time stand still), and `cpu.stat.local` (v1 and v2) while neither the cgroup
 *   nor any listed ancestor has a quota (nothing can throttle its tasks). The quota file (the "gate") is read
 *   every sample (with aged limits, when they are due), parents before children (the collector's order), so a
 *   quota set anywhere on the path makes these files live again at the very next sample (the next re-read).
 * - What is kept open is bounded (`maxOpen`; the exporter's `--max-open-files`), and within the process's fd limit
 *   (`Max open files` of /proc/self/limits, less a reserve): on EMFILE/ENFILE some cached fds are closed and the
 *   cap lowered. Per file, the cheaper way is chosen: a file read at every sample (a counter) is kept open while
 *   the budget allows — a kept fd saves ≈ 8 µs of open/close per read (measured, Linux 6.18: 3 µs by pread
 *   against 11 µs by open/read/close, whatever the file) but pins ≈ 4.4 KB of kernel memory (the open file and
 *   its seq_file page, charged to the reader's memory cgroup: `KERNEL_BYTES_PER_OPEN_FILE`); files beyond the
 *   budget, and files read less often than every sample (gated files while free, aged files), are read with
 *   open/read/close and pin nothing. Cost thus grows linearly with cgroups, whatever their number.
 * - Aged files (`aged`: the exporter's limits, `--limits-max-age`): read at most every `maxAgeMs` (by the clock
 *   given to `begin()`), their text kept in between. All aged files of a cgroup are re-read together; when is
 *   spread over the period by the cgroup's path (a hash), so a big tree's limits are not all re-read at one
 *   sample. A cgroup listed for the first time, or removed and recreated (a stale fd), is read at once.
 * - Failures (`failures`): a read that fails for another reason than gone/denied (EIO, EINVAL, …) is, when a
 *   `failures` callback is given, reported to it with its errno and the file, and the file is absent from this
 *   sample (it is read again at the next); without it such an error propagates as an NsxError naming the file.
 * - Memo (`recall`/`remember`, see CgroupFileSource): the answers the mapping got for each cgroup (identities,
 *   texts) are kept with the sample it built; next time they are asked again in the same order (the same reads)
 *   and, when all are equal, that sample is the result — idle cgroups cost their reads and a string comparison
 *   each, not a parse. When one differs, the mapping runs and is handed the answers already read (no file is
 *   read twice in a sample).
 * - Batch (the addon's `readBatch`, native-bindings/nsx-procscan.node.c): after `begin()`, the first file asked
 *   reads, in one Node-API call, every file the last samples read and that will be read again: the kept fds
 *   (pread) and the counters read by open/read/close beyond the budget (`PATH_READ`) — or, with `batchMaxItems`,
 *   a window of that many of them, cgroup after cgroup, the next window when the mapping gets to it (one window's
 *   bytes in memory at a time; a file asked after its window's bytes are gone is read on its own). Each is then handed out
 *   once, as its own read would have returned it; a file the batch could not read (an error) is read again on
 *   its own, so that errors, vanished files and stale fds go through the same steps as without the batch. Without
 *   the addon (not built, `NSX_NO_PROCSCAN=1`), with another syscall layer than `realFdOps`, or without
 *   `begin()`, every file is read on its own (test/sampler/batch.test.ts: both give equal samples).
 * - Hierarchical counters (`parentGate`, the exporter; v1 only): `cpuacct.usage` and the
 *   `blkio.throttle.*_recursive` files count a cgroup *and its descendants*, and only grow (the kernel charges every
 *   CPU nanosecond to the task's cpuacct group and to each of its ancestors; a throttled IO to each ancestor's
 *   recursive sums; a removed child's counts stay in its parent). So when a parent's counter, read in this sample,
 *   is byte-equal to its value of the previous sample, nothing below it was charged in between, and a child's
 *   counter is still what it was at its last read: it is answered from that text, without a syscall (no open, no
 *   read, no dentry looked up), and so down the tree. Parents are read before their children (the listing's
 *   order), so on an idle subtree only its top is read. `cpuacct.stat` is gated on the parent's `cpuacct.usage`
 *   (USER_HZ ticks round: the parent's ticks can stay while a child's cross one; nanoseconds cannot). The value
 *   served is the child's as of the parent's read. What the rule cannot see — a reset of one cgroup's counter by
 *   hand (`cpuacct.usage` ← 0, `blkio.reset_stats`), a cgroup removed and made again under the same name with
 *   nothing charged meanwhile — is bounded: the gated files of a cgroup are read for real at least every
 *   `parentGate.maxAgeMs` (spread over the period by path), and after each new listing of the tree. Gated files
 *   are read by open/read/close when they are read (no fd kept for a file read once a minute on an idle tree).
 * Vanished and denied files go through `wrap` (src/host/tolerance.ts) into the source's Tolerance; other
 * errors (EIO, …) propagate, or go to `failures`.
 */
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { procScanAddon, type ProcScanAddon } from '../../native-bindings/procscan.js';
import { latin1, readAll, readWholeLatin1, systemRead, type ReadBuffer, type ReadFn } from '../host/read.js';
import { join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { classifyTolerable, Tolerance, wrap } from '../host/tolerance.js';
import type { Hierarchy } from '../model/cgroup.js';
import { cgroupDir } from '../readers/cgroupfs/layout.js';
import type { CgroupFileSource, SamplePlan } from '../readers/cgroupfs/sample.js';
import type { CgroupSample } from '../model/cgroup-sample.js';
import { errnoOf, fromFsError, type NsxError } from '../errors.js';
import { parentPath } from '../model/throttle.js';

/** fd slot states besides an open fd (≥ 0) */
const NOT_OPEN = -1;
const ABSENT = -2;
/** not open: read by open/read/close at the last sample (beyond the budget), so read by the next batch */
const PATH_READ = -3;

/** `kept` of entries of hierarchies without gated or aged files: never written */
const NO_KEPT: (string | undefined)[] = [];

/** How a file of a hierarchy is read (see the header). */
const COUNTER = 0;
/** kept text while the cgroup's own quota is unlimited (v1 cpu.stat, cpu.cfs_period_us) */
const GATED_OWN = 1;
/** kept text while no quota is on the path (cpu.stat.local) */
const GATED_PATH = 2;
/** read at most every `aged.maxAgeMs`, text kept in between (the exporter's limits) */
const AGED = 3;
/** a hierarchical counter: kept text while the parent's gate file did not move (see the header, `parentGate`) */
const PARENT_GATED = 4;

/**
 * v1 hierarchical counters: child file → the file of the parent (same hierarchy) it is gated on (see the header).
 */
export const PARENT_GATES: ReadonlyMap<string, string> = new Map([
  ['cpuacct.usage', 'cpuacct.usage'],
  ['cpuacct.stat', 'cpuacct.usage'],
  ['blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes_recursive'],
  ['blkio.throttle.io_serviced_recursive', 'blkio.throttle.io_serviced_recursive'],
]);

/**
 * Kernel memory one kept cgroup file pins (measured on Linux 6.18, x86_64, 4 KiB pages: ≈ 340 B for the open
 * file, its kernfs and seq_file state, and once read the seq_file's one-page buffer, freed only at close), charged
 * to the reader's memory cgroup. An estimate for the self-metrics; the exact figure varies with the kernel.
 */
export const KERNEL_BYTES_PER_OPEN_FILE = 4440;

/** A stable spread in [0, 1) of a cgroup path (FNV-1a): when its aged files fall due within the period. */
export function agedSpread(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

interface Entry {
  /** the hierarchy and cgroup path (its directory is made when a file is opened: no string kept per entry) */
  readonly h: Hierarchy;
  readonly path: string;
  /** per file of the hierarchy: an open fd (≥ 0), NOT_OPEN, ABSENT or PATH_READ (a plain array of small integers) */
  readonly fds: number[];
  /** the cgroup's parent in this hierarchy when listed (for the quota gate) */
  readonly parent: Entry | undefined;
  /** texts of the gated files (valid while `free`) and of the aged files (see the header) */
  readonly kept: (string | undefined)[];
  /** own quota unlimited, as read this sample (undefined: gate not read yet since the listing) */
  own: boolean | undefined;
  /** no quota on the path from the root to here */
  free: boolean | undefined;
  /** aged files: the sample time they were last read (−Infinity: never), and the sample that read them */
  agedAt: number;
  agedSample: number;
  gen: number;
  /** a stale fd was seen and the file could not be reopened: the cgroup is gone (until listed again) */
  removed: boolean;
  /** per file: its item in the batch plan `slotsPlan` (−1: none) */
  slots: number[] | undefined;
  slotsPlan: number;
  /** listed, not in a batch yet: its counters are opened by the next batch (see buildPlan) */
  fresh: boolean;
  /**
   * parent-gated files (hierarchies with some): per file, the sample that last read or answered it, times 2, plus 1
   * when its text moved then (0: not since the listing); and when they were last read for real (−Infinity: never)
   * and the sample that did
   */
  readonly marks: number[] | undefined;
  gatedAt: number;
  gatedSample: number;
}

interface PerHierarchy {
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** the quota file of this hierarchy (`cpu.cfs_quota_us` v1, `cpu.max` v2), when the plan reads it */
  readonly gate?: string;
  /** per file (by index): COUNTER, GATED_OWN, GATED_PATH, AGED or PARENT_GATED */
  readonly how: readonly number[];
  /** per file: the index of the parent's file it is gated on (PARENT_GATED files), else −1 */
  readonly gateOf: readonly number[];
  /** whether some file is PARENT_GATED */
  readonly parentGated: boolean;
  /** whether entries keep texts (some file is gated or aged) */
  readonly keeps: boolean;
  entries: Map<string, Entry>;
}

/** Is this quota file's content "no quota"? (v1 `-1`, v2 `max PERIOD`) */
function unlimited(gate: string, text: string): boolean {
  return gate === 'cpu.max' ? text.startsWith('max') : text.trim() === '-1';
}

/** The soft fd limit of this process, less a reserve for everything else; undefined when unknown. */
function fdBudget(paths: HostPaths): number | undefined {
  if (!paths.live) return undefined;
  const text = wrap(undefined, 'limits', () => readWholeLatin1(join(paths.proc, 'self/limits')));
  const m = text && /^Max open files\s+(\d+)/m.exec(text);
  return m ? Math.max(64, Number(m[1]) - 512) : undefined;
}

/**
 * Syscall layer, replaceable in tests (e.g. to inject EIO or short reads). `pread` has read(2)'s shape; the
 * whole-file loop around it is `readAll` (src/host/read.ts).
 */
export interface FdOps {
  open(path: string): number;
  pread: ReadFn;
  close(fd: number): void;
}

export const realFdOps: FdOps = {
  open: (p) => openSync(p, 'r'),
  pread: systemRead,
  close: (fd) => closeSync(fd),
};

/** Are `buf[at..at + s.length)` the latin1 bytes of `s` (whose length the caller checked)? */
function sameBytes(buf: Buffer, s: string, at = 0): boolean {
  for (let k = 0; k < s.length; k++) if (buf[at + k] !== s.charCodeAt(k)) return false;
  return true;
}

const ENOBUFS = constants.errno.ENOBUFS;

/**
 * Whether a file (its fd slot, its entry's freshness, how it is read) is an item of the batch: a kept fd, a file
 * read by its path beyond the budget, or a counter of a cgroup listed since the last plan (buildPlan).
 */
function inBatch(fd: number, fresh: boolean, how: number): boolean {
  return fd >= 0 || fd === PATH_READ || (fresh && fd === NOT_OPEN && how === COUNTER);
}

/** files up to this many bytes are compared with last sample's text byte by byte (see fromBatch) */
const SHORT_FILE = 128;

/** The kinds of answers a mapping's run is made of. */
const ASK_IDENTITY = 0;
const ASK_TEXT = 1;
const ASK_GENERATION = 2;

/** One question the mapping asks of a cgroup (interned: runs share them, and share whole lists of them). */
interface Ask {
  readonly id: number;
  readonly kind: number;
  readonly h: Hierarchy;
  readonly name: string;
}

/**
 * One run of the mapping over one cgroup (at `path` in every hierarchy: the memo is used only then): what it
 * asked, in order, what it was answered, and what it built.
 */
interface Run {
  asks: readonly Ask[];
  answers: (string | number | undefined)[];
  sample: CgroupSample | undefined;
}

const newRun = (): Run => ({ asks: [], answers: [], sample: undefined });

/** Options of the fd source beyond the budget and the syscall layer (see the header). */
export interface FdSourceOptions {
  /** files (by name) read at most every `maxAgeMs` (by the clock given to `begin()`); their text kept in between */
  readonly aged?: { readonly files: ReadonlySet<string>; readonly maxAgeMs: number };
  /** report a read failure other than gone/denied here (errno or error kind, file) instead of throwing it */
  readonly failures?: (reason: string, file: string) => void;
  /**
   * The most files one call of the addon reads (default: no bound, a sample in one call). The batch's buffer holds
   * the bytes of one call's files: a sample of a big tree is read in windows of this many files, cgroup after
   * cgroup as the mapping asks for them, in bounded memory (the exporter: under a container's memory limit).
   */
  readonly batchMaxItems?: number;
  /**
   * v1 hierarchical counters of a cgroup whose parent's did not move are answered from their last text (see the
   * header), each read for real at least every `maxAgeMs`. Default: every file read at every sample.
   */
  readonly parentGate?: { readonly maxAgeMs: number };
}

export class FdSource implements CgroupFileSource {
  private readonly hs = new Map<Hierarchy, PerHierarchy>();
  private readonly rb: ReadBuffer = { buf: Buffer.allocUnsafe(1 << 16) };
  private openCount = 0;
  private staleSeen = false;
  /** where vanished/denied files are recorded; replace per sample with `useTolerance` */
  tolerance = new Tolerance();

  /** the last run of the mapping per cgroup path (memo) */
  private readonly runs = new Map<string, Run>();
  /** the run being recorded (between `recall` and `remember`), and how many of its answers were handed out */
  private rec: Run | undefined;
  private recPath: string | undefined;
  private pos = 0;
  /** interned questions per hierarchy, and interned lists of them */
  private readonly asksOf = new Map<Hierarchy, Map<string, Ask>>();
  private readonly askLists = new Map<string, readonly Ask[]>();
  private nextAsk = 0;

  /** aged files' period (ms), and the sample clock and count (`begin()`) */
  private readonly agedMs: number | undefined;
  private now = 0;
  private sampleNo = 0;
  private readonly failures: ((reason: string, file: string) => void) | undefined;
  /** parent-gated files' longest life without a real read (ms), undefined: no gating */
  private readonly gateMs: number | undefined;
  /** parent-gated reads answered from their last text, and read for real, since the start (tests, self-metrics) */
  gateAnswered = 0;
  gateRead = 0;

  /** the batch (see the header): the addon, or undefined (file by file) */
  private readonly batch: ProcScanAddon | undefined;
  /** the plan: one item per file (an fd, or -1/-2: opened by its path); rebuilt when an fd changed state */
  private planDirty = true;
  private planGen = 0;
  private items = new Int32Array(0);
  /** items per call of the addon (FdSourceOptions.batchMaxItems), which windows this sample read, and the one in the buffer */
  private readonly window: number;
  private windowRead = new Uint8Array(0);
  private liveWindow = -1;
  private lens = new Int32Array(0);
  private offs = new Int32Array(0);
  /** per item: handed out already in this sample */
  private used = new Uint8Array(0);
  /** per item: its entry and file, fds kept by the addon (-2 items), and the items of fresh entries */
  private itemEntry: Entry[] = [];
  private itemFile: number[] = [];
  private keptOut = new Int32Array(0);
  private freshItems: number[] = [];
  private bbuf = Buffer.allocUnsafe(0);
  /** `begin()` was called and no file read since; the batch of this sample was read */
  private begun = false;
  private batchLive = false;
  private batchedCount = 0;

  constructor(
    private readonly paths: HostPaths,
    private readonly plan: SamplePlan,
    private maxOpen = 16_384,
    private readonly ops: FdOps = realFdOps,
    opts: FdSourceOptions = {},
  ) {
    this.maxOpen = Math.min(maxOpen, fdBudget(paths) ?? maxOpen);
    this.agedMs = opts.aged && opts.aged.maxAgeMs > 0 ? opts.aged.maxAgeMs : undefined;
    this.failures = opts.failures;
    this.window = Math.max(1, Math.floor(opts.batchMaxItems ?? 2 ** 31));
    this.gateMs = opts.parentGate && opts.parentGate.maxAgeMs > 0 ? opts.parentGate.maxAgeMs : undefined;
    const addon = ops === realFdOps ? procScanAddon() : undefined;
    this.batch = typeof addon?.readBatch === 'function' ? addon : undefined;
    for (const [h, names] of plan.files) {
      const gate = h.version === 2 ? 'cpu.max' : 'cpu.cfs_quota_us';
      const gated = new Map<string, number>();
      if (names.includes(gate)) {
        if (h.version === 1) {
          gated.set('cpu.stat', GATED_OWN);
          gated.set('cpu.cfs_period_us', GATED_OWN);
        }
        gated.set('cpu.stat.local', GATED_PATH);
      }
      // aged wins over gated (a limit read every minute is read less often than a gated file under a quota)
      const index = new Map(names.map((n, i) => [n, i]));
      // parent gates: v1, where the parent's gate file is in the plan too
      const gateOf = names.map((n) => {
        const g = this.gateMs !== undefined && h.version === 1 ? PARENT_GATES.get(n) : undefined;
        return g === undefined ? -1 : (index.get(g) ?? -1);
      });
      const how = names.map((n, i) =>
        this.agedMs !== undefined && opts.aged!.files.has(n) ? AGED : gateOf[i] >= 0 ? PARENT_GATED : (gated.get(n) ?? COUNTER),
      );
      this.hs.set(h, {
        names,
        index,
        gate: gated.size ? gate : undefined,
        how,
        gateOf,
        parentGated: how.includes(PARENT_GATED),
        keeps: how.some((x) => x !== COUNTER),
        entries: new Map(),
      });
    }
  }

  /** Start a sample at time `now` (ms; the clock aged files are judged by). */
  begin(now: number): void {
    this.now = now;
    this.sampleNo++;
    this.begun = this.batch !== undefined;
  }

  /**
   * The cgroups each hierarchy holds, from a fresh listing (parents before children); hierarchies missing from
   * `listing` keep theirs. Known cgroups keep their open files (their "absent" marks are forgotten: files may
   * have appeared); cgroups no longer listed have their files closed.
   */
  setListing(listing: ReadonlyMap<Hierarchy, Iterable<string>>, opts: { refresh?: boolean } = {}): void {
    this.lastPh = this.lastE = undefined;
    this.lastByH.clear();
    for (const [h, ph] of this.hs) {
      if (!listing.has(h)) continue;
      const next = new Map<string, Entry>();
      for (const path of listing.get(h) ?? []) {
        let e = ph.entries.get(path);
        const pp = parentPath(path);
        const parent = pp === undefined ? undefined : next.get(pp);
        if (e && e.parent === parent) {
          for (let i = 0; i < e.fds.length; i++) if (e.fds[i] === ABSENT) e.fds[i] = NOT_OPEN;
          // gated files are read again at each full listing (bounds staleness should a quota come and go
          // between two samples)
          if (opts.refresh) e.kept.fill(undefined);
          // parent-gated files are read for real after every listing (see the header)
          if (e.marks !== undefined) {
            e.marks.fill(0);
            e.gatedAt = -Infinity;
          }
        } else {
          // `..` paths are not in this cgroup namespace: in no hierarchy here
          if (path.split('/').some((c) => c === '..' || c === '.')) continue;
          if (e) this.closeEntry(e);
          this.planDirty = true; // (the batch's items: only when cgroups come or go)
          // `kept` only where gated or aged files exist; elsewhere one shared empty list
          const kept = ph.keeps ? new Array<string | undefined>(ph.names.length) : NO_KEPT;
          e = {
            h, path, fds: new Array<number>(ph.names.length).fill(NOT_OPEN), parent, kept, own: undefined, free: undefined,
            agedAt: -Infinity, agedSample: 0, gen: e?.gen ?? 0, removed: false, slots: undefined, slotsPlan: 0, fresh: true,
            marks: ph.parentGated ? new Array<number>(ph.names.length).fill(0) : undefined, gatedAt: -Infinity, gatedSample: 0,
          };
        }
        next.set(path, e);
      }
      for (const [path, e] of ph.entries) {
        if (next.get(path) === e) continue;
        this.closeEntry(e);
        this.planDirty = true;
      }
      ph.entries = next;
    }
    // runs of cgroups no hierarchy lists any more
    for (const path of this.runs.keys()) {
      let listed = false;
      for (const ph of this.hs.values()) if ((listed = ph.entries.has(path))) break;
      if (!listed) this.runs.delete(path);
    }
  }

  recall(path: string, plan: SamplePlan): Run | undefined {
    this.rec = undefined;
    if (plan !== this.plan) return undefined;
    const last = this.runs.get(path);
    this.pos = 0;
    this.recPath = path;
    if (last === undefined) {
      this.rec = newRun();
      return undefined;
    }
    const asks = last.asks;
    for (let i = 0; i < asks.length; i++) {
      const q = asks[i];
      const a = this.answer(q.kind, q.h, path, q.name, last.answers[i]);
      if (a === last.answers[i]) continue;
      // the mapping runs, handed the answers read so far (the first i as last time, then this one)
      const rec: Run = { asks: asks.slice(0, i + 1), answers: last.answers.slice(0, i + 1), sample: undefined };
      rec.answers[i] = a;
      this.rec = rec;
      return undefined;
    }
    return last;
  }

  remember(path: string, sample: CgroupSample | undefined, ok: boolean): void {
    const rec = this.rec;
    this.rec = undefined;
    if (rec === undefined) return;
    if (!ok || path !== this.recPath) {
      this.runs.delete(path);
      return;
    }
    rec.sample = sample;
    // kept until the cgroup changes: an array of its exact length (push leaves room to grow)
    rec.answers = rec.answers.slice();
    // cgroups of the same kind ask the same questions: one list for all of them
    const key = rec.asks.map((q) => q.id).join(',');
    const shared = this.askLists.get(key);
    if (shared) rec.asks = shared;
    else if (this.askLists.size < 10_000) this.askLists.set(key, rec.asks);
    this.runs.set(path, rec);
  }

  /**
   * The text the mapping's last run over `path` got for file `name` of `h` — this sample's, when the cgroup was
   * sampled just now — without reading it again; undefined when that run did not ask for it (or failed).
   */
  answered(path: string, h: Hierarchy, name: string): string | undefined {
    const run = this.runs.get(path);
    if (run === undefined) return undefined;
    for (let i = 0; i < run.asks.length; i++) {
      const q = run.asks[i];
      if (q.kind === ASK_TEXT && q.h === h && q.name === name) {
        const a = run.answers[i];
        return typeof a === 'string' ? a : undefined;
      }
    }
    return undefined;
  }

  /** The interned question (kind, hierarchy, file). */
  private question(kind: number, h: Hierarchy, name: string): Ask {
    let byName = this.asksOf.get(h);
    if (!byName) this.asksOf.set(h, (byName = new Map()));
    const k = kind === ASK_TEXT ? name : kind === ASK_IDENTITY ? '\0identity' : '\0generation';
    let q = byName.get(k);
    if (!q) byName.set(k, (q = { id: this.nextAsk++, kind, h, name }));
    return q;
  }

  /** An answer to the mapping: from the run being recorded when it was read already, else from the files. */
  private ask(kind: number, h: Hierarchy, path: string, name: string): string | number | undefined {
    const rec = this.rec;
    if (rec === undefined) return this.answer(kind, h, path, name);
    if (path !== this.recPath) {
      // a question about another path (not the memo's case): answered, and this run is not remembered
      this.recPath = undefined;
      return this.answer(kind, h, path, name);
    }
    const i = this.pos++;
    if (i < rec.asks.length) {
      const q = rec.asks[i];
      if (q.kind === kind && q.h === h && q.name === name) return rec.answers[i];
      // not the question recorded (cannot happen with a pure mapping): record from here on
      rec.asks = rec.asks.slice(0, i);
      rec.answers.length = i;
    }
    const a = this.answer(kind, h, path, name);
    (rec.asks as Ask[]).push(this.question(kind, h, name));
    rec.answers.push(a);
    return a;
  }

  /** `prev`: the answer of last time; a text read equal to it is returned as that very string (no new string). */
  private answer(kind: number, h: Hierarchy, path: string, name: string, prev?: string | number): string | number | undefined {
    if (kind === ASK_TEXT) return this.readText(h, path, name, typeof prev === 'string' ? prev : undefined);
    const e = this.lookup(h, path);
    return e && !e.removed ? e.gen : undefined;
  }

  /** the last (hierarchy, path) looked up: the mapping asks for one cgroup's files in a row */
  private lastH: Hierarchy | undefined;
  private lastPath: string | undefined;
  private lastPh: PerHierarchy | undefined;
  private lastE: Entry | undefined;

  /** per hierarchy, the path last looked up in it and its entry (the mapping goes back and forth between hierarchies) */
  private readonly lastByH = new Map<Hierarchy, { path: string; ph: PerHierarchy | undefined; e: Entry | undefined }>();

  private lookup(h: Hierarchy, path: string): Entry | undefined {
    if (h === this.lastH && path === this.lastPath && this.lastPh !== undefined) return this.lastE;
    this.lastH = h;
    this.lastPath = path;
    let c = this.lastByH.get(h);
    if (c === undefined || c.path !== path) {
      const ph = this.hs.get(h);
      if (c === undefined) this.lastByH.set(h, (c = { path, ph, e: undefined }));
      c.path = path;
      c.ph = ph;
      c.e = ph?.entries.get(path);
    }
    this.lastPh = c.ph;
    this.lastE = c.e;
    return c.e;
  }

  identity(h: Hierarchy, path: string): number | undefined {
    return this.ask(ASK_IDENTITY, h, path, '') as number | undefined;
  }

  generation(h: Hierarchy, path: string): number | undefined {
    return this.ask(ASK_GENERATION, h, path, '') as number | undefined;
  }

  text(h: Hierarchy, path: string, name: string): string | undefined {
    return this.ask(ASK_TEXT, h, path, name) as string | undefined;
  }

  fileName(h: Hierarchy, path: string, name: string): string {
    const e = this.hs.get(h)?.entries.get(path);
    return `${e ? this.dirOf(e) : path}/${name}`;
  }

  /** the directory of each hierarchy's root cgroup (its mount), for `dirOf`'s fast path */
  private readonly bases = new Map<Hierarchy, string>();

  private dirOf(e: Entry): string {
    const h = e.h;
    // the common case (the hierarchy mounted at its root; listed paths are normalised): mount + path, as
    // cgroupDir gives it, without its checks and join (one string per file opened)
    if (h.mountRoot === '/') {
      let base = this.bases.get(h);
      if (base === undefined) this.bases.set(h, (base = cgroupDir(this.paths, h, '/')));
      return e.path === '/' ? base : base + e.path;
    }
    return cgroupDir(this.paths, h, e.path);
  }

  /** Whether a stale fd (a removed cgroup) was seen since the last call. */
  takeStale(): boolean {
    const s = this.staleSeen;
    this.staleSeen = false;
    return s;
  }

  /** Files handed out from batches so far (tests: the batch is used). */
  get batched(): number {
    return this.batchedCount;
  }

  /** Number of files kept open. */
  get size(): number {
    return this.openCount;
  }

  /** The budget of kept files in force (`maxOpen`, lowered by the fd limit or EMFILE). */
  get maxOpenFiles(): number {
    return this.maxOpen;
  }

  close(): void {
    for (const ph of this.hs.values()) {
      for (const e of ph.entries.values()) this.closeEntry(e);
      ph.entries.clear();
    }
  }

  private closeFd(fd: number): void {
    this.ops.close(fd);
    this.openCount--;
    this.planDirty = true;
  }

  private closeEntry(e: Entry): void {
    for (let i = 0; i < e.fds.length; i++) {
      if (e.fds[i] >= 0) this.closeFd(e.fds[i]);
      e.fds[i] = NOT_OPEN;
    }
  }

  /** open(2) within the fd limit: on EMFILE/ENFILE keep fewer files open and try again. */
  private openFile(file: string): number {
    try {
      return this.ops.open(file);
    } catch (err) {
      const code = errnoOf(err);
      if ((code !== 'EMFILE' && code !== 'ENFILE') || this.openCount === 0) throw err;
      this.maxOpen = Math.max(0, Math.floor(this.openCount / 2));
      this.shed(this.openCount - this.maxOpen);
      return this.ops.open(file);
    }
  }

  private shed(n: number): void {
    for (const ph of this.hs.values()) {
      for (const e of ph.entries.values()) {
        for (let i = 0; i < e.fds.length && n > 0; i++) {
          if (e.fds[i] < 0) continue;
          this.closeFd(e.fds[i]);
          e.fds[i] = NOT_OPEN;
          n--;
        }
        if (n <= 0) return;
      }
    }
  }

  /** The whole file behind `fd`, read from offset 0 to a read of 0 (`readAll`); `prev` when byte-equal to it. */
  private readFd(fd: number, prev?: string): string {
    const n = readAll(fd, this.rb, true, this.ops.pread);
    if (prev !== undefined && n === prev.length && sameBytes(this.rb.buf, prev)) return prev;
    return latin1(this.rb.buf, 0, n);
  }

  private readText(h: Hierarchy, path: string, name: string, prev?: string): string | undefined {
    const e = this.lookup(h, path);
    const ph = this.lastPh;
    const i = ph?.index.get(name);
    if (!ph || !e || i === undefined || e.removed) return undefined;
    const how = ph.how[i];
    let t: string | undefined;
    if (how === COUNTER) t = this.readFile(e, i, name, false, prev);
    else if (how === AGED) {
      if (e.agedSample !== this.sampleNo && this.now - e.agedAt >= this.agedMs!) {
        // due: every aged file of the cgroup is read in this sample; the next time is spread by the path
        e.agedAt = e.agedAt === -Infinity ? this.now - agedSpread(path) * this.agedMs! : this.now;
        e.agedSample = this.sampleNo;
      }
      if (e.agedSample !== this.sampleNo && (e.kept[i] !== undefined || e.fds[i] === ABSENT)) t = e.kept[i];
      else t = e.kept[i] = this.readFile(e, i, name, true, prev ?? e.kept[i]);
    } else if (how === PARENT_GATED) {
      return this.readParentGated(e, ph, i, name, path, prev);
    } else {
      // gated: valid while no quota applies (own / on the whole path), as the gate said this sample
      const free = how === GATED_OWN ? e.own : e.free;
      if (free === true && e.kept[i] !== undefined) return e.kept[i];
      t = this.readFile(e, i, name, free === true, prev);
      e.kept[i] = free === true ? t : undefined;
    }
    if (name === ph.gate && t !== undefined) {
      e.own = unlimited(name, t);
      e.free = e.own && (e.parent === undefined || e.parent.free !== false);
    }
    return t;
  }

  /**
   * A parent-gated file (see the header): its last text when the parent's gate file was seen unmoved in this
   * sample and the cgroup's gated files are not due; else read for real (open/read/close) and marked.
   */
  private readParentGated(e: Entry, ph: PerHierarchy, i: number, name: string, path: string, prev?: string): string | undefined {
    const marks = e.marks!;
    const p = e.parent;
    const j = ph.gateOf[i];
    const now2 = this.sampleNo * 2;
    if (e.gatedSample !== this.sampleNo && this.now - e.gatedAt >= this.gateMs!) {
      // due: every gated file of the cgroup is read for real in this sample; the next time spread by the path
      e.gatedAt = e.gatedAt === -Infinity ? this.now - agedSpread(path) * this.gateMs! : this.now;
      e.gatedSample = this.sampleNo;
    }
    const last = e.kept[i];
    if (e.gatedSample !== this.sampleNo && last !== undefined && marks[i] !== 0 && p !== undefined && p.marks !== undefined && p.marks[j] === now2) {
      marks[i] = now2;
      this.gateAnswered++;
      return last;
    }
    const t = this.readFile(e, i, name, true, prev ?? last);
    this.gateRead++;
    // moved: a new text, or none to compare with (a first read, since the listing)
    marks[i] = t === undefined ? 0 : now2 + (last === undefined || marks[i] === 0 || t !== last ? 1 : 0);
    e.kept[i] = t;
    return t;
  }

  /** A read failure that is neither gone nor denied: to `failures` when given (the file is then absent), else thrown. */
  private failed(err: unknown, file: string): undefined {
    const e: NsxError = fromFsError(err, file);
    if (!this.failures) throw e;
    this.failures(e.errno ?? e.kind, file);
    return undefined;
  }

  /**
   * Start this sample's batch (see the header): the plan rebuilt when an fd changed state; its windows are read
   * when the mapping first asks for one of their files (`fromBatch`).
   */
  private readBatch(): void {
    this.begun = false;
    // files of fresh entries the mapping did not ask for (a fallback file, say): not opened again
    if (this.batchLive) {
      for (const k of this.freshItems) {
        if (this.used[k] === 1) continue;
        const e = this.itemEntry[k];
        const i = this.itemFile[k];
        if (e.fds[i] >= 0) this.closeFd(e.fds[i]);
        if (e.fds[i] !== ABSENT) e.fds[i] = NOT_OPEN;
        this.planDirty = true;
      }
    }
    this.freshItems = [];
    this.batchLive = false;
    if (this.planDirty) this.buildPlan();
    if (this.items.length === 0) return;
    this.used.fill(0);
    this.windowRead.fill(0);
    this.liveWindow = -1;
    this.batchLive = true;
  }

  /**
   * Read window `w` of the plan (items [w·W, (w+1)·W)) in one call of the addon: its kept fds by pread, its other
   * files by their paths (opened and kept, -2, while the budget has room; else read and closed, -1). The buffer
   * holds one window at a time; false when the addon could not (EINVAL, ENOMEM: file by file).
   */
  private readWindow(w: number): boolean {
    this.windowRead[w] = 1;
    this.liveWindow = -1;
    const start = w * this.window;
    const end = Math.min(this.items.length, start + this.window);
    const items = this.items.subarray(start, end);
    const lens = this.lens.subarray(start, end);
    const kept = this.keptOut.subarray(start, end);
    kept.fill(-1);
    // this window's paths (made now, let go after: the plan keeps none)
    let paths = '';
    for (let k = start; k < end; k++) {
      if (this.items[k] >= 0) continue;
      const e = this.itemEntry[k];
      paths += this.dirOf(e) + '/' + this.hs.get(e.h)!.names[this.itemFile[k]] + '\0';
    }
    let from = 0;
    let at = 0;
    for (;;) {
      const r = this.batch!.readBatch!(items, paths, this.bbuf, lens, from, at, kept);
      if (r >= 0) break;
      if (r !== -ENOBUFS) return false;
      // a bigger buffer, the bytes read so far copied, and on from the first file that did not fit
      for (; lens[from] !== -ENOBUFS; from++) if (lens[from] > 0) at += lens[from];
      const bigger = Buffer.allocUnsafe(this.bbuf.length * 2);
      this.bbuf.copy(bigger, 0, 0, at);
      this.bbuf = bigger;
    }
    at = 0;
    const offs = this.offs;
    for (let k = start; k < end; k++) {
      offs[k] = at;
      const n = this.lens[k];
      if (n > 0) at += n;
      if (this.items[k] >= 0) continue;
      // opened by the batch: kept (-2), or read beyond the budget (-1: the next batches read it by its path)
      const e = this.itemEntry[k];
      const i = this.itemFile[k];
      const fd = this.keptOut[k];
      if (fd >= 0) {
        e.fds[i] = fd;
        this.openCount++;
        this.planDirty = true;
      } else if (this.items[k] === -1 && n >= 0 && e.fds[i] === NOT_OPEN) {
        e.fds[i] = PATH_READ;
        this.planDirty = true;
      }
    }
    this.liveWindow = w;
    return true;
  }

  /**
   * The batch's items, cgroup after cgroup (the order the mapping asks in: its files in every hierarchy, parents
   * before children), in windows of `window` items: each kept fd (pread); each PATH_READ file, opened and kept (-2)
   * while the budget has room, else read by its path (-1); and the counters of fresh entries (never batched: a
   * first sample), the same way.
   */
  private buildPlan(): void {
    this.planDirty = false;
    const gen = ++this.planGen;
    const items: number[] = [];
    const itemEntry: Entry[] = [];
    const itemFile: number[] = [];
    let room = this.maxOpen - this.openCount;
    // each cgroup's entries in every hierarchy, in the order first listed
    const byPath = new Map<string, Entry[]>();
    for (const ph of this.hs.values()) {
      for (const e of ph.entries.values()) {
        const l = byPath.get(e.path);
        if (l) l.push(e);
        else byPath.set(e.path, [e]);
      }
    }
    for (const es of byPath.values()) {
      for (const e of es) {
        e.slots = undefined;
        e.slotsPlan = 0;
        if (e.removed) continue;
        const ph = this.hs.get(e.h)!;
        const fresh = e.fresh;
        e.fresh = false;
        let slots: number[] | undefined;
        for (let i = 0; i < e.fds.length; i++) {
          const fd = e.fds[i];
          if (!inBatch(fd, fresh, ph.how[i])) continue;
          const item = fd >= 0 ? fd : room-- > 0 ? -2 : -1;
          if (fresh) this.freshItems.push(items.length);
          (slots ??= new Array<number>(e.fds.length).fill(-1))[i] = items.length;
          items.push(item);
          itemEntry.push(e);
          itemFile.push(i);
        }
        e.slots = slots;
        e.slotsPlan = slots ? gen : 0;
      }
    }
    this.items = Int32Array.from(items);
    this.itemEntry = itemEntry;
    this.itemFile = itemFile;
    this.lens = new Int32Array(items.length);
    this.offs = new Int32Array(items.length);
    this.keptOut = new Int32Array(items.length);
    this.used = new Uint8Array(items.length);
    this.windowRead = new Uint8Array(Math.ceil(items.length / this.window));
    if (this.bbuf.length === 0) this.bbuf = Buffer.allocUnsafe(1 << 16);
  }

  /**
   * File `i` of `e` as this sample's batch read it (once; `prev` when byte-equal to it), its window read first if
   * it was not yet in this sample; or undefined: not in the batch, handed out already, in a window read earlier
   * whose bytes are gone (the buffer holds one window), or a read that failed — then it is read on its own.
   */
  private fromBatch(e: Entry, i: number, prev: string | undefined): string | undefined {
    if (e.slotsPlan !== this.planGen) return undefined;
    const k = e.slots![i];
    if (k < 0 || this.used[k] === 1) return undefined;
    const w = Math.floor(k / this.window);
    if (w !== this.liveWindow && (this.windowRead[w] === 1 || !this.readWindow(w))) return undefined;
    this.used[k] = 1;
    const n = this.lens[k];
    if (n < 0) return undefined;
    this.batchedCount++;
    const at = this.offs[k];
    if (prev === undefined || n !== prev.length) return latin1(this.bbuf, at, at + n);
    // a short file compared byte by byte; a long one (memory.stat) as a string: V8's compare is native, the
    // string short-lived (collected in the young generation)
    if (n <= SHORT_FILE) return sameBytes(this.bbuf, prev, at) ? prev : latin1(this.bbuf, at, at + n);
    const t = latin1(this.bbuf, at, at + n);
    return t === prev ? prev : t;
  }

  /** Text of file `i` of `e`: through its cached fd, else opened (and kept open unless `once` or over budget). */
  private readFile(e: Entry, i: number, name: string, once: boolean, prev?: string): string | undefined {
    const fd = e.fds[i];
    if (fd === ABSENT) return undefined;
    // read once (a gated file while free, an aged file): not in the next batches
    if (once && fd === PATH_READ) e.fds[i] = NOT_OPEN;
    if (this.begun) this.readBatch();
    if (this.batchLive) {
      const t = this.fromBatch(e, i, prev);
      if (t !== undefined) return t;
    }
    let stale = false;
    if (fd >= 0) {
      try {
        return this.readFd(fd, prev);
      } catch (err) {
        const file = this.dirOf(e) + '/' + name;
        this.closeFd(fd);
        e.fds[i] = NOT_OPEN;
        // a cached fd of a removed cgroup: ENODEV (the kernfs node is gone); reopen below
        if (classifyTolerable(err) !== 'gone') return this.failed(err, file);
        e.gen++;
        e.kept.fill(undefined); // texts of the removed cgroup
        e.agedAt = -Infinity;
        this.staleSeen = stale = true;
      }
    }
    const file = this.dirOf(e) + '/' + name;
    let nfd: number | undefined;
    try {
      nfd = wrap(this.tolerance, file, () => this.openFile(file));
    } catch (err) {
      return this.failed(err, file);
    }
    if (nfd === undefined) {
      if (stale) e.removed = true; // removed, not recreated
      else e.fds[i] = ABSENT;
      this.planDirty = true;
      return undefined;
    }
    let t: string | undefined;
    try {
      t = wrap(this.tolerance, file, () => this.readFd(nfd, prev));
    } catch (err) {
      this.ops.close(nfd);
      return this.failed(err, file);
    }
    if (t !== undefined && !once && this.openCount < this.maxOpen) {
      e.fds[i] = nfd;
      this.openCount++;
    } else {
      this.ops.close(nfd);
      // a file read at every sample beyond the budget: the next batch reads it
      if (t !== undefined && !once && this.batch !== undefined) e.fds[i] = PATH_READ;
    }
    if (e.fds[i] !== fd) this.planDirty = true;
    return t;
  }
}
