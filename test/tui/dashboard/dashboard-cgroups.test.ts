import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { makeCollector } from '../../../src/sampler/collect.js';
import { makeDashboardCollector, allRowsFiles } from '../../../src/services/dashboard-cgroups.js';
import { readCgroupLayout } from '../../../src/readers/cgroupfs/layout.js';
import type { CgroupSample } from '../../../src/model/cgroup-sample.js';
import { fixtureHost, type FixtureHost } from '../../helpers/host.js';

const hosts: FixtureHost[] = [];
after(() => hosts.forEach((h) => h.cleanup()));

const groups = (s: CgroupSample | undefined) => (s ? { cpu: s.cpu, memory: s.memory, io: s.io, pids: s.pids, psi: s.psi } : undefined);

for (const manifest of ['docker-v1.manifest', 'k8s-v2-node.manifest', 'hybrid-systemd.manifest']) {
  test(`dashboard cgroup collector (${manifest}): CPU and memory usage for every cgroup, all of nsx top's values for the cgroups in focus`, () => {
    const host = fixtureHost(manifest);
    hosts.push(host);
    const clock = () => 1000;
    const full = makeCollector({ paths: host.paths, clock });
    const dash = makeDashboardCollector({ paths: host.paths, clock });
    try {
      const ref = new Map(full().cgroups.map((c) => [c.path, c] as const));
      const first = dash();
      // the same cgroups, each with its CPU usage and memory usage as nsx top reads them, nothing more
      assert.deepEqual(first.cgroups.map((c) => c.path).sort(), [...ref.keys()].sort());
      for (const c of first.cgroups) {
        const r = ref.get(c.path)!;
        assert.equal(c.cpu?.usage_usec, r.cpu?.usage_usec, c.path);
        assert.equal(c.memory?.current_bytes, r.memory?.current_bytes, c.path);
        assert.equal(c.io, undefined, c.path);
        assert.equal(c.pids, undefined, c.path);
      }
      // a deep cgroup in focus: it and its ancestors in full, the others unchanged
      const deep = [...ref.keys()].sort((a, b) => b.split('/').length - a.split('/').length)[0];
      dash.setFocus([deep]);
      const second = dash();
      const inFocus = new Set<string>();
      for (let p = deep; ; p = p.slice(0, p.lastIndexOf('/')) || '/') {
        inFocus.add(p);
        if (p === '/') break;
      }
      for (const c of second.cgroups) {
        if (inFocus.has(c.path)) assert.deepEqual(groups(c), groups(ref.get(c.path)), c.path);
        else assert.equal(c.io, undefined, c.path);
      }
      assert.ok(second.cgroups.some((c) => c.path === deep));
    } finally {
      full.close();
      dash.close();
    }
  });
}

test('allRowsFiles: v1 reads cpuacct.usage (not cpu.stat, throttling only there), v2 cpu.stat; memory usage on both', () => {
  const v1 = fixtureHost('docker-v1.manifest');
  const v2 = fixtureHost('k8s-v2-node.manifest');
  hosts.push(v1, v2);
  const f1 = allRowsFiles(readCgroupLayout(v1.paths));
  const f2 = allRowsFiles(readCgroupLayout(v2.paths));
  assert.ok(f1.includes('cpuacct.usage') && !f1.includes('cpu.stat') && f1.includes('memory.usage_in_bytes'));
  assert.ok(f2.includes('cpu.stat') && f2.includes('memory.current'));
});
