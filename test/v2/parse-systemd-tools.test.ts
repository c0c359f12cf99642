/**
 * The parsers of systemd's tools used as oracles on the systemd + v2 host (test/helpers/systemd.ts), on real output
 * of systemd 252 (fixtures/systemd/, see PROVENANCE.md): full paths from the indented tree, extended-attribute
 * lines and `…` (delegated) marks skipped, process lines owned by the cgroup above them; cgtop's tables per iteration.
 * And `systemdUnitOf`, the UNIT column's rule, on the forms systemd names.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/host.js';
import { parseCgls, parseCgtop } from '../helpers/systemd.js';
import { systemdUnitOf } from '../../src/model/identity.js';
import { systemdUnitOfProcess } from '../../src/model/process-cgroup.js';
import { parseProcCgroup } from '../../src/parse/proc-cgroup.js';

const DOCKER = '/system.slice/docker-24c37e75fb851b2fc59971f08d1d47030232de2162b2c21ccd15759cd88db191.scope';
const PODMAN = '/machine.slice/libpod-587c510097e6ab2a659820eddacb8fea7ed64ab487275e231805adcdc865d0c1.scope';

test('parseCgls: the whole tree of systemd-cgls --no-pager with full paths and process owners', () => {
  const t = parseCgls(readFileSync(fixture('systemd', 'cgls-252.txt'), 'utf8'));
  assert.deepEqual([...t.cgroups].sort(), [
    '/', '/init.scope', '/machine.slice', PODMAN, '/system.slice', '/system.slice/containerd.service', '/system.slice/dbus.service', DOCKER,
    '/system.slice/docker.service', '/system.slice/nsx-x-scope.scope', '/system.slice/nsx-x-svc.service', '/system.slice/systemd-journald.service',
    '/system.slice/v2vm-run.service',
  ]);
  assert.equal(t.pids.get(1), '/init.scope');
  assert.equal(t.pids.get(369), DOCKER);
  assert.equal(t.pids.get(421), PODMAN);
  assert.equal(t.pids.get(348), '/system.slice/containerd.service');
  assert.equal(t.pids.size, 14);
  const all = parseCgls(readFileSync(fixture('systemd', 'cgls-all-252.txt'), 'utf8'));
  assert.ok(all.cgroups.size > t.cgroups.size, '--all shows the empty cgroups too');
  for (const c of t.cgroups) assert.ok(all.cgroups.has(c), c);
  assert.ok(all.cgroups.has('/dev-hugepages.mount'));
});

test('parseCgtop: one table per iteration, paths with their leading /, - as null', () => {
  const tables = parseCgtop(readFileSync(fixture('systemd', 'cgtop-raw-252.txt'), 'utf8'));
  assert.equal(tables.length, 3);
  assert.equal(tables[0].get('/system.slice/nsx-x-svc.service')?.cpu, null, 'no CPU % in the first iteration');
  assert.deepEqual(tables[2].get('/system.slice/nsx-x-svc.service'), { tasks: 1, cpu: 25.6, memory: 282624 });
  assert.deepEqual(tables[2].get('/dev-hugepages.mount'), { tasks: null, cpu: null, memory: 4096 });
  assert.equal(tables[2].get(PODMAN)?.cpu, 15.1);
  assert.ok(tables[2].has('/'));
});

test('systemdUnitOf: the first unit below the slices, as sd_pid_get_unit (ps -o unit) names it', () => {
  const cases: [string, string | undefined][] = [
    ['/', undefined],
    ['/init.scope', 'init.scope'],
    ['/system.slice/ssh.service', 'ssh.service'],
    [DOCKER, DOCKER.slice('/system.slice/'.length)],
    [`${PODMAN}/container`, PODMAN.slice('/machine.slice/'.length)],
    ['/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service', 'user@1000.service'],
    ['/user.slice/user-1000.slice/session-3.scope', 'session-3.scope'],
    ['/system.slice', undefined],
    ['/docker/0123abcd', undefined],
    ['/nsx-test-x/docker-ab.scope', undefined],
    ['/../../system.slice/cron.service', 'cron.service'],
    ['/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podx.slice/cri-containerd-ab.scope', 'cri-containerd-ab.scope'],
  ];
  for (const [path, unit] of cases) assert.equal(systemdUnitOf(path), unit, path);
  // a process: the cgroup2 line (or name=systemd on v1)
  assert.equal(systemdUnitOfProcess(parseProcCgroup('0::/system.slice/cron.service\n')), 'cron.service');
  assert.equal(systemdUnitOfProcess(parseProcCgroup('4:pids:/x\n1:name=systemd:/system.slice/a.service\n0::/\n')), 'a.service');
  assert.equal(systemdUnitOfProcess([]), undefined);
});

test('parseCgls: PIDs padded to the widest of their cgroup ("├─ 206" beside "└─4723") belong to that cgroup', () => {
  const out = [
    'Control group /:',
    '-.slice',
    '├─init.scope (#19)',
    '│ └─1 /lib/systemd/systemd',
    '└─system.slice (#75)',
    '  └─containerd.service … (#1154)',
    '    → user.delegate: 1',
    '    ├─ 206 /usr/bin/containerd',
    '    └─4723 /usr/bin/containerd-shim-runc-v2 -namespace moby -id 80da0cbe1154f41…',
  ].join('\n');
  const t = parseCgls(out);
  assert.equal(t.pids.get(206), '/system.slice/containerd.service');
  assert.equal(t.pids.get(4723), '/system.slice/containerd.service');
  assert.equal(t.pids.get(1), '/init.scope');
  assert.deepEqual([...t.cgroups].sort(), ['/', '/init.scope', '/system.slice', '/system.slice/containerd.service']);
});
