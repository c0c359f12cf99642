/**
 * The Cgroups view's marks (src/tui/why-marks.ts): the `nsx why` verdict of each cgroup in view between two
 * samples of the collector, on captured snapshots where /shop.slice/web's quota throttles its children.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../../helpers/host.js';
import { whyMarks } from '../../../src/tui/why-marks.js';
import type { TopSnapshot } from '../../../src/model/rates.js';

const SNAPS: TopSnapshot[] = JSON.parse(readFileSync(fixture('top', 'v1-throttle.snapshots.json'), 'utf8'));

test('whyMarks: throttled cgroups get their first verdict line; the idle one none; one sample gives nothing', () => {
  const paths = SNAPS[1].cgroups.map((c) => c.path).filter((p) => p.startsWith('/shop.slice'));
  const m = whyMarks(SNAPS[0], SNAPS[1], paths);
  assert.ok(m.size > 0, 'some cgroups marked');
  assert.match(m.get('/shop.slice/web/worker') ?? '', /throttl/i, m.get('/shop.slice/web/worker'));
  assert.equal(m.has('/shop.slice/idle'), false);
  assert.equal(whyMarks(undefined, SNAPS[1], paths).size, 0);
  assert.equal(whyMarks(SNAPS[0], SNAPS[1], []).size, 0, 'only the paths asked for');
});
