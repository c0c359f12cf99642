import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldSlice } from '../../../src/tui/dashboard/use-fd-held.js';

test('heldSlice: processes not read yet first (all on the first sample), then the oldest share of the others', () => {
  const pids = Array.from({ length: 120 }, (_, i) => i + 1);
  // nothing read yet: everything
  assert.deepEqual(heldSlice(pids, new Set(), [], 60), pids);
  // all read, oldest first in `order`: 120/60 = 2 per sample, the oldest
  const order = [...pids].reverse();
  assert.deepEqual(heldSlice(pids, new Set(pids), order, 60), [120, 119]);
  // a new process and a vanished one: the new one, then the oldest still alive
  const now = [...pids.filter((p) => p !== 120), 500];
  assert.deepEqual(heldSlice(now, new Set(pids), order, 60), [500, 119, 118]);
  // every process is read within `rounds` samples
  const read = new Set(pids);
  let o = [...pids];
  const seen = new Set<number>();
  for (let i = 0; i < 60; i++) {
    const s = heldSlice(pids, read, o, 60);
    s.forEach((p) => seen.add(p));
    o = [...o.filter((p) => !s.includes(p)), ...s];
  }
  assert.equal(seen.size, pids.length);
});
