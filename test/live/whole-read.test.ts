/**
 * Issue 18, point 1, on the live kernel: files over a page read whole. `seq_file` files return about a page per
 * read(2); fixtures are regular files and cannot show a read that stops early. Here a mount namespace with 150
 * stacked tmpfs mounts (mountinfo ≈ 15 KB) and a cgroup of 1,500 processes (cgroup.procs ≈ 9 KB) are read by
 * `readWhole`, by `readAll` on a kept fd (pread from 0, twice), and by the mountinfo reader, and compared with
 * `cat` of the same files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName, waitFor } from '../helpers/live.js';
import { readAll, readWhole } from '../../src/host/read.js';
import { parseMountinfo } from '../../src/parse/mountinfo.js';

const skip = liveSkipReason({ tools: ['unshare', 'cat'] });
const cat = (path: string) => spawnSync('cat', [path], { encoding: 'latin1', maxBuffer: 1 << 26 }).stdout;

/** A cgroup directory this host lets us create in, with its `pids.current` when there is one. */
function cgroupParent(): string | undefined {
  for (const d of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    if (existsSync(join(d, 'cgroup.procs'))) return d;
  }
  return undefined;
}

/** Leftovers of an earlier run that was killed: end their processes (ours: `sleep` started here) and remove them. */
function sweep(parent: string): void {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith('nsx-test-whole-')) continue;
    const dir = join(parent, name);
    for (const pid of cat(join(dir, 'cgroup.procs')).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
    for (let i = 0; i < 100; i++) {
      try {
        rmdirSync(dir);
        break;
      } catch {
        spawnSync('sleep', ['0.05']);
      }
    }
  }
}

test('mountinfo of 150 stacked mounts reads whole, as cat reads it', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-whole-'));
  const tag = testName('whole');
  const ns = startProcess('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `for i in $(seq 150); do mount -t tmpfs ${tag} '${dir}' || exit 1; done; touch '${dir}/ready'; exec sleep 1000`]);
  try {
    await waitFor(() => cat(`/proc/${ns.pid}/mountinfo`).split(tag).length > 150, 20_000, 'the mounts');
    const file = `/proc/${ns.pid}/mountinfo`;
    const text = readWhole(file);
    assert.ok(text.length > 3 * 4096, `mountinfo is ${text.length} bytes (over three pages)`);
    assert.equal(text, cat(file));
    const mounts = parseMountinfo(text, file).filter((m) => m.source === tag);
    assert.equal(mounts.length, 150);
  } finally {
    await ns.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cgroup.procs of 1,500 processes reads whole (plain and pread on a kept fd), as cat and pids.current say', { skip }, async (t) => {
  const parent = cgroupParent();
  if (!parent) {
    t.skip('no cgroup hierarchy with cgroup.procs under /sys/fs/cgroup');
    return;
  }
  sweep(parent);
  const cg = join(parent, testName('whole'));
  mkdirSync(cg);
  const N = 1500;
  // the shell joins the cgroup first, so every sleep it starts is born there
  const p = startProcess('sh', ['-c', `echo $$ > '${cg}/cgroup.procs' && for i in $(seq ${N}); do sleep 1000 & done; exec sleep 1000`]);
  try {
    const count = () => cat(join(cg, 'cgroup.procs')).split('\n').filter(Boolean).length;
    await waitFor(() => count() === N + 1, 60_000, `${N + 1} processes in ${cg}`);
    const file = join(cg, 'cgroup.procs');
    const text = readWhole(file);
    // over a page (PIDs of 4 or 5 digits: 1,501 lines are 7–9 KB; the kernel hands about a page per read)
    assert.ok(text.length > 4096, `cgroup.procs is ${text.length} bytes`);
    assert.equal(text, cat(file));
    const pids = text.split('\n').filter(Boolean);
    assert.equal(new Set(pids).size, N + 1);
    if (existsSync(join(cg, 'pids.current'))) assert.equal(Number(readWhole(join(cg, 'pids.current'))), N + 1);
    // a kept fd, read from offset 0 again and again (the sampler's way), with a small buffer to start
    const fd = openSync(file, 'r');
    try {
      const rb = { buf: Buffer.allocUnsafe(256) };
      for (let i = 0; i < 3; i++) {
        const n = readAll(fd, rb, true);
        assert.equal(rb.buf.toString('latin1', 0, n), text);
      }
    } finally {
      closeSync(fd);
    }
  } finally {
    await p.stop();
    await waitFor(() => cat(join(cg, 'cgroup.procs')).trim() === '', 30_000, 'the cgroup to empty').catch(() => undefined);
    try {
      rmdirSync(cg);
    } catch {}
  }
});
