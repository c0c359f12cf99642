/**
 * The batch read of new processes (src/readers/procfs/scan.ts, the nsx-procscan.node addon) gives exactly what
 * the file-by-file reads give: on every fixture host with processes (including a real failure, which propagates
 * the same), and live, where the effective UID and NSpid are taken from the owner of /proc/PID and the PID for
 * processes in the proc mount's PID namespace: compared with each process's own status file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { spawn } from 'node:child_process';
import type { ProcessSample } from '../../../src/model/process.js';
import { fixtureHost } from '../../helpers/host.js';
import { liveSkipReason } from '../../helpers/live.js';
import { ProcessReader, keptStatDescriptors } from '../../../src/readers/procfs/process.js';
import { KeptReads, canScan, scanProcesses } from '../../../src/readers/procfs/scan.js';
import { Tolerance } from '../../../src/host/tolerance.js';
import { hostPaths } from '../../../src/host/paths.js';
import { parseStatus } from '../../../src/parse/status.js';
import { readPids } from '../../../src/readers/procfs/pids.js';

const noAddon = canScan() ? false : 'the nsx-procscan.node addon is not built (npm install builds it)';

for (const m of ['docker-v1.manifest', 'hybrid-systemd.manifest', 'k8s-node.manifest', 'k8s-v2-node.manifest', 'ns-nested.manifest']) {
  test(`batch and file-by-file reads agree: ${m}`, { skip: noAddon }, () => {
    const h = fixtureHost(m);
    try {
      const t1 = new Tolerance();
      const t2 = new Tolerance();
      const a = new ProcessReader({ paths: h.paths, batch: true }).read(t1);
      const b = new ProcessReader({ paths: h.paths, batch: false }).read(t2);
      assert.ok(a.length >= 3);
      assert.deepEqual(a, b);
      assert.deepEqual(t1.toJSON(), t2.toJSON());
      // processes in the same namespaces share one frozen namespace record (parsed once per scan)
      for (const x of a) {
        const twin = a.find((y) => y !== x && isDeepStrictEqual(y.ns, x.ns) && Object.keys(x.ns).length === 8);
        if (twin) assert.equal(twin.ns, x.ns, `${x.pid} and ${twin.pid}: one record`);
        if (Object.keys(x.ns).length === 8) assert.ok(Object.isFrozen(x.ns));
      }
      assert.equal(new ProcessReader({ paths: h.paths, batch: true }).pageSize, undefined, 'a fixture host: the page size is learnt from status');
    } finally {
      h.cleanup();
    }
  });
}

test('batch read: a real failure (EISDIR) propagates as from a plain read; a vanished process is gone', { skip: noAddon }, () => {
  const h = fixtureHost('k8s-node.manifest');
  try {
    const pids = readPids(h.paths);
    rmSync(join(h.dir, 'proc', String(pids[1]), 'status'));
    mkdirSync(join(h.dir, 'proc', String(pids[1]), 'status'));
    assert.throws(() => new ProcessReader({ paths: h.paths, batch: true }).read(new Tolerance()), (e: Error & { errno?: string; path?: string }) => e.errno === 'EISDIR' && /status$/.test(e.path ?? ''));
    rmSync(join(h.dir, 'proc', String(pids[1])), { recursive: true });
    const tol = new Tolerance();
    const s = scanProcesses(h.paths, pids, { files: ['stat'], links: true });
    assert.ok(s);
    try {
      assert.throws(() => s.text(pids[1], 'stat'), (e: Error & { errno?: string }) => e.errno === 'ENOENT');
      assert.equal(s.nsLinks(pids[1]), undefined, 'links of a vanished process: read again one by one');
      assert.match(s.text(pids[0], 'stat'), /^\d+ \(/);
    } finally {
      s.close();
    }
    assert.ok(!new ProcessReader({ paths: h.paths, batch: true }).read(tol).some((x) => x.pid === pids[1]));
    assert.equal(tol.incomplete, false);
  } finally {
    h.cleanup();
  }
});

test('live: the owner of /proc/PID and the PID give what status says (effective UID, NSpid)', { skip: liveSkipReason() || noAddon }, () => {
  const paths = hostPaths();
  for (const batch of [true, false]) {
    const samples = new ProcessReader({ paths, batch }).read(new Tolerance());
    let compared = 0;
    for (const s of samples) {
      let text: string;
      try {
        text = readFileSync(join(paths.proc, String(s.pid), 'status'), 'latin1');
      } catch {
        continue; // exited since
      }
      const st = parseStatus(text);
      assert.equal(s.uid, st.uid?.effective, `pid ${s.pid} uid (batch ${batch})`);
      assert.deepEqual(s.nspid, st.nspid, `pid ${s.pid} NSpid (batch ${batch})`);
      compared++;
    }
    assert.ok(compared > 3);
  }
});

test('live: batch and file-by-file reads agree on what does not change between two reads', { skip: liveSkipReason() || noAddon }, () => {
  const paths = hostPaths();
  const a = new ProcessReader({ paths, batch: true }).read(new Tolerance());
  const b = new Map(new ProcessReader({ paths, batch: false }).read(new Tolerance()).map((s) => [s.pid, s] as const));
  // a third read, batched again: processes that changed meanwhile (reparented when their parent exited, exec'ed
  // a new argv: other programs run on this host) are left out
  const c = new Map(new ProcessReader({ paths, batch: true }).read(new Tolerance()).map((s) => [s.pid, s] as const));
  // (a kernel worker renames itself as it works: comm is not compared)
  const key = (s: ProcessSample) => [s.ppid, s.uid, s.nspid, s.argv, s.ns, s.cgroups];
  let compared = 0;
  for (const s of a) {
    const t = b.get(s.pid);
    const u = c.get(s.pid);
    if (!t || !u || t.starttimeTicks !== s.starttimeTicks || u.starttimeTicks !== s.starttimeTicks || t.pid === process.pid) continue;
    if (!isDeepStrictEqual(key(s), key(u))) continue;
    assert.deepEqual(key(s), key(t), `pid ${s.pid}`);
    compared++;
  }
  assert.ok(compared > 3);
});

test('kept descriptors read in one call (KeptReads) give each file whole, and each failure on its own', { skip: noAddon }, () => {
  const dir = join(tmpdir(), `nsx-test-kept-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const texts = ['', 'a', 'x'.repeat(70_000), 'stat 1 2 3\n', 'y'.repeat(300_000)];
    const fds = texts.map((t, i) => {
      writeFileSync(join(dir, String(i)), t);
      return openSync(join(dir, String(i)), 'r');
    });
    const bad = openSync(join(dir, '0'), 'r');
    closeSync(bad); // a descriptor that is no longer open: EBADF for it alone
    const k = KeptReads.open()!;
    k.buf = Buffer.alloc(16); // grown as needed
    for (const round of [0, 1]) {
      assert.ok(k.read(Int32Array.from([...fds.slice(0, 2), bad, ...fds.slice(2)])), `round ${round}`);
      const got = [0, 1, 3, 4, 5].map((i) => k.buf.toString('latin1', k.offset(i), k.offset(i) + k.length(i)));
      assert.deepEqual(got, texts);
      assert.ok(k.length(2) < 0);
      assert.match(k.error(2, '/x').message, /\/x/);
    }
    for (const fd of fds) closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live: a full descriptor table (EMFILE) makes a repeated reader keep fewer files, not fail', { skip: liveSkipReason() }, () => {
  const paths = hostPaths();
  const r = new ProcessReader({ paths, refreshEvery: 10, keepOpen: true });
  const filler: number[] = [];
  try {
    r.read(new Tolerance());
    r.read(new Tolerance()); // the second read keeps descriptors open
    const kept = keptStatDescriptors();
    assert.ok(kept > 0, 'descriptors kept');
    const fresh = spawn('sleep', ['30'], { stdio: 'ignore' }); // new at the next read: its stat must be opened
    try {
      // fill the rest of this process's descriptor table
      for (;;) {
        try {
          filler.push(openSync('/dev/null', 'r'));
        } catch (e) {
          assert.equal((e as NodeJS.ErrnoException).code, 'EMFILE');
          break;
        }
      }
      const out = r.read(new Tolerance());
      assert.ok(out.some((x) => x.pid === fresh.pid), 'the new process read all the same');
      assert.ok(keptStatDescriptors() < kept, `fewer kept: ${keptStatDescriptors()} < ${kept}`);
      // descriptors are free again for others
      closeSync(openSync('/dev/null', 'r'));
    } finally {
      fresh.kill();
    }
  } finally {
    for (const fd of filler) closeSync(fd);
    r.close();
  }
});
