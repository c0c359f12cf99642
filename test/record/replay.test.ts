/**
 * Replay is the live views over recorded samples: the recorder runs on a fixture host (the k8s-node manifest,
 * unpacked and then changed between two samples: CPU time spent, a cgroup created with a quota, an OOM kill in
 * the kernel log), and each replayed view must equal the same command run on the host as it then was (`--root`),
 * field for field, except what only a replay has (rates between the two recorded instants) or what a recording
 * does not keep (said per command). Also: a recording copied elsewhere replays the same; `why --since` names the
 * recorded OOM kill with the limit in force; the CLI's errors for times outside the recording.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Recorder } from '../../src/record/recorder.js';
import { fixtureHost, type FixtureHost } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';

let host: FixtureHost;
let dir: string;
const T0 = Date.parse('2026-11-22T12:00:00Z');
const CPU = 'sys/fs/cgroup/cpu,cpuacct';
const POD = 'kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9493223b_520e_4a97_a45f_359dcf967006.slice';
const iso = (ms: number) => new Date(ms).toISOString();

function bump(rel: string, by: number): void {
  const f = join(host.dir, rel);
  writeFileSync(f, `${Number(readFileSync(f, 'utf8').trim()) + by}\n`);
}

before(async () => {
  host = fixtureHost('k8s-node.manifest');
  dir = mkdtempSync(join(tmpdir(), 'nsx-test-record-replay-'));
  let now = T0;
  let mono = 1_000_000;
  const r = new Recorder({ paths: host.paths, dir, intervalMs: 5000, log: () => {}, sync: false, now: () => now, clock: () => mono });
  await r.tick();
  // 5 s later: the pod spent 1 CPU-second, a new cgroup with a quota appeared, the kernel killed a process
  now += 5000;
  mono += 5000;
  bump(`${CPU}/${POD}/cpuacct.usage`, 1_000_000_000);
  bump(`${CPU}/kubepods.slice/kubepods-besteffort.slice/cpuacct.usage`, 1_000_000_000);
  bump(`${CPU}/kubepods.slice/cpuacct.usage`, 1_000_000_000);
  bump(`${CPU}/cpuacct.usage`, 1_000_000_000);
  mkdirSync(join(host.dir, CPU, 'nsx-test-new'));
  writeFileSync(join(host.dir, CPU, 'nsx-test-new', 'cpu.cfs_quota_us'), '50000\n');
  writeFileSync(join(host.dir, CPU, 'nsx-test-new', 'cpu.cfs_period_us'), '100000\n');
  writeFileSync(join(host.dir, CPU, 'nsx-test-new', 'cpuacct.usage'), '0\n');
  writeFileSync(join(host.dir, CPU, 'nsx-test-new', 'cgroup.procs'), '');
  // the kernel counts the new cgroup in /proc/cgroups (what tells a sampler to list the tree again)
  const pc = join(host.dir, 'proc/cgroups');
  writeFileSync(pc, readFileSync(pc, 'utf8').replace(/^(cpu(?:acct)?\t\d+\t)(\d+)/gm, (_, a: string, n: string) => `${a}${Number(n) + 1}`));
  mkdirSync(join(host.dir, 'dev'), { recursive: true });
  const up = Number(readFileSync(join(host.dir, 'proc/uptime'), 'utf8').split(' ')[0]);
  const usec = Math.round((up - 1) * 1e6);
  writeFileSync(
    join(host.dir, 'dev/kmsg'),
    `3,900,${usec},-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/${POD},task_memcg=/${POD},task=eat,pid=4242,uid=0\n` +
      `3,901,${usec + 10},-;Memory cgroup out of memory: Killed process 4242 (eat) total-vm:100kB, anon-rss:60000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0\n`,
  );
  await r.tick();
  await r.stop();
});

after(() => {
  host?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const at = () => ['--at', iso(T0 + 5000), '--dir', dir];
function json(args: string[]): unknown {
  const r = runNsx(args);
  assert.equal(r.code, 0, `nsx ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('replay: nsx ps --at equals nsx ps on the host as it was (table and one process in full)', () => {
  assert.deepEqual(json(['ps', '-J', ...at()]), json(['--root', host.dir, 'ps', '-J']));
  // in full: what a recording does not keep is null (GID, uid/gid maps, the root mount); cgroup stats are the recorded samples
  const live = json(['--root', host.dir, 'ps', '-J', '1']) as { processes: Record<string, unknown>[] };
  const rec = json(['ps', '-J', '1', ...at()]) as { processes: Record<string, unknown>[] };
  for (const k of ['pid', 'ppid', 'comm', 'command', 'argv', 'state', 'uid', 'user', 'threads', 'rss_bytes', 'nspid', 'namespaces', 'container']) {
    assert.deepEqual(rec.processes[0][k], live.processes[0][k], k);
  }
  assert.equal(rec.processes[0].root_mount, null);
});

test('replay: nsx ls --at equals nsx ls on the host (namespaces, holders, relations, trees)', () => {
  for (const extra of [['-l'], ['--tree=owner'], ['-t', 'net', '-o', '+NSFS,NETNSID'], []]) {
    assert.deepEqual(json(['ls', '-J', ...extra, ...at()]), json(['--root', host.dir, 'ls', '-J', ...extra]), extra.join(' '));
  }
});

test('replay: nsx cg tree --at equals nsx cg tree on the host (processes under their cgroups, containers named)', () => {
  for (const extra of [[], ['-c', 'cpu'], ['-c', 'memory', '-k']]) {
    assert.deepEqual(json(['cg', 'tree', '-J', ...extra, ...at()]), json(['--root', host.dir, 'cg', 'tree', '-J', ...extra]), extra.join(' '));
  }
});

test('replay: nsx top --at has the host\'s cgroups, limits and identities, and the rates of the recorded interval', () => {
  const live = json(['--root', host.dir, 'top', '-J']) as { cgroups: Record<string, unknown>[] };
  const rec = json(['top', '-J', ...at()]) as { cgroups: Record<string, unknown>[]; interval_s: number; timestamp: string };
  assert.equal(rec.interval_s, 5);
  assert.equal(rec.timestamp, iso(T0 + 5000));
  const byPath = (l: Record<string, unknown>[]) => new Map(l.map((c) => [c.path as string, c] as const));
  const L = byPath(live.cgroups);
  const R = byPath(rec.cgroups);
  assert.deepEqual([...R.keys()].sort(), [...L.keys()].sort());
  for (const [p, c] of L) for (const k of ['pids_current', 'pids_max', 'cpu_max_usec', 'cpu_period_usec', 'memory_current_bytes', 'memory_max_bytes', 'container', 'identity']) assert.deepEqual(R.get(p)![k], c[k], `${p} ${k}`);
  // the pod spent one CPU-second in five seconds
  assert.equal(R.get(`/${POD}`)!.cpu_percent, 20);
  assert.equal(R.get('/nsx-test-new')!.cpu_max_cpus, 0.5);
  // a range: both frames, the first without rates
  const lines = runNsx(['top', '-J', '--from', iso(T0 - 1000), '--to', iso(T0 + 6000), '--dir', dir]).stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { interval_s: number | null }).interval_s), [null, 5]);
});

test('replay: why --since names the recorded OOM kill, its cgroup and the limit in force', () => {
  const r = json(['why', `/${POD}`, '-J', '--from', iso(T0 - 1000), '--dir', dir]) as { episodes: { id: string; cgroup: string; victim?: { pid?: number } }[]; replay: { frames: number } };
  assert.equal(r.replay.frames, 2);
  const kill = r.episodes.find((e) => e.id === 'memory.oom-kill');
  assert.ok(kill, JSON.stringify(r.episodes));
  assert.equal(kill.cgroup, `/${POD}`);
  assert.equal(kill.victim?.pid, 4242);
  const text = runNsx(['why', `/${POD}`, '--since', '100000d', '--dir', dir]).stdout;
  assert.match(text, /eat\[4242\].*OOM-killed by the memory limit of/);
});

test('replay: a recording copied to another directory replays the same; errors name the recording', () => {
  const copy = mkdtempSync(join(tmpdir(), 'nsx-test-record-copy-'));
  try {
    cpSync(dir, copy, { recursive: true });
    assert.deepEqual(json(['ps', '-J', '--at', iso(T0 + 5000), '--dir', copy]), json(['ps', '-J', ...at()]));
    const e = runNsx(['ps', '--at', iso(T0 - 3_600_000), '--dir', copy]);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /^nsx ps: .* is outside the recording in .* \(2026-11-22T12:00:00Z to 2026-11-22T12:00:05Z\)\n$/);
    const u = runNsx(['ps', '--at', 'yesterday', '--dir', copy]);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /^nsx ps: invalid time: 'yesterday'/);
    const none = runNsx(['top', '--at', '-1m', '--dir', join(copy, 'nothing-here')]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr.split('\n').length, 2, none.stderr);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
