/**
 * Live (root, v1/hybrid host; the pure-v2 twin is test/v2/record-scenarios.test.ts): `nsx record` (the CLI, every
 * second) records the host while these happen, then each is replayed:
 *   1. a 0.2-CPU quota throttling a busy loop, and a busy child of a quota'd parent (THROTTLE_S seconds, default
 *      12: NSX_TEST_RECORD_THROTTLE_S=60 runs the real minute; the benchmark runs a real minute too);
 *   2. a parent's 64 MiB memory limit OOM-killing a process in its child;
 *   3. a fork loop against pids.max 5;
 *   4. a Docker container (image nsx-busybox, no network) started, renamed and removed.
 * `nsx why … --from/--to` names each cause and its cgroup at the right time (the episode inside the window it
 * happened in); `nsx top --at` shows who throttles whom; `nsx ps --at` shows the container under each name and
 * gone after; the dashboard's `n` steps to the OOM kill; `export --openmetrics` over the throttled minute passes
 * `promtool tsdb create-blocks-from openmetrics` and a Prometheus given those blocks (127.0.0.1 only) answers a
 * rate() query over the recorded window with the quota.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { CG, freePort, httpText, makeCgroup, removeCgroup, startIn, v1Skip } from '../exporter/live-helpers.js';
import { hasTool, testName, waitFor, startProcess, type Started } from '../helpers/live.js';
import { NSX_BIN, runNsx, stripAnsi } from '../helpers/cli.js';
import { openRecording } from '../../src/record/recording.js';
import { openReplay } from '../../src/record/replay.js';
import { dashboardReplayParts } from '../../src/record/replay-dashboard.js';
import { DashboardApp } from '../../src/tui/dashboard/DashboardApp.js';
import { NsxError } from '../../src/errors.js';

const SKIP = v1Skip();
const THROTTLE_S = Number(process.env.NSX_TEST_RECORD_THROTTLE_S ?? 12);
const DOCKER = !SKIP && hasTool('docker') && spawnSync('docker', ['image', 'inspect', 'nsx-busybox'], { stdio: 'ignore' }).status === 0;

const base = testName('rec');
let dir = '';
let recorder: ChildProcess | undefined;
let recErr = '';
const t: Record<string, number> = {};
let cid = '';
const procs: Started[] = [];
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function frames(): number {
  try {
    return openRecording(dir, 'test').length;
  } catch (e) {
    if (e instanceof NsxError) return 0;
    throw e;
  }
}

/** Wait until the recording has a frame after `ms` (the recorder has seen that moment). */
async function recordedPast(ms: number, what: string): Promise<void> {
  const end = Date.now() + 120_000;
  for (;;) {
    try {
      if (openRecording(dir, 'test').end_ms > ms) return;
    } catch (e) {
      if (!(e instanceof NsxError)) throw e;
    }
    if (Date.now() > end) throw new Error(`the recorder did not record past ${what}: ${recErr}`);
    await sleep(200);
  }
}

function json(args: string[]): any {
  const r = runNsx(args, { timeout: 120_000 });
  assert.equal(r.code, 0, `nsx ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function sweep(): void {
  for (const c of ['cpu', 'cpuacct', 'memory', 'pids', 'blkio']) {
    const root = join(CG, c);
    if (!existsSync(root)) continue;
    for (const n of readdirSync(root)) {
      if (n.startsWith('nsx-test-rec-') && !n.includes(`-${process.pid}-`)) removeCgroup(n, ['q', 'p/child', 'p', 'm/child', 'm', 'k', 'docker']);
    }
  }
  if (hasTool('docker')) {
    const ps = spawnSync('docker', ['ps', '-aq', '--filter', 'name=nsx-test-rec-'], { encoding: 'utf8' });
    for (const id of String(ps.stdout).split('\n').filter(Boolean)) spawnSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
  }
}

before(async () => {
  if (SKIP) return;
  sweep();
  dir = mkdtempSync(join(tmpdir(), 'nsx-test-record-live-'));
  recorder = spawn(process.execPath, [NSX_BIN, 'record', '--dir', dir, '-i', '1s'], { stdio: ['ignore', 'ignore', 'pipe'] });
  recorder.stderr!.on('data', (d: Buffer) => (recErr += d.toString()));
  await waitFor(() => frames() >= 2, 120_000, `the recorder's first frames (${recErr})`).catch(async (e) => {
    await sleep(0);
    throw e;
  });

  // 1. throttling: a busy loop under its own quota, and a busy child under its parent's
  makeCgroup(`${base}/q`);
  makeCgroup(`${base}/p/child`);
  writeFileSync(join(CG, 'cpu', base, 'cpu.shares'), '16384');
  writeFileSync(join(CG, 'cpu', base, 'q', 'cpu.cfs_quota_us'), '20000');
  writeFileSync(join(CG, 'cpu', base, 'p', 'cpu.cfs_quota_us'), '20000');
  t.thr0 = Date.now();
  const loops = [startIn(`${base}/q`, `sh -c 'while :; do :; done'`), startIn(`${base}/p/child`, `sh -c 'while :; do :; done'`)];
  procs.push(...loops);
  await sleep(THROTTLE_S * 1000);
  for (const l of loops) await l.stop();
  t.thr1 = Date.now();
  await recordedPast(t.thr1, 'the throttling');

  // 2. an OOM kill: the parent's limit, a process in the child
  makeCgroup(`${base}/m/child`);
  writeFileSync(join(CG, 'memory', base, 'm', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
  t.oom0 = Date.now();
  const eater = startIn(`${base}/m/child`, `sh -c 'x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done'`);
  procs.push(eater);
  await new Promise<void>((r) => (eater.child.exitCode !== null || eater.child.signalCode !== null ? r() : eater.child.once('exit', () => r())));
  t.oom1 = Date.now();
  await recordedPast(t.oom1 + 1000, 'the OOM kill');

  // 3. a fork loop against pids.max
  makeCgroup(`${base}/k`);
  writeFileSync(join(CG, 'pids', base, 'k', 'pids.max'), '5');
  t.pids0 = Date.now();
  const forker = startIn(`${base}/k`, `sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done; sleep 3'`);
  procs.push(forker);
  await sleep(4000);
  await forker.stop();
  t.pids1 = Date.now();
  await recordedPast(t.pids1 + 1000, 'the fork loop');

  // 4. a Docker container started, renamed, removed
  if (DOCKER) {
    const n1 = `${base}-a`;
    const n2 = `${base}-b`;
    t.d0 = Date.now();
    const r = spawnSync('docker', ['run', '-d', '--network', 'none', '--pull', 'never', '--name', n1, 'nsx-busybox', 'sleep', '600'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `docker run: ${r.stderr}`);
    cid = String(r.stdout).trim();
    t.d0r = Date.now();
    await recordedPast(t.d0r + 2000, 'the container started');
    t.d1 = Date.now();
    assert.equal(spawnSync('docker', ['rename', n1, n2]).status, 0);
    t.d1r = Date.now();
    await recordedPast(t.d1r + 7000, 'the container renamed');
    t.d2 = Date.now();
    spawnSync('docker', ['rm', '-f', n2], { stdio: 'ignore' });
    t.d2r = Date.now();
    await recordedPast(t.d2r + 2000, 'the container removed');
  }
  recorder.kill('SIGINT');
  await new Promise((r) => recorder!.once('exit', r));
});

after(async () => {
  if (SKIP) return;
  for (const p of procs) await p.stop();
  if (recorder && recorder.exitCode === null) recorder.kill('SIGKILL');
  removeCgroup(base, ['q', 'p/child', 'p', 'm/child', 'm', 'k']);
  if (hasTool('docker')) for (const n of [`${base}-a`, `${base}-b`]) spawnSync('docker', ['rm', '-f', n], { stdio: 'ignore' });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const win = (a: number, b: number) => ['--from', iso(a), '--to', iso(b), '--dir', dir];
const SLACK = 3000;

test('live record: a quota throttling a busy loop — why names the quota, top --at who throttles whom', { skip: SKIP, timeout: 300_000 }, () => {
  const q = json(['why', `/${base}/q`, '-J', ...win(t.thr0 - 2000, t.thr1 + 2000)]);
  const e = q.episodes.find((x: any) => x.id === 'cpu.throttled');
  assert.ok(e, `episodes: ${JSON.stringify(q.episodes)}`);
  assert.equal(e.cgroup, `/${base}/q`);
  assert.equal(e.cpu?.max_cpus, 0.2);
  assert.ok(e.from_ms >= t.thr0 - SLACK && e.to_ms <= t.thr1 + SLACK && e.to_ms - e.from_ms >= (THROTTLE_S - 6) * 1000, `episode ${e.from}–${e.to} inside the throttled ${iso(t.thr0)}–${iso(t.thr1)}`);
  const c = json(['why', `/${base}/p/child`, '-J', ...win(t.thr0 - 2000, t.thr1 + 2000)]);
  const ce = c.episodes.find((x: any) => x.id === 'cpu.throttled');
  assert.equal(ce?.cgroup, `/${base}/p`, `the parent's quota binds the child: ${JSON.stringify(c.episodes)}`);
  assert.match(runNsx(['why', `/${base}/p/child`, ...win(t.thr0, t.thr1)]).stdout, new RegExp(`CPU throttled by the quota of /${base}/p \\(0\\.2 CPUs\\)`));
  const mid = (t.thr0 + t.thr1) / 2;
  const top = json(['top', '-J', '--at', iso(mid), '--dir', dir, `/${base}`]);
  const row = (p: string) => top.cgroups.find((r: any) => r.path === p);
  assert.equal(row(`/${base}/q`).cpu_throttled_by, `/${base}/q`);
  assert.equal(row(`/${base}/p/child`).cpu_throttled_by, `/${base}/p`);
  assert.ok(Math.abs(row(`/${base}/q`).cpu_percent - 20) < 8, `CPU% under a 0.2 quota: ${row(`/${base}/q`).cpu_percent}`);
  // after the loops stopped: clean
  // (the end of the fork loop: seconds after the loops stopped; the OOM kill may come within the same second)
  const later = json(['why', `/${base}/q`, '-J', '--at', iso(t.pids1), '--dir', dir]);
  assert.equal(later.episodes.filter((x: any) => x.id === 'cpu.throttled').length, 0, `at ${iso(t.pids1)}, loops stopped at ${iso(t.thr1)}: ${JSON.stringify(later.episodes)} ${JSON.stringify(later.replay)}`);
});

test('live record: a parent\'s memory limit OOM-kills a child — why names the kill, the parent and the limit then', { skip: SKIP, timeout: 300_000 }, () => {
  const r = json(['why', `/${base}/m/child`, '-J', ...win(t.oom0 - 2000, t.oom1 + 3000)]);
  const kills = r.episodes.filter((x: any) => x.id === 'memory.oom-kill');
  assert.ok(kills.length >= 1, `episodes: ${JSON.stringify(r.episodes)}; kernel log ${JSON.stringify(r.kernel_log)}`);
  const k = kills[0];
  assert.equal(k.cgroup, `/${base}/m`);
  assert.equal((k.memory as { max_bytes?: unknown } | undefined)?.max_bytes, 64 * 1024 * 1024);
  assert.ok(k.from_ms >= t.oom0 - SLACK && k.from_ms <= t.oom1 + SLACK, `the kill at ${k.from} within ${iso(t.oom0)}–${iso(t.oom1)}`);
  if (r.kernel_log.readable) assert.equal(k.victim?.task_memcg, `/${base}/m/child`, `the kill: ${JSON.stringify(k)}; kernel log ${JSON.stringify(r.kernel_log)}`);
  // before the process started (its cgroups did not exist yet): nothing under the test's cgroup
  const before = json(['why', `/${base}`, '-J', ...win(t.thr0, t.oom0 - 1500)]);
  assert.equal(before.episodes.filter((x: any) => x.id === 'memory.oom-kill').length, 0);
});

test('live record: a fork loop against pids.max — why names the limit and its cgroup', { skip: SKIP, timeout: 300_000 }, () => {
  const r = json(['why', `/${base}/k`, '-J', ...win(t.pids0 - 2000, t.pids1 + 2000)]);
  const e = r.episodes.find((x: any) => x.id === 'pids.max');
  assert.ok(e, `episodes: ${JSON.stringify(r.episodes)}`);
  assert.equal(e.cgroup, `/${base}/k`);
  assert.equal(e.pids?.max, 5);
  assert.ok(e.from_ms >= t.pids0 - SLACK && e.from_ms <= t.pids1 + SLACK);
});

test('live record: a Docker container started, renamed and removed — ps --at under each name, then gone', { skip: SKIP || (!DOCKER && 'live test: docker or the nsx-busybox image is not available'), timeout: 300_000 }, () => {
  const n1 = `${base}-a`;
  const n2 = `${base}-b`;
  const psAt = (ms: number, c: string) => runNsx(['ps', '-J', '-c', c, '--at', iso(ms), '--dir', dir]);
  const a = psAt(t.d1 - 500, n1);
  assert.equal(a.code, 0, a.stderr);
  assert.ok(JSON.parse(a.stdout).processes.some((p: any) => p.command === 'sleep 600'));
  const b = psAt(t.d2 - 500, n2);
  assert.equal(b.code, 0, b.stderr);
  assert.ok(JSON.parse(b.stdout).processes.some((p: any) => p.command === 'sleep 600'));
  assert.equal(psAt(t.d1 - 500, n2).code, 1, `${n2} did not exist yet`);
  const gone = psAt(t.d2r + 2000, n2);
  assert.equal(gone.code, 1, `no process of ${n2} after its removal: ${gone.stdout}`);
  // the recording's events: renamed, then the cgroup removed
  const rec = openRecording(dir, 'test');
  let renamed = 0;
  let removed = 0;
  for (const st of rec.range(t.d0, t.d2r + 2000)) {
    if (st.identityChanged.some((p) => st.identities[p]?.name === n2)) renamed = st.time_ms;
    if (st.cgroupsRemoved.some((p) => p.includes(cid))) removed ||= st.time_ms;
  }
  assert.ok(renamed >= t.d1 - SLACK && renamed <= t.d1r + 8000, `renamed at ${iso(renamed)} (docker rename at ${iso(t.d1)})`);
  assert.ok(removed >= t.d2 - SLACK, `cgroup removed at ${iso(removed)} (docker rm at ${iso(t.d2)})`);
});

test('live record: the dashboard replays it — n steps to the OOM kill', { skip: SKIP, timeout: 300_000 }, async () => {
  const replay = openReplay({ dir, at: t.oom0 - 1500 }, 'nsx');
  const p = dashboardReplayParts(replay);
  const app = render(
    React.createElement(DashboardApp, { topSampler: p.topSampler, procSampler: p.procSampler, layout: replay.layout.kind, timeTravel: p.timeTravel, loadWhy: p.loadWhy, size: { columns: 200, rows: 30 } }),
  );
  try {
    p.procSampler.start();
    p.topSampler.start();
    let f = '';
    for (let i = 0; i < 20 && !/OOM kill of/.test(f); i++) {
      app.stdin.write('n');
      await sleep(300);
      f = stripAnsi(app.lastFrame() ?? '');
    }
    assert.match(f, /OOM kill of \S+ in \/nsx-test-rec/);
    const m = /REPLAY (\S+) /.exec(f);
    assert.ok(m && Date.parse(m[1]) >= t.oom0 - SLACK && Date.parse(m[1]) <= t.oom1 + SLACK, `the dashboard at ${m?.[1]} for the kill between ${iso(t.oom0)} and ${iso(t.oom1)}`);
  } finally {
    p.procSampler.stop();
    p.topSampler.stop();
    app.unmount();
  }
});

test('live record: export --openmetrics of the throttled window backfills a Prometheus that answers rate()', { skip: SKIP || (!hasTool('promtool') && 'live test: promtool is not installed') || (!hasTool('prometheus') && 'live test: prometheus is not installed'), timeout: 300_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'nsx-test-record-prom-'));
  let prom: Started | undefined;
  try {
    const om = join(work, 'export.om');
    const r = spawnSync(process.execPath, [NSX_BIN, 'record', 'export', '--openmetrics', ...win(t.thr0 - 2000, t.thr1 + 2000)], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    writeFileSync(om, r.stdout);
    assert.match(r.stdout, /# EOF\n$/);
    const data = join(work, 'data');
    const b = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, data], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(b.status, 0, `promtool: ${b.stderr}${b.stdout}`);
    const port = await freePort();
    writeFileSync(join(work, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
    prom = startProcess('prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', '--storage.tsdb.retention.time=100y']);
    const end = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await httpText(port, '/-/ready', {}, 2000)).status === 200) break;
      } catch (e) {
        if (!(e instanceof Error)) throw e; // not listening yet
      }
      if (Date.now() > end) assert.fail('prometheus did not become ready');
      await sleep(200);
    }
    // over the whole throttled window (on a loaded machine a few seconds may hold one recorded sample only)
    const at = (t.thr1 / 1000).toFixed(3);
    const q = `rate(container_cpu_usage_seconds_total{id="/${base}/q",cpu="total"}[${THROTTLE_S}s])`;
    const res = await httpText(port, `/api/v1/query?query=${encodeURIComponent(q)}&time=${at}`);
    const j = JSON.parse(res.body);
    assert.equal(j.status, 'success', res.body);
    assert.equal(j.data.result.length, 1, res.body);
    const rate = Number(j.data.result[0].value[1]);
    assert.ok(Math.abs(rate - 0.2) < 0.07, `rate() over the recorded window under a 0.2 quota: ${rate}`);
    const thr = await httpText(port, `/api/v1/query?query=${encodeURIComponent(`rate(nsx_cgroup_cpu_cfs_throttled_periods_total{id="/${base}/p/child",by="/${base}/p"}[${THROTTLE_S}s])`)}&time=${at}`);
    assert.ok(Number(JSON.parse(thr.body).data.result[0]?.value[1]) > 0, thr.body);
  } finally {
    await prom?.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
