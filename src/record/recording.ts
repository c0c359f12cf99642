/**
 * Reading a recording directory: which instants it holds, and the decoded state at or around a time.
 *
 *   const rec = openRecording(dir, 'nsx top');       // NsxError (one clear line) when nothing readable is there
 *   rec.start_ms, rec.end_ms, rec.warnings
 *   rec.at(t)        → { prev, state }               // the last frame at or before t, and the one before it
 *   rec.range(a, b)  → Generator<RecordedState>       // every frame with a ≤ time ≤ b, in order
 *   rec.times()      → number[]                       // the wall times of every frame
 *
 * A segment is read whole (an hour is a few MB) and its frames located through its index (sealed) or a scan
 * (the open one, or one a crash left: its torn tail dropped). Decoding starts at the keyframe at or before the
 * time asked (at most `keyframeEvery` frames back). A segment whose header is foreign, newer or damaged, or a
 * frame that does not decode, is skipped with a warning; when nothing readable is left the error says why.
 */
import { readBytes, readRange } from '../host/read.js';
import { NotFoundError, NsxError, ParseError } from '../errors.js';
import { CorruptRecord } from './bytes.js';
import { decodeHeader, decodeIndex, MAGIC, FRAME_HEADER, indexRaw, inflateFrame, nextWindow, parseSegment, SegmentError, T_KEY, TRAILER, trailerAt, type FrameRef, type SegmentHeader } from './format.js';
import { listSegments, type SegmentFile } from './store.js';
import { StateDecoder, type RecordedState } from './state.js';
import { countOf } from '../output/words.js';

/**
 * Where a segment's frames are (its header and index: read without its frames when it is sealed). A sealed
 * segment's index is decoded when its frames are first asked for (`lazy`): opening one minute of a day decodes
 * the index of the segment that holds it, and only counts the others' frames.
 */
interface Indexed {
  readonly file: SegmentFile;
  readonly header: SegmentHeader;
  /** how many data frames it has */
  readonly count: number;
  frames?: readonly FrameRef[];
  /** a sealed segment's inflated index, not decoded yet */
  lazy?: { readonly raw: Buffer; readonly at: number; readonly start: number };
}

/** Bytes read at once from each end of a sealed segment (its header; its index and trailer). */
const HEAD_BYTES = 4096;
const TAIL_BYTES = 16384;

export interface AtResult {
  /** the frame before `state` (for rates), when there is one in the same boot */
  readonly prev?: RecordedState;
  readonly state: RecordedState;
}

/** Segments whose bytes are kept (the ones being decoded, and a neighbour for rates across a boundary). */
const KEEP_SEGMENTS = 3;

export class Recording {
  private readonly indexed = new Map<string, Indexed | null>();
  private readonly bytes = new Map<string, Buffer>();
  /** segments with at least one frame, oldest first (a segment found empty or unreadable is dropped when met) */
  private segs: SegmentFile[];
  readonly warnings: string[] = [];

  constructor(
    readonly dir: string,
    readonly prog: string,
    /** the kinds of entity to decode (src/record/columns.ts KIND_*): a view's own; default all */
    private readonly only?: ReadonlySet<number>,
  ) {
    let all: SegmentFile[];
    try {
      all = listSegments(dir);
    } catch (e) {
      // a directory that is not there is no recording; one that cannot be read says why, naming the command
      if (e instanceof NotFoundError) all = [];
      else if (e instanceof NsxError) throw new NsxError(e.kind, `${prog}: ${e.message}`, { path: dir, errno: e.errno });
      else throw e;
    }
    if (all.length === 0) throw new NotFoundError(`${prog}: ${dir}: no recording here (no nsx-*.nsxr segment; 'nsx record --dir ${dir}' makes one)`, dir);
    this.segs = all;
    // the first and the last readable segments (what start_ms and end_ms need); the others when asked for
    while (this.segs.length && this.frames(this.segs[0]).length === 0) this.segs = this.segs.slice(1);
    while (this.segs.length && this.frames(this.segs[this.segs.length - 1]).length === 0) this.segs = this.segs.slice(0, -1);
    if (this.segs.length === 0) {
      const why = this.warnings[0] ?? `${countOf(all.length, 'segment')}, none with a whole frame`;
      throw new ParseError(dir, `${why.replace(/^nsx[^:]*: /, '')}`);
    }
  }

  /** A segment's header and frame list: from its header and its index when sealed, else from a scan of it. */
  private index(f: SegmentFile): Indexed | undefined {
    const k = f.path;
    if (this.indexed.has(k)) return this.indexed.get(k) ?? undefined;
    let out: Indexed | null = null;
    try {
      out = this.sealedIndex(f) ?? this.scan(f);
    } catch (e) {
      if (!(e instanceof SegmentError) && !(e instanceof CorruptRecord)) throw e;
      this.warnings.push(`${f.path}: ${e.message}`);
    }
    this.indexed.set(k, out);
    return out ?? undefined;
  }

  /** Header and index of a sealed segment, read without its frames; undefined when it is not sealed (or damaged there). */
  private sealedIndex(f: SegmentFile): Indexed | undefined {
    let head = readRange(f.path, 0, Math.min(f.bytes, HEAD_BYTES));
    // a header longer than the first read (its JSON is small; a foreign file may say anything): read what it says
    if (head.length >= 16 && head.length < f.bytes && head.subarray(0, 8).equals(MAGIC) && 16 + head.readUInt32LE(12) + 4 > head.length) {
      head = readRange(f.path, 0, Math.min(f.bytes, 1 << 16, 16 + head.readUInt32LE(12) + 4));
    }
    const { header, length } = decodeHeader(head);
    if (f.bytes < length + TRAILER + FRAME_HEADER) return undefined;
    const tailAt = Math.max(0, f.bytes - TAIL_BYTES);
    const tail = readRange(f.path, tailAt, f.bytes - tailAt);
    if (tail.length !== f.bytes - tailAt) return undefined;
    const at = trailerAt(tail.subarray(tail.length - TRAILER));
    if (at === undefined || at < length || at > f.bytes - TRAILER - FRAME_HEADER) return undefined;
    const x = at >= tailAt ? tail.subarray(at - tailAt, tail.length - TRAILER) : readRange(f.path, at, f.bytes - TRAILER - at);
    let ix: { raw: Buffer; count: number } | undefined;
    try {
      ix = indexRaw(x);
    } catch (e) {
      if (!(e instanceof CorruptRecord)) throw e;
      ix = undefined; // a damaged index: the frames themselves are still there to scan
    }
    return ix ? { file: f, header, count: ix.count, lazy: { raw: ix.raw, at, start: length } } : undefined;
  }

  /** A segment read whole and scanned (the open one, or one a crash left: its torn tail dropped). */
  private scan(f: SegmentFile): Indexed {
    const buf = this.data(f);
    const seg = parseSegment(buf);
    if (seg.tornAt !== undefined) this.warnings.push(`${f.path}: damaged or incomplete after byte ${seg.tornAt} (${buf.length - seg.tornAt} bytes skipped)`);
    return { file: f, header: seg.header, count: seg.frames.length, frames: seg.frames };
  }

  /** A segment's bytes (the few last used are kept). */
  private data(f: SegmentFile): Buffer {
    let b = this.bytes.get(f.path);
    if (b) {
      this.bytes.delete(f.path);
      this.bytes.set(f.path, b);
      return b;
    }
    b = readBytes(f.path);
    this.bytes.set(f.path, b);
    while (this.bytes.size > KEEP_SEGMENTS) this.bytes.delete(this.bytes.keys().next().value!);
    return b;
  }

  private frames(f: SegmentFile): readonly FrameRef[] {
    const ix = this.index(f);
    if (!ix) return [];
    if (ix.frames) return ix.frames;
    const { raw, at, start } = ix.lazy!;
    try {
      ix.frames = decodeIndex(raw, at, start);
    } catch (e) {
      if (!(e instanceof CorruptRecord)) throw e;
      // a damaged index: the frames themselves are still there to scan (frame numbers may move: recount)
      let out: Indexed | null = null;
      try {
        out = this.scan(f);
      } catch (e2) {
        if (!(e2 instanceof SegmentError) && !(e2 instanceof CorruptRecord)) throw e2;
        this.warnings.push(`${f.path}: ${e2.message}`);
      }
      this.indexed.set(f.path, out);
      return out?.frames ?? [];
    }
    ix.lazy = undefined;
    return ix.frames;
  }

  /** How many data frames a segment has (its index not decoded). */
  private count(f: SegmentFile): number {
    const ix = this.index(f);
    return ix ? (ix.frames?.length ?? ix.count) : 0;
  }

  /** The interval the recorder ran at (from the last segment's header), when it says. */
  get interval_ms(): number | undefined {
    return this.index(this.segs[this.segs.length - 1])?.header.interval_ms;
  }

  get start_ms(): number {
    return this.frames(this.segs[0])[0].time_ms;
  }

  get end_ms(): number {
    const f = this.frames(this.segs[this.segs.length - 1]);
    return f[f.length - 1].time_ms;
  }

  /** The wall time of every frame, in order. */
  times(): number[] {
    const out: number[] = [];
    for (const s of this.segs) for (const f of this.frames(s)) out.push(f.time_ms);
    return out;
  }

  /**
   * Index of the segment holding time t: the last one starting at or before it (the first when t is earlier). Its
   * name gives its start, so only that segment is opened.
   */
  private segmentIndex(t: number): number {
    let i = 0;
    for (let k = 0; k < this.segs.length; k++) if (this.segs[k].start_ms <= t) i = k;
    return i;
  }

  /**
   * Decode segment `si` from the keyframe at or before frame `from` to frame `to` (indices), yielding the states
   * of frames from..to. A frame that does not decode ends the segment (with a warning).
   */
  private *decode(si: number, from: number, to: number, dec = new StateDecoder(this.only), keep = false): Generator<RecordedState> {
    const file = this.segs[si];
    const frames = this.frames(file);
    if (frames.length === 0) return;
    const buf = this.data(file);
    const l = { file, buf };
    let k = from;
    while (k > 0 && frames[k].type !== T_KEY) k--;
    if (frames[k].type !== T_KEY) return;
    let window: Buffer | undefined;
    for (let i = k; i <= to && i < frames.length; i++) {
      const f = frames[i];
      let st: RecordedState | undefined;
      try {
        const raw = inflateFrame(l.buf, f, f.type === T_KEY ? undefined : window);
        window = nextWindow(f.type === T_KEY ? undefined : window, raw);
        // frames before the first asked for only move the values: no state is built for them
        if (i < from) dec.skip(raw);
        else st = dec.next(raw, f.time_ms);
      } catch (e) {
        if (!(e instanceof CorruptRecord)) throw e;
        this.warnings.push(`${l.file.path}: frame at byte ${f.offset} does not decode (${e.message}); the rest of the segment is skipped`);
        return;
      }
      if (st === undefined) continue;
      if (keep) this.pos = { si, fi: i, dec, window, state: st, prev: this.pos?.si === si && this.pos.fi === i - 1 ? this.pos.state : undefined };
      yield st;
    }
  }

  /** The state at time t: the last frame at or before t (the first frame when t is before the recording). */
  at(t: number): AtResult {
    return this.atIndex(this.indexAt(t));
  }

  /**
   * The index (in `times()`) of the last frame at or before t (0 when t is before the recording): in the segment
   * whose name says it holds t (only its index is decoded; the others' frames are counted).
   */
  indexAt(t: number): number {
    const si = this.segmentIndex(t);
    let base = 0;
    for (let k = 0; k < si; k++) base += this.count(this.segs[k]);
    const fr = this.frames(this.segs[si]);
    if (fr.length === 0 || t < fr[0].time_ms) return Math.max(0, base - 1);
    let lo = 0;
    let hi = fr.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (fr[mid].time_ms <= t) lo = mid;
      else hi = mid - 1;
    }
    return base + lo;
  }

  /** The wall time of frame `i` (see `times()`). */
  timeAt(i: number): number {
    const { si, fi } = this.locate(i);
    return this.frames(this.segs[si])[fi].time_ms;
  }


  /** Number of frames. */
  get length(): number {
    let n = 0;
    for (const s of this.segs) n += this.count(s);
    return n;
  }

  /** (segment, frame) of a global frame index. */
  private locate(i: number): { si: number; fi: number } {
    let k = i;
    for (let si = 0; si < this.segs.length; si++) {
      const n = this.count(this.segs[si]);
      if (k < n) return { si, fi: k };
      k -= n;
    }
    throw new RangeError(`frame ${i} is beyond the recording`);
  }

  /** Where sequential decoding stands: stepping forward continues from here instead of from the keyframe. */
  private pos: { si: number; fi: number; dec: StateDecoder; window?: Buffer; state: RecordedState; prev?: RecordedState } | undefined;

  /** The state of frame `i` (see `times()`) and the one before it (same boot), decoding forward when it can. */
  atIndex(i: number): AtResult {
    const { si, fi } = this.locate(i);
    const p = this.pos;
    let state: RecordedState | undefined;
    let prev: RecordedState | undefined;
    if (p && p.si === si && p.fi === fi) {
      state = p.state;
      prev = p.prev;
    } else if (p && p.si === si && p.fi < fi && fi - p.fi <= 2 * (this.chunkLength(si) || 1)) {
      // continue from where the last call stopped
      prev = p.state;
      for (let k = p.fi + 1; k <= fi; k++) {
        const next = this.step(si, k);
        if (!next) break;
        if (k < fi) prev = next;
        state = next;
      }
    } else {
      const states = [...this.decode(si, Math.max(0, fi - 1), fi, undefined, true)];
      state = states[states.length - 1];
      prev = states.length > 1 ? states[states.length - 2] : undefined;
    }
    if (!state) throw this.unreadable(this.timeAt(i));
    if (prev === undefined && si > 0 && fi === 0) {
      const keep = this.pos;
      prev = this.lastOf(si - 1);
      this.pos = keep;
      if (this.pos) this.pos.prev = prev;
    }
    if (prev && prev.host.boot_id !== state.host.boot_id) prev = undefined;
    return prev ? { prev, state } : { state };
  }

  /** Frames from one keyframe to the next in segment si (0 when unknown). */
  private chunkLength(si: number): number {
    const frames = this.frames(this.segs[si]);
    let first = -1;
    for (let i = 0; i < frames.length; i++) {
      if (frames[i].type !== T_KEY) continue;
      if (first >= 0) return i - first;
      first = i;
    }
    return frames.length;
  }

  /** Decode frame fi of segment si right after pos (which stands at fi − 1). */
  private step(si: number, fi: number): RecordedState | undefined {
    const p = this.pos!;
    const l = { file: this.segs[si], buf: this.data(this.segs[si]) };
    const f = this.frames(this.segs[si])[fi];
    try {
      const raw = inflateFrame(l.buf, f, f.type === T_KEY ? undefined : p.window);
      p.window = nextWindow(f.type === T_KEY ? undefined : p.window, raw);
      const st = p.dec.next(raw, f.time_ms);
      p.prev = p.state;
      p.state = st;
      p.fi = fi;
      return st;
    } catch (e) {
      if (!(e instanceof CorruptRecord)) throw e;
      this.warnings.push(`${l.file.path}: frame at byte ${f.offset} does not decode (${e.message}); the rest of the segment is skipped`);
      this.pos = undefined;
      return undefined;
    }
  }

  private lastOf(si: number): RecordedState | undefined {
    const n = this.frames(this.segs[si]).length;
    let last: RecordedState | undefined;
    for (const s of this.decode(si, n - 1, n - 1)) last = s;
    return last;
  }

  private unreadable(t: number): NsxError {
    return new ParseError(this.dir, `no readable frame at ${new Date(t).toISOString()}${this.warnings.length ? ` (${this.warnings[this.warnings.length - 1]})` : ''}`);
  }

  /**
   * Every frame with from ≤ time ≤ to, in order, decoded once each (one decoder per segment; the first frame
   * of each segment after the first knows what changed since the previous segment's last frame).
   * `withPrev`: also yield the frame just before `from` first (rates of the first frame in range).
   */
  *range(from: number, to: number, withPrev = false): Generator<RecordedState> {
    const dec = new StateDecoder(this.only);
    let started = false;
    for (let si = this.segmentIndex(from); si < this.segs.length; si++) {
      const frames = this.frames(this.segs[si]);
      if (frames.length === 0 || frames[0].time_ms > to) break;
      let a = 0;
      if (!started) {
        while (a < frames.length && frames[a].time_ms < from) a++;
        if (withPrev && a > 0) a--;
        if (a >= frames.length) continue;
      }
      let b = frames.length - 1;
      while (b >= a && frames[b].time_ms > to) b--;
      if (b < a) continue;
      // a new boot between segments: what changed across it is not known
      for (const s of this.decode(si, a, b, dec)) {
        started = true;
        yield s;
      }
    }
  }
}

/**
 * Open the recording in `dir` for command `prog` (see the module comment). `only`: the kinds of entity the
 * command reads (KIND_CGROUP, KIND_PROCESS, KIND_NAMESPACE; the host always): the others are skipped.
 */
export function openRecording(dir: string, prog: string, only?: ReadonlySet<number>): Recording {
  return new Recording(dir, prog, only);
}
