import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupNamespaces } from '../../../src/model/namespace.js';
import type { PsProcess } from '../../../src/services/ps.js';
import { NamespaceGrouping } from '../../../src/tui/dashboard/use-dashboard-data.js';

const proc = (pid: number, net: number, mnt = 10): PsProcess => ({ pid, ns: { net, mnt } }) as unknown as PsProcess;

test('NamespaceGrouping: the same grouping while PIDs and namespaces are unchanged, a fresh one on any change', () => {
  const g = new NamespaceGrouping();
  const a = [proc(1, 100), proc(2, 100), proc(3, 200)];
  const first = g.of(a);
  assert.deepEqual(first, groupNamespaces(a));
  // new row objects, same values: reused as is
  assert.equal(g.of([proc(1, 100), proc(2, 100), proc(3, 200)]), first);
  // a namespace changed
  const b = [proc(1, 100), proc(2, 200), proc(3, 200)];
  const second = g.of(b);
  assert.notEqual(second, first);
  assert.deepEqual(second, groupNamespaces(b));
  // a PID replaced by another at the same place, and a process gone
  const c = [proc(1, 100), proc(4, 200), proc(3, 200)];
  assert.deepEqual(g.of(c), groupNamespaces(c));
  const d = [proc(1, 100), proc(3, 200)];
  assert.deepEqual(g.of(d), groupNamespaces(d));
  // a namespace type appearing (undefined before)
  const e = [proc(1, 100), { pid: 3, ns: { net: 200, mnt: 10, uts: 7 } } as unknown as PsProcess];
  assert.deepEqual(g.of(e), groupNamespaces(e));
});
