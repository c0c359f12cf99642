/**
 * The process reader (src/readers/procfs/process.ts) on a fixture host whose files the test edits between reads:
 * unchanged processes give the same sample, slow parts are re-read on their schedule, a reused PID is read afresh,
 * cgroup lines are shared; a real failure (EISDIR standing in for EIO) propagates and reaches the dashboard's
 * error list instead of being swallowed. Live: kept stat descriptors are closed when a process exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fixtureHost } from '../../helpers/host.js';
import { liveSkipReason } from '../../helpers/live.js';
import { ProcessReader, keptStatDescriptors } from '../../../src/readers/procfs/process.js';
import { Tolerance } from '../../../src/host/tolerance.js';
import { hostPaths } from '../../../src/host/paths.js';
import { openDashboardFeed, DashboardErrors } from '../../../src/services/dashboard.js';

function editStat(dir: string, pid: number, f: (fields: string[]) => void): void {
  const p = join(dir, 'proc', String(pid), 'stat');
  const t = readFileSync(p, 'utf8');
  const close = t.lastIndexOf(')');
  const fields = t.slice(close + 2).trimEnd().split(' ');
  f(fields); // fields[0] is proc(5) field 3
  writeFileSync(p, t.slice(0, close + 2) + fields.join(' ') + '\n');
}

test('ProcessReader: same sample while nothing changed; slow parts on schedule; PID reuse read afresh', () => {
  const h = fixtureHost('docker-v1.manifest');
  try {
    const r = new ProcessReader({ paths: h.paths, refreshEvery: 2 });
    const a = r.read(new Tolerance());
    const b = r.read(new Tolerance());
    assert.ok(a.length > 3);
    a.forEach((s, i) => assert.equal(b[i], s, `pid ${s.pid}: same sample object`));
    // the process ran (utime moved) and changed its argv: the times at once, the argv at its next slow read
    editStat(h.dir, 200, (f) => (f[11] = String(Number(f[11]) + 50)));
    writeFileSync(join(h.dir, 'proc/200/cmdline'), 'renamed\0');
    const pidOf = (xs: typeof a) => xs.find((s) => s.pid === 200)!;
    let seen = pidOf(r.read(new Tolerance()));
    assert.equal(seen.utimeTicks, pidOf(a).utimeTicks! + 50);
    for (let i = 0; i < 3 && seen.argv[0] !== 'renamed'; i++) seen = pidOf(r.read(new Tolerance()));
    assert.deepEqual(seen.argv, ['renamed'], 'argv re-read within refreshEvery reads once the process ran');
    // a new process under the same PID (another start time): everything read again at once
    editStat(h.dir, 900, (f) => (f[19] = String(Number(f[19]) + 1000)));
    writeFileSync(join(h.dir, 'proc/900/cmdline'), 'newcomer\0');
    assert.deepEqual(r.read(new Tolerance()).find((s) => s.pid === 900)!.argv, ['newcomer']);
    // alike cgroup files share their parsed lines
    const c = r.read(new Tolerance());
    const l1 = c.find((s) => s.pid === 1)!.cgroups;
    const l2 = c.find((s) => s.pid === 2)!.cgroups;
    const hugetlb = (xs: typeof l1) => xs.find((e) => e.controllers.includes('hugetlb'));
    if (hugetlb(l1)?.path === hugetlb(l2)?.path) assert.equal(hugetlb(l1), hugetlb(l2), 'one entry object for one line');
    // a vanished process is gone, not an error
    rmSync(join(h.dir, 'proc/900'), { recursive: true });
    const tol = new Tolerance();
    assert.ok(!r.read(tol).some((s) => s.pid === 900));
    assert.equal(tol.incomplete, false);
  } finally {
    h.cleanup();
  }
});

test('ProcessReader: a process the caller calls unchanged is asked about once and not read; alike parts shared', () => {
  const h = fixtureHost('docker-v1.manifest');
  try {
    const r = new ProcessReader({ paths: h.paths, refreshEvery: 2 });
    const a = r.read(new Tolerance());
    // the same command line and namespaces in two processes: one argv array, one namespace object
    writeFileSync(join(h.dir, 'proc/200/cmdline'), 'same\0argv\0');
    writeFileSync(join(h.dir, 'proc/900/cmdline'), 'same\0argv\0');
    const fresh = new ProcessReader({ paths: h.paths, refreshEvery: 2 }).read(new Tolerance());
    const p200 = fresh.find((s) => s.pid === 200)!;
    const p900 = fresh.find((s) => s.pid === 900)!;
    assert.deepEqual(p200.argv, ['same', 'argv']);
    assert.equal(p200.argv, p900.argv, 'one argv array per command line');
    assert.ok(Object.isFrozen(p200.argv));
    if (JSON.stringify(p200.ns) === JSON.stringify(p900.ns)) assert.equal(p200.ns, p900.ns, 'one object per namespace set');
    // a known process called unchanged: asked once per read, its last sample kept even though its files changed
    editStat(h.dir, 200, (f) => (f[11] = String(Number(f[11]) + 50)));
    const asked = new Map<number, number>();
    const b = r.read(new Tolerance(), undefined, (last) => {
      asked.set(last.pid, (asked.get(last.pid) ?? 0) + 1);
      return last.pid === 200;
    });
    assert.ok([...asked.values()].every((n) => n === 1), 'one verdict per process');
    assert.equal(asked.size, a.length);
    assert.equal(b.find((s) => s.pid === 200), a.find((s) => s.pid === 200), 'not read: the last sample');
    // not called unchanged: read, the change seen
    const c = r.read(new Tolerance(), undefined, () => false);
    assert.equal(c.find((s) => s.pid === 200)!.utimeTicks, a.find((s) => s.pid === 200)!.utimeTicks! + 50);
    // ps (a single read) keeps nothing: no shared argv there, the same values
    const once = new ProcessReader({ paths: h.paths, once: true }).read(new Tolerance());
    assert.deepEqual(once.find((s) => s.pid === 200)!.argv, ['same', 'argv']);
  } finally {
    h.cleanup();
  }
});

test('a real read failure propagates (not swallowed) and reaches the dashboard error list', () => {
  const h = fixtureHost('docker-v1.manifest');
  try {
    // a directory where the status file should be: EISDIR, neither "gone" nor "denied"
    rmSync(join(h.dir, 'proc/200/status'));
    mkdirSync(join(h.dir, 'proc/200/status'));
    assert.throws(() => new ProcessReader({ paths: h.paths }).read(new Tolerance()), (e: Error & { errno?: string }) => e.errno === 'EISDIR');
    const feed = openDashboardFeed({ paths: h.paths, intervalMs: 1000 });
    try {
      assert.equal(feed.procSampler.sampleNow(), undefined, 'the failed sample is not emitted');
      const errs = feed.errors.list();
      assert.equal(errs.length, 1);
      assert.equal(errs[0].source, 'processes');
      assert.match(errs[0].message, /status/);
      feed.procSampler.sampleNow();
      assert.equal(feed.errors.list()[0].count, 2, 'the same error counts up');
    } finally {
      feed.close();
    }
  } finally {
    h.cleanup();
  }
});

test('DashboardErrors: one entry per source and message, newest last, bounded, listeners told', () => {
  let now = 0;
  const e = new DashboardErrors(() => now, 2);
  const heard: number[] = [];
  e.subscribe((l) => heard.push(l.length));
  e.record('processes', new Error('a\nsecond line'));
  now = 5;
  e.record('cgroups', new Error('b'));
  e.record('processes', new Error('a'));
  assert.deepEqual(
    e.list().map((x) => [x.source, x.message, x.count, x.first_ms, x.last_ms]),
    [
      ['cgroups', 'b', 1, 5, 5],
      ['processes', 'a', 2, 0, 5],
    ],
  );
  e.record('detail', 'c');
  assert.equal(e.list().length, 2);
  assert.deepEqual(heard, [1, 2, 2, 2]);
});

test('live: kept stat descriptors are reused and closed when the process exits', { skip: liveSkipReason({}) }, async () => {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  try {
    const paths = hostPaths();
    // wait for the exec: before it the child is a copy of node whose stat still changes
    for (let i = 0; i < 200 && readFileSync(join(paths.proc, String(child.pid), 'comm'), 'utf8').trim() !== 'sleep'; i++) await new Promise((res) => setTimeout(res, 10));
    await new Promise((res) => setTimeout(res, 50));
    const r = new ProcessReader({ paths, pids: [child.pid!], keepOpen: true, refreshEvery: 10 });
    const before = keptStatDescriptors();
    const a = r.read(new Tolerance());
    assert.equal(a.length, 1);
    assert.equal(keptStatDescriptors(), before + 1);
    assert.equal(r.read(new Tolerance())[0], a[0], 'an idle process: the same sample');
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    const tol = new Tolerance();
    assert.deepEqual(r.read(tol), []);
    assert.equal(keptStatDescriptors(), before, 'descriptor closed');
    r.close();
  } finally {
    child.kill('SIGKILL');
  }
});
