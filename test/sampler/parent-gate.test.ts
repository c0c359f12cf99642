/**
 * The fd source's parent gate (src/sampler/fd-source.ts, `parentGate`, the exporter): a v1 cgroup's hierarchical
 * counters (cpuacct.usage and .stat, blkio recursive) are answered from their last text while the parent's did not
 * move in this sample, read for real when it did, when they are due (maxAgeMs) and after a new listing; with the
 * batch and file by file alike. Other files are read at every sample.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureHost } from '../helpers/host.js';
import { readCgroupLayout, cgroupDir } from '../../src/readers/cgroupfs/layout.js';
import { planCgroupSample, sampleCgroup } from '../../src/readers/cgroupfs/sample.js';
import { FdSource, realFdOps, PARENT_GATES } from '../../src/sampler/fd-source.js';
import { listTopTree } from '../../src/sampler/collect.js';
import { ALL_STAT_GROUPS } from '../../src/model/cgroup-sample.js';
import { Tolerance } from '../../src/host/tolerance.js';

for (const [how, ops] of [['batched', realFdOps], ['file by file', { ...realFdOps }]] as const) {
  test(`parent gate (${how}): a child's hierarchical counters follow its parent's, every file read for real when due and after a listing`, () => {
    const host = fixtureHost('docker-v1.manifest');
    try {
      const layout = readCgroupLayout(host.paths);
      const plan = planCgroupSample(layout, { groups: [...ALL_STAT_GROUPS] });
      const h = plan.cpuacct!;
      assert.equal(h.version, 1);
      const maxAgeMs = 60_000;
      const src = new FdSource(host.paths, plan, 10_000, ops, { parentGate: { maxAgeMs } });
      const tree = listTopTree(host.paths, layout, '/', undefined, new Tolerance(), plan.hierarchies);
      src.setListing(tree.byHierarchy);
      const paths = [...tree.paths];
      // a cgroup two deep whose parent is listed (parents come first in the listing)
      const child = paths.find((p) => p.split('/').length >= 3 && paths.includes(p.slice(0, p.lastIndexOf('/'))))!;
      assert.ok(child, 'the fixture has a cgroup below a listed parent');
      const parent = child.slice(0, child.lastIndexOf('/'));
      const file = (p: string, n: string) => join(cgroupDir(host.paths, h, p), n);
      const sample = (now: number) => {
        src.begin(now);
        src.tolerance = new Tolerance();
        return new Map(paths.map((p) => [p, sampleCgroup(src, plan, p)]));
      };
      writeFileSync(file(parent, 'cpuacct.usage'), '5000000000\n');
      writeFileSync(file(child, 'cpuacct.usage'), '2000000000\n');
      const usage = (s: Map<string, ReturnType<typeof sampleCgroup>>) => s.get(child)?.cpu?.usage_usec;
      let now = 0;
      assert.equal(usage(sample(now)), 2_000_000);
      assert.equal(usage(sample((now += 15_000))), 2_000_000);
      // the child's file changes but its parent's does not (impossible on cgroupfs: a charge to the child is a
      // charge to its parent): the child is answered from its last text, without a read
      writeFileSync(file(child, 'cpuacct.usage'), '2500000000\n');
      const answered = src.gateAnswered;
      assert.equal(usage(sample((now += 15_000))), 2_000_000, 'answered: the parent did not move');
      assert.ok(src.gateAnswered > answered);
      // the parent moves: the child is read
      writeFileSync(file(parent, 'cpuacct.usage'), '5600000000\n');
      assert.equal(usage(sample((now += 15_000))), 2_500_000, 'read: the parent moved');
      // a hand reset of the child alone shows within maxAgeMs (each cgroup's gated files are read for real then)
      writeFileSync(file(child, 'cpuacct.usage'), '0\n');
      let seenAt: number | undefined;
      for (let k = 0; k < 6 && seenAt === undefined; k++) if (usage(sample((now += 15_000))) === 0) seenAt = k;
      assert.ok(seenAt !== undefined && (seenAt + 1) * 15_000 <= maxAgeMs + 15_000, `the reset shows within ${maxAgeMs} ms (${seenAt})`);
      // after a new listing every gated file is read for real once
      writeFileSync(file(child, 'cpuacct.usage'), '7000000000\n');
      src.setListing(tree.byHierarchy);
      assert.equal(usage(sample((now += 1_000))), 7_000_000, 'read for real after a listing');
      // other files are read at every sample
      const inMem = [...(tree.byHierarchy.get(plan.memory!) ?? [])].filter((p) => p !== '/').at(-1)!;
      sample((now += 1_000));
      const statFile = join(cgroupDir(host.paths, plan.memory!, inMem), 'memory.stat');
      writeFileSync(statFile, readFileSync(statFile, 'utf8').replace(/^cache \d+$/m, 'cache 123456'));
      assert.equal(sample((now += 1_000)).get(inMem)?.memory?.stat?.cache, 123456);
      assert.ok([...PARENT_GATES.keys()].every((n) => n.startsWith('cpuacct.') || n.startsWith('blkio.')));
      src.close();
    } finally {
      host.cleanup();
    }
  });
}
