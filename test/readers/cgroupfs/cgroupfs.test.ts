import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureHost } from '../../helpers/host.js';
import { parseMountinfo } from '../../../src/parse/mountinfo.js';
import { parseProcCgroups } from '../../../src/parse/cgroup-files.js';
import { parseProcCgroup } from '../../../src/parse/proc-cgroup.js';
import { buildCgroupLayout, cgroupDir, readCgroupLayout } from '../../../src/readers/cgroupfs/layout.js';
import { readCgroupSample } from '../../../src/readers/cgroupfs/sample.js';
import { walkCgroupTree, listCgroupPaths, countCgroups } from '../../../src/readers/cgroupfs/tree.js';
import { readMembers, readMembershipFromProc, readProcessCgroups } from '../../../src/readers/cgroupfs/members.js';
import { cgroupRecreated, cpuLimitCpus, normalizeCgroupPath } from '../../../src/model/cgroup.js';
import { Tolerance } from '../../../src/host/tolerance.js';
import { NotFoundError } from '../../../src/errors.js';

/** Unpack a fixture host, read its layout, run `fn`, clean up. */
function onHost(name: string, fn: (h: ReturnType<typeof fixtureHost>, layout: ReturnType<typeof readCgroupLayout>) => void): void {
  const h = fixtureHost(name);
  try {
    fn(h, readCgroupLayout(h.paths));
  } finally {
    h.cleanup();
  }
}

function corpusLayout(dir: string, mountinfo: string, cgroups?: string, self?: string) {
  const mounts = parseMountinfo(readFileSync(join(dir, mountinfo), 'utf8'));
  const controllers = cgroups ? parseProcCgroups(readFileSync(join(dir, cgroups), 'utf8')) : [];
  const selfEntries = self ? parseProcCgroup(readFileSync(join(dir, self), 'utf8')) : [];
  return buildCgroupLayout({ mounts, controllers, self: selfEntries });
}

test('layout detection on real mountinfo captures', () => {
  const h = fixtureHost('cgroup-corpus.manifest');
  try {
    const el = 'elastic-agent-system-metrics';
    const hyb = corpusLayout(h.dir, `${el}/ubuntu1804-zip/proc/self/mountinfo`, `${el}/ubuntu1804-zip/proc/cgroups`, `${el}/ubuntu1804-zip/proc/3757/cgroup`);
    assert.equal(hyb.kind, 'hybrid');
    assert.equal(hyb.hierarchies.find((x) => x.name === 'systemd')?.id, 1); // named: id from /proc/PID/cgroup
    assert.deepEqual(hyb.hierarchies.find((x) => x.id === 6)?.controllers, ['cpu', 'cpuacct']);
    const v2 = corpusLayout(h.dir, `${el}/docker2-zip/proc/self/mountinfo`, `${el}/docker2-zip/proc/cgroups`);
    assert.equal(v2.kind, 'unified');
    assert.equal(v2.hierarchies.length, 1);
    assert.equal(v2.hierarchies[0].mounts[0], '/sys/fs/cgroup'); // the root mount, not the /../.. bind mounts
    const fedora = corpusLayout(h.dir, 'opencontainers-cgroups/mountinfo/fedora-cgroupv1.mountinfo');
    assert.equal(fedora.kind, 'legacy');
    // bedrock mounts every hierarchy several times: one hierarchy each, shortest mount point first
    const bedrock = corpusLayout(h.dir, 'opencontainers-cgroups/mountinfo/bedrock-linux-v1.mountinfo');
    const keys = bedrock.hierarchies.map((x) => x.key);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(bedrock.hierarchies.every((x) => x.mounts.length > 1));
    // inside a container: hierarchies mounted at a sub-cgroup
    const inside = corpusLayout(h.dir, 'opencontainers-cgroups/mountinfo/docker-aufs-container.mountinfo');
    const dev = inside.hierarchies.find((x) => x.controllers.includes('devices'))!;
    assert.match(dev.mountRoot, /^\/system\.slice\/docker-dc4e/);
  } finally {
    h.cleanup();
  }
});

test('cgroupDir maps paths under a mount root and refuses ../ escapes', () => {
  const paths = { root: '/r', proc: '/r/proc', sys: '/r/sys', etc: '/r/etc', run: '/r/run', live: false };
  const h = { id: 3, version: 1 as const, key: 'devices', controllers: ['devices'], mounts: ['/sys/fs/cgroup/devices'], mountRoot: '/docker/abc' };
  assert.equal(cgroupDir(paths, h, '/docker/abc'), '/r/sys/fs/cgroup/devices');
  assert.equal(cgroupDir(paths, h, '/docker/abc/x'), '/r/sys/fs/cgroup/devices/x');
  assert.throws(() => cgroupDir(paths, h, '/../../etc'), NotFoundError);
  assert.equal(normalizeCgroupPath('docker//abc/'), '/docker/abc');
});

test('readCgroupSample: v1 units normalised (ns → µs, USER_HZ → µs), absent stays undefined, only requested groups', () => {
  onHost('docker-v1.manifest', (h, layout) => {
  const id = '/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f';
  const s = readCgroupSample(h.paths, layout, id, { groups: ['cpu'] });
  const usageNs = Number(readFileSync(join(h.dir, 'sys/fs/cgroup/cpuacct', id, 'cpuacct.usage'), 'utf8'));
  assert.equal(s.cpu?.usage_usec, usageNs / 1000);
  assert.equal(s.cpu?.max_usec, 150000);
  assert.equal(cpuLimitCpus(s.cpu), 1.5);
  assert.equal(s.cpu?.weight, undefined);
  assert.equal(s.memory, undefined); // not requested
  assert.ok(s.inode && s.inodes.cpu && s.inodes.cpuacct);
  assert.throws(() => readCgroupSample(h.paths, layout, '/nope'), NotFoundError);
  });
});

test('readCgroupSample: v2 files, PSI, io.stat and empty io.max', () => {
  onHost('k8s-v2-node.manifest', (h, layout) => {
  assert.equal(layout.kind, 'unified');
  const p = listCgroupPaths(h.paths, layout, { view: { kind: 'v2' } }).find((x) => x.includes('cri-containerd-1d3d'))!;
  const s = readCgroupSample(h.paths, layout, p);
  assert.equal(s.cpu?.max_usec, 4800000);
  assert.equal(s.cpu?.period_usec, 100000);
  assert.equal(s.memory?.high_bytes, 'max');
  assert.equal(s.memory?.working_set_bytes, s.memory!.current_bytes! - Number(s.memory!.stat!.inactive_file));
  assert.ok((s.psi?.cpu?.some?.total_usec ?? 0) > 0);
  assert.deepEqual(s.io?.max, []);
  assert.ok((s.io?.rbytes ?? 0) > 0);
  });
});

test('walk: removed cgroups are tolerated, recreated ones detected by inode', () => {
  onHost('k8s-v2-node.manifest', (h, layout) => {
  const before = readCgroupSample(h.paths, layout, '/system.slice/kubelet.service', { groups: ['pids'] });
  const dir = join(h.dir, 'sys/fs/cgroup/system.slice/kubelet.service');
  rmSync(dir, { recursive: true });
  // a dangling entry: readdir saw it, then it vanished
  const tol = new Tolerance();
  const tree = walkCgroupTree(h.paths, layout, { view: { kind: 'v2' }, members: true, tolerance: tol });
  assert.ok(!JSON.stringify(tree).includes('kubelet.service'));
  mkdirSync(dir);
  writeFileSync(join(dir, 'cgroup.procs'), '800\n');
  const after = readCgroupSample(h.paths, layout, '/system.slice/kubelet.service', { groups: ['pids'] });
  assert.equal(after.inode, statSync(dir).ino);
  assert.equal(after.inodes[''], statSync(dir).ino);
  // (tmpfs may hand the freed inode number straight back, so recreation is checked on literal records)
  assert.equal(cgroupRecreated(before, { ...before, inodes: { '': before.inode! + 1 } }), true);
  assert.equal(cgroupRecreated(before, before), false);
  assert.equal(cgroupRecreated(before, { ...before, inodes: {} }), false);
  assert.equal(countCgroups(h.paths, layout.hierarchies[0]), listCgroupPaths(h.paths, layout, { view: { kind: 'v2' } }).length);
  });
});

test('readProcessCgroups matches lines to hierarchies on a hybrid host', () => {
  onHost('hybrid-systemd.manifest', (h, layout) => {
  const rows = readProcessCgroups(h.paths, layout, 3757);
  assert.equal(rows.length, 13);
  const v2 = rows.find((r) => r.hierarchyId === 0)!;
  assert.equal(v2.mount, '/sys/fs/cgroup/unified');
  assert.equal(rows.find((r) => r.name === 'systemd')?.mount, '/sys/fs/cgroup/systemd');
  assert.throws(() => readProcessCgroups(h.paths, layout, 424242), /424242: no such process/);
  });
});

test('members: a process that vanished between listing and reading is skipped and counted', () => {
  onHost('k8s-v2-node.manifest', (h) => {
    rmSync(join(h.dir, 'proc/2002'), { recursive: true });
    const tol = new Tolerance();
    const m = readMembers(h.paths, [2001, 2002, 2], tol);
    assert.deepEqual(m.map((x) => [x.pid, x.command, x.kernelThread]), [
      [2001, 'nginx: master process nginx -g daemon off;', false],
      [2, '[kthreadd]', true],
    ]);
    assert.equal(tol.gone, 1);
    assert.equal(tol.incomplete, false);
    // membership from the process side still lists 2002 from cgroup.procs' point of view only when /proc has it
    const byPath = readMembershipFromProc(h.paths, new Set(['']), new Tolerance())!;
    assert.ok(![...byPath.values()].some((l) => l.includes(2002)));
    assert.deepEqual(byPath.get('/init.scope'), [1]);
  });
});
