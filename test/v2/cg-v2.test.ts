/**
 * Pure cgroup v2, live (issue 3 acceptance 4). Runs only where cgroup2 is mounted at /sys/fs/cgroup with no
 * v1 hierarchies — i.e. inside `../shared/tools/run-in-v2vm.sh` (`npm run test:v2`); skipped elsewhere.
 * Kept to one file and few CLI calls: Node runs ~25× slower in the emulated VM.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName, waitFor, type Started } from '../helpers/live.js';
import { runNsx } from '../helpers/cli.js';

const CG = '/sys/fs/cgroup';

function v2Skip(): string | false {
  const s = liveSkipReason();
  if (s) return s;
  const mi = readFileSync('/proc/self/mountinfo', 'utf8');
  if (/ - cgroup /.test(mi)) return 'v2 test: this host has cgroup v1 hierarchies (run `npm run test:v2`)';
  if (!existsSync(join(CG, 'cgroup.controllers'))) return 'v2 test: cgroup2 is not mounted at /sys/fs/cgroup';
  return false;
}

const read = (p: string) => readFileSync(p, 'utf8').trim();
const flat = (p: string) => Object.fromEntries(read(p).split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)]));

test('pure v2: nsx cg, cg show, cg ps against the files of a fresh cgroup', { skip: v2Skip(), timeout: 300_000 }, async () => {
  const name = testName('v2');
  const dir = join(CG, name);
  let proc: Started | undefined;
  try {
    const wanted = ['cpu', 'memory', 'pids', 'io', 'cpuset'].filter((c) => read(join(CG, 'cgroup.controllers')).split(' ').includes(c));
    writeFileSync(join(CG, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
    mkdirSync(dir);
    writeFileSync(join(dir, 'cpu.max'), '20000 100000');
    writeFileSync(join(dir, 'memory.max'), '64M');
    writeFileSync(join(dir, 'pids.max'), '50');
    proc = startProcess('sleep', ['1000']);
    writeFileSync(join(dir, 'cgroup.procs'), String(proc.pid));
    await waitFor(() => read(join(dir, 'cgroup.procs')).split('\n').includes(String(proc!.pid)), 10_000, 'member');

    const sum = runNsx(['cg', '--json'], { timeout: 120_000 });
    assert.equal(sum.code, 0, sum.stderr);
    const s = JSON.parse(sum.stdout);
    assert.equal(s.layout, 'unified');
    assert.equal(s.hierarchies.length, 1);
    assert.equal(s.hierarchies[0].version, 2);
    assert.equal(s.hierarchies[0].mount, CG);
    for (const c of wanted) assert.ok(s.hierarchies[0].controllers.includes(c), `controller ${c}`);

    const show = runNsx(['cg', 'show', `/${name}`, '--json'], { timeout: 120_000 });
    assert.equal(show.code, 0, show.stderr);
    const j = JSON.parse(show.stdout);
    assert.equal(j.layout, 'unified');
    assert.equal(j.cpu.version, 2);
    assert.equal(j.cpu.max_usec, 20000);
    assert.equal(j.cpu.period_usec, 100000);
    assert.equal(j.cpu.weight, Number(read(join(dir, 'cpu.weight'))));
    assert.equal(j.cpu.shares, null);
    assert.equal(j.memory.max_bytes, 67108864);
    assert.equal(j.memory.high_bytes, 'max');
    assert.equal(j.pids.max, 50);
    assert.equal(j.pids.current, Number(read(join(dir, 'pids.current'))));
    assert.deepEqual(j.processes.map((p: { pid: number }) => p.pid), [proc.pid]);
    const st = flat(join(dir, 'cpu.stat'));
    assert.equal(j.cpu.nr_periods, st.nr_periods);
    assert.equal(j.cpu.nr_throttled, st.nr_throttled);
    assert.equal(j.memory.events.oom_kill, flat(join(dir, 'memory.events')).oom_kill);
    assert.ok(j.psi && j.psi.cpu && typeof j.psi.cpu.some.avg10 === 'number', 'PSI present on v2');
    if (existsSync(join(dir, 'memory.events.local'))) assert.equal(j.memory.events_local.oom_kill, flat(join(dir, 'memory.events.local')).oom_kill);

    // nsx top on v2: the fd-cached sampler through the same mapping
    const top = runNsx(['top', '-b', '-n', '2', '-d', '0.3', '--json', `/${name}`], { timeout: 120_000 });
    assert.equal(top.code, 0, top.stderr);
    const t2 = JSON.parse(top.stdout.trim().split('\n')[1]);
    const row = t2.cgroups.find((c: { path: string }) => c.path === `/${name}`);
    assert.equal(row.cpu_max_usec, 20000);
    assert.equal(row.cpu_period_usec, 100000);
    assert.equal(row.memory_max_bytes, 67108864);
    assert.equal(row.pids_max, 50);
    assert.equal(row.pids_current, 1);
    assert.equal(typeof row.cpu_percent, 'number');
    assert.ok(row.psi && row.psi.cpu, 'PSI in top on v2');

    const ps = runNsx(['cg', 'ps', String(proc.pid), '--json'], { timeout: 120_000 });
    assert.equal(ps.code, 0, ps.stderr);
    const p = JSON.parse(ps.stdout);
    assert.deepEqual(
      p.cgroups.map((c: { hierarchy_id: number; version: number; path: string }) => [c.hierarchy_id, c.version, c.path]),
      [[0, 2, `/${name}`]],
    );
    assert.equal(read(`/proc/${proc.pid}/cgroup`), `0::/${name}`);
  } finally {
    await proc?.stop();
    // EBUSY until the killed member is reaped
    for (let i = 0; i < 100 && existsSync(dir); i++) {
      try {
        rmdirSync(dir);
      } catch (e) {
        if ((e as { code?: string }).code !== 'EBUSY') throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
});
