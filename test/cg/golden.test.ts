/**
 * Golden JSON of `nsx cg`, `nsx cg tree`, `nsx cg show` and `nsx cg ps` on the three fixture hosts.
 * Regenerate after an intended change with `NSX_UPDATE_GOLDEN=1 node --test dist/test/cg/golden.test.js`
 * and review the diff.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectGolden } from '../helpers/golden.js';
import { fixture, fixtureHost } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';
import { cgPs, cgShow, cgSummary, cgTree } from '../../src/services/cg.js';
import { formatJson } from '../../src/output/json.js';
import type { HostPaths } from '../../src/host/paths.js';

function golden(host: string, name: string, value: unknown, root = ''): void {
  // paths of files that failed to parse name the unpacked temp dir: make them stable
  const text = formatJson(value).split(root || '\0').join('<root>');
  expectGolden(fixture('golden', 'cg', host, `${name}.json`), text, { json: true, message: `${host}/${name}.json` });
}

interface Case {
  readonly host: string;
  readonly layout: string;
  readonly show: Record<string, string>;
  readonly ps: number;
  readonly check: (paths: HostPaths) => void;
}

const K8S_C1 =
  '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7a9634c6_2a1b_4c3e_9f99_0242ac120002.slice/cri-containerd-1d3d308a7d48d1c2b6b4a1f0e5a63b5d4c1f0a2e9b8c7d6e5f4a3b2c1d0e9f8a.scope';
const DOCKER_C = '/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f';

const CASES: Case[] = [
  {
    host: 'k8s-v2-node',
    layout: 'unified',
    show: { container: K8S_C1, 'pid-2101': 'pid:2101', service: '/system.slice/containerd.service' },
    ps: 2001,
    check: (paths) => {
      const s = cgShow({ paths, target: K8S_C1 });
      assert.equal(s.container, 'containerd:1d3d308a7d48');
      assert.equal(s.cpu?.max_usec, 4800000); // telegraf's cpu.max "4800000 100000"
      assert.equal(s.memory?.high_bytes, 'max');
      assert.deepEqual(s.io?.max, []); // empty io.max: present, no limits
      assert.equal(s.cpu?.shares, null);
      assert.deepEqual(s.processes.map((p) => p.pid), [2001, 2002]);
    },
  },
  {
    host: 'docker-v1',
    layout: 'legacy',
    show: { container: DOCKER_C, root: '/', service: '/system.slice/docker.service' },
    ps: 200,
    check: (paths) => {
      const s = cgShow({ paths, target: DOCKER_C });
      assert.equal(s.cpu?.version, 1);
      assert.equal(s.cpu?.max_usec, 150000);
      assert.equal(s.cpu?.weight, null);
      assert.equal(s.psi, null); // no cgroup2 on a legacy host
      const svc = cgShow({ paths, target: '/system.slice/docker.service' });
      assert.equal(svc.memory?.max_bytes, 'max'); // coroot's memory.limit_in_bytes 9223372036854771712
      const t = cgTree({ paths });
      assert.equal(t.hierarchy, 'name=systemd');
    },
  },
  {
    host: 'hybrid-systemd',
    layout: 'hybrid',
    show: { service: '/system.slice/networkd-dispatcher.service', 'pid-3757': 'pid:3757' },
    ps: 3757,
    check: (paths) => {
      const s = cgSummary({ paths });
      assert.ok(s.hierarchies.some((h) => h.version === 2 && h.mount === '/sys/fs/cgroup/unified'));
      assert.ok(s.hierarchies.some((h) => h.name === 'systemd' && h.id === 1));
      const m = cgTree({ paths, controller: 'memory' });
      assert.equal(m.hierarchy, 'memory');
    },
  },
];

for (const c of CASES) {
  test(`golden: ${c.host}`, () => {
    const h = fixtureHost(`${c.host}.manifest`);
    try {
      const sum = cgSummary({ paths: h.paths });
      assert.equal(sum.layout, c.layout);
      golden(c.host, 'cg', sum);
      golden(c.host, 'tree', cgTree({ paths: h.paths }));
      golden(c.host, 'tree-all-kernel', cgTree({ paths: h.paths, all: true, kernel: true }));
      golden(c.host, 'tree-merged-depth1', cgTree({ paths: h.paths, controller: 'merged', depth: 1, all: true }));
      for (const [name, target] of Object.entries(c.show)) golden(c.host, `show-${name}`, cgShow({ paths: h.paths, target }), h.dir);
      golden(c.host, 'ps', cgPs({ paths: h.paths, pid: c.ps }));
      c.check(h.paths);
    } finally {
      h.cleanup();
    }
  });

  test(`golden via the CLI: nsx --root ${c.host}.manifest cg --json`, () => {
    const r = runNsx(['--root', fixture(`${c.host}.manifest`), 'cg', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(readFileSync(fixture('golden', 'cg', c.host, 'cg.json'), 'utf8')));
  });
}
