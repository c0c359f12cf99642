/**
 * The segment file format of `nsx record` (docs/record.md, "Segment files"). Pure: bytes in, bytes out.
 *
 *   header   "NSXREC\r\n" · u16 format version · u16 oldest version able to read it · u32 n · n bytes of JSON · u32 CRC-32
 *   frames   u8 type ('K' keyframe, 'D' delta, 'X' index) · u32 payload length · u32 raw length · f64 wall time (ms)
 *            · u32 CRC-32 of the 17 bytes before it and the payload · payload (raw deflate)
 *   trailer  (sealed segments only) "NSXIDX\r\n" · u32 offset of the 'X' frame · u32 CRC-32 of the 12 bytes before it
 *
 * A 'K' frame starts a chunk: its payload is deflated alone. A 'D' frame's payload is deflated with the chunk's
 * last 32 KiB of raw bytes as the preset dictionary (what a streaming deflate would remember, with every frame
 * still a complete deflate stream of its own). The 'X' frame lists every frame (offset, time, type): a sealed
 * segment is opened without scanning; an open one (the recorder's, or one a crash left) is scanned frame by
 * frame, and the scan stops at the first frame that is short or whose CRC is wrong: a torn tail is dropped.
 * Integers are little-endian.
 */
import { createRequire } from 'node:module';

/**
 * node:zlib, loaded on first use: the store's code sits in the commands' chunk (one chunk fewer for every
 * command), and a live `top` or `ps` must not pay for loading zlib (test/docs/bundle.test.ts).
 */
let zlibModule: typeof import('node:zlib') | undefined;
function zlib(): typeof import('node:zlib') {
  return (zlibModule ??= createRequire(process.execPath)('node:zlib') as typeof import('node:zlib'));
}
const crc32 = (data: Uint8Array, value?: number): number => zlib().crc32(data, value);
import { ByteReader, ByteWriter, CorruptRecord } from './bytes.js';

export const MAGIC = Buffer.from('NSXREC\r\n', 'latin1');
export const TRAILER_MAGIC = Buffer.from('NSXIDX\r\n', 'latin1');
/** The format this nsx writes. */
export const FORMAT_VERSION = 1;
/** The newest format this nsx reads (a file whose "oldest reader" is above it is refused with a clear message). */
export const READS_UP_TO = 1;
export const FRAME_HEADER = 21;
export const TRAILER = 16;
/** Dictionary window of delta frames (deflate's own window). */
export const WINDOW = 32 * 1024;

export const T_KEY = 0x4b; // 'K'
export const T_DELTA = 0x44; // 'D'
export const T_INDEX = 0x58; // 'X'

/** What the header's JSON says about the recording (more keys may appear in later versions: read what you know). */
export interface SegmentHeader {
  /** format version of the file */
  readonly version: number;
  /** the nsx that wrote it (`nsx 0.1.0 (commit …)`) */
  readonly writer?: string;
  readonly hostname?: string;
  /** /proc/sys/kernel/random/boot_id: two segments of one boot can give rates across their boundary */
  readonly boot_id?: string;
  /** the recorder's interval (ms) */
  readonly interval_ms?: number;
  /** wall time the segment was created (ms since the epoch) */
  readonly created_ms?: number;
}

/** One frame of a segment, as found by the index or a scan. */
export interface FrameRef {
  readonly offset: number;
  readonly type: number;
  readonly time_ms: number;
  readonly length: number;
  readonly raw_length: number;
}

export interface ParsedSegment {
  readonly header: SegmentHeader;
  /** data frames ('K' and 'D') in file order */
  readonly frames: readonly FrameRef[];
  /** the segment has its index and trailer (the recorder closed it) */
  readonly sealed: boolean;
  /** offset where a scan found a short or damaged frame (a torn tail), if it did */
  readonly tornAt?: number;
  /** where the next frame would go (end of the last good frame) */
  readonly end: number;
}

/** The header bytes of a new segment. */
export function encodeHeader(h: Omit<SegmentHeader, 'version'>): Buffer {
  const json = Buffer.from(JSON.stringify({ version: FORMAT_VERSION, ...h }), 'utf8');
  const b = Buffer.alloc(16 + json.length + 4);
  MAGIC.copy(b, 0);
  b.writeUInt16LE(FORMAT_VERSION, 8);
  b.writeUInt16LE(1, 10);
  b.writeUInt32LE(json.length, 12);
  json.copy(b, 16);
  b.writeUInt32LE(crc32(b.subarray(0, 16 + json.length)), 16 + json.length);
  return b;
}

/** Why a file is not a readable segment: one sentence, or undefined when its header is fine. */
export class SegmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentError';
  }
}

/** Parse the header; throws SegmentError for a foreign, newer or damaged file. Returns the header and its length. */
export function decodeHeader(buf: Buffer): { header: SegmentHeader; length: number } {
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new SegmentError('not an nsx recording (no NSXREC header)');
  if (buf.length < 20) throw new SegmentError('truncated header');
  const version = buf.readUInt16LE(8);
  const oldest = buf.readUInt16LE(10);
  if (oldest > READS_UP_TO) throw new SegmentError(`recorded in format ${version} by a newer nsx; this nsx reads formats up to ${READS_UP_TO}`);
  const n = buf.readUInt32LE(12);
  if (n > 1 << 20 || buf.length < 16 + n + 4) throw new SegmentError('truncated header');
  if (crc32(buf.subarray(0, 16 + n)) !== buf.readUInt32LE(16 + n)) throw new SegmentError('damaged header (checksum mismatch)');
  let header: SegmentHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + n)) as SegmentHeader;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new SegmentError('damaged header (not JSON)');
  }
  if (header === null || typeof header !== 'object') throw new SegmentError('damaged header');
  return { header: { ...header, version }, length: 16 + n + 4 };
}

/** A frame's bytes (header and payload). */
export function encodeFrame(type: number, timeMs: number, payload: Buffer, rawLength: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  b[0] = type;
  b.writeUInt32LE(payload.length, 1);
  b.writeUInt32LE(rawLength, 5);
  b.writeDoubleLE(timeMs, 9);
  payload.copy(b, FRAME_HEADER);
  b.writeUInt32LE(crc32(payload, crc32(b.subarray(0, 17))), 17);
  return b;
}

/** The frame at `offset` if it is whole and its checksum holds; undefined otherwise (a torn or damaged frame). */
export function frameAt(buf: Buffer, offset: number): FrameRef | undefined {
  if (offset + FRAME_HEADER > buf.length) return undefined;
  const type = buf[offset];
  if (type !== T_KEY && type !== T_DELTA && type !== T_INDEX) return undefined;
  const length = buf.readUInt32LE(offset + 1);
  const raw_length = buf.readUInt32LE(offset + 5);
  const time_ms = buf.readDoubleLE(offset + 9);
  if (offset + FRAME_HEADER + length > buf.length || !Number.isFinite(time_ms) || raw_length > 1 << 30) return undefined;
  const crc = crc32(buf.subarray(offset + FRAME_HEADER, offset + FRAME_HEADER + length), crc32(buf.subarray(offset, offset + 17)));
  if (crc !== buf.readUInt32LE(offset + 17)) return undefined;
  return { offset, type, time_ms, length, raw_length };
}

/** Compress a frame's raw bytes (`window`: the chunk's last raw bytes, for a delta frame). */
export function deflateFrame(raw: Buffer, window?: Buffer): Buffer {
  return zlib().deflateRawSync(raw, window && window.length ? { level: 6, dictionary: window } : { level: 6 });
}

/**
 * Decompress a frame's payload (its checksum verified again: the index of a sealed segment locates frames without
 * reading them); CorruptRecord when it is damaged or does not inflate to its recorded length.
 */
export function inflateFrame(buf: Buffer, f: FrameRef, window?: Buffer): Buffer {
  const ok = frameAt(buf, f.offset);
  if (!ok || ok.type !== f.type || ok.length !== f.length || ok.raw_length !== f.raw_length) throw new CorruptRecord('a frame is damaged (checksum mismatch)');
  const payload = buf.subarray(f.offset + FRAME_HEADER, f.offset + FRAME_HEADER + f.length);
  let raw: Buffer;
  try {
    raw = zlib().inflateRawSync(payload, { ...(window && window.length && f.type === T_DELTA ? { dictionary: window } : {}), maxOutputLength: Math.max(64, f.raw_length) });
  } catch (e) {
    // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR, …) and an output over the recorded length
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('Z_') || code === 'ERR_BUFFER_TOO_LARGE')) throw new CorruptRecord(`a frame does not decompress (${(e as Error).message})`);
    throw e;
  }
  if (raw.length !== f.raw_length) throw new CorruptRecord('a frame decompresses to the wrong length');
  return raw;
}

/** The rolling dictionary: the last WINDOW bytes of `window` followed by `raw`. */
export function nextWindow(window: Buffer | undefined, raw: Buffer): Buffer {
  if (raw.length >= WINDOW) return Buffer.from(raw.subarray(raw.length - WINDOW));
  if (!window || window.length === 0) return Buffer.from(raw);
  const keep = Math.min(window.length, WINDOW - raw.length);
  return Buffer.concat([window.subarray(window.length - keep), raw]);
}

/** The 'X' frame and trailer that seal a segment whose data frames are `frames`; `at` = where they go. */
export function encodeSeal(frames: readonly FrameRef[], at: number): Buffer {
  const w = new ByteWriter(frames.length * 6 + 16);
  w.uvar(frames.length);
  let off = 0;
  let t = 0;
  for (const f of frames) {
    w.uvar(f.offset - off);
    w.svar(Math.round(f.time_ms) - t);
    w.byte(f.type);
    w.uvar(f.length);
    w.uvar(f.raw_length);
    off = f.offset;
    t = Math.round(f.time_ms);
  }
  const raw = w.take();
  const last = frames.length ? frames[frames.length - 1].time_ms : 0;
  const frame = encodeFrame(T_INDEX, last, zlib().deflateRawSync(raw), raw.length);
  const tr = Buffer.alloc(TRAILER);
  TRAILER_MAGIC.copy(tr, 0);
  tr.writeUInt32LE(at, 8);
  tr.writeUInt32LE(crc32(tr.subarray(0, 12)), 12);
  return Buffer.concat([frame, tr]);
}

/** The offset of the 'X' frame a sealed segment's last TRAILER bytes name, or undefined when they are no trailer. */
export function trailerAt(last: Buffer): number | undefined {
  if (last.length !== TRAILER || !last.subarray(0, 8).equals(TRAILER_MAGIC) || crc32(last.subarray(0, 12)) !== last.readUInt32LE(12)) return undefined;
  return last.readUInt32LE(8);
}

/**
 * The data frames a sealed segment's index lists, from the bytes of its 'X' frame alone (`x`: the file from
 * `at` up to the trailer); undefined when they are not a whole index frame. `start`: where frames may begin.
 */
export function indexOf(x: Buffer, at: number, start: number): FrameRef[] | undefined {
  const ix = indexRaw(x);
  return ix && decodeIndex(ix.raw, at, start);
}

/**
 * The raw (inflated) bytes of an 'X' frame (`x`: exactly that frame) and how many data frames it lists, without
 * decoding them (a reader that needs one segment of a day's recording decodes only that segment's index);
 * undefined when `x` is not a whole index frame; CorruptRecord when it does not inflate.
 */
export function indexRaw(x: Buffer): { raw: Buffer; count: number } | undefined {
  const f = frameAt(x, 0);
  if (!f || f.type !== T_INDEX || FRAME_HEADER + f.length !== x.length) return undefined;
  const raw = inflateFrame(x, f);
  const count = new ByteReader(raw).count(5);
  return { raw, count };
}

/** The frames an index lists (`raw` from indexRaw); CorruptRecord when one points outside [start, at). */
export function decodeIndex(raw: Buffer, at: number, start: number): FrameRef[] {
  const r = new ByteReader(raw);
  const n = r.count(5);
  const frames: FrameRef[] = [];
  let off = 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    off += r.uvar();
    t += r.svar();
    const type = r.byte();
    const length = r.uvar();
    const raw_length = r.uvar();
    if ((type !== T_KEY && type !== T_DELTA) || off < start || off + FRAME_HEADER + length > at) throw new CorruptRecord('the segment index points outside its data');
    frames.push({ offset: off, type, time_ms: t, length, raw_length });
  }
  return frames;
}

/** The index of a sealed segment, or undefined when it has no valid trailer/index (then scan). */
function readIndex(buf: Buffer, start: number): { frames: FrameRef[]; end: number } | undefined {
  if (buf.length < start + TRAILER + FRAME_HEADER) return undefined;
  const at = trailerAt(buf.subarray(buf.length - TRAILER));
  if (at === undefined || at < start || at > buf.length - TRAILER) return undefined;
  const frames = indexOf(buf.subarray(at, buf.length - TRAILER), at, start);
  return frames ? { frames, end: at } : undefined;
}

/**
 * Parse a whole segment: header, then the index (sealed) or a scan of the frames (open or torn). Throws
 * SegmentError when the header itself is unusable; a damaged tail is reported in `tornAt`, not thrown.
 */
export function parseSegment(buf: Buffer): ParsedSegment {
  const { header, length } = decodeHeader(buf);
  let idx: { frames: FrameRef[]; end: number } | undefined;
  try {
    idx = readIndex(buf, length);
  } catch (e) {
    if (!(e instanceof CorruptRecord)) throw e;
    idx = undefined; // a damaged index: the frames themselves are still there to scan
  }
  if (idx) return { header, frames: idx.frames, sealed: true, end: idx.end };
  const frames: FrameRef[] = [];
  let off = length;
  let tornAt: number | undefined;
  while (off < buf.length) {
    const f = frameAt(buf, off);
    if (!f || f.type === T_INDEX) {
      tornAt = off;
      break;
    }
    frames.push(f);
    off += FRAME_HEADER + f.length;
  }
  return { header, frames, sealed: false, end: tornAt ?? off, ...(tornAt !== undefined ? { tornAt } : {}) };
}
