/**
 * Live `nsx top` (root), on whatever layout the host has (v1 hierarchies on hybrid, the cgroup2 tree on pure v2):
 * quota + busy loop → CPU% ≈ quota, throttling counters and throttle attribution (itself, and the parent for a
 * child without quota); memory of a process touching 100 MiB; a cgroup removed and recreated between samples gives
 * null rates.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { hostPaths } from '../../src/host/paths.js';
import { liveSkipReason, testName, waitFor } from '../helpers/live.js';
import { runNsx } from '../helpers/cli.js';
import { paced, cpuStarved } from '../helpers/pace.js';
import { TestCgroups, cgroupSkip, sweepLeftovers } from '../helpers/cgroups.js';
import { makeCollector } from '../../src/sampler/collect.js';
import { buildFrame } from '../../src/sampler/frame.js';

const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids'] as const;
const skip = liveSkipReason() || cgroupSkip(CONTROLLERS);
if (!skip) sweepLeftovers('top');
// every cgroup of the host, three samples: minutes on a loaded 2-core host (load 90 timed out the default minute)
const SLOW = { maxBuffer: 256 << 20, timeout: paced(180_000) };

test('nsx top --json: quota 10000/100000 busy loop ≈ 10%, throttled, attributed to itself and to the parent of a child without quota', { skip, timeout: paced(420_000) }, async () => {
  const a = testName('top-a');
  const b = testName('top-b');
  const cg = new TestCgroups(CONTROLLERS);
  try {
    cg.mk(a);
    cg.mk(`${b}/child`);
    cg.cpuMax(a, 10000);
    cg.cpuMax(b, 10000);
    // a large share, so that the loops get their 10 % on a loaded host (the test checks the measurement, not the scheduler)
    cg.cpuWeight(a, 1600);
    cg.cpuWeight(b, 1600);
    cg.start(a, `sh -c 'while :; do :; done'`);
    cg.start(`${b}/child`, `sh -c 'while :; do :; done'`);
    await waitFor(() => cg.members(`${b}/child`).length > 0 && cg.members(a).length > 0, 10_000, 'busy loops in their cgroups');
    const r = runNsx(['top', '-b', '-n', '3', '-d', '1', '--json'], SLOW);
    assert.equal(r.code, 0, r.stderr);
    const samples = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(samples.length, 3);
    const find = (s: any, p: string) => s.cgroups.find((c: any) => c.path === p);
    const [s0, s1, s2] = samples;
    for (const k of ['timestamp', 'interval_s', 'cgroups']) assert.ok(k in s0, k);
    const a0 = find(s0, `/${a}`);
    assert.ok(a0, 'cgroup listed');
    assert.equal(a0.cpu_percent, null, 'first sample: no rate');
    assert.equal(s0.interval_s, null);
    assert.equal(a0.cpu_throttled_by, null);
    for (const key of ['path', 'cpu_percent', 'cpu_user_percent', 'cpu_system_percent', 'memory_current_bytes', 'memory_max_bytes', 'pids_current', 'io_read_bps', 'io_write_bps', 'cpu_nr_periods', 'cpu_nr_throttled', 'cpu_throttled_usec', 'cpu_throttled_percent', 'cpu_throttled_by', 'psi']) assert.ok(key in a0, key);
    let prevThrottled = a0.cpu_nr_throttled as number;
    for (const s of [s1, s2]) {
      const x = find(s, `/${a}`);
      // ≈ the quota; on a starved CPU (the emulated VM, a loaded host: cpuStarved), at most the quota
      assert.ok(x.cpu_percent <= 13 && (cpuStarved() ? x.cpu_percent > 0 : x.cpu_percent >= 7), `cpu_percent ${x.cpu_percent}`);
      assert.ok(x.cpu_nr_throttled > prevThrottled, `cpu_nr_throttled ${prevThrottled} → ${x.cpu_nr_throttled}`);
      prevThrottled = x.cpu_nr_throttled;
      assert.ok(x.cpu_throttled_percent > 0, `cpu_throttled_percent ${x.cpu_throttled_percent}`);
      assert.equal(x.cpu_throttled_by, `/${a}`);
      assert.equal(x.cpu_max_usec, 10000);
      assert.equal(x.cpu_period_usec, 100000);
      const child = find(s, `/${b}/child`);
      assert.ok(child.cpu_percent <= 13 && (cpuStarved() ? child.cpu_percent > 0 : child.cpu_percent >= 7), `child cpu_percent ${child.cpu_percent}`);
      assert.equal(child.cpu_nr_throttled, 0, 'the kernel counts the parent, not the child: ' + JSON.stringify(child));
      assert.equal(child.cpu_throttled_by, `/${b}`);
      assert.equal(find(s, `/${b}`).cpu_throttled_by, `/${b}`);
    }
    // a view rooted at the child still names the parent (ancestors are sampled, not shown)
    const sub = runNsx(['top', '-b', '-n', '2', '-d', '1', '--json', `/${b}/child`], SLOW);
    assert.equal(sub.code, 0, sub.stderr);
    const last = JSON.parse(sub.stdout.trim().split('\n')[1]);
    assert.deepEqual(last.cgroups.map((c: { path: string }) => c.path), [`/${b}/child`]);
    assert.equal(last.cgroups[0].cpu_throttled_by, `/${b}`);
    assert.equal(last.cgroups[0].cpu_throttled_by_cpus, 0.1);
  } finally {
    await cg.cleanup();
  }
});

test('nsx top: a process touching 100 MiB shows memory_current_bytes ≥ 100 MiB and its limit', { skip, timeout: paced(180_000) }, async () => {
  const m = testName('top-mem');
  const cg = new TestCgroups(CONTROLLERS);
  try {
    cg.mk(m);
    cg.memoryMax(m, 512 * 1024 * 1024);
    cg.pidsMax(m, 50);
    cg.start(m, `${process.execPath} -e "globalThis.b = Buffer.alloc(100 * 1024 * 1024, 1); setInterval(() => {}, 1000)"`);
    await waitFor(() => cg.memoryCurrent(m) >= 100 * 1024 * 1024, 15_000, 'allocation');
    const r = runNsx(['top', '-b', '-n', '1', '--json', `/${m}`], SLOW);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout.trim().split('\n')[0]);
    assert.equal(s.cgroups.length, 1, 'only the requested subtree');
    const c = s.cgroups[0];
    assert.equal(c.path, `/${m}`);
    assert.ok(c.memory_current_bytes >= 100 * 1024 * 1024, `memory_current_bytes ${c.memory_current_bytes}`);
    assert.equal(c.memory_max_bytes, 512 * 1024 * 1024);
    assert.equal(c.pids_max, 50);
    assert.ok(c.pids_current >= 1);
    const t = runNsx(['top', '-b', '-n', '1', '-r', `/${m}`], SLOW);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`/${m}\\s+\\d+\\s+50\\s+-\\s+-\\s+\\d+\\s+${512 * 1024 * 1024}`));
  } finally {
    await cg.cleanup();
  }
});

test('counter reset: a cgroup removed and recreated between samples gives null rates, not negatives', { skip, timeout: paced(180_000) }, async () => {
  const name = testName('top-reset');
  const cg = new TestCgroups(CONTROLLERS);
  try {
    cg.mk(name);
    // a busy first life: large counters
    cg.start(name, `sh -c 'while :; do :; done'`);
    await waitFor(() => cg.cpuStat(name).usage_usec > 50_000, 10_000, 'CPU time in the first life');
    const collect = makeCollector({ paths: hostPaths(), root: `/${name}` });
    const s1 = collect();
    const before = s1.cgroups.find((c) => c.path === `/${name}`)!;
    assert.ok((before.cpu?.usage_usec ?? 0) > 0);
    await cg.cleanup();
    cg.mk(name);
    // the second life: counters restart, then grow (without the inode check this would give a positive rate)
    cg.start(name, `sh -c 'while :; do :; done'`);
    await waitFor(() => cg.cpuStat(name).usage_usec > 10_000, 10_000, 'CPU time in the second life');
    const s2 = collect();
    const after = s2.cgroups.find((c) => c.path === `/${name}`)!;
    assert.notEqual(after.inode, before.inode, 'directory inode changed');
    const f = buildFrame(s1, s2, `/${name}`);
    const row = f.byPath.get(`/${name}`)!;
    assert.equal(row.rates.cpu_percent, null);
    assert.equal(row.rates.cpu_user_percent, null);
    assert.equal(row.rates.cpu_throttled_percent, null);
    assert.equal(row.throttled_by, null);
    // the next interval has rates again
    const at2 = cg.cpuStat(name).usage_usec;
    await waitFor(() => cg.cpuStat(name).usage_usec > at2 + 20_000, 10_000, 'more CPU time');
    const s3 = collect();
    const again = buildFrame(s2, s3, `/${name}`).byPath.get(`/${name}`)!;
    assert.ok(again.rates.cpu_percent !== null && again.rates.cpu_percent > 0, `cpu ${again.rates.cpu_percent}`);
  } finally {
    await cg.cleanup();
  }
});
