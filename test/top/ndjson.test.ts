/** `nsx top --json`'s text (frameNdjson, rows converted once while unchanged) is formatNdjson(frameJson(…)) byte for byte. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/host.js';
import { buildFrame } from '../../src/sampler/frame.js';
import { frameJson, frameNdjson } from '../../src/services/top.js';
import { formatNdjson } from '../../src/output/json.js';
import type { TopSnapshot } from '../../src/model/rates.js';

const SNAPS: TopSnapshot[] = JSON.parse(readFileSync(fixture('top', 'v1-throttle.snapshots.json'), 'utf8'));

test('frameNdjson: the text of frameJson, with incomplete after cgroups, for every order, raw or not, over frames that reuse rows', () => {
  const incomplete = { denied: ['/sys/fs/cgroup/memory/x/memory.stat'], vanished: 2, big: 9223372036854771712n };
  for (const root of ['/', '/shop.slice']) {
    let prev: TopSnapshot | undefined;
    for (const snap of [...SNAPS, ...SNAPS.slice(-1)]) {
      const frame = buildFrame(prev, snap, root);
      prev = snap;
      for (const order of ['path', 'cpu', 'memory'] as const) {
        for (const raw of [false, true]) {
          for (const reverse of [false, true]) {
            const obj = frameJson(frame, order, reverse, { raw });
            assert.equal(frameNdjson(frame, order, reverse, { raw }), formatNdjson(obj));
            assert.equal(frameNdjson(frame, order, reverse, { raw }, incomplete), formatNdjson({ ...obj, incomplete }));
          }
        }
      }
    }
  }
});
