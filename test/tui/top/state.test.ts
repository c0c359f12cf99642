import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../../helpers/host.js';
import { buildFrame } from '../../../src/sampler/frame.js';
import { initialUiState, topReducer, visibleRows, MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../../../src/tui/top/state.js';
import type { TopSnapshot } from '../../../src/model/rates.js';

const SNAPS: TopSnapshot[] = JSON.parse(readFileSync(fixture('top', 'v1-throttle.snapshots.json'), 'utf8'));
const frame = buildFrame(SNAPS[0], SNAPS[1], '/shop.slice');
const names = (st: Parameters<typeof visibleRows>[1]) => visibleRows(frame, st).map((d) => d.prefix + d.row.name);

test('visibleRows: tree order with glyphs, sibling sort, depth, collapse, filter with ancestors', () => {
  const st = initialUiState({ order: 'path', intervalMs: 1000 });
  assert.deepEqual(names(st), ['shop.slice', '├─db', '├─idle', '└─web', '  ├─cache', '  └─worker']);
  assert.deepEqual(names({ ...st, order: 'cpu' }).slice(0, 3), ['shop.slice', '├─db', '├─web']);
  assert.deepEqual(names({ ...st, depth: 1 }), ['shop.slice', '├─db', '├─idle', '└─web']);
  assert.equal(visibleRows(frame, { ...st, depth: 1 })[3].collapsed, true);
  assert.deepEqual(names({ ...st, collapsed: new Set(['/shop.slice/web']) }), ['shop.slice', '├─db', '├─idle', '└─web']);
  assert.deepEqual(names({ ...st, filter: 'CACHE' }), ['shop.slice', '└─web', '  └─cache']);
  assert.deepEqual(visibleRows(frame, st, true).map((d) => d.prefix)[5], '  `-');
});

test('topReducer: order toggles reverse, selection moves and clamps, interval bounds, Esc closes in turn', () => {
  let st = initialUiState({ order: 'cpu', intervalMs: 1000 });
  st = topReducer(st, { type: 'order', order: 'memory' });
  assert.deepEqual([st.order, st.reverse], ['memory', false]);
  st = topReducer(st, { type: 'order', order: 'memory' });
  assert.equal(st.reverse, true);
  const rows = visibleRows(frame, { ...st, order: 'path', reverse: false });
  st = topReducer(st, { type: 'nav', nav: { kind: 'move', by: 100 }, keys: rows.map((r) => r.row.path) });
  assert.equal(st.selected, '/shop.slice/web/worker');
  st = topReducer(st, { type: 'nav', nav: { kind: 'move', by: -2 }, keys: rows.map((r) => r.row.path) });
  assert.equal(st.selected, '/shop.slice/web');
  st = topReducer(st, { type: 'toggle' });
  assert.ok(st.collapsed.has('/shop.slice/web'));
  st = topReducer(st, { type: 'expand' });
  assert.equal(st.collapsed.size, 0);
  for (let i = 0; i < 20; i++) st = topReducer(st, { type: 'interval', factor: 2 });
  assert.equal(st.intervalMs, MAX_INTERVAL_MS);
  for (let i = 0; i < 20; i++) st = topReducer(st, { type: 'interval', factor: 0.5 });
  assert.equal(st.intervalMs, MIN_INTERVAL_MS);
  st = topReducer(topReducer(topReducer(st, { type: 'filter-start' }), { type: 'filter-input', text: 'we' }), { type: 'filter-end' });
  st = topReducer(topReducer(st, { type: 'help' }), { type: 'detail' });
  st = topReducer(st, { type: 'close' });
  assert.deepEqual([st.help, st.detail, st.filter], [false, true, 'we']);
  st = topReducer(st, { type: 'close' });
  assert.deepEqual([st.detail, st.filter], [false, 'we']);
  st = topReducer(st, { type: 'close' });
  assert.equal(st.filter, '');
});
