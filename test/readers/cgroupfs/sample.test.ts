/**
 * THE cgroup mapping (src/readers/cgroupfs/sample.ts): literal files through an in-memory source, the three
 * fixture hosts (v1 docker-v1, hybrid hybrid-systemd, v2 k8s-v2-node) through both file sources — plain reads
 * and the sampler's fd cache must give the same samples — and the tolerance wrapper: gone/denied are absent
 * and recorded, EIO is reported, never swallowed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { fixtureHost } from '../../helpers/host.js';
import { readCgroupLayout } from '../../../src/readers/cgroupfs/layout.js';
import { planCgroupSample, plainSource, readCgroupSample, sampleCgroup, type CgroupFileSource } from '../../../src/readers/cgroupfs/sample.js';
import { FdSource, realFdOps, type FdOps } from '../../../src/sampler/fd-source.js';
import { listTopTree } from '../../../src/sampler/collect.js';
import { cgroupModel } from '../../../src/model/rates.js';
import { ALL_STAT_GROUPS, type CgroupSample } from '../../../src/model/cgroup-sample.js';
import type { CgroupLayout, Hierarchy } from '../../../src/model/cgroup.js';
import { Tolerance, wrap } from '../../../src/host/tolerance.js';
import { IoError, NotFoundError } from '../../../src/errors.js';
import { formatJson } from '../../../src/output/json.js';

const h = (key: string, version: 1 | 2, controllers: string[]): Hierarchy => ({ id: version === 2 ? 0 : 1, version, key, controllers, mounts: [`/sys/fs/cgroup/${key || 'unified'}`], mountRoot: '/' });

function layoutOf(...hs: Hierarchy[]): CgroupLayout {
  const v1 = hs.some((x) => x.version === 1);
  const v2 = hs.some((x) => x.version === 2);
  return { kind: v1 && v2 ? 'hybrid' : v1 ? 'legacy' : 'unified', hierarchies: hs, controllers: [], unattached: [] };
}

/** A source over literal files: hierarchy key → cgroup path → file name → text. */
function mapSource(files: Record<string, Record<string, Record<string, string>>>): CgroupFileSource {
  return {
    identity: (hy, path) => (files[hy.key]?.[path] ? 7 : undefined),
    text: (hy, path, name) => files[hy.key]?.[path]?.[name],
  };
}

const V1 = [h('cpu', 1, ['cpu']), h('cpuacct', 1, ['cpuacct']), h('memory', 1, ['memory']), h('blkio', 1, ['blkio']), h('pids', 1, ['pids'])];

test('v1 literal files: units normalised (ns → µs, ticks → µs), limits, working set, exact big integers', () => {
  const plan = planCgroupSample(layoutOf(...V1), { groups: ALL_STAT_GROUPS });
  const s = sampleCgroup(
    mapSource({
      cpu: { '/a': { 'cpu.cfs_quota_us': '20000\n', 'cpu.cfs_period_us': '100000\n', 'cpu.stat': 'nr_periods 10\nnr_throttled 4\nthrottled_time 5000000\n', 'cpu.shares': '1024\n' } },
      cpuacct: { '/a': { 'cpuacct.usage': '123456789\n', 'cpuacct.stat': 'user 12\nsystem 3\n' } },
      memory: {
        '/a': {
          'memory.usage_in_bytes': '1000000\n',
          'memory.limit_in_bytes': '9223372036854771712\n',
          'memory.stat': 'total_rss 600000\ntotal_cache 300000\ntotal_inactive_file 250000\nhierarchical_memory_limit 9223372036854771712\n',
          'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
        },
      },
      blkio: { '/a': { 'blkio.throttle.io_service_bytes_recursive': 'Total 0\n' } },
      pids: { '/a': { 'pids.current': '3\n', 'pids.max': 'max\n', 'pids.events': 'max 1\n' } },
    }),
    plan,
    '/a',
  )!;
  assert.deepEqual(s.cpu, { usage_usec: 123456.789, user_usec: 120000, system_usec: 30000, nr_periods: 10, nr_throttled: 4, throttled_usec: 5000, max_usec: 20000, period_usec: 100000, shares: 1024 });
  assert.equal(s.memory?.max_bytes, 'max');
  assert.equal(s.memory?.working_set_bytes, 750000);
  assert.equal(s.memory?.rss_bytes, 600000);
  assert.equal(s.memory?.cache_bytes, 300000);
  assert.equal(s.memory?.stat?.hierarchical_memory_limit, 9223372036854771712n);
  assert.deepEqual(s.memory?.oom_control, { oom_kill_disable: 0, under_oom: 0, oom_kill: 2 });
  assert.match(formatJson(s), /"hierarchical_memory_limit": 9223372036854771712\b/);
  // a blkio file that says only `Total 0` is a real 0, not "no data"
  assert.deepEqual(s.io, { devices: [], rbytes: 0, wbytes: 0 });
  assert.deepEqual(s.pids, { current: 3, max: 'max', events_max: 1, events: { max: 1 } });
  assert.equal(s.psi, undefined);
});

test('IO sums: absent files give no io group (null in views); present files give sums, 0 included', () => {
  const plan = planCgroupSample(layoutOf(h('', 2, ['cpu', 'io', 'memory', 'pids'])), { groups: ['io'] });
  const none = sampleCgroup(mapSource({ '': { '/x': { 'cgroup.procs': '' } } }), plan, '/x')!;
  assert.equal(none.io, undefined);
  const empty = sampleCgroup(mapSource({ '': { '/x': { 'io.stat': '' } } }), plan, '/x')!;
  assert.deepEqual(empty.io, { devices: [], rbytes: 0, wbytes: 0, rios: 0, wios: 0 });
  const some = sampleCgroup(mapSource({ '': { '/x': { 'io.stat': '8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n253:0 rbytes=1 wbytes=2 rios=3 wios=4\n' } } }), plan, '/x')!;
  assert.equal(some.io?.rbytes, 4097);
  assert.equal(some.io?.wios, 4);
});

test('v2 literal files: cpu.stat, cpu.stat.local, events and events.local, PSI with irq', () => {
  const plan = planCgroupSample(layoutOf(h('', 2, ['cpu', 'memory', 'pids'])), { groups: ALL_STAT_GROUPS });
  const s = sampleCgroup(
    mapSource({
      '': {
        '/a': {
          'cpu.stat': 'usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 5\nnr_throttled 1\nthrottled_usec 7\n',
          'cpu.stat.local': 'throttled_usec 9\n',
          'cpu.max': 'max 100000\n',
          'memory.current': '100\n',
          'memory.max': '200\n',
          'memory.stat': 'anon 30\nfile 50\ninactive_file 20\n',
          'memory.events': 'low 0\nhigh 1\nmax 2\noom 3\noom_kill 4\n',
          'memory.events.local': 'low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n',
          'irq.pressure': 'full avg10=0.00 avg60=0.00 avg300=0.00 total=5\n',
        },
      },
    }),
    plan,
    '/a',
  )!;
  assert.equal(s.cpu?.local_throttled_usec, 9);
  assert.equal(s.cpu?.max_usec, 'max');
  assert.equal(s.memory?.working_set_bytes, 80);
  assert.equal(s.memory?.events?.oom_kill, 4);
  assert.equal(s.memory?.events_local?.oom_kill, 1);
  assert.equal(s.psi?.irq?.full?.total_usec, 5);
});

test('a file that does not parse is absent and named in errors; the rest of the sample stands', () => {
  const plan = planCgroupSample(layoutOf(h('', 2, ['memory'])), { groups: ['memory'] });
  const s = sampleCgroup(mapSource({ '': { '/a': { 'memory.current': 'lots\n', 'memory.max': '5\n' } } }), plan, '/a')!;
  assert.equal(s.memory?.current_bytes, undefined);
  assert.equal(s.memory?.max_bytes, 5);
  assert.match(s.errors?.[0] ?? '', /memory\.current:1: expected an integer/);
});

test('a cgroup is read only in the hierarchies that hold it; none → undefined', () => {
  const asked: string[] = [];
  const src: CgroupFileSource = {
    identity: (hy, path) => (hy.key === 'memory' && path === '/m' ? 1 : undefined),
    text: (hy, path, name) => {
      asked.push(`${hy.key}:${name}`);
      return name === 'memory.usage_in_bytes' ? '5\n' : undefined;
    },
  };
  const plan = planCgroupSample(layoutOf(...V1));
  const s = sampleCgroup(src, plan, '/m')!;
  assert.deepEqual(s.memory?.current_bytes, 5);
  assert.ok(asked.every((a) => a.startsWith('memory:')), asked.join(' '));
  assert.equal(sampleCgroup(src, plan, '/nowhere'), undefined);
});

test('wrap(): gone and denied are absent and recorded; EIO and TypeErrors propagate', () => {
  const tol = new Tolerance();
  const fail = (code: string) => () => {
    throw Object.assign(new Error(code), { code });
  };
  assert.equal(wrap(tol, '/a', fail('ENOENT')), undefined);
  assert.equal(wrap(tol, '/b', fail('ENODEV')), undefined);
  assert.equal(wrap(tol, '/c', fail('EACCES')), undefined);
  assert.deepEqual(tol.toJSON(), { gone: 2, denied: ['/c'] });
  assert.throws(() => wrap(tol, '/d', fail('EIO')), (e: unknown) => e instanceof IoError && e.path === '/d' && e.errno === 'EIO');
  assert.throws(() => wrap(tol, '/e', () => (undefined as unknown as { x: { y: number } }).x.y), TypeError);
});

test('EIO injected into the sampler fd source is reported (IoError naming the file), not swallowed', () => {
  const host = fixtureHost('k8s-v2-node.manifest');
  try {
    const layout = readCgroupLayout(host.paths);
    const plan = planCgroupSample(layout, { groups: ['cpu', 'memory'], detail: 'core' });
    let inject: string | undefined;
    const ops: FdOps = {
      ...realFdOps,
      pread: (fd, buf, offset, length, position) => {
        if (inject) throw Object.assign(new Error(`${inject}: injected`), { code: inject });
        return realFdOps.pread(fd, buf, offset, length, position);
      },
    };
    const src = new FdSource(host.paths, plan, 1000, ops);
    const tree = listTopTree(host.paths, layout, '/', undefined, new Tolerance(), plan.hierarchies);
    src.setListing(tree.byHierarchy);
    const svc = '/system.slice/containerd.service';
    const first = sampleCgroup(src, plan, svc)!;
    assert.ok(first.cpu?.usage_usec !== undefined);
    inject = 'EIO';
    assert.throws(() => sampleCgroup(src, plan, svc), (e: unknown) => e instanceof IoError && /cpu\.(max|stat)/.test(e.path ?? '') && e.errno === 'EIO');
    // ENODEV on a cached fd means "removed": the cgroup is gone (reopening fails here only because the files
    // are real on this fake host, so the reopen succeeds and the generation moves on: no rates across it)
    inject = 'ENODEV';
    const again = (() => {
      const s = sampleCgroup(src, plan, svc);
      inject = undefined;
      return s;
    })();
    assert.ok(again === undefined || again.inodes[''] !== first.inodes[''], 'a stale fd bumps the identity');
    src.close();
  } finally {
    host.cleanup();
  }
});

/** Samples without identities (inode numbers vs fd-cache generations differ by design). */
const strip = (s: CgroupSample | undefined) => s && { ...s, inode: undefined, inodes: undefined };

for (const name of ['docker-v1.manifest', 'hybrid-systemd.manifest', 'k8s-v2-node.manifest']) {
  test(`${name}: plain reads and the fd cache give the same sample for every cgroup (full detail, every group)`, () => {
    const host = fixtureHost(name);
    try {
      const layout = readCgroupLayout(host.paths);
      const plan = planCgroupSample(layout, { groups: [...ALL_STAT_GROUPS, 'procs'] });
      const tol = new Tolerance();
      const tree = listTopTree(host.paths, layout, '/', undefined, tol, plan.hierarchies);
      const fd = new FdSource(host.paths, plan);
      fd.setListing(tree.byHierarchy);
      const plain = plainSource(host.paths, new Tolerance());
      let n = 0;
      for (const p of tree.paths) {
        const a = sampleCgroup(plain, plan, p);
        const b = sampleCgroup(fd, plan, p);
        assert.deepEqual(strip(b), strip(a), p);
        if (a) n++;
      }
      assert.ok(n >= 3, `${n} cgroups sampled`);
      // a second pass through the cached fds reads the same
      for (const p of [...tree.paths].slice(0, 20)) assert.deepEqual(strip(sampleCgroup(fd, plan, p)), strip(sampleCgroup(plain, plan, p)), p);
      fd.close();
      assert.deepEqual(tol.denied, []);
    } finally {
      host.cleanup();
    }
  });
}

test('fixture hosts: the values views rely on (v1 docker, hybrid exact limits, v2 PSI and events)', () => {
  const on = (name: string, fn: (s: (p: string) => CgroupSample) => void) => {
    const host = fixtureHost(name);
    try {
      const layout = readCgroupLayout(host.paths);
      fn((p) => readCgroupSample(host.paths, layout, p, { groups: [...ALL_STAT_GROUPS, 'procs'] }));
    } finally {
      host.cleanup();
    }
  };
  on('docker-v1.manifest', (s) => {
    const c = s('/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f');
    assert.equal(c.cpu?.max_usec, 150000);
    assert.equal(c.cpu?.period_usec, 100000);
    assert.ok((c.memory?.rss_bytes ?? 0) > 0);
    assert.throws(() => s('/no/such'), NotFoundError);
  });
  on('hybrid-systemd.manifest', (s) => {
    const root = s('/');
    const limits = JSON.stringify(formatJson(root));
    assert.ok(!limits.includes('9223372036854772000'), 'no rounded 2^63');
  });
  on('k8s-v2-node.manifest', (s) => {
    const svc = s('/system.slice/containerd.service');
    assert.equal(svc.memory?.events_local?.oom_kill, 0);
    assert.ok(svc.psi?.cpu?.some?.total_usec !== undefined);
    assert.ok((svc.procs?.nr_procs ?? -1) >= 0);
  });
});

test('cgroupModel: rates against the last sample; null when the cgroup was recreated', () => {
  const a: CgroupSample = { path: '/a', inode: 1, inodes: { '': 1 }, cpu: { usage_usec: 1_000_000 } };
  const b: CgroupSample = { path: '/a', inode: 1, inodes: { '': 1 }, cpu: { usage_usec: 1_500_000 } };
  assert.equal(cgroupModel(b, a, 1).rates.cpu_percent, 50);
  assert.equal(cgroupModel(b, { ...a, inodes: { '': 2 } }, 1).rates.cpu_percent, null);
  assert.equal(cgroupModel(b).rates.cpu_percent, null);
  assert.equal(cgroupModel(b, a, 1).values.cpu_usage_usec, 1_500_000);
});
