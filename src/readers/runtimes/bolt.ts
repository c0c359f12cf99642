/**
 * A read-only reader of bbolt files (the key/value store containerd keeps its metadata in,
 * `/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db`), enough to find a plain containerd container's image:
 * bucket path `v1 / <namespace> / containers / <id>`, key `image`. Pure over the file's bytes; never writes.
 *
 * Format (bbolt, db.go/page.go): page 0 and 1 are meta pages (magic 0xED0CDAED; the valid one with the higher txid
 * wins); a page is `id u64, flags u16, count u16, overflow u32` then `count` elements. Branch pages (flag 0x01):
 * elements `pos u32, ksize u32, pgid u64`; leaf pages (0x02): `flags u32, pos u32, ksize u32, vsize u32`, the key at
 * element offset + pos and the value right after it. A leaf element with flag 0x01 is a sub-bucket: its value is
 * `root pgid u64, sequence u64`, followed, when root is 0, by the bucket's own (inline) page.
 */

const MAGIC = 0xed0cdaed;
const BRANCH = 0x01;
const LEAF = 0x02;
const BUCKET_LEAF = 0x01;
const PAGE_HEADER = 16;
const ELEMENT = 16;

interface Bucket {
  /** buffer holding the bucket's root page (the file, or an inline bucket's value) */
  readonly buf: Buffer;
  /** byte offset of the root page in buf */
  readonly off: number;
}

export class BoltFile {
  private readonly pageSize: number;
  private readonly root: Bucket;

  /** Throws an Error when the bytes are not a bbolt file. */
  constructor(private readonly data: Buffer) {
    let best: { txid: bigint; root: bigint; pageSize: number } | undefined;
    for (const off of [0, 4096]) {
      if (data.length < off + PAGE_HEADER + 64) continue;
      const m = off + PAGE_HEADER;
      if (data.readUInt32LE(m) !== MAGIC || data.readUInt32LE(m + 4) !== 2) continue;
      const pageSize = data.readUInt32LE(m + 8);
      const root = data.readBigUInt64LE(m + 16);
      const txid = data.readBigUInt64LE(m + 48);
      if (!best || txid > best.txid) best = { txid, root, pageSize };
    }
    if (!best || best.pageSize < 512 || best.pageSize > 65536) throw new Error('not a bbolt file');
    this.pageSize = best.pageSize;
    this.root = { buf: data, off: this.pageOffset(best.root) };
  }

  private pageOffset(pgid: bigint): number {
    const off = Number(pgid) * this.pageSize;
    if (!Number.isSafeInteger(off) || off + PAGE_HEADER > this.data.length) throw new Error(`bbolt page ${pgid} outside the file`);
    return off;
  }

  /** Find key in the tree rooted at (buf, off): its value and whether it is a bucket. */
  private find(b: Bucket, key: Buffer, depth = 0): { value: Buffer; bucket: boolean } | undefined {
    if (depth > 64) throw new Error('bbolt tree too deep');
    const { buf, off } = b;
    const flags = buf.readUInt16LE(off + 8);
    const count = buf.readUInt16LE(off + 10);
    const el = off + PAGE_HEADER;
    if (flags & BRANCH) {
      // the last child whose first key is <= key
      let child: bigint | undefined;
      for (let i = 0; i < count; i++) {
        const e = el + i * ELEMENT;
        const pos = buf.readUInt32LE(e);
        const ksize = buf.readUInt32LE(e + 4);
        const k = buf.subarray(e + pos, e + pos + ksize);
        if (i > 0 && Buffer.compare(k, key) > 0) break;
        child = buf.readBigUInt64LE(e + 8);
      }
      return child === undefined ? undefined : this.find({ buf: this.data, off: this.pageOffset(child) }, key, depth + 1);
    }
    if (!(flags & LEAF)) return undefined;
    for (let i = 0; i < count; i++) {
      const e = el + i * ELEMENT;
      const eflags = buf.readUInt32LE(e);
      const pos = buf.readUInt32LE(e + 4);
      const ksize = buf.readUInt32LE(e + 8);
      const vsize = buf.readUInt32LE(e + 12);
      const k = buf.subarray(e + pos, e + pos + ksize);
      if (!k.equals(key)) continue;
      return { value: buf.subarray(e + pos + ksize, e + pos + ksize + vsize), bucket: (eflags & BUCKET_LEAF) !== 0 };
    }
    return undefined;
  }

  private sub(b: Bucket, name: string): Bucket | undefined {
    const r = this.find(b, Buffer.from(name, 'utf8'));
    if (!r?.bucket || r.value.length < 16) return undefined;
    const root = r.value.readBigUInt64LE(0);
    // inline bucket: its page follows the 16-byte header inside the value
    return root === 0n ? { buf: r.value, off: 16 } : { buf: this.data, off: this.pageOffset(root) };
  }

  /** The value of `key` in the bucket at `path`, as UTF-8 text; undefined when absent. */
  get(path: readonly string[], key: string): string | undefined {
    let b: Bucket | undefined = this.root;
    for (const p of path) {
      b = this.sub(b, p);
      if (!b) return undefined;
    }
    const r = this.find(b, Buffer.from(key, 'utf8'));
    return r && !r.bucket ? r.value.toString('utf8') : undefined;
  }
}

/** Pure: the image of containerd container `id` in `namespace`, from the bytes of meta.db; undefined when unknown. */
export function containerdImageOf(db: BoltFile | undefined, namespace: string, id: string): string | undefined {
  let v: string | undefined;
  try {
    v = db?.get(['v1', namespace, 'containers', id], 'image');
  } catch {
    return undefined; // a damaged or half-written store: no image, as if absent
  }
  return v === undefined || v === '' ? undefined : v;
}
