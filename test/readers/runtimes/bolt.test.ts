/** The bbolt reader (containerd's meta.db) on files built here page by page: inline buckets, branch pages, damage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BoltFile, containerdImageOf } from '../../../src/readers/runtimes/bolt.js';

const PS = 4096;
type El = { key: string; value?: Buffer; bucket?: Buffer };

/** A leaf page (header id 0; elements then keys/values). */
function leaf(els: El[], id = 0): Buffer {
  const sorted = [...els].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  const head = Buffer.alloc(16 + 16 * sorted.length);
  head.writeBigUInt64LE(BigInt(id), 0);
  head.writeUInt16LE(0x02, 8);
  head.writeUInt16LE(sorted.length, 10);
  const data: Buffer[] = [];
  let off = head.length;
  sorted.forEach((e, i) => {
    const k = Buffer.from(e.key);
    const v = e.bucket ?? e.value ?? Buffer.alloc(0);
    const at = 16 + 16 * i;
    head.writeUInt32LE(e.bucket ? 1 : 0, at);
    head.writeUInt32LE(off - at, at + 4);
    head.writeUInt32LE(k.length, at + 8);
    head.writeUInt32LE(v.length, at + 12);
    data.push(k, v);
    off += k.length + v.length;
  });
  return Buffer.concat([head, ...data]);
}

/** An inline bucket value: root 0, sequence 0, then its leaf page. */
const inline = (els: El[]) => Buffer.concat([Buffer.alloc(16), leaf(els)]);
/** A bucket stored in page `pgid`. */
function paged(pgid: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(BigInt(pgid), 0);
  return b;
}

function branch(children: { key: string; pgid: number }[], id: number): Buffer {
  const head = Buffer.alloc(16 + 16 * children.length);
  head.writeBigUInt64LE(BigInt(id), 0);
  head.writeUInt16LE(0x01, 8);
  head.writeUInt16LE(children.length, 10);
  const data: Buffer[] = [];
  let off = head.length;
  children.forEach((c, i) => {
    const k = Buffer.from(c.key);
    const at = 16 + 16 * i;
    head.writeUInt32LE(off - at, at);
    head.writeUInt32LE(k.length, at + 4);
    head.writeBigUInt64LE(BigInt(c.pgid), at + 8);
    data.push(k);
    off += k.length;
  });
  return Buffer.concat([head, ...data]);
}

function meta(id: number, root: number, txid: number): Buffer {
  const b = Buffer.alloc(PS);
  b.writeBigUInt64LE(BigInt(id), 0);
  b.writeUInt16LE(0x04, 8);
  b.writeUInt32LE(0xed0cdaed, 16);
  b.writeUInt32LE(2, 20);
  b.writeUInt32LE(PS, 24);
  b.writeBigUInt64LE(BigInt(root), 32);
  b.writeBigUInt64LE(BigInt(txid), 64);
  return b;
}

function file(pages: Buffer[]): Buffer {
  return Buffer.concat(pages.map((p) => Buffer.concat([p, Buffer.alloc(PS - (p.length % PS || PS))])));
}

const container = (image: string) => inline([{ key: 'image', value: Buffer.from(image) }, { key: 'snapshotter', value: Buffer.from('overlayfs') }]);

test('bbolt: v1/<ns>/containers/<id>/image through inline buckets and a branch page', () => {
  // page 2: root leaf {v1 → page 3}; page 3: v1 leaf {default → inline {containers → page 4}}; 4: branch → 5, 6
  const p5 = leaf([{ key: 'job-a', bucket: container('docker.io/library/busybox:1') }], 5);
  const p6 = leaf([{ key: 'web', bucket: container('nginx:1.25') }, { key: 'zz', bucket: container('') }], 6);
  const p4 = branch([{ key: 'job-a', pgid: 5 }, { key: 'web', pgid: 6 }], 4);
  const p3 = leaf([{ key: 'default', bucket: inline([{ key: 'containers', bucket: paged(4) }]) }, { key: 'k8s.io', bucket: inline([]) }], 3);
  const p2 = leaf([{ key: 'v1', bucket: paged(3) }, { key: 'version', value: Buffer.from('x') }], 2);
  const db = new BoltFile(file([meta(0, 9, 1), meta(1, 2, 7), p2, p3, p4, p5, p6]));
  assert.equal(containerdImageOf(db, 'default', 'job-a'), 'docker.io/library/busybox:1');
  assert.equal(containerdImageOf(db, 'default', 'web'), 'nginx:1.25');
  assert.equal(containerdImageOf(db, 'default', 'zz'), undefined);
  assert.equal(containerdImageOf(db, 'default', 'nope'), undefined);
  assert.equal(containerdImageOf(db, 'k8s.io', 'web'), undefined);
  assert.equal(containerdImageOf(db, 'moby', 'web'), undefined);
  assert.equal(db.get(['v1'], 'default'), undefined, 'a bucket is not a value');
  assert.equal(containerdImageOf(undefined, 'default', 'web'), undefined);
});

test('bbolt: not a bbolt file, or damaged, throws an Error (the cache then treats it as absent); never hangs', () => {
  assert.throws(() => new BoltFile(Buffer.from('hello')));
  assert.throws(() => new BoltFile(Buffer.alloc(PS * 2)));
  const p2 = leaf([{ key: 'v1', bucket: paged(99) }], 2);
  const db = new BoltFile(file([meta(0, 2, 1), meta(1, 2, 1), p2]));
  assert.throws(() => db.get(['v1', 'default'], 'x'), /outside the file/);
  assert.equal(containerdImageOf(db, 'default', 'x'), undefined);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 3 * PS }), (bytes) => {
      const b = Buffer.from(bytes);
      if (b.length >= 16 + 64) b.writeUInt32LE(0xed0cdaed, 16);
      if (b.length >= 16 + 64) b.writeUInt32LE(2, 20);
      let db: BoltFile | undefined;
      try {
        db = new BoltFile(b);
      } catch (e) {
        assert.ok(e instanceof Error);
      }
      const v = containerdImageOf(db, 'default', 'x'); // never throws
      assert.ok(v === undefined || typeof v === 'string');
    }),
    { numRuns: 200 },
  );
});
