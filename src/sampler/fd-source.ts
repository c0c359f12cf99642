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
 * - Opens live within the process's fd limit: on EMFILE/ENFILE some cached fds are closed and the cap lowered;
 *   files beyond the cap are read with open/read/close each time.
 * Vanished and denied files go through `wrap` (src/host/tolerance.ts) into the source's Tolerance; other
 * errors (EIO, …) propagate.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { HostPaths } from '../host/paths.js';
import { classifyTolerable, Tolerance, wrap } from '../host/tolerance.js';
import type { Hierarchy } from '../model/cgroup.js';
import { cgroupDir } from '../readers/cgroupfs/layout.js';
import type { CgroupFileSource, SamplePlan } from '../readers/cgroupfs/sample.js';
import { errnoOf, fromFsError } from '../errors.js';

/** fd slot states besides an open fd (≥ 0) */
const NOT_OPEN = -1;
const ABSENT = -2;

interface Entry {
  readonly dir: string;
  readonly fds: Int32Array;
  gen: number;
  /** a stale fd was seen and the file could not be reopened: the cgroup is gone (until listed again) */
  removed: boolean;
}

interface PerHierarchy {
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  entries: Map<string, Entry>;
}

/** Syscall layer, replaceable in tests (e.g. to inject EIO). */
export interface FdOps {
  open(path: string): number;
  pread(fd: number, buf: Buffer): number;
  close(fd: number): void;
}

export const realFdOps: FdOps = {
  open: (p) => openSync(p, 'r'),
  pread: (fd, buf) => readSync(fd, buf, 0, buf.length, 0),
  close: (fd) => closeSync(fd),
};

export class FdSource implements CgroupFileSource {
  private readonly hs = new Map<Hierarchy, PerHierarchy>();
  private buf = Buffer.allocUnsafe(1 << 16);
  private openCount = 0;
  private staleSeen = false;
  /** where vanished/denied files are recorded; replace per sample with `useTolerance` */
  tolerance = new Tolerance();

  constructor(
    private readonly paths: HostPaths,
    plan: SamplePlan,
    private maxOpen = 16_384,
    private readonly ops: FdOps = realFdOps,
  ) {
    for (const [h, names] of plan.files) this.hs.set(h, { names, index: new Map(names.map((n, i) => [n, i])), entries: new Map() });
  }

  /**
   * The cgroups each hierarchy holds, from a fresh listing. Known cgroups keep their open files (their "absent"
   * marks are forgotten: files may have appeared); cgroups no longer listed have their files closed.
   */
  setListing(listing: ReadonlyMap<Hierarchy, Iterable<string>>): void {
    for (const [h, ph] of this.hs) {
      const next = new Map<string, Entry>();
      for (const path of listing.get(h) ?? []) {
        let e = ph.entries.get(path);
        if (e) {
          for (let i = 0; i < e.fds.length; i++) if (e.fds[i] === ABSENT) e.fds[i] = NOT_OPEN;
        } else {
          let dir: string;
          try {
            dir = cgroupDir(this.paths, h, path);
          } catch {
            continue; // `..` paths: not in this cgroup namespace (NotFoundError by construction)
          }
          e = { dir, fds: new Int32Array(ph.names.length).fill(NOT_OPEN), gen: 0, removed: false };
        }
        next.set(path, e);
      }
      for (const [path, e] of ph.entries) if (!next.has(path)) this.closeEntry(e);
      ph.entries = next;
    }
  }

  identity(h: Hierarchy, path: string): number | undefined {
    const e = this.hs.get(h)?.entries.get(path);
    return e && !e.removed ? e.gen : undefined;
  }

  generation(h: Hierarchy, path: string): number | undefined {
    return this.identity(h, path);
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
    for (const ph of this.hs.values()) {
      for (const e of ph.entries.values()) this.closeEntry(e);
      ph.entries.clear();
    }
  }

  private closeFd(fd: number): void {
    this.ops.close(fd);
    this.openCount--;
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

  private readFd(fd: number): string {
    for (;;) {
      const n = this.ops.pread(fd, this.buf);
      // latin1Slice: Buffer's own fast path (toString('latin1') checks its arguments first)
      if (n < this.buf.length) return (this.buf as unknown as { latin1Slice(a: number, b: number): string }).latin1Slice(0, n);
      this.buf = Buffer.allocUnsafe(this.buf.length * 2);
    }
  }

  text(h: Hierarchy, path: string, name: string): string | undefined {
    const ph = this.hs.get(h);
    const e = ph?.entries.get(path);
    const i = ph?.index.get(name);
    if (!e || i === undefined || e.removed) return undefined;
    const fd = e.fds[i];
    if (fd === ABSENT) return undefined;
    const file = e.dir + '/' + name;
    let stale = false;
    if (fd >= 0) {
      try {
        return this.readFd(fd);
      } catch (err) {
        this.closeFd(fd);
        e.fds[i] = NOT_OPEN;
        // a cached fd of a removed cgroup: ENODEV (the kernfs node is gone); reopen below
        if (classifyTolerable(err) !== 'gone') throw fromFsError(err, file);
        e.gen++;
        this.staleSeen = stale = true;
      }
    }
    const nfd = wrap(this.tolerance, file, () => this.openFile(file));
    if (nfd === undefined) {
      if (stale) e.removed = true; // removed, not recreated
      else e.fds[i] = ABSENT;
      return undefined;
    }
    let t: string | undefined;
    try {
      t = wrap(this.tolerance, file, () => this.readFd(nfd));
    } catch (err) {
      this.ops.close(nfd);
      throw err;
    }
    if (t !== undefined && this.openCount < this.maxOpen) {
      e.fds[i] = nfd;
      this.openCount++;
    } else this.ops.close(nfd);
    return t;
  }
}
