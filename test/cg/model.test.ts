import test from 'node:test';
import assert from 'node:assert/strict';
import { depthBelow, treeFromMembership, withMembership, cpuLimitCpus, layoutKind, normalizeCgroupPath } from '../../src/model/cgroup.js';

test('depthBelow', () => {
  assert.equal(depthBelow('/', '/'), 0);
  assert.equal(depthBelow('/', '/a/b'), 2);
  assert.equal(depthBelow('/a', '/a/b/c'), 2);
  assert.equal(depthBelow('/a', '/ab'), -1);
  assert.equal(depthBelow('/a/b', '/a'), -1);
});

test('treeFromMembership: ancestors created, depth cut, namespace-escaping paths dropped, sorted', () => {
  const m = new Map<string, number[]>([
    ['/', [1]],
    ['/system.slice/b.service', [30, 20]],
    ['/system.slice/a.service', [10]],
    ['/user.slice/u/s/deep', [40]],
    ['/../../elsewhere', [50]],
  ]);
  const t = treeFromMembership('/', [''], m, 2);
  assert.deepEqual(t.pids, [1]);
  // /user.slice holds processes only deeper than the cut: left out, as the walk-and-prune does
  assert.deepEqual(t.children.map((c) => c.name), ['system.slice']);
  assert.deepEqual(t.children[0].children.map((c) => [c.path, c.pids]), [
    ['/system.slice/a.service', [10]],
    ['/system.slice/b.service', [20, 30]],
  ]);
  const sub = treeFromMembership('/system.slice', [''], m);
  assert.equal(sub.name, 'system.slice');
  assert.equal(sub.children.length, 2);
  const w = withMembership({ path: '/', name: '/', hierarchies: [''], children: [{ path: '/x', name: 'x', hierarchies: [''], children: [] }] }, new Map([['/x', [7]]]));
  assert.deepEqual(w.children[0].pids, [7]);
  assert.deepEqual(w.pids, []);
});

test('small model helpers', () => {
  assert.equal(cpuLimitCpus({ max_usec: 20000, period_usec: 100000 }), 0.2);
  assert.equal(cpuLimitCpus({ max_usec: 'max', period_usec: 100000 }), 'max');
  assert.equal(cpuLimitCpus({}), undefined);
  assert.equal(layoutKind(true, true), 'hybrid');
  assert.equal(layoutKind(true, false), 'legacy');
  assert.equal(layoutKind(false, true), 'unified');
  assert.equal(layoutKind(false, false), 'none');
  assert.equal(normalizeCgroupPath('/a/./b//'), '/a/b');
});
