/**
 * Small synchronous read helpers for pseudo-files. Synchronous on purpose: procfs/cgroupfs reads
 * never block on disk, and sync calls are several times cheaper than promises for thousands of tiny files.
 * The `read…` helpers convert errors to NsxError (with the path); the `readWhole…` ones leave Node's errors for
 * `wrap()` (src/host/tolerance.ts) to classify: `wrap(undefined, path, readWhole, 'gone')` is a file or undefined.
 */
import { closeSync, constants, openSync, readSync, readlinkSync, readdirSync, statSync, lstatSync, type Dirent, type Stats } from 'node:fs';
import { errnoOf, fromFsError } from '../errors.js';

/**
 * A buffer that grows: what `readAll` reads into. One per reader that keeps bytes between calls (the sampler's
 * memo compares them); `shared` serves the plain whole-file reads (synchronous, so never used by two at once).
 */
export interface ReadBuffer {
  buf: Buffer;
}

const shared: ReadBuffer = { buf: Buffer.allocUnsafe(1 << 16) };

/** The read(2)/pread(2) the loop makes; replaceable in tests (short reads, EIO). Node's `readSync` shape. */
export type ReadFn = (fd: number, buf: Buffer, offset: number, length: number, position: number | null) => number;

/** read(2)/pread(2) itself (the sampler's syscall layer hands it to `readAll`). */
export const systemRead: ReadFn = readSync;

/**
 * THE read of a kernel file (procfs, sysfs, cgroupfs) — and of every other file nsx reads: from `fd` into
 * `into.buf` until read(2) returns 0, growing the buffer as needed; returns the byte count.
 *
 * A short read is not the end of the file. `seq_file`-backed files (`/proc/PID/mountinfo`, `cgroup.procs`, `tasks`,
 * `cgroup.threads`, …) return about one page per read(2) whatever the buffer size; only a read of 0 bytes ends
 * them (kernel-facts.md, "Reading kernel files"). `positional`: pread from offset 0 (a kept fd the kernel
 * regenerates at offset 0) instead of the fd's own position. Node's errors propagate (for `wrap()`).
 */
export function readAll(fd: number, into: ReadBuffer, positional = false, read: ReadFn = systemRead): number {
  let n = 0;
  for (;;) {
    if (n === into.buf.length) {
      const bigger = Buffer.allocUnsafe(into.buf.length * 2);
      into.buf.copy(bigger, 0, 0, n);
      into.buf = bigger;
    }
    const r = read(fd, into.buf, n, into.buf.length - n, positional ? n : null);
    if (r === 0) return n;
    n += r;
  }
}

/** `readAll` of a path: open, read to the end, close. Node's own errors (for `wrap()` to classify). */
function readAllPath(path: string, into: ReadBuffer): number {
  const fd = openSync(path, 'r');
  try {
    return readAll(fd, into);
  } finally {
    closeSync(fd);
  }
}

/** A whole file as UTF-8 (see `readAll`). Node's own errors (for `wrap()` to classify). */
export function readWhole(path: string): string {
  const n = readAllPath(path, shared);
  return shared.buf.toString('utf8', 0, n);
}

/** `buf[a..b)` as latin1: Buffer's own fast path (`toString('latin1')` checks its arguments first). */
export function latin1(buf: Buffer, a: number, b: number): string {
  return (buf as unknown as { latin1Slice(a: number, b: number): string }).latin1Slice(a, b);
}

/** A whole file as latin1 (one char per byte: offsets are byte offsets). Node's own errors. */
export function readWholeLatin1(path: string): string {
  const n = readAllPath(path, shared);
  return latin1(shared.buf, 0, n);
}

/**
 * A whole file in pieces, for files too big to hold at once (nsx record export's spill files): yields every read
 * until read(2) returns 0 (the view is reused by the next read: copy or write it before asking for the next).
 * Throws NsxError.
 */
export function* readChunks(path: string, chunk = 1 << 20): Generator<Buffer> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fromFsError(e, path);
  }
  const buf = Buffer.allocUnsafe(chunk);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw fromFsError(e, path);
      }
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * `length` bytes of a file from `position` (fewer at its end): pread(2) until they are all there or it returns 0.
 * For files nsx writes itself and reads in parts (a recording's segment headers and indexes). Throws NsxError.
 */
export function readRange(path: string, position: number, length: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fromFsError(e, path);
  }
  const buf = Buffer.allocUnsafe(Math.max(0, length));
  let n = 0;
  try {
    while (n < length) {
      const r = readSync(fd, buf, n, length - n, position + n);
      if (r === 0) break;
      n += r;
    }
  } catch (e) {
    throw fromFsError(e, path);
  } finally {
    closeSync(fd);
  }
  return buf.subarray(0, n);
}

/** A whole file as a new Buffer of its own. Node's own errors. */
export function readWholeBytes(path: string): Buffer {
  const n = readAllPath(path, shared);
  return Buffer.from(shared.buf.subarray(0, n));
}

/** Read a whole file as latin1-safe UTF-8 text. Throws NsxError. */
export function readText(path: string): string {
  try {
    return readWhole(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** Read a whole file as bytes. Throws NsxError. */
export function readBytes(path: string): Buffer {
  try {
    return readWholeBytes(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** readlink(2). Throws NsxError. */
export function readLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** List a directory's entry names. Throws NsxError. */
export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** List a directory with file types. Throws NsxError. */
export function listDirTyped(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** stat(2) following links. Throws NsxError. */
export function statPath(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** lstat(2). Throws NsxError. */
export function lstatPath(path: string): Stats {
  try {
    return lstatSync(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** A device of records kept open (see `openRecordStream`). */
export interface RecordStream {
  /** The records that arrived since the last call (at most `max`), in order. */
  drain(each: (record: string) => void, max?: number): void;
  close(): void;
}

/**
 * A device that returns one record per read(2) (`/dev/kmsg`), opened non-blocking and kept open: each `drain`
 * reads on from where the last one stopped until the device has no more (EAGAIN) or returns 0, so a reader that
 * keeps it reads each record once. EPIPE (records overwritten while reading) skips on: the next read resumes at
 * the oldest record. Errors other than those propagate as NsxError.
 */
export function openRecordStream(path: string): RecordStream {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fromFsError(e, path);
  }
  const buf = Buffer.allocUnsafe(16384);
  let open = true;
  return {
    drain(each, max = 1_000_000) {
      for (let i = 0; i < max && open; i++) {
        let n: number;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (e) {
          const code = errnoOf(e);
          if (code === 'EAGAIN') break;
          if (code === 'EPIPE') continue;
          throw fromFsError(e, path);
        }
        if (n === 0) break;
        each(buf.toString('utf8', 0, n));
      }
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/**
 * A device that returns one record per read(2) (`/dev/kmsg`): `each(text)` per record, from the oldest still
 * there, until the device has no more (see `openRecordStream`). At most `max` records.
 */
export function readRecords(path: string, each: (record: string) => void, max = 1_000_000): void {
  const s = openRecordStream(path);
  try {
    s.drain(each, max);
  } finally {
    s.close();
  }
}
