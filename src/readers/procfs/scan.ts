/**
 * Many processes' files in one batch: `/proc/PID/<file>` for a few files (`stat` or `comm`, `cmdline`, `cgroup`, `status`),
 * the owner of `/proc/PID` and the 8 `ns/*` links of a list of PIDs, read by the nsx-procscan.node addon
 * (native-bindings/procscan.ts) — relative to each process's directory, and on a second thread that reads ahead
 * while JavaScript parses what is read — instead of a dozen system calls from JavaScript per process. Each file is
 * read whole (read(2) until 0, as src/host/read.ts reads one). Undefined when the addon is not there: callers read
 * file by file (src/readers/procfs/process.ts), with the same results.
 *
 * A file that could not be read carries its errno; `ProcScan` turns it into the NsxError a plain read of that path
 * would have thrown (src/errors.ts `fromFsError`), so tolerance is decided where it always is.
 */
import { constants } from 'node:os';
import type { HostPaths } from '../../host/paths.js';
import { latin1 } from '../../host/read.js';
import { fromFsError } from '../../errors.js';
import { NS_TYPES, nsLinkInode, type NsType } from '../../parse/nsid-link.js';
import { SCAN_OWNER, SCAN_SKIPPED, SCAN_STATUS, SCAN_THREAD, errnoName, procScanAddon, twoCpus, type ProcScanAddon, type ScanHandle } from '../../../native-bindings/procscan.js';

export type ScannedFile = 'stat' | 'comm' | 'status' | 'cmdline' | 'cgroup';

export interface ScanWhat {
  /** files of each process directory to read whole (status: see `status`) */
  readonly files: readonly ('stat' | 'comm' | 'cmdline' | 'cgroup')[];
  /** read the 8 namespace links */
  readonly links?: boolean;
  /** stat the process directory: its owner (st_uid) */
  readonly owner?: boolean;
  /** read status too; with `unlessPidNs`, not for processes whose PID namespace is that one (needs `links`) */
  readonly status?: { readonly unlessPidNs?: number };
}

/** Is the batch read available here (the addon built and loadable)? */
export function canScan(): boolean {
  return procScanAddon() !== undefined;
}

/** The page size (bytes), when the addon is there. */
export function scanPageSize(): number | undefined {
  return procScanAddon()?.pageSize();
}

/**
 * Start reading the files of `pids` in one batch; undefined when the addon is not available (or `proc` not
 * openable). Read the result in PID order (`ProcScan`); close it when done.
 */
export function scanProcesses(paths: HostPaths, pids: readonly number[], what: ScanWhat): ProcScan | undefined {
  const a = procScanAddon();
  if (!a || pids.length === 0) return undefined;
  const links = what.links ? NS_TYPES.join('\0') : '';
  const flags = (twoCpus() ? SCAN_THREAD : 0) | (what.owner ? SCAN_OWNER : 0) | (what.status ? SCAN_STATUS : 0);
  const unless = what.status?.unlessPidNs;
  const h = a.scanStart(paths.proc, Int32Array.from(pids), what.files.join('\0'), links, flags, unless !== undefined && what.links ? `pid:[${unless}]` : '');
  if (typeof h === 'number') return undefined; // <proc> itself not there: the plain reads say why
  return new ProcScan(paths, a, h, pids, what);
}

/** A batch read under way: per PID, each file's bytes or errno, read in PID order as the addon delivers them. */
export class ProcScan {
  private readonly fresh: Set<number>;
  /** PID → index of its record, for the records delivered so far */
  private readonly at = new Map<number, number>();
  /** each chunk's buffer and its index (records, parts, then per record: pid, (offset, n) per part) */
  private readonly chunks: Buffer[] = [];
  private readonly indexes: Int32Array[] = [];
  /** per record: its chunk, and where its entry starts in that chunk's index */
  private readonly chunkOf: Int32Array;
  private readonly entryOf: Int32Array;
  private records = 0;
  private done = false;
  /** part index of the owner, each file, the first link (-1: not read) */
  private readonly ownerAt: number;
  private readonly fileAt: Partial<Record<ScannedFile, number>> = {};
  private readonly linksAt: number;

  constructor(
    private readonly paths: HostPaths,
    private readonly addon: ProcScanAddon,
    private readonly handle: ScanHandle,
    pids: readonly number[],
    what: ScanWhat,
  ) {
    this.fresh = new Set(pids);
    let k = 0;
    this.ownerAt = what.owner ? k++ : -1;
    for (const f of what.files) this.fileAt[f] = k++;
    this.linksAt = what.links ? k : -1;
    k += what.links ? NS_TYPES.length : 0;
    if (what.status) this.fileAt.status = k++;
    this.chunkOf = new Int32Array(pids.length);
    this.entryOf = new Int32Array(pids.length);
  }

  /** Is this PID one of the scan's? */
  has(pid: number): boolean {
    return this.fresh.has(pid);
  }

  /** Stop the scan and free what the addon holds (idempotent). */
  close(): void {
    if (!this.done) {
      this.done = true;
      this.addon.scanClose(this.handle);
    }
  }

  /** Index the next chunk of records; false when there is none. */
  private pull(): boolean {
    if (this.done) return false;
    const buf = this.addon.scanNext(this.handle);
    if (buf === null) {
      this.done = true;
      return false;
    }
    if (typeof buf === 'number') {
      this.close();
      throw fromFsError({ code: errnoName(-buf) }, this.paths.proc);
    }
    const head = new Int32Array(buf.buffer, buf.byteOffset, 2);
    const [records, parts] = head;
    // (the addon's buffers are malloc'ed: aligned for an Int32Array view)
    const idx = new Int32Array(buf.buffer, buf.byteOffset, 2 + records * (1 + 2 * parts));
    const c = this.chunks.push(buf) - 1;
    this.indexes.push(idx);
    for (let r = 0, e = 2; r < records; r++, e += 1 + 2 * parts) {
      const i = this.records++;
      this.at.set(idx[e], i);
      this.chunkOf[i] = c;
      this.entryOf[i] = e;
    }
    return true;
  }

  /** The chunk and index of the record last found by `part` (no object made per lookup). */
  private buf: Buffer = Buffer.alloc(0);
  private idx: Int32Array = new Int32Array(0);

  /**
   * Find the record of a PID (reading on until it is there): sets `buf` and `idx` to its chunk's, and returns
   * where part `part`'s (offset, n) pair is in `idx`.
   */
  private part(pid: number, part: number): number {
    let i = this.at.get(pid);
    while (i === undefined && this.pull()) i = this.at.get(pid);
    if (i === undefined || part < 0) throw new Error(`scan: no such record (${pid}, ${part})`);
    const c = this.chunkOf[i];
    this.buf = this.chunks[c];
    this.idx = this.indexes[c];
    return this.entryOf[i] + 1 + 2 * part;
  }

  /** A file's part (as `part`); throws the NsxError a plain read would have thrown when it could not be read. */
  private file(pid: number, file: ScannedFile): number {
    const at = this.part(pid, this.fileAt[file] ?? -1);
    const n = this.idx[at + 1];
    if (n < 0) throw fromFsError({ code: errnoName(-n) }, `${this.paths.proc}/${pid}/${file}`);
    return at;
  }

  /** Copy a file's bytes into `into` (grown as needed); its length. Throws the NsxError of a failed read. */
  bytesInto(pid: number, file: ScannedFile, into: { buf: Buffer }): number {
    const at = this.file(pid, file);
    const off = this.idx[at];
    const n = this.idx[at + 1];
    if (into.buf.length < n) into.buf = Buffer.allocUnsafe(Math.max(n, into.buf.length * 2));
    this.buf.copy(into.buf, 0, off, off + n);
    return n;
  }

  /** A file as UTF-8 text (as readText gives it). Throws the NsxError of a failed read. */
  text(pid: number, file: ScannedFile): string {
    const at = this.file(pid, file);
    return (this.buf as unknown as { utf8Slice(a: number, b: number): string }).utf8Slice(this.idx[at], this.idx[at] + this.idx[at + 1]);
  }

  /** A file as latin1 (one char per byte), for files whose needed parts are ASCII. Throws like `text`. */
  latin1(pid: number, file: ScannedFile): string {
    const at = this.file(pid, file);
    return latin1(this.buf, this.idx[at], this.idx[at] + this.idx[at + 1]);
  }

  /** Was status read for this process (SCAN_STATUS, its PID namespace not the one excepted)? */
  hasStatus(pid: number): boolean {
    const s = this.fileAt.status;
    return s !== undefined && this.idx[this.part(pid, s) + 1] !== SCAN_SKIPPED;
  }

  /** The owner (st_uid) of the process's directory. Throws the NsxError of a failed stat. */
  owner(pid: number): number {
    const at = this.part(pid, this.ownerAt);
    const n = this.idx[at + 1];
    if (n < 0) throw fromFsError({ code: errnoName(-n) }, `${this.paths.proc}/${pid}`);
    return this.buf.readUInt32LE(this.idx[at]);
  }

  /**
   * The namespace links as `readNsLinks(paths, pid, NS_TYPES)` gives them when every link could be read;
   * undefined when one could not (the caller reads them again one by one: src/readers/procfs/ns.ts decides what
   * a missing link means).
   */
  nsLinks(pid: number): Readonly<Partial<Record<NsType, number>>> | undefined {
    const at = this.part(pid, this.linksAt);
    const { buf, idx } = this;
    // the addon writes a record's links one after the other: their bytes together name the whole set, and
    // processes in the same namespaces (most of them) share one frozen object, parsed once
    const first = idx[at];
    let end = first;
    for (let t = 0; t < NS_TYPES.length; t++) {
      const n = idx[at + 2 * t + 1];
      if (n < 0) return undefined;
      if (idx[at + 2 * t] !== end) return this.parseLinks(at);
      end += n;
    }
    const key = latin1(buf, first, end);
    let ns = this.nsSets.get(key);
    if (ns === undefined) this.nsSets.set(key, (ns = Object.freeze(this.parseLinks(at))));
    return ns;
  }

  /** Namespace sets met in this scan, by the bytes of their links (see nsLinks). */
  private readonly nsSets = new Map<string, Readonly<Partial<Record<NsType, number>>>>();

  /** The links of the record whose link parts start at `at` in `idx`, each parsed (all read: see nsLinks). */
  private parseLinks(at: number): Partial<Record<NsType, number>> {
    const out: Partial<Record<NsType, number>> = {};
    const { buf, idx } = this;
    for (let t = 0; t < NS_TYPES.length; t++) {
      const off = idx[at + 2 * t];
      const ino = nsLinkInode(latin1(buf, off, off + idx[at + 2 * t + 1]), NS_TYPES[t]);
      if (ino !== undefined) out[NS_TYPES[t]] = ino;
    }
    return out;
  }
}

/**
 * Kept descriptors re-read in one call (the addon's readFds: pread from offset 0 until 0, each): a repeated read
 * of thousands of processes makes one call instead of one `readSync` per process. Undefined when the addon is not
 * there (callers read each descriptor themselves). After `read(fds)`, `bytes(i)` is descriptor i's length (its
 * bytes at `offset(i)` in `buf`), or -errno when it could not be read.
 */
export class KeptReads {
  buf: Buffer = Buffer.allocUnsafe(1 << 18);
  private lens = new Int32Array(0);
  private offs = new Int32Array(0);

  private constructor(private readonly addon: ProcScanAddon) {}

  static open(): KeptReads | undefined {
    const a = procScanAddon();
    return a ? new KeptReads(a) : undefined;
  }

  /** Read every descriptor of `fds`; false when the call failed as a whole (read them one by one then). */
  read(fds: Int32Array): boolean {
    if (this.lens.length < fds.length) {
      this.lens = new Int32Array(fds.length);
      this.offs = new Int32Array(fds.length);
    }
    let n = this.addon.readFds(fds, this.buf, this.lens);
    while (n === -ENOBUFS) {
      this.buf = Buffer.allocUnsafe(this.buf.length * 2);
      n = this.addon.readFds(fds, this.buf, this.lens);
    }
    if (n < 0) return false;
    for (let i = 0, at = 0; i < fds.length; i++) {
      this.offs[i] = at;
      if (this.lens[i] > 0) at += this.lens[i];
    }
    return true;
  }

  /** Descriptor i's length, or -errno. */
  length(i: number): number {
    return this.lens[i];
  }

  /** Where descriptor i's bytes start in `buf`. */
  offset(i: number): number {
    return this.offs[i];
  }

  /** The NsxError a plain read of `path` would have thrown for descriptor i (its length is negative). */
  error(i: number, path: string): Error {
    return fromFsError({ code: errnoName(-this.lens[i]) }, path);
  }
}

/** readFds's "the buffer is too small" */
const ENOBUFS = constants.errno.ENOBUFS;
