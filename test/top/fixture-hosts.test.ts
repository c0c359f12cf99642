/**
 * Acceptance 4: `nsx top -b -n 1 --root fixtures/<host>.manifest` prints every cgroup with its limits and `-`
 * for rates (one sample on a static host), and `--json` gives null rates.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { runNsx } from '../helpers/cli.js';
import { fixture, fixtureHost } from '../helpers/host.js';
import { readCgroupLayout } from '../../src/readers/cgroupfs/layout.js';
import { Tolerance } from '../../src/host/tolerance.js';
import { listTopPaths } from '../../src/sampler/collect.js';

const HOSTS = ['docker-v1', 'hybrid-systemd', 'k8s-v2-node'];

for (const host of HOSTS) {
  test(`nsx top -b -n 1 --root ${host}: every cgroup, its limits, '-' for rates`, () => {
    const h = fixtureHost(`${host}.manifest`);
    let expected: string[];
    try {
      expected = listTopPaths(h.paths, readCgroupLayout(h.paths), '/', undefined, new Tolerance());
    } finally {
      h.cleanup();
    }
    const r = runNsx(['top', '-b', '-n', '3', '--root', fixture(`${host}.manifest`), '-o', 'PATH,CPU%,USER%,IOR/S,THR%,QUOTA,MEMMAX,TASKSMAX', '-r']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'CGROUP CPU% USER% IOR/S THR% QUOTA MEMMAX TASKSMAX');
    const rows = lines.slice(1).map((l) => l.split(' '));
    assert.deepEqual(rows.map((c) => c[0]).sort(), [...expected].sort(), 'one sample (not 3) with every cgroup');
    for (const c of rows) assert.deepEqual(c.slice(1, 5), ['-', '-', '-', '-'], `no rates on a static host: ${c[0]}`);
    const j = runNsx(['top', '--json', '--root', fixture(`${host}.manifest`)]);
    assert.equal(j.code, 0, j.stderr);
    const s = JSON.parse(j.stdout);
    assert.equal(s.interval_s, null);
    for (const c of s.cgroups) for (const k of ['cpu_percent', 'cpu_user_percent', 'io_read_bps', 'cpu_throttled_percent', 'cpu_throttled_by']) assert.equal(c[k], null, `${c.path} ${k}`);
  });
}

test('fixture limits come through: quota, memory max and pids max as the files say', () => {
  const j = runNsx(['top', '--json', '--root', fixture('k8s-v2-node.manifest')]);
  const s = JSON.parse(j.stdout);
  const scope = s.cgroups.find((c: { path: string }) => c.path.endsWith('cri-containerd-73051af271105c07e1f493b34856a77e665e3b0b4fc72f76c807dfbffeb881bd.scope'));
  assert.ok(scope);
  assert.equal(scope.cpu_max_usec, 10000);
  assert.equal(scope.cpu_period_usec, 100000);
  assert.equal(scope.cpu_max_cpus, 0.1);
  assert.equal(scope.memory_max_bytes, 'max');
  assert.equal(scope.container, 'containerd:73051af27110');
  const d = JSON.parse(runNsx(['top', '--json', '--root', fixture('docker-v1.manifest')]).stdout);
  const ctr = d.cgroups.find((c: { path: string }) => c.path.startsWith('/docker/'));
  assert.equal(ctr.cpu_max_cpus, 1.5);
  assert.equal(ctr.container?.startsWith('docker:'), true);
});
