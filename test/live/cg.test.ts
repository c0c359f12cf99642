/**
 * Live cgroup v1 tests (root, hybrid host): issue 3 acceptance 1 and 2.
 * Creates `nsx-test-*` cgroups in the cpu, cpuacct, memory and pids hierarchies, puts a sleep in them,
 * and compares `nsx cg show/ps/tree --json` with the files read directly. Cleans up in finally.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName, waitFor, type Started } from '../helpers/live.js';
import { runNsx } from '../helpers/cli.js';

const CG = '/sys/fs/cgroup';
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids'];
const v1Skip = (): string | false => {
  const s = liveSkipReason();
  if (s) return s;
  return CONTROLLERS.every((c) => existsSync(join(CG, c, 'cgroup.procs'))) ? false : 'live test: needs v1 cpu, cpuacct, memory and pids hierarchies';
};

const read = (p: string) => readFileSync(p, 'utf8').trim();

async function withV1Cgroup(fn: (name: string, proc: Started) => Promise<void> | void): Promise<void> {
  const name = testName('cg');
  const made: string[] = [];
  let proc: Started | undefined;
  try {
    for (const c of CONTROLLERS) {
      mkdirSync(join(CG, c, name));
      made.push(join(CG, c, name));
    }
    writeFileSync(join(CG, 'cpu', name, 'cpu.cfs_quota_us'), '20000');
    writeFileSync(join(CG, 'memory', name, 'memory.limit_in_bytes'), '64M');
    writeFileSync(join(CG, 'pids', name, 'pids.max'), '50');
    proc = startProcess('sleep', ['1000']);
    for (const c of CONTROLLERS) writeFileSync(join(CG, c, name, 'cgroup.procs'), String(proc.pid));
    await waitFor(() => read(join(CG, 'pids', name, 'cgroup.procs')).split('\n').includes(String(proc!.pid)), 5000, 'process in cgroup');
    await fn(name, proc);
  } finally {
    await proc?.stop();
    for (const d of made.reverse()) {
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
}

test('live v1: nsx cg show reports the limits, member and counters of a fresh cgroup', { skip: v1Skip() }, async () => {
  await withV1Cgroup((name, proc) => {
    const dir = (c: string) => join(CG, c, name);
    // counters that can still move (the kernel may account a period or a tick to the sleeping process) are
    // read before and after nsx: nsx's value must lie between the two
    const cpuStat = () => Object.fromEntries(read(join(dir('cpu'), 'cpu.stat')).split('\n').map((l) => l.split(' ')));
    const usage = () => Number(read(join(dir('cpuacct'), 'cpuacct.usage'))) / 1000;
    const before = { st: cpuStat(), usage: usage() };
    const r = runNsx(['cg', 'show', `/${name}`, '--json']);
    const after = { st: cpuStat(), usage: usage() };
    const between = (v: number, a: number, b: number, what: string) => assert.ok(a <= v && v <= b, `${what}: ${a} <= ${v} <= ${b}`);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.path, `/${name}`);
    assert.equal(j.layout, 'hybrid');
    assert.equal(j.cpu.max_usec, 20000);
    assert.equal(j.cpu.period_usec, 100000);
    assert.equal(j.memory.max_bytes, 67108864);
    assert.equal(j.pids.max, 50);
    assert.deepEqual(j.processes.map((p: { pid: number }) => p.pid), [proc.pid]);
    assert.match(j.processes[0].command, /^sleep 1000$/);
    // counters against the files
    assert.equal(j.pids.current, Number(read(join(dir('pids'), 'pids.current'))));
    between(j.cpu.usage_usec, before.usage, after.usage, 'usage_usec');
    assert.equal(j.cpu.shares, Number(read(join(dir('cpu'), 'cpu.shares'))));
    between(j.cpu.nr_periods, Number(before.st.nr_periods), Number(after.st.nr_periods), 'nr_periods');
    between(j.cpu.throttled_usec, Number(before.st.throttled_time) / 1000, Number(after.st.throttled_time) / 1000, 'throttled_usec');
    assert.equal(j.memory.current_bytes, Number(read(join(dir('memory'), 'memory.usage_in_bytes'))));
    assert.equal(j.memory.failcnt, Number(read(join(dir('memory'), 'memory.failcnt'))));
    assert.equal(j.memory.soft_limit_bytes, 'max');
    assert.equal(j.memory.high_bytes, null); // v2-only: absent, not zero
    assert.equal(j.psi, null); // no v2 cgroup of that path on this host
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

test('live v1: nsx cg ps names the cgroup in each hierarchy', { skip: v1Skip() }, async () => {
  await withV1Cgroup((name, proc) => {
    const r = runNsx(['cg', 'ps', String(proc.pid), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const c of CONTROLLERS) {
      const row = j.cgroups.find((x: { controllers: string[] }) => x.controllers.includes(c));
      assert.ok(row, `no row for ${c}`);
      assert.equal(row.path, `/${name}`);
      assert.equal(row.mount, join(CG, c));
    }
    // the oracle: /proc/PID/cgroup itself
    const lines = read(`/proc/${proc.pid}/cgroup`).split('\n');
    assert.equal(j.cgroups.length, lines.length);
    const t = runNsx(['cg', 'ps', String(proc.pid)]);
    assert.match(t.stdout, new RegExp(`pids\\s+/${name}`));
  });
});

test('live v1: nsx cg tree --controller pids shows the cgroup and its process', { skip: v1Skip() }, async () => {
  await withV1Cgroup((name, proc) => {
    const r = runNsx(['cg', 'tree', '--controller', 'pids', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.hierarchy, 'pids');
    const node = j.tree.children.find((c: { path: string }) => c.path === `/${name}`);
    assert.ok(node, 'cgroup missing from the tree');
    assert.deepEqual(node.processes, [{ pid: proc.pid, command: 'sleep 1000' }]);
    const sub = runNsx(['cg', 'tree', `/${name}`, '-c', 'memory']);
    assert.equal(sub.code, 0, sub.stderr);
    assert.match(sub.stdout, new RegExp(`${proc.pid} sleep 1000`));
  });
});

test('live: nsx cg --json says hybrid and lists every hierarchy of /proc/cgroups with its mount', { skip: liveSkipReason() }, () => {
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
      const implicit = hasV2 && ['cpuacct', 'blkio', 'devices', 'freezer', 'perf_event'].includes(ctrl);
      assert.ok(j.unattached.includes(ctrl) || v2?.controllers.includes(ctrl) || implicit, `${ctrl} is not shown`);
      continue;
    }
    const h = j.hierarchies.find((x: { id: number }) => x.id === Number(hid));
    assert.ok(h, `hierarchy ${hid} missing`);
    assert.ok(h.controllers.includes(ctrl));
    const mountLine = mi.find((l) => l.split(' - ')[1]?.startsWith('cgroup ') && l.split(' - ')[1].split(' ')[2].split(',').includes(ctrl));
    assert.ok(mountLine);
    assert.equal(h.mount, mountLine!.split(' ')[4]);
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

test('live: nsx cg tree agrees with systemd-cgls on the same tree (default and --all)', { skip: liveSkipReason({ tools: ['systemd-cgls'] }) || (existsSync(join(CG, 'systemd', 'cgroup.procs')) ? false : 'live test: no name=systemd hierarchy') }, async () => {
  const name = testName('cgls');
  const root = join(CG, 'systemd', name);
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
      const cgls = spawnSync('systemd-cgls', ['--no-pager', ...flag, root], { encoding: 'utf8' });
      assert.equal(cgls.status, 0, cgls.stderr);
      const r = runNsx(['cg', 'tree', `/${name}`, '-c', 'name=systemd', '--json', ...flag]);
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
