/**
 * Live `nsx cg` (root), on whatever layout the host has (issue 3 acceptance 1 and 2; issue 23): v1 hierarchies
 * on a hybrid host (cpu, cpuacct, memory, pids), the one cgroup2 tree on pure v2 (systemd + cgroup v2 in
 * `npm run test:v2`). Creates `nsx-test-*` cgroups with a CPU quota, a memory and a pids limit, puts a sleep in
 * them, and compares `nsx cg show/ps/tree --json` with the files read directly; `nsx cg tree` against
 * `systemd-cgls` on the same subtree (the name=systemd hierarchy on hybrid, the cgroup2 tree on v2). Cleans up in
 * finally.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName, waitFor, type Started } from '../helpers/live.js';
import { runNsx } from '../helpers/cli.js';
import { paced } from '../helpers/pace.js';
import { CG, TestCgroups, cgroupSkip, sweepLeftovers } from '../helpers/cgroups.js';

const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids'] as const;
const skip = liveSkipReason() || cgroupSkip(CONTROLLERS);
if (!skip) sweepLeftovers('cg');

const read = (p: string) => readFileSync(p, 'utf8').trim();

async function withCgroup(fn: (name: string, proc: Started, cg: TestCgroups) => Promise<void> | void): Promise<void> {
  const cg = new TestCgroups(CONTROLLERS);
  const name = testName('cg');
  try {
    cg.mk(name);
    cg.cpuMax(name, 20000);
    cg.memoryMax(name, 64 << 20);
    cg.pidsMax(name, 50);
    const proc = cg.start(name, 'sleep 1000');
    await waitFor(() => cg.members(name).includes(proc.pid) && read(`/proc/${proc.pid}/cmdline`).startsWith('sleep'), 10_000, 'process in cgroup');
    await fn(name, proc, cg);
  } finally {
    await cg.cleanup();
  }
}

test('live: nsx cg show reports the limits, member and counters of a fresh cgroup', { skip, timeout: paced(180_000) }, async () => {
  await withCgroup((name, proc, cg) => {
    // counters that can still move (the kernel may account a period or a tick to the sleeping process) are
    // read before and after nsx: nsx's value must lie between the two
    const before = cg.cpuStat(name);
    const r = runNsx(['cg', 'show', `/${name}`, '--json']);
    const after = cg.cpuStat(name);
    const between = (v: number, a: number, b: number, what: string) => assert.ok(a <= v && v <= b, `${what}: ${a} <= ${v} <= ${b}`);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.path, `/${name}`);
    assert.equal(j.layout, cg.kind);
    assert.equal(j.cpu.version, cg.unified ? 2 : 1);
    assert.equal(j.cpu.max_usec, 20000);
    assert.equal(j.cpu.period_usec, 100000);
    assert.equal(j.memory.max_bytes, 67108864);
    assert.equal(j.pids.max, 50);
    assert.deepEqual(j.processes.map((p: { pid: number }) => p.pid), [proc.pid]);
    assert.match(j.processes[0].command, /^sleep 1000$/);
    // counters against the files
    assert.equal(j.pids.current, cg.pidsCurrent(name));
    between(j.cpu.usage_usec, before.usage_usec, after.usage_usec, 'usage_usec');
    between(j.cpu.nr_periods, before.nr_periods, after.nr_periods, 'nr_periods');
    between(j.cpu.throttled_usec, before.throttled_usec, after.throttled_usec, 'throttled_usec');
    assert.equal(j.memory.current_bytes, cg.memoryCurrent(name));
    if (cg.unified) {
      // v2 only: weight, memory.high, PSI; v1-only keys absent (null), not zero
      const dir = join(CG, name);
      assert.equal(j.cpu.weight, Number(read(join(dir, 'cpu.weight'))));
      assert.equal(j.cpu.shares, null);
      assert.equal(j.memory.high_bytes, 'max');
      assert.equal(j.memory.failcnt, null);
      assert.equal(j.memory.soft_limit_bytes, null);
      assert.equal(j.memory.events.max, Number(/^max (\d+)$/m.exec(read(join(dir, 'memory.events')))![1]));
      assert.ok(j.psi && typeof j.psi.cpu.some.avg10 === 'number', 'PSI on cgroup2');
    } else {
      const dir = (c: string) => join(CG, c, name);
      assert.equal(j.cpu.shares, Number(read(join(dir('cpu'), 'cpu.shares'))));
      assert.equal(j.cpu.weight, null);
      assert.equal(j.memory.failcnt, Number(read(join(dir('memory'), 'memory.failcnt'))));
      assert.equal(j.memory.soft_limit_bytes, 'max');
      assert.equal(j.memory.high_bytes, null); // v2-only: absent, not zero
      assert.equal(j.psi, null); // no v2 cgroup of that path on this host
    }
    // text view: human units
    const t = runNsx(['cg', 'show', `/${name}`]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /limit\s+0\.20 CPU \(20000\/100000 µs\)/);
    assert.match(t.stdout, /max\s+64\.0M/);
    // pid:PID form finds the same cgroup
    const byPid = JSON.parse(runNsx(['cg', 'show', `pid:${proc.pid}`, '--json']).stdout);
    assert.equal(byPid.cpu.max_usec, 20000);
    assert.equal(byPid.memory.path, `/${name}`);
  });
});

test('live: nsx cg ps names the cgroup in each hierarchy (the one cgroup2 row on v2), as /proc/PID/cgroup', { skip, timeout: paced(180_000) }, async () => {
  await withCgroup((name, proc, cg) => {
    const r = runNsx(['cg', 'ps', String(proc.pid), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    // the oracle: /proc/PID/cgroup itself, one row per line
    const lines = read(`/proc/${proc.pid}/cgroup`).split('\n');
    assert.equal(j.cgroups.length, lines.length);
    if (cg.unified) {
      assert.deepEqual(j.cgroups.map((c: { hierarchy_id: number; version: number; path: string; mount: string }) => [c.hierarchy_id, c.version, c.path, c.mount]), [[0, 2, `/${name}`, CG]]);
      assert.equal(lines[0], `0::/${name}`);
    } else {
      for (const c of CONTROLLERS) {
        const row = j.cgroups.find((x: { controllers: string[] }) => x.controllers.includes(c));
        assert.ok(row, `no row for ${c}`);
        assert.equal(row.path, `/${name}`);
        assert.equal(row.mount, join(CG, c));
      }
    }
    const t = runNsx(['cg', 'ps', String(proc.pid)]);
    assert.match(t.stdout, new RegExp(`pids\\S*\\s+/${name}\\b`));
  });
});

test('live: nsx cg tree --controller pids shows the cgroup and its process', { skip, timeout: paced(180_000) }, async () => {
  await withCgroup((name, proc, cg) => {
    const r = runNsx(['cg', 'tree', '--controller', 'pids', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    // the hierarchy that carries pids: its own v1 hierarchy, or cgroup2
    assert.equal(j.hierarchy, cg.unified ? 'v2' : 'pids');
    const node = j.tree.children.find((c: { path: string }) => c.path === `/${name}`);
    assert.ok(node, 'cgroup missing from the tree');
    assert.deepEqual(node.processes, [{ pid: proc.pid, command: 'sleep 1000' }]);
    const sub = runNsx(['cg', 'tree', `/${name}`, '-c', 'memory']);
    assert.equal(sub.code, 0, sub.stderr);
    assert.match(sub.stdout, new RegExp(`${proc.pid} sleep 1000`));
  });
});

test('live: nsx cg --json names the layout and lists every hierarchy of /proc/cgroups with its mount', { skip: liveSkipReason() }, () => {
  const r = runNsx(['cg', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const mi = read('/proc/self/mountinfo').split('\n');
  const hasV1 = mi.some((l) => / - cgroup /.test(l));
  const hasV2 = mi.some((l) => / - cgroup2 /.test(l));
  assert.equal(j.layout, hasV1 && hasV2 ? 'hybrid' : hasV1 ? 'legacy' : 'unified');
  const rows = read('/proc/cgroups').split('\n').filter((l) => !l.startsWith('#')).map((l) => l.split(/\s+/));
  for (const [ctrl, hid] of rows) {
    if (hid === '0') {
      // on no v1 hierarchy: carried by cgroup2, replaced there without a controller, or listed as unattached
      const v2 = j.hierarchies.find((x: { version: number }) => x.version === 2);
      const implicit = hasV2 && ['cpuacct', 'blkio', 'devices', 'freezer', 'perf_event', 'net_cls', 'net_prio'].includes(ctrl);
      assert.ok(j.unattached?.includes(ctrl) || v2?.controllers.includes(ctrl) || implicit, `${ctrl} is not shown`);
      continue;
    }
    const h = j.hierarchies.find((x: { id: number }) => x.id === Number(hid));
    assert.ok(h, `hierarchy ${hid} missing`);
    assert.ok(h.controllers.includes(ctrl));
    const mountLine = mi.find((l) => l.split(' - ')[1]?.startsWith('cgroup ') && l.split(' - ')[1].split(' ')[2].split(',').includes(ctrl));
    assert.ok(mountLine);
    assert.equal(h.mount, mountLine!.split(' ')[4]);
  }
  if (!hasV1) {
    // pure v2: one hierarchy, cgroup2 at /sys/fs/cgroup, with the controllers of its cgroup.controllers
    assert.equal(j.hierarchies.length, 1);
    assert.deepEqual([j.hierarchies[0].version, j.hierarchies[0].mount], [2, CG]);
    for (const c of read(join(CG, 'cgroup.controllers')).split(/\s+/)) assert.ok(j.hierarchies[0].controllers.includes(c), `controller ${c}`);
  }
});

test('live: a path that is not a cgroup is one clear line and exit 1', { skip: liveSkipReason() }, () => {
  const r = runNsx(['cg', 'show', '/nsx-test-does-not-exist']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /no such cgroup/);
  const p = runNsx(['cg', 'ps', '999999999']);
  assert.equal(p.code, 1);
  assert.match(p.stderr, /no such process/);
});

/** Cgroup names and PIDs in systemd-cgls output (tree glyphs stripped; cgroups end in `(#inode)` on newer systemd). */
function cglsNames(out: string): { cgroups: string[]; pids: number[] } {
  const cgroups: string[] = [];
  const pids: number[] = [];
  for (const raw of out.split('\n').slice(1)) {
    const l = raw.replace(/^[\s│├└─|`-]+/u, '');
    if (l === '') continue;
    const p = /^(\d+) /.exec(l);
    if (p) pids.push(Number(p[1]));
    else cgroups.push(l.replace(/ \(#\d+\)$/, ''));
  }
  return { cgroups: cgroups.sort(), pids: pids.sort((a, b) => a - b) };
}

function nsxNames(node: { name: string; processes: { pid: number }[]; children: unknown[] }, top = true): { cgroups: string[]; pids: number[] } {
  const cgroups: string[] = top ? [] : [node.name];
  const pids = node.processes.map((p) => p.pid);
  for (const c of node.children as (typeof node)[]) {
    const r = nsxNames(c, false);
    cgroups.push(...r.cgroups);
    pids.push(...r.pids);
  }
  return { cgroups: cgroups.sort(), pids: pids.sort((a, b) => a - b) };
}

/** systemd-cgls reads name=systemd on a hybrid host and the cgroup2 tree on a unified one: nsx's view of the same. */
function cglsSkip(): string | false {
  const s = liveSkipReason({ tools: ['systemd-cgls'] });
  if (s) return s;
  if (existsSync(join(CG, 'systemd', 'cgroup.procs'))) return false;
  return existsSync(join(CG, 'cgroup.controllers')) ? false : 'live test: no name=systemd hierarchy and no cgroup2 tree at /sys/fs/cgroup';
}

test('live: nsx cg tree agrees with systemd-cgls on the same tree (default and --all)', { skip: cglsSkip(), timeout: paced(180_000) }, async () => {
  // the hierarchy systemd-cgls shows: name=systemd (hybrid) or the cgroup2 tree (unified)
  const v1 = existsSync(join(CG, 'systemd', 'cgroup.procs'));
  const base = v1 ? join(CG, 'systemd') : CG;
  const name = testName('cgls');
  const root = join(base, name);
  const dirs = [root, join(root, 'a'), join(root, 'b'), join(root, 'b', 'c'), join(root, 'd')];
  const procs: Started[] = [];
  try {
    for (const d of dirs) mkdirSync(d);
    for (const d of [join(root, 'a'), join(root, 'b', 'c'), join(root, 'b', 'c')]) {
      const p = startProcess('sleep', ['1000']);
      procs.push(p);
      writeFileSync(join(d, 'cgroup.procs'), String(p.pid));
    }
    for (const all of [false, true]) {
      const flag = all ? ['--all'] : [];
      const cgls = spawnSync('systemd-cgls', ['--no-pager', ...flag, v1 ? root : `/${name}`], { encoding: 'utf8' });
      assert.equal(cgls.status, 0, cgls.stderr);
      const r = runNsx(['cg', 'tree', `/${name}`, ...(v1 ? ['-c', 'name=systemd'] : []), '--json', ...flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(nsxNames(JSON.parse(r.stdout).tree), cglsNames(cgls.stdout), all ? '--all' : 'default');
    }
  } finally {
    for (const p of procs) await p.stop();
    for (const d of [...dirs].reverse()) {
      for (let i = 0; i < 50 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
});
