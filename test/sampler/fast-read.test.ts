/**
 * The sampling reader (persistent fds, src/sampler/fast-read.ts) must agree with the cgroup model's reader
 * (readCgroupStats) on every cgroup of the fixture hosts; a removed and recreated cgroup bumps its generation.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureHost } from '../helpers/host.js';
import { readCgroupLayout } from '../../src/readers/cgroupfs/layout.js';
import { readCgroupStats } from '../../src/readers/cgroupfs/stats.js';
import { Tolerance } from '../../src/host/tolerance.js';
import { TopReader } from '../../src/sampler/fast-read.js';
import { listTopPaths } from '../../src/sampler/collect.js';
import { toTopCounters } from '../../src/sampler/counters.js';
import type { StatGroup } from '../../src/model/cgroup.js';
import type { TopCounters } from '../../src/model/rates.js';

const GROUPS: StatGroup[] = ['cpu', 'memory', 'io', 'pids', 'psi'];
const strip = (c: TopCounters | undefined) => {
  if (!c) return c;
  const { inode: _i, local_throttled_usec: _l, ...rest } = c;
  return JSON.parse(JSON.stringify(rest)); // absent keys, not undefined-valued ones

};

for (const host of ['docker-v1.manifest', 'hybrid-systemd.manifest', 'k8s-v2-node.manifest']) {
  test(`fast reader agrees with readCgroupStats on every cgroup of ${host}`, () => {
    const h = fixtureHost(host);
    try {
      const layout = readCgroupLayout(h.paths);
      const list = listTopPaths(h.paths, layout, '/', undefined, new Tolerance());
      assert.ok(list.length > 1, 'the fixture has cgroups');
      const r = new TopReader(h.paths, layout, new Set(GROUPS));
      r.setPaths(list);
      for (const p of list) {
        const fast = r.read(p);
        const ref = toTopCounters(readCgroupStats(h.paths, layout, p, { groups: GROUPS }));
        assert.deepEqual(strip(fast), strip(ref), p);
        assert.equal(fast?.inode, 'g0');
      }
      r.close();
    } finally {
      h.cleanup();
    }
  });
}

test('fast reader: files that appear after a re-listing are read; unlisted cgroups give undefined', () => {
  const h = fixtureHost('k8s-v2-node.manifest');
  try {
    const layout = readCgroupLayout(h.paths);
    const r = new TopReader(h.paths, layout, new Set(GROUPS));
    const dir = join(h.paths.sys, 'fs/cgroup/nsx-new');
    mkdirSync(dir);
    r.setPaths(['/nsx-new']);
    assert.deepEqual(r.read('/nsx-new'), { path: '/nsx-new', inode: 'g0' }, 'a directory without files: a row with nothing');
    writeFileSync(join(dir, 'pids.current'), '3\n');
    assert.equal(r.read('/nsx-new')?.tasks, undefined, 'absent files are remembered until the next listing');
    r.setPaths(['/nsx-new']);
    assert.equal(r.read('/nsx-new')?.tasks, 3);
    assert.equal(r.read('/elsewhere'), undefined);
    rmSync(dir, { recursive: true });
    r.close();
  } finally {
    h.cleanup();
  }
});

test('pickFlatKeyed agrees with parseFlatKeyed (real memory.stat files, mutations, random text)', async () => {
  const fc = (await import('fast-check')).default;
  const { parseFlatKeyed } = await import('../../src/parse/cgroup-files.js');
  const { pickFlatKeyed } = await import('../../src/sampler/fast-read.js');
  const { readFileSync, readdirSync } = await import('node:fs');
  const keys = ['total_inactive_file', 'inactive_file', 'cache'];
  const agree = (t: string) => {
    let ref: Record<string, number> | Error;
    try {
      const all = parseFlatKeyed(t, '<t>');
      ref = Object.fromEntries(keys.filter((k) => Object.prototype.hasOwnProperty.call(all, k)).map((k) => [k, all[k]]));
    } catch (e) {
      ref = e as Error;
    }
    let got: Record<string, number> | Error;
    try {
      got = pickFlatKeyed(t, keys, '<t>');
    } catch (e) {
      got = e as Error;
    }
    if (ref instanceof Error) {
      // the full parser rejects the file; the picker may still find clean wanted lines, or reject it the same way
      if (got instanceof Error) assert.equal(got.message, ref.message);
      return;
    }
    assert.deepEqual(got, ref, JSON.stringify(t.slice(0, 200)));
  };
  const seeds = [
    'cache 1\nrss 2\ntotal_inactive_file 3\n',
    'anon 10\nfile 20\ninactive_file 30\nactive_file 5',
    'inactive_file 1\ntotal_inactive_file 2\n',
    '  inactive_file 7\n',
    'inactive_file 1\ninactive_file 2\n',
    'inactive_file 1.5\n',
    'xinactive_file 4\ninactive_file 9\n',
  ];
  // the real memory.stat captures of the cgroup corpus (v1 and v2)
  const corpus = fixtureHost('cgroup-corpus.manifest');
  try {
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name === 'memory.stat') seeds.push(readFileSync(join(d, e.name), 'latin1'));
      }
    };
    walk(corpus.dir);
  } finally {
    corpus.cleanup();
  }
  assert.ok(seeds.length > 10, 'real memory.stat seeds');
  for (const s of seeds) agree(s);
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.nat(), fc.string({ maxLength: 8 }), (s, i, ins) => {
      const at = s.length ? i % s.length : 0;
      agree(s.slice(0, at) + ins + s.slice(at));
    }),
    { numRuns: 2000 },
  );
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...keys, 'rss', 'x'), fc.oneof(fc.nat(), fc.constant(-1))), { maxLength: 6 }), (kv) => agree(kv.map(([k, v]) => `${k} ${v}`).join('\n') + '\n')));
});

test('v1 cpu.stat of a cgroup without quota is reused (it cannot change); re-read once a quota is set or after a listing', async () => {
  const { cgroupDir } = await import('../../src/readers/cgroupfs/layout.js');
  const h = fixtureHost('docker-v1.manifest');
  try {
    const layout = readCgroupLayout(h.paths);
    const cpuH = layout.hierarchies.find((x) => x.version === 1 && x.controllers.includes('cpu'))!;
    const dir = cgroupDir(h.paths, cpuH, '/nsx-q');
    mkdirSync(dir);
    const stat = (n: number) => writeFileSync(join(dir, 'cpu.stat'), `nr_periods ${n}\nnr_throttled 0\nthrottled_time 0\n`);
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), '-1\n');
    writeFileSync(join(dir, 'cpu.cfs_period_us'), '100000\n');
    stat(5);
    const r = new TopReader(h.paths, layout, new Set<StatGroup>(['cpu']));
    r.setPaths(['/nsx-q']);
    assert.equal(r.read('/nsx-q')?.nr_periods, 5);
    stat(6); // cannot happen on a kernel without a quota: shows that the file is not read again
    assert.equal(r.read('/nsx-q')?.nr_periods, 5);
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), '10000\n');
    assert.equal(r.read('/nsx-q')?.nr_periods, 6, 'a quota: read every sample');
    stat(7);
    assert.equal(r.read('/nsx-q')?.nr_periods, 7);
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), '-1\n');
    stat(8);
    assert.equal(r.read('/nsx-q')?.nr_periods, 8, 'the first sample without quota reads it');
    stat(9);
    assert.equal(r.read('/nsx-q')?.nr_periods, 8);
    r.setPaths(['/nsx-q']);
    assert.equal(r.read('/nsx-q')?.nr_periods, 9, 're-read after a listing');
    r.close();
  } finally {
    h.cleanup();
  }
});
