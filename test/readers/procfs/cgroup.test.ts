import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureHost } from '../../helpers/host.js';
import { readProcCgroup, readProcessCgroups, procCgroupPath } from '../../../src/readers/procfs/cgroup.js';
import { cgroupIdentity, hierarchyOf, primaryCgroup, primaryCgroupPath, withinCgroup, stripNsPrefix } from '../../../src/model/process-cgroup.js';
import { readCgroupLayout } from '../../../src/readers/cgroupfs/layout.js';
import { NotFoundError } from '../../../src/errors.js';
import { classifyTolerable } from '../../../src/host/tolerance.js';

const e = (hierarchyId: number, controllers: string[], path: string, name?: string) => ({ hierarchyId, controllers, path, ...(name ? { name } : {}) });

test('readProcCgroup: the one reader of /proc/PID/cgroup, with identity, primary path and hierarchy', () => {
  const h = fixtureHost('docker-v1.manifest');
  try {
    const entries = readProcCgroup(h.paths, 1);
    assert.equal(entries.length, 10);
    assert.deepEqual(entries[0], { hierarchyId: 11, controllers: [], name: 'systemd', path: '/init.scope' });
    const c = readProcessCgroups(h.paths, 200);
    assert.equal(c.identity?.runtime, 'docker');
    assert.equal(c.identity?.kind, 'container');
    assert.equal(c.primary, '/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f');
    assert.equal(readProcessCgroups(h.paths, 900).primary, '/system.slice/ssh.service');
    const layout = readCgroupLayout(h.paths);
    for (const x of entries) {
      const hier = hierarchyOf(layout, x);
      assert.ok(hier, `hierarchy of ${x.hierarchyId}`);
      if (x.name) assert.equal(hier.name, x.name);
      else assert.deepEqual([...hier.controllers].sort(), [...x.controllers].sort());
    }
    assert.throws(() => readProcCgroup(h.paths, 4242), (err: unknown) => err instanceof NotFoundError && classifyTolerable(err) === 'gone');
    assert.ok(procCgroupPath(h.paths, 'self').endsWith('/self/cgroup'));
  } finally {
    h.cleanup();
  }
});

test('primaryCgroup: identity path, else name=systemd, else cgroup2; not / when a controller places it deeper', () => {
  assert.equal(primaryCgroupPath([e(1, [], '/user.slice', 'systemd'), e(2, ['cpu'], '/x')]), '/user.slice');
  assert.equal(primaryCgroupPath([e(1, [], '/', 'systemd'), e(3, ['memory'], '/m'), e(2, ['cpu'], '/nsx-test-1')]), '/nsx-test-1');
  assert.equal(primaryCgroupPath([e(1, [], '/', 'systemd'), e(3, ['memory'], '/m')]), '/m');
  assert.equal(primaryCgroupPath([e(2, ['cpu'], '/a'), e(0, [], '/system.slice/x.service')]), '/system.slice/x.service');
  assert.equal(primaryCgroupPath([e(0, [], '/')]), '/');
  assert.equal(primaryCgroupPath([]), undefined);
  // the container's path wins over name=systemd's when only a controller hierarchy names it
  const docker = [e(1, [], '/system.slice/docker.service', 'systemd'), e(4, ['cpu', 'cpuacct'], '/docker/' + 'a'.repeat(64))];
  assert.equal(cgroupIdentity(docker)?.kind, 'container');
  assert.equal(primaryCgroup(docker)?.hierarchyId, 4);
  // inside a cgroup namespace
  assert.equal(stripNsPrefix('/../../x'), '/x');
  assert.equal(stripNsPrefix('/..'), '/');
});

test('withinCgroup: path prefixes by component', () => {
  assert.ok(withinCgroup('/a/b', '/a'));
  assert.ok(withinCgroup('/a/b', '/a/'));
  assert.ok(withinCgroup('/a', '/a'));
  assert.ok(!withinCgroup('/ab', '/a'));
  assert.ok(withinCgroup('/anything', '/'));
});
