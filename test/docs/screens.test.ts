/**
 * The dashboard screens in the docs are what the dashboard draws (test/docs/screens.ts): on the fixture host the
 * page names, at the size it names, after the keys it names. `npm run docs` redraws them.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { allSampleTables, allScreens, drawSampleTable, drawScreen } from './screens.js';

test('every dashboard screen in the docs is what the dashboard draws on its fixture host', async () => {
  const specs = allScreens();
  assert.ok(specs.length >= 5, `${specs.length} screens`);
  for (const s of specs) {
    const drawn = await drawScreen(s);
    assert.deepEqual([...s.lines], drawn, `${s.file}:${s.line}: the screen differs from what the dashboard draws (npm run docs redraws it)`);
    assert.ok(drawn.length <= s.rows && drawn.every((l) => [...l].length <= s.columns), `${s.file}:${s.line}: the frame fits ${s.columns}x${s.rows}`);
  }
});

test('every nsx top table of recorded samples in the docs is what the batch table prints for them', async () => {
  const specs = allSampleTables();
  assert.ok(specs.length >= 1);
  for (const s of specs) assert.deepEqual([...s.lines], await drawSampleTable(s), `${s.file}:${s.line}: differs from what nsx top -b prints (npm run docs redraws it)`);
});
