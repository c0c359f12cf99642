/**
 * The fd source's batch (src/sampler/fd-source.ts, the addon's `readBatch`): one Node-API call reads a whole
 * sample's kept fds and the files beyond the budget; the samples equal the file-by-file path's (another syscall
 * layer than `realFdOps` turns the batch off) exactly, sample after sample, as files change, appear, vanish and
 * cgroups are removed, with and without a budget that forces open/read/close.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPaths } from '../../src/host/paths.js';
import { fixtureHost } from '../helpers/host.js';
import { readCgroupLayout, cgroupDir } from '../../src/readers/cgroupfs/layout.js';
import { planCgroupSample, plainSource, sampleCgroup } from '../../src/readers/cgroupfs/sample.js';
import { FdSource, realFdOps } from '../../src/sampler/fd-source.js';
import { listTopTree } from '../../src/sampler/collect.js';
import { ALL_STAT_GROUPS, type CgroupSample } from '../../src/model/cgroup-sample.js';
import { Tolerance } from '../../src/host/tolerance.js';
import { procScanAddon } from '../../native-bindings/procscan.js';

const strip = (s: CgroupSample | undefined) => s && { ...s, inode: undefined, inodes: undefined };

const addon = procScanAddon();
const skip = typeof addon?.readBatch !== 'function' ? 'nsx-procscan.node with readBatch is not built (or NSX_NO_PROCSCAN=1)' : false;

for (const name of ['docker-v1.manifest', 'k8s-v2-node.manifest']) {
  for (const budget of [10_000, 7]) {
    test(`${name}, budget ${budget}: batched samples equal file-by-file ones, pass after pass`, { skip }, () => {
      const host = fixtureHost(name);
      try {
        const layout = readCgroupLayout(host.paths);
        const plan = planCgroupSample(layout, { groups: [...ALL_STAT_GROUPS, 'procs'] });
        const batched = new FdSource(host.paths, plan, budget, realFdOps);
        const single = new FdSource(host.paths, plan, budget, { ...realFdOps });
        let tree = listTopTree(host.paths, layout, '/', undefined, new Tolerance(), plan.hierarchies);
        const list = () => {
          tree = listTopTree(host.paths, layout, '/', undefined, new Tolerance(), plan.hierarchies);
          batched.setListing(tree.byHierarchy);
          single.setListing(tree.byHierarchy);
        };
        list();
        const pass = (n: number) => {
          batched.begin(n * 1000);
          single.begin(n * 1000);
          const tb = (batched.tolerance = new Tolerance());
          const ts = (single.tolerance = new Tolerance());
          const paths = [...tree.paths];
          const a = paths.map((p) => sampleCgroup(batched, plan, p));
          const b = paths.map((p) => sampleCgroup(single, plan, p));
          paths.forEach((p, i) => assert.deepEqual(a[i], b[i], `pass ${n}, ${p}`));
          assert.deepEqual(tb.toJSON(), ts.toJSON(), `pass ${n}: the same files vanished/denied`);
          return new Map(paths.map((p, i) => [p, a[i]]));
        };
        pass(1);
        pass(2);
        const before = batched.batched;
        const third = pass(3);
        assert.ok(batched.batched > before, 'the third pass is read by the batch');
        // files change in place, one vanishes, one appears
        const target = [...tree.paths].find((p) => p !== '/' && third.get(p)?.cpu?.usage_usec !== undefined)!;
        const v1 = plan.cpu!.version === 1;
        const cpuDir = cgroupDir(host.paths, v1 ? plan.cpuacct! : plan.cpu!, target);
        writeFileSync(join(cpuDir, v1 ? 'cpuacct.usage' : 'cpu.stat'), v1 ? '123456789000\n' : 'usage_usec 123456789\n');
        const memDir = cgroupDir(host.paths, plan.memory!, target);
        const memFiles = readdirSync(memDir).filter((f) => f.startsWith('memory.'));
        if (memFiles.length) unlinkSync(join(memDir, memFiles[0]));
        const fourth = pass(4);
        assert.equal(fourth.get(target)?.cpu?.usage_usec, 123456789);
        // (a kept fd of a fixture's regular file still reads it after unlink, unlike cgroupfs: cpu only here)
        assert.deepEqual(strip(fourth.get(target))?.cpu, strip(sampleCgroup(plainSource(host.paths), plan, target))?.cpu, 'equal to plain reads');
        pass(5);
        // a cgroup removed (its files gone with it) and a new one made; listed again
        const leaf = [...tree.paths].filter((p) => p !== '/').at(-1)!;
        for (const h of plan.hierarchies) rmSync(cgroupDir(host.paths, h, leaf), { recursive: true, force: true });
        pass(6);
        const made = '/nsx-batch-new';
        for (const h of plan.hierarchies) {
          const d = cgroupDir(host.paths, h, made);
          mkdirSync(d, { recursive: true });
          writeFileSync(join(d, h.version === 2 ? 'memory.current' : 'memory.usage_in_bytes'), '4096\n');
        }
        list();
        pass(7);
        pass(8);
        batched.close();
        single.close();
        assert.equal(batched.size, 0);
      } finally {
        host.cleanup();
      }
    });
  }
}

test('batchMaxItems: a sample read in windows of 3 files (and a window of 1) equals the unbounded batch and the batch-less source', { skip }, () => {
  const host = fixtureHost('docker-v1.manifest');
  try {
    const layout = readCgroupLayout(host.paths);
    const plan = planCgroupSample(layout, { groups: [...ALL_STAT_GROUPS, 'procs'] });
    const bounded = new FdSource(host.paths, plan, 10_000, realFdOps, { batchMaxItems: 3 });
    const ones = new FdSource(host.paths, plan, 5, realFdOps, { batchMaxItems: 1 });
    const unbounded = new FdSource(host.paths, plan, 10_000, realFdOps);
    const single = new FdSource(host.paths, plan, 10_000, { ...realFdOps });
    const tree = listTopTree(host.paths, layout, '/', undefined, new Tolerance(), plan.hierarchies);
    for (const s of [bounded, unbounded, single, ones]) s.setListing(tree.byHierarchy);
    for (let n = 1; n <= 4; n++) {
      const got = [bounded, unbounded, single, ones].map((s) => {
        s.begin(n * 1000);
        s.tolerance = new Tolerance();
        return [...tree.paths].map((p) => sampleCgroup(s, plan, p));
      });
      assert.deepEqual(got[0], got[2], `pass ${n}: bounded = file by file`);
      assert.deepEqual(got[3], got[2], `pass ${n}: windows of 1 file, budget 5 = file by file`);
      assert.deepEqual(got[1], got[2], `pass ${n}: batched = file by file`);
    }
    assert.ok(bounded.batched > unbounded.batched / 2, `windows of 3 files: most files read by the batch (${bounded.batched} of ${unbounded.batched})`);
    assert.ok(ones.batched > 0, 'windows of 1 file');
    assert.ok(unbounded.batched > 0, 'the unbounded source batches');
    for (const s of [bounded, unbounded, single, ones]) s.close();
  } finally {
    host.cleanup();
  }
});

test('readBatch: paths read and closed (-1) or kept (-2), fds by pread; -ENOBUFS resumes from the file that did not fit', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-batch-'));
  try {
    const texts = ['a'.repeat(100), 'b'.repeat(70), '', 'c'.repeat(90)];
    texts.forEach((t, i) => writeFileSync(join(dir, `f${i}`), t));
    const fd3 = openSync(join(dir, 'f3'), 'r');
    const items = Int32Array.from([-1, -2, -1, fd3, -1]);
    const paths = ['f0', 'f1', 'f2', 'nope'].map((f) => join(dir, f) + '\0').join('');
    const lens = new Int32Array(items.length);
    const kept = new Int32Array(items.length).fill(-1);
    const ENOBUFS = osConstants.errno.ENOBUFS;
    let out = Buffer.alloc(120);
    assert.equal(addon!.readBatch!(items, paths, out, lens, 0, 0, kept), -ENOBUFS);
    assert.deepEqual([...lens], [100, -ENOBUFS, -ENOBUFS, -ENOBUFS, -ENOBUFS]);
    const bigger = Buffer.alloc(400);
    out.copy(bigger, 0, 0, 100);
    out = bigger;
    assert.equal(addon!.readBatch!(items, paths, out, lens, 1, 100, kept), 260);
    assert.deepEqual([...lens], [100, 70, 0, 90, -osConstants.errno.ENOENT]);
    assert.equal(out.toString('latin1', 0, 260), texts.join(''));
    assert.equal(kept[0], -1);
    assert.ok(kept[1] >= 0, 'the -2 item is kept open');
    assert.equal(readFileSync(join(hostPaths().proc, 'self/fd', String(kept[1])), 'latin1'), texts[1]);
    closeSync(kept[1]);
    closeSync(fd3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
