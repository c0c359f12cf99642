import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupNamespaces, withNsfsMounts, namespaceRows, processRows, lowestPid, type NamespaceRecord, type NsRow } from '../../src/model/namespace.js';

const procs = [
  { pid: 1, ns: { user: 10, pid: 20, net: 30 } },
  { pid: 5, ns: { user: 11, pid: 21, net: 30 } },
  { pid: 6, ns: { user: 11, pid: 22, net: 31 } },
  { pid: 7, ns: { user: 11, pid: 22, net: 31 } },
];
const ppid = new Map([[1, 0], [5, 1], [6, 5], [7, 6]]);

function shape(rows: readonly NsRow[]): unknown[] {
  return rows.map((r) => (r.children.length ? [r.ns.inode, shape(r.children)] : r.ns.inode));
}

test('groupNamespaces: one record per inode, pids ascending, sorted by inode; only the asked types', () => {
  const nss = groupNamespaces([...procs].reverse());
  assert.deepEqual(nss.map((n) => [n.inode, n.type, n.pids]), [
    [10, 'user', [1]], [11, 'user', [5, 6, 7]], [20, 'pid', [1]], [21, 'pid', [5]], [22, 'pid', [6, 7]], [30, 'net', [1, 5]], [31, 'net', [6, 7]],
  ]);
  assert.deepEqual(groupNamespaces(procs, ['net']).map((n) => n.inode), [30, 31]);
  assert.equal(lowestPid(nss[1]), 5);
});

test('withNsfsMounts: NSFS paths deduplicated, mount-only namespaces added with no processes, types filtered', () => {
  const nss = withNsfsMounts(groupNamespaces(procs), [
    { type: 'net', inode: 31, mountPoint: '/run/netns/a' },
    { type: 'net', inode: 31, mountPoint: '/run/netns/a' },
    { type: 'net', inode: 31, mountPoint: '/var/run/netns/a' },
    { type: 'net', inode: 40, mountPoint: '/run/netns/b' },
    { type: 'uts', inode: 41, mountPoint: '/run/utsns/c' },
  ], ['user', 'pid', 'net']);
  assert.deepEqual(nss.find((n) => n.inode === 31)!.nsfs, ['/run/netns/a', '/var/run/netns/a']);
  const b = nss.find((n) => n.inode === 40)!;
  assert.deepEqual([b.pids, lowestPid(b)], [[], undefined]);
  assert.ok(!nss.some((n) => n.inode === 41));
});

test('namespaceRows: the process tree nests under the latest row of the parent process', () => {
  const nss = groupNamespaces(procs);
  assert.deepEqual(shape(namespaceRows(nss, { tree: 'process', ppid })), [[10, [11]], [20, [[21, [22, 31]]]], 30]);
  assert.deepEqual(shape(namespaceRows(nss, { tree: 'process', ppid, flat: true })), [10, 11, 20, 21, 22, 30, 31]);
  assert.deepEqual(shape(namespaceRows(nss, { tree: 'none' })), [10, 11, 20, 21, 22, 30, 31]);
});

test('namespaceRows: owner and parent trees show the related namespace first, even when filtered out', () => {
  const rel: Record<number, [number, number]> = { 10: [0, 0], 11: [10, 10], 20: [0, 10], 21: [20, 11], 22: [21, 11], 30: [0, 10], 31: [0, 11] };
  const nss: NamespaceRecord[] = groupNamespaces(procs).map((n) => ({ ...n, parent: rel[n.inode][0], owner: rel[n.inode][1] }));
  assert.deepEqual(shape(namespaceRows(nss, { tree: 'owner' })), [[10, [[11, [21, 22, 31]], 20, 30]]]);
  assert.deepEqual(shape(namespaceRows(nss, { tree: 'parent' })), [[10, [11]], [20, [[21, [22]]]], 30, 31]);
  // -p 7: its namespaces 11, 22, 31 — but the owner 10 is shown first as their ancestor
  assert.deepEqual(shape(namespaceRows(nss, { tree: 'owner', task: 7 })), [[10, [[11, [22, 31]]]]]);
  assert.deepEqual(shape(namespaceRows(nss, { tree: 'owner', task: 7, flat: true })), [10, 11, 22, 31]);
});

test('namespaceRows: -p and -P filters', () => {
  const nss = withNsfsMounts(groupNamespaces(procs), [{ type: 'net', inode: 40, mountPoint: '/run/netns/b' }]);
  assert.deepEqual(shape(namespaceRows(nss, { tree: 'none', task: 6 })), [11, 22, 31]);
  assert.deepEqual(shape(namespaceRows(nss, { tree: 'none', persistent: true })), [40]);
});

test('processRows: processes of one namespace nested by parent within it', () => {
  const [ns] = groupNamespaces(procs, ['user']).filter((n) => n.inode === 11);
  const rows = processRows(ns, { tree: 'process', ppid });
  assert.deepEqual(JSON.parse(JSON.stringify(rows, ['pid', 'children'])), [{ pid: 5, children: [{ pid: 6, children: [{ pid: 7, children: [] }] }] }]);
  assert.deepEqual(processRows(ns, { tree: 'none', ppid }).map((r) => r.pid), [5, 6, 7]);
});
