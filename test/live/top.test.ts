/**
 * Live `nsx top` (root, v1/hybrid host): quota + busy loop → CPU% ≈ quota, throttling counters and throttle
 * attribution (itself, and the parent for a child without quota); memory of a process touching 100 MiB;
 * a cgroup removed and recreated between samples gives null rates.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hostPaths } from '../../src/host/paths.js';
import { liveSkipReason, startProcess, testName, waitFor, type Started } from '../helpers/live.js';
import { runNsx } from '../helpers/cli.js';
import { makeCollector } from '../../src/sampler/collect.js';
import { buildFrame } from '../../src/sampler/frame.js';

const CG = join(hostPaths().sys, 'fs/cgroup');
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids'];

function v1Skip(): string | false {
  const r = liveSkipReason();
  if (r) return r;
  return existsSync(join(CG, 'cpu', 'cpu.cfs_quota_us')) ? false : 'live test: needs the v1 cpu hierarchy';
}

/** mkdir the cgroup in every controller hierarchy; returns the cleanup. */
function makeCgroup(rel: string): void {
  for (const c of CONTROLLERS) mkdirSync(join(CG, c, rel), { recursive: true });
}

function removeCgroup(rel: string): void {
  for (const c of CONTROLLERS) {
    const d = join(CG, c, rel);
    if (!existsSync(d)) continue;
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(d);
        break;
      } catch {
        spawnSync('sleep', ['0.05']);
      }
    }
  }
}

/** A shell that moves itself into `rel` in every hierarchy, then execs `cmd`. */
function startIn(rel: string, cmd: string): Started {
  const moves = CONTROLLERS.map((c) => `echo $$ > ${join(CG, c, rel, 'cgroup.procs')}`).join('; ');
  return startProcess('sh', ['-c', `${moves}; exec ${cmd}`]);
}

test('nsx top --json: quota 10000/100000 busy loop ≈ 10%, throttled, attributed to itself and to the parent of a child without quota', { skip: v1Skip(), timeout: 60_000 }, async () => {
  const a = testName('top-a');
  const b = testName('top-b');
  const procs: Started[] = [];
  try {
    makeCgroup(a);
    makeCgroup(`${b}/child`);
    writeFileSync(join(CG, 'cpu', a, 'cpu.cfs_quota_us'), '10000');
    writeFileSync(join(CG, 'cpu', b, 'cpu.cfs_quota_us'), '10000');
    procs.push(startIn(a, `sh -c 'while :; do :; done'`));
    procs.push(startIn(`${b}/child`, `sh -c 'while :; do :; done'`));
    await waitFor(() => readFileSync(join(CG, 'cpu', b, 'child', 'cgroup.procs'), 'utf8').trim() !== '' && readFileSync(join(CG, 'cpu', a, 'cgroup.procs'), 'utf8').trim() !== '', 5000, 'busy loops in their cgroups');
    const r = runNsx(['top', '-b', '-n', '3', '-d', '1', '--json'], { maxBuffer: 256 << 20 });
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
      assert.ok(Math.abs(x.cpu_percent - 10) <= 3, `cpu_percent ${x.cpu_percent}`);
      assert.ok(x.cpu_nr_throttled > prevThrottled, `cpu_nr_throttled ${prevThrottled} → ${x.cpu_nr_throttled}`);
      prevThrottled = x.cpu_nr_throttled;
      assert.ok(x.cpu_throttled_percent > 0, `cpu_throttled_percent ${x.cpu_throttled_percent}`);
      assert.equal(x.cpu_throttled_by, `/${a}`);
      assert.equal(x.cpu_max_usec, 10000);
      assert.equal(x.cpu_period_usec, 100000);
      const child = find(s, `/${b}/child`);
      assert.ok(Math.abs(child.cpu_percent - 10) <= 3, `child cpu_percent ${child.cpu_percent}`);
      assert.equal(child.cpu_nr_throttled, 0, 'the kernel counts the parent, not the child: ' + JSON.stringify(child));
      assert.equal(child.cpu_throttled_by, `/${b}`);
      assert.equal(find(s, `/${b}`).cpu_throttled_by, `/${b}`);
    }
    // a view rooted at the child still names the parent (ancestors are sampled, not shown)
    const sub = runNsx(['top', '-b', '-n', '2', '-d', '1', '--json', `/${b}/child`]);
    assert.equal(sub.code, 0, sub.stderr);
    const last = JSON.parse(sub.stdout.trim().split('\n')[1]);
    assert.deepEqual(last.cgroups.map((c: { path: string }) => c.path), [`/${b}/child`]);
    assert.equal(last.cgroups[0].cpu_throttled_by, `/${b}`);
    assert.equal(last.cgroups[0].cpu_throttled_by_cpus, 0.1);
  } finally {
    for (const p of procs) await p.stop();
    removeCgroup(`${b}/child`);
    removeCgroup(b);
    removeCgroup(a);
  }
});

test('nsx top: a process touching 100 MiB shows memory_current_bytes ≥ 100 MiB and its limit', { skip: v1Skip(), timeout: 60_000 }, async () => {
  const m = testName('top-mem');
  let p: Started | undefined;
  try {
    makeCgroup(m);
    writeFileSync(join(CG, 'memory', m, 'memory.limit_in_bytes'), String(512 * 1024 * 1024));
    writeFileSync(join(CG, 'pids', m, 'pids.max'), '50');
    p = startIn(m, `${process.execPath} -e "globalThis.b = Buffer.alloc(100 * 1024 * 1024, 1); setInterval(() => {}, 1000)"`);
    await waitFor(() => Number(readFileSync(join(CG, 'memory', m, 'memory.usage_in_bytes'), 'utf8')) >= 100 * 1024 * 1024, 15_000, 'allocation');
    const r = runNsx(['top', '-b', '-n', '1', '--json', `/${m}`]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout.trim().split('\n')[0]);
    assert.equal(s.cgroups.length, 1, 'only the requested subtree');
    const c = s.cgroups[0];
    assert.equal(c.path, `/${m}`);
    assert.ok(c.memory_current_bytes >= 100 * 1024 * 1024, `memory_current_bytes ${c.memory_current_bytes}`);
    assert.equal(c.memory_max_bytes, 512 * 1024 * 1024);
    assert.equal(c.pids_max, 50);
    assert.ok(c.pids_current >= 1);
    const t = runNsx(['top', '-b', '-n', '1', '-r', `/${m}`]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`/${m}\\s+\\d+\\s+50\\s+-\\s+-\\s+\\d+\\s+${512 * 1024 * 1024}`));
  } finally {
    await p?.stop();
    removeCgroup(m);
  }
});

test('counter reset: a cgroup removed and recreated between samples gives null rates, not negatives', { skip: v1Skip(), timeout: 60_000 }, async () => {
  const name = testName('top-reset');
  let p: Started | undefined;
  try {
    makeCgroup(name);
    // a busy first life: large counters
    p = startIn(name, `sh -c 'while :; do :; done'`);
    await new Promise((r) => setTimeout(r, 400));
    const collect = makeCollector({ paths: hostPaths(), root: `/${name}` });
    const s1 = collect();
    const before = s1.cgroups.find((c) => c.path === `/${name}`)!;
    assert.ok((before.cpu?.usage_usec ?? 0) > 0);
    await p.stop();
    removeCgroup(name);
    makeCgroup(name);
    // the second life: counters restart, then grow (without the inode check this would give a positive rate)
    p = startIn(name, `sh -c 'while :; do :; done'`);
    await new Promise((r) => setTimeout(r, 300));
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
    await new Promise((r) => setTimeout(r, 300));
    const s3 = collect();
    const again = buildFrame(s2, s3, `/${name}`).byPath.get(`/${name}`)!;
    assert.ok(again.rates.cpu_percent !== null && again.rates.cpu_percent > 0, `cpu ${again.rates.cpu_percent}`);
  } finally {
    await p?.stop();
    removeCgroup(name);
  }
});
