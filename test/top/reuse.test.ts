/**
 * What `nsx top` reuses between refreshes (the fd source's memo, steady models, frame rows, table lines) never
 * changes its output: on the fixture hosts, the tables and NDJSON of later frames equal those of frames built
 * from deep copies of the same snapshots (copies share no object, so nothing can be reused).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { fixtureHost } from '../helpers/host.js';
import { makeCollector } from '../../src/sampler/collect.js';
import { buildFrame } from '../../src/sampler/frame.js';
import { frameJson, frameTable } from '../../src/services/top.js';
import { selectFields } from '../../src/fields/registry.js';
import { TOP_DEFAULT_COLUMNS, TOP_FIELDS, filesForFields, groupsForFields, type TopOrder } from '../../src/fields/top.js';
import type { TopSnapshot } from '../../src/model/rates.js';

const ALL = TOP_FIELDS.map((f) => f.id).join(',');

function render(prev: TopSnapshot | undefined, next: TopSnapshot): string[] {
  const out: string[] = [];
  const f = buildFrame(prev, next, '/');
  for (const cols of [undefined, ALL]) {
    const fields = selectFields(TOP_FIELDS, TOP_DEFAULT_COLUMNS, cols, { prog: 'nsx top', dedupe: true });
    for (const order of ['path', 'cpu', 'memory'] as TopOrder[]) {
      out.push(frameTable(f, fields, { order }), frameTable(f, fields, { order, raw: true }), frameTable(f, fields, { order, termWidth: 60 }));
    }
  }
  out.push(JSON.stringify(frameJson(f, 'path')));
  return out;
}

for (const host of ['docker-v1.manifest', 'hybrid-systemd.manifest', 'k8s-v2-node.manifest']) {
  test(`${host}: frames of memoised samples and reused rows render as frames of fresh copies`, () => {
    const h = fixtureHost(host);
    try {
      for (const narrow of [false, true]) {
        const fields = selectFields(TOP_FIELDS, TOP_DEFAULT_COLUMNS, undefined, { prog: 'nsx top', dedupe: true });
        let t = 1000;
        const collect = makeCollector({ paths: h.paths, groups: narrow ? groupsForFields(fields) : undefined, files: narrow ? filesForFields(fields) : undefined, clock: () => (t += 1000), now: () => new Date(t) });
        try {
          const s = [collect(), collect(), collect(), collect()];
          // the static host reads the same every time: later samples are the memo's very objects
          assert.equal(s[3].cgroups[0], s[2].cgroups[0]);
          // frames in sequence, as top builds them (rows and lines carried over), then from copies
          const reused: string[][] = [];
          for (let i = 1; i < s.length; i++) reused.push(render(s[i - 1], s[i]));
          for (let i = 1; i < s.length; i++) assert.deepEqual(reused[i - 1], render(structuredClone(s[i - 1]), structuredClone(s[i])), `${host} narrow=${narrow} frame ${i}`);
        } finally {
          collect.close();
        }
      }
    } finally {
      h.cleanup();
    }
  });
}
