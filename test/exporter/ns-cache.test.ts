/** The namespace links cache of the exporter (src/exporter/ns-cache.ts) on a fake /proc: settled links, PID reuse, full re-reads. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPaths } from '../../src/host/paths.js';
import { NamespaceCache } from '../../src/exporter/ns-cache.js';

function fakeProc() {
  const root = mkdtempSync(join(tmpdir(), 'nsx-test-nscache-'));
  const paths = hostPaths(root);
  const proc = (pid: number, start: number, net: number, comm = 'sleep') => {
    const dir = join(paths.proc, String(pid));
    mkdirSync(join(dir, 'ns'), { recursive: true });
    // fields 3… after "(comm)": state ppid … field 22 is the start time
    const fields = ['S', ...Array.from({ length: 18 }, (_, i) => String(i + 4)), String(start), '0'];
    writeFileSync(join(dir, 'stat'), `${pid} (${comm}) ${fields.join(' ')}\n`);
    for (const [t, ino] of [['net', net], ['mnt', 4026531841]] as const) {
      try {
        unlinkSync(join(dir, 'ns', t));
      } catch {
        // first time
      }
      symlinkSync(`${t}:[${ino}]`, join(dir, 'ns', t));
    }
  };
  return { paths, proc, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const refresh = (c: NamespaceCache, f: ReturnType<typeof fakeProc>, pid: number) => {
  c.begin(f.paths);
  const l = c.links(f.paths, pid);
  c.end();
  return l.net;
};

test('ns cache: links read once the process had run for 10 s are kept at once; a young process is read until then', () => {
  const f = fakeProc();
  try {
    const c = new NamespaceCache(100);
    f.proc(20, 50_000, 1); // started at 500 s: 500 s old
    f.proc(21, 99_500, 1); // started at 995 s: 5 s old (e.g. an unshare before its exec)
    writeFileSync(join(f.paths.proc, 'uptime'), '1000.00 1900.00\n');
    c.begin(f.paths);
    assert.equal(c.links(f.paths, 20).net, 1);
    assert.equal(c.links(f.paths, 21).net, 1);
    c.end();
    f.proc(20, 50_000, 2);
    f.proc(21, 99_500, 2);
    writeFileSync(join(f.paths.proc, 'uptime'), '1060.00 1900.00\n');
    c.begin(f.paths);
    assert.equal(c.links(f.paths, 20).net, 1, 'old when read: settled, kept');
    assert.equal(c.links(f.paths, 21).net, 2, 'young when read: read again');
    c.end();
  } finally {
    f.cleanup();
  }
});

test('ns cache: links seen unchanged at two refreshes are kept; a new start time (PID reuse) or a full refresh reads them again', () => {
  const f = fakeProc();
  try {
    const c = new NamespaceCache(4);
    f.proc(10, 500, 1);
    assert.equal(refresh(c, f, 10), 1); // refresh 1 (full): read
    f.proc(10, 500, 2, 'un shared) x'); // moved (unshare at start-up) before the second refresh; a hostile comm
    assert.equal(refresh(c, f, 10), 2, 'not settled yet: read again');
    assert.equal(refresh(c, f, 10), 2, 'read again; now seen twice the same: settled');
    f.proc(10, 500, 3);
    assert.equal(refresh(c, f, 10), 2, 'settled: not read (what the cache may miss, until the next full refresh)');
    assert.equal(refresh(c, f, 10), 3, 'refresh 5: a full one reads every process');
    f.proc(10, 777, 4);
    assert.equal(refresh(c, f, 10), 4, 'another process with the same PID: read');
    c.begin(f.paths);
    c.end();
    assert.equal(c.size, 0, 'a process not seen in a refresh is forgotten');
  } finally {
    f.cleanup();
  }
});

test('ns cache: without /proc/PID/stat (a recorded host) links are read every time', () => {
  const f = fakeProc();
  try {
    const c = new NamespaceCache(100);
    f.proc(7, 1, 1);
    unlinkSync(join(f.paths.proc, '7', 'stat'));
    for (let n = 1; n <= 4; n++) {
      f.proc(7, 1, n);
      unlinkSync(join(f.paths.proc, '7', 'stat'));
      assert.equal(refresh(c, f, 7), n);
    }
  } finally {
    f.cleanup();
  }
});
