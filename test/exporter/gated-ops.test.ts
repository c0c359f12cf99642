/** The exporter's gated syscall layer (src/exporter/gated-ops.ts): a child's hierarchical counters answered from their last text only while its parent's did not move. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readAll, type ReadBuffer } from '../../src/host/read.js';
import { GatedOps, HANDLE_BASE } from '../../src/exporter/gated-ops.js';
import type { FdOps } from '../../src/sampler/fd-source.js';

/** An in-memory cgroupfs: path → text; counts the syscalls made. */
function fakeFs(files: Map<string, string>) {
  const open = new Map<number, string>();
  let next = 3;
  const calls = { open: 0, pread: 0, close: 0 };
  const ops: FdOps = {
    open: (p) => {
      calls.open++;
      if (!files.has(p)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      open.set(next, p);
      return next++;
    },
    pread: (fd, buf, off, len, pos) => {
      calls.pread++;
      const t = files.get(open.get(fd)!)!;
      const n = Math.max(0, Math.min(len, t.length - (pos ?? 0)));
      buf.write(t.slice(pos ?? 0, (pos ?? 0) + n), off, n, 'latin1');
      return n;
    },
    close: (fd) => {
      calls.close++;
      open.delete(fd);
    },
  };
  return { ops, calls };
}

const M = '/sys/fs/cgroup/cpuacct';
/** One whole read as the fd source makes it (open, readAll by pread from 0, close), or through a kept fd. */
function read(g: GatedOps, path: string, rb: ReadBuffer = { buf: Buffer.alloc(8) }, fd?: number): string {
  const f = fd ?? g.open(path);
  const n = readAll(f, rb, true, g.pread);
  if (fd === undefined) g.close(f);
  return rb.buf.toString('latin1', 0, n);
}

test('gated ops: a child counter is answered without a syscall while its parent did not move, read again when it did', () => {
  const files = new Map([
    [`${M}/cpuacct.usage`, '1000\n'], [`${M}/a/cpuacct.usage`, '500\n'], [`${M}/a/b/cpuacct.usage`, '200\n'], [`${M}/a/b/cpuacct.stat`, 'user 1\nsystem 2\n'],
    ['/sys/fs/cgroup/memory/a/b/memory.usage_in_bytes', '4096\n'],
  ]);
  const { ops, calls } = fakeFs(files);
  // (a long max age: the first real re-read of each file falls at a point of it spread by its path)
  const g = new GatedOps(ops, 1e9);
  const sample = (now: number) => {
    g.begin(now);
    return ['', '/a', '/a/b'].map((p) => read(g, `${M}${p}/cpuacct.usage`)).concat(read(g, `${M}/a/b/cpuacct.stat`), read(g, '/sys/fs/cgroup/memory/a/b/memory.usage_in_bytes'));
  };
  assert.deepEqual(sample(0), ['1000\n', '500\n', '200\n', 'user 1\nsystem 2\n', '4096\n']);
  assert.equal(calls.open, 5, 'first sample: every file read');
  // the root moved (the host is busy), /a did not: /a read, /a/b answered (usage and stat), memory always read
  files.set(`${M}/cpuacct.usage`, '2000\n');
  calls.open = 0;
  assert.deepEqual(sample(15_000), ['2000\n', '500\n', '200\n', 'user 1\nsystem 2\n', '4096\n']);
  assert.equal(calls.open, 3, 'the root, /a and the memory file: /a/b answered');
  assert.equal(g.answered, 2);
  // a charge below /a: /a moves, so /a/b is read again (and its stat, gated on /a's nanoseconds, though /a's ticks may not move)
  files.set(`${M}/cpuacct.usage`, '3000\n');
  files.set(`${M}/a/cpuacct.usage`, '501\n');
  files.set(`${M}/a/b/cpuacct.usage`, '201\n');
  files.set(`${M}/a/b/cpuacct.stat`, 'user 2\nsystem 2\n');
  calls.open = 0;
  assert.deepEqual(sample(30_000), ['3000\n', '501\n', '201\n', 'user 2\nsystem 2\n', '4096\n']);
  assert.equal(calls.open, 5);
  // a new listing of the tree: everything read for real once
  g.invalidate();
  calls.open = 0;
  sample(31_000);
  assert.equal(calls.open, 5, 'after invalidate()');
  calls.open = 0;
  assert.deepEqual(sample(32_000), ['3000\n', '501\n', '201\n', 'user 2\nsystem 2\n', '4096\n']);
  assert.equal(calls.open, 2, 'then gated again, down the tree: the root did not move either, so /a is answered, and /a/b');
});

test('gated ops: each gated file is read for real at least every maxAgeMs (a reset or a cgroup made again cannot stay hidden longer)', () => {
  const files = new Map([[`${M}/cpuacct.usage`, '1\n'], [`${M}/a/cpuacct.usage`, '5\n'], [`${M}/a/b/cpuacct.usage`, '3\n']]);
  const { ops } = fakeFs(files);
  const g = new GatedOps(ops, 60_000);
  let now = 0;
  const seen: string[] = [];
  for (let i = 0; i < 12; i++, now += 15_000) {
    g.begin(now);
    files.set(`${M}/cpuacct.usage`, `${i + 2}\n`);
    read(g, `${M}/cpuacct.usage`);
    read(g, `${M}/a/cpuacct.usage`);
    if (i === 2) files.set(`${M}/a/b/cpuacct.usage`, '0\n'); // an administrator's reset of /a/b alone
    seen.push(read(g, `${M}/a/b/cpuacct.usage`));
  }
  const first = seen.indexOf('0\n');
  assert.ok(first > 2 && first <= 2 + 4, `the reset shows within 60 s (${first})`);
});

test('gated ops: a handle the fd source keeps opens the real file only when it must read it; other files pass through', () => {
  const files = new Map([[`${M}/cpuacct.usage`, '1\n'], [`${M}/a/cpuacct.usage`, '5\n'], ['/sys/fs/cgroup/memory/memory.stat', 'cache 0\n']]);
  const { ops, calls } = fakeFs(files);
  const g = new GatedOps(ops, 1e9);
  const rb: ReadBuffer = { buf: Buffer.alloc(4) };
  g.begin(0);
  const root = g.open(`${M}/cpuacct.usage`);
  const child = g.open(`${M}/a/cpuacct.usage`);
  const mem = g.open('/sys/fs/cgroup/memory/memory.stat');
  assert.ok(root >= HANDLE_BASE && child >= HANDLE_BASE && mem < HANDLE_BASE, 'handles for gated files, real fds for others');
  assert.equal(read(g, '', rb, root), '1\n');
  assert.equal(read(g, '', rb, child), '5\n');
  assert.equal(read(g, '', rb, mem), 'cache 0\n');
  g.begin(15_000);
  const preads = calls.pread;
  assert.equal(read(g, '', rb, root), '1\n');
  assert.equal(read(g, '', rb, child), '5\n');
  assert.equal(calls.pread - preads, 2, 'the root read (one pread to its end, one of 0), the child answered');
  for (const f of [root, child, mem]) g.close(f);
  assert.equal(calls.close, 3);
});
