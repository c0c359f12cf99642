/**
 * Small pure parts of the recorder: times, durations and sizes on the command line (src/record/time.ts), the
 * replay options (src/cli/replay-options.ts), and kernel log records → events (src/record/kernel-events.ts):
 * an OOM kill joined with its `Killed process` line across two reads, each event once, a restart skipping what
 * the recording has.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSize, parseTime } from '../../src/record/time.js';
import { replayAsked, replayWindow } from '../../src/cli/replay-options.js';
import { shortCommandWord } from '../../src/cli/short-word.js';
import { KernelEvents } from '../../src/record/kernel-events.js';
import { parseKmsgRecord } from '../../src/parse/kmsg.js';
import { UsageError } from '../../src/errors.js';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockDeviceName } from '../../src/record/recorder.js';
import { hostPaths } from '../../src/host/paths.js';

const NOW = Date.parse('2026-12-08T12:00:00Z');

test('time: ISO 8601, Unix seconds, relative, now; durations and sizes', () => {
  assert.equal(parseTime('2026-12-08T03:12:00Z', NOW, 'x'), Date.parse('2026-12-08T03:12:00Z'));
  assert.equal(parseTime('2026-12-08T03:12:00.5+01:00', NOW, 'x'), Date.parse('2026-12-08T02:12:00.5Z'));
  assert.equal(parseTime('1765163520', NOW, 'x'), 1765163520000);
  assert.equal(parseTime('1765163520.25', NOW, 'x'), 1765163520250);
  assert.equal(parseTime('-10m', NOW, 'x'), NOW - 600_000);
  assert.equal(parseTime('-1h30m', NOW, 'x'), NOW - 5_400_000);
  assert.equal(parseTime('now', NOW, 'x'), NOW);
  // a time of day: its last occurrence, local time
  const noon = new Date(NOW);
  const at = (h: number, m: number) => {
    const d = new Date(noon);
    d.setHours(h, m, 0, 0);
    return d.getTime() > NOW ? d.getTime() - 86_400_000 : d.getTime();
  };
  assert.equal(parseTime('03:12', NOW, 'x'), at(3, 12));
  assert.equal(parseTime('23:59', NOW, 'x'), at(23, 59));
  assert.ok(parseTime('23:59', NOW, 'x') <= NOW);
  for (const bad of ['yesterday', '12', '2026-13-45', '-10x', '', '25:00', '12:61']) assert.throws(() => parseTime(bad, NOW, 'nsx top'), (e: Error) => e instanceof UsageError && /^nsx top: invalid (relative )?time/.test(e.message));
  assert.equal(parseDuration('7d', 'x'), 7 * 86_400_000);
  assert.equal(parseDuration('1h30m', 'x'), 5_400_000);
  assert.equal(parseDuration('500ms', 'x'), 500);
  assert.equal(parseDuration('5', 'x'), 5000);
  assert.throws(() => parseDuration('5 parsecs', 'nsx record'), /invalid duration/);
  assert.equal(parseSize('500M', 'x'), 500e6);
  assert.equal(parseSize('2GiB', 'x'), 2 * 1024 ** 3);
  assert.equal(parseSize('1000', 'x'), 1000);
  assert.throws(() => parseSize('lots', 'nsx record'), /invalid size/);
});

test('replay options: one instant or a window, --since to the end, and what may not be combined', () => {
  assert.equal(replayWindow({}, 'nsx top', true), undefined);
  assert.deepEqual(replayWindow({ at: '-1m' }, 'nsx top', true, NOW), { dir: '/var/lib/nsx', at: NOW - 60_000 });
  assert.deepEqual(replayWindow({ since: '1h', dir: '/d' }, 'nsx why', true, NOW), { dir: '/d', from: NOW - 3_600_000 });
  assert.deepEqual(replayWindow({ from: '-2h', to: '-1h' }, 'nsx top', true, NOW), { dir: '/var/lib/nsx', from: NOW - 7_200_000, to: NOW - 3_600_000 });
  assert.throws(() => replayWindow({ dir: '/d' }, 'nsx top', true), /--dir names a recording to replay/);
  assert.throws(() => replayWindow({ at: '-1m', since: '1h' }, 'nsx top', true), /--at cannot be combined/);
  assert.throws(() => replayWindow({ since: '1h', from: '-2h' }, 'nsx top', true), /use one/);
  assert.throws(() => replayWindow({ from: '-1h' }, 'nsx ps', false), /nsx ps: replays one instant: use --at TIME/);
  assert.throws(() => replayWindow({ from: '-1h', to: '-2h' }, 'nsx top', true), /--to is before/);
});

test('a replaying command line runs through the whole program, not a short command file', () => {
  for (const argv of [['ps', '--at', '-1m'], ['ps', '--at=-1m'], ['cg', 'tree', '--si', '1h'], ['why', '/', '--fr', '-2h', '--to', '-1h'], ['--root', '/r', 'ls', '--a', 'x']]) {
    assert.equal(replayAsked(argv), true, argv.join(' '));
    assert.equal(shortCommandWord(argv), undefined, argv.join(' '));
  }
  for (const argv of [['ps', '-J', '1'], ['cg', 'tree', '--depth', '2'], ['ls', '--', '--at'], ['--root', '/r', 'ls', '-l']]) {
    assert.equal(replayAsked(argv), false, argv.join(' '));
    assert.equal(shortCommandWord(argv), argv.includes('--root') ? argv[2] : argv[0], argv.join(' '));
  }
});

const rec = (seq: number, msg: string, usec = seq * 1_000_000) => parseKmsgRecord(`3,${seq},${usec},-;${msg}`)!;
const OOM = (seq: number, pid: number) => rec(seq, `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/p,task_memcg=/p/c,task=eat,pid=${pid},uid=0`);
const KILLED = (seq: number, pid: number) => rec(seq, `Memory cgroup out of memory: Killed process ${pid} (eat) total-vm:100kB, anon-rss:60000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0`);

test('kernel events: an OOM kill waits one read for its Killed line, each event once, a restart skips what was recorded', () => {
  const wall = (usec: number | undefined) => 1e12 + (usec ?? 0) / 1000;
  const k = new KernelEvents();
  // the oom-kill line is the last record of this read: held for the next one
  assert.deepEqual(k.take([rec(1, 'hello'), OOM(2, 77)], wall), []);
  const ev = k.take([KILLED(3, 77), rec(4, 'cgroup: fork rejected by pids controller in /q')], wall);
  assert.deepEqual(ev.map((e) => e.kind), ['oom-kill', 'fork-rejected']);
  assert.equal(ev[0].kind === 'oom-kill' && ev[0].anon_rss_kb, 60000);
  assert.equal(ev[0].time_ms, 1e12 + 2000);
  // nothing twice, even when records are read again
  assert.deepEqual(k.take([OOM(2, 77), KILLED(3, 77)], wall), []);
  // a Killed line that never comes: emitted at the next read without it
  assert.deepEqual(k.take([OOM(5, 78)], wall), []);
  assert.deepEqual(k.take([rec(6, 'x'), rec(7, 'y')], wall).map((e) => e.kind === 'oom-kill' && e.pid), [78]);
  // a restart on the same boot skips what the recording has
  const again = new KernelEvents(k.last);
  assert.deepEqual(again.take([OOM(2, 77), KILLED(3, 77), rec(4, 'cgroup: fork rejected by pids controller in /q')], wall), []);
  assert.equal(new KernelEvents(-1).take([OOM(2, 77), KILLED(3, 77)], wall).length, 1);
});

test('block device names: the /sys/dev/block link target (as the exporter DEVNAME), null when absent or copied', () => {
  const root = mkdtempSync(join(tmpdir(), 'nsx-test-blk-'));
  try {
    const d = join(root, 'sys/dev/block');
    mkdirSync(d, { recursive: true });
    symlinkSync('../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda', join(d, '254:0'));
    symlinkSync('../../devices/platform/cciss/block/cciss!c0d0', join(d, '104:0'));
    mkdirSync(join(d, '8:0'));
    const paths = hostPaths(root);
    assert.equal(blockDeviceName(paths, 254, 0), '/dev/vda');
    assert.equal(blockDeviceName(paths, 104, 0), '/dev/cciss/c0d0');
    assert.equal(blockDeviceName(paths, 8, 0), null, 'a directory (a copied /sys): no name');
    assert.equal(blockDeviceName(paths, 9, 9), null, 'no such device');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
