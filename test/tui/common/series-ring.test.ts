import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesStore } from '../../../src/sampler/series.js';
import { SeriesRing } from '../../../src/tui/series-ring.js';

/** Push the same points into both stores and compare every key's series. */
function same(ring: SeriesRing, store: SeriesStore, keys: readonly string[]): void {
  for (const k of keys) assert.deepEqual(ring.get(k), store.get(k), k);
}

test('SeriesRing keeps the last N points per key like SeriesStore, forgets absent keys, null for absent values', () => {
  const ring = new SeriesRing(3);
  const store = new SeriesStore(3);
  const rounds: Array<Array<[string, number | null]>> = [
    [['/a', 1], ['/b', 2]],
    [['/a', 3], ['/b', null], ['/c', 5]],
    [['/a', 4], ['/c', 6]],
    [['/a', 7], ['/c', 8], ['/b', 9]],
    [['/a', 10], ['/d', 11], ['/b', 12]],
  ];
  for (const r of rounds) {
    ring.pushRows(r, (x) => x[0], (x) => x[1]);
    store.push(new Map(r));
    same(ring, store, ['/a', '/b', '/c', '/d', '/e']);
  }
  assert.deepEqual(ring.get('/a'), [4, 7, 10]);
  assert.deepEqual(ring.get('/b'), [9, 12]); // forgotten when absent (round 3), a new series since
  assert.deepEqual(ring.get('/c'), []);
  assert.equal(ring.max(['/a', '/b', '/c']), 12);
  assert.equal(ring.max(['/a']), 10);
});

test('SeriesRing: many keys (slot reuse and growth), resize keeps the newest points', () => {
  const ring = new SeriesRing(5);
  const store = new SeriesStore(5);
  const keys = Array.from({ length: 300 }, (_, i) => `/k${i}`);
  for (let t = 0; t < 12; t++) {
    const rows = keys.filter((_, i) => (i + t) % 7 !== 0).map((k, i) => [k, i * 10 + t] as [string, number]);
    ring.pushRows(rows, (x) => x[0], (x) => x[1]);
    store.push(new Map(rows));
    if (t === 8) {
      ring.resize(3);
      store.resize(3);
    }
    same(ring, store, keys);
  }
  assert.equal(ring.max(keys), Math.max(...keys.flatMap((k) => store.get(k).filter((v): v is number => v !== null))));
});
