/**
 * The help overlay at 60×15 (ink-testing-library): the dashboard's and `nsx top`'s help fit the screen — the
 * title, the first keys and "q quit" are on it, no line is wider than 60 — and ↑ ↓ g G scroll the rest into view.
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import React from 'react';
import { render } from 'ink-testing-library';
import { DashboardApp } from '../../../src/tui/dashboard/DashboardApp.js';
import { makeDashboardSession } from '../../../src/tui/dashboard/run.js';
import { DASH_KEYS } from '../../../src/tui/dashboard/state.js';
import { TopApp } from '../../../src/tui/top/TopApp.js';
import { TOP_KEYS, initialUiState } from '../../../src/tui/top/state.js';
import { helpLines, helpMaxOffset, wrapWords } from '../../../src/tui/components/HelpOverlay.js';
import { Sampler, type Scheduler } from '../../../src/sampler/sampler.js';
import type { TopSnapshot } from '../../../src/model/rates.js';
import { stripAnsi } from '../../helpers/cli.js';
import { press, settle } from '../../helpers/ink.js';
import { fixture, fixtureHost } from '../../helpers/host.js';

const manual: Scheduler = { setTimeout: () => 0, clearTimeout: () => {} };
const host = fixtureHost('k8s-node.manifest');
after(() => host.cleanup());
const SIZE = { columns: 60, rows: 15 };

const frame = (app: ReturnType<typeof render>) => stripAnsi(app.lastFrame() ?? '');

function fits(f: string) {
  const lines = f.split('\n');
  assert.ok(lines.length <= SIZE.rows, `${lines.length} lines:\n${f}`);
  for (const l of lines) assert.ok([...l].length <= SIZE.columns, `wider than ${SIZE.columns}: ${l}`);
}

test('wrapWords and helpLines: descriptions wrap in their column, nothing is lost', () => {
  assert.deepEqual(wrapWords('move the selection (g G: first, last)', 12), ['move the', 'selection (g', 'G: first,', 'last)']);
  assert.deepEqual(wrapWords('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
  const lines = helpLines({ keys: DASH_KEYS, width: 60 });
  const text = lines.map((l) => l.text).join(' ');
  for (const [, h] of DASH_KEYS) for (const w of h.split(/\s+/)) assert.ok(text.includes(w), w);
  for (const l of lines) assert.ok(l.text.length <= 56 - Math.max(...DASH_KEYS.map(([k]) => k.length)) - 1, l.text);
});

test('dashboard help at 60×15: title, first keys and q quit on screen; scrolls to the last key', async () => {
  const session = makeDashboardSession({ paths: host.paths, intervalMs: 1000, scheduler: manual, color: false });
  const app = render(<DashboardApp {...session.props} size={SIZE} />);
  try {
    await settle(app);
    session.start();
    await settle(app);
    await press(app, '?');
    let f = frame(app);
    fits(f);
    assert.match(f, /nsx dashboard — keys/);
    assert.match(f, /Tab Shift-Tab/);
    assert.match(f, /q quit/);
    assert.match(f, /↑↓ scroll 1-\d+\/\d+/);
    await press(app, 'G');
    f = frame(app);
    fits(f);
    assert.match(f, /q Ctrl-C\s+quit/, f);
    assert.match(f, /nsx dashboard — keys/);
    await press(app, 'g');
    assert.match(frame(app), /Tab Shift-Tab/);
    await press(app, '\x1b');
    assert.doesNotMatch(frame(app), /nsx dashboard — keys/);
  } finally {
    app.unmount();
    session.close();
  }
});

test('nsx top help at 60×15: fits, and scrolls to its last key', async () => {
  const snaps: TopSnapshot[] = JSON.parse(readFileSync(fixture('top', 'v1-throttle.snapshots.json'), 'utf8'));
  let i = 0;
  const sampler = new Sampler<TopSnapshot>({ collect: () => snaps[Math.min(i++, snaps.length - 1)], intervalMs: 1000, scheduler: manual });
  const app = render(<TopApp sampler={sampler} root="/shop.slice" initial={initialUiState({ order: 'path', intervalMs: 1000 })} layout="hybrid" size={SIZE} />);
  try {
    await settle(app);
    sampler.sampleNow();
    await settle(app);
    await press(app, '?');
    let f = frame(app);
    fits(f);
    assert.match(f, /nsx top — keys/);
    assert.match(f, /q quit/);
    const last = TOP_KEYS[TOP_KEYS.length - 1][0];
    assert.ok(helpMaxOffset({ keys: TOP_KEYS, width: 60, height: 12 }) > 0, 'the list is longer than the screen');
    await press(app, 'G');
    f = frame(app);
    fits(f);
    assert.ok(f.includes(last) || /q, Ctrl-C|q quit/.test(f), f);
  } finally {
    app.unmount();
  }
});
