/**
 * `nsx exporter` on pure cgroup v2, live — inside `run-in-v2vm.sh` (`npm run test:v2`); skipped elsewhere. A busy
 * child of a parent with `cpu.max 20000 100000` (no quota of its own) and a memory-limited cgroup: two samples
 * through the exporter's sampler and the one mapping to series. In process, not the CLI: Node is slow in the VM.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName, waitFor, type Started } from '../helpers/live.js';
import { hostPaths } from '../../src/host/paths.js';
import { makeSampler } from '../../src/exporter/sample.js';
import { seriesOf, type Series } from '../../src/exporter/series.js';
import { makeRegistries } from '../../src/exporter/registry.js';

const CG = '/sys/fs/cgroup';

function v2Skip(): string | false {
  const s = liveSkipReason();
  if (s) return s;
  if (/ - cgroup /.test(readFileSync('/proc/self/mountinfo', 'utf8'))) return 'v2 test: this host has cgroup v1 hierarchies (run `npm run test:v2`)';
  if (!existsSync(join(CG, 'cgroup.controllers'))) return 'v2 test: cgroup2 is not mounted at /sys/fs/cgroup';
  return false;
}

const one = (m: ReadonlyMap<string, readonly Series[]>, name: string, labels: Record<string, string>) =>
  m.get(name)!.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));

test('pure v2: exporter series of a quota-limited parent, its busy child and a memory-limited cgroup', { skip: v2Skip(), timeout: 600_000 }, async () => {
  const base = testName('expv2');
  const procs: Started[] = [];
  const dirs = [join(CG, base), join(CG, base, 'p'), join(CG, base, 'p', 'child'), join(CG, base, 'm')];
  try {
    const ctrl = readFileSync(join(CG, 'cgroup.controllers'), 'utf8').trim().split(' ').filter((c) => ['cpu', 'memory', 'pids', 'io'].includes(c));
    writeFileSync(join(CG, 'cgroup.subtree_control'), ctrl.map((c) => `+${c}`).join(' '));
    mkdirSync(dirs[0]);
    writeFileSync(join(dirs[0], 'cgroup.subtree_control'), ctrl.map((c) => `+${c}`).join(' '));
    mkdirSync(dirs[1]);
    writeFileSync(join(dirs[1], 'cgroup.subtree_control'), ctrl.map((c) => `+${c}`).join(' '));
    mkdirSync(dirs[2]);
    mkdirSync(dirs[3]);
    writeFileSync(join(dirs[1], 'cpu.max'), '20000 100000');
    writeFileSync(join(dirs[3], 'memory.max'), String(64 << 20));
    const busy = startProcess('sh', ['-c', 'while :; do :; done']);
    procs.push(busy);
    writeFileSync(join(dirs[2], 'cgroup.procs'), String(busy.pid));
    await waitFor(() => readFileSync(join(dirs[2], 'cgroup.procs'), 'utf8').trim() !== '', 10_000, 'busy loop in the child');
    const sampler = makeSampler({ paths: hostPaths(), include: [`/${base}/**`], namespaces: false });
    const a = sampler.sample();
    await waitFor(() => Number(/nr_throttled (\d+)/.exec(readFileSync(join(dirs[1], 'cpu.stat'), 'utf8'))?.[1] ?? 0) >= 3, 60_000, 'the parent throttled');
    await new Promise((r) => setTimeout(r, 1500));
    const b = sampler.sample();
    sampler.close();
    assert.equal(b.layout, 'unified');
    const s = seriesOf(a, b);
    const child = `/${base}/p/child`;
    const parent = `/${base}/p`;
    assert.deepEqual(one(s, 'nsx_cgroup_cpu_throttled_by_info', { id: child }).map((x) => x.labels.by), [parent]);
    assert.ok(one(s, 'nsx_cgroup_cpu_cfs_throttled_periods_total', { id: child, by: parent })[0].value > 0);
    assert.equal(one(s, 'container_cpu_cfs_throttled_periods_total', { id: child }).length, 0, 'no own quota: no cAdvisor CFS series');
    assert.equal(one(s, 'container_spec_cpu_quota', { id: parent })[0].value, 20000);
    assert.ok(one(s, 'container_cpu_usage_seconds_total', { id: child })[0].value > 0);
    assert.equal(one(s, 'container_spec_memory_limit_bytes', { id: `/${base}/m` })[0].value, 64 << 20);
    assert.equal(one(s, 'container_processes', { id: child })[0].value, 1);
    for (const f of ['container_pressure_cpu_waiting_seconds_total', 'container_memory_working_set_bytes', 'container_spec_cpu_shares']) {
      assert.equal(one(s, f, { id: child }).length, 1, f);
    }
    assert.ok(one(s, 'nsx_cgroup_memory_events_total', { id: `/${base}/m`, event: 'max' }).length === 1);
    const text = await makeRegistries(() => s).render('openmetrics');
    assert.ok(text.endsWith('# EOF\n'));
  } finally {
    for (const p of procs) await p.stop();
    for (const d of [...dirs].reverse()) {
      for (let i = 0; i < 50 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  }
});
