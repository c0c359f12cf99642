/**
 * The recording directory (`--dir`, default /var/lib/nsx): segment files `nsx-YYYYMMDDTHHMMSS.mmmZ.nsxr`
 * (src/record/format.ts), named by the wall time of their first frame so that name order is time order, and a
 * `LOCK` file holding the recorder's PID (one recorder per directory).
 *
 *   const w = openStoreWriter(dir, { retainMs, maxBytes, segmentMs });   // repairs and seals what a crash left
 *   w.append(timeMs, (enc) => { enc.put(…); … });                          // one frame: encoded, compressed, written
 *   w.close();                                                             // seals the open segment
 *
 *   listSegments(dir): SegmentFile[]                                       // for the readers (src/record/recording.ts)
 *
 * Durability: each frame is one write(2) followed by fdatasync(2) — a `kill -9` or a power loss loses at most
 * the frame being written (its torn bytes are dropped when the segment is next opened; see docs/record.md for
 * the cost). A new segment's directory entry is made durable with an fsync of the directory.
 * Retention: after each new segment, the oldest segments go while they ended before now − `retainMs`, or while
 * the directory holds more than `maxBytes`; the segment being written is never removed.
 */
import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { readBytes, readWhole } from '../host/read.js';
import { fromFsError, errnoOf, NsxError } from '../errors.js';
import { wrap } from '../host/tolerance.js';
import { FrameEncoder } from './columns.js';
import { deflateFrame, encodeFrame, encodeHeader, encodeSeal, FRAME_HEADER, nextWindow, parseSegment, SegmentError, T_DELTA, T_KEY, type FrameRef, type SegmentHeader } from './format.js';

export { DEFAULT_DIR } from './store-paths.js';
export const SEGMENT_SUFFIX = '.nsxr';
const NAME = /^nsx-(\d{8}T\d{6}\.\d{3}Z)(?:-(\d+))?\.nsxr$/;

/** A segment file of the directory. */
export interface SegmentFile {
  readonly path: string;
  readonly name: string;
  /** wall time of its first frame, from its name (ms) */
  readonly start_ms: number;
  readonly bytes: number;
}

/** `nsx-20261208T170000.000Z.nsxr` for a time (ms). */
export function segmentName(ms: number, n = 0): string {
  const iso = new Date(ms).toISOString().replace(/[-:]/g, '');
  return `nsx-${iso}${n ? `-${n}` : ''}${SEGMENT_SUFFIX}`;
}

function startOf(name: string): number | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const s = m[1];
  const ms = Date.parse(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13)}`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The segments of `dir`, oldest first (files of other names are ignored). NsxError when `dir` cannot be listed. */
export function listSegments(dir: string): SegmentFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw fromFsError(e, dir);
  }
  const out: SegmentFile[] = [];
  for (const name of names) {
    const start_ms = startOf(name);
    if (start_ms === undefined) continue;
    const path = join(dir, name);
    const st = wrap(undefined, path, (p) => statSync(p), 'gone');
    if (!st?.isFile()) continue;
    out.push({ path, name, start_ms, bytes: st.size });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface StoreOptions {
  /** remove segments that ended more than this long ago (ms); undefined = keep */
  readonly retainMs?: number;
  /** keep the directory under this many bytes (the oldest segments go); undefined = no cap */
  readonly maxBytes?: number;
  /** start a new segment after this long (default 1 h) */
  readonly segmentMs?: number;
  /** start a new chunk (keyframe) every this many frames (default 120: 10 minutes at 5 s) */
  readonly keyframeEvery?: number;
  /** header facts written into each segment */
  readonly header?: Omit<SegmentHeader, 'version' | 'created_ms'>;
  /** fdatasync after every frame (default true) */
  readonly sync?: boolean;
  /** wall clock (tests) */
  readonly now?: () => number;
}

export const DEFAULT_SEGMENT_MS = 3_600_000;
export const DEFAULT_KEYFRAME_EVERY = 120;

/** The segment being written. */
class OpenSegment {
  readonly frames: FrameRef[] = [];
  size: number;
  window: Buffer | undefined;
  sinceKey = 0;

  constructor(
    readonly path: string,
    readonly fd: number,
    readonly start_ms: number,
    headerBytes: number,
  ) {
    this.size = headerBytes;
  }
}

function writeAll(fd: number, b: Buffer, path: string): void {
  let off = 0;
  try {
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    fsyncSync(fd);
  } catch (e) {
    // some filesystems refuse fsync on a directory (EINVAL): the entry is then as durable as the filesystem makes it
    if (errnoOf(e) !== 'EINVAL') throw fromFsError(e, dir);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Seal a segment left open (by a crash): drop its torn tail, append the index and the trailer. */
export function sealLeftover(path: string): { frames: number; dropped: number } | undefined {
  const buf = readBytes(path);
  let p;
  try {
    p = parseSegment(buf);
  } catch (e) {
    if (!(e instanceof SegmentError)) throw e;
    return undefined; // not a segment we can read: leave it alone (readers say why)
  }
  if (p.sealed) return undefined;
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, p.end);
    const seal = encodeSeal(p.frames, p.end);
    let off = 0;
    while (off < seal.length) off += writeSync(fd, seal, off, seal.length - off, p.end + off);
    fdatasyncSync(fd);
  } catch (e) {
    throw fromFsError(e, path);
  } finally {
    closeSync(fd);
  }
  return { frames: p.frames.length, dropped: buf.length - p.end };
}

/**
 * mkdir -p, one level at a time (Node's recursive mkdir loops forever on a path under /proc, where mkdir of a
 * missing entry says ENOENT with its parent there). NsxError naming the directory when it cannot be made.
 */
function makeDir(dir: string, depth = 0): void {
  try {
    mkdirSync(dir, { mode: 0o750 });
    return;
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'EEXIST' && statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir || depth > 64) throw fromFsError(e, dir);
    if (statSync(parent, { throwIfNoEntry: false })?.isDirectory()) throw fromFsError(e, dir);
  }
  makeDir(dirname(dir), depth + 1);
  try {
    mkdirSync(dir, { mode: 0o750 });
  } catch (e) {
    if (errnoOf(e) !== 'EEXIST') throw fromFsError(e, dir);
  }
}

/** Directories this process holds the lock of. */
const held = new Set<string>();

/**
 * Take the directory's lock (the PID in `LOCK`). A lock whose process is gone is taken over, and so is one
 * naming this very PID from another process's time (a container restarted as PID 1 again).
 */
function lock(dir: string): () => void {
  const path = join(dir, 'LOCK');
  if (held.has(path)) throw new NsxError('io', `nsx record: ${dir}: another recorder of this process writes here`, { path });
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if (errnoOf(e) !== 'EEXIST') throw fromFsError(e, path);
      const pid = Number(wrap(undefined, path, readWhole, 'gone')?.trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new NsxError('io', `nsx record: ${dir}: another recorder (PID ${pid}) writes here; stop it or use another --dir`, { path });
      }
      wrap(undefined, path, unlinkSync, 'gone');
      continue;
    }
    writeAll(fd, Buffer.from(`${process.pid}\n`), path);
    closeSync(fd);
    held.add(path);
    return () => {
      held.delete(path);
      wrap(undefined, path, unlinkSync, 'gone');
    };
  }
  throw new NsxError('io', `nsx record: ${dir}: could not take the lock ${path}`, { path });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    if (errnoOf(e) === 'ESRCH') return false;
    if (errnoOf(e) === 'EPERM') return true;
    throw e;
  }
}

/** What `append` did (for the recorder's own accounting and tests). */
export interface AppendResult {
  readonly keyframe: boolean;
  readonly bytes: number;
  readonly raw: number;
  readonly segment: string;
}

export class StoreWriter {
  private seg: OpenSegment | undefined;
  private readonly enc = new FrameEncoder();
  private readonly unlock: () => void;
  private readonly now: () => number;
  /** segments removed by retention (for the log) */
  removed: string[] = [];

  constructor(
    readonly dir: string,
    private readonly o: StoreOptions = {},
  ) {
    this.now = o.now ?? Date.now;
    makeDir(dir);
    this.unlock = lock(dir);
    // what a crash left open is sealed now (its torn tail dropped), so that readers need not scan it
    for (const s of listSegments(dir)) sealLeftover(s.path);
    this.retain();
  }

  /**
   * Write one frame at wall time `timeMs`: `build` puts the frame's entities into the encoder. A new segment
   * starts when the current one is older than `segmentMs`; a new chunk (keyframe) every `keyframeEvery` frames.
   */
  append(timeMs: number, build: (enc: FrameEncoder) => void): AppendResult {
    const segMs = this.o.segmentMs ?? DEFAULT_SEGMENT_MS;
    const maxSeg = this.o.maxBytes !== undefined ? Math.max(64 * 1024, Math.floor(this.o.maxBytes / 8)) : Infinity;
    if (this.seg && (timeMs - this.seg.start_ms >= segMs || timeMs < this.seg.start_ms || this.seg.size >= maxSeg)) this.rotate();
    const seg = this.seg ?? (this.seg = this.create(timeMs));
    if (seg.frames.length === 0 || seg.sinceKey >= (this.o.keyframeEvery ?? DEFAULT_KEYFRAME_EVERY)) this.enc.keyframe();
    build(this.enc);
    const { raw, keyframe } = this.enc.finish();
    const window = keyframe ? undefined : seg.window;
    const payload = deflateFrame(raw, window);
    const frame = encodeFrame(keyframe ? T_KEY : T_DELTA, timeMs, payload, raw.length);
    writeAll(seg.fd, frame, seg.path);
    if (this.o.sync !== false) {
      try {
        fdatasyncSync(seg.fd);
      } catch (e) {
        throw fromFsError(e, seg.path);
      }
    }
    seg.frames.push({ offset: seg.size, type: keyframe ? T_KEY : T_DELTA, time_ms: timeMs, length: payload.length, raw_length: raw.length });
    seg.size += frame.length;
    seg.window = nextWindow(window, raw);
    seg.sinceKey = keyframe ? 1 : seg.sinceKey + 1;
    return { keyframe, bytes: frame.length, raw: raw.length, segment: seg.path };
  }

  /** The segment being written, if any. */
  get current(): string | undefined {
    return this.seg?.path;
  }

  private create(timeMs: number): OpenSegment {
    let path = '';
    let fd = -1;
    for (let n = 0; ; n++) {
      path = join(this.dir, segmentName(timeMs, n));
      try {
        fd = openSync(path, 'wx', 0o640);
        break;
      } catch (e) {
        if (errnoOf(e) !== 'EEXIST' || n > 100) throw fromFsError(e, path);
      }
    }
    const header = encodeHeader({ ...this.o.header, created_ms: timeMs });
    writeAll(fd, header, path);
    if (this.o.sync !== false) {
      fdatasyncSync(fd);
      syncDir(this.dir);
    }
    return new OpenSegment(path, fd, timeMs, header.length);
  }

  /** Seal the open segment and start none (the next append starts one). */
  rotate(): void {
    const seg = this.seg;
    if (!seg) return;
    this.seg = undefined;
    const seal = encodeSeal(seg.frames, seg.size);
    writeAll(seg.fd, seal, seg.path);
    if (this.o.sync !== false) fdatasyncSync(seg.fd);
    closeSync(seg.fd);
    this.retain();
  }

  /** Apply retention (see the module comment). */
  retain(): void {
    const segs = listSegments(this.dir).filter((s) => s.path !== this.seg?.path);
    const now = this.now();
    const cut = this.o.retainMs !== undefined ? now - this.o.retainMs : -Infinity;
    let total = segs.reduce((n, s) => n + s.bytes, 0) + (this.seg?.size ?? 0);
    for (let i = 0; i < segs.length; i++) {
      // a segment ends where the next begins (the last closed one: at the open one's start, or now)
      const end = i + 1 < segs.length ? segs[i + 1].start_ms : (this.seg?.start_ms ?? now);
      const old = end < cut;
      const big = this.o.maxBytes !== undefined && total > this.o.maxBytes;
      if (!old && !big) break;
      wrap(undefined, segs[i].path, unlinkSync, 'gone');
      total -= segs[i].bytes;
      this.removed.push(segs[i].name);
    }
  }

  /** Seal the open segment and release the lock. */
  close(): void {
    try {
      this.rotate();
    } finally {
      this.unlock();
    }
  }

  /** For tests: drop the open segment without sealing it (what a crash leaves). */
  abandon(): void {
    if (this.seg) closeSync(this.seg.fd);
    this.seg = undefined;
    this.unlock();
  }
}

/** Bytes of the frame header (re-exported for the size accounting of the bench). */
export const FRAME_OVERHEAD = FRAME_HEADER;
