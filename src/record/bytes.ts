/**
 * Bytes of the recording format (docs/record.md): a growable writer and a bounds-checked reader of unsigned
 * LEB128 varints, zigzag-signed varints, IEEE doubles and length-prefixed UTF-8 strings. Pure, no I/O.
 *
 * Integers are JavaScript numbers. Unsigned varints carry every safe integer exactly; zigzag varints every
 * integer of magnitude up to 2^52 (its zigzag, up to 2^53, is still exact in a double). Callers with larger
 * magnitudes write the sign apart. A reader never
 * reads past its end: a truncated or corrupt buffer throws `CorruptRecord` (src/record/format.ts maps it to one
 * clear message), never a RangeError from deep inside.
 */

/** A malformed byte sequence: what a reader of damaged or foreign bytes throws. */
export class CorruptRecord extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'CorruptRecord';
  }
}

const TWO_32 = 2 ** 32;
/** The largest magnitude `svar` takes. */
export const SVAR_MAX = 2 ** 52;

export class ByteWriter {
  private buf: Buffer;
  private n = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.n;
  }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }

  byte(v: number): void {
    this.room(1);
    this.buf[this.n++] = v;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  uvar(v: number): void {
    this.room(10);
    if (v < 0x80) {
      this.buf[this.n++] = v;
      return;
    }
    while (v >= 0x80) {
      const lo = v % 0x80;
      this.buf[this.n++] = lo | 0x80;
      v = (v - lo) / 0x80;
    }
    this.buf[this.n++] = v;
  }

  /** Zigzag varint of an integer of magnitude ≤ 2^52 (the zigzag then stays exact in a double). */
  svar(v: number): void {
    if (!(Math.abs(v) <= SVAR_MAX)) throw new RangeError(`svar: ${v} is beyond ±2^52`);
    this.uvar(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.n);
    this.n += 8;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.n);
    this.n += 4;
  }

  /** A string as varint byte length + UTF-8. */
  str(s: string): void {
    const len = Buffer.byteLength(s);
    this.uvar(len);
    this.room(len);
    this.buf.write(s, this.n, len, 'utf8');
    this.n += len;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  /** The bytes written (a view: copy it before writing more if it must be kept). */
  view(): Buffer {
    return this.buf.subarray(0, this.n);
  }

  /** A copy of the bytes written. */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.n));
  }

  reset(): void {
    this.n = 0;
  }
}

export class ByteReader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get left(): number {
    return this.end - this.pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private need(k: number, what: string): void {
    if (this.pos + k > this.end) throw new CorruptRecord(`${what} runs past the end of its block`);
  }

  byte(): number {
    this.need(1, 'a byte');
    return this.buf[this.pos++];
  }

  uvar(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1, 'a number');
      const b = this.buf[this.pos++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
    throw new CorruptRecord('a number is longer than 8 bytes');
  }

  svar(): number {
    const z = this.uvar();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f64(): number {
    this.need(8, 'a double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  u32(): number {
    this.need(4, 'a 32-bit field');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  str(): string {
    const len = this.uvar();
    this.need(len, 'a string');
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  bytes(len: number): Buffer {
    this.need(len, 'a byte run');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  /** A count that must fit in what is left (each item takes at least `min` bytes): guards allocation on corrupt input. */
  count(min = 1): number {
    const n = this.uvar();
    if (n * min > this.left) throw new CorruptRecord(`a count of ${n} exceeds its block`);
    return n;
  }
}

/** u64 from two u32 halves (exact up to 2^53). */
export function u64(lo: number, hi: number): number {
  return hi * TWO_32 + lo;
}
