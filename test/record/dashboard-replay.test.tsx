/**
 * The dashboard replaying a recording (ink-testing-library, fixed size, ANSI stripped): the recorder runs on the
 * k8s-node fixture host over five instants — a container renamed at the third, a cgroup created and an OOM kill
 * at the fourth — and the dashboard, given the replay's samplers and time-travel keys
 * (src/record/replay-dashboard.ts), shows the recorded instant on its status line and moves with `[` `]`, jumps
 * to the next event with `n` (and back with `N`), and to a typed time with `t`.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render } from 'ink-testing-library';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardApp } from '../../src/tui/dashboard/DashboardApp.js';
import { Recorder } from '../../src/record/recorder.js';
import { openReplay } from '../../src/record/replay.js';
import { dashboardReplayParts } from '../../src/record/replay-dashboard.js';
import { netnsNamesOf } from '../../src/readers/names/names.js';
import { fixtureHost, type FixtureHost } from '../helpers/host.js';
import { stripAnsi } from '../helpers/cli.js';

let host: FixtureHost;
let dir: string;
const T0 = Date.parse('2026-11-22T12:00:00Z');
const CPU = 'sys/fs/cgroup/cpu,cpuacct';
const POD = 'kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9493223b_520e_4a97_a45f_359dcf967006.slice';
const D1 = '2cc65c162ca1388b6b8d5ccfb701d22fc96675ccf8b2f1590c490c2c4039547f';

before(async () => {
  host = fixtureHost('k8s-node.manifest');
  dir = mkdtempSync(join(tmpdir(), 'nsx-test-record-dash-'));
  let now = T0;
  let mono = 1_000_000;
  const r = new Recorder({ paths: host.paths, dir, intervalMs: 5000, log: () => {}, sync: false, now: () => now, clock: () => mono });
  const step = () => {
    now += 5000;
    mono += 5000;
  };
  await r.tick();
  step();
  await r.tick();
  step();
  // the Docker container renamed (its config.v2.json)
  const cfgDir = readdirSync(join(host.dir, 'var/lib/docker/containers')).find((d) => d.startsWith(D1.slice(0, 12)));
  if (cfgDir) {
    const f = join(host.dir, 'var/lib/docker/containers', cfgDir, 'config.v2.json');
    const j = JSON.parse(readFileSync(f, 'utf8')) as { Name: string };
    j.Name = '/renamed-web';
    writeFileSync(f, JSON.stringify(j));
  }
  await r.tick();
  step();
  mkdirSync(join(host.dir, CPU, 'nsx-test-late'));
  writeFileSync(join(host.dir, CPU, 'nsx-test-late', 'cpuacct.usage'), '0\n');
  const pc = join(host.dir, 'proc/cgroups');
  writeFileSync(pc, readFileSync(pc, 'utf8').replace(/^(cpu(?:acct)?\t\d+\t)(\d+)/gm, (_, a: string, n: string) => `${a}${Number(n) + 1}`));
  mkdirSync(join(host.dir, 'dev'), { recursive: true });
  writeFileSync(
    join(host.dir, 'dev/kmsg'),
    `3,900,1000,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/${POD},task_memcg=/${POD},task=eat,pid=4242,uid=0\n` +
      `3,901,1010,-;Memory cgroup out of memory: Killed process 4242 (eat) total-vm:100kB, anon-rss:60000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0\n`,
  );
  await r.tick();
  step();
  await r.tick();
  await r.stop();
});

after(() => {
  host?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tick = (ms = 60) => new Promise((r) => setTimeout(r, ms));
async function settle(app: ReturnType<typeof render>, ms = 4000): Promise<string> {
  const end = Date.now() + ms;
  let prev = app.lastFrame();
  let same = 0;
  while (Date.now() < end && same < 3) {
    await tick(40);
    const cur = app.lastFrame();
    same = cur === prev ? same + 1 : 0;
    prev = cur;
  }
  return stripAnsi(app.lastFrame() ?? '');
}

test('dashboard replay: the recorded instant on the status line; [ ] n N t move through the recording', async () => {
  const replay = openReplay({ dir, at: T0 }, 'nsx');
  const p = dashboardReplayParts(replay);
  const app = render(
    <DashboardApp
      topSampler={p.topSampler}
      procSampler={p.procSampler}
      layout={replay.layout.kind}
      nsfs={p.nsfs}
      netnsNames={netnsNamesOf(p.nsfs)}
      loadRelations={p.loadRelations}
      loadDetail={p.loadDetail}
      loadWhy={p.loadWhy}
      canEnter="e needs the live host (this is a recording: nsx --at)"
      timeTravel={p.timeTravel}
      size={{ columns: 160, rows: 40 }}
    />,
  );
  try {
    p.procSampler.start();
    p.topSampler.start();
    let f = await settle(app);
    assert.match(f, /REPLAY 2026-11-22T12:00:00Z \(1\/5\)/);
    assert.match(f, /kubepods/);
    app.stdin.write(']');
    f = await settle(app);
    assert.match(f, /REPLAY 2026-11-22T12:00:05Z \(2\/5\)/);
    app.stdin.write('[');
    f = await settle(app);
    assert.match(f, /REPLAY 2026-11-22T12:00:00Z \(1\/5\)/);
    // the next event: the rename, then the cgroup created with the OOM kill
    app.stdin.write('n');
    f = await settle(app);
    assert.match(f, /REPLAY 2026-11-22T12:00:10Z \(3\/5\)/);
    assert.match(f, /renamed: renamed-web/);
    app.stdin.write('n');
    f = await settle(app);
    assert.match(f, /REPLAY 2026-11-22T12:00:15Z \(4\/5\)/);
    assert.match(f, /OOM kill of eat\[4242\]/);
    assert.match(f, /nsx-test-late/);
    app.stdin.write('n');
    f = await settle(app);
    assert.match(f, /no event after this instant/);
    app.stdin.write('N');
    f = await settle(app);
    assert.match(f, /REPLAY 2026-11-22T12:00:10Z \(3\/5\)/);
    // a typed time
    app.stdin.write('t');
    for (const c of '2026-11-22T12:00:20Z') app.stdin.write(c);
    f = await settle(app);
    assert.match(f, /go to: 2026-11-22T12:00:20Z_/);
    app.stdin.write('\r');
    f = await settle(app);
    assert.match(f, /REPLAY 2026-11-22T12:00:20Z \(5\/5\)/);
    // the views read the recorded instant: the cgroup created at 12:00:15 is there, `e` refuses
    app.stdin.write('/');
    for (const c of 'nsx-test-late') app.stdin.write(c);
    app.stdin.write('\r');
    f = await settle(app);
    assert.match(f, /nsx-test-late/);
    app.stdin.write('e');
    f = await settle(app);
    assert.match(f, /e needs the live host/);
    // help lists the time-travel keys
    app.stdin.write('?');
    f = await settle(app);
    assert.match(f, /replay: the next \/ previous event/);
  } finally {
    p.procSampler.stop();
    p.topSampler.stop();
    app.unmount();
  }
});
