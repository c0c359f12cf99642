/**
 * The dashboard with ink-testing-library on the k8s-node fixture host: fixed size, frozen clocks, samplers driven
 * by hand (a scheduler that never fires), ANSI stripped. Each view, the drill-down path cgroup → processes →
 * process → namespaces → processes sharing one and back, selection following across views, search, help, `e`.
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render } from 'ink-testing-library';
import { DashboardApp, type EnterRequest } from '../../../src/tui/dashboard/DashboardApp.js';
import { Sampler, type Scheduler } from '../../../src/sampler/sampler.js';
import { makeCollector } from '../../../src/sampler/collect.js';
import { ProcessCollector, readDetailContext, readProcessDetail, type ProcessTable } from '../../../src/services/ps.js';
import { readNsfsMounts } from '../../../src/readers/nsfs/mounts.js';
import { netnsNamesOf } from '../../../src/readers/names/names.js';
import { readNamespaceRelations } from '../../../src/readers/nsfs/relations.js';
import { Tolerance } from '../../../src/host/tolerance.js';
import type { TopSnapshot } from '../../../src/model/rates.js';
import type { FdHeld, NamespaceRecord, NsfsMount } from '../../../src/model/namespace.js';
import chalk from 'chalk';
import { DashboardErrors } from '../../../src/services/dashboard.js';
import { DASH_KEYS } from '../../../src/tui/dashboard/state.js';
import { stripAnsi } from '../../helpers/cli.js';
import { fixtureHost, type FixtureHost } from '../../helpers/host.js';

const manual: Scheduler = { setTimeout: () => 0, clearTimeout: () => {} };
const D1 = '2cc65c162ca1388b6b8d5ccfb701d22fc96675ccf8b2f1590c490c2c4039547f';

/** One unpacked host for the whole file (it is only read). */
const host: FixtureHost = fixtureHost('k8s-node.manifest');
after(() => host.cleanup());

function setup(o: { canEnter?: true | string; onEnter?: (r: EnterRequest) => void; columns?: number; color?: boolean; extraNsfs?: NsfsMount[]; failProcs?: () => boolean; errors?: DashboardErrors; loadHeld?: () => Promise<FdHeld[]>; loadWhy?: (t: string) => Promise<string[]>; failRelations?: boolean } = {}) {
  let t = 1000;
  const clock = () => (t += 1000);
  const now = () => new Date('2026-11-22T12:00:00Z');
  const topSampler = new Sampler<TopSnapshot>({ collect: makeCollector({ paths: host.paths, clock, now }), intervalMs: 1000, scheduler: manual });
  const pc = new ProcessCollector({ paths: host.paths, refreshEvery: 5, clock });
  const procSampler = new Sampler<ProcessTable>({
    collect: () => {
      if (o.failProcs?.()) throw new Error('/proc: input/output error');
      return pc.collect();
    },
    intervalMs: 1000,
    scheduler: manual,
  });
  const nsfs = [...readNsfsMounts(host.paths), ...(o.extraNsfs ?? [])];
  o.errors?.watch('processes', procSampler);
  const app = render(
    <DashboardApp
      topSampler={topSampler}
      procSampler={procSampler}
      layout="hybrid"
      nsfs={nsfs}
      netnsNames={netnsNamesOf(nsfs)}
      loadRelations={async (nss: NamespaceRecord[]) => {
        if (o.failRelations) throw new Error('nsfs: input/output error');
        await readNamespaceRelations(host.paths, nss, { relations: true }, new Tolerance());
        return new Map(nss.map((n) => [n.inode, { owner: n.owner, parent: n.parent }] as const));
      }}
      loadDetail={(pid) => readProcessDetail(host.paths, pid, readDetailContext(host.paths, procSampler.latest))}
      loadFacts={() => ({ hostname: 'k8s-node', cpus: 2 })}
      canEnter={o.canEnter ?? 'e needs the live host (this is a recorded host from --root)'}
      onEnter={(r) => o.onEnter?.(r)}
      size={{ columns: o.columns ?? 160, rows: 40 }}
      color={o.color}
      errors={o.errors}
      loadHeld={o.loadHeld}
      loadWhy={o.loadWhy}
    />,
  );
  const sample = () => {
    topSampler.sampleNow();
    procSampler.sampleNow();
  };
  return { app, host, sample, cleanup: () => app.unmount() };
}

const tick = (ms = 100) => new Promise((r) => setTimeout(r, ms));
const frame = (app: ReturnType<typeof render>) => stripAnsi(app.lastFrame() ?? '');
/** Wait until the frame has stopped changing (renders lag behind input on a loaded machine). */
async function settle(app: ReturnType<typeof render>, ms = 4000) {
  const end = Date.now() + ms;
  await tick(40);
  let prev = app.lastFrame();
  let same = 0;
  while (Date.now() < end && same < 3) {
    await tick(40);
    const cur = app.lastFrame();
    same = cur === prev ? same + 1 : 0;
    prev = cur;
  }
}
async function press(app: ReturnType<typeof render>, ...keys: string[]) {
  for (const k of keys) {
    app.stdin.write(k);
    await settle(app);
  }
}
const DOWN = '\x1b[B';
const ENTER = '\r';
const ESC = '\x1b';
const TAB = '\t';

async function started(o: Parameters<typeof setup>[0] = {}) {
  const s = setup(o);
  await settle(s.app);
  s.sample();
  await settle(s.app);
  s.sample();
  await settle(s.app);
  return s;
}

test('Cgroups view: the live top tree, header counts, tabs and breadcrumbs', async () => {
  const s = await started();
  try {
    const f = frame(s.app);
    assert.match(f, /nsx\s+k8s-node · 2 CPUs · cgroups hybrid/);
    assert.match(f, /processes: 20 {2}namespaces: 33 {2}cgroups: 23 {2}containers: 5 {2}pods: 2/);
    assert.match(f, / 1 Cgroups {2}2 Namespaces {2}3 Processes$/m);
    assert.match(f, /^Cgroups$/m);
    assert.match(f, /kubepods\.slice/);
    assert.match(f, /docker-2cc65c162ca1/);
  } finally {
    s.cleanup();
  }
});

test('Namespaces view: a tree by owner user namespace with process counts and holders', async () => {
  const s = await started();
  try {
    await press(s.app, '2');
    const f = frame(s.app);
    assert.match(f, /^Namespaces$/m);
    const lines = f.split('\n');
    const hostUser = lines.findIndex((l) => /^4026531837\s+user\s+18\s+1\s+\/sbin\/init splash/.test(l));
    assert.ok(hostUser >= 0, f);
    const dockerUser = lines.findIndex((l) => /─4026532500\s+user\s+2\s+2000\s+postgres/.test(l));
    assert.ok(dockerUser > hostUser, 'the docker user namespace nests under the host one');
    assert.ok(lines.some((l) => /│ [├└]─4026532501\s+net\s+2\s+2000/.test(l)), 'the container netns nests under its user namespace');
    assert.ok(lines.some((l) => /4026532600\s+net\s+1\s+2100\s+sleep infinity\s+pid 2100 · mount \/run\/netns\/blue \(ip netns blue\)/.test(l)), `HOLDERS: the process and the named netns mount\n${f}`);
    assert.ok(lines.some((l) => /^4026531837\s+user\s+18\s+1\s+\/sbin\/init splash\s+pid 1-2,.* · owns /.test(l)), `HOLDERS of a user namespace: its processes and the namespaces it owns\n${f}`);
  } finally {
    s.cleanup();
  }
});

test('Processes view: the ps table with CPU and memory, containers, namespace differences, escaped names', async () => {
  const s = await started();
  try {
    await press(s.app, '3');
    const f = frame(s.app);
    assert.match(f, /PID\s+USER\s+CPU%\s+RSS\s+CONTAINER\s+NS\s+CGROUP\s+COMMAND/);
    assert.match(f, /2000\s+100070\s+0\.0\s+40\.0M\s+billing-db\s+mnt,net,pid,uts,ipc,usr/);
    assert.match(f, /1251\s+messagebus\s+0\.0\s+14\.0M\s+containerd:1d3d308a7d48\s+mnt,net,pid,uts,ipc,cg/);
    assert.match(f, /\.\/\\x1b\[2Jevil --flag/);
    assert.ok(!f.includes('\x07'));
  } finally {
    s.cleanup();
  }
});

test('drill-down: cgroup → its processes → process → its namespaces → processes sharing one, and back with Esc', async () => {
  const s = await started();
  try {
    await press(s.app, '/', ...'docker-2cc', ENTER);
    let f = frame(s.app);
    assert.match(f, /\/docker-2cc/);
    await press(s.app, ENTER);
    f = frame(s.app);
    assert.match(f, /^Cgroups › billing-db \(\/system\.slice\/docker-2cc65c162ca1…\.scope\)$/m);
    assert.match(f, /2000\s+100070.*postgres -c shared_buffers=128MB/);
    assert.match(f, /2001\s+100070.*postgres: checkpointer/);
    await press(s.app, ENTER);
    f = frame(s.app);
    assert.match(f, /Cgroups › billing-db \(\/system\.slice\/docker-.* › PID 2000 postgres$/m);
    assert.match(f, /nspid\s+2000 → 1/);
    assert.match(f, /uid_map\s+0 100000 65536/);
    assert.match(f, /container\s+docker container billing-db/);
    await press(s.app, ENTER);
    f = frame(s.app);
    assert.match(f, /› PID 2000 postgres › namespaces$/m);
    assert.match(f, /4026532504\s+mnt\s+2\s+2000/);
    await press(s.app, DOWN);
    await press(s.app, ENTER);
    f = frame(s.app);
    assert.match(f, /› namespaces › net 4026532501$/m);
    assert.match(f, /2000\s+100070/);
    assert.match(f, /2001\s+100070/);
    assert.ok(!/\b1251\b/.test(f));
    await press(s.app, ESC, ESC, ESC, ESC);
    f = frame(s.app);
    assert.match(f, /^Cgroups$/m);
  } finally {
    s.cleanup();
  }
});

test('selection follows the object across views', async () => {
  const s = await started();
  try {
    await press(s.app, '3', '/', ...'redis', ENTER);
    await press(s.app, ESC); // clear the search, keep the selection on redis
    await press(s.app, '/', ...'1350', ENTER);
    let f = frame(s.app);
    assert.match(f, /1350\s+redis/);
    // the selection is what Enter drills into: the breadcrumb names it
    await press(s.app, '1', ENTER);
    f = frame(s.app);
    assert.match(f, /^Cgroups › \/kubepods\.slice\/kubepods-besteffort\.slice\/kubepods-besteffort-pod9493223b_520e_4a97_a45f_359dcf967006\.slice\/cri-containerd-5dd96d5394ca930a/m);
    await press(s.app, ESC, '2', ENTER);
    f = frame(s.app);
    assert.match(f, /^Namespaces › mnt 4026532404$/m, 'the first namespace of its own (mnt) is selected');
    await press(s.app, ESC, '3', ENTER);
    assert.match(frame(s.app), /^Processes › PID 1350 redis-server$/m, 'and back to the same process');
  } finally {
    s.cleanup();
  }
});

test('search by PID, container name and namespace inode; help lists every key', async () => {
  const s = await started();
  try {
    // the Cgroups tree finds a cgroup through the processes in it (a Docker name is not in the path)
    await press(s.app, '/', ...'billing', ENTER);
    let f = frame(s.app);
    assert.match(f, /└─billing-db \(docker-2cc6/);
    assert.ok(!f.includes('kubepods'), 'only the match and its ancestors');
    await press(s.app, ENTER);
    assert.match(frame(s.app), /^Cgroups › billing-db \(\/system\.slice\/docker-2cc6/m, 'the first match is selected');
    await press(s.app, ESC, ESC);
    await press(s.app, '3', '/', ...'billing');
    f = frame(s.app);
    assert.match(f, /\/billing▏/);
    assert.match(f, /2000\s+100070/);
    assert.ok(!/^\s*1251\s/m.test(f));
    await press(s.app, ESC, '/', ...'4026532301', ENTER);
    f = frame(s.app);
    assert.deepEqual([...f.matchAll(/^\s*(\d+)\s+\S+\s+\d+\.\d/gm)].map((m) => Number(m[1])).sort(), [1210, 1250, 1251]);
    await press(s.app, '?');
    f = frame(s.app);
    for (const k of ['Tab Shift-Tab 1 2 3', 'Enter →', 'Esc ← Backspace', '/', 'e', 'space', 'q Ctrl-C']) assert.ok(f.includes(k), `help lists ${k}`);
  } finally {
    s.cleanup();
  }
});

test('e: on a recorded host it explains; live, it asks to enter the process (-a) or one namespace type', async () => {
  const s = await started();
  try {
    await press(s.app, '3', 'e');
    assert.match(frame(s.app), /e needs the live host/);
  } finally {
    s.cleanup();
  }
  const reqs: EnterRequest[] = [];
  const t = await started({ canEnter: true, onEnter: (r) => reqs.push(r) });
  try {
    await press(t.app, '3', '/', ...'1251', ENTER, 'e');
    assert.deepEqual(reqs[0], { pid: 1251 });
    await press(t.app, ENTER, ENTER, DOWN, 'e');
    assert.deepEqual(reqs[1], { pid: 1251, types: ['net'] });
    await press(t.app, '1', 'e');
    assert.match(frame(t.app), /select a process or a namespace to enter/);
  } finally {
    t.cleanup();
  }
});

test('several keys in one read (typed over ssh, sent at once): each is handled in turn', async () => {
  const s = await started();
  try {
    await press(s.app, '/billing\r'); // one read: the search, its text and Enter
    let f = frame(s.app);
    assert.match(f, /└─billing-db \(docker-2cc6/);
    assert.ok(!f.includes('kubepods'), 'searched');
    assert.doesNotMatch(f, /\/billing▏/, 'Enter in the same read ended the search');
    await press(s.app, '\r\r'); // two drill-downs in one read: cgroup → processes → the first process
    f = frame(s.app);
    assert.match(f, /Cgroups › billing-db \(\/system\.slice\/docker-.* › PID 2000 postgres$/m);
    await press(s.app, '\x1b\x1b[B\x1b[A3'); // Esc, ↓, ↑ and a view key in one read
    assert.match(frame(s.app), /^Processes$/m);
    await press(s.app, '/1350\r\r');
    assert.match(frame(s.app), /^Processes › PID 1350 redis-server$/m);
  } finally {
    s.cleanup();
  }
});

test('a failed entry\'s reason stays on the status line until the next key (samples do not clear it)', async () => {
  const s = await started();
  try {
    await press(s.app, '3', 'e');
    assert.match(frame(s.app), /e needs the live host/);
    s.sample();
    await settle(s.app);
    s.sample();
    await settle(s.app);
    assert.match(frame(s.app), /e needs the live host/, 'still there after two samples');
    await press(s.app, 'j');
    assert.doesNotMatch(frame(s.app), /e needs the live host/, 'gone with the next key');
  } finally {
    s.cleanup();
  }
});

test('e on a namespace held only by a bind mount enters through that file', async () => {
  const reqs: EnterRequest[] = [];
  const s = await started({ canEnter: true, onEnter: (r) => reqs.push(r), extraNsfs: [{ type: 'net', inode: 4026539999, mountPoint: '/run/netns/orphan' }] });
  try {
    await press(s.app, '2', '/', ...'orphan', ENTER);
    assert.match(frame(s.app), /4026539999\s+net\s+0\s+.*\/run\/netns\/orphan/);
    await press(s.app, 'e');
    assert.deepEqual(reqs[0], { file: '/run/netns/orphan', types: ['net'] });
  } finally {
    s.cleanup();
  }
});

test('a failed process sample is shown in the header, as nsx top shows it; the next good one clears it; the error list keeps it', async () => {
  let fail = false;
  const errors = new DashboardErrors();
  const s = await started({ failProcs: () => fail, errors });
  try {
    fail = true;
    s.sample();
    await settle(s.app);
    let f = frame(s.app);
    assert.match(f, /process sample failed: \/proc: input\/output error/);
    assert.match(f, /processes: 20/, 'the last data stays');
    fail = false;
    s.sample();
    await settle(s.app);
    f = frame(s.app);
    assert.doesNotMatch(f, /sample failed/);
    assert.match(f, /errors: 1\b/, 'counted in the header');
    await press(s.app, '?');
    assert.match(frame(s.app), /error: processes: \/proc: input\/output error/, 'listed in help');
  } finally {
    s.cleanup();
  }
});

test('help at 160 columns: descriptions wrap in their own column, never under the keys', async () => {
  const s = await started({ columns: 160 });
  try {
    await press(s.app, '?');
    const lines = frame(s.app).split('\n');
    const w = Math.max(...DASH_KEYS.map(([k]) => k.length));
    const body = lines.filter((l) => /^│ /.test(l)).map((l) => l.replace(/^│ /, '').replace(/\s*│$/, ''));
    for (const [k, h] of DASH_KEYS) {
      const i = body.findIndex((l) => l.startsWith(k.padEnd(w)));
      assert.ok(i >= 0, `the line of ${k}`);
      assert.equal(body[i].slice(w + 1, w + 1 + 12), h.slice(0, 12), `${k}: the description starts in its column`);
    }
    for (const l of body) {
      const isKeyLine = DASH_KEYS.some(([k]) => l.startsWith(k.padEnd(w)));
      const isTitleOrNote = /nsx dashboard — keys|Dim rows/.test(l) || l.trim() === '';
      if (!isKeyLine && !isTitleOrNote) assert.match(l, new RegExp(`^ {${w + 1},}\\S`), `a continuation line starts in the description column: ${l}`);
    }
  } finally {
    s.cleanup();
  }
});

test('colours: none with color=false (NO_COLOR, --color=never), inverse selection kept; present by default', async () => {
  const level = chalk.level;
  chalk.level = 1; // as on a colour terminal (the test's stdout is not one)
  const sgrColour = /\x1b\[(3[0-7]|9[0-7]|38;)/;
  try {
    const plain = await started({ color: false });
    try {
      await press(plain.app, '/billing');
      const raw = plain.app.lastFrame() ?? '';
      assert.doesNotMatch(raw, sgrColour, 'no colour codes');
      assert.match(raw, /\x1b\[7m/, 'the selection is still shown (inverse)');
    } finally {
      plain.cleanup();
    }
    const coloured = await started();
    try {
      await press(coloured.app, '/billing');
      assert.match(coloured.app.lastFrame() ?? '', sgrColour);
    } finally {
      coloured.cleanup();
    }
  } finally {
    chalk.level = level;
  }
});

test('search finds containers in every view: the Namespaces view by the container of the processes in a namespace', async () => {
  const s = await started();
  try {
    await press(s.app, '2', '/', ...'billing', ENTER);
    const f = frame(s.app);
    assert.match(f, /4026532501\s+net\s+2\s+2000/, 'the container\'s net namespace');
    assert.match(f, /4026532504\s+mnt\s+2\s+2000/);
    assert.doesNotMatch(f, /4026531837\s+user/, 'not the host\'s user namespace, which every process is in');
    assert.doesNotMatch(f, /4026532600/, 'not other namespaces');
    await press(s.app, ESC, '3', '/', ...'billing', ENTER);
    assert.match(frame(s.app), /2000\s+100070/);
  } finally {
    s.cleanup();
  }
});

test('HOLDERS names a descriptor holder; e on a namespace held only by a descriptor enters through /proc/PID/fd/FD', async () => {
  const reqs: EnterRequest[] = [];
  const s = await started({ canEnter: true, onEnter: (r) => reqs.push(r), loadHeld: async () => [{ pid: 1251, fd: 7, kind: 'nsfs', type: 'net', inode: 4026539998 }] });
  try {
    await press(s.app, '2');
    s.sample();
    await settle(s.app);
    await press(s.app, '/', ...'4026539998', ENTER);
    assert.match(frame(s.app), /4026539998\s+net\s+0\s+.*fd 1251:7/);
    await press(s.app, 'e');
    assert.deepEqual(reqs[0], { fd: { pid: 1251, fd: 7 }, types: ['net'] });
  } finally {
    s.cleanup();
  }
});

test('w: the nsx why diagnosis of the selected cgroup or process in the detail pane; again with w; Esc back', async () => {
  const asked: string[] = [];
  const s = await started({ loadWhy: async (t) => (asked.push(t), [`${t}: over 2 s, cgroup v1`, '  throttled in 62 % of periods by /system.slice (quota 0.50 CPU)', 'limits along the path (root → target; * = tightest):']) });
  try {
    await press(s.app, '/', ...'billing', ENTER, 'w');
    let f = frame(s.app);
    assert.match(f, /› why \/system\.slice\/docker-2cc6/m, 'the breadcrumb');
    assert.match(f, /throttled in 62 % of periods by \/system\.slice/);
    assert.deepEqual(asked, [`/system.slice/docker-${D1}.scope`]);
    await press(s.app, 'w');
    assert.equal(asked.length, 2, 'w again diagnoses again');
    await press(s.app, ESC, ESC, '3', '/', ...'1251', ENTER, 'w');
    assert.equal(asked[2], 'pid:1251');
    await press(s.app, ESC, '2', 'w');
    assert.match(frame(s.app), /w explains a cgroup or a process/);
  } finally {
    s.cleanup();
  }
});

test('a failure to read namespace relations is shown in the Namespaces view, not dropped', async () => {
  const s = await started({ failRelations: true });
  try {
    await press(s.app, '2');
    s.sample();
    await settle(s.app);
    assert.match(frame(s.app), /namespace relations: nsfs: input\/output error/);
  } finally {
    s.cleanup();
  }
});
