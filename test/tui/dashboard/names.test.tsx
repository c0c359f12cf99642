/**
 * Names in the dashboard (issue 9) on the k8s-node fixture host (a Docker container with its config.v2.json, CRI
 * containers, a named netns): the Cgroups view, breadcrumbs, header counts and the Processes view name the
 * container (the samples carry identities from the runtime index); search finds it by name and image in every view; and a rename (Docker
 * rewrites its metadata file) reaches the open dashboard on the next sample.
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { DashboardApp } from '../../../src/tui/dashboard/DashboardApp.js';
import { Sampler, type Scheduler } from '../../../src/sampler/sampler.js';
import { makeCollector } from '../../../src/sampler/collect.js';
import { ProcessCollector, type ProcessTable } from '../../../src/services/ps.js';
import type { TopSnapshot } from '../../../src/model/rates.js';
import { stripAnsi } from '../../helpers/cli.js';
import { fixtureHost } from '../../helpers/host.js';

const D1 = '2cc65c162ca1388b6b8d5ccfb701d22fc96675ccf8b2f1590c490c2c4039547f';
const manual: Scheduler = { setTimeout: () => 0, clearTimeout: () => {} };
const host = fixtureHost('k8s-node.manifest'); // unpacked to a directory of its own: the rename test rewrites a file there
after(() => host.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function settle(app: ReturnType<typeof render>, ms = 4000) {
  const end = Date.now() + ms;
  await sleep(40);
  let prev = app.lastFrame();
  let same = 0;
  while (Date.now() < end && same < 3) {
    await sleep(40);
    const cur = app.lastFrame();
    same = cur === prev ? same + 1 : 0;
    prev = cur;
  }
}
const frame = (app: ReturnType<typeof render>) => stripAnsi(app.lastFrame() ?? '');
async function press(app: ReturnType<typeof render>, ...keys: string[]) {
  for (const k of keys) {
    app.stdin.write(k);
    await settle(app);
  }
}

async function started() {
  let t = 1000;
  const clock = () => (t += 1000);
  const topSampler = new Sampler<TopSnapshot>({ collect: makeCollector({ paths: host.paths, clock }), intervalMs: 1000, scheduler: manual });
  const pc = new ProcessCollector({ paths: host.paths, refreshEvery: 5, clock });
  const procSampler = new Sampler<ProcessTable>({ collect: () => pc.collect(), intervalMs: 1000, scheduler: manual });
  const app = render(<DashboardApp topSampler={topSampler} procSampler={procSampler} canEnter="recorded host" size={{ columns: 160, rows: 50 }} />);
  const sample = async () => {
    await sleep(300); // past the runtime index's recheck interval (250 ms): metadata files are stat'ed again
    topSampler.sampleNow();
    procSampler.sampleNow();
    await settle(app);
  };
  await settle(app);
  await sample();
  await sample();
  return { app, sample };
}

test('every view names the containers: Cgroups view, breadcrumbs, Processes view; header counts', async () => {
  const { app } = await started();
  try {
    let f = frame(app);
    assert.match(f, /billing-db \(docker-2cc65c162ca1/, 'the Cgroups view names the Docker container');
    assert.match(f, /containers: 5\b/);
    await press(app, '/', ...'billing', '\r', '\r');
    f = frame(app);
    assert.match(f, /^Cgroups › billing-db \(\/system\.slice\/docker-2cc65c162ca1…\.scope\)$/m, 'the breadcrumb names it');
    assert.match(f, /2000\s/);
    await press(app, '\x1b', '\x1b', '3');
    assert.match(frame(app), /2000\s+\S+\s+[\d.-]+\s+\S+\s+billing-db\s/, 'the Processes view names it');
  } finally {
    app.unmount();
  }
});

test('search by image finds the container in every view', async () => {
  const { app } = await started();
  try {
    await press(app, '/', ...'postgres:16', '\r');
    let f = frame(app);
    assert.match(f, /billing-db \(docker-2cc6/, 'Cgroups view');
    assert.doesNotMatch(f, /kubepods/);
    await press(app, '\x1b', '3', '/', ...'postgres:16', '\r');
    f = frame(app);
    assert.match(f, /^\s*2000\s/m, 'Processes view');
    assert.doesNotMatch(f, /^\s*1251\s/m);
    await press(app, '\x1b', '2', '/', ...'postgres:16', '\r');
    f = frame(app);
    assert.match(f, /4026532501\s+net\s+2\s+2000/, 'Namespaces view: the container\'s own namespaces');
    assert.doesNotMatch(f, /4026531837\s+user/, 'not the host\'s');
  } finally {
    app.unmount();
  }
});

test('a docker rename reaches the open dashboard on the next sample', async () => {
  const { app, sample } = await started();
  const f = join(host.dir, 'var/lib/docker/containers', D1, 'config.v2.json');
  const before = readFileSync(f, 'utf8');
  try {
    assert.match(frame(app), /billing-db \(/);
    writeFileSync(f + '.tmp', before.replace('"/billing-db"', '"/billing-renamed"'));
    renameSync(f + '.tmp', f); // as Docker does
    await sample();
    assert.match(frame(app), /billing-renamed \(/, 'the Cgroups view shows the new name');
    assert.doesNotMatch(frame(app), /billing-db/);
    await press(app, '3');
    assert.match(frame(app), /\bbilling-renamed\b/, 'and the Processes view');
  } finally {
    writeFileSync(f, before);
    app.unmount();
  }
});
