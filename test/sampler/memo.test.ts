/**
 * The fd source's memo (src/sampler/fd-source.ts `recall`/`remember`): a cgroup whose files all read the same as
 * last time gets the very sample object of last time; one file changed and the mapping runs again, reading each
 * file once; the result always equals what plain reads give. And the steady model (a sample compared with
 * itself) equals the model of two equal copies.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureHost } from '../helpers/host.js';
import { readCgroupLayout, cgroupDir } from '../../src/readers/cgroupfs/layout.js';
import { planCgroupSample, plainSource, sampleCgroup } from '../../src/readers/cgroupfs/sample.js';
import { FdSource, realFdOps, type FdOps } from '../../src/sampler/fd-source.js';
import { listTopTree } from '../../src/sampler/collect.js';
import { cgroupModel } from '../../src/model/rates.js';
import { ALL_STAT_GROUPS, type CgroupSample } from '../../src/model/cgroup-sample.js';
import { Tolerance } from '../../src/host/tolerance.js';
import { IoError } from '../../src/errors.js';

const strip = (s: CgroupSample | undefined) => s && { ...s, inode: undefined, inodes: undefined };

for (const name of ['docker-v1.manifest', 'k8s-v2-node.manifest']) {
  test(`${name}: unchanged cgroups keep their sample object; a changed file is read once and mapped again`, () => {
    const host = fixtureHost(name);
    try {
      const layout = readCgroupLayout(host.paths);
      const plan = planCgroupSample(layout, { groups: [...ALL_STAT_GROUPS, 'procs'] });
      let preads = 0;
      let inject: string | undefined;
      const ops: FdOps = {
        ...realFdOps,
        pread: (fd, buf, offset, length, position) => {
          if (position === 0) preads++; // whole reads (each ends with a read of 0)
          if (inject) throw Object.assign(new Error(`${inject}: injected`), { code: inject });
          return realFdOps.pread(fd, buf, offset, length, position);
        },
      };
      const fd = new FdSource(host.paths, plan, 10_000, ops);
      const tree = listTopTree(host.paths, layout, '/', undefined, new Tolerance(), plan.hierarchies);
      fd.setListing(tree.byHierarchy);
      const paths = [...tree.paths];
      const pass = () => new Map(paths.map((p) => [p, sampleCgroup(fd, plan, p)]));
      const first = pass();
      const r0 = preads;
      const second = pass();
      const perPass = preads - r0;
      for (const p of paths) assert.equal(second.get(p), first.get(p), `${p}: same object when nothing changed`);

      // change one counter file of one cgroup (in place, as the kernel does)
      const target = paths.find((p) => p !== '/' && first.get(p)?.cpu?.usage_usec !== undefined)!;
      const v1 = plan.cpu!.version === 1;
      const file = join(cgroupDir(host.paths, v1 ? plan.cpuacct! : plan.cpu!, target), v1 ? 'cpuacct.usage' : 'cpu.stat');
      writeFileSync(file, v1 ? '123456789000\n' : 'usage_usec 123456789\n');
      const r1 = preads;
      const third = pass();
      assert.equal(preads - r1, perPass, 'no file is read twice in a sample');
      assert.equal(third.get(target)?.cpu?.usage_usec, 123456789);
      assert.notEqual(third.get(target), second.get(target));
      assert.deepEqual(strip(third.get(target)), strip(sampleCgroup(plainSource(host.paths), plan, target)), 'equal to plain reads');
      for (const p of paths) if (p !== target) assert.equal(third.get(p), second.get(p), `${p}: untouched`);

      // EIO while replaying propagates (never swallowed), and the next sample maps afresh
      inject = 'EIO';
      assert.throws(() => sampleCgroup(fd, plan, target), (e: unknown) => e instanceof IoError && e.errno === 'EIO');
      inject = undefined;
      const after = sampleCgroup(fd, plan, target);
      assert.deepEqual(strip(after), strip(third.get(target)));
      fd.close();
    } finally {
      host.cleanup();
    }
  });
}

test('steady model: a sample compared with itself has the rates of two equal copies (0 deltas, any dt)', () => {
  const s: CgroupSample = {
    path: '/a',
    inode: 1,
    inodes: { '': 1 },
    cpu: { usage_usec: 5_000_000, user_usec: 1, system_usec: 2, nr_periods: 10, nr_throttled: 0, throttled_usec: 0, max_usec: 50_000, period_usec: 100_000 },
    memory: { current_bytes: 1024, max_bytes: 'max' },
    io: { rbytes: 7, wbytes: 8, rios: 1, wios: 2 },
    psi: { cpu: { some: { avg10: 1.5, avg60: 0, avg300: 0, total_usec: 99 } } },
  };
  for (const dt of [0.5, 1, 2]) {
    const steady = cgroupModel(s, s, dt);
    const copies = cgroupModel(s, structuredClone(s), dt);
    assert.deepEqual(steady.rates, copies.rates, `dt ${dt}`);
    assert.deepEqual(steady.values, copies.values);
  }
  assert.deepEqual(cgroupModel(s, s, null).rates, cgroupModel(s, structuredClone(s), null).rates);
});
