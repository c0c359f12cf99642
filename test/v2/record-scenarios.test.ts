/**
 * `nsx record` on pure cgroup v2 (the twin of test/record/live-scenarios.test.ts; runs only inside
 * `run-in-v2vm.sh`, skipped elsewhere). The recorder runs in-process (Node is slow in the emulated VM) every 2 s
 * while a cpu.max throttles a busy loop (its own, and a parent's over a busy child), a parent's memory.max
 * OOM-kills a child's allocation, and a fork loop hits pids.max; then `why` over the recorded window names each
 * cause, its cgroup and the limit, at the time it happened, and `top --at` (the CLI) who throttled whom.
 * With systemd as PID 1 and Docker (`V2VM_INIT=systemd V2VM_UNITS="containerd.service docker.service"`), also:
 * deploy/systemd/nsx-record.service (its hardening as shipped; ExecStart names this checkout) records a Docker
 * container started, renamed and removed, and `nsx ps --at` shows it under each name.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasTool, liveSkipReason, startProcess, testName, waitFor, type Started } from '../helpers/live.js';
import { NSX_BIN, runNsx } from '../helpers/cli.js';
import { REPO } from '../helpers/host.js';
import { hostPaths } from '../../src/host/paths.js';
import { Recorder } from '../../src/record/recorder.js';
import { openReplay } from '../../src/record/replay.js';
import { openRecording } from '../../src/record/recording.js';
import { replayWhy } from '../../src/record/replay-why.js';
import { NsxError } from '../../src/errors.js';

const CG = join(hostPaths().sys, 'fs/cgroup');
const read = (p: string) => readFileSync(p, 'utf8').trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function v2Skip(): string | false {
  const s = liveSkipReason();
  if (s) return s;
  const mi = readFileSync(join(hostPaths().proc, 'self/mountinfo'), 'utf8');
  if (/ - cgroup /.test(mi)) return 'v2 test: this host has cgroup v1 hierarchies (run `npm run test:v2`)';
  if (!existsSync(join(CG, 'cgroup.controllers'))) return 'v2 test: cgroup2 is not mounted at /sys/fs/cgroup';
  return false;
}

const SKIP = v2Skip();

test('pure v2 record: throttling (own and parent quota), a parent\'s memory.max OOM kill, pids.max — replayed by why and top --at', { skip: SKIP, timeout: 1_200_000 }, async () => {
  const root = testName('rec-v2');
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-record-v2-'));
  const dirs: string[] = [];
  const procs: Started[] = [];
  const mk = (rel: string, ctl: string[] = []) => {
    const d = join(CG, root, rel);
    mkdirSync(d, { recursive: true });
    dirs.push(d);
    if (ctl.length) writeFileSync(join(d, 'cgroup.subtree_control'), ctl.map((c) => `+${c}`).join(' '));
    return `/${root}${rel ? '/' + rel : ''}`;
  };
  const startIn = (rel: string, cmd: string) => {
    const p = startProcess('sh', ['-c', `echo $$ > ${join(CG, root, rel, 'cgroup.procs')}; exec ${cmd}`]);
    procs.push(p);
    return p;
  };
  const rec = new Recorder({ paths: hostPaths(), dir, intervalMs: 2000, log: () => {}, sync: false });
  rec.start();
  const t: Record<string, number> = {};
  const end = () => {
    try {
      return openRecording(dir, 'test').end_ms;
    } catch (e) {
      if (e instanceof NsxError) return 0; // no frame yet
      throw e;
    }
  };
  const recordedPast = async (ms: number) => waitFor(() => end() > ms, 120_000, 'the recorder');
  try {
    const ctl = ['cpu', 'memory', 'pids'].filter((c) => read(join(CG, 'cgroup.controllers')).split(' ').includes(c));
    writeFileSync(join(CG, 'cgroup.subtree_control'), ctl.map((c) => `+${c}`).join(' '));
    mk('', ctl);
    const own = mk('own');
    const parent = mk('p', ctl);
    const child = mk('p/busy');
    const mem = mk('m', ctl);
    mk('m/alloc');
    const pids = mk('k');
    writeFileSync(join(CG, root, 'own', 'cpu.max'), '20000 100000');
    writeFileSync(join(CG, root, 'p', 'cpu.max'), '20000 100000');
    writeFileSync(join(CG, root, 'm', 'memory.max'), String(32 << 20));
    writeFileSync(join(CG, root, 'k', 'pids.max'), '5');
    await recordedPast(Date.now());
    t.thr0 = Date.now();
    const loops = [startIn('own', `sh -c 'while :; do :; done'`), startIn('p/busy', `sh -c 'while :; do :; done'`)];
    await sleep(16_000);
    for (const l of loops) await l.stop();
    t.thr1 = Date.now();
    t.oom0 = Date.now();
    const a = spawnSync('sh', ['-c', `echo $$ > ${join(CG, root, 'm/alloc', 'cgroup.procs')}; exec tail /dev/zero`], { timeout: 120_000 });
    assert.equal(a.signal, 'SIGKILL', 'the allocation should be OOM-killed');
    t.oom1 = Date.now();
    t.pids0 = Date.now();
    const f = startIn('k', `sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done; sleep 3'`);
    await sleep(4000);
    await f.stop();
    t.pids1 = Date.now();
    await recordedPast(Date.now() + 1000);
    await rec.stop();

    const win = (a0: number, a1: number) => openReplay({ dir, from: a0 - 2000, to: a1 + 3000 }, 'nsx why');
    const ownW = replayWhy(win(t.thr0, t.thr1), own);
    const e1 = ownW.episodes.find((e) => e.id === 'cpu.throttled');
    assert.equal(e1?.cgroup, own, JSON.stringify(ownW.episodes));
    assert.equal(e1?.cpu?.max_cpus, 0.2);
    assert.ok(e1!.from_ms >= t.thr0 - 4000 && e1!.to_ms <= t.thr1 + 5000);
    const childW = replayWhy(win(t.thr0, t.thr1), child);
    assert.equal(childW.episodes.find((e) => e.id === 'cpu.throttled')?.cgroup, parent, JSON.stringify(childW.episodes));
    const memW = replayWhy(win(t.oom0, t.oom1), `${mem}/alloc`);
    const kill = memW.episodes.find((e) => e.id === 'memory.oom-kill');
    assert.equal(kill?.cgroup, mem, JSON.stringify(memW.episodes));
    assert.equal((kill?.memory as { max_bytes?: unknown } | undefined)?.max_bytes, 32 << 20);
    const pidsW = replayWhy(win(t.pids0, t.pids1), pids);
    const p = pidsW.episodes.find((e) => e.id === 'pids.max');
    assert.equal(p?.cgroup, pids, JSON.stringify(pidsW.episodes));
    assert.equal(p?.pids?.max, 5);
    // the CLI: top --at in the throttled window names who throttled whom
    const top = runNsx(['top', '-J', '--at', new Date((t.thr0 + t.thr1) / 2).toISOString(), '--dir', dir, `/${root}`], { timeout: 300_000 });
    assert.equal(top.code, 0, top.stderr);
    const rows = JSON.parse(top.stdout).cgroups as { path: string; cpu_throttled_by: string | null }[];
    assert.equal(rows.find((r) => r.path === child)?.cpu_throttled_by, parent);
    assert.equal(rows.find((r) => r.path === own)?.cpu_throttled_by, own);
  } finally {
    await rec.stop().catch(() => undefined);
    for (const p of procs) await p.stop();
    for (const d of dirs.reverse()) {
      for (let i = 0; i < 50 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
          await sleep(100);
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

const SYSTEMD = !SKIP && existsSync('/run/systemd/system') && hasTool('systemctl');
const DOCKER = SYSTEMD && hasTool('docker') && spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;

test('pure v2 record under systemd: the shipped unit records a Docker container started, renamed, removed', { skip: SKIP || (!DOCKER && 'v2 test: needs systemd as PID 1 and Docker (V2VM_INIT=systemd V2VM_UNITS="containerd.service docker.service")'), timeout: 1_200_000 }, async () => {
  const name = testName('rec');
  const unit = readFileSync(join(REPO, 'deploy/systemd/nsx-record.service'), 'utf8')
    .replace(/\/usr\/bin\/node /, `${process.execPath} `)
    .replaceAll('/usr/local/lib/node_modules/nsx/bin/nsx', NSX_BIN)
    .replace('--interval 5s', '--interval 2s');
  writeFileSync('/etc/systemd/system/nsx-record.service', unit);
  const sc = (...a: string[]) => spawnSync('systemctl', a, { encoding: 'utf8' });
  try {
    if (spawnSync('docker', ['image', 'inspect', 'nsx-busybox'], { stdio: 'ignore' }).status !== 0) {
      const tar = '/var/lib/nsx-runtimes/busybox.tar';
      assert.ok(existsSync(tar), `${tar} (scripts/runtimes.sh up makes it on the host)`);
      assert.equal(spawnSync('docker', ['import', tar, 'nsx-busybox']).status, 0);
    }
    assert.equal(sc('daemon-reload').status, 0);
    const st = sc('start', 'nsx-record');
    assert.equal(st.status, 0, st.stderr);
    const dir = '/var/lib/nsx';
    const recordedPast = (ms: number) => waitFor(() => {
      try {
        return openRecording(dir, 'test').end_ms > ms;
      } catch (e) {
        if (e instanceof NsxError) return false; // no frame yet
        throw e;
      }
    }, 300_000, `nsx-record.service (${sc('status', 'nsx-record').stdout})`);
    await recordedPast(Date.now());
    const r = spawnSync('docker', ['run', '-d', '--network', 'none', '--pull', 'never', '--name', `${name}-a`, 'nsx-busybox', 'sleep', '600'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    await recordedPast(Date.now() + 2000);
    const t1 = Date.now();
    assert.equal(spawnSync('docker', ['rename', `${name}-a`, `${name}-b`]).status, 0);
    await recordedPast(Date.now() + 6000);
    const t2 = Date.now();
    spawnSync('docker', ['rm', '-f', `${name}-b`], { stdio: 'ignore' });
    await recordedPast(Date.now() + 3000);
    assert.equal(sc('stop', 'nsx-record').status, 0);
    const ps = (ms: number, c: string) => runNsx(['ps', '-J', '-c', c, '--at', new Date(ms).toISOString(), '--dir', dir], { timeout: 300_000 });
    const a = ps(t1 - 500, `${name}-a`);
    assert.equal(a.code, 0, a.stderr);
    assert.ok(JSON.parse(a.stdout).processes.some((p: { command: string }) => p.command === 'sleep 600'), a.stdout);
    const b = ps(t2 - 500, `${name}-b`);
    assert.equal(b.code, 0, b.stderr);
    assert.ok(JSON.parse(b.stdout).processes.some((p: { command: string }) => p.command === 'sleep 600'), b.stdout);
    assert.equal(ps(Date.now(), `${name}-b`).code, 1, 'gone after docker rm');
    const info = runNsx(['record', 'info', '-J', '--dir', dir]);
    assert.deepEqual(JSON.parse(info.stdout).warnings, [], 'the service sealed its segment on stop');
  } finally {
    sc('stop', 'nsx-record');
    spawnSync('docker', ['rm', '-f', `${name}-a`, `${name}-b`], { stdio: 'ignore' });
    rmSync('/etc/systemd/system/nsx-record.service', { force: true });
  }
});
