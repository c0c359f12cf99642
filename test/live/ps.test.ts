/**
 * Live (root): a process started here in its own namespaces (unshare) and in an `nsx-test-*` v1 cgroup shows in
 * `nsx ps PID --json` with its namespaces (= readlink /proc/PID/ns/*), its NSpid chain (= status) and its cgroup;
 * `nsx ps --ns INODE` lists exactly the processes lsns lists for that namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName, waitFor, childrenOf } from '../helpers/live.js';
import { run, runNsx } from '../helpers/cli.js';

const NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
const CG = '/sys/fs/cgroup';

/** v1 hierarchies of this host that we put the test process into. */
function v1Dirs(): string[] {
  return ['cpu', 'memory', 'pids'].map((h) => join(CG, h)).filter((d) => existsSync(join(d, 'cgroup.procs')));
}

/** Pure cgroup v2: the test cgroup goes into the one tree (with memory enabled when the kernel offers it). */
function v2Root(): string | undefined {
  if (v1Dirs().length || !existsSync(join(CG, 'cgroup.controllers'))) return undefined;
  if (readFileSync(join(CG, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory')) writeFileSync(join(CG, 'cgroup.subtree_control'), '+memory');
  return CG;
}

test('live: nsx ps PID --json matches the kernel; --ns matches lsns', { skip: liveSkipReason({ tools: ['unshare', 'lsns'] }) }, async () => {
  const name = testName('ps');
  const v2 = v2Root();
  const dirs = (v2 ? [v2] : v1Dirs()).map((d) => join(d, name));
  const proc = startProcess('unshare', ['--fork', '--pid', '--mount-proc', '--net', '--uts', '--ipc', 'sleep', '300']);
  try {
    for (const d of dirs) mkdirSync(d);
    await waitFor(() => childrenOf(proc.pid).length > 0, 5000, 'the unshared child');
    const pid = childrenOf(proc.pid)[0];
    await waitFor(() => readlinkSync(`/proc/${pid}/ns/pid`) !== readlinkSync(`/proc/${proc.pid}/ns/pid`), 5000, 'exec in the new pid ns');
    for (const d of dirs) writeFileSync(join(d, 'cgroup.procs'), String(pid));

    const r = runNsx(['ps', String(pid), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout).processes[0];
    assert.equal(d.pid, pid);
    // namespaces = readlink /proc/PID/ns/*
    for (const t of NS) {
      const link = readlinkSync(`/proc/${pid}/ns/${t}`);
      const got = d.namespaces.find((n: { type: string }) => n.type === t);
      assert.ok(got, `namespace ${t} missing`);
      assert.equal(`${t}:[${got.inode}]`, link, t);
    }
    assert.equal(d.namespaces.find((n: { type: string }) => n.type === 'net').shared_with_init, false);
    // NSpid chain = status
    const nspid = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1].trim().split(/\s+/).map(Number);
    assert.deepEqual(d.nspid, nspid);
    assert.equal(nspid.length, 2);
    assert.equal(nspid[1], 1, 'PID 1 of its own pid namespace');
    // its cgroup in every hierarchy we placed it in (and /proc/PID/cgroup lines all present)
    const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
    assert.equal(d.cgroups.length, lines.length);
    for (const dir of v1Dirs()) {
      const ctl = dir.split('/').pop()!;
      const c = d.cgroups.find((x: { controllers: string[] }) => x.controllers.includes(ctl));
      assert.ok(c, `hierarchy ${ctl} missing`);
      assert.equal(c.path, `/${name}`);
      assert.ok(c.stats, `stats of ${ctl}`);
    }
    if (v2) assert.deepEqual(d.cgroups.map((c: { version: number; path: string }) => [c.version, c.path]), [[2, `/${name}`]]);
    const mem = d.cgroups.find((x: { controllers: string[] }) => x.controllers.includes('memory'));
    if (mem) assert.equal(typeof mem.stats.memory.current_bytes, 'number');

    // the table filtered by the new net namespace = what lsns lists for it
    const netIno = d.namespaces.find((n: { type: string }) => n.type === 'net').inode;
    const mine = JSON.parse(runNsx(['ps', '--ns', String(netIno), '--json', '-o', 'PID']).stdout).processes.map((p: { pid: number }) => p.pid).sort();
    const lsns = JSON.parse(run('lsns', ['-J', '-o', 'PID', String(netIno)]).stdout).namespaces.map((p: { pid: number }) => p.pid).sort();
    assert.deepEqual(mine, lsns);
    assert.deepEqual(mine, [proc.pid, pid].sort());
    const lsnsCount = JSON.parse(run('lsns', ['-J', '-t', 'net']).stdout).namespaces.find((n: { ns: number }) => n.ns === netIno).nprocs;
    assert.equal(mine.length, lsnsCount);

    // and --cgroup finds it by its v1 cgroup
    const byCg = JSON.parse(runNsx(['ps', '--cgroup', `/${name}`, '--json', '-o', 'PID,CGROUP']).stdout).processes;
    assert.deepEqual(byCg.map((p: { pid: number }) => p.pid), [pid]);
    assert.equal(byCg[0].cgroup, `/${name}`);
  } finally {
    await proc.stop();
    for (const d of dirs) {
      for (let i = 0; i < 50 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
});
