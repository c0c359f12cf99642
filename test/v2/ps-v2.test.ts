/**
 * Pure cgroup v2 (run with `npm run test:v2`): a process in a cgroup named like a Docker systemd-driver scope
 * (`nsx-test-…/docker-<64hex>.scope`, with cpu.max and memory.max) shows in `nsx ps PID --json` with its one
 * cgroup2 path, the limits read from it, and the Docker identity; `nsx ps --container` finds it. Skipped
 * (with the reason) when the host is not pure v2 or not root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName } from '../helpers/live.js';
import { runNsx } from '../helpers/cli.js';

const CG = '/sys/fs/cgroup';
const pureV2 = existsSync(join(CG, 'cgroup.controllers')) && !existsSync(join(CG, 'cpu'));

test('v2: nsx ps shows a Docker-named cgroup2 scope with its limits and identity', { skip: liveSkipReason() || (!pureV2 && 'v2 test: the host is not pure cgroup v2 (npm run test:v2)') }, async () => {
  const id = 'a'.repeat(8) + Math.random().toString(16).slice(2, 10).padEnd(8, '0') + 'b'.repeat(48);
  const parent = join(CG, testName('ps'));
  const scope = join(parent, `docker-${id}.scope`);
  const proc = startProcess('sleep', ['300']);
  try {
    const avail = readFileSync(join(CG, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    const want = ['cpu', 'memory', 'pids'].filter((c) => avail.includes(c));
    writeFileSync(join(CG, 'cgroup.subtree_control'), want.map((c) => `+${c}`).join(' '));
    mkdirSync(parent);
    writeFileSync(join(parent, 'cgroup.subtree_control'), want.map((c) => `+${c}`).join(' '));
    mkdirSync(scope);
    if (want.includes('cpu')) writeFileSync(join(scope, 'cpu.max'), '50000 100000');
    if (want.includes('memory')) writeFileSync(join(scope, 'memory.max'), String(256 * 1024 * 1024));
    writeFileSync(join(scope, 'cgroup.procs'), String(proc.pid));

    const r = runNsx(['ps', String(proc.pid), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout).processes[0];
    const rel = scope.slice(CG.length);
    assert.deepEqual(d.cgroups.map((c: { path: string; version: number }) => [c.version, c.path]), [[2, rel]]);
    assert.equal(d.container.runtime, 'docker');
    assert.equal(d.container.id, id);
    assert.equal(d.container.cgroup, rel);
    const stats = d.cgroups[0].stats;
    if (want.includes('cpu')) {
      assert.equal(stats.cpu.max_usec, 50000);
      assert.equal(stats.cpu.period_usec, 100000);
    }
    if (want.includes('memory')) assert.equal(stats.memory.max_bytes, 256 * 1024 * 1024);
    if (want.includes('pids')) assert.equal(stats.pids.current, 1);

    const t = JSON.parse(runNsx(['ps', '--container', `docker:${id.slice(0, 12)}`, '--json', '-o', 'PID,CONTAINER,CGROUP']).stdout).processes;
    // CONTAINER brings the identity record beside the label (as in every JSON output)
    assert.deepEqual(
      t.map((r: { pid: number; container: string; cgroup: string; identity: { runtime: string; id: string; cgroup: string } }) => [r.pid, r.container, r.cgroup, r.identity.runtime, r.identity.id, r.identity.cgroup]),
      [[proc.pid, `docker:${id.slice(0, 12)}`, rel, 'docker', id, rel]],
    );
  } finally {
    await proc.stop();
    for (const d of [scope, parent]) {
      for (let i = 0; i < 50 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          await new Promise((res) => setTimeout(res, 20));
        }
      }
    }
  }
});
